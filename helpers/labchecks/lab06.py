"""Checks for 06_evaluation: precision and recall from a confusion matrix, the cost of a threshold,
the cheapest threshold, error analysis (a miss table by group, the fixable group), RMSE and MAE by
hand, k-fold cross-validation by hand, reading learning curves, and what to do about a measured bias
(judged against the figures the notebook measured, so a different dataset can call for another action).

The function answers are compared with :mod:`helpers.evaluation` and scikit-learn on small seeded
cases that differ from the notebook's data, so nothing hard-coded can pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers import evaluation
from helpers.checks import LabChecks, check_callable, check_close, check_shape, check_type, fail

check = LabChecks("06_evaluation")


def _pair(call: str, value: Any, labels: tuple[str, str], hint: str | None) -> tuple[float, float]:
    """Unpack an answer that should be two numbers, failing with one clear sentence otherwise."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        kind = f"a {type(value).__name__}" if not isinstance(value, (tuple, list)) else f"{len(value)} values"
        fail(f"`{call}` should return two numbers, ({', '.join(labels)}), but it returned {kind}.", hint)
    numbers = []
    for label, item in zip(labels, value):
        array = np.asarray(item, dtype=float) if np.isscalar(item) or np.ndim(item) == 0 else None
        if array is None:
            fail(f"`{label}` should be one number, but it has shape {np.shape(item)}.", hint)
        numbers.append(float(array))
    return numbers[0], numbers[1]


# --- exercise: precision and recall from a confusion matrix ---------------------------------------

PR_HINT = (
    "scikit-learn's layout is [[tn, fp], [fn, tp]] (rows = actual, columns = predicted): "
    "precision = tp / (tp + fp), recall = tp / (tp + fn)"
)

_MATRICES = [np.array([[900, 40], [10, 50]]), np.array([[15_650, 80], [12, 38]]), np.array([[7, 3], [6, 4]])]


@check.exercise(
    title="precision and recall",
    hint=PR_HINT,
    wrong=lambda: [
        (lambda m: (m[1, 1] / (m[1, 1] + m[1, 0]), m[1, 1] / (m[1, 1] + m[0, 1])),),  # swapped
        (lambda m: (m[1, 1] / (m[1, 1] + m[0, 1]), m[1, 1] / (m[1, 1] + m[0, 0])),),  # recall over tn
        (lambda m: ((m[0, 0] + m[1, 1]) / m.sum(), m[1, 1] / (m[1, 1] + m[1, 0])),),  # accuracy
        (lambda m: m[1, 1] / (m[1, 1] + m[0, 1]),),  # only precision
    ],
)
def precision_recall(fn):
    check_callable("precision_recall", fn)
    for matrix in _MATRICES:
        (tn, fp), (fn_, tp) = matrix
        expected = evaluation.Confusion(tn=tn, fp=fp, fn=fn_, tp=tp)
        precision, recall = _pair("precision_recall(matrix)", fn(matrix.copy()), ("precision", "recall"), PR_HINT)
        where = f" for the matrix {matrix.tolist()}"
        check_close(f"precision{where}", precision, expected.precision, hint=_swap_hint(precision, recall, expected))
        check_close(f"recall{where}", recall, expected.recall, hint=_swap_hint(precision, recall, expected))


def _swap_hint(precision: float, recall: float, expected: evaluation.Confusion) -> str:
    c = expected
    if np.isclose(precision, c.recall) and np.isclose(recall, c.precision):
        return "the two are swapped: precision divides by the predicted positives (column 1), recall by the actual ones (row 1)."
    accuracy = (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn)
    if np.isclose(precision, accuracy) or np.isclose(recall, accuracy):
        return "that is the accuracy, (tn + tp) / all: precision and recall look at the positives only."
    if np.isclose(recall, c.tp / (c.tp + c.tn)) or np.isclose(precision, c.tp / (c.tp + c.tn)):
        return ("tn is not a denominator here: the layout is [[tn, fp], [fn, tp]], so recall = tp / (tp + fn) "
                "and precision = tp / (tp + fp).")
    return PR_HINT


# --- exercise: the cost of a threshold ----------------------------------------------------------

COST_HINT = (
    "every flagged row costs review_cost, fraud or not (a score equal to the threshold is flagged); every "
    "fraud that is not flagged costs its amount"
)


def _cost_cases(seed: int = 606) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(y_true, scores, amounts) triples: a few frauds among many genuine rows, informative scores."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, rate in [(60, 0.2), (200, 0.05), (35, 0.3)]:
        y = (rng.random(n) < rate).astype(int)
        y[:2] = [1, 0]  # at least one of each
        scores = np.clip(0.25 + 0.35 * y + rng.normal(0, 0.2, n), 0, 1).round(4)
        # Rows, frauds and genuine ones, whose score is exactly a threshold the check tries: the text says
        # `scores >= threshold`, and only such rows tell >= from >.
        scores[2:8] = [0.3, 0.55, 0.8, 0.3, 0.55, 0.8]
        y[2:8] = [1, 1, 1, 0, 0, 0]
        amounts = rng.gamma(2.0, 60.0, n).round(2)
        cases.append((y, scores, amounts))
    return cases


def _reference_cost(y, scores, amounts, threshold, review_cost) -> float:
    predicted = (scores >= threshold).astype(int)
    return evaluation.cost_of_predictions(y, predicted, fn_cost=amounts, fp_cost=review_cost, tp_cost=review_cost)


