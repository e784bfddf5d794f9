# lavaan 0.6-14 references for acsi's multigroup CB-SEM and measurement invariance (issue 11).
# Every fit is converged tightly (optim.method = "BFGS", control = list(reltol = 1e-20)), as
# make_reference_cbsem_tight.R does, so that acsi's estimates (gradient < 1e-10) can be
# compared at ~1e-6 relative.
# Usage (from the repository root): Rscript tests/reference/make_reference_issue11_mg.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_issue11"
dir.create(out, showWarnings = FALSE)
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
ctrl <- list(reltol = 1e-20, maxit = 20000L)
hs_model <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
mat_json <- function(m) {
  m <- as.matrix(unclass(m))
  list(names = rownames(m), colnames = colnames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}
pe <- function(fit) {
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  p$block <- NULL
  p
}
fitmg <- function(model, data, ...) {
  cfa(model, data = data, optim.method = "BFGS", control = ctrl, ...)
}
save_fit <- function(name, fit, model, call, data_note = "holzinger_swineford_1939.csv") {
  test <- lavInspect(fit, "test")
  res <- list(name = name, model = model, call = call, data = data_note,
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              group_labels = lavInspect(fit, "group.label"),
              nobs = as.list(lavInspect(fit, "nobs")), converged = lavInspect(fit, "converged"),
              npar = lavInspect(fit, "npar"),
              options = {o <- lavInspect(fit, "options"); list(estimator = o$estimator, se = o$se,
                         information = o$information, meanstructure = o$meanstructure)},
              params = pe(fit),
              fit = as.list(unclass(fitMeasures(fit))),
              stat_group = as.numeric(test[[1]]$stat.group),
              vcov = mat_json(vcov(fit)))
  write_json(res, file.path(out, paste0(name, ".json")), digits = NA, auto_unbox = TRUE,
             pretty = TRUE, na = "null")
}
lrt_json <- function(name, fits, labels) {
  tab <- do.call(lavTestLRT, c(unname(fits), list(model.names = labels)))
  res <- list(name = name, method = attr(tab, "heading"),
              rows = rownames(tab), table = as.list(as.data.frame(tab)))
  write_json(res, file.path(out, paste0(name, ".json")), digits = NA, auto_unbox = TRUE,
             pretty = TRUE, na = "null")
}
levels_eq <- list(configural = "", metric = "loadings",
                  scalar = c("loadings", "intercepts"),
                  strict = c("loadings", "intercepts", "residuals"))
for (est in c("ML", "MLR")) {
  fits <- list()
  for (lev in names(levels_eq)) {
    fit <- fitmg(hs_model, HS, group = "school", group.equal = levels_eq[[lev]], estimator = est)
    fits[[lev]] <- fit
    save_fit(sprintf("inv_hs_%s_%s", tolower(est), lev), fit, hs_model,
             sprintf("cfa(hs_model, group = 'school', group.equal = c(%s), estimator = '%s')",
                     paste0("'", levels_eq[[lev]], "'", collapse = ", "), est))
  }
  lrt_json(sprintf("inv_hs_%s_lrt", tolower(est)), fits, names(fits))
}
# partial invariance
fit <- fitmg(hs_model, HS, group = "school", group.equal = c("loadings", "intercepts"),
             group.partial = c("visual=~x2", "x7~1"))
save_fit("mg_hs_partial", fit, hs_model,
         "group.equal = c('loadings', 'intercepts'), group.partial = c('visual=~x2', 'x7~1')")
fit_p_mlr <- fitmg(hs_model, HS, group = "school", group.equal = c("loadings", "intercepts"),
                   group.partial = c("visual=~x2", "x7~1"), estimator = "MLR")
save_fit("mg_hs_partial_mlr", fit_p_mlr, hs_model, "partial, estimator = 'MLR'")
# group-specific labels and values, a label shared across groups, a defined parameter
m_c <- 'visual =~ x1 + c(a1, a2)*x2 + c(1, NA)*x3
textual =~ x4 + b*x5 + x6
speed =~ x7 + x8 + x9
d := a1 - a2'
fit <- suppressWarnings(fitmg(m_c, HS, group = "school"))
save_fit("mg_hs_clabels", fit, m_c, "cfa(m_c, group = 'school')")
# group order: lavaan 0.6-14 numbers the groups in order of first appearance, also for a
# factor; acsi takes a pandas categorical's category order. The reference is lavaan on the
# rows sorted so that Grant-White comes first, which is what acsi must give for the original
# rows with school = Categorical(categories = ["Grant-White", "Pasteur"]).
HSf <- HS[order(HS$school != "Grant-White", seq_len(nrow(HS))), ]
fit <- fitmg(hs_model, HSf, group = "school", group.equal = "loadings")
save_fit("mg_hs_factor", fit, hs_model,
         "rows sorted so that Grant-White appears first, group.equal = 'loadings'")
# structural model, std.lv, equal loadings and regressions (lavaan frees lv variances)
m_s <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ visual
speed ~ visual + textual'
fit <- fitmg(m_s, HS, group = "school", std.lv = TRUE,
             group.equal = c("loadings", "regressions", "lv.covariances"))
save_fit("mg_hs_stdlv_sem", fit, m_s,
         "std.lv = TRUE, group.equal = c('loadings', 'regressions', 'lv.covariances')")
# three groups (a split of HS by grade within school), means and residual covariances
HS3 <- HS
HS3$g3 <- ifelse(HS3$school == "Pasteur", "P", ifelse(HS3$grade == 7, "GW7", "GW8"))
HS3 <- HS3[!is.na(HS3$g3), ]
fit <- fitmg(hs_model, HS3, group = "g3",
             group.equal = c("loadings", "intercepts", "means", "lv.variances"))
save_fit("mg_hs_three", fit, hs_model, "group = g3 (P, GW7, GW8), group.equal = c('loadings', 'intercepts', 'means', 'lv.variances')",
         data_note = "holzinger_swineford_1939.csv, g3 = P / GW7 / GW8 from school and grade; rows with grade NA dropped")
# FIML in groups: holes made deterministically from the id column
HSm <- HS
HSm$x1[HSm$id %% 7 == 0] <- NA
HSm$x5[HSm$id %% 11 == 3] <- NA
HSm$x9[HSm$id %% 5 == 1] <- NA
HSm$x4[HSm$id %% 13 == 2 & HSm$school == "Grant-White"] <- NA
for (lev in c("configural", "scalar")) {
  # the EM h1 moments converged tightly (lavaan's default em.h1.tol is 1e-5; acsi's 1e-11)
  fit <- fitmg(hs_model, HSm, group = "school", group.equal = levels_eq[[lev]], missing = "ml",
               em.h1.tol = 1e-11, em.h1.iter.max = 20000L)
  save_fit(sprintf("mg_hs_fiml_%s", lev), fit, hs_model,
           sprintf("missing = 'ml', group.equal = %s; holes: x1 (id %%%% 7 == 0), x5 (id %%%% 11 == 3), x9 (id %%%% 5 == 1), x4 (id %%%% 13 == 2 in Grant-White)", lev))
}
cat("done\n")
