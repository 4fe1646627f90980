"""Binning a numeric column, and what it does to a linear model, measured.

A linear model gives a number one slope: salary rises by the same amount for every year of age,
rentals by the same amount for every hour of the day. Cutting the number into bins and one-hot
encoding them gives the model one level per bin instead: a step function that can rise and fall
(salaries flatten after fifty-five; rentals peak at 8:00 and 17:00). The price: a jump at each edge,
no order between the bins, and more coefficients to learn (too many bins, too few rows per bin).

- :func:`bin_column`: a column cut into labelled intervals (``pd.cut`` / ``pd.qcut``) to look at:
  ``"uniform"`` (equal width), ``"quantile"`` (equal counts) or ``"edges"`` (edges that mean
  something in the domain, e.g. age bands or the parts of a day);
- :func:`binned_means`: the target's mean per bin, the step a binned linear model can draw;
- :func:`make_binner`: the same three strategies as a scikit-learn transformer (``KBinsDiscretizer``,
  or fixed edges) whose edges are learned on training rows only, inside a pipeline;
- :func:`compare_binning`: cross-validated error of the same linear model with the column raw and binned
  each way (same seeded folds); :func:`customers_for_binning` and :func:`bikeshare_for_binning` give the
  course's two examples::

    X, y = binning.bikeshare_for_binning()
    binning.compare_binning(X, y, "hour", n_bins=6, edges=binning.DAY_PARTS)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "AGE_BANDS",
    "DAY_PARTS",
    "STRATEGIES",
    "bin_column",
    "binned_means",
    "make_binner",
    "compare_binning",
    "customers_for_binning",
    "bikeshare_for_binning",
]

STRATEGIES = ("uniform", "quantile", "edges")
#: Age bands (years) as surveys use them: [18, 25), [25, 35), ..., [65, 120).
AGE_BANDS = (18, 25, 35, 45, 55, 65, 120)
#: Parts of a day (hours): night [0, 6), morning rush [6, 10), day [10, 16), evening rush [16, 20), evening [20, 24).
DAY_PARTS = (0, 6, 10, 16, 20, 24)


def _numbers(values: Any, name: str = "values") -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be one column, got a table: pass frame['column'].")
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    if not pd.api.types.is_numeric_dtype(series):
        raise TypeError(f"{name} holds {series.dtype} values: binning cuts numbers; convert first (pd.to_numeric).")
    return series.astype("float64")


def _check_edges(edges: Any) -> np.ndarray:
    if edges is None:
        raise ValueError("strategy 'edges' needs edges=[...], e.g. binning.AGE_BANDS or binning.DAY_PARTS.")
    array = np.asarray(edges, dtype=float).ravel()
    if array.size < 3 or not np.all(np.diff(array) > 0):
        raise ValueError(f"edges must be at least 3 increasing numbers (2 bins or more), got {list(edges)!r}.")
    return array


def _check_bins(n_bins: Any) -> int:
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}.")
    return int(n_bins)


def bin_column(values: Any, strategy: str = "quantile", *, n_bins: int = 5, edges: Sequence[float] | None = None) -> pd.Series:
    """``values`` cut into bins: a categorical Series of intervals (e.g. ``[25.0, 35.0)``), index kept.

    ``"uniform"``: ``n_bins`` bins of equal width over the range; ``"quantile"``: ``n_bins`` bins of
    about equal counts (fewer when values repeat); ``"edges"``: the given edges, left-closed
    ([18, 25) holds 18 and 24.9). Missing values stay missing; a value outside the edges is an error.
    """
    series = _numbers(values)
    known = series.dropna()
    if known.nunique() < 2:
        raise ValueError("binning needs at least two different known values.")
    if strategy == "uniform":
        return pd.cut(series, _check_bins(n_bins), include_lowest=True)
    if strategy == "quantile":
        return pd.qcut(series, _check_bins(n_bins), duplicates="drop")
    if strategy == "edges":
        bounds = _check_edges(edges)
        outside = known[(known < bounds[0]) | (known >= bounds[-1])]
        if len(outside):
            raise ValueError(
                f"{len(outside)} value(s) fall outside the edges [{bounds[0]:g}, {bounds[-1]:g}), e.g. "
                f"{outside.head(3).tolist()}: widen the first or last edge (np.inf works) or fix those values first."
            )
        return pd.cut(series, bounds, right=False)
    raise ValueError(f"strategy {strategy!r} is unknown: use one of {', '.join(STRATEGIES)}.")


def binned_means(values: Any, y: Any, bins: pd.Series) -> pd.DataFrame:
    """Per bin (from :func:`bin_column`): rows, the mean of ``values`` and the mean of ``y``.

    The means of ``y`` are the step function a linear model on the one-hot bins can draw (with no
    other feature). Columns: bin, rows, mean_x, mean_y; one row per bin in order (empty bins: 0, NaN).
    """
    x, target = _numbers(values), _numbers(y, "y")
    if not (len(x) == len(target) == len(bins)):
        raise ValueError(f"values ({len(x)}), y ({len(target)}) and bins ({len(bins)}) must describe the same rows.")
    frame = pd.DataFrame({"bin": pd.Series(np.asarray(bins), dtype=bins.dtype), "x": x.to_numpy(), "y": target.to_numpy()})
    table = frame.groupby("bin", observed=False).agg(rows=("x", "size"), mean_x=("x", "mean"), mean_y=("y", "mean"))
    return table.reset_index()


def _bin_index(X: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Bin number of every value given the inner edges (values beyond the outer edges join the end bins)."""
    return np.digitize(np.asarray(X, dtype=float), inner)