def _wrong_costs():
    return [
        # reviews only the false alarms: a caught fraud is reviewed too
        (lambda y, s, a, t, r: r * np.sum((s >= t) & (y == 0)) + a[(y == 1) & (s < t)].sum(),),
        # a missed fraud costs a review, not its amount
        (lambda y, s, a, t, r: r * np.sum(s >= t) + r * np.sum((y == 1) & (s < t)),),
        # charges the amount of every fraud, caught or not
        (lambda y, s, a, t, r: r * np.sum(s >= t) + a[y == 1].sum(),),
        # flags the rows below the threshold
        (lambda y, s, a, t, r: r * np.sum(s < t) + a[(y == 1) & (s >= t)].sum(),),
        # > where the text says >=
        (lambda y, s, a, t, r: r * np.sum(s > t) + a[(y == 1) & (s <= t)].sum(),),
    ]


def _cost_slip(answer, y, scores, amounts, threshold, review_cost) -> str | None:
    """Name the usual mistake when ``answer`` is what it would compute, else None."""
    flagged, strict = scores >= threshold, scores > threshold
    slips = {
        "a score equal to the threshold is flagged too: `scores >= threshold`, not `>`.":
            review_cost * strict.sum() + amounts[(y == 1) & ~strict].sum(),
        "a caught fraud is reviewed too: every flagged row costs review_cost, fraud or not.":
            review_cost * (flagged & (y == 0)).sum() + amounts[(y == 1) & ~flagged].sum(),
        "a missed fraud costs its amount (it is refunded), not a review.":
            review_cost * flagged.sum() + review_cost * ((y == 1) & ~flagged).sum(),
        "only the frauds that are *not* flagged cost their amount: (y_true == 1) & ~flagged.":
            review_cost * flagged.sum() + amounts[y == 1].sum(),
        "the flags are the wrong way round: rows with scores >= threshold are flagged.":
            review_cost * (~flagged).sum() + amounts[(y == 1) & flagged].sum(),
    }
    for slip, value in slips.items():
        if np.isclose(answer, value, rtol=1e-6, atol=1e-6):
            return slip
    return None


@check.exercise(title="the cost of a threshold", hint=COST_HINT, wrong=_wrong_costs)
def threshold_cost(fn):
    check_callable("threshold_cost", fn)
    for y, scores, amounts in _cost_cases():
        for threshold, review_cost in ((0.3, 5.0), (0.55, 12.0), (0.8, 2.5)):
            answer = fn(y.copy(), scores.copy(), amounts.copy(), threshold, review_cost)
            expected = _reference_cost(y, scores, amounts, threshold, review_cost)
            if answer is None:
                fail("`threshold_cost` returned None: did the function forget to `return` the cost?")
            slip = _cost_slip(float(np.asarray(answer, dtype=float)), y, scores, amounts, threshold, review_cost)
            if slip and not np.isclose(float(np.asarray(answer, dtype=float)), expected):
                fail(f"threshold_cost(...) for {len(y)} rows at threshold {threshold} is {float(answer):,.2f}, "
                     f"not {expected:,.2f}: {slip}")
            check_close(
                f"threshold_cost(...) for {len(y)} rows at threshold {threshold} and review cost {review_cost}",
                answer, expected,
            )


# --- exercise: the cheapest threshold ------------------------------------------------------------

CHEAPEST_HINT = (
    "compute threshold_cost(...) for every threshold in `thresholds`, then return the threshold itself (not "
    "its cost, not its position) where the cost is smallest"
)


def _wrong_cheapest():
    def costs(y, s, a, r, ts):
        return np.array([_reference_cost(y, s, a, t, r) for t in ts])

    return [
        (lambda y, s, a, r, ts: ts[int(np.argmax(costs(y, s, a, r, ts)))],),  # the dearest
        (lambda y, s, a, r, ts: float(np.min(costs(y, s, a, r, ts))),),  # the cost, not the threshold
        (lambda y, s, a, r, ts: int(np.argmin(costs(y, s, a, r, ts))),),  # the position, not the threshold
        (lambda y, s, a, r, ts: 0.5,),  # the default threshold
    ]


@check.exercise(title="the cheapest threshold", hint=CHEAPEST_HINT, wrong=_wrong_cheapest)
def cheapest_threshold(fn):
    check_callable("cheapest_threshold", fn)
    thresholds = np.round(np.linspace(0.05, 0.95, 19), 2)
    for (y, scores, amounts), review_cost in zip(_cost_cases(607), (4.0, 9.0, 1.5)):
        answer = fn(y.copy(), scores.copy(), amounts.copy(), review_cost, thresholds.copy())
        check_type("the returned threshold", answer, (int, float, np.number))
        # Several thresholds can flag the same rows (same cost): any of the cheapest is right.
        curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=review_cost, tp_cost=review_cost,
                                           thresholds=thresholds)
        where = f"for {len(y)} rows with review cost {review_cost}"
        if not np.isclose(thresholds, float(answer)).any():
            fail(f"the answer {float(answer):.4g} {where} is not one of the thresholds tried: return a threshold, "
                 "not a cost or a position.")
        cost = float(curve.loc[np.isclose(curve["threshold"], float(answer)), "cost"].iloc[0])
        best = evaluation.cheapest_threshold(curve)
        if not np.isclose(cost, best["cost"]):
            fail(f"threshold {float(answer):.3g} {where} costs {cost:,.2f}, but threshold {best['threshold']:.3g} "
                 f"costs only {best['cost']:,.2f}: return the threshold with the smallest cost.")


# --- exercise: RMSE and MAE by hand ------------------------------------------------------------

