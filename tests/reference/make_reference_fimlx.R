# lavaan 0.6-14 references for FIML with exogenous covariates (fixed.x = TRUE, missing = "ml"
# and "ml.x") and for sampling weights with FIML (issue 10, session 5).
# Usage (from the repository root): Rscript tests/reference/make_reference_fimlx.R [prefix ...]
#
# The exact data every fit saw are written to tests/data/lavaan_fimlx/<data>.csv (holes as
# empty fields); the recipe (set.seed, rule) is recorded in each JSON's `recipe`.
# Each <case>.json holds parameterEstimates(standardized = TRUE), fitMeasures (all),
# sampstat / sampstat.h1, logl / unrestricted.logl, nobs, the lavaan warnings.
# Convergence: optim.method = "BFGS" with reltol 1e-20, then Newton steps on lavaan's own
# objective until the largest gradient element is below 1e-12 (`polish`); the EM of the
# saturated model with em.h1.tol = 1e-11.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_fimlx"
datadir <- "acsi/datasets/data"
versions <- list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
wcsv <- function(d, name) write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
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

hs <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
pd <- read.csv(file.path(datadir, "political_democracy.csv"))

recipes <- list()
set.seed(20261210)
d <- hs[, c(paste0("x", 1:9), "ageyr", "sex")]
p1 <- plogis(-1.5 + 1.2 * as.numeric(scale(hs$x1)))
for (v in c("x2", "x3", "x5", "x8")) d[runif(nrow(d)) < p1, v] <- NA
for (v in c("x4", "x6", "x7", "x9")) d[runif(nrow(d)) < 0.12, v] <- NA
d$ageyr[runif(nrow(d)) < 0.08] <- NA
d$sex[runif(nrow(d)) < 0.05] <- NA
d[c(11, 12), paste0("x", 1:9)] <- NA              # only the covariates observed
d[13, ] <- NA                                       # an empty row
d[14, paste0("x", 1:9)] <- NA; d$ageyr[14] <- NA    # only sex observed
wcsv(d, "hsx")
recipes$hsx <- paste("HS x1-x9, ageyr, sex; set.seed(20261210); x2,x3,x5,x8 NA with prob plogis(-1.5+1.2*z(x1));",
                     "x4,x6,x7,x9 NA with prob 0.12; ageyr NA with prob 0.08, sex 0.05; rows 11-12: x1-x9 NA;",
                     "row 13 empty; row 14: only sex observed")
set.seed(20261211)
d <- pd[, c("y1", "y5", "x1", "x2")]
for (v in c("y1", "y5")) d[runif(nrow(d)) < 0.15, v] <- NA
d$x1[runif(nrow(d)) < 0.08] <- NA; d$x2[runif(nrow(d)) < 0.08] <- NA
wcsv(d, "pdx")
recipes$pdx <- "PoliticalDemocracy y1, y5, x1, x2; set.seed(20261211); y1, y5 NA with prob 0.15; x1, x2 NA with prob 0.08"
set.seed(20261212)
d <- read.csv("tests/data/lavaan_issue10/hs_mcar.csv")
d$w <- round(runif(nrow(d), 0.5, 2.5) * ifelse(hs$x1 > median(hs$x1), 1.5, 1), 4)
wcsv(d, "hs_mcar_w")
recipes$hs_mcar_w <- "tests/data/lavaan_issue10/hs_mcar.csv + w = round(runif(301, 0.5, 2.5) * (1.5 if HS x1 > median else 1), 4); set.seed(20261212)"

capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)), class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w, error = if (inherits(val, "captured_error")) val$message else NULL)
}
gmax <- function(fit) max(abs(lavInspect(fit, "gradient")))
polish <- function(fit, fun, a) {
  # a start table makes fixed.x "default" resolve to FALSE: keep the fit's own setting
  o_fixed_x <- lavInspect(fit, "options")$fixed.x
  steps <- 0L
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    junk <- capture.output(f2 <- suppressWarnings(do.call(fun, c(a, list(start = pt, optim.method = "none", fixed.x = o_fixed_x)))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2; steps <- k
  }
  list(fit = fit, steps = steps)
}
sampstat_list <- function(ss) lapply(ss, function(x) if (is.matrix(x)) unclass(x) else as.list(x))

run <- function(name, fun, model, data, args = list()) {
  dat <- read.csv(file.path(out, paste0(data, ".csv")))
  a <- c(list(model = model, data = dat), args, EMTIGHT)
  cap <- capture(do.call(fun, c(a, CTRL)))
  how <- "BFGS reltol 1e-20"
  if (!is.null(cap$error) || !lavInspect(cap$value, "converged")) {
    cat(name, "BFGS failed; lavaan defaults\n"); cap <- capture(do.call(fun, a)); how <- "lavaan defaults"
  }
  if (!is.null(cap$error)) stop(name, ": ", cap$error)
  fit0 <- cap$value
  res <- list(name = name, fun = fun, model = model, data = paste0(data, ".csv"), recipe = recipes[[data]],
              args = args, control = how, versions = versions, warnings = cap$warnings)
  res$polish <- list(grad_max_before = gmax(fit0))
  pl <- polish(fit0, fun, a); fit <- pl$fit
  res$polish$steps <- pl$steps; res$polish$grad_max_after <- gmax(fit)
  o <- lavInspect(fit, "options")
  res$options <- list(estimator = o$estimator, se = o$se, test = o$test, missing = o$missing,
                      information = o$information, fixed.x = o$fixed.x, conditional.x = o$conditional.x)
  res$nobs <- lavInspect(fit, "nobs"); res$norig <- lavInspect(fit, "norig")
  res$converged <- lavInspect(fit, "converged"); res$npar <- lavInspect(fit, "npar")
  res$fmin <- lavInspect(fit, "optim")$fx
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  res$params <- p
  res$fit <- as.list(unclass(fitMeasures(fit, baseline.model = lavaan:::lav_object_independence(fit0))))
  res$sampstat <- sampstat_list(lavInspect(fit, "sampstat"))
  res$sampstat_h1 <- sampstat_list(lavInspect(fit, "sampstat.h1"))
  res$implied <- sampstat_list(lavInspect(fit, "implied"))
  res$ov_names <- lavNames(fit, "ov")
  res$loglik <- list(logl = unname(fitMeasures(fit, "logl")),
                     unrestricted_logl = unname(fitMeasures(fit, "unrestricted.logl")))
  res$npatterns <- NROW(lavInspect(fit, "pattern"))
  wj(res, name)
  cat(name, "converged", res$converged, "polish", pl$steps, "grad", res$polish$grad_max_after,
      "warnings", length(cap$warnings), "\n")
}

args <- commandArgs(trailingOnly = TRUE)
only <- if (length(args)) args else NULL
if (!is.null(only)) { run0 <- run; run <- function(name, ...) if (any(startsWith(name, only))) run0(name, ...) }
for (est in c("ML", "MLR")) for (m in c("ml", "ml.x")) {
  tag <- paste0(sub(".", "", m, fixed = TRUE), "_", tolower(est))
  run(paste0("hsx_", tag), "sem", HSX, "hsx", list(missing = m, estimator = est))
  run(paste0("pdx_", tag), "sem", PDX, "pdx", list(missing = m, estimator = est))
}
for (est in c("ML", "MLR"))
  run(paste0("hs_mcar_w_", tolower(est)), "cfa", HS3, "hs_mcar_w",
      list(missing = "ml", estimator = est, sampling.weights = "w"))
