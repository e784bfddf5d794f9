# Standardized solutions of direct lavaan 0.6-14 refits, sem(model, HS[rows, ]), on the resample
# rows of tests/data/lavaan_boot/hs_path_fixedx.json (written by make_reference_bootstrap.R).
# Why: with fixed.x covariates, bootstrapLavaan(FUN = function(f) standardizedSolution(f)$est.std)
# standardizes with covariate variances that are not those of the resample (a refit of the same
# rows with sem() gives other std.all values), so acsi's standardized replicates are checked
# against the direct refits, which are what "lavaan's refit on those rows" means.
# Usage (from the repository root): Rscript tests/reference/make_reference_bootstrap_fixedx.R
suppressMessages({library(lavaan); library(jsonlite)})
HS <- read.csv("acsi/datasets/data/holzinger_swineford_1939.csv")
d <- fromJSON("tests/data/lavaan_boot/hs_path_fixedx.json")
ctrl <- list(reltol = 1e-20, maxit = 10000L)
std <- t(apply(d$idx, 1, function(rows) {
  f <- sem(d$model, HS[rows, ], optim.method = "BFGS", control = ctrl)
  standardizedSolution(f)$est.std
}))
write_json(list(model = d$model, source = "hs_path_fixedx.json idx",
                versions = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
                std_direct = unname(lapply(seq_len(nrow(std)), function(i) unname(as.numeric(std[i, ]))))),
           "tests/data/lavaan_boot/hs_path_fixedx_direct.json", digits = NA, auto_unbox = TRUE)
cat("wrote hs_path_fixedx_direct.json\n")