ERRORS_HINT = (
    "one error per row, prediction minus truth; RMSE is the square root of the mean squared error, MAE the "
    "mean of the absolute errors; return (rmse, mae)"
)


def _regression_cases(seed: int = 608) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    cases = []
    for n in (9, 40, 3):
        y = rng.gamma(2.0, 80.0, n).round(0)
        cases.append((y, y + rng.normal(0, 30, n) + 10))  # biased, so signed errors do not cancel
    return cases


@check.exercise(
    title="RMSE and MAE",
    hint=ERRORS_HINT,
    wrong=lambda: [
        (lambda y, p: (np.mean((p - y) ** 2), np.mean(np.abs(p - y))),),  # MSE, not its root
        (lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.mean(p - y)),),  # MAE without the absolute value
        (lambda y, p: (np.mean(np.abs(p - y)), np.sqrt(np.mean((p - y) ** 2))),),  # swapped
        (lambda y, p: (np.sqrt(np.sum((p - y) ** 2)), np.sum(np.abs(p - y))),),  # sums, not means
    ],
)
def regression_errors(fn):
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    check_callable("regression_errors", fn)
    for y, predicted in _regression_cases():
        rmse, mae = _pair("regression_errors(y_true, y_pred)", fn(y.copy(), predicted.copy()), ("rmse", "mae"), ERRORS_HINT)
        where = f" for {len(y)} rows"
        expected_rmse, expected_mae = root_mean_squared_error(y, predicted), mean_absolute_error(y, predicted)
        error = predicted - y
        if np.isclose(rmse, expected_mae) and np.isclose(mae, expected_rmse):
            fail(f"rmse and mae{where} are swapped: return (rmse, mae), in that order.")
        slips = [
            ("rmse", rmse, np.mean(error ** 2), "that is the MSE: take its square root, np.sqrt(np.mean(error ** 2))."),
            ("rmse", rmse, np.sqrt(np.sum(error ** 2)), "that is the root of the *sum* of squares: take the mean first."),
            ("mae", mae, np.mean(error), "that is the mean signed error: errors of both signs cancel; take np.abs first."),
            ("mae", mae, np.sum(np.abs(error)), "that is the *sum* of the absolute errors: take their mean."),
        ]
        expected = {"rmse": expected_rmse, "mae": expected_mae}
        for label, got, value, why in slips:
            if np.isclose(got, value) and not np.isclose(value, expected[label]):
                fail(f"`{label}`{where} is {got:.6g}: {why}")
        check_close(f"rmse{where}", rmse, expected_rmse)
        check_close(f"mae{where}", mae, expected_mae)


# --- exercise: k-fold cross-validation by hand ----------------------------------------------------

KFOLD_HINT = (
    "cut the row positions 0..n-1 into k consecutive folds (the first n % k folds one row longer, as "
    "KFold(k) without shuffling); for each fold fit clone(model) on the other k-1 folds, score it on the "
    "fold with .score, and return the k scores in fold order"
)


class _Spy:
    """What a learner's cross-validation did to the models it was given: fits, scores, and on which rows.

    Rows are recognised by the first column of X, which the check fills with distinct numbers, so the
    record survives .iloc, numpy indexing, a reset index or a conversion to arrays.
    """

    def __init__(self, ids: np.ndarray, y: np.ndarray):
        self.position = {float(v): i for i, v in enumerate(ids)}
        self.y = y
        self.fits: list[dict] = []  # in call order: instance, training positions, labels aligned, scored rows

    def rows(self, X) -> np.ndarray:
        first = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else np.asarray(X)[:, 0]
        return np.array([self.position[float(v)] for v in np.asarray(first, dtype=float)])

    def fitted(self, instance, X, y) -> None:
        rows = self.rows(X)
        aligned = np.allclose(np.asarray(y, dtype=float).ravel(), self.y[rows])
        # The instance itself is kept: an id() alone could be reused by the next clone once this one is freed.
        self.fits.append({"instance": instance, "train": rows, "aligned": aligned, "test": None})

    def scored(self, instance, X) -> None:
        mine = [f for f in self.fits if f["instance"] is instance]
        if mine:  # a model scored before any fit fails in scikit-learn's own way
            mine[-1]["test"] = self.rows(X)


_SPIES: dict[str, _Spy] = {}


def _spy_model():
    """A scikit-learn regressor (a linear regression inside) that reports its fits and scores to a _Spy.

    Built in a function so that scikit-learn's base classes are imported only when the check runs.
    """
    from sklearn.base import BaseEstimator, RegressorMixin, clone
    from sklearn.linear_model import LinearRegression

    class SpyRegressor(RegressorMixin, BaseEstimator):
        def __init__(self, spy: str = "", inner=None):
            self.spy = spy  # a key of _SPIES: a string survives clone(), which deep-copies other parameters
            self.inner = inner

        def fit(self, X, y):
            _SPIES[self.spy].fitted(self, X, y)
            self.model_ = clone(self.inner if self.inner is not None else LinearRegression()).fit(np.asarray(X, dtype=float), np.asarray(y, dtype=float))
            return self

        def predict(self, X):
            _SPIES[self.spy].scored(self, X)
            return self.model_.predict(np.asarray(X, dtype=float))

    return SpyRegressor


