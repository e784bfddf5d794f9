"""L-BFGS-B as R's ``optim(method = "L-BFGS-B")`` runs it (the 1997 algorithm, version 2.3).

psych::fa minimises its ML and minimum-residual discrepancies with R's optim. For solutions
in the interior of the box [0.005, 1] scipy's L-BFGS-B (version 3.0 of the algorithm) takes the
same steps, but when a uniqueness reaches its bound (a Heywood case) the two versions differ:
version 3.0 projects the subspace Newton step onto the box (Morales and Nocedal 2011), the
earlier version truncates it at the first bound it meets. psych's iterates, and therefore its
numbers in Heywood cases, are those of the earlier version, implemented here from the
published algorithm (Byrd, Lu, Nocedal and Zhu 1995; Zhu, Byrd, Lu and Nocedal 1997):

* generalized Cauchy point along the projected steepest-descent path of the compact L-BFGS
  model ``B = theta I - W M W'`` (breakpoints visited in increasing order);
* subspace minimisation over the free variables by the direct primal method, the Newton step
  truncated at the first bound (the version 2.x rule);
* Moré-Thuente line search (MINPACK-2 ``dcsrch``/``dcstep``, ``ftol = 1e-3, gtol = 0.9,
  xtol = 0.1``), initial step 1, at most 20 evaluations, restart of the memory on failure;
* stop when ``(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= factr * eps`` or the projected
  gradient's largest entry is at most ``pgtol``; R's ``maxit`` counts accepted iterations.

Only what psych needs (every variable bounded above and below) is supported. Kernel: no
checks.

References
----------
Byrd, R. H., Lu, P., Nocedal, J. and Zhu, C. (1995). A limited memory algorithm for bound
constrained optimization. SIAM Journal on Scientific Computing, 16, 1190-1208.
Zhu, C., Byrd, R. H., Lu, P. and Nocedal, J. (1997). Algorithm 778: L-BFGS-B. ACM TOMS, 23,
550-560.
Moré, J. J. and Thuente, D. J. (1994). Line search algorithms with guaranteed sufficient
decrease. ACM TOMS, 20, 286-307.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["LbfgsbResult", "lbfgsb_r"]

_EPS = float(np.finfo(float).eps)


class _LineSearch:
    """Moré and Thuente's (1994) line search as MINPACK-2's ``dcsrch`` organises it: a
    reverse-communication object; :meth:`step` takes f and f' at the current step and returns
    the next step and a status ("FG": evaluate there, "CONV": done, "WARN": no further
    progress, "ERROR": bad input)."""

    def __init__(self, ftol: float, gtol: float, xtol: float, stpmin: float, stpmax: float) -> None:
        self.ftol, self.gtol, self.xtol = ftol, gtol, xtol
        self.stpmin, self.stpmax = stpmin, stpmax
        self.started = False

    def start(self, stp: float, f: float, g: float) -> tuple[float, str]:
        if stp < self.stpmin or stp > self.stpmax or g >= 0:
            return stp, "ERROR"
        self.started = True
        self.bracketed = False
        self.stage = 1
        self.finit, self.ginit = f, g
        self.gtest = self.ftol * g
        self.width = self.stpmax - self.stpmin
        self.width1 = self.width / 0.5
        self.stx, self.fx, self.gx = 0.0, f, g
        self.sty, self.fy, self.gy = 0.0, f, g
        self.stmin = 0.0
        self.stmax = stp + 4.0 * stp
        return stp, "FG"

    def step(self, stp: float, f: float, g: float) -> tuple[float, str]:
        ftest = self.finit + stp * self.gtest
        if self.stage == 1 and f <= ftest and g >= 0:
            self.stage = 2
        status = ""
        if self.bracketed and (stp <= self.stmin or stp >= self.stmax):
            status = "WARN"
        if self.bracketed and self.stmax - self.stmin <= self.xtol * self.stmax:
            status = "WARN"
        if stp == self.stpmax and f <= ftest and g <= self.gtest:
            status = "WARN"
        if stp == self.stpmin and (f > ftest or g >= self.gtest):
            status = "WARN"
        if f <= ftest and abs(g) <= self.gtol * (-self.ginit):
            status = "CONV"
        if status:
            return stp, status
        if self.stage == 1 and f <= self.fx and f > ftest:
            # modified function psi(stp) = f(stp) - f(0) - ftol stp f'(0) in the first stage
            gt = self.gtest
            stx, fxm, gxm, sty, fym, gym, stp = _dcstep(
                self.stx, self.fx - self.stx * gt, self.gx - gt, self.sty, self.fy - self.sty * gt,
                self.gy - gt, stp, f - stp * gt, g - gt, self)
            self.stx, self.sty = stx, sty
            self.fx, self.fy = fxm + stx * gt, fym + sty * gt
            self.gx, self.gy = gxm + gt, gym + gt
        else:
            (self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp) = _dcstep(
                self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, f, g, self)
        if self.bracketed:
            if abs(self.sty - self.stx) >= 0.66 * self.width1:
                stp = self.stx + 0.5 * (self.sty - self.stx)
            self.width1 = self.width
            self.width = abs(self.sty - self.stx)
            self.stmin, self.stmax = min(self.stx, self.sty), max(self.stx, self.sty)
        else:
            self.stmin = stp + 1.1 * (stp - self.stx)
            self.stmax = stp + 4.0 * (stp - self.stx)
        stp = min(max(stp, self.stpmin), self.stpmax)
        if self.bracketed and (
            stp <= self.stmin or stp >= self.stmax or self.stmax - self.stmin <= self.xtol * self.stmax
        ):
            stp = self.stx
        return stp, "FG"


def _cubic_min(stx: float, fx: float, dx: float, stp: float, fp: float, dp: float) -> tuple[float, float, float]:
    """theta, gamma (signed) and s of the cubic interpolating (stx, fx, dx) and (stp, fp, dp)."""
    theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
    s = max(abs(theta), abs(dx), abs(dp))
    gamma = s * np.sqrt((theta / s) ** 2 - (dx / s) * (dp / s))
    return theta, gamma, s


def _dcstep(stx: float, fx: float, dx: float, sty: float, fy: float, dy: float, stp: float, fp: float, dp: float,
            ls: _LineSearch) -> tuple[float, float, float, float, float, float, float]:
    """One safeguarded step of the Moré-Thuente search (MINPACK-2 ``dcstep``): cubic and
    quadratic/secant interpolation in the four cases of the paper; updates the interval of
    uncertainty [stx, sty] and ``ls.bracketed``."""
    stpmin, stpmax = ls.stmin, ls.stmax
    sgnd = dp * (dx / abs(dx))
    if fp > fx:  # case 1: higher function value, minimum bracketed
        theta, gamma, _ = _cubic_min(stx, fx, dx, stp, fp, dp)
        if stp < stx:
            gamma = -gamma
        p = (gamma - dx) + theta
        q = ((gamma - dx) + gamma) + dp
        stpc = stx + (p / q) * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        ls.bracketed = True
    elif sgnd < 0:  # case 2: lower value, derivatives of opposite sign
        theta, gamma, _ = _cubic_min(stx, fx, dx, stp, fp, dp)
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = ((gamma - dp) + gamma) + dx
        stpc = stp + (p / q) * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        ls.bracketed = True
    elif abs(dp) < abs(dx):  # case 3: lower value, same sign, derivative decreases
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        disc = (theta / s) ** 2 - (dx / s) * (dp / s)
        gamma = 0.0 if disc < 0 else s * np.sqrt(disc)
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        elif stp > stx:
            stpc = stpmax
        else:
            stpc = stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if ls.bracketed:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            bound = stp + 0.66 * (sty - stp)
            stpf = min(bound, stpf) if stp > stx else max(bound, stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(stpmin, min(stpmax, stpf))
    else:  # case 4: lower value, same sign, derivative does not decrease
        if ls.bracketed:
            theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
            s = max(abs(theta), abs(dy), abs(dp))
            gamma = s * np.sqrt((theta / s) ** 2 - (dy / s) * (dp / s))
            if stp > sty:
                gamma = -gamma
            p = (gamma - dp) + theta
            q = ((gamma - dp) + gamma) + dy
            stpf = stp + (p / q) * (sty - stp)
        elif stp > stx:
            stpf = stpmax
        else:
            stpf = stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, float(stpf)


@dataclass(frozen=True)
class LbfgsbResult:
    """Solution ``x``, objective ``f``, gradient ``g``; ``convergence`` is R's code (0: converged,
    1: iteration limit, 52: abnormal line-search termination)."""

    x: np.ndarray
    f: float
    g: np.ndarray
    convergence: int
    iterations: int
    evaluations: int


def _projected_gradient_norm(x: np.ndarray, g: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    gi = np.where(g < 0, np.maximum(g, x - hi), np.minimum(g, x - lo))
    return float(np.max(np.abs(gi))) if gi.size else 0.0


class _Memory:
    """The limited-memory pairs (oldest first) with S'Y and S'S as the algorithm stores them."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.reset()

    def reset(self) -> None:
        self.S: list[np.ndarray] = []
        self.Y: list[np.ndarray] = []
        self.SY = np.zeros((0, 0))
        self.SS = np.zeros((0, 0))
        self.theta = 1.0

    @property
    def col(self) -> int:
        return len(self.S)

    def add(self, s: np.ndarray, y: np.ndarray, ss_new: float, dr: float, rr: float) -> None:
        if self.col == self.m:
            self.S.pop(0)
            self.Y.pop(0)
            self.SY = self.SY[1:, 1:]
            self.SS = self.SS[1:, 1:]
        k = self.col
        SY = np.zeros((k + 1, k + 1))
        SS = np.zeros((k + 1, k + 1))
        SY[:k, :k] = self.SY
        SS[:k, :k] = self.SS
        for j in range(k):
            SY[k, j] = float(s @ self.Y[j])  # new s with old y (last row of S'Y)
            SS[j, k] = SS[k, j] = float(self.S[j] @ s)
        SS[k, k] = ss_new
        SY[k, k] = dr
        for j in range(k):  # upper part of S'Y (old s, new y): only its strictly lower part is used
            SY[j, k] = float(self.S[j] @ y)
        self.S.append(s)
        self.Y.append(y)
        self.SY, self.SS = SY, SS
        self.theta = rr / dr

    def middle(self) -> tuple[np.ndarray, np.ndarray]:
        """W = [Y, theta S] (n x 2col) and M^-1 = [[-D, L'], [L, theta S'S]]."""
        k = self.col
        W = np.column_stack(self.Y + [self.theta * s for s in self.S])
        Lw = np.tril(self.SY, -1)
        Minv = np.zeros((2 * k, 2 * k))
        Minv[:k, :k] = -np.diag(np.diag(self.SY))
        Minv[:k, k:] = Lw.T
        Minv[k:, :k] = Lw
        Minv[k:, k:] = self.theta * self.SS
        return W, Minv


