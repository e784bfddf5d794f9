# lavaan 0.6-14 references for issue 10 (CB-SEM on survey data): FIML (missing = "ml"),
# ordinal items (WLSMV, delta and theta), mixed ordinal/continuous, sampling weights.
# Usage (from the repository root): Rscript tests/reference/make_reference_issue10.R
#
# For every case the exact data the fit saw are written to tests/data/lavaan_issue10/<data>.csv
# (holes as empty fields, categories as integers 1..k, the weight column "w"), so Python reads
# the identical data; the recipe (set.seed, rule) is recorded in `recipe` and in PROVENANCE.md.
# Each <case>.json holds parameterEstimates(standardized = TRUE), fitMeasures (all),
# lavInspect(fit, "sampstat"), and per kind: h1 EM moments and logl (missing), thresholds,
# polychoric/polyserial correlations, NACOV ("gamma") and the DWLS weight diagonal (ordinal).
#
# Convergence: fits use optim.method = "BFGS" with reltol 1e-20 and are then polished by
# Newton steps on lavaan's own objective (as make_reference_cbsem_zoo.R), until the largest
# gradient element is below 1e-12 (recorded in `polish`). The EM of the saturated model is
# run with em.h1.tol = 1e-11 (lavaan's default 1e-5 is recorded separately in `h1_default`,
# computed by lavaan's own lav_mvnorm_missing_h1_estimate_moments with its defaults).
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_issue10"
datadir <- "acsi/datasets/data"
versions <- list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
wcsv <- function(d, name) write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE,
                                    na = "")
CTRL <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 10000))
EMTIGHT <- list(em.h1.tol = 1e-11, em.h1.iter.max = 20000L)

HS3 <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
CHAIN <- ' EXPE =~ CUEX1 + CUEX2 + CUEX3
 QUAL =~ PERQ1 + PERQ2 + PERQ3
 SAT =~ CUSA1 + CUSA2 + CUSA3
 LOY =~ CUSL1 + CUSL2 + CUSL3
 QUAL ~ EXPE
 SAT ~ EXPE + QUAL
 LOY ~ SAT '
# ordinal mobi: items with all ten categories observed
ORD10 <- ' EXPE =~ CUEX2 + CUEX3 + PERQ2
 SAT =~ CUSA2 + CUSA3 + PERQ3
 LOY =~ CUSL1 + CUSL2 + CUSL3 '

hs <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))[, paste0("x", 1:9)]
mobi <- read.csv(file.path(datadir, "mobi.csv"))

