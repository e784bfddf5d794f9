"""CVPAT: the cross-validated predictive ability test of a PLS path model.

Liengaard et al. (2021) and Sharma et al. (2023), as R seminrExtras's ``assess_cvpat``
and ``assess_cvpat_compare``. The out-of-sample errors come from PLSpredict
(:mod:`acsi.plspm.predict`, the same folds for every model and benchmark). The loss of
observation i for endogenous construct c is the mean of its squared prediction errors
over the construct's indicators, ``L_ic = mean_j e_ij^2``; the overall loss of i is the
mean of ``L_ic`` over the endogenous constructs (equal weights). With ``D_i = L_i(benchmark)
- L_i(PLS)`` (positive when PLS predicts better) the test statistic is

* ``test="t"`` (Liengaard et al. 2021): the paired t test ``T = mean(D) / (sd(D) / sqrt(n))``,
* ``test="bootstrap"`` (Sharma et al. 2023; seminrExtras's "Boot T value"):
  ``T = mean(D) / sd(mean(D*_b))`` with ``D*_b`` the b-th bootstrap resample of the
  centred losses ``D - mean(D)``,

with p-values from the t distribution with n - 1 degrees of freedom (two-sided, or
one-sided for ``alternative="greater"``: H1 the PLS model predicts better).

The benchmarks are the linear model (LM, from PLSpredict) and the indicator average
(IA). As in seminrExtras the IA benchmark predicts every row by the full-sample mean of
the indicator (Liengaard et al. use the training-fold mean; PLSpredict's ``ia_rmse`` and
``q2_predict`` use the training means).

References
----------
Liengaard, B. D., Sharma, P. N., Hult, G. T. M., Jensen, M. B., Sarstedt, M., Hair, J. F.,
& Ringle, C. M. (2021). Prediction: coveted, yet forsaken? Introducing a cross-validated
predictive ability test in partial least squares path modeling. *Decision Sciences*,
52(2), 362-392. Sharma, P. N., Liengaard, B. D., Hair, J. F., Sarstedt, M., & Ringle, C. M.
(2023). Predictive model assessment and selection in composite-based modeling using
PLS-SEM: extensions and guidelines for using CVPAT. *European Journal of Marketing*, 57(6),
1662-1677.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._lazy import stats as _stats
from acsi._validation import check_choice, check_int, make_rng
from acsi.exceptions import SpecificationError
from acsi.plspm.predict import PredictResult, predict_pls
from acsi.results.base import ResultMixin, Summary, compact_repr, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.results import PLSResult

__all__ = ["CVPATResult", "cvpat", "cvpat_compare", "cvpat_test", "construct_losses"]

BENCHMARKS: tuple[str, ...] = ("LM", "IA")
TESTS: tuple[str, ...] = ("t", "bootstrap")
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater")
COLUMNS = ["benchmark", "construct", "pls_loss", "benchmark_loss", "diff", "t", "df", "pvalue"]


def construct_losses(errors: np.ndarray, constructs: tuple[str, ...]) -> pd.DataFrame:
    """Per-observation loss of every construct (mean squared error over its indicators)
    and the ``Overall`` loss (mean over the constructs): an (n, c + 1) frame."""
    names = list(dict.fromkeys(constructs))
    cols = np.asarray(constructs)
    loss = {c: np.mean(errors[:, cols == c] ** 2, axis=1) for c in names}
    frame = pd.DataFrame(loss)
    frame["Overall"] = frame[names].mean(axis=1)
    return frame


def cvpat_test(
    d: np.ndarray, test: str = "t", alternative: str = "two-sided", boot: np.ndarray | None = None
) -> tuple[float, float]:
    """Test statistic and p-value for paired loss differences ``d`` (benchmark minus model).

    ``boot`` (n_boot, n) are 0-based row draws for ``test="bootstrap"``.

    Examples
    --------
    >>> import numpy as np
    >>> t, p = cvpat_test(np.array([0.1, 0.3, 0.2, 0.4]))
    >>> round(t, 4), round(p, 4)
    (3.873, 0.0305)
    """
    n = d.size
    dbar = float(d.mean())
    if test == "t":
        se = float(d.std(ddof=1)) / np.sqrt(n)
    else:
        if boot is None:
            raise SpecificationError("test='bootstrap' needs the bootstrap rows (boot)")
        dbars = (d - dbar)[boot].mean(axis=1)
        se = float(dbars.std(ddof=1))
    t = dbar / se if se > 0 else float("nan")
    if alternative == "greater":
        p = float(_stats.t.sf(t, n - 1))
    else:
        p = float(2.0 * _stats.t.sf(abs(t), n - 1))
    return float(t), p


@dataclass(frozen=True, eq=False)
class CVPATResult(ResultMixin):
    """CVPAT result (from :meth:`acsi.plspm.results.PLSResult.cvpat` or :func:`cvpat_compare`).

    Attributes
    ----------
    losses : dict of str to DataFrame
        Per-observation losses (n x constructs + ``Overall``) of the model (``"PLS"``),
        of each benchmark, or of the two models (``"model1"``, ``"model2"``).
    rows : tuple
        The test rows (benchmark, construct, loss, benchmark loss, diff, t, df, p).
    test, alternative : str
    prediction : PredictResult
        The PLSpredict run whose errors were tested (the first model's, when comparing).
    """

    _losses: dict[str, pd.DataFrame]
    rows: tuple[tuple[Any, ...], ...]
    test: str
    alternative: str
    prediction: PredictResult
    n_boot: int = 0

    @property
    def losses(self) -> dict[str, pd.DataFrame]:
        """Per-observation losses (copies): n x (constructs + ``Overall``) per model/benchmark."""
        return {k: v.copy() for k, v in self._losses.items()}

    def __repr__(self) -> str:
        return compact_repr(self, test=self.test, alternative=self.alternative, rows=len(self.rows))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """One row per benchmark and endogenous construct (plus ``Overall``): ``pls_loss``,
        ``benchmark_loss``, ``diff = pls_loss - benchmark_loss`` (negative: PLS predicts
        better), ``t`` (positive: PLS predicts better), ``df`` and ``pvalue``. When two
        models are compared, ``benchmark`` is ``"model2"`` and ``pls_loss`` is model 1's."""
        return pd.DataFrame(list(self.rows), columns=COLUMNS)

    def _summary(self) -> Summary:
        kind = ("paired t test (Liengaard et al. 2021)" if self.test == "t"
                else f"bootstrap t test, {self.n_boot} resamples (Sharma et al. 2023)")
        header = [("Test", kind), ("Alternative", self.alternative),
                  ("Folds x repetitions", f"{self.prediction.n_folds} x {self.prediction.reps}")]
        notes = ["diff < 0 with a small p-value: the PLS model predicts better than the benchmark."]
        return Summary(title="CVPAT (cross-validated predictive ability test)", header=header,
                       tables=[("CVPAT", self.table.set_index(["benchmark", "construct"]))], notes=notes)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"cvpat": self.table}


