# lavaan 0.6-14 references for the bootstrap of an ordinal (WLSMV) fit (issue 11, item 5).
# lavaan's bootstrapLavaan refits every resample from its raw rows: thresholds, polychoric
# correlations and the DWLS weights (diag of NACOV) are recomputed, then the DWLS fit.
# se = "bootstrap" itself needs estimator = "DWLS" (lavaan: "use (D)WLS estimator for
# bootstrap"); its estimates equal WLSMV's, so parameterEstimates() of that fit give the
# bootstrap SEs and intervals of the WLSMV fit for the same rows (same iseed).
# Usage (from the repository root): Rscript tests/reference/make_reference_bootstrap_ordinal.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_boot_extra"
dir.create(out, showWarnings = FALSE)
ctrl <- list(reltol = 1e-20, maxit = 10000L)
rows <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))
polish <- function(fit, a) {
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    f2 <- suppressWarnings(do.call("cfa", c(a, list(start = pt, optim.method = "none"))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2
  }
  fit
}
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
d <- read.csv("tests/data/lavaan_issue10/hs_cat3.csv")
ord <- paste0("x", 1:9)
R <- 50
fit <- cfa(hs_model, d, ordered = ord, optim.method = "BFGS", control = ctrl)
b <- bootstrapLavaan(fit, R = R, FUN = "coef", keep.idx = TRUE, iseed = 1)
idx <- attr(b, "boot.idx")[[1]]
res <- list(name = "ordinal_hs_cat3", model = hs_model, R = R, estimator = "WLSMV",
            versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
            idx = unname(lapply(seq_len(nrow(idx)), function(i) unname(as.integer(idx[i, ])))),
            coef = rows(b), coef_names = names(coef(fit)),
            error_idx = as.integer(attr(b, "error.idx")), nonadmissible = as.integer(attr(b, "nonadmissible")))
tight <- t(sapply(seq_len(nrow(idx)), function(i) {
  a <- list(model = hs_model, data = d[idx[i, ], ], ordered = ord)
  f1 <- suppressWarnings(do.call("cfa", c(a, list(optim.method = "BFGS", control = ctrl, start = fit))))
  f2 <- polish(f1, a)
  c(coef(f2), max(abs(lavInspect(f2, "gradient"))))
}))
res$tight_coef <- rows(tight[, -ncol(tight)])
res$tight_grad_max <- max(tight[, ncol(tight)])
fb <- cfa(hs_model, d, ordered = ord, estimator = "DWLS", optim.method = "BFGS", control = ctrl,
          se = "bootstrap", bootstrap = R, iseed = 1)
res$fb_max_diff <- max(abs(fb@boot$coef - b))
for (type in c("perc", "norm", "basic", "bca.simple")) {
  res[[paste0("pe_", type)]] <- parameterEstimates(fb, boot.ci.type = type, level = 0.9)
}
s <- bootstrapLavaan(fit, R = R, FUN = function(f) standardizedSolution(f)$est.std, iseed = 1)
res$std_est <- standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std")]
res$std_boot <- rows(s)
write_json(res, file.path(out, "ordinal_hs_cat3.json"), digits = NA, auto_unbox = TRUE, na = "null")
cat("done\n")
