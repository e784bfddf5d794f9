# "Zoo" of psych / semTools references for acsi.reliability on data sets and arguments the
# first references did not cover: alpha on every block of mobi, satisfaction, servqual,
# corp_rep (with missing values: psych's pairwise default and complete cases), the e-banking
# items, reverse keys, check.keys, two-item scales, items on very different scales; omega /
# compRelSEM / AVE on many one-factor blocks and multi-factor CFAs (tight lavaan fits);
# psych::fa on mobi, satisfaction, servqual, e-banking with several methods and rotations;
# psych::KMO and cortest.bartlett on those data sets.
# Usage (from the repository root): Rscript tests/reference/r_zoo_reliability.R
# Needs the CSV written by tests/reference/zoo_data.py (tests/data/psych/zoo_*.csv).
# Writes tests/data/psych/zoo_*.json and tests/data/semtools/zoo_*.json.
suppressMessages({library(psych); library(GPArotation); library(lavaan); library(semTools); library(jsonlite)})
datadir <- "acsi/datasets/data"; pdir <- "tests/data/psych"; sdir <- "tests/data/semtools"
versions <- list(psych = as.character(packageVersion("psych")),
                 GPArotation = as.character(packageVersion("GPArotation")),
                 lavaan = as.character(packageVersion("lavaan")),
                 semTools = as.character(packageVersion("semTools")), R = R.version.string)
wj <- function(x, dir, name) write_json(x, file.path(dir, paste0(name, ".json")), digits = NA,
                                        auto_unbox = TRUE, pretty = TRUE, na = "null")
