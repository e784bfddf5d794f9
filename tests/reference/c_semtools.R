# semTools references for acsi.reliability (helper C): omega (compRelSEM on one-factor cfa),
# compRelSEM / AVE on multi-factor fits, each fit converged tightly (optim.method = "BFGS", reltol = 1e-16)
# so that the references sit at the ML optimum (lavaan's default rel.tol = 1e-10 leaves
# gradients of ~1e-6). The lavaan-style parameter table and the sample covariance (divisor
# N) are stored too, for testing acsi's formula functions without a CB-SEM engine.
# Usage (from the repository root): Rscript tests/reference/c_semtools.R
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
out <- "tests/data/semtools"; datadir <- "acsi/datasets/data"
versions <- list(lavaan = as.character(packageVersion("lavaan")),
                 semTools = as.character(packageVersion("semTools")), R = R.version.string)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
rd <- function(f) read.csv(file.path(datadir, f))
ctrl <- list(reltol = 1e-16, maxit = 10000)
mat_json <- function(m) { m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))) }

save_fit <- function(name, model, data, data_file, fun = cfa) {
  fit <- fun(model, data, optim.method = "BFGS", control = ctrl)
  pe <- parameterEstimates(fit, standardized = TRUE, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)
  pe <- pe[, c("lhs", "op", "rhs", "est", "std.all")]
  wj(list(name = name, kind = "compRelSEM_AVE_tight", model = model, data = data_file,
          versions = versions, nobs = lavInspect(fit, "nobs"),
          call = "fit <- cfa/sem(model, data, optim.method = \"BFGS\", control = list(reltol = 1e-16, maxit = 1e4))",
          converged = lavInspect(fit, "converged"),
          max_abs_gradient = max(abs(lavInspect(fit, "gradient"))),
          estimates = pe, sample_cov = mat_json(lavInspect(fit, "sampstat")$cov),
          implied_cov = mat_json(lavInspect(fit, "implied")$cov),
          cov_lv = mat_json(lavInspect(fit, "cov.lv")),
          chisq = unname(fitMeasures(fit, "chisq")), df = unname(fitMeasures(fit, "df")),
          compRelSEM = as.list(compRelSEM(fit)),
          compRelSEM_obs_var_FALSE = as.list(compRelSEM(fit, obs.var = FALSE)),
          compRelSEM_tau_eq_TRUE = as.list(compRelSEM(fit, tau.eq = TRUE)),
          AVE = as.list(AVE(fit)), AVE_obs_var_FALSE = as.list(AVE(fit, obs.var = FALSE)),
          items = lavNames(fit, "ov")), name)
}
HS <- rd("holzinger_swineford_1939.csv"); MOBI <- rd("mobi.csv"); SAT <- rd("satisfaction.csv")
one <- function(items) paste("f =~", paste(items, collapse = " + "))
save_fit("c_omega_hs_visual", one(c("x1", "x2", "x3")), HS, "holzinger_swineford_1939.csv")
save_fit("c_omega_hs_textual", one(c("x4", "x5", "x6")), HS, "holzinger_swineford_1939.csv")
save_fit("c_omega_mobi_perq", one(paste0("PERQ", 1:7)), MOBI, "mobi.csv")
save_fit("c_omega_mobi_imag", one(paste0("IMAG", 1:5)), MOBI, "mobi.csv")
save_fit("c_omega_satisfaction_qual", one(paste0("qual", 1:5)), SAT, "satisfaction.csv")
save_fit("c_omega_satisfaction_loy", one(paste0("loy", 1:4)), SAT, "satisfaction.csv")
save_fit("c_cr_hs_cfa", "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9", HS,
         "holzinger_swineford_1939.csv")
save_fit("c_cr_hs_crossloading", "visual =~ x1 + x2 + x3 + x9\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9", HS,
         "holzinger_swineford_1939.csv")
save_fit("c_cr_mobi_acsi", "
  Expectation  =~ CUEX1 + CUEX2 + CUEX3
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value        =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  Complaints   =~ CUSCO
  CUSCO ~~ 0*CUSCO
  Quality      ~ Expectation
  Value        ~ Expectation + Quality
  Satisfaction ~ Expectation + Quality + Value
  Complaints   ~ Satisfaction
  Loyalty      ~ Satisfaction + Complaints
", MOBI, "mobi.csv", fun = sem)