# ---------------------------------------------------------------- data recipes
recipes <- list()
set.seed(20261203)
d <- hs; M <- matrix(runif(nrow(d) * 9) < 0.20, nrow(d), 9); d[M] <- NA
wcsv(d, "hs_mcar"); recipes$hs_mcar <- "HS x1-x9; set.seed(20261203); each cell NA with probability 0.20 (runif(301*9) < 0.20, column-major)"
set.seed(20261204)
d <- hs
p1 <- plogis(-1.5 + 1.2 * as.numeric(scale(hs$x1)))   # x2, x3 missing more often for high x1
p4 <- plogis(-1.5 + 1.2 * as.numeric(scale(hs$x4)))   # x5, x6 depend on x4
p7 <- plogis(-1.5 - 1.2 * as.numeric(scale(hs$x7)))   # x8, x9 depend on x7 (low x7)
for (v in c("x2", "x3")) d[runif(nrow(d)) < p1, v] <- NA
for (v in c("x5", "x6")) d[runif(nrow(d)) < p4, v] <- NA
for (v in c("x8", "x9")) d[runif(nrow(d)) < p7, v] <- NA
wcsv(d, "hs_mar"); recipes$hs_mar <- "HS x1-x9; set.seed(20261204); x2,x3 NA with prob plogis(-1.5+1.2*z(x1)); x5,x6 with plogis(-1.5+1.2*z(x4)); x8,x9 with plogis(-1.5-1.2*z(x7)); x1,x4,x7 complete (MAR)"
set.seed(20261205)
v12 <- c("CUEX1","CUEX2","CUEX3","PERQ1","PERQ2","PERQ3","CUSA1","CUSA2","CUSA3","CUSL1","CUSL2","CUSL3")
d <- mobi[, v12]; rate <- runif(12, 0.10, 0.20)
for (j in seq_along(v12)) d[runif(nrow(d)) < rate[j], j] <- NA
wcsv(d, "mobi_skip"); recipes$mobi_skip <- "mobi 12 chain items; set.seed(20261205); per item a skip rate runif(12, 0.10, 0.20), each answer NA with that probability"
cutk <- function(x, k) findInterval(as.numeric(scale(x)), qnorm(seq_len(k - 1) / k)) + 1L
for (k in c(3, 5, 7)) {
  d <- as.data.frame(lapply(hs, cutk, k = k)); wcsv(d, paste0("hs_cat", k))
  recipes[[paste0("hs_cat", k)]] <- sprintf("HS x1-x9 standardised (scale) and cut at qnorm((1:%d)/%d): findInterval(z, qnorm(seq_len(k-1)/k)) + 1, categories 1..%d", k - 1, k, k)
}
v9 <- c("CUEX2","CUEX3","PERQ2","CUSA2","CUSA3","PERQ3","CUSL1","CUSL2","CUSL3")
wcsv(mobi[, v9], "mobi_ord10"); recipes$mobi_ord10 <- "mobi items with all ten categories observed (1..10), unchanged"
d <- hs; for (v in c("x1", "x2", "x3", "x4")) d[[v]] <- cutk(hs[[v]], 5)
wcsv(d, "hs_mixed"); recipes$hs_mixed <- "HS; x1-x4 cut into 5 categories (as hs_cat5), x5-x9 continuous"
set.seed(20261206)
d <- hs; d$w <- round(runif(nrow(d), 0.5, 2.5) * ifelse(hs$x1 > median(hs$x1), 1.5, 1), 4)
wcsv(d, "hs_weighted"); recipes$hs_weighted <- "HS x1-x9 + w = round(runif(301, 0.5, 2.5) * (1.5 if x1 > median(x1) else 1), 4); set.seed(20261206)"
set.seed(20261207)
d <- mobi[, v12]; d$w <- round(rgamma(nrow(d), shape = 4, rate = 4), 4)
wcsv(d, "mobi_weighted"); recipes$mobi_weighted <- "mobi 12 chain items + w = round(rgamma(250, 4, 4), 4); set.seed(20261207)"

