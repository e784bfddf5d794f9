# Public reference values from R lavaan / semTools / psych for the acsi test suite.
# Started from the project's /work/shared/reference/make_reference.R (MIT) and extended.
# Needs: apt-get install -y r-cran-lavaan r-cran-semtools r-cran-psych r-cran-gparotation
#        r-cran-jsonlite
# Usage (from the repository root):
#   Rscript tests/reference/make_reference.R [OUTDIR [DATADIR]]
# OUTDIR defaults to tests/data, DATADIR to acsi/datasets/data (the CSVs shipped with acsi,
# so that Python and R use exactly the same numbers; never lavaan's built-in data).
# Writes OUTDIR/lavaan/<case>.json, OUTDIR/psych/<case>.json, OUTDIR/semtools/<case>.json.
# All numbers are written with digits = NA (full double precision); NA -> null.
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/data"
datadir <- if (length(args) >= 2) args[2] else "acsi/datasets/data"
out_lav <- file.path(out, "lavaan"); out_psy <- file.path(out, "psych")
out_st <- file.path(out, "semtools")
for (d in c(out_lav, out_psy, out_st)) dir.create(d, recursive = TRUE, showWarnings = FALSE)

versions <- list(lavaan = as.character(packageVersion("lavaan")),
                 semTools = as.character(packageVersion("semTools")),
                 psych = as.character(packageVersion("psych")),
                 GPArotation = as.character(packageVersion("GPArotation")),
                 jsonlite = as.character(packageVersion("jsonlite")),
                 R = R.version.string)

wj <- function(x, dir, name) {
  write_json(x, file.path(dir, paste0(name, ".json")), digits = NA, auto_unbox = TRUE,
             pretty = TRUE, na = "null")
}

# Evaluate expr, collecting warnings (muffled) and an error (if any) as text.
capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)),
                                                 class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w, error = if (inherits(val, "captured_error")) val$message else NULL)
}

# A (symmetric) matrix with dimnames -> list(names, values as rows, row-major).
mat_json <- function(m) {
  m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}
vec_json <- function(v) as.list(setNames(as.numeric(v), names(v)))

read_data <- function(file) read.csv(file.path(datadir, file), stringsAsFactors = TRUE)

# parameterEstimates() drops the label column when no parameter is labelled; keep it always.
pe <- function(fit, ...) {
  p <- parameterEstimates(fit, standardized = TRUE, ...)
  if (!"label" %in% names(p)) {
    p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  }
  p
}

save_sem <- function(name, fit_expr, model, data_file, call, notes = "", level90 = FALSE,
                     extra = list()) {
  cap <- capture(fit_expr)
  fit <- cap$value
  warns <- cap$warnings
  res <- list(name = name, kind = "sem", model = model, data = data_file, call = call,
              notes = notes, versions = versions)
  if (!is.null(cap$error)) {
    res$error <- cap$error; res$warnings <- warns
    wj(c(res, extra), out_lav, name); return(invisible(NULL))
  }
  # Each piece is extracted on its own so that one failure (e.g. vcov of a non-identified
  # model) is recorded as `<piece>_error` without losing the others.
  res$fit_warnings <- warns          # warnings raised while fitting
  opt <- lavInspect(fit, "options")
  ms <- isTRUE(opt$meanstructure)
  pieces <- list(
    nobs = quote(lavInspect(fit, "nobs")),
    converged = quote(lavInspect(fit, "converged")),
    npar = quote(lavInspect(fit, "npar")),
    iterations = quote(lavInspect(fit, "iterations")),
    options = quote(list(estimator = opt$estimator, se = opt$se, test = opt$test,
                         information = opt$information, h1.information = opt$h1.information,
                         observed.information = opt$observed.information,
                         meanstructure = opt$meanstructure, fixed.x = opt$fixed.x,
                         likelihood = opt$likelihood, std.lv = opt$std.lv,
                         mimic = opt$mimic, missing = opt$missing,
                         ceq.simple = opt$ceq.simple)),
    params = quote(pe(fit)),
    params_90 = if (level90) quote(pe(fit, level = 0.90)) else NULL,
    fit = quote(as.list(unclass(fitMeasures(fit)))),
    implied_cov = quote(mat_json(lavInspect(fit, "implied")$cov)),
    implied_mean = if (ms) quote(vec_json(lavInspect(fit, "implied")$mean)) else NULL,
    sample_cov = quote(mat_json(lavInspect(fit, "sampstat")$cov)),
    sample_mean = if (ms) quote(vec_json(lavInspect(fit, "sampstat")$mean)) else NULL,
    vcov = quote(mat_json(vcov(fit))),
    r2 = quote(vec_json(lavInspect(fit, "r2"))),
    test = quote({tt <- lavInspect(fit, "test")
                  setNames(lapply(tt, function(t) lapply(t, unclass)),
                           vapply(tt, function(t) t$test, ""))}),
    partable = quote(as.data.frame(parTable(fit))))
  for (nm in names(pieces)) {
    if (is.null(pieces[[nm]])) next
    x <- capture(eval(pieces[[nm]]))
    if (is.null(x$error)) res[[nm]] <- x$value else res[[paste0(nm, "_error")]] <- x$error
    warns <- c(warns, x$warnings)
  }
  res$warnings <- unique(warns)     # all warnings (fitting and extraction), de-duplicated
  wj(c(res, extra), out_lav, name)
  invisible(fit)
}