def _options(test: Any, alternative: Any, n_boot: Any) -> tuple[str, str, int]:
    test = check_choice(test, TESTS, "test", hint="'t' is Liengaard et al.'s, 'bootstrap' Sharma et al.'s")
    alternative = check_choice(alternative, ALTERNATIVES, "alternative")
    n_boot = check_int(n_boot, "n_boot", minimum=2)
    return test, alternative, n_boot


def _boot(rng: np.random.Generator, n: int, n_boot: int, test: str, boot_indices: Any) -> np.ndarray | None:
    if test != "bootstrap":
        return None
    if boot_indices is not None:
        b = np.asarray(boot_indices)
        if b.ndim != 2 or b.shape[1] != n or not np.issubdtype(b.dtype, np.integer) or b.min() < 0 or b.max() >= n:
            raise SpecificationError(
                f"boot_indices must be an integer array (n_boot, {n}) of 0-based row positions"
            )
        return b
    return rng.integers(0, n, size=(n_boot, n))


def _rows(label: str, model: pd.DataFrame, bench: pd.DataFrame, test: str, alternative: str,
          boot: np.ndarray | None) -> list[tuple[Any, ...]]:
    out = []
    n = len(model)
    for c in model.columns:
        d = bench[c].to_numpy() - model[c].to_numpy()
        t, p = cvpat_test(d, test, alternative, boot)
        a, b = float(model[c].mean()), float(bench[c].mean())
        out.append((label, c, a, b, a - b, t, n - 1, p))
    return out


