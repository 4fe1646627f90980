"""Model evaluation in the business's terms: counts, money, baselines and learning curves.

- :func:`confusion` counts a binary classifier's outcomes (:class:`Confusion`: tn, fp, fn, tp,
  with precision, recall and accuracy);
- :func:`cost_of_predictions` turns those outcomes into money with a cost per outcome, a number or
  one per row (a missed fraud costs its amount);
- :func:`threshold_costs` computes the cost of every decision threshold of a score, and
  :func:`cheapest_threshold` picks the cheapest;
- :func:`compare_classifiers` / :func:`compare_regressors` put a model next to its baselines;
- :func:`miss_table` is error analysis: where a model's misses concentrate, by group;
- :func:`learning_curve_frame` / :func:`validation_curve_frame` wrap scikit-learn's curves into
  tidy DataFrames (one row per size or parameter value, fold and split) that plot and aggregate
  easily; :func:`summarise_curve` gives their mean and standard deviation.

Conventions: label 1 is the positive class (fraud, default); a row is predicted positive when its
score is >= the threshold (as in ``sklearn.metrics.roc_curve``). Bad input raises ``ValueError``
naming the argument, what is wrong and how to fix it; inputs are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "Confusion",
    "confusion",
    "cost_of_predictions",
    "threshold_costs",
    "cheapest_threshold",
    "compare_classifiers",
    "compare_regressors",
    "miss_table",
    "learning_curve_frame",
    "validation_curve_frame",
    "summarise_curve",
    "DEFAULT_THRESHOLDS",
]

#: 0.000, 0.005, ..., 1.000: fine enough near 0, where the thresholds of rare events live.
DEFAULT_THRESHOLDS = np.round(np.linspace(0.0, 1.0, 201), 3)


# ------------------------------------------------------------------------------------- validation
def _vector(values: Any, name: str) -> np.ndarray:
    """``values`` as a 1-D array (a pandas Series or list is fine), with a clear error otherwise."""
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 2 and name == "scores":
        raise ValueError(
            f"scores has shape {array.shape} (two columns, one per class): pass the positive class's "
            "column only, model.predict_proba(X)[:, 1]."
        )
    if array.ndim != 1:
        raise ValueError(f"{name} must be one value per row (1-D), but it has shape {array.shape}: flatten it with .ravel().")
    if array.size == 0:
        raise ValueError(f"{name} is empty: pass at least one row.")
    return array


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(
            f"mismatched lengths: {described} values; pass one value per row of the same rows, in the same "
            "order (e.g. y_test with model.predict(X_test), not with X_train)."
        )


def _labels(values: Any, name: str = "y_true") -> np.ndarray:
    """0/1 labels as an int array; booleans are accepted, anything else is refused with the fix."""
    array = _vector(values, name)
    if array.dtype == bool:
        return array.astype(np.int64)
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError):
        numbers = None
    if numbers is None or not np.isin(numbers, (0.0, 1.0)).all():
        seen = pd.unique(pd.Series(array.ravel())).tolist()
        shown = sorted(map(str, seen))[:5]
        raise ValueError(
            f"{name} must hold 0/1 labels (1 = the positive class, e.g. fraud), but it holds {shown}"
            f"{' ...' if len(seen) > 5 else ''}: map it first, e.g. (y == 'Yes').astype(int), and for "
            "predictions threshold the scores, (scores >= threshold).astype(int)."
        )
    return numbers.astype(np.int64)


def _probabilities(values: Any, name: str = "scores") -> np.ndarray:
    array = _vector(values, name)
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers (probabilities in [0, 1]), got values of type {array.dtype}.") from None
    if np.isnan(numbers).any():
        raise ValueError(f"{name} has {int(np.isnan(numbers).sum())} NaN value(s): predict on rows without missing inputs (impute first).")
    outside = (numbers < 0) | (numbers > 1)
    if outside.any():
        raise ValueError(
            f"{name} must be probabilities in [0, 1], but {int(outside.sum())} value(s) are outside "
            f"(min {numbers.min():.4g}, max {numbers.max():.4g}): pass model.predict_proba(X)[:, 1], not "
            "decision_function(X) or a regressor's predictions."
        )
    return numbers


def _costs(values: Any, n: int, name: str) -> np.ndarray:
    """A cost per row, shape (n,): a number is repeated, an array must have one value per row."""
    array = np.asarray(values, dtype=float) if not isinstance(values, pd.Series) else values.to_numpy(dtype=float)
    if array.ndim == 0:
        array = np.full(n, float(array))
    elif array.ndim != 1 or len(array) != n:
        raise ValueError(
            f"{name} must be one number or one cost per row ({n} values), but it has shape {array.shape}: "
            "pass e.g. the amounts of the same rows."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} has {int((~np.isfinite(array)).sum())} missing or infinite value(s): fill them before costing.")
    if (array < 0).any():
        raise ValueError(
            f"{name} must be >= 0 (money lost per row), but {int((array < 0).sum())} value(s) are negative "
            f"(min {array.min():.4g}): give every cost as a positive amount."
        )
    return array


def _thresholds(values: Any) -> np.ndarray:
    array = _vector(values, "thresholds").astype(float)
    if not np.isfinite(array).all() or (array < 0).any() or (array > 1).any():
        raise ValueError(
            "thresholds must be numbers in [0, 1] (a probability above which a row is flagged), "
            f"got values from {np.nanmin(array):.4g} to {np.nanmax(array):.4g}: e.g. np.linspace(0, 1, 101)."
        )
    return array


# ------------------------------------------------------------------------------ confusion and money
@dataclass(frozen=True)
class Confusion:
    """The four counts of a binary classifier's outcomes (numbers of rows)."""

    tn: int
    fp: int
    fn: int
    tp: int

    @property
    def precision(self) -> float:
        """Share of the flagged rows that are positive, tp / (tp + fp); 0 when nothing is flagged."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of the positive rows that are flagged, tp / (tp + fn); 0 when there are none."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / (self.tn + self.fp + self.fn + self.tp)

    def as_frame(self) -> pd.DataFrame:
        """The 2 x 2 table in scikit-learn's layout: rows = actual 0/1, columns = predicted 0/1."""
        return pd.DataFrame(
            [[self.tn, self.fp], [self.fn, self.tp]],
            index=pd.Index(["actual 0", "actual 1"], dtype="str"),
            columns=pd.Index(["predicted 0", "predicted 1"], dtype="str"),
        )


