# lavaan 0.6-14 references for every residuals() type on complete data (the FIML cases are in
# make_reference_mgfiml.R): raw, cor (cor.bollen), cor.bentler, normalized, standardized,
# standardized.mplus; a single-group ML fit with a regression and a multigroup MLR fit.
# Usage (from the repository root): Rscript tests/reference/make_reference_residual_types.R
# Fits converged tightly (BFGS, reltol 1e-20, then Newton steps with lavaan's own gradient
# and Hessian until the projected gradient stops decreasing; polish$grad_max records it).
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_mgfiml"
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = FALSE, na = "null")
mat <- function(m) { m <- unclass(m); list(names = rownames(m), values = as.vector(m)) }
CTRL <- list(reltol = 1e-20, maxit = 20000L)
kmat <- function(fit) {
  pt <- parTable(fit); nf <- max(pt$free); grp <- seq_len(nf)
  for (i in which(pt$op == "==")) {
    a <- pt$free[pt$plabel == pt$lhs[i]]; b <- pt$free[pt$plabel == pt$rhs[i]]
    if (length(a) == 1 && length(b) == 1 && a > 0 && b > 0) grp[grp == grp[b]] <- grp[a]
  }
  u <- unique(grp); K <- matrix(0, nf, length(u)); K[cbind(seq_len(nf), match(grp, u))] <- 1; K
}
fitp <- function(fun, ...) {
  a <- list(...)
  fit <- do.call(fun, c(a, list(optim.method = "BFGS", control = CTRL)))
  K <- kmat(fit); pg <- function(f) drop(t(K) %*% lavInspect(f, "gradient")); steps <- 0L
  for (k in 1:8) {
    g <- pg(fit)
    if (max(abs(g)) < 1e-12) break
    H <- t(K) %*% lavInspect(fit, "hessian") %*% K
    pt <- parTable(fit); x <- coef(fit) - drop(K %*% solve(H, g))
    pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    b <- a; b$start <- pt
    f2 <- suppressWarnings(do.call(fun, c(b, list(optim.method = "none"))))
    if (max(abs(pg(f2))) >= max(abs(g))) break
    fit <- f2; steps <- k
  }
  attr(fit, "polish") <- list(steps = steps, grad_max = max(abs(pg(fit)))); fit
}
save_resid <- function(name, fit, model, call) {
  res <- list(model = model, call = call, lavaan = as.character(packageVersion("lavaan")),
              polish = attr(fit, "polish"), chisq = fitMeasures(fit, "chisq")[[1]])
  for (ty in c("raw", "cor", "cor.bentler", "normalized", "standardized", "standardized.mplus")) {
    r <- residuals(fit, type = ty)
    if (lavInspect(fit, "ngroups") == 1L) r <- list(r)
    res[[paste0("resid_", gsub(".", "_", ty, fixed = TRUE))]] <- lapply(unname(r), function(rg) {
      item <- list(cov = mat(rg$cov)); if (!is.null(rg$mean)) item$mean <- as.vector(unclass(rg$mean)); item })
  }
  wj(res, name)
  cat(name, "grad", attr(fit, "polish")$grad_max, "\n")
}
HSREG1 <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
speed ~ visual + textual'
HS3 <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
f <- fitp("sem", model = HSREG1, data = HS, meanstructure = TRUE)
save_resid("resid_hs_ml", f, HSREG1, "sem(HSREG1, HS, meanstructure = TRUE)")
f <- fitp("cfa", model = HS3, data = HS, group = "school", group.equal = "loadings", estimator = "MLR")
save_resid("resid_hs_mg_mlr", f, HS3, "cfa(HS3, HS, group = 'school', group.equal = 'loadings', estimator = 'MLR')")