def _kfold_cases(seed: int = 609) -> list[tuple[pd.DataFrame, pd.Series, int]]:
    """(X, y, k): X a DataFrame whose first column identifies the rows, y a Series; a shuffled, non-default
    index (as validation rows have); rows not divisible by k, so the uneven folds are tested too."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, k in ((23, 5), (40, 4), (31, 3)):
        index = rng.permutation(np.arange(1_000, 1_000 + n))
        ids = rng.permutation(n) + rng.uniform(0.1, 0.9, n)  # distinct, not in row order
        X = pd.DataFrame({"id": ids, "x1": rng.normal(size=n), "x2": rng.uniform(-1, 1, n)}, index=index)
        # A trend along the rows: folds cut in another order, or fitted on the wrong rows, score differently.
        y = pd.Series(2 * X["x1"] - X["x2"] + np.linspace(0, 3, n) + rng.normal(0, 0.5, n), index=index, name="y")
        cases.append((X, y, k))
    return cases


def _kfold_reference(X: pd.DataFrame, y: pd.Series, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import cross_val_score

    return cross_val_score(LinearRegression(), X.to_numpy(), y.to_numpy(), cv=folds)


def _fold_problem(spy: _Spy, model, n: int, k: int) -> str | None:
    """The mistake the recorded fits and scores show, as one sentence, or None when the folds are right."""
    fits = spy.fits
    if not fits:
        return "the model was never fitted: fit a clone of it on the training folds of each fold."
    if not all(f["aligned"] for f in fits):
        return ("the labels do not belong to the rows they were fitted with: X and y were shuffled (or indexed) "
                "apart. Take the same positions from both.")
    instances = [id(f["instance"]) for f in fits]  # all still alive, so distinct objects have distinct ids
    if id(model) in instances or len(set(instances)) < len(instances):
        return ("the same model object was fitted again for each fold: fit a fresh clone(model) per fold. A model "
                "that keeps state between fits (warm_start) carries what it learned on the other folds, and the "
                "caller's model is left fitted on the last fold.")
    if any(f["test"] is None for f in fits):
        return "a fitted model was never scored: score each fold's model on its held-out fold."
    if len(fits) != k:
        return f"the model was fitted {len(fits)} times for k = {k}: fit once per fold, k times."
    everything = np.arange(n)
    for f in fits:
        train, test = np.sort(f["train"]), np.sort(f["test"])
        if train.size == test.size and np.array_equal(train, test):
            return ("each model was scored on the rows it was trained on: score it on the held-out fold, the rows "
                    "left out of its training.")
        if np.intersect1d(train, test).size:
            return "the held-out fold is among the training rows: train on the other k-1 folds only."
        if not np.array_equal(np.union1d(train, test), everything):
            return ("some rows are neither in the training folds nor in the held-out fold: train on all of the "
                    "other k-1 folds.")
    tests = np.concatenate([f["test"] for f in fits])
    if np.unique(tests).size < tests.size:
        return "the folds overlap: some rows are held out twice. Every row belongs to exactly one fold."
    if tests.size < n:
        return (f"{n - tests.size} of the {n} rows are never held out: the folds must cover every row (with "
                f"n // k rows per fold, the last n % k rows are lost; give the first n % k folds one row more).")
    blocks = [np.sort(f["test"]) for f in fits]
    consecutive = all(np.array_equal(b, np.arange(b[0], b[0] + b.size)) for b in blocks)
    if not consecutive or [b[0] for b in blocks] != sorted(b[0] for b in blocks):
        return ("the folds are not consecutive blocks of rows in order: keep the row order (as KFold(k) does "
                "without shuffling), so your scores can be compared with scikit-learn's one for one.")
    if max(b.size for b in blocks) - min(b.size for b in blocks) > 1:
        return "the folds differ in size by more than one row: cut the rows into k nearly equal folds."
    return None


@check.exercise(
    title="k-fold cross-validation",
    hint=KFOLD_HINT,
    wrong=lambda: [
        # scores each fold's model on its own training rows
        (lambda model, X, y, k: [clone_fit(model, X.drop(X.index[t]), y.drop(y.index[t])).score(X.drop(X.index[t]), y.drop(y.index[t]))
                                 for t in np.array_split(np.arange(len(X)), k)],),
        # the mean, not the k scores
        (lambda model, X, y, k: float(np.mean([clone_fit(model, X.drop(X.index[t]), y.drop(y.index[t])).score(X.iloc[t], y.iloc[t])
                                              for t in np.array_split(np.arange(len(X)), k)])),),
        # the same model object refitted for every fold
        (lambda model, X, y, k: [model.fit(X.drop(X.index[t]), y.drop(y.index[t])).score(X.iloc[t], y.iloc[t])
                                 for t in np.array_split(np.arange(len(X)), k)],),
        # n // k rows per fold: the last rows are never held out
        (lambda model, X, y, k: [clone_fit(model, X.drop(X.index[t]), y.drop(y.index[t])).score(X.iloc[t], y.iloc[t])
                                 for t in (np.arange(i * (len(X) // k), (i + 1) * (len(X) // k)) for i in range(k))],),
    ],
)
def k_fold_scores(fn):
    check_callable("k_fold_scores", fn)
    spy_class = _spy_model()
    for case, (X, y, k) in enumerate(_kfold_cases()):
        key = f"case {case}"
        spy = _SPIES[key] = _Spy(X["id"].to_numpy(), y.to_numpy())
        model = spy_class(spy=key)
        try:
            answer = fn(model, X.copy(), y.copy(), k)
        finally:
            _SPIES.pop(key, None)
        where = f"for {len(X)} rows and k = {k}"
        if answer is None:
            fail("`k_fold_scores` returned None: did the function forget to `return` the scores?")
        if np.ndim(answer) == 0:
            fail(f"`k_fold_scores(...)` {where} returned one number: return the k scores, not their mean; the "
                 "spread between them is the error bar.")
        problem = _fold_problem(spy, model, len(X), k)
        if problem:
            fail(f"`k_fold_scores(...)` {where}: {problem}")
        scores = check_shape(f"k_fold_scores(...) {where}", answer, (k,))
        folds = [(np.sort(f["train"]), np.sort(f["test"])) for f in spy.fits]
        check_close(f"k_fold_scores(...) {where}", scores, _kfold_reference(X, y, folds),
                    hint="score each fold's model with model.score(X_fold, y_fold) (R² for a regressor), as "
                         "cross_val_score does")


def clone_fit(model, X, y):
    """``clone(model).fit(X, y)``: a step of the checks' wrong answers."""
    from sklearn.base import clone

    return clone(model).fit(X, y)


