# lavaan 0.6-14 references for issue 11 (diagnostics): modification indices, residuals,
# standardizedSolution with delta-method SEs, lavTestLRT (ML; MLR with Satorra-Bentler 2001
# and 2010).
# Usage (from the repository root): Rscript tests/reference/make_reference_issue11_diag.R
#
# Every fit uses optim.method = "BFGS" with reltol 1e-20 and is then polished by Newton steps
# on lavaan's own objective (in the space of the equality-constrained parameters when the
# model has shared labels) until the largest (projected) gradient element is below 1e-12;
# the steps and the final projected gradient are recorded in `polish`.
# Each diag_<case>.json holds:
#   est         parameterEstimates() (est, se) to check the fit itself
#   std_<type>  standardizedSolution(type = <type>) for std.all, std.lv, std.nox
#               (lavaan's SEs are a forward-difference Jacobian, h = sqrt(eps) * max(1, |x|))
#   mi          modindices(sort. = FALSE) (lavaan's defaults: expected information,
#               free.remove, na.remove)
#   resid_<t>   residuals(fit, type = <t>) for raw, cor (= cor.bollen), normalized,
#               standardized (cov as a full matrix, column-major, and mean when present)
# diag_lrt_<case>.json holds lavTestLRT tables (rows ordered by df as lavaan orders them).
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/data/lavaan_issue11"
datadir <- "acsi/datasets/data"
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
CTRL <- list(reltol = 1e-20, maxit = 20000)
HS <- read.csv(file.path(datadir, "holzinger_swineford_1939.csv"))
PD <- read.csv(file.path(datadir, "political_democracy.csv"))
MOBI <- read.csv(file.path(datadir, "mobi.csv"))

HS3 <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
HSX <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 visual ~ sex + ageyr
 textual ~ ageyr '
PDEQ <- ' ind60 =~ x1 + x2 + x3
 dem60 =~ y1 + a*y2 + b*y3 + c*y4
 dem65 =~ y5 + a*y6 + b*y7 + c*y8
 dem60 ~ ind60
 dem65 ~ ind60 + dem60
 y1 ~~ y5
 y2 ~~ y4 + y6
 y3 ~~ y7
 y4 ~~ y8
 y6 ~~ y8 '
PDIND <- ' ind60 =~ x1 + x2 + x3
 dem60 =~ y1 + y2 + y3 + y4
 dem65 =~ y5 + y6 + y7 + y8
 dem60 ~ a*ind60
 dem65 ~ c*ind60 + b*dem60
 y1 ~~ y5
 y2 ~~ y4 + y6
 y3 ~~ y7
 y4 ~~ y8
 y6 ~~ y8
 ind := a*b
 total := c + a*b '
CHAIN <- ' EXPE =~ CUEX1 + CUEX2 + CUEX3
 QUAL =~ PERQ1 + PERQ2 + PERQ3
 SAT =~ CUSA1 + CUSA2 + CUSA3
 LOY =~ CUSL1 + CUSL2 + CUSL3
 QUAL ~ EXPE
 SAT ~ EXPE + QUAL
 LOY ~ SAT '

mat <- function(m) { m <- unclass(m); list(names = rownames(m), values = as.vector(m)) }
df_ <- function(d) { d <- as.data.frame(d); class(d) <- "data.frame"; rownames(d) <- NULL; d }

