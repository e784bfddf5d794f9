# lavaan 0.6-14 references for ordinal items with missing values, thresholds in the model
# text and sampling weights with ordinal items (issue 10, item 2 and the weights item).
# Usage (from the repository root): Rscript tests/reference/make_reference_ordx.R [case-prefix ...]
#
# Data written to tests/data/lavaan_ordx/<data>.csv (holes as empty fields, categories as
# integers, weight column "w"); recipes in `recipe` of every JSON and in PROVENANCE.md.
# Each <case>.json holds parameterEstimates(standardized = TRUE), fitMeasures (all),
# lavInspect(fit, "sampstat"), the NACOV ("gamma"), wls.obs, the DWLS weight diagonal and the
# correlations re-solved at the root of lavaan's own two-step score (cor_tight; lavaan's
# nlminb stops polychoric/polyserial correlations at rel.tol 1e-10, up to ~1e-8 from the root).
# lavaan's own step 2 is made exact before fitting: its two-step polychoric, polyserial and
# (with missing values) Pearson fits are wrapped (assignInNamespace) so that each returns the
# root of lavaan's own score (uniroot, tol 1e-15) started from lavaan's value; everything else
# (thresholds, NACOV at those correlations, the fit) is lavaan's code. Without this, the
# estimates of a small listwise sample (n = 99) move by ~4e-7 relative.
# Fits use optim.method = "BFGS" with reltol 1e-20, then Newton steps on lavaan's objective
# until the largest gradient element is below 1e-12 (recorded in `polish`).
suppressMessages({library(lavaan); library(jsonlite); library(psych)})
out <- "tests/data/lavaan_ordx"
dir.create(out, showWarnings = FALSE)
src <- "tests/data/lavaan_issue10"
versions <- list(lavaan = as.character(packageVersion("lavaan")), psych = as.character(packageVersion("psych")),
                 R = R.version.string)
wj <- function(x, name) write_json(x, file.path(out, paste0(name, ".json")), digits = NA,
                                   auto_unbox = TRUE, pretty = TRUE, na = "null")
wcsv <- function(d, name) write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
CTRL <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 10000))

