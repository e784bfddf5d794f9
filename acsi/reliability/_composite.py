"""Composite reliability, AVE, HTMT and the Fornell-Larcker criterion for fitted models.

CB-SEM results follow semTools 0.5-6 ``compRelSEM`` and ``AVE`` with their defaults, read
through the structural interface (:class:`acsi.results.structural.StructuralResult`: the
loadings table, the model-implied latent covariance and the indicators' covariance); a
lavaan-style ``estimates`` table with a covariance matrix works too (the latent covariance
is then rebuilt from it, :func:`latent_covariance`). PLS results return seminr's values
(``rho_c``, ``ave``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from acsi.data import prepare_data
from acsi.exceptions import DataError, SpecificationError

__all__ = [
    "composite_reliability",
    "ave",
    "htmt",
    "fornell_larcker",
    "latent_covariance",
    "cr_ave_kernel",
]


# ----------------------------------------------------------------------------- kernels
def cr_ave_kernel(
    Lambda: np.ndarray, Phi: np.ndarray, Sigma: np.ndarray, drop_single: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    r"""Composite reliability and AVE per factor (semTools 0.5-6 conventions). No checks.

    For factor ``f`` with indicators ``I_f`` (non-zero loadings):
    ``CR_f = phi_ff (sum_{i in I_f} lambda_if)^2 / 1'Sigma_{I_f} 1`` and
    ``AVE_f = phi_ff sum lambda_if^2 / sum_i Sigma_ii``; ``Sigma`` is the sample covariance
    (``obs.var = TRUE``, default) or the model-implied one. Factors with a single indicator
    give NaN when ``drop_single`` (semTools drops them); AVE is NaN for a factor with a
    cross-loading indicator (as semTools).
    """
    p, m = Lambda.shape
    cr = np.full(m, np.nan)
    av = np.full(m, np.nan)
    nz = Lambda != 0
    cross = nz.sum(axis=1) > 1
    for f in range(m):
        idx = np.flatnonzero(nz[:, f])
        if idx.size == 0 or (drop_single and idx.size == 1):
            continue
        lam = Lambda[idx, f]
        sub = Sigma[np.ix_(idx, idx)]
        cr[f] = Phi[f, f] * lam.sum() ** 2 / sub.sum()
        if not cross[idx].any():
            av[f] = Phi[f, f] * (lam**2).sum() / np.trace(sub)
    return cr, av


def latent_covariance(estimates: pd.DataFrame, sample_cov: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model-implied covariance of the latent variables (lavaan's ``cov.lv``) from a
    lavaan-style parameter table: ``(I - B)^-1 Psi (I - B)^-T`` over latents and the observed
    regressors of latents (whose covariances come from ``sample_cov``, fixed.x); ``B`` holds
    the regressions among them and the loadings of first-order on higher-order factors."""
    est = estimates
    lv = list(dict.fromkeys(est.loc[est["op"] == "=~", "lhs"]))
    reg = est[est["op"] == "~"]
    obs_x = [v for v in dict.fromkeys(reg["rhs"]) if v not in lv and v in set(reg["rhs"])]
    obs_x = [v for v in obs_x if v in set(reg.loc[reg["lhs"].isin(lv), "rhs"])]
    nodes = lv + obs_x
    pos = {v: i for i, v in enumerate(nodes)}
    k = len(nodes)
    B = np.zeros((k, k))
    for _, r in reg.iterrows():
        if r["lhs"] in pos and r["rhs"] in pos:
            B[pos[r["lhs"]], pos[r["rhs"]]] = float(r["est"])
    Psi = np.zeros((k, k))
    for _, r in est[est["op"] == "~~"].iterrows():
        if r["lhs"] in lv and r["rhs"] in lv:
            i, j = pos[r["lhs"]], pos[r["rhs"]]
            Psi[i, j] = Psi[j, i] = float(r["est"])
    if obs_x:
        if sample_cov is None:
            raise SpecificationError(
                f"latent variables are regressed on observed variables ({', '.join(obs_x)}); "
                "their covariances are needed: pass sample_cov"
            )
        Sx = sample_cov.loc[obs_x, obs_x].to_numpy(float)
        ix = [pos[v] for v in obs_x]
        Psi[np.ix_(ix, ix)] = Sx
    # higher-order factors: ``G =~ F`` means F = lambda G + zeta (a loading of a latent on a latent)
    for _, r in est[(est["op"] == "=~") & est["rhs"].isin(lv)].iterrows():
        B[pos[r["rhs"]], pos[r["lhs"]]] = float(r["est"])
    A = np.linalg.inv(np.eye(k) - B)
    C = A @ Psi @ A.T
    return pd.DataFrame(C[: len(lv), : len(lv)], index=lv, columns=lv)


