# lavaan 0.6-14 references for MLR with FIML in several groups and for the diagnostics of FIML
# fits (modindices, residuals of every type, standardizedSolution), single group and groups.
# Usage (from the repository root): Rscript tests/reference/make_reference_mgfiml.R
#
# Data: HolzingerSwineford1939 (acsi/datasets/data/holzinger_swineford_1939.csv) with holes
# planted from a fixed seed (set.seed(20261203)): each of x1, x2, x4, x5, x7, x9 is missing
# completely at random with probability 0.1, x3 missing where x1 > its 80% quantile (missing at
# random given x1) with probability 0.5; saved as hs_missing.csv (NA = empty).
# Fits: optim.method = "BFGS" (reltol 1e-20) with EM h1 moments converged to 1e-11, then Newton
# steps on lavaan's own objective (its analytic gradient and lav_model_hessian's differences of it)
# in the space of the equality-constrained parameters until the largest projected gradient
# element stops decreasing (below 1e-12 at best); polish$grad_max records it.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_mgfiml"
dir.create(out, showWarnings = FALSE)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = FALSE, na = "null")
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
set.seed(20261203)
HSm <- HS[, c("id", "school", paste0("x", 1:9))]
n <- nrow(HSm)
for (v in c("x1", "x2", "x4", "x5", "x7", "x9")) HSm[[v]][runif(n) < 0.1] <- NA
hi <- !is.na(HS$x1) & HS$x1 > quantile(HS$x1, 0.8)
HSm$x3[hi & runif(n) < 0.5] <- NA
write.csv(HSm, file.path(out, "hs_missing.csv"), row.names = FALSE, na = "")
HSm <- read.csv(file.path(out, "hs_missing.csv"))
stopifnot(all(rowSums(!is.na(HSm[, paste0("x", 1:9)])) > 0))

