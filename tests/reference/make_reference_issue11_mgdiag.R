# lavaan 0.6-14 references for acsi's multigroup diagnostics (issue 11): standardizedSolution
# with delta-method SEs, modindices (with lavaan's group column), residuals per group and the
# multigroup bootstrap (bootstrapLavaan resamples within each group).
# Usage (from the repository root): Rscript tests/reference/make_reference_issue11_mgdiag.R
#
# Every fit uses optim.method = "BFGS" with reltol 1e-20 and is then polished by Newton steps
# on lavaan's own objective in the space of the equality-constrained parameters until the
# largest projected gradient element is below 1e-12 (as make_reference_issue11_diag.R).
# mgdiag_<case>.json holds est, std_<type>, mi (modindices(sort. = FALSE)), resid_<type>
# (one entry per group: cov column-major, mean) and, for mgdiag_boot_*, lavaan's bootstrap
# rows per group (boot.idx, 1-based within each group), its replicates, tightly polished
# refits on those rows, and parameterEstimates() of a se = "bootstrap" fit with the same draws.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_issue11"
datadir <- "acsi/datasets/data"
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = FALSE, na = "null")
CTRL <- list(reltol = 1e-20, maxit = 20000)
HS <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
HS3 <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
HSREG <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9
 speed ~ c(a1, a2)*visual + textual
 d := a1 - a2 '
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
polish <- function(fit, fun, a) {
  steps <- 0L; K <- kmat(fit)
  for (k in 1:8) {
    g <- drop(t(K) %*% lavInspect(fit, "gradient"))
    if (max(abs(g)) < 1e-12) break
    H <- t(K) %*% lavInspect(fit, "hessian") %*% K
    x <- coef(fit) - drop(K %*% solve(H, g))
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    b <- a; b$start <- pt
    f2 <- suppressWarnings(do.call(fun, c(b, list(optim.method = "none"))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2; steps <- k
  }
  list(fit = fit, steps = steps, grad = max(abs(t(K) %*% lavInspect(fit, "gradient"))))
}
fitp <- function(fun, ...) {
  a <- list(...)
  fit <- do.call(fun, c(a, list(optim.method = "BFGS", control = CTRL)))
  pl <- polish(fit, fun, a); attr(pl$fit, "polish") <- list(steps = pl$steps, grad_max = pl$grad); pl$fit
}
save_case <- function(name, fit, model, call, opts = list()) {
  pe <- parameterEstimates(fit)
  res <- list(model = model, call = call, options = opts,
              lavaan = as.character(packageVersion("lavaan")), polish = attr(fit, "polish"),
              chisq = fitMeasures(fit, "chisq")[[1]], df = fitMeasures(fit, "df")[[1]],
              est = df_(pe[, c("lhs", "op", "rhs", "group", "est", "se")]))
  for (ty in c("std.all", "std.lv", "std.nox"))
    res[[paste0("std_", sub("std.", "", ty))]] <- df_(standardizedSolution(fit, type = ty))
  res$mi <- df_(suppressWarnings(modindices(fit, sort. = FALSE)))
  for (ty in c("raw", "cor", "normalized", "standardized")) {
    r <- residuals(fit, type = ty)
    res[[paste0("resid_", ty)]] <- lapply(unname(r), function(rg) {
      item <- list(cov = mat(rg$cov)); if (!is.null(rg$mean)) item$mean <- as.vector(unclass(rg$mean)); item })
  }
  wj(res, paste0("mgdiag_", name))
  invisible(fit)
}
f <- fitp("cfa", model = HS3, data = HS, group = "school", group.equal = "loadings")
save_case("hs_metric", f, HS3, "cfa(HS3, group = 'school', group.equal = 'loadings')",
          list(group_equal = list("loadings")))
f <- fitp("cfa", model = HS3, data = HS, group = "school", group.equal = c("loadings", "intercepts"),
          group.partial = "visual=~x2", estimator = "MLR")
save_case("hs_scalar_partial_mlr", f, HS3,
          "cfa(HS3, group = 'school', group.equal = c('loadings','intercepts'), group.partial = 'visual=~x2', estimator = 'MLR')",
          list(group_equal = list("loadings", "intercepts"), group_partial = list("visual=~x2"), estimator = "MLR"))
f <- fitp("sem", model = HSREG, data = HS, group = "school")
save_case("hs_reg", f, HSREG, "sem(HSREG, group = 'school')")
cat("diag done\n")

# ---------------------------------------------------------------- bootstrap
boot_mg <- function(name, model, R, ...) {
  a <- list(model = model, data = HS, group = "school", ...)
  fit <- do.call("cfa", c(a, list(optim.method = "BFGS", control = CTRL)))
  b <- bootstrapLavaan(fit, R = R, FUN = "coef", keep.idx = TRUE, iseed = 1)
  idx <- attr(b, "boot.idx")
  labs <- lavInspect(fit, "group.label")
  sub <- lapply(labs, function(l) HS[HS$school == l, ])
  tight <- t(sapply(seq_len(R), function(i) {
    d <- do.call(rbind, lapply(seq_along(labs), function(g) sub[[g]][idx[[g]][i, ], ]))
    ai <- a; ai$data <- d
    f1 <- suppressWarnings(do.call("cfa", c(ai, list(optim.method = "BFGS", control = CTRL, start = fit))))
    pl <- polish(f1, "cfa", ai)
    c(coef(pl$fit), pl$grad)
  }))
  fb <- do.call("cfa", c(a, list(optim.method = "BFGS", control = CTRL, se = "bootstrap",
                                  bootstrap = R, iseed = 1)))
  stopifnot(max(abs(fb@boot$coef - b)) < 1e-12)
  res <- list(name = name, model = model, R = R, group_labels = labs,
              lavaan = as.character(packageVersion("lavaan")),
              idx = lapply(idx, function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.integer(m[i, ]))))),
              coef = unname(lapply(seq_len(nrow(b)), function(i) unname(as.numeric(b[i, ])))),
              coef_names = names(coef(fit)),
              tight_coef = unname(lapply(seq_len(R), function(i) unname(as.numeric(tight[i, -ncol(tight)])))),
              tight_grad_max = max(tight[, ncol(tight)]),
              error_idx = as.integer(attr(b, "error.idx")))
  for (type in c("perc", "norm", "basic", "bca.simple"))
    res[[paste0("pe_", type)]] <- df_(parameterEstimates(fb, boot.ci.type = type, level = 0.9))
  wj(res, paste0("mgdiag_boot_", name))
}
boot_mg("hs_metric", HS3, 100, group.equal = "loadings")
cat("boot done\n")

