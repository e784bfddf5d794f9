# Reference p values of Fisher's exact test (two-sided) for tests/test_fisher_exact.py.
# Rscript tests/reference/fisher_exact_2x2.R   (R 4.x, stats::fisher.test)
tables <- list(c(30, 12, 4, 8), c(20, 5, 0, 9), c(1291, 1874, 1330, 709), c(1, 2, 4, 1), c(3, 3, 3, 3))
for (t in tables) {
  p <- fisher.test(matrix(t, 2, byrow = TRUE))$p.value
  cat(paste(t, collapse = ","), sprintf("%.17g", p), "\n")
}