rd <- function(f) read.csv(file.path(datadir, f))
mat_json <- function(m) { m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))) }
df_rows <- function(d) `rownames<-`(cbind(item = rownames(d), as.data.frame(d)), NULL)
catch <- function(expr) { w <- character(0); m <- character(0)
  val <- withCallingHandlers(expr,
    warning = function(c) { w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning") },
    message = function(c) { m <<- c(m, conditionMessage(c)); invokeRestart("muffleMessage") })
  list(value = val, warnings = w, messages = m) }

MOBI <- rd("mobi.csv"); SAT <- rd("satisfaction.csv"); SQ <- rd("servqual_sq.csv")
HS <- rd("holzinger_swineford_1939.csv")
CR <- rd("corp_rep_data.csv"); CR[CR == -99] <- NA
EB <- read.csv(file.path(pdir, "zoo_ebanking.csv"))
MIX <- read.csv(file.path(pdir, "zoo_mixed_scales.csv"))
DATA <- list("mobi.csv" = MOBI, "satisfaction.csv" = SAT, "servqual_sq.csv" = SQ,
             "holzinger_swineford_1939.csv" = HS, "corp_rep_data.csv" = CR,
             "zoo_ebanking.csv" = EB, "zoo_mixed_scales.csv" = MIX)

# ------------------------------------------------------------------ psych::alpha
# mode: "default" (psych's pairwise use of all rows), "complete" (na.omit first: acsi's listwise)
save_alpha <- function(name, file, items, keys = NULL, check.keys = FALSE, mode = "default", cumulative = FALSE) {
  x <- DATA[[file]][, items]
  if (mode == "complete") x <- na.omit(x)
  r <- catch(if (is.null(keys)) psych::alpha(x, check.keys = check.keys, cumulative = cumulative)
             else psych::alpha(x, keys = keys, check.keys = check.keys, cumulative = cumulative))
  a <- r$value
  call <- sprintf("psych::alpha(%s[, c(%s)]%s%s)", if (mode == "complete") "na.omit(x)" else "x",
                  paste0("'", items, "'", collapse = ", "),
                  if (is.null(keys)) "" else paste0(", keys = c(", paste0("'", keys, "'", collapse = ", "), ")"),
                  paste0(if (check.keys) ", check.keys = TRUE" else "", if (cumulative) ", cumulative = TRUE" else ""))
  wj(list(name = name, kind = "alpha", data = file, call = call, versions = versions, mode = mode,
          check_keys = check.keys, keys_given = keys, cumulative = cumulative, na_codes = if (file == "corp_rep_data.csv") -99 else NULL,
          items = items, nobs = nrow(x), total = as.list(a$total),
          item_stats = df_rows(a$item.stats), alpha_drop = df_rows(a$alpha.drop),
          feldt = list(lower.ci = unname(a$feldt$lower.ci), upper.ci = unname(a$feldt$upper.ci)),
          keys = a$keys, warnings = r$warnings, messages = r$messages), pdir, name)
}
blocks <- list(
  mobi = list(IMAG = paste0("IMAG", 1:5), CUEX = paste0("CUEX", 1:3), PERQ = paste0("PERQ", 1:7),
              PERV = paste0("PERV", 1:2), CUSA = paste0("CUSA", 1:3), CUSL = paste0("CUSL", 1:3)),
  satisfaction = list(imag = paste0("imag", 1:5), expe = paste0("expe", 1:5), qual = paste0("qual", 1:5),
                      val = paste0("val", 1:4), sat = paste0("sat", 1:4), loy = paste0("loy", 1:4)),
  corp_rep = list(qual = paste0("qual_", 1:8), perf = paste0("perf_", 1:5), csor = paste0("csor_", 1:5),
                  attr = paste0("attr_", 1:3), comp = paste0("comp_", 1:3), like = paste0("like_", 1:3),
                  cusl = paste0("cusl_", 1:3), switch = paste0("switch_", 1:3)))
files <- c(mobi = "mobi.csv", satisfaction = "satisfaction.csv", corp_rep = "corp_rep_data.csv")
for (ds in names(blocks)) for (b in names(blocks[[ds]])) {
  its <- blocks[[ds]][[b]]
  nm <- paste0("zoo_alpha_", ds, "_", b)
  save_alpha(nm, files[[ds]], its)
  if (ds == "corp_rep" && anyNA(CR[, its])) save_alpha(paste0(nm, "_complete"), files[[ds]], its, mode = "complete")
}
save_alpha("zoo_alpha_servqual_all", "servqual_sq.csv", sprintf("a%02d", 1:22))
save_alpha("zoo_alpha_servqual_tangibles", "servqual_sq.csv", sprintf("a%02d", 1:4))
save_alpha("zoo_alpha_servqual_reliability", "servqual_sq.csv", sprintf("a%02d", 5:9))
save_alpha("zoo_alpha_servqual_empathy", "servqual_sq.csv", sprintf("a%02d", 18:22))
save_alpha("zoo_alpha_servqual_pair", "servqual_sq.csv", c("a01", "a22"))
save_alpha("zoo_alpha_ebanking_q8_q15", "zoo_ebanking.csv", paste0("Q", 8:15))
save_alpha("zoo_alpha_ebanking_q16_q17", "zoo_ebanking.csv", paste0("Q", 16:17))
save_alpha("zoo_alpha_ebanking_keys", "zoo_ebanking.csv", paste0("Q", 8:15), keys = c("Q9", "Q13"))
save_alpha("zoo_alpha_mobi_keys_two", "mobi.csv", paste0("PERQ", 1:7), keys = c("PERQ2", "PERQ5"))
save_alpha("zoo_alpha_mobi_keys_pair", "mobi.csv", c("CUSA1", "CUSCO"), keys = "CUSCO")
save_alpha("zoo_alpha_corp_rep_keys", "corp_rep_data.csv", c(paste0("cusl_", 1:3), paste0("switch_", 1:3)),
           keys = paste0("switch_", 1:3))
save_alpha("zoo_alpha_corp_rep_keys_complete", "corp_rep_data.csv", c(paste0("cusl_", 1:3), paste0("switch_", 1:3)),
           keys = paste0("switch_", 1:3), mode = "complete")
save_alpha("zoo_alpha_corp_rep_qual_perf_cusa", "corp_rep_data.csv", c(paste0("qual_", 1:8), paste0("perf_", 1:5), "cusa"))
# check.keys: psych flips items loading negatively on the first principal component
save_alpha("zoo_alpha_checkkeys_corp_rep", "corp_rep_data.csv", c(paste0("cusl_", 1:3), paste0("switch_", 1:3)),
           check.keys = TRUE, mode = "complete")
save_alpha("zoo_alpha_checkkeys_mix", "zoo_mixed_scales.csv", c("s1", "s2", "s3", "rev"), check.keys = TRUE)
save_alpha("zoo_alpha_nocheck_mix", "zoo_mixed_scales.csv", c("s1", "s2", "s3", "rev"))
# very different item variances: raw and standardized alpha differ
save_alpha("zoo_alpha_mixed_scales", "zoo_mixed_scales.csv", c("s1", "s2", "s3", "big", "small"))
save_alpha("zoo_alpha_mixed_pair", "zoo_mixed_scales.csv", c("big", "small"))
# a singular correlation matrix (sum12 = s1 + s2): psych's smc uses its pseudo-inverse
save_alpha("zoo_alpha_singular", "zoo_mixed_scales.csv", c("s1", "s2", "s3", "sum12"))
# sum score instead of mean score
save_alpha("zoo_alpha_cumulative_mobi", "mobi.csv", paste0("PERQ", 1:7), cumulative = TRUE)
save_alpha("zoo_alpha_cumulative_corp_rep", "corp_rep_data.csv", c(paste0("qual_", 1:8), "cusa"), cumulative = TRUE)
save_alpha("zoo_alpha_cumulative_keys", "corp_rep_data.csv", c(paste0("cusl_", 1:3), paste0("switch_", 1:3)),
           keys = paste0("switch_", 1:3), cumulative = TRUE)

# ------------------------------------------------------------------ psych::fa
save_fa <- function(name, file, items, nf, fm, rot) {
  x <- DATA[[file]][, items]
  r <- catch(psych::fa(x, nfactors = nf, fm = fm, rotate = rot))
  f <- r$value
  wj(list(name = name, kind = "fa", data = file, versions = versions,
          call = sprintf("psych::fa(x, nfactors = %d, fm = '%s', rotate = '%s')", nf, fm, rot),
          items = items, nobs = nrow(x), nfactors = nf, fm = fm, rotate = rot,
          loadings = mat_json(f$loadings), h2 = as.list(f$communality), u2 = as.list(f$uniquenesses),
          e.values = f$e.values, values = f$values,
          Phi = if (is.null(f$Phi)) NULL else mat_json(f$Phi),
          Vaccounted = mat_json(f$Vaccounted),
          objective = f$objective, STATISTIC = f$STATISTIC, dof = f$dof, PVAL = f$PVAL,
          null.chisq = f$null.chisq, null.dof = f$null.dof, TLI = f$TLI,
          RMSEA = as.list(f$RMSEA), BIC = f$BIC, rms = f$rms, chi = f$chi,
          communality.iterations = f$communality.iterations,
          rot.mat = if (is.null(f$rot.mat)) NULL else unname(lapply(seq_len(nrow(f$rot.mat)), function(i) f$rot.mat[i, ])),
          warnings = r$warnings, messages = r$messages), pdir, name)
}
mobi24 <- names(MOBI); sat27 <- setdiff(names(SAT), "gender"); sq22 <- sprintf("a%02d", 1:22)
eb10 <- paste0("Q", 8:17)
for (nf in 3:7) for (fm in c("ml", "pa", "minres"))
  for (rot in c("none", "varimax", "promax", "oblimin"))
    save_fa(sprintf("zoo_fa_mobi_%d_%s_%s", nf, fm, rot), "mobi.csv", mobi24, nf, fm, rot)
for (fm in c("ml", "pa", "minres")) for (rot in c("none", "varimax", "promax", "oblimin")) {
  save_fa(sprintf("zoo_fa_satisfaction_6_%s_%s", fm, rot), "satisfaction.csv", sat27, 6, fm, rot)
  save_fa(sprintf("zoo_fa_servqual_5_%s_%s", fm, rot), "servqual_sq.csv", sq22, 5, fm, rot)
  save_fa(sprintf("zoo_fa_ebanking_2_%s_%s", fm, rot), "zoo_ebanking.csv", eb10, 2, fm, rot)
  save_fa(sprintf("zoo_fa_ebanking_3_%s_%s", fm, rot), "zoo_ebanking.csv", eb10, 3, fm, rot)
}
for (nf in c(1, 2, 4)) save_fa(sprintf("zoo_fa_satisfaction_%d_ml_oblimin", nf), "satisfaction.csv", sat27, nf, "ml", "oblimin")
for (nf in c(1, 3)) save_fa(sprintf("zoo_fa_servqual_%d_minres_promax", nf), "servqual_sq.csv", sq22, nf, "minres", "promax")
save_fa("zoo_fa_ebanking_4_ml_oblimin", "zoo_ebanking.csv", eb10, 4, "ml", "oblimin")
save_fa("zoo_fa_ebanking_4_pa_varimax", "zoo_ebanking.csv", eb10, 4, "pa", "varimax")

# GPArotation's quartimax, geominT and geominQ through psych
for (rot in c("quartimax", "geominT", "geominQ")) {
  save_fa(sprintf("zoo_fa_mobi_4_ml_%s", rot), "mobi.csv", mobi24, 4, "ml", rot)
  save_fa(sprintf("zoo_fa_satisfaction_6_minres_%s", rot), "satisfaction.csv", sat27, 6, "minres", rot)
  save_fa(sprintf("zoo_fa_servqual_5_pa_%s", rot), "servqual_sq.csv", sq22, 5, "pa", rot)
  save_fa(sprintf("zoo_fa_ebanking_2_ml_%s", rot), "zoo_ebanking.csv", eb10, 2, "ml", rot)
  save_fa(sprintf("zoo_fa_hs_3_ml_%s", rot), "holzinger_swineford_1939.csv", names(HS)[grepl("^x", names(HS))], 3, "ml", rot)
}

# few items: 1 or 2 degrees of freedom
for (fm in c("ml", "pa", "minres")) {
  save_fa(sprintf("zoo_fa_hs5_2_%s_varimax", fm), "holzinger_swineford_1939.csv", c("x1", "x2", "x3", "x4", "x5"), 2, fm, "varimax")
  save_fa(sprintf("zoo_fa_mobi4_1_%s_none", fm), "mobi.csv", c("CUSA1", "CUSA2", "CUSA3", "CUSL1"), 1, fm, "none")
  save_fa(sprintf("zoo_fa_ebanking4_1_%s_none", fm), "zoo_ebanking.csv", c("Q8", "Q9", "Q16", "Q17"), 1, fm, "none")
}

# corp_rep with missing values: psych's default pairwise correlations, n = all rows
crq <- c(paste0("qual_", 1:8), paste0("perf_", 1:5), paste0("csor_", 1:5), paste0("attr_", 1:3), "cusa",
         paste0("cusl_", 1:3))
for (fm in c("ml", "pa", "minres")) save_fa(sprintf("zoo_fa_corp_rep_4_%s_oblimin", fm), "corp_rep_data.csv", crq, 4, fm, "oblimin")
save_fa("zoo_fa_corp_rep_3_ml_varimax", "corp_rep_data.csv", crq, 3, "ml", "varimax")

save_kmo <- function(name, file, items) {
  x <- DATA[[file]][, items]
  k <- psych::KMO(x); b <- psych::cortest.bartlett(x)
  wj(list(name = name, kind = "kmo_bartlett", data = file, versions = versions,
          call = "psych::KMO(x); psych::cortest.bartlett(x)", items = items, nobs = nrow(x),
          kmo = list(MSA = k$MSA, MSAi = as.list(k$MSAi)),
          bartlett = list(chisq = b$chisq, p.value = b$p.value, df = b$df)), pdir, name)
}
save_kmo("zoo_kmo_mobi_all", "mobi.csv", mobi24)
save_kmo("zoo_kmo_satisfaction_all", "satisfaction.csv", sat27)
save_kmo("zoo_kmo_servqual_all", "servqual_sq.csv", sq22)
save_kmo("zoo_kmo_ebanking", "zoo_ebanking.csv", eb10)
save_kmo("zoo_kmo_mobi_perq", "mobi.csv", paste0("PERQ", 1:7))
save_kmo("zoo_kmo_servqual_pair", "servqual_sq.csv", c("a01", "a02"))
save_kmo("zoo_kmo_corp_rep_pairwise", "corp_rep_data.csv", crq)

# ------------------------------------------------------------------ semTools (tight lavaan fits)
ctrl <- list(reltol = 1e-16, maxit = 10000)
# lavaan's nlminb with rel.tol = 1e-12 reaches gradients of ~1e-10 (BFGS with reltol = 1e-16
# stops at ~1e-6 in flat directions); BFGS is the fallback when nlminb reports no convergence.
save_fit <- function(name, model, file, fun = cfa, psych1 = FALSE, ...) {
  r <- catch(fun(model, DATA[[file]], control = list(rel.tol = 1e-12, iter.max = 10000, eval.max = 20000), ...))
  optimizer <- "nlminb(rel.tol = 1e-12)"
  if (!lavInspect(r$value, "converged")) {
    r <- catch(fun(model, DATA[[file]], optim.method = "BFGS", control = ctrl, ...))
    optimizer <- "BFGS(reltol = 1e-16)"
  }
  fit <- r$value
  pe <- parameterEstimates(fit, standardized = TRUE, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)
  pe <- pe[, c("lhs", "op", "rhs", "est", "std.all")]
  args <- list(...)
  wj(list(name = name, kind = "compRelSEM_AVE_tight", model = model, data = file,
          options = args, versions = versions, nobs = lavInspect(fit, "nobs"),
          optimizer = optimizer, fmin = unname(fitMeasures(fit, "fmin")),
          call = sprintf("fit <- %s(model, data, %s%s)", if (identical(fun, cfa)) "cfa" else "sem",
                         if (optimizer == "BFGS(reltol = 1e-16)") "optim.method = 'BFGS', control = list(reltol = 1e-16, maxit = 1e4)"
                         else "control = list(rel.tol = 1e-12, iter.max = 1e4, eval.max = 2e4)",
                         if (length(args)) paste0(", ", paste(names(args), "=", args, collapse = ", ")) else ""),
          converged = lavInspect(fit, "converged"),
          max_abs_gradient = max(abs(lavInspect(fit, "gradient"))),
          lavaan_warnings = r$warnings,
          estimates = pe, sample_cov = mat_json(lavInspect(fit, "sampstat")$cov),
          implied_cov = mat_json(lavInspect(fit, "implied")$cov),
          cov_lv = mat_json(lavInspect(fit, "cov.lv")),
          chisq = unname(fitMeasures(fit, "chisq")), df = unname(fitMeasures(fit, "df")),
          compRelSEM = as.list(compRelSEM(fit)),
          compRelSEM_obs_var_FALSE = as.list(compRelSEM(fit, obs.var = FALSE)),
          compRelSEM_tau_eq_TRUE = as.list(compRelSEM(fit, tau.eq = TRUE)),
          AVE = as.list(AVE(fit)), AVE_obs_var_FALSE = as.list(AVE(fit, obs.var = FALSE)),
          items = lavNames(fit, "ov"),
          psych_omega_tot = if (psych1) suppressWarnings(suppressMessages(
            psych::omega(DATA[[file]][, lavNames(fit, "ov")], nfactors = 1, plot = FALSE)$omega.tot)) else NULL),
     sdir, name)
}
one <- function(items) paste("f =~", paste(items, collapse = " + "))
for (ds in c("mobi", "satisfaction")) for (b in names(blocks[[ds]])) {
  its <- blocks[[ds]][[b]]
  if (length(its) >= 3) save_fit(paste0("zoo_omega_", ds, "_", b), one(its), files[[ds]], psych1 = TRUE)
}
save_fit("zoo_omega_servqual_all", one(sq22), "servqual_sq.csv", psych1 = TRUE)
save_fit("zoo_omega_servqual_responsiveness", one(sprintf("a%02d", 10:13)), "servqual_sq.csv", psych1 = TRUE)
save_fit("zoo_omega_ebanking_q8_q15", one(paste0("Q", 8:15)), "zoo_ebanking.csv", psych1 = TRUE)
save_fit("zoo_omega_ebanking_q13_q17", one(paste0("Q", 13:17)), "zoo_ebanking.csv", psych1 = TRUE)
save_fit("zoo_omega_hs_speed", one(c("x7", "x8", "x9")), "holzinger_swineford_1939.csv", psych1 = TRUE)
save_fit("zoo_omega_mobi_mixed", one(c("CUSA1", "CUSL2", "CUEX3", "PERV1")), "mobi.csv", psych1 = TRUE)

ecsi7 <- "
  Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  Expectation  =~ CUEX1 + CUEX2 + CUEX3
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value        =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Complaints   =~ CUSCO
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  CUSCO ~~ 0*CUSCO
"
save_fit("zoo_cr_mobi_ecsi7_cfa", ecsi7, "mobi.csv")
save_fit("zoo_cr_mobi_ecsi7_cfa_stdlv", ecsi7, "mobi.csv", std.lv = TRUE)
# the single-indicator factor first: semTools 0.5-6 AVE() indexes the indicator names after
# dropping single-indicator factors with row numbers of the full loading matrix, so the AVE
# of the later factors uses shifted indicator variances (or NA past the end)
save_fit("zoo_cr_mobi_single_first", "
  Complaints   =~ CUSCO
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  CUSCO ~~ 0*CUSCO
", "mobi.csv")
# a second-order factor (its loadings on the first-order factors enter cov.lv)
save_fit("zoo_cr_hs_second_order",
         "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9\n g =~ visual + textual + speed",
         "holzinger_swineford_1939.csv")
save_fit("zoo_cr_satisfaction_second_order", paste(
  "imag =~ imag1 + imag2 + imag3 + imag4 + imag5", "qual =~ qual1 + qual2 + qual3 + qual4 + qual5",
  "val =~ val1 + val2 + val3 + val4", "sat =~ sat1 + sat2 + sat3 + sat4", "perf =~ qual + val + sat", sep = "\n"),
  "satisfaction.csv")
# a MIMIC model: latents regressed on observed covariates (fixed.x; their variances enter cov.lv)
save_fit("zoo_cr_hs_mimic",
         "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9\n visual ~ ageyr + grade\n speed ~ ageyr + visual",
         "holzinger_swineford_1939.csv", fun = sem)
sat6 <- paste(sprintf("%s =~ %s", names(blocks$satisfaction),
                      sapply(blocks$satisfaction, paste, collapse = " + ")), collapse = "\n")
save_fit("zoo_cr_satisfaction_6f", sat6, "satisfaction.csv")
save_fit("zoo_cr_satisfaction_6f_stdlv", sat6, "satisfaction.csv", std.lv = TRUE)
save_fit("zoo_cr_hs_crossloading_stdlv",
         "visual =~ x1 + x2 + x3 + x9\n textual =~ x4 + x5 + x6 + x1\n speed =~ x7 + x8 + x9",
         "holzinger_swineford_1939.csv", std.lv = TRUE)
save_fit("zoo_cr_hs_correlated_residuals",
         "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9\n x7 ~~ x8\n x2 ~~ x3",
         "holzinger_swineford_1939.csv")
save_fit("zoo_cr_hs_orthogonal",
         "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9",
         "holzinger_swineford_1939.csv", orthogonal = TRUE)
save_fit("zoo_cr_servqual_5f",
         paste("tang =~ a01 + a02 + a03 + a04", "rel =~ a05 + a06 + a07 + a08 + a09",
               "resp =~ a10 + a11 + a12 + a13", "assu =~ a14 + a15 + a16 + a17",
               "emp =~ a18 + a19 + a20 + a21 + a22", sep = "\n"), "servqual_sq.csv")
save_fit("zoo_cr_mobi_sem_regressions", "
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  Satisfaction ~ Quality
  Loyalty ~ Satisfaction
  CUSL1 ~~ CUSA1
", "mobi.csv", fun = sem)
cat("done\n")