save_alpha <- function(name, items, data_file, call, keys = NULL) {
  cap <- capture(if (is.null(keys)) psych::alpha(items, warnings = FALSE) else
                 psych::alpha(items, keys = keys, warnings = FALSE))
  a <- cap$value
  its <- a$item.stats; ad <- a$alpha.drop; tot <- a$total
  ase <- tot$ase
  wj(list(name = name, kind = "alpha", data = data_file, call = call,
          versions = versions, items = colnames(items), keys = keys, nobs = nrow(items),
          raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha,
          average_r = tot$average_r,
          alpha_if_deleted = setNames(as.list(ad$raw_alpha), rownames(ad)),
          r_drop = setNames(as.list(its$r.drop), rownames(its)),
          feldt_ci = list(lower = unname(a$feldt$lower.ci), upper = unname(a$feldt$upper.ci)),
          total = as.list(tot),
          item_stats = `rownames<-`(cbind(item = rownames(its), as.data.frame(its)), NULL),
          alpha_drop = `rownames<-`(cbind(item = rownames(ad), as.data.frame(ad)), NULL),
          feldt = list(lower.ci = unname(as.numeric(a$feldt$lower.ci)),
                       alpha = unname(as.numeric(a$feldt$alpha)),
                       upper.ci = unname(as.numeric(a$feldt$upper.ci))),
          duhachek_ci = list(lower = tot$raw_alpha - qnorm(0.975) * ase,
                             alpha = tot$raw_alpha,
                             upper = tot$raw_alpha + qnorm(0.975) * ase,
                             note = "as printed by print.psych: raw_alpha -/+ qnorm(.975) * ase"),
          keys_used = a$keys,
          warnings = cap$warnings), out_psy, name)
}

HS <- read_data("holzinger_swineford_1939.csv")
PD <- read_data("political_democracy.csv")
MOBI <- read_data("mobi.csv")
SAT <- read_data("satisfaction.csv")
# The CSV must equal lavaan's built-in data (checked, not assumed).
stopifnot(isTRUE(all.equal(HS, lavaan::HolzingerSwineford1939, tolerance = 0)),
          isTRUE(all.equal(PD, lavaan::PoliticalDemocracy[, names(PD)], tolerance = 0)))

hs_model <- ' visual  =~ x1 + x2 + x3
              textual =~ x4 + x5 + x6
              speed   =~ x7 + x8 + x9 '
pd_model <- '
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
'
HSF <- "holzinger_swineford_1939.csv"; PDF <- "political_democracy.csv"

## ---- group 1: SEM cases ---------------------------------------------------------------
fit_hs_ml <- save_sem("hs_cfa_ml", cfa(hs_model, data = HS), hs_model, HSF,
                      "cfa(model, data, estimator='ML')", level90 = TRUE)
save_sem("poldem_sem_ml", sem(pd_model, data = PD), pd_model, PDF,
         "sem(model, data, estimator='ML')", level90 = TRUE)
save_sem("hs_cfa_mlr", cfa(hs_model, data = HS, estimator = "MLR"), hs_model, HSF,
         "cfa(model, data, estimator='MLR')")
# lavaan 0.6-14 does NOT add a mean structure for MLR with complete data; this variant has it.
save_sem("hs_cfa_mlr_meanstructure",
         cfa(hs_model, data = HS, estimator = "MLR", meanstructure = TRUE), hs_model, HSF,
         "cfa(model, data, estimator='MLR', meanstructure=TRUE)")
save_sem("poldem_sem_mlr", sem(pd_model, data = PD, estimator = "MLR"), pd_model, PDF,
         "sem(model, data, estimator='MLR')")
