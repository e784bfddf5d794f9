# Reference for acsi's PLS-MGA: seminr's own test fixture, converted to JSON.
#
# seminr (tests/testthat/test-pls-mga.R) estimates the full ECSI model on mobi (all Mode A
# composites, mean replacement, path weighting), splits the rows with
#   set.seed(798234); rand_cond <- sample(c(TRUE, FALSE), nrow(mobi), replace = TRUE)
# and saves estimate_pls_mga(mobi_pls, rand_cond, nboot = 100) as
# tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS. This script reads that RDS with base R and
# writes the table, plus the grouping drawn again with the same seed (R >= 3.6 sampling), to
# JSON. Run from the worktree root:
#   git -C /work/.mirror/sem-in-r+seminr/repo show HEAD:tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS > /tmp/pls-mga-mobi-100.RDS
#   Rscript tests/reference/make_seminr_mga.R /tmp/pls-mga-mobi-100.RDS tests/data/seminr/mga_mobi_100.json
args <- commandArgs(trailingOnly = TRUE)
x <- readRDS(args[1])
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
tab <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
out <- list(
  source = "seminr tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS (estimate_pls_mga(mobi_pls, rand_cond, nboot = 100))",
  r_version_converted = R.version.string,
  condition = rand_cond,
  table = tab
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), args[2])
