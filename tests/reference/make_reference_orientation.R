# Factor orientation references (issue 10 item 4): lavaan 0.6-14 keeps the first indicator's
# loading positive when a factor's sign is free (std.lv = TRUE, NA* markers). The data are
# psychTools' bfi (Revelle; the complete cases of the columns below), whose agreeableness
# item A1 is reverse-keyed.
# Usage (from the repository root): Rscript tests/reference/make_reference_orientation.R
suppressMessages({library(lavaan); library(jsonlite); library(psychTools)})
data(bfi)
cols <- c("A1","A2","A3","A4","A5","E1","E2","E3","N1","N2","N3","gender","age")
d <- bfi[complete.cases(bfi[, cols]), cols]
out <- "tests/data/lavaan_orientation"
write.csv(d, file.path(out, "bfi_subset.csv"), row.names = FALSE)
CTRL <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 10000))
cases <- list(
  bfi_agree_stdlv = list(model = "Agree =~ A1 + A2 + A3 + A4 + A5\nAgree ~ gender + age", std.lv = TRUE),
  bfi_three_stdlv = list(model = "Agree =~ A1 + A2 + A3 + A4 + A5\nExtra =~ E1 + E2 + E3\nNeur =~ N1 + N2 + N3", std.lv = TRUE),
  bfi_three_marker = list(model = "Agree =~ A1 + A2 + A3 + A4 + A5\nExtra =~ E1 + E2 + E3\nNeur =~ N1 + N2 + N3", std.lv = FALSE),
  bfi_na_marker = list(model = "Agree =~ NA*A1 + A2 + A3 + A4 + A5\nAgree ~~ 1*Agree\nExtra =~ E1 + E2 + E3", std.lv = FALSE)
)
for (nm in names(cases)) {
  cs <- cases[[nm]]
  fit <- do.call("sem", c(list(model = cs$model, data = d, std.lv = cs$std.lv), CTRL))
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  write_json(list(model = cs$model, std_lv = cs$std.lv, params = p,
                  lavaan = as.character(packageVersion("lavaan")),
                  converged = lavInspect(fit, "converged")),
             file.path(out, paste0(nm, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE)
}