save_sem("hs_cfa_stdlv", cfa(hs_model, data = HS, std.lv = TRUE), hs_model, HSF,
         "cfa(model, data, std.lv=TRUE)")
save_sem("hs_cfa_observed_info", cfa(hs_model, data = HS, information = "observed"),
         hs_model, HSF, "cfa(model, data, estimator='ML', information='observed')")

pd_equal <- '
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + a*y2 + b*y3 + c*y4
  dem65 =~ y5 + a*y6 + b*y7 + c*y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
'
save_sem("poldem_equal", sem(pd_equal, data = PD), pd_equal, PDF, "sem(model, data)",
         notes = "equality constraints via shared labels a, b, c (lavaan default ceq.simple=FALSE)")

pd_indirect <- '
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ a*ind60
  dem65 ~ c*ind60 + b*dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
  ind := a*b
  total := c + a*b
'
save_sem("poldem_indirect", sem(pd_indirect, data = PD), pd_indirect, PDF, "sem(model, data)",
         notes = ":= rows (ind, total) in params; SEs by the delta method")

fx_model <- '
  visual  =~ x1 + x2 + x3
  textual =~ x4 + x5 + x6
  visual  ~ ageyr + grade
  textual ~ ageyr
'
fx_cols <- c("x1", "x2", "x3", "x4", "x5", "x6", "ageyr", "grade")
keep <- complete.cases(HS[, fx_cols])
HS_fx <- HS[keep, ]
save_sem("hs_fixedx", sem(fx_model, data = HS_fx), fx_model, HSF,
         "sem(model, data = HS[complete.cases(HS[, used columns]), ])  # fixed.x = TRUE default",
         notes = paste0("listwise deletion done explicitly in R on columns ",
                        paste(fx_cols, collapse = ","), " before fitting: ", sum(!keep),
                        " row(s) dropped (id ", paste(HS$id[!keep], collapse = ","), "), n = ",
                        sum(keep)),
         extra = list(dropped_ids = HS$id[!keep], dropped_rows_1based = which(!keep),
                      used_columns = fx_cols))
path_model <- '
  x3 ~ x1 + x2
  x6 ~ x3 + x1
'
save_sem("hs_path_fixedx", sem(path_model, data = HS), path_model, HSF,
         "sem(model, data)  # observed variables only, fixed.x = TRUE default")

acsi_model <- '
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
'
fit_mobi_ml <- save_sem("mobi_acsi_ml", sem(acsi_model, data = MOBI), acsi_model, "mobi.csv",
                        "sem(model, data, estimator='ML')",
                        notes = "single-indicator Complaints with CUSCO residual variance fixed to 0")
save_sem("mobi_acsi_mlr", sem(acsi_model, data = MOBI, estimator = "MLR"), acsi_model,
         "mobi.csv", "sem(model, data, estimator='MLR')",
         notes = "single-indicator Complaints with CUSCO residual variance fixed to 0")

# Heywood case: simulated one-factor data (seed 20260101) whose population correlations
# r12 = r13 = .8, r23 = .5 imply a standardized loading of sqrt(.8*.8/.5) > 1 for y1.
set.seed(20260101)
Rpop <- matrix(c(1, .8, .8, .8, 1, .5, .8, .5, 1), 3, 3)
Z <- matrix(rnorm(200 * 3), 200, 3) %*% chol(Rpop)
heyw <- data.frame(y1 = round(Z[, 1], 6), y2 = round(Z[, 2], 6), y3 = round(Z[, 3], 6))
write.csv(heyw, file.path(out_lav, "heywood.csv"), row.names = FALSE)
heyw <- read.csv(file.path(out_lav, "heywood.csv"))   # fit exactly what Python will read
hey_model <- ' f =~ y1 + y2 + y3 '
save_sem("heywood", cfa(hey_model, data = heyw), hey_model, "tests/data/lavaan/heywood.csv",
         "cfa(model, data)",
         notes = paste("simulated: set.seed(20260101); Z = matrix(rnorm(200*3),200,3) %*% chol(R),",
                       "R = [[1,.8,.8],[.8,1,.5],[.8,.5,1]]; rounded to 6 decimals; written and",
                       "re-read as heywood.csv; expect a negative residual variance of y1"))

ni_model <- ' f =~ x1 + x2 '
save_sem("not_identified", cfa(ni_model, data = HS), ni_model, HSF, "cfa(model, data)",
         notes = "2-indicator single factor: 4 free parameters, 3 moments, df = -1")