# ---------------------------------------------------------------- lavTestLRT, Satorra-Bentler 2010
# the invariance sequence (MLR) with method = "satorra.bentler.2010" (lavaan warns that the
# information matrix of the M10 model is not positive definite; it computes the test anyway)
L <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
          strict = c("loadings", "intercepts", "residuals"))
fits <- lapply(L, function(g) cfa(HS3, HS, group = "school", group.equal = g, estimator = "MLR",
                                  optim.method = "BFGS", control = CTRL))
t <- suppressWarnings(lavTestLRT(fits[[1]], fits[[2]], fits[[3]], fits[[4]],
                                 method = "satorra.bentler.2010", model.names = names(L)))
tab <- as.data.frame(unclass(t)); tab$model <- rownames(t); rownames(tab) <- NULL
wj(list(model = HS3, estimator = "MLR", method = "satorra.bentler.2010", table = tab,
        heading = attr(t, "heading")), "mgdiag_lrt_sb2010")
cat("lrt done\n")

# ---------------------------------------------------------------- FIML in groups: standardizedSolution
# holes as make_reference_issue11_mg.R; EM h1 moments converged tightly
HSm <- HS
HSm$x1[HSm$id %% 7 == 0] <- NA
HSm$x5[HSm$id %% 11 == 3] <- NA
HSm$x9[HSm$id %% 5 == 1] <- NA
HSm$x4[HSm$id %% 13 == 2 & HSm$school == "Grant-White"] <- NA
f <- fitp("cfa", model = HS3, data = HSm, group = "school", group.equal = c("loadings", "intercepts"),
          missing = "ml", em.h1.tol = 1e-11, em.h1.iter.max = 20000L)
res <- list(model = HS3, call = "cfa(HS3, HSm, group = 'school', group.equal = c('loadings','intercepts'), missing = 'ml')",
            lavaan = as.character(packageVersion("lavaan")), polish = attr(f, "polish"),
            est = df_(parameterEstimates(f)[, c("lhs", "op", "rhs", "group", "est", "se")]))
for (ty in c("std.all", "std.lv", "std.nox"))
  res[[paste0("std_", sub("std.", "", ty))]] <- df_(standardizedSolution(f, type = ty))
for (ty in c("raw", "cor")) {
  r <- residuals(f, type = ty)
  res[[paste0("resid_", ty)]] <- lapply(unname(r), function(rg) list(cov = mat(rg$cov), mean = as.vector(unclass(rg$mean))))
}
wj(res, "mgdiag_hs_fiml_scalar")
cat("fiml done\n")
