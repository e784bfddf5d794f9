"""General parameter constraints: ``a == 2*b``, ``a1 == a2 + a3``, ``a == b^2``, ``a > 0``.

Shared labels (``a*x1 + a*x2``) and ``label1 == label2`` are merged into one parameter by the
parameter table (a reparametrisation). Every other ``==``, ``<`` or ``>`` formula of the model
is a general constraint on the labelled parameters, handled here as lavaan handles its
``ceq``/``cin`` constraints:

* **Estimation**: ``F_ML`` is minimised subject to ``h(theta) = 0`` (``lhs - rhs``) and
  ``g(theta) >= 0`` (``lhs - rhs`` for ``>``, ``rhs - lhs`` for ``<``) by sequential
  quadratic programming (SciPy's SLSQP, from the unconstrained estimates, with the analytic
  gradient of ``F_ML`` and complex-step constraint Jacobians), then polished by Newton steps
  on the Karush-Kuhn-Tucker system of the equalities and the active inequalities (exact
  Hessian), to a KKT residual below ``1e-10``: linear and nonlinear constraints alike end at
  the exact constrained optimum.
* **Active inequalities** (slack below ``1e-6`` at the solution) are treated as equalities for
  the standard errors; inactive ones are ignored.
* **Standard errors**: with ``J`` the Jacobian of the equalities and active inequalities and
  ``Z`` an orthonormal basis of its null space, the information ``A`` is replaced by its
  constrained inverse ``Z (Z' A Z)^-1 Z'`` (lavaan's augmented information) in the
  covariance ``Z (Z' A Z)^-1 Z' / N``, in the sandwich ``P B P / N`` of MLR and in the
  Yuan-Bentler scaling factor ``tr(P B) ``.
* **Degrees of freedom**: each equality constraint adds one degree of freedom (and removes
  one from lavaan's ``npar``, used by AIC and BIC); inequalities change neither, as in
  lavaan.

A constraint that uses a name that is not a label, uses no parameter at all, or cannot hold
(the optimiser ends away from the feasible set, e.g. ``a > 1`` with ``a < 0``) is a
:class:`~acsi.SpecificationError` naming its line.

References
----------
Rosseel, Y. (2012). lavaan. *J. Stat. Softw.* 48(2) (section on linear and nonlinear
equality and inequality constraints).
Nocedal, J., & Wright, S. J. (2006). *Numerical Optimization* (2nd ed.), ch. 12, 18. Springer.

Examples
--------
>>> import acsi
>>> hs = acsi.datasets.load_holzinger_swineford()
>>> res = acsi.cfa("visual =~ x1 + a*x2 + b*x3; textual =~ x4 + c*x5 + x6; c == 2*a", hs)
>>> est = res.estimates.set_index("label")["est"]
>>> abs(float(est["c"] - 2 * est["a"])) < 1e-10, res.core.df
(True, 9)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from acsi._lazy import optimize
from acsi.cbsem.core import EstimationCore
from acsi.exceptions import SpecificationError
from acsi.spec.partable import ParameterTable
from acsi.spec.syntax import compile_expression

__all__ = ["ConstraintSet", "compile_constraints", "constrained_vcov", "estimate_constrained",
           "null_space_at", "robust_test_constrained"]

_ACTIVE = 1e-6
_FEASIBLE = 1e-7


@dataclass(frozen=True)
class ConstraintSet:
    """The compiled general constraints of a parameter table.

    ``values(theta)`` gives ``h`` (equalities, first ``n_eq``) and ``g`` (inequalities) for a
    (possibly complex) reduced parameter vector; ``jacobian(theta)`` their exact derivative.
    """

    funcs: tuple[Callable[[dict[str, object]], object], ...]
    signs: tuple[float, ...]
    ops: tuple[str, ...]
    where: tuple[str, ...]
    label_row: dict[str, int]
    x_base: np.ndarray
    free_rows: np.ndarray
    par_of_free: np.ndarray

    @property
    def n_eq(self) -> int:
        return sum(1 for o in self.ops if o == "==")

    def _x(self, theta: np.ndarray) -> np.ndarray:
        x = self.x_base.astype(theta.dtype if np.iscomplexobj(theta) else float)
        x[self.free_rows] = theta[self.par_of_free]
        return x

    def values(self, theta: np.ndarray) -> np.ndarray:
        x = self._x(np.asarray(theta))
        env = {lab: x[k] for lab, k in self.label_row.items()}
        out = [s * f(env) for f, s in zip(self.funcs, self.signs)]  # type: ignore[operator]
        return np.asarray(out, dtype=complex if np.iscomplexobj(x) else float)

    def jacobian(self, theta: np.ndarray, h: float = 1e-20) -> np.ndarray:
        """Exact Jacobian (complex step, all columns in one batched evaluation)."""
        theta = np.asarray(theta, dtype=float)
        q = theta.size
        Z = np.broadcast_to(theta, (q, q)).astype(complex)
        Z[np.arange(q), np.arange(q)] += 1j * h
        X = np.broadcast_to(self.x_base, (q, self.x_base.size)).astype(complex)
        X[:, self.free_rows] = Z[:, self.par_of_free]
        env: dict[str, object] = {lab: X[:, k] for lab, k in self.label_row.items()}
        J = np.empty((len(self.funcs), q))
        for i, (f, s) in enumerate(zip(self.funcs, self.signs)):
            v = np.broadcast_to(np.asarray(f(env), dtype=complex), (q,))
            J[i] = np.imag(v) * (s / h)
        return J

    def is_linear(self, theta: np.ndarray) -> bool:
        """Whether every constraint is linear (its Jacobian is the same at two other points)."""
        theta = np.asarray(theta, dtype=float)
        J0 = self.jacobian(theta)
        for shift in (0.37, -1.3):
            J1 = self.jacobian(theta + shift * (1.0 + np.abs(theta)))
            if not np.allclose(J0, J1, rtol=1e-12, atol=1e-12):
                return False
        return True


def compile_constraints(pt: ParameterTable, x_base: np.ndarray, free_rows: np.ndarray,
                        par_of_free: np.ndarray) -> ConstraintSet:
    """Compile ``pt.constraints`` (equalities first), checking every name.

    Raises
    ------
    SpecificationError
        A name that is not a label of the model, or a constraint without any parameter.
    """
    labels: dict[str, int] = {}
    for k, lab in enumerate(pt.label):
        if lab and pt.op[k] != ":=" and lab not in labels:
            labels[lab] = k
    order = sorted(range(len(pt.constraints)), key=lambda i: pt.constraints[i][1] != "==")
    funcs, signs, ops, where = [], [], [], []
    for i in order:
        lhs, op, rhs, _line, wh = pt.constraints[i]
        text = f"{lhs} {op} {rhs}"
        f_l, used_l = compile_expression(lhs)
        f_r, used_r = compile_expression(rhs)
        used = list(dict.fromkeys(used_l + used_r))
        unknown = [u for u in used if u not in labels]
        if unknown:
            avail = ", ".join(sorted(labels)) or "none (label parameters with a*x)"
            raise SpecificationError(
                f"the constraint '{text}' ({wh}) uses {', '.join(map(repr, unknown))}, which is not "
                f"a label of the model; labels are: {avail}"
            )
        if not any(pt.free[labels[u]] for u in used):
            raise SpecificationError(
                f"the constraint '{text}' ({wh}) involves no free parameter: it is either always "
                "true or can never hold; remove it or label the parameters it should constrain"
            )

        def diff(env: dict[str, object], fl: Any = f_l, fr: Any = f_r) -> object:
            return fl(env) - fr(env)

        funcs.append(diff)
        signs.append(-1.0 if op == "<" else 1.0)
        ops.append(op)
        where.append(f"'{text}' ({wh})")
    return ConstraintSet(
        funcs=tuple(funcs), signs=tuple(signs), ops=tuple(ops), where=tuple(where), label_row=labels,
        x_base=np.asarray(x_base, dtype=float), free_rows=np.asarray(free_rows), par_of_free=np.asarray(par_of_free),
    )


def _active(cs: ConstraintSet, theta: np.ndarray) -> np.ndarray:
    """Indices of the equalities and of the inequalities with slack below ``_ACTIVE``."""
    v = cs.values(theta)
    idx = [i for i, o in enumerate(cs.ops) if o == "=="]
    idx += [i for i, o in enumerate(cs.ops) if o != "==" and v[i] < _ACTIVE * (1.0 + abs(v[i]))]
    return np.asarray(idx, dtype=np.intp)


def null_space_at(cs: ConstraintSet, theta: np.ndarray) -> np.ndarray:
    """Orthonormal basis ``Z`` (q, q - r) of the null space of the active constraints' Jacobian."""
    from scipy.linalg import null_space

    act = _active(cs, theta)
    q = len(theta)
    if act.size == 0:
        return np.eye(q)
    J = cs.jacobian(theta)[act]
    return np.asarray(null_space(J))