## ---- group 2: psych alpha --------------------------------------------------------------
save_alpha("hs_alpha_visual", HS[, c("x1", "x2", "x3")], HSF,
           "psych::alpha(HS[, c('x1','x2','x3')])")
save_alpha("hs_alpha_speed", HS[, c("x7", "x8", "x9")], HSF,
           "psych::alpha(HS[, c('x7','x8','x9')])")
save_alpha("alpha_keys", MOBI[, c("CUSA1", "CUSA2", "CUSA3", "CUSCO")], "mobi.csv",
           "psych::alpha(mobi[, c('CUSA1','CUSA2','CUSA3','CUSCO')], keys = c('CUSCO'))",
           keys = c("CUSCO"))
save_alpha("alpha_mobi_cusa_cusco", MOBI[, c("CUSA1", "CUSA2", "CUSA3", "CUSCO")], "mobi.csv",
           "psych::alpha(mobi[, c('CUSA1','CUSA2','CUSA3','CUSCO')])")
save_alpha("alpha_satisfaction_sat", SAT[, c("sat1", "sat2", "sat3", "sat4")],
           "satisfaction.csv", "psych::alpha(satisfaction[, c('sat1','sat2','sat3','sat4')])")

## ---- group 3: omega / compRelSEM / AVE (semTools) -----------------------------------------
crel_json <- function(x) {
  if (is.data.frame(x) || is.matrix(x)) return(list(table = as.data.frame(x), rownames = rownames(x)))
  vec_json(x)
}
save_omega <- function(name, data, items, data_file) {
  model <- paste("f =~", paste(items, collapse = " + "))
  fit <- cfa(model, data = data)
  p <- parameterEstimates(fit)
  lam <- p$est[p$op == "=~"]; th <- p$est[p$op == "~~" & p$lhs == p$rhs & p$lhs %in% items]
  S <- lavInspect(fit, "sampstat")$cov; Sig <- lavInspect(fit, "implied")$cov
  psi <- p$est[p$op == "~~" & p$lhs == "f" & p$rhs == "f"]
  num <- psi * sum(lam)^2                      # variance of the sum explained by f
  std <- standardizedSolution(fit)
  psy <- capture(psych::omega(data[, items], nfactors = 1, plot = FALSE))
  wj(list(name = name, kind = "omega", data = data_file, items = items, model = model,
          call = "fit <- cfa(model, data); semTools::compRelSEM(fit, ...)",
          versions = versions, nobs = lavInspect(fit, "nobs"),
          loadings = setNames(as.list(lam), items), residuals = setNames(as.list(th), items),
          factor_variance = psi,
          std_loadings = setNames(as.list(std$est.std[std$op == "=~"]), items),
          formulas_note = paste("marker-variable fit (first loading 1): omega = psi*(sum",
                                "lambda)^2 / D with D = psi*(sum lambda)^2 + sum theta",
                                "(= sum of model-implied covariances when residuals are",
                                "uncorrelated) or D = sum of the sample covariances (divisor N)"),
          omega_formula = num / (num + sum(th)),
          omega_obs_var = num / sum(S),
          omega_implied_var = num / sum(Sig),
          compRelSEM_default = crel_json(compRelSEM(fit)),
          compRelSEM_obs_var_TRUE = crel_json(compRelSEM(fit, obs.var = TRUE)),
          compRelSEM_obs_var_FALSE = crel_json(compRelSEM(fit, obs.var = FALSE)),
          compRelSEM_tau_eq_TRUE = crel_json(compRelSEM(fit, tau.eq = TRUE)),
          compRelSEM_defaults_note = "semTools 0.5-6 compRelSEM defaults: obs.var = TRUE, tau.eq = FALSE",
          AVE = crel_json(AVE(fit)),
          psych_omega = if (is.null(psy$error)) list(
            call = "psych::omega(data[, items], nfactors = 1, plot = FALSE)  # fm = 'minres'",
            omega.tot = psy$value$omega.tot, omega_h = psy$value$omega_h,
            alpha = psy$value$alpha, warnings = psy$warnings) else list(error = psy$error)),
     out_st, name)
}
save_omega("omega_hs_visual", HS, c("x1", "x2", "x3"), HSF)
save_omega("omega_mobi_perq", MOBI, paste0("PERQ", 1:7), "mobi.csv")
save_omega("omega_satisfaction_qual", SAT, paste0("qual", 1:5), "satisfaction.csv")

