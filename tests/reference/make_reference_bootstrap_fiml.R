# lavaan 0.6-14 references for the CB-SEM bootstrap of FIML (and weighted) fits and the
# multigroup Bollen-Stine test (issue 11, item 5; session 5).
# - FIML (missing = "ml"): bootstrapLavaan resamples raw rows, holes included, and refits by
#   FIML (lavaan sets h1 = FALSE for FUN = "coef": no EM per replicate). Each replicate is also
#   refitted here tightly (nlminb from the full-sample fit, then Newton steps with
#   lavaan's Hessian) so that the test can compare at 1e-6.
# - sampling weights: bootstrapLavaan resamples rows together with their weights
#   (lav_data_update); se = "bootstrap" itself is refused by lavaan for weighted fits
#   ("use ML estimator for bootstrap"), so only the replicates are stored.
# - Bollen-Stine: lavaan refuses it with missing data ("not available for missing data");
#   with weights and with several groups it transforms each group's data.
# This copy fits with lavaan's default optimiser and settings (nlminb) instead of BFGS with
# reltol 1e-20, which made the FIML refits too slow on a loaded machine (and nlminb with a
# tighter rel.tol stops with "solution has NOT been found"); lavaan's own bootstrap refits
# therefore stop at its default convergence, and the tight refits are polished from there
# by Newton steps with lavaan's Hessian (tight_grad_max records the largest gradient left).
# Usage (from the repository root): Rscript tests/reference/make_reference_bootstrap_fiml.R fiml
# (part: "fiml", "weighted" or "bs" to write only those cases; default all)
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_boot_extra"
dir.create(out, showWarnings = FALSE)
i10 <- "tests/data/lavaan_issue10"
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
ctrl <- list()  # nlminb with lavaan's default settings (a tighter rel.tol makes nlminb stop with a warning)

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
rows <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

boot_case <- function(name, model, data, R, fun = "sem", pe = TRUE, std = TRUE, ...) {
  fit <- do.call(fun, list(model = model, data = data, control = ctrl, ...))
  b <- bootstrapLavaan(fit, R = R, FUN = "coef", keep.idx = TRUE, iseed = 1)
  idx <- attr(b, "boot.idx")[[1]]
  res <- list(name = name, model = model, R = R, call = paste0(fun, "(model, data, ...)"),
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              idx = unname(lapply(seq_len(nrow(idx)), function(i) unname(as.integer(idx[i, ])))),
              coef = rows(b), coef_names = names(coef(fit)),
              error_idx = as.integer(attr(b, "error.idx")),
              nonadmissible = as.integer(attr(b, "nonadmissible")))
  tight <- t(sapply(seq_len(nrow(idx)), function(i) {
    f1 <- suppressWarnings(do.call(fun, list(model = model, data = data[idx[i, ], ],
                                             control = ctrl, start = fit, ...)))
    f2 <- polish(f1, fun, list(model = model, data = data[idx[i, ], ], ...))
    c(coef(f2), max(abs(lavInspect(f2, "gradient"))))
  }))
  res$tight_coef <- rows(tight[, -ncol(tight)])
  res$tight_grad_max <- max(tight[, ncol(tight)])
  if (pe) {
    fb <- do.call(fun, list(model = model, data = data, control = ctrl,
                            se = "bootstrap", bootstrap = R, iseed = 1, ...))
    stopifnot(max(abs(fb@boot$coef - b)) < 1e-12)
    for (type in c("perc", "norm", "basic", "bca.simple")) {
      res[[paste0("pe_", type)]] <- parameterEstimates(fb, boot.ci.type = type, level = 0.9)
    }
  }
  if (std) {
    s <- bootstrapLavaan(fit, R = R, FUN = function(f) standardizedSolution(f)$est.std, iseed = 1)
    res$std_est <- standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std")]
    res$std_boot <- rows(s)
  }
  res
}

bs_case <- function(name, model, data, R, ...) {
  fit <- cfa(model, data = data, control = ctrl, ...)
  bs <- bootstrapLavaan(fit, R = R, type = "bollen.stine", FUN = fitMeasures,
                        fit.measures = "chisq", keep.idx = TRUE, iseed = 1)
  idx <- attr(bs, "boot.idx")
  stat <- fitMeasures(fit, "chisq")
  list(name = name, model = model, R = R,
       idx = lapply(idx, function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.integer(m[i, ]))))),
       chisq = as.numeric(bs), stat = unname(stat),
       error_idx = as.integer(attr(bs, "error.idx")),
       pvalue = mean(as.numeric(bs) > stat, na.rm = TRUE))
}

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
sem_model <- paste0(hs_model, "\ntextual ~ a*visual\nspeed ~ b*textual + visual\nind := a*b")
args <- commandArgs(TRUE)
want <- function(part) length(args) == 0L || part %in% args
cases <- list()
if (want("fiml")) {
mcar <- read.csv(file.path(i10, "hs_mcar.csv"))
mar <- read.csv(file.path(i10, "hs_mar.csv"))
cases$fiml_hs_mcar <- boot_case("fiml_hs_mcar", hs_model, mcar, 40, fun = "cfa", missing = "ml")
cases$fiml_hs_mar_sem <- boot_case("fiml_hs_mar_sem", sem_model, mar, 30, std = FALSE, missing = "ml")
r <- try(cfa(hs_model, mcar, missing = "ml", test = "bollen.stine", bootstrap = 5), silent = TRUE)
cases$refusals <- list(fiml_bollen_stine = as.character(r))
}
w <- read.csv(file.path(i10, "hs_weighted.csv"))
if (want("weighted")) cases$weighted_hs <- boot_case("weighted_hs", hs_model, w, 60, fun = "cfa", pe = FALSE,
                               sampling.weights = "w")
if (want("bs")) {
cases$bs_weighted_hs <- bs_case("bs_weighted_hs", hs_model, w, 100, sampling.weights = "w")
cases$bs_mg_hs <- bs_case("bs_mg_hs", hs_model, HS, 100, group = "school", group.equal = "loadings")
cases$bs_mg_hs_means <- bs_case("bs_mg_hs_means", hs_model, HS, 60, group = "school",
                                group.equal = c("loadings", "intercepts"))
fb <- cfa(hs_model, HS, group = "school", group.equal = "loadings", control = ctrl,
          test = "bollen.stine", bootstrap = 100, iseed = 1)
tb <- lavInspect(fb, "test")$bollen.stine
cases$bs_mg_hs$lavaan_pvalue <- tb$pvalue
cases$bs_mg_hs$boot_T <- as.numeric(tb$boot.T)
}
for (nm in names(cases)) {
  write_json(cases[[nm]], file.path(out, paste0(nm, ".json")), digits = NA, auto_unbox = TRUE, na = "null")
}
cat("wrote", length(cases), "cases\n")
