# lavaan 0.6-14 references for acsi's second-order scalar invariance and multigroup WLSMV
# (session 5, helper mgwls). Fits are converged tightly (BFGS, reltol 1e-20).
# Usage (from the repository root): Rscript tests/reference/make_reference_mgwls.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_mgwls"
dir.create(out, showWarnings = FALSE)
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
ctrl <- list(reltol = 1e-20, maxit = 20000L)
pe <- function(fit) {
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  p$block <- NULL
  p
}
save_fit <- function(name, fit, model, call, extra = list()) {
  test <- lavInspect(fit, "test")
  res <- c(list(name = name, model = model, call = call,
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              group_labels = lavInspect(fit, "group.label"),
              nobs = as.list(lavInspect(fit, "nobs")), converged = lavInspect(fit, "converged"),
              npar = lavInspect(fit, "npar"),
              params = pe(fit),
              fit = as.list(unclass(fitMeasures(fit))),
              stat_group = as.numeric(test[[1]]$stat.group),
              stat_group_scaled = if (length(test) > 1) as.numeric(test[[2]]$stat.group) else NULL),
           extra)
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

# ---- 1. scalar invariance of a second-order model (ML): lavaan frees every latent
# intercept in group 2 (also those of the first-order factors), warns about vcov and fits
so_model <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
g =~ visual + textual + speed'
lev <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
            strict = c("loadings", "intercepts", "residuals"))
fits <- list()
for (l in names(lev)) {
  fit <- suppressWarnings(cfa(so_model, HS, group = "school", group.equal = lev[[l]],
                              optim.method = "BFGS", control = ctrl))
  fits[[l]] <- fit
  save_fit(paste0("so_hs_", l), fit, so_model,
           sprintf("cfa(so_model, group = 'school', group.equal = c(%s))",
                   paste0("'", lev[[l]], "'", collapse = ", ")))
}
lrt_json("so_hs_lrt", fits, names(fits))

# ---- 2. WLSMV (and ULSMV) in two groups: HS items x1-x9 cut at their whole-sample 30% and
# 70% quantiles into three ordered categories (1, 2, 3), groups by school
HSc <- HS
for (v in paste0("x", 1:9)) {
  HSc[[v]] <- as.integer(cut(HS[[v]], quantile(HS[[v]], c(0, .3, .7, 1)), include.lowest = TRUE))
}
write.csv(HSc[, c("school", paste0("x", 1:9))], file.path(out, "hs_cut3.csv"), row.names = FALSE)
hs_model <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
ord <- paste0("x", 1:9)
cases <- list(
  wls_configural = list(ge = "", par = "delta", est = "WLSMV"),
  wls_metric = list(ge = "loadings", par = "delta", est = "WLSMV"),
  wls_scalar = list(ge = c("loadings", "thresholds"), par = "delta", est = "WLSMV"),
  wls_strict_theta = list(ge = c("loadings", "thresholds", "residuals"), par = "theta", est = "WLSMV"),
  wls_scalar_theta = list(ge = c("loadings", "thresholds"), par = "theta", est = "WLSMV"),
  wls_scalar_ulsmv = list(ge = c("loadings", "intercepts"), par = "delta", est = "ULSMV"),
  wls_metric_dwls = list(ge = "loadings", par = "delta", est = "DWLS"),
  wls_scalar_dwls = list(ge = c("loadings", "thresholds"), par = "delta", est = "DWLS"),
  wls_scalar_wls = list(ge = c("loadings", "thresholds"), par = "delta", est = "WLS"),
  wls_thresholds = list(ge = "thresholds", par = "delta", est = "WLSMV")
)
fits <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  fit <- cfa(hs_model, HSc, group = "school", ordered = ord, group.equal = cs$ge,
             parameterization = cs$par, estimator = cs$est, optim.method = "BFGS", control = ctrl)
  fits[[nm]] <- fit
  save_fit(nm, fit, hs_model, sprintf("cfa(hs_model, HSc, group = 'school', ordered = x1:x9, group.equal = c(%s), parameterization = '%s', estimator = '%s')",
           paste0("'", cs$ge, "'", collapse = ", "), cs$par, cs$est),
           extra = list(grad = max(abs(lavInspect(fit, "gradient")))))
}
lrt_json("wls_lrt", fits[c("wls_configural", "wls_metric", "wls_scalar")],
         c("configural", "metric", "scalar"))

# ---- 3. lavTestLRT of WLSMV fits (lavaan's default method "satorra.2000", scaled.shifted):
# the invariance steps above (wls_lrt), a single-group pair (free vs orthogonal factors), the
# same pair with ULSMV and WLSMVS, and the theta steps
# Wu & Estabrook (2016): thresholds first, then loadings (lavaan's group.equal lists)
lrt_json("wls_lrt_we", fits[c("wls_configural", "wls_thresholds", "wls_scalar")],
         c("configural", "thresholds", "metric"))
lrt_json("dwls_lrt", fits[c("wls_metric_dwls", "wls_scalar_dwls")], c("metric", "scalar"))
lrt_json("wls_lrt_theta", fits[c("wls_scalar_theta", "wls_strict_theta")], c("scalar", "strict"))
sg <- function(m, est) cfa(m, HSc, ordered = ord, estimator = est, optim.method = "BFGS", control = ctrl)
for (est in c("WLSMV", "ULSMV", "WLSMVS")) {
  f1 <- sg(hs_model, est)
  f0 <- sg(paste(hs_model, "visual ~~ 0*textual", sep = "\n"), est)
  lrt_json(paste0("sg_lrt_", tolower(est)), list(f1, f0), c("free", "orth"))
}

# ---- 4. mixed items: x1-x6 ordinal (cut as above), x7-x9 continuous, WLSMV, scalar
HSm <- HSc
for (v in c("x7", "x8", "x9")) HSm[[v]] <- HS[[v]]
fit <- cfa(hs_model, HSm, group = "school", ordered = paste0("x", 1:6),
           group.equal = c("loadings", "thresholds"), optim.method = "BFGS", control = ctrl)
save_fit("wls_mixed_scalar", fit, hs_model,
         "cfa(hs_model, HSm, group = 'school', ordered = x1:x6, group.equal = c('loadings', 'thresholds'))")
