# Extra lavaan 0.6-14 references for acsi's CB-SEM engine (helper A1): model features not in
# make_reference.R (second-order factor, observed outcome of latents (MIMIC-like), user
# intercepts, fixed.x = FALSE, automatic covariances of pure outcomes (auto.cov.y),
# std.lv with regressions, equal residual variances, an indicator regressed on a covariate).
# Usage (from the repository root): Rscript tests/reference/make_reference_cbsem_extra.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan"
datadir <- "acsi/datasets/data"
mat_json <- function(m) {
  m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}
pe <- function(fit) {
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  p
}
save <- function(name, fit, model, data_file, call, extra = list()) {
  o <- lavInspect(fit, "options")
  res <- list(name = name, kind = "sem", model = model, data = data_file, call = call,
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              nobs = lavInspect(fit, "nobs"), converged = lavInspect(fit, "converged"),
              npar = lavInspect(fit, "npar"), iterations = lavInspect(fit, "iterations"),
              options = list(estimator = o$estimator, se = o$se, information = o$information,
                             meanstructure = o$meanstructure, std.lv = o$std.lv, fixed.x = o$fixed.x),
              params = pe(fit), fit = as.list(unclass(fitMeasures(fit, c("npar", "fmin", "chisq", "df")))),
              implied_cov = mat_json(lavInspect(fit, "implied")$cov),
              sample_cov = mat_json(lavInspect(fit, "sampstat")$cov),
              vcov = mat_json(vcov(fit)), r2 = as.list(lavInspect(fit, "r2")))
  write_json(c(res, extra), file.path(out, paste0(name, ".json")), digits = NA, auto_unbox = TRUE,
             pretty = TRUE, na = "null")
}
HS <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
PD <- read.csv(file.path(datadir, "political_democracy.csv"))
HSF <- "holzinger_swineford_1939.csv"; PDF <- "political_democracy.csv"

m <- ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       g =~ visual + textual + speed '
save("a1_hs_second_order", cfa(m, data = HS), m, HSF, "cfa(model, data)")

m <- ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       x9 ~ visual + textual + ageyr '
save("a1_hs_observed_outcome", sem(m, data = HS), m, HSF, "sem(model, data)")

m <- ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       x1 ~ 1 '
save("a1_hs_user_intercepts", cfa(m, data = HS), m, HSF,
     "cfa(model, data)  # intercept formulas switch the mean structure on")

m <- ' x3 ~ x1 + x2
       x6 ~ x3 + x1 '
save("a1_hs_path_random_x", sem(m, data = HS, fixed.x = FALSE), m, HSF, "sem(model, data, fixed.x = FALSE)")

m <- ' y1 ~ x1 + x2
       y5 ~ x1 + x3 '
save("a1_pd_auto_cov_y", sem(m, data = PD), m, PDF, "sem(model, data)  # y1 ~~ y5 added by auto.cov.y")

m <- ' ind60 =~ x1 + x2 + x3
       dem60 =~ y1 + y2 + y3 + y4
       dem65 =~ y5 + y6 + y7 + y8
       dem60 ~ ind60
       dem65 ~ ind60 + dem60
       y1 ~~ y5 '
save("a1_pd_stdlv_sem", sem(m, data = PD, std.lv = TRUE), m, PDF, "sem(model, data, std.lv = TRUE)")

m <- ' visual =~ x1 + x2 + x3
       x1 ~~ v*x1
       x2 ~~ v*x2
       x3 ~~ v*x3 '
save("a1_hs_equal_resid", cfa(m, data = HS), m, HSF, "cfa(model, data)  # equal residual variances")

m <- ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       x3 ~ x7 '
save("a1_hs_indicator_regressed", sem(m, data = HS), m, HSF, "sem(model, data)")

m <- ' visual =~ x1 + x2 + x3
       textual =~ x4 + x5 + x6
       speed =~ x7 + x8 + x9
       textual ~ a*visual
       speed ~ b*textual + c*visual
       ind := a*b
       tot := c + ind
       prop := ind / tot '
save("a1_hs_mediation_obsinfo", sem(m, data = HS, information = "observed"), m, HSF,
     "sem(model, data, information = 'observed')  # := using an earlier := ")