# ----------------------------------------------------------------------------- adapters
def _is_estimates(frame: Any) -> bool:
    return isinstance(frame, pd.DataFrame) and {"lhs", "op", "rhs", "est"} <= set(frame.columns)


def _sem_result(res: Any) -> Any:
    """``res`` when it is a fitted CB-SEM model, else None."""
    from acsi.cbsem.results import SEMResult

    return res if isinstance(res, SEMResult) else None


def _pls_result(res: Any) -> Any:
    """``res`` when it is a fitted PLS model, else None."""
    from acsi.plspm.results import PLSResult

    return res if isinstance(res, PLSResult) else None


def _not_a_model(res: Any) -> TypeError:
    return TypeError(
        "expected a CB-SEM result (acsi.sem / acsi.cfa), a PLS result (acsi.pls) or a "
        f"lavaan-style estimates DataFrame (columns lhs, op, rhs, est), not {type(res).__name__}"
    )


def _loading_matrix(construct: Sequence[str], indicator: Sequence[str], est: Sequence[float]) -> pd.DataFrame:
    lv = list(dict.fromkeys(map(str, construct)))
    ind = list(dict.fromkeys(map(str, indicator)))
    Lam = pd.DataFrame(0.0, index=ind, columns=lv)
    for c, x, v in zip(construct, indicator, est):
        Lam.loc[str(x), str(c)] = float(v)
    return Lam