# K maps the distinct parameters to lavaan's free parameters (shared labels: "==" rows)
kmat <- function(fit) {
  pt <- parTable(fit); nf <- max(pt$free); grp <- seq_len(nf)
  for (i in which(pt$op == "==")) {
    a <- pt$free[pt$plabel == pt$lhs[i]]; b <- pt$free[pt$plabel == pt$rhs[i]]
    grp[grp == grp[b]] <- grp[a]
  }
  u <- unique(grp); K <- matrix(0, nf, length(u)); K[cbind(seq_len(nf), match(grp, u))] <- 1; K
}
polish <- function(fit, fun, a) {
  steps <- 0L; K <- kmat(fit)
  for (k in 1:8) {
    g <- drop(t(K) %*% lavInspect(fit, "gradient"))
    if (max(abs(g)) < 1e-12) break
    H <- t(K) %*% lavInspect(fit, "hessian") %*% K
    x <- coef(fit) - drop(K %*% solve(H, g))
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    pt$ustart[pt$free > 0] <- NA
    # the table itself is the model (keeps the fixed.x rows fixed), evaluated at the new point
    b <- a; b$model <- pt
    junk <- capture.output(f2 <- suppressWarnings(do.call(fun, c(b, list(optim.method = "none")))))
    if (max(parTable(f2)$free) != nrow(K)) break
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2; steps <- k
  }
  list(fit = fit, steps = steps, grad = max(abs(t(K) %*% lavInspect(fit, "gradient"))))
}
fitp <- function(fun, ...) {
  a <- list(...)
  fit <- do.call(fun, c(a, list(optim.method = "BFGS", control = CTRL)))
  pl <- polish(fit, fun, a); attr(pl$fit, "polish") <- list(steps = pl$steps, grad_max = pl$grad); pl$fit
}
save_case <- function(name, fit, model, data_file, call, opts = list()) {
  pe <- parameterEstimates(fit)
  res <- list(model = model, data = data_file, call = call, options = opts,
              lavaan = as.character(packageVersion("lavaan")),
              polish = attr(fit, "polish"),
              chisq = fitMeasures(fit, "chisq")[[1]], df = fitMeasures(fit, "df")[[1]],
              est = df_(pe[, c("lhs", "op", "rhs", "est", "se")]))
  for (ty in c("std.all", "std.lv", "std.nox"))
    res[[paste0("std_", sub("std.", "", ty))]] <- df_(standardizedSolution(fit, type = ty))
  mi <- suppressWarnings(modindices(fit, sort. = FALSE))
  res$mi <- df_(mi)
  for (ty in c("raw", "cor", "normalized", "standardized")) {
    r <- residuals(fit, type = ty)
    item <- list(cov = mat(r$cov))
    if (!is.null(r$mean)) item$mean <- as.vector(unclass(r$mean))
    res[[paste0("resid_", ty)]] <- item
  }
  wj(res, paste0("diag_", name))
  invisible(fit)
}

f <- fitp("cfa", model = HS3, data = HS)
save_case("hs_ml", f, HS3, "holzinger_swineford_1939.csv", "cfa(model, data)")
f <- fitp("cfa", model = HS3, data = HS, estimator = "MLR")
save_case("hs_mlr", f, HS3, "holzinger_swineford_1939.csv", "cfa(model, data, estimator='MLR')")
f <- fitp("cfa", model = HS3, data = HS, std.lv = TRUE, meanstructure = TRUE)
save_case("hs_stdlv_ms", f, HS3, "holzinger_swineford_1939.csv",
          "cfa(model, data, std.lv=TRUE, meanstructure=TRUE)", list(std_lv = TRUE, meanstructure = TRUE))
f <- fitp("sem", model = HSX, data = HS)
save_case("hs_x", f, HSX, "holzinger_swineford_1939.csv", "sem(model, data)")
f <- fitp("sem", model = PDEQ, data = PD)
save_case("pd_equal", f, PDEQ, "political_democracy.csv", "sem(model, data)")
f <- fitp("sem", model = PDIND, data = PD)
save_case("pd_indirect", f, PDIND, "political_democracy.csv", "sem(model, data)")
f <- fitp("sem", model = PDIND, data = PD, estimator = "MLR")
save_case("pd_indirect_mlr", f, PDIND, "political_democracy.csv", "sem(model, data, estimator='MLR')")
f <- fitp("sem", model = CHAIN, data = MOBI)
save_case("mobi_ml", f, CHAIN, "mobi.csv", "sem(model, data)")
f <- fitp("sem", model = CHAIN, data = MOBI, estimator = "MLR")
save_case("mobi_mlr", f, CHAIN, "mobi.csv", "sem(model, data, estimator='MLR')")

# ---------------------------------------------------------------- lavTestLRT
M_FREE <- HS3
M_EQ <- ' visual =~ x1 + a*x2 + a*x3
 textual =~ x4 + b*x5 + b*x6
 speed =~ x7 + x8 + x9 '