HS3 <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
HS3TH <- paste(HS3, '
 x1 | a*t1 + t2 + t3 + t4
 x2 | a*t1
 x3 | -0.5*t1 + b*t3
 x6 | b*t2
 x9 | 0.1*t2 ')
BFI <- ' Agree =~ A1 + A2 + A3 + A4 + A5
 Consc =~ C1 + C2 + C3 + C4 + C5 '

# ---------------------------------------------------------------- data recipes
recipes <- list()
cat5 <- read.csv(file.path(src, "hs_cat5.csv"))
mixed <- read.csv(file.path(src, "hs_mixed.csv"))
wts <- read.csv(file.path(src, "hs_weighted.csv"))$w
set.seed(20261210)
d <- cat5; M <- matrix(runif(nrow(d) * 9) < 0.12, nrow(d), 9); d[M] <- NA; d[c(7, 150), ] <- NA
wcsv(d, "hs_cat5_miss"); recipes$hs_cat5_miss <- "hs_cat5 (tests/data/lavaan_issue10); set.seed(20261210); each cell NA with probability 0.12 (runif(301*9) < 0.12, column-major); rows 7 and 150 entirely NA"
set.seed(20261211)
d <- mixed; M <- matrix(runif(nrow(d) * 9) < 0.10, nrow(d), 9); d[M] <- NA
wcsv(d, "hs_mixed_miss"); recipes$hs_mixed_miss <- "hs_mixed (x1-x4 in 5 categories, x5-x9 continuous); set.seed(20261211); each cell NA with probability 0.10 (column-major)"
d <- cat5; d$w <- wts
wcsv(d, "hs_cat5_w"); recipes$hs_cat5_w <- "hs_cat5 + w of tests/data/lavaan_issue10/hs_weighted.csv"
d <- mixed; d$w <- wts
wcsv(d, "hs_mixed_w"); recipes$hs_mixed_w <- "hs_mixed + w of tests/data/lavaan_issue10/hs_weighted.csv"
d <- read.csv(file.path(out, "hs_cat5_miss.csv")); d$w <- wts
wcsv(d, "hs_cat5_miss_w"); recipes$hs_cat5_miss_w <- "hs_cat5_miss + w of tests/data/lavaan_issue10/hs_weighted.csv"
data(bfi, package = "psych")
d <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
wcsv(d, "bfi_ac"); recipes$bfi_ac <- "psych 2.2.9 bfi, items A1-A5 and C1-C5 (1-6), their own missing answers (168 of 2800 rows incomplete)"

# ---------------------------------------------------------------- fitting
capture <- function(expr) {
  w <- character()
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)), class = "captured_error")),
    warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w, error = if (inherits(val, "captured_error")) val$message else NULL)
}
# with equality constraints (labels shared by thresholds) the gradient and the Newton step
# live in the constrained space: K maps its coordinates to the free parameters (lavaan's
# eq.constraints.K), so the gradient reported is K'g
Kmat <- function(fit) if (fit@Model@eq.constraints) fit@Model@eq.constraints.K else diag(length(coef(fit)))
gmax <- function(fit) max(abs(crossprod(Kmat(fit), lavInspect(fit, "gradient"))))
polish <- function(fit, fun, a) {
  steps <- 0L
  for (k in 1:6) {
    g <- lavInspect(fit, "gradient"); K <- Kmat(fit)
    if (max(abs(crossprod(K, g))) < 1e-12) break
    x <- coef(fit) - K %*% solve(t(K) %*% lavInspect(fit, "hessian") %*% K, crossprod(K, g))
    pt <- parTable(fit); pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]; pt$start <- pt$est
    junk <- capture.output(f2 <- suppressWarnings(do.call(fun, c(a, list(start = pt, optim.method = "none")))))
    if (lavInspect(f2, "optim")$fx > lavInspect(fit, "optim")$fx + 1e-15) break
    fit <- f2; steps <- k
  }
  list(fit = fit, steps = steps)
}
# root of lavaan's own two-step score of one correlation (kind "ord", "mix": y1 continuous,
# "reg": both continuous), with weights and missing values as lavaan's step 2 sees them
tight_cor <- function(y1, y2, kind, wt = NULL) {
  e <- new.env(parent = asNamespace("lavaan"))
  if (kind == "mix") {
    f1 <- lavaan:::lav_uvreg_fit(y = y1, wt = wt); f2 <- lavaan:::lav_uvord_fit(y = y2, wt = wt)
    cache <- lavaan:::lav_bvmix_init_cache(fit.y1 = f1, fit.y2 = f2, wt = wt, parent = e)
    r0 <- lavaan:::lav_bvmix_cor_twostep_fit(fit.y1 = f1, fit.y2 = f2, wt = wt)
    g <- function(x) lavaan:::lav_bvmix_min_gradient(x, cache = cache)
  } else if (kind == "reg") {
    f1 <- lavaan:::lav_uvreg_fit(y = y1, wt = wt); f2 <- lavaan:::lav_uvreg_fit(y = y2, wt = wt)
    cache <- lavaan:::lav_bvreg_init_cache(fit.y1 = f1, fit.y2 = f2, wt = wt, parent = e)
    r0 <- lavaan:::lav_bvreg_cor_twostep_fit(fit.y1 = f1, fit.y2 = f2, wt = wt)
    if (!anyNA(y1) && !anyNA(y2)) return(r0)   # closed form (lavaan's own value)
    g <- function(x) lavaan:::lav_bvreg_min_gradient(x, cache = cache)
  } else {
    f1 <- lavaan:::lav_uvord_fit(y = y1, wt = wt); f2 <- lavaan:::lav_uvord_fit(y = y2, wt = wt)
    cache <- lavaan:::lav_bvord_init_cache(fit.y1 = f1, fit.y2 = f2, wt = wt, parent = e)
    r0 <- lavaan:::lav_bvord_cor_twostep_fit(fit.y1 = f1, fit.y2 = f2, wt = wt)
    g <- function(x) lavaan:::lav_bvord_min_gradient(x, cache = cache)
  }
  assign("cache", cache, envir = e); assign("wt", wt, envir = e)
  uniroot(g, c(max(-0.999, r0 - 1e-3), min(0.999, r0 + 1e-3)), tol = 1e-15, maxiter = 1000)$root
}
tighten <- function(name, kind) {
  orig <- get(name, envir = asNamespace("lavaan"))
  f <- function(...) {
    r0 <- orig(...)
    a <- list(...)
    if (is.null(a$fit.y1) || abs(r0) >= 0.999) return(r0)
    e <- new.env(parent = asNamespace("lavaan"))
    wt <- a$wt
    if (kind == "ord") {
      cache <- lav_bvord_init_cache(fit.y1 = a$fit.y1, fit.y2 = a$fit.y2, wt = wt, parent = e)
      g <- function(x) lav_bvord_min_gradient(x, cache = cache)
    } else if (kind == "mix") {
      cache <- lav_bvmix_init_cache(fit.y1 = a$fit.y1, fit.y2 = a$fit.y2, wt = wt, parent = e)
      g <- function(x) lav_bvmix_min_gradient(x, cache = cache)
    } else {
      if (!anyNA(a$fit.y1$y) && !anyNA(a$fit.y2$y)) return(r0)
      cache <- lav_bvreg_init_cache(fit.y1 = a$fit.y1, fit.y2 = a$fit.y2, wt = wt, parent = e)
      g <- function(x) lav_bvreg_min_gradient(x, cache = cache)
    }
    assign("cache", cache, envir = e); assign("wt", wt, envir = e)
    r <- uniroot(g, c(max(-0.999, r0 - 1e-3), min(0.999, r0 + 1e-3)), tol = 1e-15, maxiter = 1000)$root
    attributes(r) <- attributes(r0)
    r
  }
  e0 <- new.env(parent = asNamespace("lavaan")); e0$orig <- orig; e0$kind <- kind
  environment(f) <- e0
  assignInNamespace(name, f, ns = "lavaan")
}
tighten("lav_bvord_cor_twostep_fit", "ord")
tighten("lav_bvmix_cor_twostep_fit", "mix")
tighten("lav_bvreg_cor_twostep_fit", "reg")
sampstat_list <- function(ss) lapply(ss, function(x) if (is.matrix(x)) unclass(x) else as.list(x))

