"""PLSpredict: cross-validated out-of-sample prediction of a PLS path model.

Shmueli, Ray, Velasquez Estrada & Chatla (2016) and Shmueli et al. (2019): the rows are
split into ``folds`` folds (after a random shuffle, repeated ``reps`` times); for each fold
the model is estimated on the other folds (the training rows) and predicts the
indicators of the endogenous constructs of the held-out rows:

1. standardize the held-out rows with the training means and SDs (divisor n-1),
2. construct scores ``Y = Z W`` with the training outer weights,
3. predicted construct scores: ``"direct"`` (direct antecedents, seminr's ``predict_DA``)
   ``Y_hat = Y B`` with the exogenous constructs keeping their scores; ``"earliest"``
   (earliest antecedents, ``predict_EA``) propagates the scores of the purely exogenous
   constructs through the structural model in causal order,
4. predicted indicators ``X_hat = Y_hat L' * sd + mean`` (training loadings, SDs, means).

The benchmarks are the linear model (LM: an OLS regression with intercept, fitted on the
training rows, of each endogenous indicator on the indicators of the construct's direct
antecedents under ``"direct"`` or of all purely exogenous constructs under
``"earliest"``, as seminr 2.5) and the indicator average (IA: the training mean).
With ``reps > 1`` the predictions of a row are averaged over the repetitions before the
errors are computed (seminr's ``predict_pls``); in-sample predictions are the average of
the ``folds - 1`` fits in which the row was a training row.

Metrics per indicator: ``RMSE = sqrt(mean e^2)``, ``MAE = mean |e|`` of the out-of-sample
errors, and ``Q2_predict = 1 - sum (y - y_hat_PLS)^2 / sum (y - y_bar_train)^2``
(Shmueli et al. 2019; SmartPLS's Q²predict).

The whole cross-validation is one batched computation: the training moments of all
``reps x folds`` splits come from one product of 0/1 row-count vectors with the data
(:func:`acsi.plspm.batched.resample_moments`), the PLS fits from one call of the batched
kernel, the predictions and LM benchmarks from stacked matrix products.

References
----------
Shmueli, G., Ray, S., Velasquez Estrada, J. M., & Chatla, S. B. (2016). The elephant in
the room: Predictive performance of PLS models. *Journal of Business Research*, 69(10),
4552-4564. Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., Vaithilingam,
S., & Ringle, C. M. (2019). Predictive model assessment in PLS-SEM: guidelines for using
PLSpredict. *European Journal of Marketing*, 53(11), 2322-2347.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_int, make_rng
from acsi.exceptions import DataError, SpecificationError
from acsi.plspm.batched import fit_batched, make_plan, resample_moments
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.results import PLSResult
    from acsi.plspm.spec import PLSSpec

__all__ = ["PredictResult", "predict_pls", "cut_folds", "fold_assignment", "TECHNIQUES"]

TECHNIQUES: tuple[str, ...] = ("direct", "earliest")


def cut_folds(n: int, folds: int) -> np.ndarray:
    """0-based fold of each position ``0..n-1``, as R's ``cut(seq(1, n), breaks=folds)``.

    Examples
    --------
    >>> cut_folds(10, 3).tolist()
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    pos = np.arange(1, n + 1, dtype=np.float64)
    interior = 1.0 + np.arange(1, folds) * (n - 1) / folds
    return np.searchsorted(interior, pos, side="left").astype(np.intp)