def _kkt_polish(
    kern: Any, cs: ConstraintSet, theta: np.ndarray, max_iter: int = 20
) -> tuple[np.ndarray, float, int]:
    """Newton steps on the KKT system of the active constraints; returns theta, the KKT
    residual and the number of steps."""
    resid = math.inf
    steps = 0
    for steps in range(max_iter):  # noqa: B007 - the count is returned
        if not np.all(np.isfinite(theta)) or not np.isfinite(kern.objective(theta)):
            break
        act = _active(cs, theta)
        g = kern.gradient(theta)
        h = cs.values(theta)[act] if act.size else np.zeros(0)
        J = cs.jacobian(theta)[act] if act.size else np.zeros((0, theta.size))
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(J)) and np.all(np.isfinite(h))):
            break
        lam = np.linalg.lstsq(J.T, g, rcond=None)[0] if act.size else np.zeros(0)
        resid = float(np.max(np.abs(np.concatenate([g - J.T @ lam, h])))) if theta.size else 0.0
        if resid < 1e-11:
            break
        H = kern.hessian(theta)
        r = J.shape[0]
        KKT = np.block([[H, J.T], [J, np.zeros((r, r))]])
        try:
            step = np.linalg.solve(KKT, -np.concatenate([g, h]))[: theta.size]
        except np.linalg.LinAlgError:
            break
        t = 1.0
        f0 = kern.objective(theta)
        for _ in range(30):
            cand = theta + t * step
            f1 = kern.objective(cand)
            if np.isfinite(f1) and f1 <= f0 + 1e-8 * (1 + abs(f0)) + np.max(np.abs(h), initial=0.0):
                break
            t *= 0.5
        theta = cand
    return theta, resid, steps


