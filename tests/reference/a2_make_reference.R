# Intermediate lavaan quantities for acsi's fit-measure / MLR / chi-square-difference tests.
# Needs R lavaan 0.6-14 and jsonlite. Usage (from the repository root):
#   Rscript tests/reference/a2_make_reference.R
# For each case of tests/data/lavaan/<case>.json (made by make_reference.R) it refits the same
# model on the same CSV and writes tests/data/lavaan/a2_<case>.json with:
#   ov_names (lavaan's order of the observed variables), ov_x (fixed.x covariates), theta
#   (coef), delta (lavInspect "delta": rows mean part (if any) then vech(Sigma), columns the free
#   parameters), info_expected / info_observed / info_firstorder (unit information matrices),
#   vcov, fit (fitMeasures), test, implied / sample moments.
# and tests/data/lavaan/a2_lrt.json with lavTestLRT() tables of nested pairs (ML and MLR).
suppressMessages({library(lavaan); library(jsonlite)})
lavdir <- "tests/data/lavaan"; datadir <- "acsi/datasets/data"
wj <- function(x, name) write_json(x, file.path(lavdir, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = FALSE, na = "null")
mat <- function(m) { m <- as.matrix(unclass(m))
  list(rownames = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))) }
vec <- function(v) as.list(setNames(as.numeric(v), names(v)))
HS <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
PD <- read.csv(file.path(datadir, "political_democracy.csv"))
MOBI <- read.csv(file.path(datadir, "mobi.csv"))
HEY <- read.csv(file.path(lavdir, "heywood.csv"))
cases <- list(
  hs_cfa_ml = list(HS, list()), hs_cfa_mlr = list(HS, list(estimator = "MLR")),
  hs_cfa_mlr_meanstructure = list(HS, list(estimator = "MLR", meanstructure = TRUE)),
  hs_cfa_observed_info = list(HS, list(information = "observed")),
  hs_cfa_stdlv = list(HS, list(std.lv = TRUE)),
  poldem_sem_ml = list(PD, list()), poldem_sem_mlr = list(PD, list(estimator = "MLR")),
  poldem_indirect = list(PD, list()),
  hs_fixedx = list(HS, list()), hs_path_fixedx = list(HS, list()),
  mobi_acsi_ml = list(MOBI, list()), mobi_acsi_mlr = list(MOBI, list(estimator = "MLR")),
  heywood = list(HEY, list()),
  heywood_mlr = list(HEY, list(estimator = "MLR"), "heywood"),  # MLR with df = 0
  # MLR with fixed.x covariates (the model text of <ref>.json), with and without means
  hs_fixedx_mlr = list(HS, list(estimator = "MLR"), "hs_fixedx"),
  hs_path_fixedx_mlr = list(HS, list(estimator = "MLR", meanstructure = TRUE), "hs_path_fixedx"),
  poldem_equal_mlr = list(PD, list(estimator = "MLR"), "poldem_equal"),
  # fixed.x = FALSE: the baseline keeps free covariances among the exogenous covariates
  hs_path_randomx = list(HS, list(fixed.x = FALSE), "hs_path_fixedx"),
  hs_path_randomx_mlr = list(HS, list(fixed.x = FALSE, estimator = "MLR"), "hs_path_fixedx"),
  # mobi: lavaan's default nlminb stops with a gradient of ~3e-6 (estimates ~1e-4 from the
  # optimum: chisq 298.88722085 vs 298.88722076); BFGS with reltol 1e-14 reaches the optimum
  # (gradient ~2e-7), so these are the references for estimates at 1e-4.
  mobi_acsi_ml_bfgs = list(MOBI, list(optim.method = "BFGS",
                                      control = list(reltol = 1e-14, maxit = 5000)),
                           "mobi_acsi_ml"),
  mobi_acsi_mlr_bfgs = list(MOBI, list(estimator = "MLR", optim.method = "BFGS",
                                       control = list(reltol = 1e-14, maxit = 5000)),
                            "mobi_acsi_mlr"))
