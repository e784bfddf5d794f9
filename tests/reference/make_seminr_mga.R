# Reference for acsi's PLS-MGA: seminr's own test fixture, converted to JSON.
#
# seminr (tests/testthat/test-pls-mga.R) estimates the full ECSI model on mobi (all Mode A
# composites, mean replacement, path weighting), splits the rows with
#   set.seed(798234); rand_cond <- sample(c(TRUE, FALSE), nrow(mobi), replace = TRUE)
# and saves estimate_pls_mga(mobi_pls, rand_cond, nboot = 100) as
# tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS. This script reads that RDS with base R and
# writes the table, plus the grouping drawn again with the same seed (R >= 3.6 sampling), to
# JSON. It also redraws the resample rows seminr used: estimate_pls_mga calls bootstrap_model with
# seed = NULL, which draws seed <- sample.int(100000, size = 1) from the same R stream (group 1,
# then group 2), and resample i of a group uses set.seed(seed + i); sample.int(nrow, replace = TRUE)
# (R/estimate_bootstrap.R), so the rows are reproducible with base R. Run from the worktree root:
#   git -C /work/.mirror/sem-in-r+seminr/repo show HEAD:tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS > /tmp/pls-mga-mobi-100.RDS
#   Rscript tests/reference/make_seminr_mga.R /tmp/pls-mga-mobi-100.RDS tests/data/seminr/mga_mobi_100.json
args <- commandArgs(trailingOnly = TRUE)
x <- readRDS(args[1])
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
seed1 <- sample.int(100000, size = 1)
seed2 <- sample.int(100000, size = 1)
draw <- function(seed, n) t(sapply(1:100, function(i) { set.seed(seed + i); sample.int(n, replace = TRUE) }))
idx1 <- draw(seed1, sum(rand_cond))
idx2 <- draw(seed2, sum(!rand_cond))
tab <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
out <- list(
  source = "seminr tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS (estimate_pls_mga(mobi_pls, rand_cond, nboot = 100))",
  r_version_converted = R.version.string,
  condition = rand_cond,
  bootstrap_seeds = c(seed1, seed2),
  group1_indices_1based = idx1,
  group2_indices_1based = idx2,
  table = tab
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), args[2])