# ---------------------------------------------------------------- fitting
capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)), class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w, error = if (inherits(val, "captured_error")) val$message else NULL)
}
gmax <- function(fit) max(abs(lavInspect(fit, "gradient")))
polish <- function(fit, fun, a) {
  steps <- 0L
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    junk <- capture.output(f2 <- suppressWarnings(do.call(fun, c(a, list(start = pt, optim.method = "none")))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2; steps <- k
  }
  list(fit = fit, steps = steps)
}
# two-step polychoric (mixed = FALSE) or polyserial (y1 continuous) correlation at the root
# of lavaan's gradient of its two-step objective (lav_bvord_min_gradient /
# lav_bvmix_min_gradient); the caches need an enclosing environment holding `cache` and `wt`
tight_cor <- function(y1, y2, mixed = FALSE) {
  e <- new.env(parent = asNamespace("lavaan"))
  if (mixed) {
    f1 <- lavaan:::lav_uvreg_fit(y = y1); f2 <- lavaan:::lav_uvord_fit(y = y2)
    cache <- lavaan:::lav_bvmix_init_cache(fit.y1 = f1, fit.y2 = f2, parent = e)
    r0 <- lavaan:::lav_bvmix_cor_twostep_fit(Y1 = y1, Y2 = y2)
    g <- function(x) lavaan:::lav_bvmix_min_gradient(x, cache = cache)
  } else {
    f1 <- lavaan:::lav_uvord_fit(y = y1); f2 <- lavaan:::lav_uvord_fit(y = y2)
    cache <- lavaan:::lav_bvord_init_cache(fit.y1 = f1, fit.y2 = f2, parent = e)
    r0 <- lavaan:::lav_bvord_cor_twostep_fit(Y1 = y1, Y2 = y2)
    g <- function(x) lavaan:::lav_bvord_min_gradient(x, cache = cache)
  }
  assign("cache", cache, envir = e); assign("wt", NULL, envir = e)
  uniroot(g, c(max(-0.999, r0 - 1e-3), min(0.999, r0 + 1e-3)), tol = 1e-15, maxiter = 1000)$root
}
sampstat_list <- function(ss) lapply(ss, function(x) if (is.matrix(x)) unclass(x) else as.list(x))

run <- function(name, fun, model, data, args = list(), kind = "complete", ordered = NULL) {
  dat <- read.csv(file.path(out, paste0(data, ".csv")))
  a <- c(list(model = model, data = dat), args)
  if (!is.null(ordered)) a$ordered <- ordered
  if (kind == "missing") a <- c(a, EMTIGHT)
  cap <- capture(do.call(fun, c(a, CTRL)))
  how <- "BFGS reltol 1e-20"
  if (!is.null(cap$error) || !lavInspect(cap$value, "converged")) {
    cat(name, "BFGS failed; lavaan defaults\n"); cap <- capture(do.call(fun, a)); how <- "lavaan defaults"
  }
  if (!is.null(cap$error)) stop(name, ": ", cap$error)
  fit0 <- cap$value
  res <- list(name = name, kind = kind, fun = fun, model = model, data = paste0(data, ".csv"),
              recipe = recipes[[data]], ordered = ordered,
              args = args[setdiff(names(args), "control")], control = how,
              versions = versions, warnings = cap$warnings)
  res$polish <- list(grad_max_before = gmax(fit0))
  pl <- polish(fit0, fun, a); fit <- pl$fit
  res$polish$steps <- pl$steps; res$polish$grad_max_after <- gmax(fit)
  o <- lavInspect(fit, "options")
  res$options <- list(estimator = o$estimator, se = o$se, test = o$test, missing = o$missing,
                      information = o$information, meanstructure = o$meanstructure,
                      parameterization = o$parameterization, em.h1.tol = o$em.h1.tol)
  res$nobs <- lavInspect(fit, "nobs"); res$converged <- lavInspect(fit, "converged")
  res$npar <- lavInspect(fit, "npar"); res$fmin <- lavInspect(fit, "optim")$fx
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  res$params <- p
  res$fit <- as.list(unclass(fitMeasures(fit, baseline.model = lavaan:::lav_object_independence(fit0))))
  res$sampstat <- sampstat_list(lavInspect(fit, "sampstat"))
  imp <- lavInspect(fit, "implied")
  res$implied <- sampstat_list(imp)
  res$ov_names <- lavNames(fit, "ov")
  if (kind == "missing") {
    res$sampstat_h1 <- sampstat_list(lavInspect(fit, "sampstat.h1"))
    res$loglik <- list(logl = unname(fitMeasures(fit, "logl")),
                       unrestricted_logl = unname(fitMeasures(fit, "unrestricted.logl")))
    Y <- as.matrix(dat[, lavNames(fit, "ov")])
    em <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = Y)   # lavaan's default rule
    res$h1_default <- list(mean = em$Mu, cov = em$Sigma, fx = em$fx,
      logl = lavaan:::lav_mvnorm_missing_loglik_samplestats(
        Yp = lavaan:::lav_samplestats_missing_patterns(Y = Y, Mp = lavaan:::lav_data_missing_patterns(Y)),
        Mu = em$Mu, Sigma = em$Sigma))
    em <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = Y, tol = 1e-12, max.iter = 20000L)
    res$h1_tight <- list(mean = em$Mu, cov = em$Sigma, fx = em$fx)
    # gradient of the casewise logl at a point away from the optimum (the EM start)
    Mu0 <- colMeans(Y, na.rm = TRUE); S0 <- diag(apply(Y, 2, var, na.rm = TRUE)) + 0.3
    res$grad_check <- list(mean = Mu0, cov = S0,
      logl = sum(lavaan:::lav_mvnorm_missing_llik_casewise(Y = Y, Mu = Mu0, Sigma = S0)),
      dmu = lavaan:::lav_mvnorm_missing_dlogl_dmu(Y = Y, Mu = Mu0, Sigma = S0),
      dvechSigma = lavaan:::lav_mvnorm_missing_dlogl_dvechSigma(Y = Y, Mu = Mu0, Sigma = S0),
      casewise_logl = lavaan:::lav_mvnorm_missing_llik_casewise(Y = Y, Mu = Mu0, Sigma = S0),
      scores = unclass(lavaan:::lav_mvnorm_missing_scores_mu_vech_sigma(Y = Y, Mu = Mu0, Sigma = S0)))
    res$patterns <- list(npatterns = lavaan:::lav_data_missing_patterns(Y)$npatterns)
  }
  if (kind %in% c("ordinal", "mixed")) {
    res$th <- as.list(lavInspect(fit, "sampstat")$th)
    res$gamma <- tryCatch(unclass(lavInspect(fit, "gamma")), error = function(e) NULL)  # ULS: not kept
    res$wls_v_diag <- diag(lavInspect(fit, "wls.v"))
    res$wls_obs <- as.numeric(lavInspect(fit, "wls.obs"))
    # correlations re-solved tightly: lavaan's step 2 stops nlminb at its default rel.tol
    # (1e-10), which leaves |rho - rho_hat| up to ~1e-8 (the score at lavaan's rho is not 0;
    # nlminb with a smaller rel.tol reports non-convergence). tight_cor() finds the root of
    # lavaan's own gradient of the same two-step objective (uniroot, tol 1e-15).
    Yd <- dat[, lavNames(fit, "ov")]; ov <- names(Yd); P <- length(ov); ct <- diag(P)
    for (i in 2:P) for (j in 1:(i - 1)) {
      oi <- ov[i] %in% ordered; oj <- ov[j] %in% ordered
      if (oi && oj) {
        ct[i, j] <- tight_cor(Yd[[j]], Yd[[i]])
      } else if (!oi && !oj) {
        ct[i, j] <- cor(Yd[[i]], Yd[[j]])
      } else {
        num <- if (oi) j else i; ord <- if (oi) i else j
        ct[i, j] <- tight_cor(Yd[[num]], Yd[[ord]], mixed = TRUE)
      }
      ct[j, i] <- ct[i, j]
    }
    res$cor_tight <- ct
    res$th_marginal <- lapply(dat[, ordered, drop = FALSE], function(y) qnorm(cumsum(tabulate(y) / length(y))[-max(y)]))
  }
  if (kind == "weighted") res$wls_obs <- as.numeric(lavInspect(fit, "wls.obs"))
  wj(res, name)
  cat(name, "converged", res$converged, "polish", pl$steps, "grad", res$polish$grad_max_after,
      "warnings", length(cap$warnings), "\n")
}

