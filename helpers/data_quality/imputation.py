"""Imputation strategies compared on the same data, the same model and the same folds.

Every strategy runs inside a scikit-learn ``Pipeline`` (scale -> impute -> model) that
``cross_validate`` refits on each training fold, so the imputer learns its means, neighbours or
regressions from training rows only: nothing about a validation fold leaks into the values that
fill it. Each strategy is tried without and with a missing indicator (``add_indicator=True``: one
0/1 column per column that had gaps), which lets the model use the *fact* that a value was missing,
the useful signal when values are missing not at random. (For a linear model, with the indicator
the fill value no longer matters: mean and median then score the same, since the indicator's
coefficient absorbs any constant.)

- :func:`mask_not_at_random` makes a complete table gappy in a seeded, documented way;
- :func:`boston_with_gaps` is the course's example: Boston house values with the lower-status share,
  the rooms and the crime rate missing more often where they are extreme;
- :func:`fill_errors` compares the values each strategy fills in with the true ones (known here);
- :func:`imputation_scores` (one row per strategy, indicator and fold) and
  :func:`compare_imputers` (mean and standard deviation over the folds) do the comparison::

    X, y, X_complete = imputation.boston_with_gaps()
    table = imputation.compare_imputers(X, y, complete=X_complete)
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "BOSTON_GAPS",
    "STRATEGIES",
    "make_imputers",
    "mask_not_at_random",
    "boston_with_gaps",
    "imputation_scores",
    "compare_imputers",
    "fill_errors",
]

#: The strategies :func:`make_imputers` builds, in the order the tables list them.
STRATEGIES = ("mean", "median", "knn", "iterative")
#: The reference row of :func:`compare_imputers` when the complete table is given.
COMPLETE = "complete data (no gaps)"

#: Boston's gaps: column -> (highest probability of being missing, which values go missing more).
#: "high": the probability grows linearly with the value's percentile rank, from 0 for the smallest
#: value to the given maximum for the largest (poor tracts report their lower-status share less often,
#: crime is under-reported where it is high); "low": the same from the largest value down (small homes).
BOSTON_GAPS: dict[str, tuple[float, str]] = {"lstat": (0.6, "high"), "rm": (0.6, "low"), "crim": (0.4, "high")}


def make_imputers(seed: int = 42) -> dict[str, Any]:
    """Unfitted imputers by name: mean, median (``SimpleImputer``), knn (``KNNImputer``, 5 neighbours,
    distance on standardised columns), iterative (``IterativeImputer``: each column with gaps
    regressed on the others, round after round, seeded)."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (makes IterativeImputer importable)
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    return {
        "mean": SimpleImputer(strategy="mean"),
        "median": SimpleImputer(strategy="median"),
        "knn": KNNImputer(n_neighbors=5),
        "iterative": IterativeImputer(max_iter=10, random_state=seed),
    }