def confusion(y_true: Any, y_pred: Any) -> Confusion:
    """Count true/false negatives/positives of 0/1 predictions ``y_pred`` against labels ``y_true``."""
    truth, predicted = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(y_true=truth, y_pred=predicted)
    return Confusion(
        tn=int(np.sum((truth == 0) & (predicted == 0))),
        fp=int(np.sum((truth == 0) & (predicted == 1))),
        fn=int(np.sum((truth == 1) & (predicted == 0))),
        tp=int(np.sum((truth == 1) & (predicted == 1))),
    )


def cost_of_predictions(
    y_true: Any, y_pred: Any, *, fn_cost: Any, fp_cost: Any, tp_cost: Any = 0.0, tn_cost: Any = 0.0
) -> float:
    """Money lost by acting on 0/1 predictions: the sum over rows of the cost of each row's outcome.

    Each cost is one number (the same for every row, e.g. a review costs $5) or an array with one
    value per row (a missed fraud costs that payment's amount). Costs are >= 0, in any currency;
    the result is in the same currency.
    """
    truth, predicted = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(y_true=truth, y_pred=predicted)
    n = len(truth)
    costs = {name: _costs(value, n, name) for name, value in
             (("fn_cost", fn_cost), ("fp_cost", fp_cost), ("tp_cost", tp_cost), ("tn_cost", tn_cost))}
    outcome_cost = np.select(
        [(truth == 1) & (predicted == 0), (truth == 0) & (predicted == 1), (truth == 1) & (predicted == 1)],
        [costs["fn_cost"], costs["fp_cost"], costs["tp_cost"]],
        default=costs["tn_cost"],
    )
    return float(outcome_cost.sum())