args <- commandArgs(trailingOnly = TRUE)
only <- if (length(args)) args else NULL
if (!is.null(only)) { run0 <- run; run <- function(name, ...) if (any(startsWith(name, only))) run0(name, ...) }
for (est in c("ML", "MLR")) {
  run(paste0("hs_mcar_", tolower(est)), "cfa", HS3, "hs_mcar", list(missing = "ml", estimator = est), "missing")
  run(paste0("hs_mar_", tolower(est)), "cfa", HS3, "hs_mar", list(missing = "ml", estimator = est), "missing")
  run(paste0("mobi_skip_", tolower(est)), "sem", CHAIN, "mobi_skip", list(missing = "ml", estimator = est), "missing")
  run(paste0("hs_weighted_", tolower(est)), "cfa", HS3, "hs_weighted", list(sampling.weights = "w", estimator = est), "weighted")
  run(paste0("mobi_weighted_", tolower(est)), "sem", CHAIN, "mobi_weighted", list(sampling.weights = "w", estimator = est), "weighted")
}
for (k in c(3, 5, 7)) for (pz in c("delta", "theta"))
  run(sprintf("hs_cat%d_wlsmv_%s", k, pz), "cfa", HS3, paste0("hs_cat", k),
      list(estimator = "WLSMV", parameterization = pz), "ordinal", ordered = paste0("x", 1:9))
run("mobi_ord10_wlsmv", "cfa", ORD10, "mobi_ord10", list(estimator = "WLSMV"), "ordinal", ordered = v9)
run("hs_mixed_wlsmv", "cfa", HS3, "hs_mixed", list(estimator = "WLSMV"), "mixed", ordered = c("x1", "x2", "x3", "x4"))
# the other least-squares estimators of ordinal data, a structural model (std.lv, theta)
ORD10SEM <- ' EXPE =~ CUEX2 + CUEX3 + PERQ2
 SAT =~ CUSA2 + CUSA3 + PERQ3
 LOY =~ CUSL1 + CUSL2 + CUSL3
 SAT ~ EXPE
 LOY ~ SAT + EXPE '
for (est in c("ULSMV", "WLS", "DWLS", "WLSM", "WLSMVS", "ULS"))
  run(sprintf("hs_cat5_%s", tolower(est)), "cfa", HS3, "hs_cat5", list(estimator = est), "ordinal",
      ordered = paste0("x", 1:9))
run("mobi_ord10sem_wlsmv_theta", "sem", ORD10SEM, "mobi_ord10",
    list(estimator = "WLSMV", parameterization = "theta", std.lv = TRUE), "ordinal", ordered = v9)
# FIML: expected-information standard errors
run("hs_mcar_ml_expected", "cfa", HS3, "hs_mcar", list(missing = "ml", information = "expected"), "missing")