run <- function(name, fun, model, data, args = list(), ordered = NULL) {
  dat <- read.csv(file.path(out, paste0(data, ".csv")))
  a <- c(list(model = model, data = dat), args)
  if (!is.null(ordered)) a$ordered <- ordered
  cap <- capture(do.call(fun, c(a, CTRL)))
  how <- "BFGS reltol 1e-20"
  if (!is.null(cap$error) || !lavInspect(cap$value, "converged")) {
    cat(name, "BFGS failed; lavaan defaults\n"); cap <- capture(do.call(fun, a)); how <- "lavaan defaults"
  }
  if (!is.null(cap$error)) stop(name, ": ", cap$error)
  fit0 <- cap$value
  res <- list(name = name, fun = fun, model = model, data = paste0(data, ".csv"),
              recipe = recipes[[data]], ordered = ordered, args = args, control = how,
              versions = versions, warnings = cap$warnings)
  res$polish <- list(grad_max_before = gmax(fit0))
  pl <- polish(fit0, fun, a); fit <- pl$fit
  res$polish$steps <- pl$steps; res$polish$grad_max_after <- gmax(fit)
  o <- lavInspect(fit, "options")
  res$options <- list(estimator = o$estimator, se = o$se, test = o$test, missing = o$missing,
                      parameterization = o$parameterization,
                      sampling.weights.normalization = o$sampling.weights.normalization)
  res$nobs <- lavInspect(fit, "nobs"); res$converged <- lavInspect(fit, "converged")
  res$npar <- lavInspect(fit, "npar"); res$fmin <- lavInspect(fit, "optim")$fx
  p <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(p)) p <- cbind(p[, 1:3], label = "", p[, -(1:3)], stringsAsFactors = FALSE)
  res$params <- p
  res$fit <- as.list(unclass(fitMeasures(fit, baseline.model = lavaan:::lav_object_independence(fit0))))
  res$sampstat <- sampstat_list(lavInspect(fit, "sampstat"))
  res$ov_names <- lavNames(fit, "ov")
  res$gamma <- tryCatch(unclass(lavInspect(fit, "gamma")), error = function(e) NULL)
  res$wls_v_diag <- diag(lavInspect(fit, "wls.v"))
  res$wls_obs <- as.numeric(lavInspect(fit, "wls.obs"))
  ov <- lavNames(fit, "ov"); P <- length(ov)
  Yd <- dat[, ov]
  if (o$missing == "listwise") Yd <- Yd[complete.cases(Yd), ]
  if (o$missing != "listwise") Yd <- Yd[rowSums(!is.na(Yd)) > 0, ]
  wt <- NULL
  if (!is.null(args$sampling.weights)) {
    wt <- dat$w[as.integer(rownames(Yd))]; wt <- wt * length(wt) / sum(wt)
  }
  ordv <- if (isTRUE(ordered)) ov else ordered
  ct <- diag(P)
  for (i in 2:P) for (j in 1:(i - 1)) {
    oi <- ov[i] %in% ordv; oj <- ov[j] %in% ordv
    if (oi && oj) ct[i, j] <- tight_cor(Yd[[j]], Yd[[i]], "ord", wt)
    else if (!oi && !oj) ct[i, j] <- tight_cor(Yd[[j]], Yd[[i]], "reg", wt)
    else { num <- if (oi) j else i; ord <- if (oi) i else j; ct[i, j] <- tight_cor(Yd[[num]], Yd[[ord]], "mix", wt) }
    ct[j, i] <- ct[i, j]
  }
  res$cor_tight <- ct
  wj(res, name)
  cat(name, "converged", res$converged, "nobs", res$nobs, "polish", pl$steps, "grad", res$polish$grad_max_after,
      "warnings", length(cap$warnings), "\n")
}