def estimate_constrained(core0: EstimationCore, *, max_iter: int = 500) -> EstimationCore:
    """Refit the model of ``core0`` (its unconstrained ML fit) under ``partable.constraints``.

    Returns a core at the constrained optimum with lavaan's ``df`` (plus the number of
    equality constraints) and ``npar`` (minus it).

    Raises
    ------
    SpecificationError
        A constraint names an unknown label or no parameter, or the constraints cannot hold
        together (the message names the violated lines).
    """
    pt = core0.partable
    kern = core0.kernel
    cs = compile_constraints(pt, kern.x_base, kern.free_rows, kern.par_of_free)
    theta0 = np.asarray(core0.theta, dtype=float)
    if not np.isfinite(kern.objective(theta0)):
        theta0 = kern.theta_of(kern.x_base)
    n_eq = cs.n_eq
    cons = []
    if n_eq:
        cons.append({"type": "eq", "fun": lambda t: cs.values(t)[:n_eq], "jac": lambda t: cs.jacobian(t)[:n_eq]})
    if len(cs.ops) > n_eq:
        cons.append({"type": "ineq", "fun": lambda t: cs.values(t)[n_eq:], "jac": lambda t: cs.jacobian(t)[n_eq:]})

    def fun(t: np.ndarray) -> float:
        v = kern.objective(t)
        return v if np.isfinite(v) else 1e10

    def jac(t: np.ndarray) -> np.ndarray:
        g = kern.gradient(t)
        return np.where(np.isfinite(g), g, 0.0)

    resid = math.inf
    theta = theta0
    nit = 0
    if n_eq == len(cs.ops) and cs.is_linear(theta0):
        # linear equalities: theta = theta_p + Z u; from the projection of the unconstrained
        # estimates onto the constraints the KKT steps are Newton steps in u
        J = cs.jacobian(theta0)
        start = theta0 - np.linalg.lstsq(J, cs.values(theta0), rcond=None)[0]
        if np.isfinite(kern.objective(start)):
            theta, resid, nit = _kkt_polish(kern, cs, start)
    if not resid < 1e-8:  # nonlinear, inequalities, or Newton did not settle: SQP first
        res = optimize.minimize(fun, theta0, jac=jac, constraints=cons, method="SLSQP",
                                options={"ftol": 1e-14, "maxiter": int(max_iter)})
        theta = np.asarray(res.x, dtype=float)
        nit = int(res.nit)
        if np.all(np.isfinite(theta)):
            theta, resid, k = _kkt_polish(kern, cs, theta)
            nit += k
    v = cs.values(theta) if np.all(np.isfinite(theta)) else np.full(len(cs.ops), np.nan)
    bad = [cs.where[i] for i in range(len(v))
           if not np.isfinite(v[i])
           or (cs.ops[i] == "==" and abs(v[i]) > _FEASIBLE * (1 + abs(v[i])))
           or (cs.ops[i] != "==" and v[i] < -_FEASIBLE)]
    if not bad and not np.isfinite(kern.objective(theta)):
        bad = list(cs.where)
    if bad:
        raise SpecificationError(
            f"the constraint{'s' if len(bad) > 1 else ''} {'; '.join(bad)} cannot hold together "
            "with the model (and the other constraints): the optimiser ends away from them. Check "
            "the constraints for contradictions (e.g. a > 1 and a < 0) and the labels they use"
        )
    sol = kern.solution_at(theta, iterations=nit, converged=bool(resid < 1e-8), grad_max=resid)
    parts = dict(sol.parts)
    if sol.Sigma_inv is not None:
        parts["Sigma_inv"] = sol.Sigma_inv
    return replace(
        core0, theta=theta, x=kern.x_of(theta), Sigma=sol.Sigma, mu=sol.mu, Delta=sol.Delta,
        fmin=0.5 * sol.F, chisq=core0.N * sol.F, df=int(core0.df + n_eq), npar=int(core0.npar - n_eq),
        converged=sol.converged, iterations=sol.iterations, grad_max=resid, parts=parts, solution=sol,
    )


