# lavaan 0.6-14 lavTestLRT of the MLR-FIML invariance steps (configural, metric, scalar) on
# hs_missing.csv (see make_reference_mgfiml.R): Satorra-Bentler 2001 (lavaan's default for MLR)
# and 2010. Usage (from the repository root): Rscript tests/reference/make_reference_mgfiml_lrt.R
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_mgfiml"
HSm <- read.csv(file.path(out, "hs_missing.csv"))
HS3 <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
L <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
kmat <- function(fit) {
  pt <- parTable(fit); nf <- max(pt$free); grp <- seq_len(nf)
  for (i in which(pt$op == "==")) {
    a <- pt$free[pt$plabel == pt$lhs[i]]; b <- pt$free[pt$plabel == pt$rhs[i]]
    if (length(a) == 1 && length(b) == 1 && a > 0 && b > 0) grp[grp == grp[b]] <- grp[a]
  }
  u <- unique(grp); K <- matrix(0, nf, length(u)); K[cbind(seq_len(nf), match(grp, u))] <- 1; K
}
# BFGS, then Newton steps with lavaan's gradient and its Hessian without group weights (as
# make_reference_mgfiml.R) until the projected gradient stops decreasing
fitp <- function(g, model = HS3, grouped = TRUE) {
  a <- list(model = model, data = HSm, estimator = "MLR", missing = "ml", em.h1.tol = 1e-11,
            em.h1.iter.max = 20000L)
  if (grouped) a <- c(a, list(group = "school", group.equal = g))
  fit <- do.call("cfa", c(a, list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 20000L))))
  K <- kmat(fit); pg <- function(f) drop(t(K) %*% lavInspect(f, "gradient"))
  for (k in 1:10) {
    gr <- pg(fit)
    if (max(abs(gr)) < 1e-12) break
    H <- t(K) %*% lavaan:::lav_model_hessian(lavmodel = fit@Model, lavsamplestats = fit@SampleStats,
                                             lavdata = fit@Data, lavoptions = fit@Options,
                                             lavcache = fit@Cache, group.weight = FALSE) %*% K
    pt <- parTable(fit); x <- coef(fit) - drop(K %*% solve(H, gr))
    pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    b <- a; b$start <- pt
    f2 <- suppressWarnings(do.call("cfa", c(b, list(optim.method = "none"))))
    if (max(abs(pg(f2))) >= max(abs(gr))) break
    fit <- f2
  }
  attr(fit, "grad_max") <- max(abs(pg(fit))); fit
}
fits <- lapply(L, fitp)
res <- list(model = HS3, lavaan = as.character(packageVersion("lavaan")),
            grad_max = sapply(fits, function(f) attr(f, "grad_max")))
for (m in c("satorra.bentler.2001", "satorra.bentler.2010")) {
  t <- suppressWarnings(lavTestLRT(fits[[1]], fits[[2]], fits[[3]], method = m, model.names = names(L)))
  tab <- as.data.frame(unclass(t)); tab$model <- rownames(t); rownames(tab) <- NULL
  res[[gsub(".", "_", m, fixed = TRUE)]] <- tab
}
# one group: equal loadings of x2 and x3 against the free model (polished the same way)
A <- fitp("", HS3, grouped = FALSE)
HS3eq <- 'visual =~ x1 + a*x2 + a*x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
B <- fitp("", HS3eq, grouped = FALSE)
res$single_model_eq <- HS3eq
res$single_grad_max <- c(attr(A, "grad_max"), attr(B, "grad_max"))
for (m in c("satorra.bentler.2001", "satorra.bentler.2010")) {
  t <- lavTestLRT(A, B, method = m, model.names = c("free", "equal"))
  tab <- as.data.frame(unclass(t)); tab$model <- rownames(t); rownames(tab) <- NULL
  res[[paste0("single_", gsub(".", "_", m, fixed = TRUE))]] <- tab
}
write_json(res, file.path(out, "mgfiml_mlr_lrt.json"), digits = NA, auto_unbox = TRUE, na = "null")
print(res)
