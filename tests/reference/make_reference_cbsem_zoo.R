# "Zoo" of lavaan 0.6-14 references for acsi's CB-SEM engine: models and data beyond the
# cases of make_reference.R / make_reference_cbsem_extra.R (hardening against lavaan).
# Usage (from the repository root): Rscript tests/reference/make_reference_cbsem_zoo.R
# Writes tests/data/lavaan/zoo_<case>.json: params = parameterEstimates(standardized = TRUE)
# (label column always present; at `level` for the level-0.90 case), fit = fitMeasures(fit)
# (all of them), r2, npar, nobs, options, fmin, the lavaan call, captured warnings/errors.
#
# Convergence: every fit (except the bad-input cases) is made with optim.method = "BFGS",
# control = list(reltol = 1e-20, maxit = 10000) (lavaan's default nlminb stop, rel.tol 1e-10,
# leaves optimisation errors up to ~1e-4 relative in some models; nlminb with rel.tol 1e-14
# reports non-convergence); recorded in `control` of each file. If that BFGS run does not
# converge, the case falls back to lavaan's defaults and says so in `control`. The BFGS
# solution is then polished by Newton steps on lavaan's own objective (see `polish` in the
# files and the comment in zoo()). All data are the CSVs shipped in acsi/datasets/data.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan"
datadir <- "acsi/datasets/data"
CTRL <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 10000))
versions <- list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string)

capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)),
                                                 class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w, error = if (inherits(val, "captured_error")) val$message else NULL)
}
pe <- function(fit, level = 0.95) {
  p <- parameterEstimates(fit, standardized = TRUE, level = level)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  p
}
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")

# fun: "sem" or "cfa"; args: extra arguments to lavaan (estimator, std.lv, ...)
zoo <- function(name, fun, model, data_file, args = list(), level = 0.95, notes = "",
                tight = TRUE) {
  d <- read.csv(file.path(datadir, data_file), na.strings = if (data_file == "corp_rep_data.csv") "-99" else "NA")
  if (data_file == "ebanking.csv") d <- d[, paste0("Q", 8:17)]
  a <- c(list(model = model, data = d), args)
  polish <- function(fit) {
    steps <- 0L
    if (any(parTable(fit)$op == "==")) return(list(fit = fit, steps = steps))
    for (k in 1:4) {
      g <- lavInspect(fit, "gradient")
      if (max(abs(g)) < 1e-12) break
      x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
      pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
      junk <- capture.output(f2 <- suppressWarnings(
        do.call(fun, c(a, list(start = pt, optim.method = "none")))))
      if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
      fit <- f2; steps <- k
    }
    list(fit = fit, steps = steps)
  }
  gmax <- function(fit) max(abs(lavInspect(fit, "gradient")))
  cap <- capture(do.call(fun, if (tight) c(a, CTRL) else a))
  how <- if (tight) "BFGS reltol 1e-20" else "lavaan defaults"
  if (tight && (!is.null(cap$error) || !lavInspect(cap$value, "converged"))) {
    cat(name, "BFGS did not converge; lavaan defaults\n")
    cap <- capture(do.call(fun, a)); how <- "lavaan defaults (BFGS did not converge)"
  }
  res <- list(name = name, kind = "sem", fun = fun, model = model, data = data_file,
              args = args, level = level, control = how,
              notes = notes, versions = versions, warnings = cap$warnings)
  if (!is.null(cap$error)) { cat(name, "ERROR", cap$error, "\n"); cap$value <- NULL; res$error <- cap$error; wj(res, name); return(invisible(NULL)) }
  fit <- cap$value
  # Newton polish: even BFGS with reltol 1e-20 stalls with gradients ~1e-7 on badly scaled
  # models (servqual_sq items are 0-100). Newton steps with lavaan's own gradient and Hessian
  # of its objective, each evaluated by lavaan at the new point (optim.method = "none", start
  # = the new estimates), until the largest gradient element is below 1e-12. Not used with
  # equality constraints (lavaan keeps them as "==" rows; a free Newton step would break them,
# and its gradient is that of the unconstrained parameters, so no fallback either).
  # If BFGS stopped far from the optimum (gradient > 1e-9 after polishing), lavaan's default
  # nlminb fit is polished instead.
  res$polish <- list(grad_max_before = gmax(fit))
  fit0 <- fit
  if (tight) {
    pl <- polish(fit); fit <- pl$fit; res$polish$steps <- pl$steps
    if (gmax(fit) > 1e-9 && !any(parTable(fit)$op == "==")) {
      cap2 <- capture(do.call(fun, a))
      pl <- polish(cap2$value)
      if (gmax(pl$fit) < gmax(fit)) {
        fit0 <- cap2$value
        fit <- pl$fit; res$polish$steps <- pl$steps; res$warnings <- cap2$warnings
        res$control <- "lavaan defaults (nlminb), then Newton polish (BFGS stalled)"
        cat(name, "nlminb + polish\n")
      }
    }
  }
  res$polish$grad_max_after <- max(abs(lavInspect(fit, "gradient")))
  res$fmin_optim <- lavInspect(fit, "optim")$fx
  o <- lavInspect(fit, "options")
  res$options <- list(estimator = o$estimator, se = o$se, test = o$test,
                      information = o$information, meanstructure = o$meanstructure,
                      std.lv = o$std.lv, fixed.x = o$fixed.x)
  res$nobs <- lavInspect(fit, "nobs"); res$converged <- lavInspect(fit, "converged")
  res$npar <- lavInspect(fit, "npar"); res$iterations <- lavInspect(fit, "iterations")
  piece <- function(key, expr) {
    c2 <- capture(expr)
    if (!is.null(c2$error)) {
      res[[paste0(key, "_error")]] <<- c2$error; cat(name, key, "ERROR", c2$error, "\n")
    } else res[[key]] <<- c2$value
    if (length(c2$warnings)) res[[paste0(key, "_warnings")]] <<- c2$warnings
  }
  piece("params", pe(fit, level))
  # the baseline (independence) model of the optimiser's own fit: lavaan's fits at fixed
  # start values (optim.method = "none") would evaluate the baseline at the polished
  # model's start values instead of fitting it
  piece("fit", as.list(unclass(fitMeasures(
    fit, baseline.model = lavaan:::lav_object_independence(fit0)))))
  piece("r2", as.list(lavInspect(fit, "r2")))
  wj(res, name)
  cat(name, "converged", res$converged, "iter", res$iterations, "warnings:", length(cap$warnings), "\n")
}