def threshold_costs(
    y_true: Any,
    scores: Any,
    *,
    fn_cost: Any,
    fp_cost: Any,
    tp_cost: Any = 0.0,
    tn_cost: Any = 0.0,
    thresholds: Any = None,
) -> pd.DataFrame:
    """The outcome counts and the cost of flagging ``scores >= threshold``, for every threshold.

    ``scores`` are probabilities of the positive class, shape (n,); costs as in
    :func:`cost_of_predictions`; ``thresholds`` default to :data:`DEFAULT_THRESHOLDS`. Returns one
    row per threshold (in the given order) with columns threshold, alerts, tp, fp, fn, tn,
    precision, recall and cost.
    """
    truth, probability = _labels(y_true, "y_true"), _probabilities(scores, "scores")
    _same_length(y_true=truth, scores=probability)
    grid = _thresholds(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
    n = len(truth)
    fn_c, fp_c, tp_c, tn_c = (_costs(v, n, name) for name, v in
                              (("fn_cost", fn_cost), ("fp_cost", fp_cost), ("tp_cost", tp_cost), ("tn_cost", tn_cost)))
    # Sort by score once: the rows flagged at a threshold are a suffix of that order, so every
    # count and cost is a difference of cumulative sums (exact, and fast for 200 thresholds x 100k rows).
    order = np.argsort(probability, kind="stable")
    sorted_scores, positive = probability[order], truth[order] == 1

    def suffix(values: np.ndarray) -> np.ndarray:
        return np.concatenate([np.cumsum(values[::-1])[::-1], [0.0]])

    flagged_from = np.searchsorted(sorted_scores, grid, side="left")  # first row with score >= threshold
    ones = np.ones(n)
    tp = suffix(positive * ones)[flagged_from]
    alerts = suffix(ones)[flagged_from]
    fp = alerts - tp
    fn = positive.sum() - tp
    tn = n - alerts - fn
    flagged_cost = suffix(np.where(positive, tp_c[order], fp_c[order]))  # if flagged: tp or fp
    passed_cost = suffix(np.where(positive, fn_c[order], tn_c[order]))  # if let through: fn or tn
    cost = flagged_cost[flagged_from] + passed_cost[0] - passed_cost[flagged_from]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(alerts > 0, tp / np.maximum(alerts, 1), 0.0)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
    return pd.DataFrame({
        "threshold": grid,
        "alerts": alerts.astype(np.int64),
        "tp": tp.astype(np.int64),
        "fp": fp.astype(np.int64),
        "fn": fn.astype(np.int64),
        "tn": tn.astype(np.int64),
        "precision": precision,
        "recall": recall,
        "cost": cost,
    })


def cheapest_threshold(curve: pd.DataFrame) -> pd.Series:
    """The row of a :func:`threshold_costs` table with the lowest cost.

    Ties (several thresholds flag the same rows, so cost the same) go to the highest threshold:
    the same money for the fewest alerts.
    """
    if not isinstance(curve, pd.DataFrame) or not {"threshold", "cost"} <= set(curve.columns):
        raise ValueError("cheapest_threshold needs the table of threshold_costs(...), with columns 'threshold' and 'cost'.")
    if curve.empty:
        raise ValueError("cheapest_threshold got an empty table: compute threshold_costs on at least one threshold.")
    cheapest = curve[np.isclose(curve["cost"], curve["cost"].min(), rtol=1e-12, atol=1e-9)]
    return cheapest.loc[cheapest["threshold"].idxmax()]


# ------------------------------------------------------------------------------------- baselines
def compare_classifiers(
    y_true: Any,
    predictions: Mapping[str, Any],
    *,
    fn_cost: Any = None,
    fp_cost: Any = None,
    tp_cost: Any = 0.0,
) -> pd.DataFrame:
    """One row per named 0/1 prediction: accuracy, precision, recall, alerts (rows flagged) and,
    when ``fn_cost`` and ``fp_cost`` are given, the cost (as in :func:`cost_of_predictions`).

    Put the baselines (always 0, a simple rule) next to the model: a metric means little alone.
    """
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError("predictions must be a dict {name: 0/1 predictions}, e.g. {'always genuine': ..., 'model': ...}.")
    if (fn_cost is None) != (fp_cost is None):
        raise ValueError("give both fn_cost and fp_cost to add a cost column (or neither).")
    rows = {}
    for name, predicted in predictions.items():
        counts = confusion(y_true, _labels(predicted, f"predictions[{name!r}]"))
        row = {"accuracy": counts.accuracy, "precision": counts.precision, "recall": counts.recall,
               "alerts": counts.tp + counts.fp}
        if fn_cost is not None:
            row["cost"] = cost_of_predictions(y_true, predicted, fn_cost=fn_cost, fp_cost=fp_cost, tp_cost=tp_cost)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.Index(list(rows), dtype="str", name="model")
    return table


def compare_regressors(y_true: Any, predictions: Mapping[str, Any]) -> pd.DataFrame:
    """One row per named prediction: RMSE and MAE (in the target's unit) and R².

    The mean predictor (``DummyRegressor``) has R² = 0 on its own training rows: a model must beat it.
    """
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError("predictions must be a dict {name: predictions}, e.g. {'mean': ..., 'model': ...}.")
    truth = _vector(y_true, "y_true").astype(float)
    rows = {}
    for name, predicted in predictions.items():
        values = _vector(predicted, f"predictions[{name!r}]").astype(float)
        _same_length(y_true=truth, **{f"predictions[{name!r}]": values})
        if not np.isfinite(values).all():
            raise ValueError(f"predictions[{name!r}] has missing or infinite values: predict on complete rows.")
        rows[name] = {"RMSE": root_mean_squared_error(truth, values), "MAE": mean_absolute_error(truth, values),
                      "R²": r2_score(truth, values)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.Index(list(rows), dtype="str", name="model")
    return table


# -------------------------------------------------------------------------------- error analysis
MISS_COLUMNS = ("rows", "misses", "miss rate", "share of misses")


def miss_table(missed: Any, groups: Any) -> pd.DataFrame:
    """Error analysis: one row per group, where the misses concentrate first.

    ``missed`` is one boolean per example (True: the model got it wrong), ``groups`` one group label
    per example, both of shape (n,) and in the same order (pandas Series are aligned by position, so
    any index works). Columns: ``rows`` (examples in the group), ``misses``, ``miss rate`` (misses /
    rows, 0..1) and ``share of misses`` (the group's misses / all misses, 0..1: the most a fix of this
    group can remove). Sorted by ``misses``, largest first; ties keep the groups' sorted order.
    """
    flags = _vector(missed, "missed")
    if flags.dtype != bool:
        if not np.isin(flags, [0, 1]).all():
            raise ValueError("missed must be True/False (or 0/1) per example, e.g. y_pred != y_true.")
        flags = flags.astype(bool)
    labels = _vector(groups, "groups")
    _same_length(missed=flags, groups=labels)
    frame = pd.DataFrame({"group": labels, "missed": flags})
    table = frame.groupby("group", sort=True).agg(rows=("missed", "size"), misses=("missed", "sum"))
    table["miss rate"] = table["misses"] / table["rows"]
    total = table["misses"].sum()
    table["share of misses"] = table["misses"] / total if total else 0.0
    return table.sort_values("misses", ascending=False, kind="stable")


# --------------------------------------------------------------------------------------- curves
def _metric(scoring: Any) -> tuple[str, float]:
    """The metric's name and the sign that makes it read naturally (errors positive)."""
    if not isinstance(scoring, str):
        raise ValueError(
            f"scoring must be a scikit-learn scorer name such as 'roc_auc' or 'neg_root_mean_squared_error', "
            f"got {scoring!r}: the name labels the curves."
        )
    from sklearn.metrics import get_scorer_names

    if scoring not in get_scorer_names():
        raise ValueError(f"scoring {scoring!r} is not a scikit-learn scorer; see sklearn.metrics.get_scorer_names().")
    # scikit-learn maximises, so errors come negated ("neg_..."): flip them back to the usual unit.
    return (scoring.removeprefix("neg_"), -1.0) if scoring.startswith("neg_") else (scoring, 1.0)


def _tidy(x_name: str, x_values: Sequence, train: np.ndarray, validation: np.ndarray, metric: str, sign: float) -> pd.DataFrame:
    frames = []
    for split, scores in (("train", train), ("validation", validation)):
        n_x, n_folds = scores.shape
        frames.append(pd.DataFrame({
            x_name: np.repeat(np.asarray(x_values), n_folds),
            "fold": np.tile(np.arange(n_folds), n_x),
            "split": pd.Series([split] * (n_x * n_folds), dtype="str"),
            "metric": pd.Series([metric] * (n_x * n_folds), dtype="str"),
            "score": sign * scores.ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def learning_curve_frame(
    estimator, X, y, *, train_sizes: Any = (0.1, 0.325, 0.55, 0.775, 1.0), cv: Any = 5,
    scoring: str, seed: int = 42,
) -> pd.DataFrame:
    """Train and validation scores of ``estimator`` refitted on growing training sets.

    Wraps ``sklearn.model_selection.learning_curve`` (training subsets drawn after a seeded
    shuffle). Returns a tidy DataFrame: columns train_size (rows), fold, split ("train" /
    "validation"), metric (the scorer's name, "neg_" dropped) and score (errors as positive numbers).
    A large train-validation gap that closes as rows grow means overfitting (more data helps); two
    close but poor curves mean underfitting (a richer model helps).
    """
    from sklearn.model_selection import learning_curve

    metric, sign = _metric(scoring)
    sizes, train, validation = learning_curve(
        estimator, X, y, train_sizes=train_sizes, cv=cv, scoring=scoring, shuffle=True, random_state=seed,
    )
    return _tidy("train_size", sizes, train, validation, metric, sign)


def validation_curve_frame(
    estimator, X, y, *, param_name: str, param_range: Sequence, cv: Any = 5, scoring: str
) -> pd.DataFrame:
    """Train and validation scores of ``estimator`` for each value of one hyperparameter.

    Wraps ``sklearn.model_selection.validation_curve``; ``param_name`` uses scikit-learn's
    ``step__parameter`` names for pipelines (e.g. ``"model__max_depth"``). Same tidy columns as
    :func:`learning_curve_frame`, with ``param_name``'s values in a column named ``"value"``.
    """
    from sklearn.model_selection import validation_curve

    metric, sign = _metric(scoring)
    values = list(param_range)
    if not values:
        raise ValueError("param_range is empty: give the hyperparameter values to try, e.g. range(1, 15).")
    if param_name not in estimator.get_params():
        raise ValueError(
            f"{param_name!r} is not a parameter of this estimator; for a pipeline write 'step__parameter', "
            f"e.g. one of {sorted(k for k in estimator.get_params() if '__' in k)[:5]}."
        )
    train, validation = validation_curve(estimator, X, y, param_name=param_name, param_range=values, cv=cv, scoring=scoring)
    # An unlimited depth (None) cannot sit on a numeric axis: keep values as objects then.
    column = values if any(v is None for v in values) else np.asarray(values)
    return _tidy("value", column, train, validation, metric, sign)


def summarise_curve(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over folds of a curve frame, one row per x value and split."""
    if not isinstance(frame, pd.DataFrame) or not {"split", "score", "fold"} <= set(frame.columns):
        raise ValueError("summarise_curve needs the frame of learning_curve_frame or validation_curve_frame.")
    x = "train_size" if "train_size" in frame.columns else "value"
    # Group on positions, not values: pandas would turn a None (unlimited depth) into NaN.
    raw = frame[x].tolist()
    uniques = list(dict.fromkeys(raw))
    position = {value: i for i, value in enumerate(uniques)}
    codes = [position[value] for value in raw]
    summary = frame.assign(_code=codes).groupby(["_code", "split"], sort=False)["score"].agg(["mean", "std"]).reset_index()
    labels = [uniques[code] for code in summary["_code"]]
    summary.insert(0, x, pd.Series(labels, dtype=frame[x].dtype))
    return summary.drop(columns="_code")
