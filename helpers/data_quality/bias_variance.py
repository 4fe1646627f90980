"""The bias-variance trade-off measured, on a synthetic problem whose truth is known.

For squared loss, the expected error of a model trained on a random training set, at a random
test point, splits into three parts:

    expected error = bias² + variance + noise

- **bias²**: how far the *average* model (over many training sets) is from the truth;
- **variance**: how much the models trained on different training sets disagree;
- **noise**: the part no model can remove (the label's own randomness, known here: ``noise_sd²``).

:func:`decompose` trains the same model on many training sets (bootstrap resamples of one set, as
one would with real data, or fresh draws from the problem) and measures each part on a fixed test
set; :func:`bias_variance_table` does it for growing complexity (polynomial degree, tree depth),
:func:`plot_bias_variance` draws it and :func:`summary` says it in words::

    from helpers.data_quality import bias_variance as bv
    table = bv.bias_variance_table(bv.polynomial_model, range(1, 10))
    bv.plot_bias_variance(table, xlabel="polynomial degree"); print(bv.summary(table, "degree"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

__all__ = [
    "SyntheticProblem",
    "polynomial_model",
    "tree_model",
    "decompose",
    "bias_variance_table",
    "plot_bias_variance",
    "summary",
]

SAMPLINGS = ("bootstrap", "fresh")


def _sine(x: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * x)


@dataclass(frozen=True)
class SyntheticProblem:
    """y = truth(x) + Normal(0, noise_sd²), with x ~ Uniform(low, high); one feature, no units.

    ``truth`` maps an array of x (shape (n,)) to the true y (shape (n,)); the default is sin(πx) on
    [-1, 1], a curve a straight line underfits and a high-degree polynomial chases the noise of.
    """

    truth: Callable[[np.ndarray], np.ndarray] = _sine
    noise_sd: float = 0.3
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self):
        if not np.isscalar(self.noise_sd) or self.noise_sd < 0:
            raise ValueError(f"noise_sd must be a number >= 0 (the standard deviation of the label noise), got {self.noise_sd!r}.")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high}): x is drawn from [low, high].")

    @property
    def noise(self) -> float:
        """The irreducible error of squared loss: the noise variance, in y's unit squared."""
        return float(self.noise_sd) ** 2

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` examples: X (shape (n, 1)), noisy y (n,) and the true f(x) (n,)."""
        x = rng.uniform(self.low, self.high, n)
        f = np.asarray(self.truth(x), dtype=float)
        return x.reshape(-1, 1), f + rng.normal(0.0, self.noise_sd, n), f


def polynomial_model(degree: int):
    """Least squares on x, x², ..., x^degree (a scikit-learn pipeline); more degree, more flexible."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    if not isinstance(degree, (int, np.integer)) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}.")
    return make_pipeline(PolynomialFeatures(int(degree), include_bias=False), LinearRegression())


def tree_model(depth: int):
    """A regression tree of at most ``depth`` levels (at most 2^depth steps); deeper, more flexible."""
    from sklearn.tree import DecisionTreeRegressor

    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}.")
    return DecisionTreeRegressor(max_depth=int(depth), random_state=0)


def _check_counts(n_train: int, n_test: int, n_fits: int) -> None:
    for name, value, minimum in (("n_train", n_train, 5), ("n_test", n_test, 10), ("n_fits", n_fits, 2)):
        if not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def decompose(model: Any, *, problem: SyntheticProblem | None = None, n_train: int = 40, n_test: int = 1000,
              n_fits: int = 100, sampling: str = "fresh", seed: int = 42) -> dict[str, float]:
    """Bias², variance, noise and expected error of ``model`` (an unfitted scikit-learn regressor).

    One seeded test set of ``n_test`` points; ``n_fits`` training sets of ``n_train`` rows: fresh
    draws from the problem (``sampling="fresh"``, the definition, possible because the problem is
    known) or bootstrap resamples of one drawn set (``"bootstrap"``, what real data allows). A
    bootstrap's average model is a bagged model of that one set, so its bias² also holds that set's
    luck: it does not fall with complexity as the definition's does (compare both in a notebook).
    The same seed gives the same draws for every model, so complexities are compared on the same data.

    Returns (all in y's unit squared): ``bias2`` = mean over test points of (average prediction -
    truth)², less the part of it the finite number of fits explains (variance / n_fits; so it can
    dip just below 0 where the true bias is 0); ``variance`` = mean over test points of the
    predictions' variance across fits (ddof=1); ``noise`` =
    ``problem.noise`` (known); ``expected_error`` = mean squared error against the noisy test labels,
    averaged over fits (measured, independently of the three parts); ``total`` = bias2 + variance +
    noise, which equals expected_error up to the test noise's sampling error (exactly when
    ``noise_sd`` is 0).
    """
    from sklearn.base import clone

    problem = SyntheticProblem() if problem is None else problem
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling {sampling!r} is unknown: use 'bootstrap' (resample one set) or 'fresh' (new draws).")
    _check_counts(n_train, n_test, n_fits)
    rng = np.random.default_rng(seed)
    X_test, y_test, f_test = problem.sample(n_test, rng)
    X_once, y_once, _ = problem.sample(n_train, rng)
    predictions = np.empty((n_fits, n_test))
    for b in range(n_fits):
        if sampling == "bootstrap":
            rows = rng.integers(0, n_train, n_train)
            X_train, y_train = X_once[rows], y_once[rows]
        else:
            X_train, y_train, _ = problem.sample(n_train, rng)
        predictions[b] = clone(model).fit(X_train, y_train).predict(X_test)
    average = predictions.mean(axis=0)
    variance = float(np.mean(predictions.var(axis=0, ddof=1)))
    # The average of n_fits models still wobbles by variance / n_fits around the true average model;
    # left in, that wobble would pass for bias and make it rise again with complexity.
    bias2 = float(np.mean((average - f_test) ** 2)) - variance / n_fits
    expected = float(np.mean((predictions - y_test) ** 2))
    return {"bias2": bias2, "variance": variance, "noise": problem.noise, "expected_error": expected,
            "total": bias2 + variance + problem.noise}


def bias_variance_table(make_model: Callable[[Any], Any], complexities: Iterable[Any], **options: Any) -> pd.DataFrame:
    """:func:`decompose` for ``make_model(c)`` at each complexity ``c`` (same options, same draws).

    One row per complexity, in the given order: complexity, bias2, variance, noise, expected_error, total.
    """
    values = list(complexities)
    if not values:
        raise ValueError("complexities is empty: give the values to try, e.g. range(1, 13) for polynomial degrees.")
    if not callable(make_model):
        raise TypeError(f"make_model must be a function of the complexity that returns a model, e.g. "
                        f"bias_variance.polynomial_model; got {type(make_model).__name__}.")
    rows = [{"complexity": c, **decompose(make_model(c), **options)} for c in values]
    return pd.DataFrame(rows, columns=["complexity", "bias2", "variance", "noise", "expected_error", "total"])


def _need_table(table: Any) -> None:
    needed = {"complexity", "bias2", "variance", "noise", "expected_error"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns) or table.empty:
        raise ValueError("this needs the table of bias_variance_table(...) (columns complexity, bias2, variance, noise, expected_error).")


def plot_bias_variance(table: pd.DataFrame, ax=None, *, xlabel: str = "model complexity", log_y: bool = True,
                       title: str | None = None):
    """Bias², variance, noise and expected error against complexity on ``ax`` (or a new one); returns it.

    Colours from :data:`helpers.plots.PALETTE`; every line also has its own line style and marker
    (the second cue), and the complexity with the lowest expected error is marked. On the log axis
    (``log_y``) a bias² estimate at or below 0 is drawn at the axis' floor (a tenth of the smallest
    other value): the bias is zero within the sampling error of the fits.
    """
    from helpers.plots import LINESTYLES, PALETTE

    _need_table(table)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots()[1]
    x = table["complexity"].to_numpy()
    lines = (("expected error (measured)", "expected_error", "o"), ("bias²", "bias2", "s"),
             ("variance", "variance", "^"), ("noise (irreducible)", "noise", None))
    floor = None
    if log_y:
        # A bias² estimate at or below 0 (the true bias is ~0, within the fits' sampling error) has no
        # place on a log axis: draw it at a floor well below everything else instead of dropping it.
        positive = table[["expected_error", "variance", "noise"]].to_numpy().ravel()
        positive = positive[positive > 0]
        floor = float(positive.min()) / 10 if positive.size else 1e-6
    for i, (label, column, marker) in enumerate(lines):
        values = table[column].to_numpy(dtype=float)
        if floor is not None:
            values = np.maximum(values, floor)
        ax.plot(x, values, color=PALETTE[i], linestyle=LINESTYLES[i % len(LINESTYLES)], marker=marker, label=label)
    best = table["complexity"].iloc[int(np.argmin(table["expected_error"].to_numpy()))]
    ax.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"lowest error: {best}")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("squared error (y's unit²)")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def summary(table: pd.DataFrame, name: str = "complexity") -> str:
    """The figure in words: the best complexity with its three parts, and what dominates at each end."""
    _need_table(table)
    rows = table.to_dict("records")
    best = rows[int(np.argmin(table["expected_error"].to_numpy()))]
    first, last = rows[0], rows[-1]

    def parts(row) -> str:
        return f"bias² {row['bias2']:.3f} + variance {row['variance']:.3f} + noise {row['noise']:.3f}"

    def dominant(row) -> str:
        return "bias² dominates: underfitting" if row["bias2"] >= row["variance"] else "variance dominates: overfitting"

    return (f"Lowest expected error {best['expected_error']:.3f} at {name} {best['complexity']} ({parts(best)}). "
            f"At {name} {first['complexity']}: error {first['expected_error']:.3f}, {dominant(first)}. "
            f"At {name} {last['complexity']}: error {last['expected_error']:.3f}, {dominant(last)}.")