HS <- "holzinger_swineford_1939.csv"; PD <- "political_democracy.csv"
HS3 <- ' visual =~ x1 + x2 + x3
         textual =~ x4 + x5 + x6
         speed =~ x7 + x8 + x9 '
PDM <- ' ind60 =~ x1 + x2 + x3
         dem60 =~ y1 + y2 + y3 + y4
         dem65 =~ y5 + y6 + y7 + y8
         dem60 ~ a*ind60
         dem65 ~ c*ind60 + b*dem60
         y1 ~~ y5
         y2 ~~ y4 + y6
         y3 ~~ y7
         y4 ~~ y8
         y6 ~~ y8 '

zoo("zoo_hs_cfa_stdlv_mlr", "cfa", HS3, HS, list(std.lv = TRUE, estimator = "MLR"))
zoo("zoo_hs_cross_resid", "cfa", ' visual =~ x1 + x2 + x3 + x9
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       x7 ~~ x8
       x1 ~~ x4 ', HS)
zoo("zoo_hs_bifactor", "cfa", ' g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       g ~~ 0*textual + 0*speed
       textual ~~ 0*speed ', HS, list(std.lv = TRUE),
    notes = "bifactor with orthogonal specific factors (visual specific factor omitted)")
zoo("zoo_hs_second_order_stdlv_mlr", "cfa", paste(HS3, "\n g =~ visual + textual + speed"), HS,
    list(std.lv = TRUE, estimator = "MLR"))
zoo("zoo_hs_equal_load_var", "cfa", ' visual =~ x1 + a*x2 + a*x3
       textual =~ x4 + b*x5 + b*x6
       speed =~ x7 + x8 + x9
       visual ~~ v*visual
       textual ~~ v*textual
       x7 ~~ e*x7
       x8 ~~ e*x8 ', HS)
zoo("zoo_hs_fixed_loadings_na", "cfa", ' visual =~ NA*x1 + x2 + 0.5*x3
       visual ~~ 1*visual
       textual =~ x4 + 1.2*x5 + x6
       speed =~ x7 + x8 + x9 ', HS)
zoo("zoo_hs_path_fixedx", "sem", ' x3 ~ x1 + x2
       x6 ~ x3 + x4
       x9 ~ x6 + x3 + x7 ', HS)
zoo("zoo_hs_path_defined", "sem", ' x3 ~ a*x1 + x2
       x6 ~ b*x3 + x4
       x9 ~ d*x6 + c*x3 + x1
       ab := a*b
       abd := a*b*d
       nl := a*b/(1-c)
       ex := exp(b) - 1
       ratio := c/d
       tot := c + b*d ', HS)
zoo("zoo_pd_sem_mlr_defined", "sem", paste(PDM, "\n ind := a*b\n tot := c + a*b\n prop := a*b/(c + a*b)"),
    PD, list(estimator = "MLR"))
zoo("zoo_pd_sem_observed", "sem", PDM, PD, list(information = "observed"))
zoo("zoo_pd_sem_level90", "sem", PDM, PD, level = 0.90)
zoo("zoo_mobi_ecsi_ml", "sem", ' Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
       Expectation =~ CUEX1 + CUEX2 + CUEX3
       Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
       Value =~ PERV1 + PERV2
       Satisfaction =~ CUSA1 + CUSA2 + CUSA3
       Complaints =~ CUSCO
       Loyalty =~ CUSL1 + CUSL2 + CUSL3
       CUSCO ~~ 0*CUSCO
       Expectation ~ Image
       Quality ~ Expectation
       Value ~ Expectation + Quality
       Satisfaction ~ Image + Expectation + Quality + Value
       Complaints ~ Satisfaction
       Loyalty ~ Image + Satisfaction + Complaints ', "mobi.csv")
SATM <- ' imag =~ imag1 + imag2 + imag3 + imag4 + imag5
       expe =~ expe1 + expe2 + expe3 + expe4 + expe5
       qual =~ qual1 + qual2 + qual3 + qual4 + qual5
       val =~ val1 + val2 + val3 + val4
       sat =~ sat1 + sat2 + sat3 + sat4
       loy =~ loy1 + loy2 + loy3 + loy4
       expe ~ imag
       qual ~ expe
       val ~ expe + qual
       sat ~ imag + expe + qual + val
       loy ~ imag + sat '
zoo("zoo_sat_ecsi_ml", "sem", SATM, "satisfaction.csv")
zoo("zoo_sat_ecsi_mlr", "sem", SATM, "satisfaction.csv", list(estimator = "MLR"))
SQ <- ' tang =~ a01 + a02 + a03 + a04
       reli =~ a05 + a06 + a07 + a08 + a09
       resp =~ a10 + a11 + a12 + a13
       assu =~ a14 + a15 + a16 + a17
       empa =~ a18 + a19 + a20 + a21 + a22 '
zoo("zoo_servqual_cfa_ml", "cfa", SQ, "servqual_sq.csv")
zoo("zoo_servqual_cfa_mlr", "cfa", SQ, "servqual_sq.csv", list(estimator = "MLR"))
zoo("zoo_ebanking_sem", "sem", ' Tangibles =~ Q8 + Q9
       Assurance =~ Q10
       Responsiveness =~ Q11 + Q14 + Q15
       Empathy =~ Q12 + Q13
       Loyalty =~ Q16 + Q17
       Q10 ~~ 0*Q10
       Loyalty ~ Tangibles + Assurance + Responsiveness + Empathy ', "ebanking.csv",
    notes = "acsi.datasets.ebanking.MODEL with the single indicator's residual fixed at 0")
zoo("zoo_ebanking_model_verbatim", "sem", ' Tangibles =~ Q8 + Q9
       Assurance =~ Q10
       Responsiveness =~ Q11 + Q14 + Q15
       Empathy =~ Q12 + Q13
       Loyalty =~ Q16 + Q17
       Loyalty ~ Tangibles + Assurance + Responsiveness + Empathy ', "ebanking.csv", list(estimator = "MLR"),
    notes = "acsi.datasets.ebanking.MODEL verbatim (lavaan fixes the single indicator residual to 0), MLR")
zoo("zoo_corp_rep_missing_mlr", "sem", ' COMP =~ comp_1 + comp_2 + comp_3
       LIKE =~ like_1 + like_2 + like_3
       CUSA =~ cusa
       CUSL =~ cusl_1 + cusl_2 + cusl_3
       CUSA ~ COMP + LIKE
       CUSL ~ CUSA + COMP + LIKE ', "corp_rep_data.csv", list(estimator = "MLR"),
    notes = "corporate reputation data, -99 = missing: lavaan's default listwise deletion")
zoo("zoo_hs_cfa_meanstructure_ml", "cfa", HS3, HS, list(meanstructure = TRUE))
zoo("zoo_hs_mimic_mlr", "sem", paste(HS3, "\n visual ~ ageyr + sex\n textual ~ ageyr"), HS,
    list(estimator = "MLR"))
zoo("zoo_hs_mimic_meanstructure", "sem", paste(HS3, "\n visual ~ ageyr + grade"), HS,
    list(meanstructure = TRUE))
zoo("zoo_hs_two_indicator", "cfa", ' visual =~ x1 + x2
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9 ', HS)
zoo("zoo_pd_disturbance_cov", "sem", ' ind60 =~ x1 + x2 + x3
       dem60 =~ y1 + y2 + y3 + y4
       dem65 =~ y5 + y6 + y7 + y8
       dem60 ~ ind60
       dem65 ~ ind60
       dem60 ~~ dem65 ', PD)
zoo("zoo_hs_observed_outcomes_auto_cov", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       x7 ~ visual
       x9 ~ textual + visual
       x8 ~ x7 ', HS, notes = "auto.cov.y: x9 ~~ x8? (pure outcomes); x7 is also a predictor")
zoo("zoo_hs_latent_outcomes_auto", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       textual ~ visual
       speed ~ visual ', HS, notes = "two endogenous latents: lavaan leaves their disturbances uncorrelated")
zoo("zoo_hs_mlr_se_expected", "cfa", HS3, HS, list(estimator = "MLR", se = "standard"),
    notes = "MLR test with the ordinary expected-information SEs? (lavaan: se='standard' uses observed info for MLR)")
zoo("zoo_pd_sem_mlr_stdlv_observed", "sem", PDM, PD, list(estimator = "MLR", std.lv = TRUE))

zoo("zoo_hs_explicit_equality_mlr", "cfa", ' visual =~ x1 + a*x2 + b*x3
       textual =~ x4 + c*x5 + d*x6
       speed =~ x7 + e*x8 + f*x9
       a == b
       c == d
       d == e
       r := a/c ', HS, list(estimator = "MLR"), notes = "explicit label == label constraints (a chain)")
zoo("zoo_hs_explicit_equality_var", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       textual ~ visual
       x1 ~~ v1*x1
       x4 ~~ v4*x4
       v1 == v4 ', HS)

zoo("zoo_hs_scrambled_order", "sem", ' textual ~ visual
       x1 ~~ x4
       speed ~ textual
       visual ~~ visual
       speed =~ x9 + x8 + x7
       visual =~ x2 + x1 + x3
       textual =~ x5 + x4 + x6 ', HS, notes = "formulas in an unusual order, markers x9/x2/x5")
zoo("zoo_hs_single_indicator_fixed_resid", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       sp =~ x9
       x9 ~~ 0.3*x9
       sp ~ visual + textual ', HS, notes = "single indicator with a fixed non-zero residual variance")
zoo("zoo_hs_lv_cov_observed", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       visual ~~ ageyr
       textual ~~ ageyr ', HS, notes = "a latent covarying with an observed variable")
zoo("zoo_hs_mimic_mlr_meanstructure_defined", "sem", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       visual ~ a*ageyr + sex
       textual ~ b*visual + c*ageyr
       ind := a*b
       tot := c + a*b ', HS, list(estimator = "MLR", meanstructure = TRUE))
zoo("zoo_hs_orthogonal_stdlv", "cfa", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       visual ~~ 0*textual
       visual ~~ 0*speed ', HS, list(std.lv = TRUE))
zoo("zoo_heywood_pd_mlr", "sem", ' ind60 =~ x1 + x2
       dem =~ y1 + y5
       ind60 ~~ dem ', PD, list(estimator = "MLR"), notes = "negative residual variance of y5, MLR")
zoo("zoo_pd_fixedx_path_mlr", "sem", ' y1 ~ x1 + x2
       y2 ~ y1 + x1
       y3 ~ y2 + y1 ', PD, list(estimator = "MLR"), notes = "observed path model, fixed.x, MLR")
zoo("zoo_mobi_cfa_stdlv_mlr", "cfa", ' Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
       Expectation =~ CUEX1 + CUEX2 + CUEX3
       Satisfaction =~ CUSA1 + CUSA2 + CUSA3
       Loyalty =~ CUSL1 + CUSL2 + CUSL3 ', "mobi.csv", list(std.lv = TRUE, estimator = "MLR"))

# just-identified models (df = 0): fit measures at their limits
zoo("zoo_hs_saturated_path", "sem", ' x3 ~ x1 + x2 ', HS)
zoo("zoo_hs_one_factor_df0_mlr", "cfa", ' visual =~ x1 + x2 + x3 ', HS, list(estimator = "MLR"))
zoo("zoo_pd_saturated_mediation", "sem", ' y1 ~ a*x1
       y5 ~ b*y1 + c*x1
       ind := a*b ', PD)

# Bad input (lavaan's messages recorded; acsi must raise/warn its own specific error)
zoo("zoo_hs_two_factor_pair", "cfa", ' f1 =~ x1 + x2 + x3
       f2 =~ x4 + x5
       f1 ~~ f2 ', HS, notes = "a two-indicator factor identified by its correlation")
zoo("zoo_hs_fixed_intercepts", "cfa", ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       x1 ~ 0*1
       x4 ~ 0*1
       visual ~ 1
       textual ~ 1
       x2 ~ a*1
       x3 ~ a*1 ', HS, list(meanstructure = TRUE),
    notes = "marker intercepts fixed to 0, latent means free, equal intercepts by label")
# Heywood cases / inadmissible solutions: lavaan warns (recorded in `warnings`), estimates kept
zoo("zoo_heywood_pd", "sem", ' ind60 =~ x1 + x2
       dem =~ y1 + y5
       ind60 ~~ dem ', PD, notes = "negative residual variance of y5")
zoo("zoo_heywood_hs", "cfa", ' f1 =~ x2 + x3
       f2 =~ x5 + x6
       f3 =~ x7 + x8 + x9 ', HS, notes = "negative residual variance of x6")
zoo("zoo_heywood_hs_lv", "cfa", ' f =~ x4 + x5
       g =~ x6 + x7
       f ~~ g ', HS, notes = "latent covariance matrix not positive definite (correlation > 1)")
zoo("zoo_bad_underidentified", "cfa", ' f =~ x1 + x2 ', HS, tight = FALSE)
zoo("zoo_bad_underidentified2", "cfa", ' f1 =~ x1 + x2
       f2 =~ x4 + x5
       f1 ~~ 0*f2 ', HS, tight = FALSE)
# A sample covariance matrix that is not positive definite: x10 = x1 + x2 (HS), written to
# tests/data/lavaan/zoo_notpd.csv (read from there by the test).
hsd <- read.csv(file.path(datadir, HS))
npd <- data.frame(x1 = hsd$x1, x2 = hsd$x2, x3 = hsd$x3, x10 = hsd$x1 + hsd$x2)
write.csv(npd, file.path(out, "zoo_notpd.csv"), row.names = FALSE)
cap <- capture(cfa(' f =~ x1 + x2 + x3 + x10 ', data = npd))
wj(list(name = "zoo_bad_notpd", model = ' f =~ x1 + x2 + x3 + x10 ', data = "tests/data/lavaan/zoo_notpd.csv",
        versions = versions, warnings = cap$warnings, error = cap$error), "zoo_bad_notpd")