def _cbsem_parts(res: Any, obs_var: bool, cov: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Loadings (indicator x factor), latent covariance and the indicators' covariance.

    From a fitted CB-SEM model through its structural interface (``loadings_table``, the
    model-implied ``latent_cov``, ``indicator_cov`` or ``implied_cov``); from an estimates
    table by rebuilding the latent covariance (:func:`latent_covariance`)."""
    sem = _sem_result(res)
    if sem is not None:
        lt = sem.loadings_table
        Lam = _loading_matrix(lt["construct"], lt["indicator"], lt["est"])
        Phi = sem.latent_cov
        if cov is not None:
            Sigma = cov
        else:
            Sigma = sem.indicator_cov if obs_var else sem.implied_cov
    elif _is_estimates(res):
        est = res
        if cov is None:
            raise SpecificationError(
                "an estimates table carries no covariance matrix: pass cov= (the sample covariance, "
                "divisor N, with obs_var=True; the model-implied one with obs_var=False)"
            )
        load = est[est["op"] == "=~"]
        lv = set(load["lhs"])
        load = load[~load["rhs"].isin(lv)]
        if load.empty:
            raise SpecificationError("the model has no measurement part (no `=~` rows with observed indicators)")
        Lam = _loading_matrix(load["lhs"], load["rhs"], load["est"])
        Phi = latent_covariance(est, cov)
        Sigma = cov
    else:
        raise _not_a_model(res)
    if Lam.empty:
        raise SpecificationError("the model has no measurement part (no `=~` rows with observed indicators)")
    missing = [v for v in Lam.index if v not in Sigma.index]
    if missing:
        raise DataError(f"indicator(s) {missing} are not in the covariance matrix")
    lv_order = list(Lam.columns)
    return Lam, Phi.loc[lv_order, lv_order], Sigma.loc[list(Lam.index), list(Lam.index)]


def _cr_ave(res: Any, obs_var: bool, cov: pd.DataFrame | None, tau_eq: bool = False) -> tuple[pd.Series, pd.Series]:
    Lam, Phi, Sigma = _cbsem_parts(res, obs_var, cov)
    cr, av = cr_ave_kernel(Lam.to_numpy(), Phi.to_numpy(), Sigma.to_numpy())
    if tau_eq:  # coefficient alpha of each factor's indicators (semTools' computeAlpha)
        L, S = Lam.to_numpy(), Sigma.to_numpy()
        for f in range(L.shape[1]):
            idx = np.flatnonzero(L[:, f] != 0)
            if idx.size > 1:
                sub = S[np.ix_(idx, idx)]
                cr[f] = idx.size / (idx.size - 1) * (1.0 - np.trace(sub) / sub.sum())
    keep = ~np.isnan(cr) | (np.count_nonzero(Lam.to_numpy(), axis=0) > 1)
    idx = pd.Index(Lam.columns[keep], name="factor")
    return pd.Series(cr[keep], index=idx, name="composite_reliability"), pd.Series(av[keep], index=idx, name="ave")


# ----------------------------------------------------------------------------- API
def composite_reliability(
    res: Any, *, obs_var: bool = True, cov: pd.DataFrame | None = None, tau_eq: bool = False
) -> pd.Series:
    r"""Composite reliability (omega) of every factor of a fitted model.

    For a CB-SEM result (or a lavaan-style ``estimates`` table with ``lhs, op, rhs, est``),
    equal to R ``semTools::compRelSEM(fit)`` (semTools 0.5-6 defaults ``obs.var = TRUE,
    tau.eq = FALSE, dropSingle = TRUE``):

    .. math::  \omega_f = \frac{\phi_{ff}\,(\sum_{i \in f} \lambda_{if})^2}{\mathbf 1'\Sigma_f \mathbf 1}

    with ``phi_ff`` the model-implied factor variance (lavaan's ``cov.lv``) and ``Sigma_f``
    the sample covariance of the factor's indicators (divisor N; the model-implied one with
    ``obs_var=False``). Single-indicator factors are left out. For a PLS result, seminr's
    ``rho_c`` (Jöreskog's rho from standardized loadings).

    Parameters
    ----------
    res : CB-SEM result, PLS result or DataFrame
        A fitted model; a DataFrame is read as lavaan's ``parameterEstimates()`` table.
    obs_var : bool
        Denominator from the observed (True, semTools' default) or model-implied covariances.
    cov : DataFrame, optional
        The covariance matrix to use (labelled), for an estimates table or to override.
    tau_eq : bool
        Assume tau-equivalent indicators: coefficient alpha of each factor's indicators from
        the same covariance matrix (``compRelSEM(fit, tau.eq = TRUE)``). CB-SEM only.

    Returns
    -------
    Series indexed by factor.

    Notes
    -----
    Validated against R semTools 0.5-6 / lavaan 0.6-14 (1e-9 on lavaan's estimates,
    tests/test_reliability_composite.py).

    References
    ----------
    Raykov, T. (1997). Applied Psychological Measurement, 21, 173-184.
    Jorgensen, T. D. et al. (2022). semTools: Useful tools for structural equation modeling.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"lhs": ["f", "f", "f", "x1", "x2", "x3", "f"],
    ...                     "op": ["=~", "=~", "=~", "~~", "~~", "~~", "~~"],
    ...                     "rhs": ["x1", "x2", "x3", "x1", "x2", "x3", "f"],
    ...                     "est": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]})
    >>> S = pd.DataFrame([[2.0, 1, 1], [1, 2, 1], [1, 1, 2]], index=["x1", "x2", "x3"], columns=["x1", "x2", "x3"])
    >>> composite_reliability(est, cov=S).round(3).to_dict()
    {'f': 0.75}
    """
    pls = _pls_result(res)
    if pls is not None:
        if tau_eq:
            raise SpecificationError(
                "tau_eq=True needs a CB-SEM result (PLS results report rho_C; use cronbach_alpha on the items)"
            )
        return pls.reliability["rho_c"].rename("composite_reliability")
    return _cr_ave(res, obs_var, cov, tau_eq)[0]


def ave(res: Any, *, obs_var: bool = True, cov: pd.DataFrame | None = None) -> pd.Series:
    r"""Average variance extracted of every factor of a fitted model.

    CB-SEM (semTools 0.5-6 ``AVE(fit)`` defaults): ``AVE_f = phi_ff sum lambda_if^2 /
    sum_i S_ii`` over the factor's indicators (sample variances, divisor N; model-implied with
    ``obs_var=False``); NaN for a factor with a cross-loading indicator; single-indicator
    factors left out. PLS: seminr's ``AVE`` (mean squared standardized loading).

    Validated against R semTools 0.5-6 (1e-12 on lavaan's estimates), with one deliberate
    difference: semTools 0.5-6 picks the indicator variances with row numbers of the full
    loading matrix after dropping single-indicator factors, so when a single-indicator
    factor's indicator comes before other indicators (e.g. ``Complaints =~ CUSCO`` declared
    before ``Loyalty``) semTools divides by the wrong variances or returns NA; acsi always
    uses each factor's own indicators (tests/test_reliability_zoo.py shows both).

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"lhs": ["f", "f", "f", "x1", "x2", "x3", "f"],
    ...                     "op": ["=~", "=~", "=~", "~~", "~~", "~~", "~~"],
    ...                     "rhs": ["x1", "x2", "x3", "x1", "x2", "x3", "f"],
    ...                     "est": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]})
    >>> S = pd.DataFrame([[2.0, 1, 1], [1, 2, 1], [1, 1, 2]], index=["x1", "x2", "x3"], columns=["x1", "x2", "x3"])
    >>> ave(est, cov=S).round(3).to_dict()
    {'f': 0.5}
    """
    pls = _pls_result(res)
    if pls is not None:
        return pls.reliability["ave"]
    return _cr_ave(res, obs_var, cov)[1]


def _blocks_mask(
    data: Any, blocks: Mapping[str, Sequence[str]], missing: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if not isinstance(blocks, Mapping) or not blocks:
        raise SpecificationError("`blocks` must be a dict: construct name -> list of its items")
    items: list[str] = []
    for name, its in blocks.items():
        its = [its] if isinstance(its, str) else list(its)
        if not its:
            raise SpecificationError(f"construct {name!r} has no items in `blocks`")
        for it in its:
            if it in items:
                raise SpecificationError(f"item {it!r} appears in more than one block (again in {name!r})")
            items.append(str(it))
    prepared = prepare_data(data, items, missing=missing, context="blocks")  # type: ignore[arg-type]
    X = prepared.X
    sd = X.std(axis=0)
    if np.any(sd == 0):
        j = int(np.flatnonzero(sd == 0)[0])
        raise DataError(f"item {items[j]!r} is constant; remove it from `blocks`")
    R = np.corrcoef(X, rowvar=False)
    mask = np.zeros((len(items), len(blocks)))
    for c, its in enumerate(blocks.values()):
        for it in ([its] if isinstance(its, str) else its):
            mask[items.index(str(it)), c] = 1.0
    return R, mask, list(blocks)


def htmt(
    data: Any,
    blocks: Mapping[str, Sequence[str]] | None = None,
    *,
    missing: Literal["listwise", "mean", "error"] = "listwise",
) -> pd.DataFrame:
    r"""Heterotrait-monotrait ratio of correlations (Henseler, Ringle and Sarstedt 2015).

    .. math::

        HTMT_{ij} = \frac{\overline{|r_{ij}|}}{\sqrt{\overline{|r_{ii}|}\;\overline{|r_{jj}|}}}

    (mean absolute correlation between the items of constructs i and j over the geometric
    mean of the mean within-construct correlations; 1 for a single-item construct), as R
    seminr computes it. Uses the PLS evaluation kernel :func:`acsi.plspm.evaluation.htmt`.

    Parameters
    ----------
    data : DataFrame or fitted PLS result
        Item data (then ``blocks`` is required) or a PLS result (its ``htmt`` table).
    blocks : dict
        Construct name -> list of item names.

    Returns
    -------
    DataFrame
        Constructs x constructs, values in the upper triangle, NaN elsewhere (seminr's layout).

    Notes
    -----
    Validated against R seminr 2.5 (tests/data/seminr/htmt.csv, M7) to 1e-12.

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> tab = acsi.reliability.htmt(mobi, {"Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    ...                                    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]})
    >>> round(float(tab.loc["Image", "Satisfaction"]), 4)
    0.9101
    """
    if blocks is None:
        pls = _pls_result(data)
        if pls is not None:
            return pls.htmt
        raise SpecificationError("htmt(data, blocks): `blocks` (construct -> items) is required for item data")
    from acsi.plspm.evaluation import htmt as _htmt

    R, mask, names = _blocks_mask(data, blocks, missing)
    return pd.DataFrame(_htmt(R, mask), index=names, columns=names)


def _cfa_of_blocks(data: Any, blocks: Mapping[str, Sequence[str]]) -> Any:
    """Fit the CFA ``construct =~ items`` of every block with acsi's CB-SEM engine (ML)."""
    if not isinstance(blocks, Mapping) or not blocks:
        raise SpecificationError("`blocks` must be a dict: construct name -> list of its items")
    lines = []
    for name, its in blocks.items():
        its = [its] if isinstance(its, str) else list(its)
        if not its:
            raise SpecificationError(f"construct {name!r} has no items in `blocks`")
        lines.append(f"{name} =~ {' + '.join(str(i) for i in its)}")
    import acsi

    return acsi.cfa("\n".join(lines), data)


def fornell_larcker(
    res: Any,
    blocks: Mapping[str, Sequence[str]] | None = None,
    *,
    obs_var: bool = True,
    cov: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Fornell-Larcker table: sqrt(AVE) on the diagonal, construct correlations below it.

    The criterion (Fornell and Larcker 1981) holds for construct ``i`` when its sqrt(AVE)
    exceeds its correlations with every other construct. For a PLS result: seminr's table
    (score correlations). For a CB-SEM result (or estimates table): AVE as :func:`ave`
    (semTools) and the model-implied latent correlations (lavaan's ``cov.lv`` standardized);
    single-indicator factors show NaN on the diagonal. For item data with ``blocks``
    (construct -> items), the CFA of the blocks is fitted first with ``acsi.cfa`` (ML).

    Returns
    -------
    DataFrame
        Constructs x constructs; NaN above the diagonal.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"lhs": ["f", "f", "g", "g", "f"], "op": ["=~", "=~", "=~", "=~", "~~"],
    ...                     "rhs": ["a", "b", "c", "d", "g"], "est": [1.0, 1.0, 1.0, 1.0, 0.5]})
    >>> var = pd.DataFrame({"lhs": ["f", "g"], "op": ["~~", "~~"], "rhs": ["f", "g"], "est": [1.0, 1.0]})
    >>> est = pd.concat([est, var])
    >>> S = pd.DataFrame(2 * np.eye(4) + 0.0, index=list("abcd"), columns=list("abcd"))
    >>> fornell_larcker(est, cov=S).round(3).to_numpy().tolist()
    [[0.707, nan], [0.5, 0.707]]
    """
    if blocks is not None:
        res = _cfa_of_blocks(res, blocks)
    pls = _pls_result(res)
    if pls is not None:
        return pls.fornell_larcker
    _, Phi, _ = _cbsem_parts(res, obs_var, cov)
    _, av = _cr_ave(res, obs_var, cov)
    d = np.sqrt(np.diag(Phi.to_numpy()))
    C = Phi.to_numpy() / np.outer(d, d)
    k = C.shape[0]
    out = np.where(np.tril(np.ones((k, k), dtype=bool), -1), C, np.nan)
    names = list(Phi.index)
    out[np.diag_indices(k)] = [np.sqrt(av[n]) if n in av.index else np.nan for n in names]
    return pd.DataFrame(out, index=names, columns=names)