def _z(core: EstimationCore) -> np.ndarray:
    kern = core.kernel
    cs = compile_constraints(core.partable, kern.x_base, kern.free_rows, kern.par_of_free)
    return null_space_at(cs, np.asarray(core.theta, dtype=float))


def constrained_inverse(core: EstimationCore, kind: str) -> np.ndarray:
    """``Z (Z' A Z)^-1 Z'`` with ``A`` the (unit) information of kind ``kind``."""
    Z = _z(core)
    A = np.asarray(core.information(kind))  # type: ignore[arg-type]
    return np.asarray(Z @ np.linalg.solve(Z.T @ A @ Z, Z.T))


def constrained_vcov(core: EstimationCore, se_type: str, kind: str) -> np.ndarray:
    """Covariance of ``theta`` under the constraints (robust: ``P B P / N``)."""
    P = constrained_inverse(core, kind)
    if se_type == "robust":
        from acsi.cbsem.robust import first_order_information

        core_any: Any = core
        B = np.asarray(first_order_information(core_any))
        V = P @ B @ P / core.N
    else:
        V = P / core.N
    return np.asarray(0.5 * (V + V.T))


def robust_test_constrained(core: EstimationCore, information: str) -> Any:
    """The Yuan-Bentler scaled test of a constrained model (``tr(P B)`` in the scaling)."""
    from acsi.cbsem import robust as rb

    core_any: Any = core
    base = rb.yuan_bentler_mplus(core_any, information)
    if not core.df > 0:
        return base
    P = constrained_inverse(core, information)
    b0 = np.asarray(rb.first_order_information(core_any))
    trace_h0 = float(np.sum(b0 * P.T))
    trace_h1, _ = rb._h1_trace(core_any, rb.x_indices(core_any))
    trace_ug = trace_h1 - trace_h0
    c = trace_ug / float(core.df)
    if c < 0:
        c = math.nan
    chisq_scaled = rb._r_divide(float(core.chisq), c)
    from acsi._lazy import special

    p = 1.0 - float(special.chdtr(float(core.df), chisq_scaled))
    npar = int(np.shape(core.K)[0])
    return replace(base, chisq_scaled=float(chisq_scaled), scaling_factor=float(c), pvalue_scaled=p,
                   trace_ugamma=float(trace_ug), scaling_factor_h0=trace_h0 / npar)