# --- exercise: reading learning curves ----------------------------------------------------------

DIAGNOSIS_HINT = (
    "underfitting: train and validation errors close together and both high (more rows do not help); "
    "overfitting: train error far below validation error (the model memorises its rows)"
)
_EXPECTED_DIAGNOSIS = {"shallow tree": "underfitting", "deep tree": "overfitting", "pruned tree": "good fit"}
_ALLOWED = sorted(set(_EXPECTED_DIAGNOSIS.values()))
_SPELLINGS = {"underfit": "underfitting", "underfitting": "underfitting", "overfit": "overfitting",
              "overfitting": "overfitting", "goodfit": "good fit"}


def _spelling(value) -> str:
    """One word of the diagnosis, whatever its case, spaces, hyphens or underscores."""
    text = " ".join(str(value).strip().lower().replace("-", " ").replace("_", " ").split())
    return _SPELLINGS.get(text.replace(" ", ""), text)


@check.exercise(
    title="the diagnosis",
    hint=DIAGNOSIS_HINT,
    wrong=lambda: [
        ({"shallow tree": "overfitting", "deep tree": "underfitting", "pruned tree": "good fit"},),  # swapped
        ({"shallow tree": "underfitting", "deep tree": "good fit", "pruned tree": "good fit"},),  # zero train error is no good fit
        ({"shallow tree": "good fit", "deep tree": "overfitting", "pruned tree": "good fit"},),
        ({"shallow tree": "underfitting", "deep tree": "overfitting"},),  # one model missing
    ],
)
def diagnosis(answer):
    check_type("diagnosis", answer, dict)
    missing = [name for name in _EXPECTED_DIAGNOSIS if name not in answer]
    if missing:
        fail(f"`diagnosis` has no entry for {', '.join(map(repr, missing))}: give one word for each of the three trees.")
    given_all = {name: _spelling(answer[name]) for name in _EXPECTED_DIAGNOSIS}
    if given_all["shallow tree"] == "overfitting" and given_all["deep tree"] == "underfitting":
        fail("the shallow and the deep tree are swapped: a shallow tree is too simple (both errors high, close "
             "together), a deep one memorises its rows (train error near zero, far below validation).")
    for name, expected in _EXPECTED_DIAGNOSIS.items():
        given = given_all[name]
        if given not in _ALLOWED:
            fail(f"`diagnosis[{name!r}]` is {answer[name]!r}: answer with one of {_ALLOWED}.")
        if given != expected:
            fail(f"`diagnosis[{name!r}]` is {given!r}, which the curves of the {name} do not show.")


# --- exercise: a miss table by group (error analysis) -------------------------------------------

MISS_HINT = (
    "per group: how many examples, how many of them missed, the miss rate (the group's misses over the "
    "group's rows) and the share of all misses; then sort so the group with the most misses comes first"
)
_MISS_COLUMNS = evaluation.MISS_COLUMNS


def _miss_case(sizes: dict, seed: int) -> tuple[pd.Series, pd.Series]:
    """(missed, groups): Series with a shuffled, non-default index, as validation rows have.

    ``sizes`` maps a group to (rows, misses); rows of all groups are interleaved.
    """
    rng = np.random.default_rng(seed)
    labels, flags = [], []
    for group, (rows, misses) in sizes.items():
        labels += [group] * rows
        flags += [True] * misses + [False] * (rows - misses)
    order = rng.permutation(len(labels))
    index = rng.permutation(np.arange(4_000, 4_000 + len(labels)))
    groups = pd.Series(np.asarray(labels, dtype=object)[order], index=index, name="segment")
    if all(isinstance(label, str) for label in labels):
        groups = groups.astype("str")  # pandas' text dtype, as the notebook's groups have
    missed = pd.Series(np.asarray(flags)[order], index=index, name="missed")
    return missed, groups


# Each case sorts differently by misses, by miss rate, by name and by rows, and has a group without a
# miss, so every usual slip gives a different table.
_MISS_SIZES = [
    {"north": (50, 10), "east": (8, 6), "west": (30, 3), "south": (12, 0)},
    {3: (20, 2), 1: (5, 1), 2: (40, 15), 4: (60, 0)},
    {"compromised card": (4, 3), "large amount": (9, 1), "compromised terminal": (40, 22)},
]


def _miss_cases() -> list[tuple[pd.Series, pd.Series]]:
    return [_miss_case(sizes, 616 + i) for i, sizes in enumerate(_MISS_SIZES)]


def _column_name(name) -> str:
    return " ".join(str(name).strip().lower().replace("_", " ").split())