def cvpat(
    res: PLSResult,
    folds: int = 10,
    reps: int = 10,
    seed: Any = None,
    benchmark: str | tuple[str, ...] = BENCHMARKS,
    test: str = "t",
    alternative: str = "two-sided",
    n_boot: int = 2000,
    technique: str = "direct",
    folds_indices: Any = None,
    boot_indices: Any = None,
    lm_predictors: str | None = None,
) -> CVPATResult:
    """CVPAT of a PLS model against the LM and IA benchmarks (seminrExtras's ``assess_cvpat``).

    Usually called as ``res.cvpat(...)``; the method is described in :mod:`acsi.plspm.cvpat`.

    Parameters
    ----------
    res : PLSResult
    folds, reps, technique, folds_indices, lm_predictors
        As :func:`acsi.plspm.predict.predict_pls`.
    seed : int, SeedSequence, Generator or None
        One generator draws the folds, then the bootstrap resamples.
    benchmark : "LM", "IA" or a tuple of them, default both
    test : {"t", "bootstrap"}, default "t"
    alternative : {"two-sided", "greater"}, default "two-sided"
        ``"greater"``: H1 the benchmark's loss is greater (the PLS model predicts better).
    n_boot : int, default 2000
        Bootstrap resamples for ``test="bootstrap"``.
    boot_indices : array (n_boot, n), optional
        0-based rows of each bootstrap resample (to reproduce another program's draws).

    Returns
    -------
    CVPATResult

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> res = acsi.pls('''
    ...     Image        =~ IMAG1 + IMAG2 + IMAG3
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Satisfaction ~ Image
    ... ''', load_mobi())
    >>> tab = res.cvpat(seed=1, reps=2).table
    >>> tab[["benchmark", "construct"]].values.tolist()
    [['LM', 'Satisfaction'], ['LM', 'Overall'], ['IA', 'Satisfaction'], ['IA', 'Overall']]
    >>> bool(tab.set_index(["benchmark", "construct"]).loc[("IA", "Overall"), "pvalue"] < 0.05)
    True
    """
    test, alternative, n_boot = _options(test, alternative, n_boot)
    names = (benchmark,) if isinstance(benchmark, str) else tuple(benchmark)
    if not names:
        raise SpecificationError("benchmark must name at least one of 'LM', 'IA'")
    for b in names:
        check_choice(b, BENCHMARKS, "benchmark")
    rng = make_rng(seed)
    pr = predict_pls(res, folds=folds, reps=reps, seed=rng, technique=technique, folds_indices=folds_indices,
                     lm_predictors=lm_predictors)
    n = pr.actual.shape[0]
    boot = _boot(rng, n, n_boot, test, boot_indices)
    full_mean = np.asarray(res.data.X).mean(axis=0)[[res.spec.indicators.index(i) for i in pr.indicators]]
    pls = construct_losses(pr.actual - pr.pls, pr.constructs)
    losses = {"PLS": pls}
    rows: list[tuple[Any, ...]] = []
    for b in names:
        err = pr.actual - (pr.lm if b == "LM" else full_mean[None, :])
        losses[b] = construct_losses(err, pr.constructs)
        rows += _rows(b, pls, losses[b], test, alternative, boot)
    return CVPATResult(_losses=losses, rows=tuple(rows), test=test, alternative=alternative,
                       prediction=pr, n_boot=n_boot if boot is not None else 0)


def cvpat_compare(
    res1: PLSResult,
    res2: PLSResult,
    folds: int = 10,
    reps: int = 10,
    seed: Any = None,
    test: str = "t",
    alternative: str = "two-sided",
    n_boot: int = 2000,
    technique: str = "direct",
    folds_indices: Any = None,
    boot_indices: Any = None,
) -> CVPATResult:
    """CVPAT comparison of two PLS models (seminrExtras's ``assess_cvpat_compare``).

    Both models must be estimated on the same rows and share their endogenous constructs
    and indicators (only the exogenous part may differ, Sharma et al. 2023); both are
    cross-validated with the same folds. ``diff = loss(model 1) - loss(model 2)``; the test
    statistic is positive when model 1 predicts better.

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> m = "Image =~ IMAG1 + IMAG2 + IMAG3\\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\\n"
    >>> a = acsi.pls(m + "Value =~ PERV1 + PERV2\\nSatisfaction ~ Image + Value", load_mobi())
    >>> b = acsi.pls(m + "Satisfaction ~ Image", load_mobi())
    >>> cvpat_compare(a, b, seed=1, reps=2).table["construct"].tolist()
    ['Satisfaction', 'Overall']
    """
    test, alternative, n_boot = _options(test, alternative, n_boot)
    if res1.nobs != res2.nobs or not np.array_equal(np.asarray(res1.data.index), np.asarray(res2.data.index)):
        raise SpecificationError("the two models must be estimated on the same rows of the same data")
    rng = make_rng(seed)
    pr1 = predict_pls(res1, folds=folds, reps=reps, seed=rng, technique=technique, folds_indices=folds_indices)
    pr2 = predict_pls(res2, technique=technique, folds_indices=pr1.folds)
    if sorted(zip(pr1.indicators, pr1.constructs)) != sorted(zip(pr2.indicators, pr2.constructs)):
        raise SpecificationError(
            "CVPAT compares only models with the same endogenous constructs and indicators "
            f"(model 1: {', '.join(pr1.indicators)}; model 2: {', '.join(pr2.indicators)})"
        )
    order = [pr2.indicators.index(i) for i in pr1.indicators]
    l1 = construct_losses(pr1.actual - pr1.pls, pr1.constructs)
    l2 = construct_losses((pr2.actual - pr2.pls)[:, order], pr1.constructs)
    boot = _boot(rng, pr1.actual.shape[0], n_boot, test, boot_indices)
    rows = _rows("model2", l1, l2, test, alternative, boot)
    return CVPATResult(_losses={"model1": l1, "model2": l2}, rows=tuple(rows), test=test,
                       alternative=alternative, prediction=pr1, n_boot=n_boot if boot is not None else 0)
