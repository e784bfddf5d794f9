# Reference for acsi's specific effects: seminr's own fixture tests/fixtures/V_3_6_0/conf_ints.csv
# (tests/testthat/test-bootstrap.R): specific_effect_significance intervals of
# Image -> Expectation -> Satisfaction (alpha 0.05 and 0.1) and Image -> Satisfaction on the mobi
# model (Image, Expectation, Value, Satisfaction; Mode A composites; path_factorial) bootstrapped
# with bootstrap_model(nboot = 200, seed = 123). seminr draws resample i (i = 1..200) as
#   set.seed(seed + i); sample.int(nrow(d), replace = TRUE)
# (R/estimate_bootstrap.R, getEstimateResults), so the rows are redrawn here with base R (R >= 3.6
# sampling) and written with the fixture's values. Run from the worktree root:
#   git -C /work/.mirror/sem-in-r+seminr/repo show HEAD:tests/fixtures/V_3_6_0/conf_ints.csv > /tmp/conf_ints.csv
#   Rscript tests/reference/make_seminr_mediation.R /tmp/conf_ints.csv tests/data/seminr/mga_conf_ints.json
args <- commandArgs(trailingOnly = TRUE)
ci <- read.csv(args[1], row.names = 1)
idx <- t(sapply(1:200, function(i) { set.seed(123 + i); sample.int(250, replace = TRUE) }))
out <- list(
  source = "seminr tests/fixtures/V_3_6_0/conf_ints.csv (tests/testthat/test-bootstrap.R)",
  rows = c("Image->Expectation->Satisfaction 2.5%", "97.5%", "alpha 0.1: 5%", "95%",
           "Image->Satisfaction 2.5%", "97.5%"),
  values = ci$x,
  indices_1based = idx
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE), args[2])