M_EQORTH <- paste(M_EQ, '
 visual ~~ 0*textual
 visual ~~ 0*speed
 textual ~~ 0*speed ')
lrt <- function(name, est, method = "default") {
  f1 <- fitp("cfa", model = M_FREE, data = HS, estimator = est)
  f2 <- fitp("cfa", model = M_EQ, data = HS, estimator = est)
  f3 <- fitp("cfa", model = M_EQORTH, data = HS, estimator = est)
  # passed in a scrambled order: lavaan orders by df
  t <- lavTestLRT(f3, f1, f2, method = method, model.names = c("eqorth", "free", "eq"))
  tab <- as.data.frame(unclass(t)); tab$model <- rownames(t); rownames(tab) <- NULL
  sf <- c(NA, NA, NA)
  if (est == "MLR") {
    mods <- list(f1, f2, f3)
    for (m in 1:2) {
      o <- if (method == "satorra.bentler.2010")
        lavaan:::lav_test_diff_SatorraBentler2010(mods[[m]], mods[[m + 1]], H1 = FALSE)
      else lavaan:::lav_test_diff_SatorraBentler2001(mods[[m]], mods[[m + 1]])
      sf[m + 1] <- o$scaling.factor
    }
  }
  wj(list(models = list(free = M_FREE, eq = M_EQ, eqorth = M_EQORTH), estimator = est,
          method = method, table = tab, scaling_factor = sf,
          heading = attr(t, "heading")), paste0("diag_lrt_", name))
}
lrt("hs_ml", "ML")
lrt("hs_mlr_2001", "MLR")
lrt("hs_mlr_2010", "MLR", "satorra.bentler.2010")
cat("done\n")

# ---------------------------------------------------------------- general constraints
# lavaan estimates models with general (in)equality constraints with its constrained
# optimiser (nlminb.constr, an augmented Lagrangian; tighter controls make it fail). The fit is
# then polished by Newton steps on the KKT system of lavaan's own objective (equalities and
# the active inequalities, slack below 1e-4), recorded in `polish`.
kkt_polish <- function(f, model, est) {
  steps <- 0L
  for (k in 1:8) {
    x <- lav_model_get_parameters(f@Model)
    g <- lavInspect(f, "gradient"); H <- lavInspect(f, "hessian")
    has <- function(fun) length(formals(fun)) > 0
    heq <- numeric(0); Jeq <- matrix(0, 0, length(x))
    if (has(f@Model@ceq.function)) { heq <- f@Model@ceq.function(x); Jeq <- numDeriv::jacobian(f@Model@ceq.function, x) }
    if (has(f@Model@cin.function)) {
      hin <- f@Model@cin.function(x); act <- which(hin < 1e-4)
      if (length(act)) { heq <- c(heq, hin[act]); Jeq <- rbind(Jeq, numDeriv::jacobian(f@Model@cin.function, x)[act, , drop = FALSE]) }
    }
    Jeq <- matrix(Jeq, ncol = length(x))
    lam <- qr.solve(t(Jeq), g)
    r <- c(g - drop(t(Jeq) %*% lam), heq)
    if (max(abs(r)) < 1e-12) break
    nc <- nrow(Jeq); KKT <- rbind(cbind(H, t(Jeq)), cbind(Jeq, matrix(0, nc, nc)))
    sol <- solve(KKT, -c(g, heq))
    xn <- x + sol[seq_along(x)]
    pt <- parTable(f); pt$est[pt$free > 0] <- xn[pt$free[pt$free > 0]]; pt$start <- pt$est
    f2 <- suppressWarnings(cfa(model, data = HS, estimator = est, start = pt, optim.method = "none"))
    f <- f2; steps <- k
  }
  attr(f, "polish") <- list(steps = steps, kkt_residual = max(abs(r))); f
}
HSC <- ' visual =~ x1 + a*x2 + b*x3
 textual =~ x4 + c*x5 + d*x6
 speed =~ x7 + e*x8 + f*x9 '
CONS <- list(
  c_linear = paste(HSC, '\n c == 2*a\n d == b + e - f'),
  c_nonlinear = paste(HSC, '\n e == c^2'),
  c_ineq = paste(HSC, '\n a > 0.7\n b < 1'),
  c_mixed = paste(HSC, '\n c == 2*a\n a > 0.6\n f < 2')
)
for (nm in names(CONS)) {
  for (est in c("ML", "MLR")) {
    f <- kkt_polish(cfa(CONS[[nm]], data = HS, estimator = est), CONS[[nm]], est)
    pe <- parameterEstimates(f, remove.eq = FALSE, remove.ineq = FALSE, remove.system.eq = FALSE)
    fm <- fitMeasures(f)
    wj(list(model = CONS[[nm]], estimator = est, converged = lavInspect(f, "converged"),
            polish = attr(f, "polish"),
            est = df_(pe[, intersect(c("lhs", "op", "rhs", "label", "est", "se"), names(pe))]),
            fit = as.list(fm[c("npar", "chisq", "df", "pvalue", "aic", "bic", "cfi", "tli", "rmsea", "srmr",
                                intersect(c("chisq.scaled", "chisq.scaling.factor"), names(fm)))])),
       paste0("diag_", nm, "_", tolower(est)))
  }
}
cat("constraints done\n")
