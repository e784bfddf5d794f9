# lavaan 0.6-14 bootstrap references for acsi's CB-SEM bootstrap (issue 11, item 5).
# Each case fits the model with optim.method = "BFGS", control = list(reltol = 1e-20) (these
# options are carried into every bootstrap refit, so each replicate is tightly converged),
# then runs bootstrapLavaan(..., keep.idx = TRUE, iseed = 1) and stores lavaan's resample
# rows (1-based, as R gives them), its replicate values, and parameterEstimates() with each
# bootstrap interval type of a se = "bootstrap" fit with the same iseed (same draws).
# Usage (from the repository root): Rscript tests/reference/make_reference_bootstrap.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_boot"
datadir <- "acsi/datasets/data"
dir.create(out, showWarnings = FALSE)
HS <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
PD <- read.csv(file.path(datadir, "political_democracy.csv"))
ctrl <- list(reltol = 1e-20, maxit = 10000L)

# Newton steps x - H^-1 g with lavaan's own gradient and Hessian, each evaluated by a refit
# with optim.method = "none"; kept while the objective does not increase
polish <- function(fit, fun, a) {
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    f2 <- suppressWarnings(do.call(fun, c(a, list(start = pt, optim.method = "none"))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2
  }
  fit
}

boot_case <- function(name, model, data, R, fun = "sem", std = TRUE, ...) {
  fit <- do.call(fun, list(model = model, data = data, optim.method = "BFGS", control = ctrl, ...))
  b <- bootstrapLavaan(fit, R = R, FUN = "coef", keep.idx = TRUE, iseed = 1)
  idx <- attr(b, "boot.idx")[[1]]
  res <- list(name = name, model = model, R = R, call = paste0(fun, "(model, data, ...)"),
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              idx = unname(lapply(seq_len(nrow(idx)), function(i) unname(as.integer(idx[i, ])))),
              coef = unname(lapply(seq_len(nrow(b)), function(i) unname(as.numeric(b[i, ])))),
              error_idx = as.integer(attr(b, "error.idx")),
              nonadmissible = as.integer(attr(b, "nonadmissible")))
  # lavaan's bootstrap refits stop at its default tolerance (gradients up to ~1e-6): refit
  # every resample here, tightly (BFGS reltol 1e-20 from the full-sample solution, then up to
  # six Newton steps with lavaan's analytic Hessian), so the test can compare replicates at 1e-6
  tight <- t(sapply(seq_len(nrow(idx)), function(i) {
    f1 <- suppressWarnings(do.call(fun, list(model = model, data = data[idx[i, ], ], optim.method = "BFGS",
                                             control = ctrl, start = fit, ...)))
    f2 <- polish(f1, fun, list(model = model, data = data[idx[i, ], ], ...))
    c(coef(f2), max(abs(lavInspect(f2, "gradient"))))
  }))
  res$tight_coef <- unname(lapply(seq_len(nrow(tight)), function(i) unname(as.numeric(tight[i, -ncol(tight)]))))
  res$tight_grad_max <- max(tight[, ncol(tight)])
  res$coef_names <- names(coef(fit))
  fb <- do.call(fun, list(model = model, data = data, optim.method = "BFGS", control = ctrl,
                          se = "bootstrap", bootstrap = R, iseed = 1, ...))
  stopifnot(max(abs(fb@boot$coef - b)) < 1e-12)
  for (type in c("perc", "norm", "basic", "bca.simple")) {
    res[[paste0("pe_", type)]] <- parameterEstimates(fb, boot.ci.type = type, level = 0.9)
  }
  res$pe_perc95 <- parameterEstimates(fb, boot.ci.type = "perc")
  if (std) {
    s <- bootstrapLavaan(fit, R = R, FUN = function(f) standardizedSolution(f)$est.std, iseed = 1)
    res$std_est <- standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std")]
    res$std_boot <- unname(lapply(seq_len(nrow(s)), function(i) unname(as.numeric(s[i, ]))))
  }
  res
}

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
cases <- list()
cases$hs_cfa <- boot_case("hs_cfa", hs_model, HS, 200, fun = "cfa")
pd_model <- "
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ a*ind60
  dem65 ~ c*ind60 + b*dem60
  y1 ~~ y5
  ind := a*b
  total := c + a*b
"
cases$poldem_indirect <- boot_case("poldem_indirect", pd_model, PD, 100)
path_model <- "x3 ~ x1 + x2\nx6 ~ x3 + x1"
cases$hs_path_fixedx <- boot_case("hs_path_fixedx", path_model, HS, 100)
cases$hs_cfa_means <- boot_case("hs_cfa_means", hs_model, HS, 50, fun = "cfa", std = FALSE,
                                meanstructure = TRUE)

# Bollen-Stine: chi-square of each refit on the transformed data, and lavaan's p-value
fit <- cfa(hs_model, data = HS, optim.method = "BFGS", control = ctrl)
bs <- bootstrapLavaan(fit, R = 200, type = "bollen.stine", FUN = fitMeasures,
                      fit.measures = "chisq", keep.idx = TRUE, iseed = 1)
fbs <- cfa(hs_model, data = HS, optim.method = "BFGS", control = ctrl, test = "bollen.stine",
           bootstrap = 200, iseed = 1)
tb <- lavInspect(fbs, "test")$bollen.stine
idx <- attr(bs, "boot.idx")[[1]]
stopifnot(max(abs(as.numeric(tb$boot.T) - as.numeric(bs))) < 1e-8)
cases$hs_bollen_stine <- list(
  name = "hs_bollen_stine", model = hs_model, R = 200,
  idx = unname(lapply(seq_len(nrow(idx)), function(i) unname(as.integer(idx[i, ])))),
  chisq = as.numeric(bs), stat = tb$stat, pvalue = tb$pvalue, boot_larger = tb$boot.larger,
  boot_length = tb$boot.length)

for (nm in names(cases)) {
  write_json(cases[[nm]], file.path(out, paste0(nm, ".json")), digits = NA, auto_unbox = TRUE,
             na = "null")
}
cat("wrote", length(cases), "cases\n")