args <- commandArgs(trailingOnly = TRUE)
only <- if (length(args)) args else NULL
if (!is.null(only)) { run0 <- run; run <- function(name, ...) if (any(startsWith(name, only))) run0(name, ...) }
v9 <- paste0("x", 1:9)
# thresholds in the model text: labels, fixed values, equality across items
run("hs_cat5_th_delta", "cfa", HS3TH, "hs_cat5_w", list(estimator = "WLSMV"), ordered = v9)
run("hs_cat5_th_fixed", "cfa", paste(HS3, '
 x1 | -0.5*t1 + t2
 x9 | 0.1*t2
 x4 | c*t1 '), "hs_cat5_w", list(estimator = "WLSMV"), ordered = v9)
run("hs_cat5_th_theta", "cfa", HS3TH, "hs_cat5_w", list(estimator = "WLSMV", parameterization = "theta"), ordered = v9)
# missing values: lavaan's default (listwise) and pairwise
run("hs_cat5_miss_listwise", "cfa", HS3, "hs_cat5_miss", list(estimator = "WLSMV"), ordered = v9)
run("hs_cat5_miss_pairwise", "cfa", HS3, "hs_cat5_miss", list(estimator = "WLSMV", missing = "pairwise"), ordered = v9)
run("hs_cat5_miss_pairwise_theta", "cfa", HS3, "hs_cat5_miss",
    list(estimator = "WLSMV", missing = "pairwise", parameterization = "theta"), ordered = v9)
run("hs_cat5_miss_pairwise_ulsmv", "cfa", HS3, "hs_cat5_miss", list(estimator = "ULSMV", missing = "pairwise"), ordered = v9)
run("hs_mixed_miss_pairwise", "cfa", HS3, "hs_mixed_miss", list(estimator = "WLSMV", missing = "pairwise"),
    ordered = c("x1", "x2", "x3", "x4"))
run("bfi_ac_pairwise", "cfa", BFI, "bfi_ac", list(estimator = "WLSMV", missing = "pairwise"), ordered = TRUE)
run("bfi_ac_listwise", "cfa", BFI, "bfi_ac", list(estimator = "WLSMV"), ordered = TRUE)
# sampling weights with ordinal items
run("hs_cat5_w_delta", "cfa", HS3, "hs_cat5_w", list(estimator = "WLSMV", sampling.weights = "w"), ordered = v9)
run("hs_cat5_w_theta", "cfa", HS3, "hs_cat5_w",
    list(estimator = "WLSMV", sampling.weights = "w", parameterization = "theta"), ordered = v9)
run("hs_cat5_w_wls", "cfa", HS3, "hs_cat5_w", list(estimator = "WLS", sampling.weights = "w"), ordered = v9)
run("hs_mixed_w", "cfa", HS3, "hs_mixed_w", list(estimator = "WLSMV", sampling.weights = "w"),
    ordered = c("x1", "x2", "x3", "x4"))
run("hs_cat5_miss_w_pairwise", "cfa", HS3, "hs_cat5_miss_w",
    list(estimator = "WLSMV", sampling.weights = "w", missing = "pairwise"), ordered = v9)