def _numeric_frame(X: Any, where: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{where} needs a pandas DataFrame of features, got a {type(X).__name__}: wrap it, pd.DataFrame(X).")
    text = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if text:
        raise TypeError(
            f"{where}: column(s) {text} are not numbers; these imputers average numbers. Encode them first "
            "(one-hot, helpers.features.make_preprocessor) or leave them out."
        )
    return X.astype("float64")


def mask_not_at_random(X: pd.DataFrame, gaps: Mapping[str, tuple[float, str]], *, seed: int = 19) -> pd.DataFrame:
    """A copy of ``X`` with values removed, more often the more extreme they are (missing not at random).

    ``gaps`` maps a column to ``(maximum probability, "high" | "low")``: each value is removed with
    probability maximum x its percentile rank (``"high"``: large values go missing most) or maximum x
    (1 - rank) (``"low"``), so on average about maximum / 2 of the column. One seeded draw per value.
    """
    X = _numeric_frame(X, "mask_not_at_random")
    unknown = [c for c in gaps if c not in X.columns]
    if unknown:
        raise KeyError(f"mask_not_at_random: no column {unknown} (the table has {list(X.columns)}).")
    rng = np.random.default_rng(seed)
    out = X.copy()
    for column, (maximum, side) in gaps.items():
        if side not in ("high", "low") or not 0 < maximum <= 1:
            raise ValueError(f"gaps[{column!r}] = {(maximum, side)!r}: give (a probability in (0, 1], 'high' or 'low').")
        rank = X[column].rank(pct=True).to_numpy()
        probability = maximum * (rank if side == "high" else 1 - rank)
        out.loc[rng.random(len(X)) < probability, column] = np.nan
    return out


def boston_with_gaps(seed: int = 19) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Boston's 12 features with :data:`BOSTON_GAPS` removed, the target and the complete features.

    Returns ``(X, y, X_complete)``: X and X_complete are 506 rows x 12 columns (``crim`` and
    ``lstat`` as natural logs, their skew removed as a linear model needs), y is ``medv`` in $1,000s.
    About 20% of ``crim``, 30% of ``rm`` and 30% of ``lstat`` are missing, at the extremes.
    """
    from helpers import data

    table = data.load("boston")
    y = table.pop("medv").astype("float64")
    complete = table.astype("float64")
    complete["crim"] = np.log(complete["crim"])
    complete["lstat"] = np.log(complete["lstat"])
    return mask_not_at_random(complete, BOSTON_GAPS, seed=seed), y, complete


def _pipeline(imputer: Any, model: Any):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Scaling first (it ignores gaps and keeps them) so that KNN's distances weigh columns alike.
    steps = [StandardScaler()] + ([clone(imputer)] if imputer is not None else []) + [clone(model)]
    return make_pipeline(*steps)


def _scorer(scoring: str) -> tuple[str, float]:
    from sklearn.metrics import get_scorer_names

    if scoring not in get_scorer_names():
        raise ValueError(f"scoring {scoring!r} is not a scikit-learn scorer: e.g. 'neg_root_mean_squared_error' or 'r2'.")
    # scikit-learn maximises, so errors come negated: flip them back to the usual unit.
    return (scoring.removeprefix("neg_"), -1.0) if scoring.startswith("neg_") else (scoring, 1.0)


def imputation_scores(X: pd.DataFrame, y: Any, *, model: Any = None, imputers: Mapping[str, Any] | None = None,
                      cv: Any = None, scoring: str = "neg_root_mean_squared_error", seed: int = 42,
                      complete: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per strategy, indicator (False, True) and fold: the validation score of that fold.

    ``model`` defaults to ``LinearRegression``; ``imputers`` to :func:`make_imputers` (any imputer
    with an ``add_indicator`` parameter works); ``cv`` to 5 shuffled folds seeded with ``seed`` (the
    same folds for every strategy); ``complete`` (the table before the gaps, same rows) adds a
    reference row. Columns: strategy, indicator, fold, metric ("neg_" dropped), score (errors positive).
    """
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import KFold, check_cv, cross_validate

    X = _numeric_frame(X, "imputation_scores")
    y = pd.Series(np.asarray(y), index=X.index) if not isinstance(y, pd.Series) else y
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must describe the same rows.")
    if y.isna().any():
        raise ValueError(f"y has {int(y.isna().sum())} missing values: a label cannot be imputed; drop those rows first.")
    if not X.isna().any().any():
        raise ValueError("X has no missing values: nothing to impute. Make gaps first (mask_not_at_random) or pick gappy columns.")
    if complete is not None and (not isinstance(complete, pd.DataFrame) or complete.shape != X.shape or complete.isna().any().any()):
        raise ValueError("complete must be the same table without gaps: same rows and columns as X, no missing values.")
    model = LinearRegression() if model is None else model
    imputers = make_imputers(seed) if imputers is None else dict(imputers)
    # One splitter object, its folds fixed by the seed: every strategy is judged on the same rows.
    folds = check_cv(KFold(5, shuffle=True, random_state=seed) if cv is None else cv)
    metric, sign = _scorer(scoring)
    runs = [(name, indicator, imputer) for name, imputer in imputers.items() for indicator in (False, True)]
    frames = []
    for name, indicator, imputer in runs:
        # A clone: the caller's imputer keeps its own add_indicator setting.
        pipeline = _pipeline(clone(imputer).set_params(add_indicator=indicator), model)
        scores = cross_validate(pipeline, X, y, cv=folds, scoring=scoring, error_score="raise")["test_score"]
        frames.append(_rows(name, indicator, scores * sign, metric))
    if complete is not None:
        scores = cross_validate(_pipeline(None, model), _numeric_frame(complete, "complete"), y, cv=folds,
                                scoring=scoring, error_score="raise")["test_score"]
        frames.append(_rows(COMPLETE, False, scores * sign, metric))
    return pd.concat(frames, ignore_index=True)


def _rows(strategy: str, indicator: bool, scores: np.ndarray, metric: str) -> pd.DataFrame:
    n = len(scores)
    return pd.DataFrame({"strategy": pd.Series([strategy] * n, dtype="str"), "indicator": [indicator] * n,
                         "fold": np.arange(n), "metric": pd.Series([metric] * n, dtype="str"), "score": scores})


def compare_imputers(X: pd.DataFrame, y: Any, **options: Any) -> pd.DataFrame:
    """Mean and standard deviation over the folds of :func:`imputation_scores` (same options).

    One row per strategy and indicator, in the order run: columns strategy, indicator, metric,
    mean, std (over folds, ddof=1) and folds (how many). Lower is better for an error metric.
    """
    scores = imputation_scores(X, y, **options)
    summary = scores.groupby(["strategy", "indicator", "metric"], sort=False)["score"].agg(["mean", "std", "count"])
    return summary.rename(columns={"count": "folds"}).reset_index()


def fill_errors(X: pd.DataFrame, complete: pd.DataFrame, *, imputers: Mapping[str, Any] | None = None,
                seed: int = 42) -> pd.DataFrame:
    """How close each strategy's filled-in values come to the true ones, per column with gaps.

    Each imputer (default :func:`make_imputers`) fills ``X`` after standardising (as in the
    pipelines); the filled cells are compared with ``complete`` in the column's own unit. No label and
    no model are involved, so fitting on every row is fair here (it is not a score of a model).
    Returns one row per strategy and column: strategy, column, filled (cells), rmse and bias (mean
    filled - mean true: negative when the strategy fills in values too small, as the mean does when
    large values went missing).
    """
    from sklearn.base import clone
    from sklearn.preprocessing import StandardScaler

    X = _numeric_frame(X, "fill_errors")
    if not isinstance(complete, pd.DataFrame) or complete.shape != X.shape or complete.isna().any().any():
        raise ValueError("complete must be the same table without gaps: same rows and columns as X, no missing values.")
    imputers = make_imputers(seed) if imputers is None else dict(imputers)
    gaps = X.isna()
    if not gaps.any().any():
        raise ValueError("X has no missing values: nothing was filled in. Make gaps first (mask_not_at_random).")
    scaler = StandardScaler().fit(X)
    rows = []
    for name, imputer in imputers.items():
        filled = scaler.inverse_transform(clone(imputer).set_params(add_indicator=False).fit_transform(scaler.transform(X)))
        filled = pd.DataFrame(filled, index=X.index, columns=X.columns)
        for column in X.columns[gaps.any()]:
            cells = gaps[column]
            error = filled.loc[cells, column] - complete.loc[cells, column].astype("float64")
            rows.append({"strategy": name, "column": column, "filled": int(cells.sum()),
                         "rmse": float(np.sqrt(np.mean(error**2))), "bias": float(error.mean())})
    return pd.DataFrame(rows).astype({"strategy": "str", "column": "str"})