def _as_miss_frame(answer, expected: pd.DataFrame) -> pd.DataFrame:
    """The learner's table with the four columns under their names and one row per group as its index."""
    if answer is None:
        fail("`miss_table` returned None: did the function forget to `return` the table?")
    if isinstance(answer, pd.Series):
        fail(f"`miss_table` returned a Series ({answer.name!r}): return a DataFrame with the columns "
             f"{list(_MISS_COLUMNS)}, one row per group.")
    check_type("miss_table(missed, groups)", answer, pd.DataFrame)
    frame = answer.rename(columns=_column_name)
    missing = [c for c in _MISS_COLUMNS if c not in frame.columns]
    if missing:
        fail(f"the table has no column {', '.join(map(repr, missing))}; it has {list(answer.columns)}. "
             f"Name the four columns {list(_MISS_COLUMNS)}.")
    wanted = set(expected.index)
    if set(frame.index) != wanted:
        # The group may be a column (groupby(..., as_index=False) or reset_index()): a style, not a mistake.
        for column in frame.columns.difference(list(_MISS_COLUMNS)):
            if set(frame[column]) == wanted and frame[column].is_unique:
                return frame.set_index(column)
    return frame


def _sorted_slip(frame: pd.DataFrame) -> str | None:
    misses = frame["misses"].to_numpy(dtype=float)
    if np.all(np.diff(misses) <= 0):
        return None
    rates = frame["miss rate"].to_numpy(dtype=float)
    if np.all(np.diff(rates) <= 0):
        return ("it is sorted by miss rate: sort by the number of misses, largest first. A small group can "
                "have the highest rate and still hold few of the misses; a fix helps where the misses are.")
    if np.all(np.diff(misses) >= 0):
        return "it is sorted smallest first: put the group with the most misses first (ascending=False)."
    return "it is not sorted by misses: put the group with the most misses first, then the next."


@check.exercise(
    title="the miss table",
    hint=MISS_HINT,
    wrong=lambda: [
        # the miss rate over all rows
        (lambda m, g: evaluation.miss_table(m, g).assign(**{"miss rate": lambda t: t["misses"] / len(m)}),),
        # sorted by miss rate
        (lambda m, g: evaluation.miss_table(m, g).sort_values("miss rate", ascending=False),),
        # not sorted at all
        (lambda m, g: evaluation.miss_table(m, g).sort_index(),),
        # the share of misses is the miss rate again
        (lambda m, g: evaluation.miss_table(m, g).assign(**{"share of misses": lambda t: t["miss rate"]}),),
        # the missed rows only: groups without a miss vanish, rows = misses
        (lambda m, g: evaluation.miss_table(m[m], g[m]),),
        (lambda m, g: None,),
    ],
)
def miss_table(fn):
    check_callable("miss_table", fn)
    for missed, groups in _miss_cases():
        expected = evaluation.miss_table(missed, groups)
        answer = fn(missed.copy(), groups.copy())
        frame = _as_miss_frame(answer, expected)
        where = f"for groups {sorted(expected.index, key=str)}"
        lost = sorted(set(expected.index) - set(frame.index), key=str)
        extra = sorted(set(frame.index) - set(expected.index), key=str)
        if lost and all(expected.loc[g, "misses"] == 0 for g in lost) and not extra:
            fail(f"the table {where} has no row for {lost}, a group without a miss: count every example of "
                 "each group (rows), not only the missed ones; a group with 0 misses stays in the table.")
        if lost or extra:
            fail(f"the table {where} should have one row per group, indexed by the group; it has rows "
                 f"{sorted(frame.index, key=str)}.")
        got = frame.loc[expected.index, list(_MISS_COLUMNS)].astype(float)
        rows, misses = expected["rows"].astype(float), expected["misses"].astype(float)
        total = misses.sum()
        slips = [
            ("rows", misses, "`rows` counts only the missed examples: count every example of the group."),
            ("misses", rows, "`misses` counts every row of the group (count() or size()): count the True values "
                             "of `missed` only (sum() of the booleans)."),
            ("misses", rows - misses, "`misses` counts the examples the model got right: True in `missed` is a miss."),
            ("miss rate", misses / len(missed), "the miss rate divides by all rows: divide each group's misses by "
                                                "the group's own rows."),
            ("miss rate", misses / rows * 100, "the miss rate is in percent: give it as a fraction from 0 to 1."),
            ("miss rate", misses / total, "that miss rate is the share of misses: the rate divides by the group's "
                                          "rows, the share by all misses."),
            ("share of misses", misses / rows, "the share of misses is the miss rate again: divide the group's "
                                               "misses by all misses (the share sums to 1)."),
            ("share of misses", rows / rows.sum(), "that share is the group's share of the rows: divide the "
                                                   "group's misses by all misses."),
            ("share of misses", misses / total * 100, "the share of misses is in percent: give it as a fraction "
                                                      "from 0 to 1."),
        ]
        for column, value, why in slips:
            right = expected[column].astype(float)
            if (not np.allclose(got[column], right) and np.allclose(got[column], value.astype(float))):
                fail(f"the table {where}: {why}")
        for column in _MISS_COLUMNS:
            check_close(f"the {column!r} column {where}", got[column].to_numpy(), expected[column].to_numpy(dtype=float))
        slip = _sorted_slip(frame[list(_MISS_COLUMNS)].astype(float))
        if slip:
            fail(f"the table {where} has the right numbers, but {slip}")


# --- exercise: the fixable group ------------------------------------------------------------------

