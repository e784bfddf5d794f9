# lavaan 0.6-14 references: bootstrapLavaan of FIML fits with fixed.x covariates (missing = "ml"
# and "ml.x"; issue 11 item 5 / issue 10, session 6).
# Per replicate lavaan refits to the resampled rows; the covariates' fixed means and (co)variances
# stay at their full-sample values (checked: lavaan's replicates and their standardized solutions
# equal refits with those values, not with the resample's moments). Each replicate is also refitted here tightly
# (from the full-sample fit, fixed.x = TRUE passed explicitly since a start= table makes lavaan's
# fixed.x "default" resolve to FALSE, then Newton steps with lavaan's Hessian); the test compares
# with these at 1e-6 (tight_grad_max records the largest gradient left).
# Usage (from the repository root): Rscript tests/reference/make_reference_bootstrap_fimlx.R
# Output: tests/data/lavaan_fimlx/boot_<case>.json: idx (1-based rows per replicate), coef
# (bootstrapLavaan FUN = "coef"), tight_coef, coef_names, std_boot_lavaan (bootstrapLavaan with
# FUN = standardizedSolution()$est.std, lavaan's convergence) with std_rows, error_idx, nonadmissible.
# Note: the tight refits start from the full-sample table (its fixed.x values); with "ml" the free
# estimates do not depend on the covariates' fixed moments (the covariates are complete), so they
# are lavaan's bootstrap refits; with "ml.x" lavaan's bootstrap keeps the full-sample values too.
# Empty rows are removed before fitting: lavaan's bootstrap resamples its data rows, empty ones included.
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_fimlx"
EMTIGHT <- list(em.h1.tol = 1e-11, em.h1.iter.max = 20000L)
PDX <- ' y1 ~ x1 + x2
 y5 ~ y1 + x1 '
HSX <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9
 visual ~ ageyr + sex
 textual ~ ageyr
 speed ~ sex '
polish <- function(fit, a) {
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient")
    if (max(abs(g)) < 1e-12) break
    x <- coef(fit) - solve(lavInspect(fit, "hessian"), g)
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    f2 <- suppressWarnings(do.call("sem", c(a, list(start = pt, optim.method = "none", fixed.x = TRUE))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2
  }
  fit
}
rows <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))
boot_case <- function(name, model, data, R, missing) {
  dat <- read.csv(file.path(out, data))
  dat <- dat[rowSums(!is.na(dat)) > 0, ]  # empty rows out first (lavaan keeps them in its resampled rows)
  a <- c(list(model = model, missing = missing), EMTIGHT)
  fit <- suppressWarnings(do.call("sem", c(a, list(data = dat))))
  b <- suppressWarnings(bootstrapLavaan(fit, R = R, FUN = "coef", keep.idx = TRUE, iseed = 1))
  idx <- attr(b, "boot.idx")[[1]]
  # lavaan's bootstrap resamples the rows the fit used (missing = "ml" drops rows with a missing covariate)
  used <- dat[lavInspect(fit, "case.idx"), ]
  res <- list(name = name, model = model, data = data, missing = missing, R = R,
              versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
              case_idx = as.integer(lavInspect(fit, "case.idx")),
              idx = unname(lapply(seq_len(nrow(idx)), function(i) unname(as.integer(idx[i, ])))),
              coef = rows(b), coef_names = names(coef(fit)),
              error_idx = as.integer(attr(b, "error.idx")), nonadmissible = as.integer(attr(b, "nonadmissible")))
  ss <- standardizedSolution(fit)
  res$std_rows <- ss[, c("lhs", "op", "rhs")]
  sb <- suppressWarnings(bootstrapLavaan(fit, R = R, FUN = function(f) standardizedSolution(f)$est.std, iseed = 1))
  res$std_boot_lavaan <- rows(sb)
  tight <- lapply(seq_len(nrow(idx)), function(i) {
    ai <- c(a, list(data = used[idx[i, ], ]))
    f1 <- suppressWarnings(do.call("sem", c(ai, list(start = fit, fixed.x = TRUE))))
    f2 <- polish(f1, ai)
    list(coef = unname(coef(f2)), g = max(abs(lavInspect(f2, "gradient"))))
  })
  res$tight_coef <- lapply(tight, `[[`, "coef")
  res$tight_grad_max <- max(sapply(tight, `[[`, "g"))
  write_json(res, file.path(out, paste0("boot_", name, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
  cat(name, "max diff lavaan vs tight", max(abs(b - do.call(rbind, res$tight_coef)), na.rm = TRUE),
      "grad", res$tight_grad_max, "\n")
}
boot_case("pdx_ml", PDX, "pdx.csv", 12L, "ml")
boot_case("pdx_mlx", PDX, "pdx.csv", 12L, "ml.x")
boot_case("hsx_ml", HSX, "hsx.csv", 6L, "ml")
boot_case("hsx_mlx", HSX, "hsx.csv", 6L, "ml.x")
