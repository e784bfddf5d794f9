# Extra psych references for acsi.reliability (helper C): alpha with missing values
# (pairwise, psych's default), two items, keys on a wide-range scale; fa with more
# method/rotation combinations and on mobi; KMO/Bartlett on satisfaction.
# Usage (from the repository root): Rscript tests/reference/c_reliability.R
# Writes tests/data/psych/c_*.json. Needs psych, GPArotation, jsonlite.
suppressMessages({library(psych); library(jsonlite)})
out <- "tests/data/psych"; datadir <- "acsi/datasets/data"
versions <- list(psych = as.character(packageVersion("psych")),
                 GPArotation = as.character(packageVersion("GPArotation")),
                 R = R.version.string)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
rd <- function(f) read.csv(file.path(datadir, f))
HS <- rd("holzinger_swineford_1939.csv"); MOBI <- rd("mobi.csv"); SAT <- rd("satisfaction.csv")
mat_json <- function(m) { m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))) }
df_rows <- function(d) `rownames<-`(cbind(item = rownames(d), as.data.frame(d)), NULL)

save_alpha <- function(name, x, call, data_file, ...) {
  a <- psych::alpha(x, warnings = FALSE, ...)
  wj(list(name = name, kind = "alpha", data = data_file, call = call, versions = versions,
          items = colnames(x), nobs = nrow(x), total = as.list(a$total),
          item_stats = df_rows(a$item.stats), alpha_drop = df_rows(a$alpha.drop),
          feldt = list(lower.ci = unname(a$feldt$lower.ci), upper.ci = unname(a$feldt$upper.ci)),
          keys = a$keys), name)
}
# missing values: NA put into fixed cells (row, column) of HS x1..x4
HSm <- HS[, paste0("x", 1:4)]
set.seed(1); cells <- cbind(sample.int(301, 30), sample.int(4, 30, replace = TRUE))
HSm[cells] <- NA
write.csv(HSm, file.path(out, "c_hs_missing.csv"), row.names = FALSE, na = "")
save_alpha("c_alpha_pairwise", HSm, "psych::alpha(HSm)  # HSm = c_hs_missing.csv, use = 'pairwise'",
           "c_hs_missing.csv")
save_alpha("c_alpha_two_items", SAT[, c("sat1", "sat2")], "psych::alpha(satisfaction[, c('sat1','sat2')])",
           "satisfaction.csv")
save_alpha("c_alpha_keys_loyalty", MOBI[, c("CUSL1", "CUSL2", "CUSL3", "CUSCO")],
           "psych::alpha(mobi[, c('CUSL1','CUSL2','CUSL3','CUSCO')], keys = c('CUSL2'))", "mobi.csv",
           keys = c("CUSL2"))

save_fa <- function(name, x, nf, fm, rot, data_file) {
  f <- psych::fa(x, nfactors = nf, fm = fm, rotate = rot, warnings = FALSE)
  wj(list(name = name, kind = "fa", data = data_file, versions = versions,
          call = sprintf("psych::fa(x, nfactors = %d, fm = '%s', rotate = '%s')", nf, fm, rot),
          items = colnames(x), nobs = nrow(x), nfactors = nf, fm = fm, rotate = rot,
          loadings = mat_json(f$loadings), h2 = as.list(f$communality), u2 = as.list(f$uniquenesses),
          e.values = f$e.values, values = f$values,
          Phi = if (is.null(f$Phi)) NULL else mat_json(f$Phi),
          Vaccounted = mat_json(f$Vaccounted),
          objective = f$objective, STATISTIC = f$STATISTIC, dof = f$dof, PVAL = f$PVAL,
          null.chisq = f$null.chisq, null.dof = f$null.dof, TLI = f$TLI,
          RMSEA = as.list(f$RMSEA), BIC = f$BIC, rms = f$rms, chi = f$chi,
          communality.iterations = f$communality.iterations), name)
}
X9 <- HS[, paste0("x", 1:9)]
save_fa("c_fa_hs_ml_none", X9, 3, "ml", "none", "holzinger_swineford_1939.csv")
save_fa("c_fa_hs_pa_promax", X9, 3, "pa", "promax", "holzinger_swineford_1939.csv")
save_fa("c_fa_hs_pa_oblimin", X9, 3, "pa", "oblimin", "holzinger_swineford_1939.csv")
save_fa("c_fa_hs_ml_1", X9, 1, "ml", "none", "holzinger_swineford_1939.csv")
save_fa("c_fa_hs_ml_2_varimax", X9, 2, "ml", "varimax", "holzinger_swineford_1939.csv")
save_fa("c_fa_hs_minres_oblimin", X9, 3, "minres", "oblimin", "holzinger_swineford_1939.csv")  # psych's defaults
save_fa("c_fa_hs_minres_varimax", X9, 3, "minres", "varimax", "holzinger_swineford_1939.csv")
MQ <- MOBI[, c(paste0("PERQ", 1:7), paste0("CUSA", 1:3), paste0("CUSL", 1:3))]
save_fa("c_fa_mobi_minres_promax", MQ, 2, "minres", "promax", "mobi.csv")
save_fa("c_fa_mobi_ml_oblimin", MQ, 3, "ml", "oblimin", "mobi.csv")
save_fa("c_fa_mobi_pa_varimax", MQ, 3, "pa", "varimax", "mobi.csv")
save_fa("c_fa_mobi_ml_promax", MQ, 2, "ml", "promax", "mobi.csv")

S <- SAT[, setdiff(names(SAT), "gender")]
k <- psych::KMO(S); b <- psych::cortest.bartlett(S)
wj(list(name = "c_kmo_bartlett_satisfaction", kind = "kmo_bartlett", data = "satisfaction.csv",
        versions = versions, call = "psych::KMO(S); psych::cortest.bartlett(S)  # S = all items but gender",
        items = colnames(S), nobs = nrow(S), kmo = list(MSA = k$MSA, MSAi = as.list(k$MSAi)),
        bartlett = list(chisq = b$chisq, p.value = b$p.value, df = b$df)), "c_kmo_bartlett_satisfaction")

# ML factor analysis run to full convergence (psych::fa stops R's L-BFGS-B at factr = 1e7,
# about 1e-6 short of the optimum): stats::factanal with factr = 1, pgtol = 0 on the same
# correlation matrix; its uniquenesses are the exact ML solution that acsi converges to.
save_factanal <- function(name, x, nf, data_file) {
  R <- cor(x)
  f <- factanal(covmat = R, factors = nf, n.obs = nrow(x), rotation = "none",
                control = list(nstart = 1, lower = 0.005, opt = list(factr = 1, pgtol = 0, maxit = 10000)))
  wj(list(name = name, kind = "factanal", data = data_file, versions = versions,
          call = sprintf("factanal(covmat = cor(x), factors = %d, n.obs = nrow(x), rotation = 'none', control = list(nstart = 1, lower = 0.005, opt = list(factr = 1, pgtol = 0, maxit = 10000)))", nf),
          items = colnames(x), nobs = nrow(x), nfactors = nf,
          uniquenesses = as.list(f$uniquenesses), objective = unname(f$criteria["objective"]),
          STATISTIC = unname(f$STATISTIC), dof = unname(f$dof), converged = f$converged), name)
}
save_factanal("c_factanal_hs_3", X9, 3, "holzinger_swineford_1939.csv")
save_factanal("c_factanal_hs_1", X9, 1, "holzinger_swineford_1939.csv")
save_factanal("c_factanal_mobi_3", MQ, 3, "mobi.csv")
save_factanal("c_factanal_mobi_2", MQ, 2, "mobi.csv")