DAYS = ("training days", "validation days", "test days")
FIXES = (
    "lower the threshold for every payment",
    "a more complex model on the same training days",
    "more labelled examples of the group, or a rule from what investigators know",
    "leave the group out of the evaluation",
)
FIX = FIXES[2]
ANALYSIS_HINT = (
    "analyse misses on rows the model never learned from but that are not the final test; the fixable "
    "group is the one whose fix removes the most misses; the fix must reach what the model could not learn"
)
_WRONG_FIX = {
    FIXES[0]: "a lower threshold for everyone flags thousands of genuine payments before it reaches these "
              "frauds: their scores look like genuine ones (the evidence above).",
    FIXES[1]: "a more complex model learns from the same training days, which hold no example of this "
              "group with the signal visible: no model can learn what its data never shows.",
    FIXES[3]: "leaving the group out hides the misses from the report; the frauds still happen and cost money.",
}


def _choice(value, options, what: str, *, name: str = "error_analysis") -> str:
    """The option ``value`` names, whatever its case or spacing; fails naming the options otherwise."""
    text = " ".join(str(value).strip().lower().split())
    for option in options:
        if text == " ".join(str(option).lower().split()):
            return option
    fail(f"`{name}[{what!r}]` is {value!r}: answer with one of the printed options, {list(options)}.")


@check.exercise(
    title="the fixable group",
    hint=ANALYSIS_HINT,
    wrong=lambda: [
        ({"days": "training days", "group": "b", "fix": FIX}, *_miss_case({"a": (10, 1), "b": (50, 20)}, 1)),
        ({"days": "test days", "group": "b", "fix": FIX}, *_miss_case({"a": (10, 1), "b": (50, 20)}, 1)),
        ({"days": "validation days", "group": "a", "fix": FIX}, *_miss_case({"a": (4, 3), "b": (50, 20)}, 1)),
        ({"days": "validation days", "group": "b", "fix": FIXES[0]}, *_miss_case({"a": (10, 1), "b": (50, 20)}, 1)),
        ({"days": "validation days", "group": "b"}, *_miss_case({"a": (10, 1), "b": (50, 20)}, 1)),
    ],
)
def error_analysis(answer, missed, groups):
    """``answer``: {"days": ..., "group": ..., "fix": ...}; ``missed``/``groups``: the validation misses."""
    check_type("error_analysis", answer, dict)
    absent = [key for key in ("days", "group", "fix") if key not in answer]
    if absent:
        fail(f"`error_analysis` has no entry for {', '.join(map(repr, absent))}: give the days, the group and the fix.")
    days = _choice(answer["days"], DAYS, "days")
    if days == "training days":
        fail("the model has learned from the training days: its misses there are not the misses it makes on new "
             "payments. Analyse the validation days.")
    if days == "test days":
        fail("the test days are kept for the one final check: choosing a fix from their misses makes the test "
             "score optimistic. Analyse the validation days.")
    table = evaluation.miss_table(missed, groups)
    names = {" ".join(str(g).lower().split()): g for g in table.index}
    group = names.get(" ".join(str(answer["group"]).strip().lower().split()))
    if group is None:
        fail(f"`error_analysis['group']` is {answer['group']!r}: answer with one of the groups of the table, "
             f"{list(table.index)}.")
    top = table.index[0]
    if table.loc[group, "misses"] < table.loc[top, "misses"]:
        row = table.loc[group]
        rate_note = ""
        if row["miss rate"] >= table["miss rate"].max() and group != top:
            rate_note = " It has the highest miss rate, but few rows: a rate says how often, not how many."
        fail(f"{group!r} holds {int(row['misses'])} of the {int(table['misses'].sum())} misses "
             f"({row['share of misses']:.0%}); {top!r} holds {int(table.loc[top, 'misses'])}. Fixing a group removes "
             f"at most its own misses: pick where the misses concentrate.{rate_note}")
    fix = _choice(answer["fix"], FIXES, "fix")
    if fix != FIX:
        fail(f"the fix: {_WRONG_FIX[fix]}")


# --- exercise: what to do about the bias ---------------------------------------------------------

FOUR_FIFTHS = (0.8, 1.25)  # disparate impact inside this band passes the four-fifths rule
SMALL_COST = 0.02  # an accuracy loss below 2 points is small for this decision
STRONG_PROXY = 0.9  # a column that tells sex right for 90% of people stands in for it

ACTIONS = (
    "drop sex and its proxies, then measure again",
    "keep sex and document the gap",
    "reweigh or relabel the training data",
    "stop: use no model for this decision",
)
REASONS = (
    "the model with sex widens the gap of the labels",
    "the model with sex does not widen the gap of the labels",
    "without sex, disparate impact passes the four-fifths rule",
    "without sex, disparate impact still fails the four-fifths rule",
    "dropping sex costs little accuracy",
    "a remaining column is a strong proxy for sex",
    "the model with sex is more accurate, so it is the fairer one",
)
BIAS_HINT = (
    "read the figures: does the model with sex predict a wider gap than the labels hold, does the model "
    "without sex pass the four-fifths rule (0.8 <= DI <= 1.25), what does that cost in accuracy, and is "
    "there a column that tells sex anyway?"
)


def bias_figures(findings) -> dict[str, float | str]:
    """The measured figures the decision rests on, from ``salary_gap.find_the_gap()``'s findings."""
    variants = findings.variants
    proxies = findings.proxies.drop(index=["sex"], errors="ignore")["overall"]
    return {
        "DPL (labels)": float(findings.label_report.value("DPL")),
        "DPPL with sex": float(variants.loc["with sex", "DPPL"]),
        "DI with sex": float(variants.loc["with sex", "DI"]),
        "DI without sex": float(variants.loc["without sex", "DI"]),
        "accuracy with sex": float(variants.loc["with sex", "accuracy"]),
        "accuracy without sex": float(variants.loc["without sex", "accuracy"]),
        "strongest proxy": str(proxies.idxmax()),
        "proxy accuracy": float(proxies.max()),
    }


