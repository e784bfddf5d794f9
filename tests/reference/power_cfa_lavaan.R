# Monte Carlo reference for acsi.power: lavaan 0.6-14 on the CFA design of Muthen & Muthen
# (2002, "How to use a Monte Carlo study to decide on sample size and determine power",
# Structural Equation Modeling 9(4)): two factors, five indicators each, loadings 0.8,
# residual variances 0.36, factor variances 1, factor correlation 0.25, normal data, no
# missing data, N = 150. Analysis model identified by std.lv = TRUE (the factor covariance
# is the correlation). Same summaries as acsi.power: power = share of converged replicates
# with p < .05 (Wald z), coverage of the 95% Wald interval.
# Run: Rscript tests/reference/power_cfa_lavaan.R > tests/reference/power_cfa_lavaan.csv
suppressPackageStartupMessages({library(lavaan); library(mvtnorm)})
set.seed(20021)
N <- 150; R <- 1000
L <- matrix(0, 10, 2); L[1:5, 1] <- 0.8; L[6:10, 2] <- 0.8
Phi <- matrix(c(1, 0.25, 0.25, 1), 2)
Sigma <- L %*% Phi %*% t(L) + diag(0.36, 10)
model <- "f1 =~ y1 + y2 + y3 + y4 + y5\nf2 =~ y6 + y7 + y8 + y9 + y10"
truth <- c(rep(0.8, 10), rep(0.36, 10), 0.25)
rows <- NULL; est <- NULL; se <- NULL; lo <- NULL; hi <- NULL; pv <- NULL; conv <- 0
for (r in 1:R) {
  X <- rmvnorm(N, sigma = Sigma); colnames(X) <- paste0("y", 1:10)
  fit <- cfa(model, data = as.data.frame(X), std.lv = TRUE)
  if (!lavInspect(fit, "converged")) next
  conv <- conv + 1
  pe <- parameterEstimates(fit)
  pe <- pe[pe$op %in% c("=~", "~~") & !(pe$op == "~~" & pe$lhs %in% c("f1", "f2") & pe$lhs == pe$rhs), ]
  if (is.null(rows)) rows <- paste(pe$lhs, pe$op, pe$rhs)
  est <- rbind(est, pe$est); se <- rbind(se, pe$se); lo <- rbind(lo, pe$ci.lower)
  hi <- rbind(hi, pe$ci.upper); pv <- rbind(pv, pe$pvalue)
}
pop <- ifelse(grepl("=~", rows), 0.8, ifelse(rows == "f1 ~~ f2", 0.25, 0.36))
out <- data.frame(param = rows, pop_value = pop, power = colMeans(pv < 0.05),
                  mean_est = colMeans(est), sd_est = apply(est, 2, sd), mean_se = colMeans(se),
                  coverage = colMeans(t(t(lo) <= pop) & t(t(hi) >= pop)), n_valid = conv, reps = R)
write.csv(out, stdout(), row.names = FALSE)
