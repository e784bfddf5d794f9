# lavaan 0.6-14 references: residuals() / lavResiduals() and standardizedSolution() of FIML fits
# with fixed.x covariates (missing = "ml", "ml.x") and of weighted FIML fits (issues 10/11, session 6).
# Usage (from the repository root): Rscript tests/reference/make_reference_fimlx_diag.R
# Data: tests/data/lavaan_fimlx/*.csv (made by make_reference_fimlx.R). Fits converged as there
# (BFGS reltol 1e-20, then Newton steps to a gradient below 1e-12; EM h1 tolerance 1e-11).
# Output: tests/data/lavaan_fimlx/diag_<case>.json with `residuals` (type raw, cor.bollen, cor.bentler,
# normalized, standardized, standardized.mplus: cov and mean), `std` (standardizedSolution type std.all, std.lv,
# std.nox: est.std, se) and the warnings/errors of each call.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_fimlx"
CTRL <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 10000))
EMTIGHT <- list(em.h1.tol = 1e-11, em.h1.iter.max = 20000L)
HSX <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9
 visual ~ ageyr + sex
 textual ~ ageyr
 speed ~ sex '
PDX <- ' y1 ~ x1 + x2
 y5 ~ y1 + x1 '
HS3 <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)), class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  err <- if (inherits(val, "captured_error")) val$message else NULL
  list(value = if (is.null(err)) val else NULL, warnings = w, error = err)
}
polish <- function(fit, fun, a) {
  o_fixed_x <- lavInspect(fit, "options")$fixed.x
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    junk <- capture.output(f2 <- suppressWarnings(do.call(fun, c(a, list(start = pt, optim.method = "none", fixed.x = o_fixed_x)))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2
  }
  fit
}
res_list <- function(r) {
  if (is.null(r)) return(NULL)
  list(cov = unclass(r$cov), mean = if (!is.null(r$mean)) as.list(r$mean) else NULL)
}
run <- function(name, fun, model, data, args) {
  dat <- read.csv(file.path(out, paste0(data, ".csv")))
  a <- c(list(model = model, data = dat), args, EMTIGHT)
  fit <- suppressWarnings(do.call(fun, c(a, CTRL)))
  fit <- polish(fit, fun, a)
  res <- list(name = name, fun = fun, model = model, data = paste0(data, ".csv"), args = args,
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              grad_max = max(abs(lavInspect(fit, "gradient"))), ov_names = lavNames(fit, "ov"))
  res$residuals <- list()
  for (t in c("raw", "cor.bollen", "cor.bentler", "normalized", "standardized", "standardized.mplus")) {
    cap <- capture(residuals(fit, type = t))
    res$residuals[[t]] <- list(value = res_list(cap$value), warnings = cap$warnings, error = cap$error)
  }
  res$std <- list()
  for (t in c("std.all", "std.lv", "std.nox")) {
    cap <- capture(standardizedSolution(fit, type = t))
    v <- cap$value
    res$std[[t]] <- list(value = if (is.null(v)) NULL else list(lhs = v$lhs, op = v$op, rhs = v$rhs, est_std = v$est.std, se = v$se),
                         warnings = cap$warnings, error = cap$error)
  }
  write_json(res, file.path(out, paste0("diag_", name, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
  cat(name, "grad", res$grad_max, "\n")
}
for (est in c("ML", "MLR")) for (m in c("ml", "ml.x")) {
  tag <- paste0(sub(".", "", m, fixed = TRUE), "_", tolower(est))
  run(paste0("hsx_", tag), "sem", HSX, "hsx", list(missing = m, estimator = est))
  run(paste0("pdx_", tag), "sem", PDX, "pdx", list(missing = m, estimator = est))
}
for (est in c("ML", "MLR"))
  run(paste0("hs_mcar_w_", tolower(est)), "cfa", HS3, "hs_mcar_w", list(missing = "ml", estimator = est, sampling.weights = "w"))