def _truths(figures: dict) -> dict[str, tuple[bool, str]]:
    """Each reason of REASONS: whether the figures support it, and the figure that says so."""
    widens = figures["DPPL with sex"] > figures["DPL (labels)"]
    gap = f"DPPL {figures['DPPL with sex']:+.3f} with sex against DPL {figures['DPL (labels)']:+.3f} in the labels"
    low, high = FOUR_FIFTHS
    passes = low <= figures["DI without sex"] <= high
    di = f"DI without sex is {figures['DI without sex']:.3f} (the rule: {low} to {high})"
    cost = figures["accuracy with sex"] - figures["accuracy without sex"]
    acc = f"accuracy {figures['accuracy with sex']:.3f} with sex, {figures['accuracy without sex']:.3f} without"
    proxy = figures["proxy accuracy"] >= STRONG_PROXY
    prox = f"{figures['strongest proxy']} tells sex right for {figures['proxy accuracy']:.1%} of people"
    return {
        REASONS[0]: (widens, gap),
        REASONS[1]: (not widens, gap),
        REASONS[2]: (passes, di),
        REASONS[3]: (not passes, di),
        REASONS[4]: (cost < SMALL_COST, acc),
        REASONS[5]: (proxy, prox),
        REASONS[6]: (False, "accuracy measures agreement with labels that carry the gap, not fairness; " + acc),
    }


def decide_bias(figures: dict) -> tuple[str, tuple[str, ...]]:
    """The action the figures call for and the reasons it needs (the reference the check judges by)."""
    truths = _truths(figures)
    if truths[REASONS[3]][0]:
        return ACTIONS[2], (REASONS[3],)
    if truths[REASONS[1]][0]:
        return ACTIONS[1], (REASONS[1],)
    needed = (REASONS[0], REASONS[2]) + ((REASONS[5],) if truths[REASONS[5]][0] else ())
    return ACTIONS[0], needed


_WRONG_ACTION = {
    ACTIONS[0]: "dropping sex does not level the model here, or the model does not widen the gap: read DI "
                "without sex and DPPL against DPL.",
    ACTIONS[1]: "keeping sex keeps a model that predicts a wider gap than the labels hold: the model makes "
                "the bias worse, and documenting it does not undo it.",
    ACTIONS[2]: "reweighing or relabelling is for a gap the model keeps without sex; here dropping sex "
                "already passes the four-fifths rule, the simpler fix.",
    ACTIONS[3]: "stopping throws away a fix the figures show works: a model without sex passes the "
                "four-fifths rule at little cost. Stop when no fix levels the model.",
}


def _reasons(value) -> list[str]:
    """The answer's reasons as printed options (a single string counts as one reason)."""
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple, set)) else None
    if not items:
        fail("`bias_decision['reasons']` should be a list of reasons copied from the printed list.")
    return [_choice(item, REASONS, "reasons", name="bias_decision") for item in items]


@check.exercise(
    title="what to do about the bias",
    hint=BIAS_HINT,
    wrong=lambda: [
        ({"action": ACTIONS[1], "reasons": [REASONS[6]]}, _FIGURES_EXAMPLE),
        ({"action": ACTIONS[0], "reasons": [REASONS[0], REASONS[2]]}, _FIGURES_EXAMPLE),
        ({"action": ACTIONS[0], "reasons": [REASONS[0], REASONS[2], REASONS[5], REASONS[3]]}, _FIGURES_EXAMPLE),
        ({"action": ACTIONS[3], "reasons": [REASONS[0]]}, _FIGURES_EXAMPLE),
        ({"action": ACTIONS[0], "reasons": [REASONS[0], REASONS[2], REASONS[5]]},
         {**_FIGURES_EXAMPLE, "DI without sex": 0.7}),
        ({"action": ACTIONS[0]}, _FIGURES_EXAMPLE),
    ],
)
def bias_decision(answer, figures):
    """``answer``: {"action": one of ACTIONS, "reasons": a list of REASONS}; ``figures``: bias_figures()."""
    check_type("bias_decision", answer, dict)
    absent = [key for key in ("action", "reasons") if key not in answer]
    if absent:
        fail(f"`bias_decision` has no entry for {', '.join(map(repr, absent))}: give the action and its reasons.")
    action = _choice(answer["action"], ACTIONS, "action", name="bias_decision")
    truths = _truths(figures)
    reasons = _reasons(answer["reasons"])
    for reason in reasons:
        true, figure = truths[reason]
        if not true:
            fail(f"the reason {reason!r} is not what the figures say: {figure}.", BIAS_HINT)
    expected, needed = decide_bias(figures)
    if action != expected:
        fail(f"the action: {_WRONG_ACTION[action]}", BIAS_HINT)
    missing = [reason for reason in needed if reason not in reasons]
    if missing:
        why = truths[missing[0]][1]
        extra = " Dropping sex alone leaves its stand-in in the model." if missing[0] == REASONS[5] else ""
        fail(f"the action is right, but a reason it rests on is missing: {missing[0]!r} ({why}).{extra}", BIAS_HINT)


# H16's measured figures on the shipped customers (salary_gap.find_the_gap()), for the wrong answers above.
_FIGURES_EXAMPLE = {
    "DPL (labels)": 0.130, "DPPL with sex": 0.230, "DI with sex": 0.668, "DI without sex": 1.020,
    "accuracy with sex": 0.693, "accuracy without sex": 0.685, "strongest proxy": "first_name",
    "proxy accuracy": 0.982,
}