def _cauchy(x: np.ndarray, g: np.ndarray, lo: np.ndarray, hi: np.ndarray, mem: _Memory,
            W: np.ndarray, Minv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generalized Cauchy point; returns (xcp, c = W'(xcp - x), at_bound mask). ``W`` and
    ``Minv`` are empty (and unused) while the memory holds no pair."""
    n = x.size
    theta = mem.theta
    col = mem.col
    at_bound = np.zeros(n, dtype=bool)
    xcp = x.copy()
    if _projected_gradient_norm(x, g, lo, hi) <= 0.0:
        return xcp, np.zeros(2 * col), at_bound
    d = -g.copy()
    tl = x - lo
    tu = hi - x
    at_lo = (tl <= 0) & (d <= 0)
    at_hi = ~(tl <= 0) & (tu <= 0) & (d >= 0)
    at_bound = at_lo | at_hi
    zero_grad = ~(tl <= 0) & ~(tu <= 0) & (np.abs(d) <= 0)
    moving = ~at_bound & ~zero_grad
    d = np.where(moving, d, 0.0)
    f1 = -float(d @ d)

    def mv(v: np.ndarray) -> np.ndarray:  # M v, only called when col > 0
        return np.linalg.solve(Minv, v)

    p = W.T @ d if col > 0 else np.zeros(0)
    # breakpoints
    brk = np.full(n, np.inf)
    down = moving & (d < 0)
    up = moving & (d > 0)
    brk[down] = tl[down] / (-d[down])
    brk[up] = tu[up] / d[up]
    bnded = not np.any(moving & ~(down | up) & (np.abs(d) > 0))
    order = [int(i) for i in np.flatnonzero(down | up)]
    if not order and not np.any(moving):
        return xcp, np.zeros(2 * col), at_bound
    c = np.zeros(2 * col)
    f2 = -theta * f1
    f2_org = f2
    if col > 0:
        f2 -= float(p @ mv(p))
    dtm = -f1 / f2
    tsum = 0.0
    nbreak = len(order)
    # the first breakpoint is the smallest; the others are visited in increasing order
    if nbreak:
        first = min(range(nbreak), key=lambda k: (brk[order[k]], k))
        rest = [order[k] for k in range(nbreak) if k != first]
        rest.sort(key=lambda i: brk[i])
        sequence = [order[first]] + rest
    else:
        sequence = []
    tj = 0.0
    nleft = nbreak
    reached_all = False
    for ibp in sequence:
        tj0 = tj
        tj = float(brk[ibp])
        dt = tj - tj0
        if dtm < dt:
            break
        tsum += dt
        nleft -= 1
        dibp = d[ibp]
        d[ibp] = 0.0
        if dibp > 0:
            zibp = hi[ibp] - x[ibp]
            xcp[ibp] = hi[ibp]
        else:
            zibp = lo[ibp] - x[ibp]
            xcp[ibp] = lo[ibp]
        at_bound[ibp] = True
        if nleft == 0 and nbreak == n:
            dtm = dt
            reached_all = True
            break
        dibp2 = dibp * dibp
        f1 = f1 + dt * f2 + dibp2 - theta * dibp * zibp
        f2 = f2 - theta * dibp2
        if col > 0:
            c = c + dt * p
            wbp = W[ibp, :]
            v = mv(wbp)
            wmc, wmp, wmw = float(c @ v), float(p @ v), float(wbp @ v)
            p = p - dibp * wbp
            f1 += dibp * wmc
            f2 += 2.0 * dibp * wmp - dibp2 * wmw
        f2 = max(_EPS * f2_org, f2)
        if nleft > 0:
            dtm = -f1 / f2
        elif bnded:
            dtm = 0.0
        else:
            dtm = -f1 / f2
    if not reached_all:
        dtm = max(dtm, 0.0)
        tsum += dtm
        xcp = xcp + tsum * d
    if col > 0:
        c = c + dtm * p
    return xcp, c, at_bound


def _subspace(x: np.ndarray, g: np.ndarray, xcp: np.ndarray, c: np.ndarray, free: np.ndarray,
              lo: np.ndarray, hi: np.ndarray, mem: _Memory, W: np.ndarray, Minv: np.ndarray) -> np.ndarray:
    """Direct primal subspace minimisation from the Cauchy point, truncated at the first bound."""
    theta = mem.theta
    Mc = np.linalg.solve(Minv, c)
    WF = W[free, :]
    r = -theta * (xcp[free] - x[free]) - g[free] + WF @ Mc
    BF = theta * np.eye(WF.shape[0]) - WF @ np.linalg.solve(Minv, WF.T)
    du = np.linalg.solve(BF, r)
    z = xcp.copy()
    xf = xcp[free]
    lf, uf = lo[free], hi[free]
    alpha = 1.0
    ibd = -1
    for i in range(du.size):
        dk = du[i]
        temp1 = alpha
        if dk < 0:
            temp2 = lf[i] - xf[i]
            if temp2 >= 0:
                temp1 = 0.0
            elif dk * alpha < temp2:
                temp1 = temp2 / dk
        elif dk > 0:
            temp2 = uf[i] - xf[i]
            if temp2 <= 0:
                temp1 = 0.0
            elif dk * alpha > temp2:
                temp1 = temp2 / dk
        if temp1 < alpha:
            alpha = temp1
            ibd = i
    idx = np.flatnonzero(free)
    if alpha < 1.0 and ibd >= 0:
        k = idx[ibd]
        if du[ibd] > 0:
            z[k] = hi[k]
            du[ibd] = 0.0
        elif du[ibd] < 0:
            z[k] = lo[k]
            du[ibd] = 0.0
    z[idx] = z[idx] + alpha * du
    return z


def lbfgsb_r(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    m: int = 5,
    factr: float = 1e7,
    pgtol: float = 0.0,
    maxit: int = 100,
) -> LbfgsbResult:
    """Minimise ``fun`` over the box ``[lower, upper]`` exactly as R's optim L-BFGS-B does."""
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    x = np.clip(np.asarray(x0, dtype=float), lo, hi)
    f = float(fun(x))
    g = np.asarray(grad(x), dtype=float)
    nfgv = 1
    tol = factr * _EPS
    if _projected_gradient_norm(x, g, lo, hi) <= pgtol:
        return LbfgsbResult(x, f, g, 0, 0, nfgv)
    mem = _Memory(m)
    it = 0  # the algorithm's iteration count (for the first step)
    accepted = 0  # R's optim count of NEW_X
    while True:
        col = mem.col
        W, Minv = mem.middle() if col > 0 else (np.zeros((x.size, 0)), np.zeros((0, 0)))
        try:
            xcp, c, at_bound = _cauchy(x, g, lo, hi, mem, W, Minv)
            free = ~at_bound
            if col > 0 and free.any():
                z = _subspace(x, g, xcp, c, free, lo, hi, mem, W, Minv)
            else:
                z = xcp
        except np.linalg.LinAlgError:
            if col == 0:
                return LbfgsbResult(x, f, g, 52, accepted, nfgv)
            mem.reset()
            continue
        d = z - x
        # line search
        dtd = float(d @ d)
        if it == 0:
            stpmx = 1.0
        else:
            stpmx = 1e10
            for i in range(d.size):
                a1 = d[i]
                if a1 < 0:
                    a2 = lo[i] - x[i]
                    if a2 >= 0:
                        stpmx = 0.0
                    elif a1 * stpmx < a2:
                        stpmx = a2 / a1
                elif a1 > 0:
                    a2 = hi[i] - x[i]
                    if a2 <= 0:
                        stpmx = 0.0
                    elif a1 * stpmx > a2:
                        stpmx = a2 / a1
        stp = 1.0  # every variable is bounded ("boxed")
        t, r, fold = x.copy(), g.copy(), f
        gd = float(g @ d)
        gdold = gd
        failed = gd >= 0
        if not failed:
            ls = _LineSearch(1e-3, 0.9, 0.1, 0.0, stpmx)
            stp, task = ls.start(stp, f, gd)
            fcur, gcur = f, gd
            ifun = 0
            while True:
                if ifun > 0:
                    stp, task = ls.step(stp, fcur, gcur)
                if task in ("CONV", "WARN"):
                    break
                if task == "ERROR":  # a step outside [0, stpmax]: restart as after a failure
                    failed = True
                    break
                ifun += 1
                if ifun - 1 >= 20:
                    failed = True
                    break
                x = z.copy() if stp == 1.0 else stp * d + t
                f = float(fun(x))
                g = np.asarray(grad(x), dtype=float)
                nfgv += 1
                fcur, gcur = f, float(g @ d)
            gd = gcur
        if failed:
            x, g, f = t, r, fold
            if mem.col == 0:
                return LbfgsbResult(x, f, g, 52, accepted, nfgv)
            mem.reset()
            continue
        it += 1
        sbgnrm = _projected_gradient_norm(x, g, lo, hi)
        accepted += 1
        if accepted > maxit:
            return LbfgsbResult(x, f, g, 1, accepted, nfgv)
        if sbgnrm <= pgtol:
            return LbfgsbResult(x, f, g, 0, accepted, nfgv)
        if fold - f <= tol * max(abs(fold), abs(f), 1.0):
            return LbfgsbResult(x, f, g, 0, accepted, nfgv)
        y = g - r
        rr = float(y @ y)
        if stp == 1.0:
            dr = gd - gdold
            ddum = -gdold
            s = d
            ss_new = dtd
        else:
            dr = (gd - gdold) * stp
            s = d * stp
            ddum = -gdold * stp
            ss_new = stp * stp * dtd
        if dr <= _EPS * ddum:
            continue
        mem.add(s, y, ss_new, dr, rr)
        try:
            np.linalg.cholesky(
                mem.theta * mem.SS + np.tril(mem.SY, -1) @ np.diag(1.0 / np.diag(mem.SY)) @ np.tril(mem.SY, -1).T
            )
        except np.linalg.LinAlgError:
            mem.reset()