def make_binner(strategy: str = "quantile", *, n_bins: int = 5, edges: Sequence[float] | None = None):
    """An unfitted transformer: one column of numbers -> one-hot bins (a 0/1 column per bin).

    ``"uniform"`` / ``"quantile"``: ``KBinsDiscretizer``, whose edges are learned from the rows it is
    fitted on (in a pipeline: the training fold). ``"edges"``: fixed edges, nothing learned; a value
    below the first or above the last edge joins the first or last bin, since a model must answer
    for every input.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, KBinsDiscretizer, OneHotEncoder

    if strategy in ("uniform", "quantile"):
        extra = {"quantile_method": "averaged_inverted_cdf"} if strategy == "quantile" else {}
        return KBinsDiscretizer(n_bins=_check_bins(n_bins), encode="onehot-dense", strategy=strategy, **extra)
    if strategy == "edges":
        inner = _check_edges(edges)[1:-1]
        every_bin = [list(range(len(inner) + 1))]
        return make_pipeline(FunctionTransformer(_bin_index, kw_args={"inner": inner}),
                             OneHotEncoder(categories=every_bin, sparse_output=False))
    raise ValueError(f"strategy {strategy!r} is unknown: use one of {', '.join(STRATEGIES)}.")


def _model(column: str, others: list[str], binner: Any, estimator: Any):
    from sklearn.base import clone
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    numeric = others + ([column] if binner is None else [])
    parts = [("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)] if numeric else []
    if binner is not None:
        parts.append(("binned", make_pipeline(SimpleImputer(strategy="median"), clone(binner)), [column]))
    return make_pipeline(ColumnTransformer(parts), clone(estimator))


def compare_binning(X: pd.DataFrame, y: Any, column: str, *, n_bins: int = 5, edges: Sequence[float] | None = None,
                    model: Any = None, cv: Any = None, scoring: str = "neg_root_mean_squared_error",
                    seed: int = 42) -> pd.DataFrame:
    """Cross-validated score of one linear model with ``column`` raw, then binned each way.

    Every other column of ``X`` (numbers) enters as it is (median-imputed, standardised); ``column``
    enters raw (one slope) or as one-hot bins: ``uniform`` and ``quantile`` with ``n_bins``, and
    ``edges`` when edges are given. ``model`` defaults to ``LinearRegression``; ``cv`` to 5 shuffled
    folds seeded with ``seed``, the same for every variant; every learned step is inside the pipeline.

    Returns one row per variant: variant, bins (columns the model sees for ``column`` in the first
    fold: quantile bins that would be empty, where values repeat, are merged), metric
    ("neg_" dropped), mean and std over folds (errors positive, in y's unit).
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import get_scorer_names
    from sklearn.model_selection import KFold, check_cv, cross_validate

    if not isinstance(X, pd.DataFrame) or column not in X.columns:
        raise KeyError(f"compare_binning needs a DataFrame with column {column!r}"
                       + (f"; it has {list(X.columns)}." if isinstance(X, pd.DataFrame) else "."))
    text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if text:
        raise TypeError(f"column(s) {text} are not numbers: one-hot encode them first (pd.get_dummies) or leave them out.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must describe the same rows.")
    if scoring not in get_scorer_names():
        raise ValueError(f"scoring {scoring!r} is not a scikit-learn scorer: e.g. 'neg_root_mean_squared_error' or 'r2'.")
    X = X.astype("float64")
    others = [c for c in X.columns if c != column]
    variants: list[tuple[str, Any]] = [("raw (one slope)", None),
                                       (f"uniform, {_check_bins(n_bins)} bins", make_binner("uniform", n_bins=n_bins)),
                                       (f"quantile, {n_bins} bins", make_binner("quantile", n_bins=n_bins))]
    if edges is not None:
        variants.append((f"domain edges {list(edges)}", make_binner("edges", edges=edges)))
    folds = check_cv(KFold(5, shuffle=True, random_state=seed) if cv is None else cv)
    estimator = LinearRegression() if model is None else model
    sign = -1.0 if scoring.startswith("neg_") else 1.0
    rows = []
    for name, binner in variants:
        result = cross_validate(_model(column, others, binner, estimator), X, y, cv=folds, scoring=scoring,
                                error_score="raise", return_estimator=True)
        scores = sign * result["test_score"]
        # The columns the model really saw for `column` (quantile bins merge where values repeat).
        first = result["estimator"][0][0]
        bins = first.transform(X.head(1)).shape[1] - len(others)
        rows.append({"variant": name, "bins": int(bins), "metric": scoring.removeprefix("neg_"),
                     "mean": scores.mean(), "std": scores.std(ddof=1)})
    return pd.DataFrame(rows).astype({"variant": "str", "metric": "str"})


def customers_for_binning() -> tuple[pd.DataFrame, pd.Series]:
    """The cleaned customers as numbers: X = country one-hot, is_female, age (years); y = salary (USD a year).

    Built with ``helpers.cleaning.clean_customers`` and ``helpers.features.seed_table``; missing
    ages and sexes stay missing (the pipelines impute them). Salary rises with age and flattens
    after the mid-fifties: a curve one slope cannot follow.
    """
    from helpers import cleaning, data, features

    clean, _ = cleaning.clean_customers(data.load("messy_customers"))
    table = features.seed_table(clean, as_of=cleaning.CUSTOMERS_AS_OF)
    X = table.drop(columns=["salary", "birth_month", "birth_dayofweek"]).astype("float64")
    return X, table["salary"].astype("float64")


def bikeshare_for_binning() -> tuple[pd.DataFrame, pd.Series]:
    """Bikeshare's hours as numbers: X = hour (0-23), workingday, temp, hum, windspeed; y = bikers (rentals an hour)."""
    from helpers import data

    table = data.load("bikeshare")
    X = table[["hr", "workingday", "temp", "hum", "windspeed"]].rename(columns={"hr": "hour"}).astype("float64")
    return X, table["bikers"].astype("float64")