def fold_assignment(n: int, folds: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """(reps, n) 0-based fold of every row: per repetition a random permutation of the rows
    cut into ``folds`` contiguous blocks (seminr's ``sample`` then ``cut``)."""
    cut = cut_folds(n, folds)
    out = np.empty((reps, n), dtype=np.intp)
    for r in range(reps):
        order = rng.permutation(n)
        out[r, order] = cut
    return out


def _check_folds(folds_indices: Any, n: int) -> np.ndarray:
    arr = np.asarray(folds_indices)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n:
        raise SpecificationError(
            f"folds_indices must have one fold label per row ({n} rows), as an array of shape "
            f"({n},) or (reps, {n}); got shape {np.shape(folds_indices)}"
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise SpecificationError("folds_indices must hold integer fold labels")
    out = np.empty(arr.shape, dtype=np.intp)
    n_folds = None
    for r, row in enumerate(arr):
        labels, inv = np.unique(row, return_inverse=True)
        if labels.size < 2:
            raise SpecificationError(f"folds_indices row {r} has {labels.size} fold(s); at least 2 are needed")
        if n_folds is not None and labels.size != n_folds:
            raise SpecificationError(
                "every row of folds_indices must use the same number of folds "
                f"(row 0 has {n_folds}, row {r} has {labels.size})"
            )
        n_folds = labels.size
        out[r] = inv
    return out


@dataclass(frozen=True, eq=False)
class PredictResult(ResultMixin):
    """PLSpredict result (returned by :meth:`acsi.plspm.results.PLSResult.predict`).

    Attributes
    ----------
    indicators : tuple of str
        The endogenous indicators (columns of the prediction arrays).
    constructs : tuple of str
        The construct of each of them.
    actual : ndarray (n, q)
        Observed values.
    pls, lm, ia : ndarray (n, q)
        Out-of-sample predictions (averaged over the repetitions) of PLS, the LM
        benchmark and the indicator average (training means).
    pls_in_sample, lm_in_sample : ndarray (n, q)
        In-sample predictions (average over the fits in which the row was a training row,
        then over the repetitions).
    folds : ndarray (reps, n)
        0-based fold of every row in every repetition.
    technique : str
    lm_predictors : str
        Predictors of the LM benchmark (``"antecedents"`` or ``"exogenous"``).
    """

    indicators: tuple[str, ...]
    constructs: tuple[str, ...]
    actual: np.ndarray
    pls: np.ndarray
    lm: np.ndarray
    ia: np.ndarray
    pls_in_sample: np.ndarray
    lm_in_sample: np.ndarray
    folds: np.ndarray
    technique: str
    lm_predictors: str = "antecedents"
    seed: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("actual", "pls", "lm", "ia", "pls_in_sample", "lm_in_sample", "folds"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))

    def __repr__(self) -> str:
        return compact_repr(
            self, indicators=len(self.indicators), folds=int(self.folds.max()) + 1,
            reps=self.folds.shape[0], technique=self.technique,
        )

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return int(self.folds.max()) + 1

    @property
    def reps(self) -> int:
        """Number of repetitions."""
        return int(self.folds.shape[0])

    def _frame(self, values: dict[str, np.ndarray]) -> pd.DataFrame:
        out = pd.DataFrame(values, index=pd.Index(self.indicators, name="indicator"))
        out.insert(0, "construct", list(self.constructs))
        return out

    @frozen_table
    def residuals(self) -> pd.DataFrame:
        """Out-of-sample PLS prediction errors ``actual - predicted`` (rows x indicators)."""
        return pd.DataFrame(self.actual - self.pls, columns=list(self.indicators))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Per endogenous indicator: ``q2_predict``, out-of-sample ``pls_rmse``, ``pls_mae``,
        ``lm_rmse``, ``lm_mae``, ``ia_rmse``, ``ia_mae``, and ``pls_minus_lm_rmse`` (negative:
        PLS predicts better than the linear model)."""
        e_pls = self.actual - self.pls
        e_lm = self.actual - self.lm
        e_ia = self.actual - self.ia
        rmse = {k: np.sqrt(np.mean(e * e, axis=0)) for k, e in (("pls", e_pls), ("lm", e_lm), ("ia", e_ia))}
        q2 = 1.0 - (e_pls * e_pls).sum(axis=0) / (e_ia * e_ia).sum(axis=0)
        return self._frame({
            "q2_predict": q2,
            "pls_rmse": rmse["pls"], "pls_mae": np.mean(np.abs(e_pls), axis=0),
            "lm_rmse": rmse["lm"], "lm_mae": np.mean(np.abs(e_lm), axis=0),
            "ia_rmse": rmse["ia"], "ia_mae": np.mean(np.abs(e_ia), axis=0),
            "pls_minus_lm_rmse": rmse["pls"] - rmse["lm"],
        })

    @frozen_table
    def in_sample(self) -> pd.DataFrame:
        """In-sample RMSE and MAE of PLS and LM per endogenous indicator (seminr's
        ``PLS_in_sample`` and ``LM_in_sample``)."""
        e_pls = self.actual - self.pls_in_sample
        e_lm = self.actual - self.lm_in_sample
        return self._frame({
            "pls_rmse": np.sqrt(np.mean(e_pls**2, axis=0)), "pls_mae": np.mean(np.abs(e_pls), axis=0),
            "lm_rmse": np.sqrt(np.mean(e_lm**2, axis=0)), "lm_mae": np.mean(np.abs(e_lm), axis=0),
        })

    def _summary(self) -> Summary:
        header = [
            ("Technique", self.technique), ("LM benchmark predictors", self.lm_predictors),
            ("Folds", self.n_folds), ("Repetitions", self.reps),
            ("Observations", self.actual.shape[0]),
        ]
        notes = [
            "Q2_predict > 0: PLS beats the training-mean benchmark; pls_rmse < lm_rmse for "
            "most indicators: high predictive power (Shmueli et al. 2019).",
        ]
        return Summary(
            title="PLSpredict (out-of-sample prediction)", header=header,
            tables=[("Out of sample", self.table), ("In sample", self.in_sample)], notes=notes,
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"predict": self.table, "in_sample": self.in_sample}


# ----------------------------------------------------------------------------- kernel
def _causal_order(inner: np.ndarray) -> list[int]:
    """Constructs with an incoming path, each after its antecedents."""
    k = inner.shape[0]
    done: np.ndarray = np.asarray(~inner.any(axis=0), dtype=bool)
    order: list[int] = []
    progressed = True
    while progressed:
        progressed = False
        for j in range(k):
            if not done[j] and all(done[i] for i in np.flatnonzero(inner[:, j])):
                order.append(j)
                done[j] = True
                progressed = True
    return order


def _predict_scores(Y: np.ndarray, B: np.ndarray, inner: np.ndarray, technique: str) -> np.ndarray:
    """Predicted construct scores (S, n, k) from scores Y (S, n, k) and paths B (S, k, k)."""
    exo = inner.any(axis=1) & ~inner.any(axis=0)  # purely exogenous (sources never targets)
    if technique == "direct":
        out = np.matmul(Y, B)
        out[:, :, exo] = Y[:, :, exo]
        return out
    out = Y.copy()
    order = _causal_order(inner)
    out[:, :, order] = 0.0
    for j in order:
        out[:, :, j] = np.matmul(out, B[:, :, j][:, :, None])[:, :, 0]
    return out


def _lm_predictions(
    X: np.ndarray, train: np.ndarray, spec: PLSSpec, endo: list[int], predictors: str
) -> np.ndarray:
    """LM benchmark predictions (S, n, q) of every row by every split's regression."""
    inner = np.asarray(spec.inner, dtype=bool)
    exo = np.flatnonzero(inner.any(axis=1) & ~inner.any(axis=0))
    block = np.asarray(spec.block)
    n = X.shape[0]
    Xc = X - X.mean(axis=0)  # centring keeps the normal equations well conditioned
    parts = []
    for j in endo:
        preds = np.flatnonzero(inner[:, j]) if predictors == "antecedents" else exo
        cols = np.flatnonzero(np.isin(block, preds))
        A = np.column_stack([np.ones(n), Xc[:, cols]])
        y = Xc[:, block == j]
        Aw = train[:, :, None] * A[None]  # (S, n, m)
        AtA = np.matmul(np.swapaxes(Aw, 1, 2), A)
        Aty = np.matmul(np.swapaxes(Aw, 1, 2), y)
        beta = np.linalg.solve(AtA, Aty)
        parts.append(np.matmul(A, beta) + X.mean(axis=0)[block == j])
    return np.concatenate(parts, axis=2)


def predict_pls(
    res: PLSResult,
    folds: int = 10,
    reps: int = 10,
    seed: Any = None,
    technique: str = "direct",
    folds_indices: Any = None,
    lm_predictors: str | None = None,
) -> PredictResult:
    """PLSpredict: k-fold cross-validated prediction of the endogenous indicators.

    Usually called as ``res.predict(...)``. The method is described in
    :mod:`acsi.plspm.predict`; given the same fold assignment the predictions equal R
    seminr's ``predict_pls`` (and the seminr PyPI port's).

    Parameters
    ----------
    res : PLSResult
    folds : int, default 10
        Number of folds (2 to the number of rows; ``folds = n`` is leave-one-out).
    reps : int, default 10
        Repetitions of the cross-validation with new random folds.
    seed : int, SeedSequence, Generator or None
        Seed of the fold assignment.
    technique : {"direct", "earliest"}, default "direct"
        Direct antecedents (seminr's ``predict_DA``) or earliest antecedents (``predict_EA``).
    folds_indices : array (n,) or (reps, n) of int, optional
        The fold of every row (in every repetition), e.g. to reproduce another program's
        split; overrides ``folds``, ``reps`` and ``seed``.
    lm_predictors : {"antecedents", "exogenous"}, optional
        Predictors of the LM benchmark: the indicators of the construct's direct
        antecedents or of all purely exogenous constructs (Shmueli et al. 2019's
        definition, SmartPLS's LM benchmark). Default: seminr's rule, ``"antecedents"``
        with ``technique="direct"`` and ``"exogenous"`` with ``"earliest"``.

    Returns
    -------
    PredictResult

    Raises
    ------
    acsi.SpecificationError
        ``folds`` < 2 or above the number of rows, ``reps`` < 1, unknown ``technique``,
        a model without structural paths, a weighted model.
    acsi.DataError
        A training split on which the PLS algorithm or the LM benchmark cannot be
        estimated.

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> res = acsi.pls('''
    ...     Image        =~ IMAG1 + IMAG2 + IMAG3
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Satisfaction ~ Image
    ... ''', load_mobi())
    >>> pr = res.predict(folds=10, reps=2, seed=1)
    >>> pr.table.index.tolist()
    ['CUSA1', 'CUSA2', 'CUSA3']
    >>> bool((pr.table["q2_predict"] > 0).all())
    True
    """
    technique = check_choice(technique, TECHNIQUES, "technique", hint="seminr's predict_DA is 'direct'")
    if lm_predictors is None:
        lm_predictors = "antecedents" if technique == "direct" else "exogenous"
    lm_predictors = check_choice(lm_predictors, ("antecedents", "exogenous"), "lm_predictors")
    spec = res.spec
    n = res.nobs
    if res.case_weights is not None:
        raise SpecificationError(
            "predict() is not defined for a weighted PLS model (PLSpredict has no weighted "
            "version in the literature); estimate the model without weights="
        )
    inner = np.asarray(spec.inner, dtype=bool)
    if not inner.any():
        raise SpecificationError("predict() needs a model with structural paths (endogenous constructs)")
    if folds_indices is not None:
        fold_ids = _check_folds(folds_indices, n)
        seed_used = None
    else:
        folds = check_int(folds, "folds", minimum=2, hint="10 is the usual choice")
        if folds > n:
            raise SpecificationError(
                f"folds={folds} is more than the {n} rows; use at most folds={n} (leave-one-out)"
            )
        reps = check_int(reps, "reps", minimum=1)
        rng = make_rng(seed)
        fold_ids = fold_assignment(n, folds, reps, rng)
        seed_used = seed if not isinstance(seed, np.random.Generator) else None
    n_reps = fold_ids.shape[0]
    k_folds = int(fold_ids.max()) + 1
    X = np.asarray(res.data.X, dtype=np.float64)
    # split s = rep * k_folds + fold; test[s, i]: row i is held out in split s
    test = (fold_ids[:, None, :] == np.arange(k_folds)[None, :, None]).reshape(-1, n)
    train = (~test).astype(np.float64)
    center = X.mean(axis=0)
    means, sds, R = resample_moments(X - center, train, center)
    plan = make_plan(spec)
    s = res.settings
    out = fit_batched(
        R, plan, scheme=s.scheme, consistent=bool(res.kernel.consistent), tol=s.tol, max_iter=s.max_iter
    )
    if out.failed.any():
        bad = int(np.flatnonzero(out.failed)[0])
        raise DataError(
            f"the PLS model could not be estimated on the training rows of fold {bad % k_folds + 1} "
            f"(repetition {bad // k_folds + 1}): it did not converge or a block has no variance "
            "there. Use fewer folds or check the data."
        )
    Z = (X[None] - means[:, None, :]) / sds[:, None, :]
    Y = np.matmul(Z, out.W)
    Yhat = _predict_scores(Y, out.B, inner, technique)
    endo = [j for j in range(spec.k) if inner[:, j].any()]
    cols = np.flatnonzero(np.isin(np.asarray(spec.block), endo))
    items = np.matmul(Yhat, np.swapaxes(out.L[:, cols, :], 1, 2)) * sds[:, None, cols] + means[:, None, cols]
    try:
        lm = _lm_predictions(X, train, spec, endo, lm_predictors)
    except np.linalg.LinAlgError as err:
        raise DataError(
            "the linear-model benchmark is singular on a training split (collinear predictor "
            "indicators or too few training rows); use fewer folds"
        ) from err
    ia = np.broadcast_to(means[:, None, cols], items.shape)

    shape = (n_reps, k_folds, n, cols.size)
    t4 = test.reshape(n_reps, k_folds, n, 1)

    def oos(a: np.ndarray) -> np.ndarray:
        return (a.reshape(shape) * t4).sum(axis=1).mean(axis=0)

    def ins(a: np.ndarray) -> np.ndarray:
        return (a.reshape(shape) * (1.0 - t4)).sum(axis=1).mean(axis=0) / (k_folds - 1)

    names = [spec.indicators[c] for c in cols]
    return PredictResult(
        indicators=tuple(names),
        constructs=tuple(spec.constructs[spec.block[c]] for c in cols),
        actual=X[:, cols],
        pls=oos(items),
        lm=oos(lm),
        ia=oos(np.asarray(ia)),
        pls_in_sample=ins(items),
        lm_in_sample=ins(lm),
        folds=fold_ids,
        technique=technique,
        lm_predictors=lm_predictors,
        seed=seed_used,
    )