fits <- list()
for (nm in names(cases)) {
  refname <- if (length(cases[[nm]]) >= 3) cases[[nm]][[3]] else nm
  ref <- fromJSON(file.path(lavdir, paste0(refname, ".json")), simplifyVector = FALSE)
  fun <- if (grepl("^cfa", ref$call)) "cfa" else "sem"
  fit <- suppressWarnings(do.call(fun, c(list(model = ref$model, data = cases[[nm]][[1]]),
                                        cases[[nm]][[2]])))
  fits[[nm]] <- fit
  ms <- lavInspect(fit, "meanstructure")
  pe <- parameterEstimates(fit)
  if (!"label" %in% names(pe)) pe$label <- ""
  out <- list(name = nm, model = ref$model, args = cases[[nm]][[2]], call_of = refname,
              params = pe[, c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                              "ci.lower", "ci.upper")],
              test = lapply(lavInspect(fit, "test"), function(t) lapply(t, unclass)),
              lavaan = as.character(packageVersion("lavaan")),
              ov_names = lavNames(fit, "ov"), ov_x = lavNames(fit, "ov.x"),
              meanstructure = ms, fixed_x = lavInspect(fit, "options")$fixed.x,
              nobs = lavInspect(fit, "nobs"), theta = vec(coef(fit)),
              delta = mat(lavInspect(fit, "delta")),
              info_expected = mat(lavInspect(fit, "information.expected")),
              info_observed = mat(lavInspect(fit, "information.observed")),
              info_firstorder = mat(lavInspect(fit, "information.first.order")),
              vcov = mat(vcov(fit)), fit = as.list(unclass(fitMeasures(fit))),
              implied_cov = mat(lavInspect(fit, "implied")$cov),
              sample_cov = mat(lavInspect(fit, "sampstat")$cov),
              sample_mean = vec(lavInspect(fit, "sampstat")$mean),
              fmin = as.numeric(fitMeasures(fit, "fmin")),
              optim_gradient_max = max(abs(lavInspect(fit, "optim.gradient"))),
              converged = lavInspect(fit, "converged"))
  if (ms) out$implied_mean <- vec(lavInspect(fit, "implied")$mean)
  wj(out, paste0("a2_", nm))
}
# Nested pairs for lavTestLRT (ML and MLR).
hs_model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
hs_orth <- paste(hs_model, "\n visual ~~ 0*textual\n visual ~~ 0*speed\n textual ~~ 0*speed")
pd_model <- fromJSON(file.path(lavdir, "poldem_sem_ml.json"))$model
pd_equal <- fromJSON(file.path(lavdir, "poldem_equal.json"))$model
lrt <- list()
for (est in c("ML", "MLR")) {
  for (pair in list(list("hs_orth_vs_cfa", hs_orth, hs_model, HS, "cfa"),
                    list("poldem_equal_vs_free", pd_equal, pd_model, PD, "sem"))) {
    f0 <- do.call(pair[[5]], list(model = pair[[2]], data = pair[[4]], estimator = est))
    f1 <- do.call(pair[[5]], list(model = pair[[3]], data = pair[[4]], estimator = est))
    tab <- lavTestLRT(f1, f0)
    key <- paste0(pair[[1]], "_", tolower(est))
    lrt[[key]] <- list(restricted = pair[[2]], unrestricted = pair[[3]],
                       estimator = est, data = if (identical(pair[[4]], HS)) "holzinger_swineford_1939.csv" else "political_democracy.csv",
                       table = lapply(as.data.frame(unclass(tab)), as.numeric),
                       rownames = c("unrestricted", "restricted"),
                       heading = attr(tab, "heading"),
                       fit_restricted = as.list(unclass(fitMeasures(f0))),
                       fit_unrestricted = as.list(unclass(fitMeasures(f1))))
  }
}
wj(list(lavaan = as.character(packageVersion("lavaan")), cases = lrt), "a2_lrt")

# MLR variants of A1's extra cases (tests/data/lavaan/a1_<case>.json, made by A1's script):
# the same model and data with estimator = "MLR" (fixed.x as in the case's call).
variants <- list()
for (nm in c("a1_hs_user_intercepts", "a1_hs_path_random_x", "a1_hs_second_order",
             "a1_pd_auto_cov_y", "a1_hs_equal_resid", "a1_hs_indicator_regressed",
             "a1_hs_observed_outcome")) {
  f <- file.path(lavdir, paste0(nm, ".json"))
  if (!file.exists(f)) next
  ref <- fromJSON(f)
  data <- read.csv(file.path(datadir, ref$data))
  fun <- if (grepl("^cfa", ref$call)) "cfa" else "sem"
  args <- list(model = ref$model, data = data, estimator = "MLR")
  if (grepl("fixed.x = FALSE", ref$call, fixed = TRUE)) args$fixed.x <- FALSE
  fit <- do.call(fun, args)
  pe <- parameterEstimates(fit)
  variants[[nm]] <- list(model = ref$model, data = ref$data, fun = fun,
                         fixed_x = is.null(args$fixed.x),
                         fit = as.list(unclass(fitMeasures(fit))),
                         params = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue",
                                         "ci.lower", "ci.upper")])
}
wj(list(lavaan = as.character(packageVersion("lavaan")), cases = variants), "a2_mlr_variants")