HS3 <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
HSREG <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
speed ~ c(a1, a2)*visual + textual
d := a1 - a2'
HSREG1 <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
speed ~ a*visual + textual
x1 ~~ x4'
CTRL <- list(reltol = 1e-20, maxit = 20000L)
EM <- list(em.h1.tol = 1e-11, em.h1.iter.max = 20000L)
mat <- function(m) { m <- unclass(m); list(names = rownames(m), values = as.vector(m)) }
df_ <- function(d) { d <- as.data.frame(d); class(d) <- "data.frame"; rownames(d) <- NULL; d }
kmat <- function(fit) {
  pt <- parTable(fit); nf <- max(pt$free); grp <- seq_len(nf)
  for (i in which(pt$op == "==")) {
    a <- pt$free[pt$plabel == pt$lhs[i]]; b <- pt$free[pt$plabel == pt$rhs[i]]
    if (length(a) == 1 && length(b) == 1 && a > 0 && b > 0) grp[grp == grp[b]] <- grp[a]
  }
  u <- unique(grp); K <- matrix(0, nf, length(u)); K[cbind(seq_len(nf), match(grp, u))] <- 1; K
}
refit_at <- function(fun, a, fit, x) {
  pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
  b <- a; b$start <- pt
  suppressWarnings(do.call(fun, c(b, list(optim.method = "none"))))
}
polish <- function(fit, fun, a) {
  K <- kmat(fit); steps <- 0L
  pg <- function(f) drop(t(K) %*% lavInspect(f, "gradient"))
  for (k in 1:12) {
    g <- pg(fit)
    if (max(abs(g)) < 1e-12) break
    # lavaan's Hessian (Richardson differences of its analytic gradient) without the group
    # weights: with missing data the gradient already carries N_g / N (lavInspect(fit,
    # "hessian") applies them twice in several groups)
    H <- t(K) %*% lavaan:::lav_model_hessian(lavmodel = fit@Model, lavsamplestats = fit@SampleStats,
                                             lavdata = fit@Data, lavoptions = fit@Options,
                                             lavcache = fit@Cache, group.weight = FALSE) %*% K
    f2 <- refit_at(fun, a, fit, coef(fit) - drop(K %*% solve(H, g)))
    if (max(abs(pg(f2))) >= max(abs(g))) break
    fit <- f2; steps <- k
  }
  attr(fit, "polish") <- list(steps = steps, grad_max = max(abs(pg(fit))))
  fit
}
fitp <- function(fun, ...) {
  a <- c(list(...), EM)
  fit <- do.call(fun, c(a, list(optim.method = "BFGS", control = CTRL)))
  polish(fit, fun, a)
}
resid_all <- function(fit) {
  res <- list()
  for (ty in c("raw", "cor", "cor.bentler", "normalized", "standardized", "standardized.mplus")) {
    r <- residuals(fit, type = ty)
    if (lavInspect(fit, "ngroups") == 1L) r <- list(r)
    res[[paste0("resid_", gsub(".", "_", ty, fixed = TRUE))]] <- lapply(unname(r), function(rg) {
      item <- list(cov = mat(rg$cov)); if (!is.null(rg$mean)) item$mean <- as.vector(unclass(rg$mean)); item })
  }
  res
}
save_case <- function(name, fit, model, call) {
  pe <- parameterEstimates(fit)
  if (!"group" %in% names(pe)) pe$group <- 1L
  if (!"label" %in% names(pe)) pe$label <- ""
  test <- lavInspect(fit, "test")
  res <- list(model = model, call = call, lavaan = as.character(packageVersion("lavaan")),
              data = "hs_missing.csv", polish = attr(fit, "polish"),
              group_labels = lavInspect(fit, "group.label"),
              est = df_(pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                               "ci.lower", "ci.upper")]),
              fit = as.list(unclass(fitMeasures(fit))),
              stat_group = as.numeric(test[[1]]$stat.group),
              vcov = mat(vcov(fit)))
  if (length(test) > 1) res$scaled <- list(stat = test[[2]]$stat, scaling = test[[2]]$scaling.factor,
                                           stat_group = as.numeric(test[[2]]$stat.group))
  for (ty in c("std.all", "std.lv", "std.nox"))
    res[[paste0("std_", sub("std.", "", ty))]] <- df_(standardizedSolution(fit, type = ty))
  res$mi <- df_(suppressWarnings(modindices(fit, sort. = FALSE)))
  if (is.null(res$mi$group)) res$mi$group <- 1L
  res <- c(res, resid_all(fit))
  wj(res, name)
  cat(name, "grad", attr(fit, "polish")$grad_max, "steps", attr(fit, "polish")$steps, "\n")
}
# --- MLR with FIML in groups
f <- fitp("cfa", model = HS3, data = HSm, group = "school", missing = "ml", estimator = "MLR")
save_case("mgfiml_mlr_configural", f, HS3, "cfa(HS3, HSm, group = 'school', missing = 'ml', estimator = 'MLR')")
f <- fitp("cfa", model = HS3, data = HSm, group = "school", missing = "ml", estimator = "MLR",
          group.equal = c("loadings", "intercepts"))
save_case("mgfiml_mlr_scalar", f, HS3, "group.equal = c('loadings', 'intercepts'), missing = 'ml', estimator = 'MLR'")
f <- fitp("sem", model = HSREG, data = HSm, group = "school", missing = "ml", estimator = "MLR",
          group.equal = c("loadings", "intercepts"), group.partial = "visual=~x2")
save_case("mgfiml_mlr_reg_partial", f, HSREG, "sem(HSREG, group = 'school', group.equal = c('loadings', 'intercepts'), group.partial = 'visual=~x2', missing = 'ml', estimator = 'MLR')")
# --- FIML (ML) in groups: diagnostics
f <- fitp("cfa", model = HS3, data = HSm, group = "school", missing = "ml",
          group.equal = c("loadings", "intercepts"))
save_case("mgfiml_ml_scalar", f, HS3, "group.equal = c('loadings', 'intercepts'), missing = 'ml'")
# --- single group FIML diagnostics (ML and MLR)
f <- fitp("sem", model = HSREG1, data = HSm, missing = "ml")
save_case("fiml_ml_reg", f, HSREG1, "sem(HSREG1, HSm, missing = 'ml')")
f <- fitp("cfa", model = HS3, data = HSm, missing = "ml", estimator = "MLR")
save_case("fiml_mlr_cfa", f, HS3, "cfa(HS3, HSm, missing = 'ml', estimator = 'MLR')")
cat("done\n")