save_crel <- function(name, fit, model, data_file, call) {
  wj(list(name = name, kind = "compRelSEM_AVE", model = model, data = data_file, call = call,
          versions = versions, nobs = lavInspect(fit, "nobs"),
          compRelSEM_call = "semTools::compRelSEM(fit)  # defaults: obs.var=TRUE, tau.eq=FALSE, dropSingle=TRUE",
          compRelSEM = crel_json(compRelSEM(fit)),
          compRelSEM_obs_var_FALSE = crel_json(compRelSEM(fit, obs.var = FALSE)),
          AVE_call = "semTools::AVE(fit)  # defaults: obs.var=TRUE, dropSingle=TRUE",
          AVE = crel_json(AVE(fit))), out_st, name)
}
save_crel("hs_cfa_ml_reliability", fit_hs_ml, hs_model, HSF, "cfa(model, data)")
save_crel("mobi_acsi_ml_reliability", fit_mobi_ml, acsi_model, "mobi.csv", "sem(model, data)")

## ---- group 4: EFA, KMO, Bartlett (psych) ---------------------------------------------------
X9 <- HS[, paste0("x", 1:9)]
save_fa <- function(name, data, nf, fm, rotate, data_file, call) {
  cap <- capture(psych::fa(data, nfactors = nf, fm = fm, rotate = rotate))
  f <- cap$value
  L <- unclass(f$loadings)
  f0 <- suppressWarnings(psych::fa(data, nfactors = nf, fm = fm, rotate = "none"))
  res <- list(name = name, kind = "fa", data = data_file, call = call, versions = versions,
              items = colnames(data), nobs = nrow(data), nfactors = nf, fm = fm, rotate = rotate,
              loadings = mat_json(L), factor_names = colnames(L),
              unrotated_loadings = mat_json(unclass(f0$loadings)),
              notes = paste("psych 2.2.9: varimax = stats::varimax(L) (normalize = TRUE, eps = 1e-5);",
                            "promax = psych::kaiser(L, rotate = 'Promax') (rows / sqrt(h2),",
                            "psych::Promax m = 4 which starts from stats::varimax, rows * sqrt(h2));",
                            "oblimin = GPArotation::oblimin(L) (gam = 0, normalize = FALSE, eps = 1e-5,",
                            "maxit = 1000); afterwards columns are sign-flipped so colSums(L) > 0 and",
                            "ordered by variance accounted for; fm = 'pa' iterates communalities",
                            "(start: SMC) until the change in sum(h2) < min.err = 0.001, max.iter = 50"),
              h2 = vec_json(f$communality), u2 = vec_json(f$uniquenesses),
              e.values = as.numeric(f$e.values), values = as.numeric(f$values),
              Phi = if (!is.null(f$Phi)) mat_json(f$Phi) else NA,
              rot.mat = if (!is.null(f$rot.mat)) unname(unclass(f$rot.mat)) else NA,
              objective = f$objective, STATISTIC = f$STATISTIC, dof = f$dof, PVAL = f$PVAL,
              null.chisq = f$null.chisq, null.dof = f$null.dof, chi = f$chi, rms = f$rms,
              TLI = f$TLI, RMSEA = as.list(f$RMSEA), BIC = f$BIC,
              warnings = cap$warnings)
  wj(res, out_psy, name)
}
for (cfg in list(c("ml", "varimax"), c("ml", "promax"), c("ml", "oblimin"),
                 c("pa", "varimax"), c("pa", "none"))) {
  save_fa(paste0("fa_hs_", cfg[1], "_", cfg[2]), X9, 3, cfg[1], cfg[2], HSF,
          sprintf("psych::fa(HS[, paste0('x', 1:9)], nfactors = 3, fm = '%s', rotate = '%s')",
                  cfg[1], cfg[2]))
}
save_kmo_bart <- function(name, data, data_file, call) {
  k <- psych::KMO(data)
  b <- capture(psych::cortest.bartlett(data))
  wj(list(name = name, kind = "kmo_bartlett", data = data_file, call = call, versions = versions,
          items = colnames(data), nobs = nrow(data),
          kmo = list(MSA = k$MSA, MSAi = vec_json(k$MSAi)),
          bartlett = list(chisq = b$value$chisq, p.value = b$value$p.value, df = b$value$df,
                          warnings = b$warnings)), out_psy, name)
}
save_kmo_bart("kmo_bartlett_hs", X9, HSF,
              "psych::KMO(HS[, paste0('x', 1:9)]); psych::cortest.bartlett(HS[, paste0('x', 1:9)])")
save_kmo_bart("kmo_bartlett_mobi", MOBI, "mobi.csv",
              "psych::KMO(mobi); psych::cortest.bartlett(mobi)  # all 24 items")
cat("done\n")
