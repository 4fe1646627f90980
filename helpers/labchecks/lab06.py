"""Checks for 06_evaluation: precision and recall from a confusion matrix, the cost of a threshold,
the cheapest threshold, RMSE and MAE by hand, and reading learning curves.

The function answers are compared with :mod:`helpers.evaluation` and scikit-learn on small seeded
cases that differ from the notebook's data, so nothing hard-coded can pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import evaluation
from helpers.checks import LabChecks, check_callable, check_close, check_type, fail

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
    if np.isclose(precision, expected.recall) and np.isclose(recall, expected.precision):
        return "the two are swapped: precision divides by the predicted positives (column 1), recall by the actual ones (row 1)."
    return PR_HINT


# --- exercise: the cost of a threshold ----------------------------------------------------------

COST_HINT = (
    "flagged = scores >= threshold; every flagged row costs review_cost; every fraud not flagged costs "
    "its amount: review_cost * flagged.sum() + amounts[(y_true == 1) & ~flagged].sum()"
)


def _cost_cases(seed: int = 606) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(y_true, scores, amounts) triples: a few frauds among many genuine rows, informative scores."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, rate in [(60, 0.2), (200, 0.05), (35, 0.3)]:
        y = (rng.random(n) < rate).astype(int)
        y[:2] = [1, 0]  # at least one of each
        scores = np.clip(0.25 + 0.35 * y + rng.normal(0, 0.2, n), 0, 1).round(4)
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
    ]


@check.exercise(title="the cost of a threshold", hint=COST_HINT, wrong=_wrong_costs)
def threshold_cost(fn):
    check_callable("threshold_cost", fn)
    for y, scores, amounts in _cost_cases():
        for threshold, review_cost in ((0.3, 5.0), (0.55, 12.0), (0.8, 2.5)):
            answer = fn(y.copy(), scores.copy(), amounts.copy(), threshold, review_cost)
            expected = _reference_cost(y, scores, amounts, threshold, review_cost)
            check_close(
                f"threshold_cost(...) for {len(y)} rows at threshold {threshold} and review cost {review_cost}",
                answer, expected, rtol=1e-9, atol=1e-6,
            )


# --- exercise: the cheapest threshold ------------------------------------------------------------

CHEAPEST_HINT = (
    "compute threshold_cost(...) for every threshold in `thresholds` (a list comprehension), then return "
    "the threshold at the position of the smallest cost: thresholds[np.argmin(costs)]"
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
    "error = y_pred - y_true; rmse = np.sqrt(np.mean(error ** 2)); mae = np.mean(np.abs(error)); return (rmse, mae)"
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
        check_close(f"rmse{where}", rmse, root_mean_squared_error(y, predicted))
        check_close(f"mae{where}", mae, mean_absolute_error(y, predicted))


# --- exercise: reading learning curves ----------------------------------------------------------

DIAGNOSIS_HINT = (
    "underfitting: train and validation errors close together and both high (more rows do not help); "
    "overfitting: train error far below validation error (the model memorises its rows)"
)
_EXPECTED_DIAGNOSIS = {"shallow tree": "underfitting", "deep tree": "overfitting", "pruned tree": "good fit"}
_ALLOWED = sorted(set(_EXPECTED_DIAGNOSIS.values()))


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
    for name, expected in _EXPECTED_DIAGNOSIS.items():
        given = str(answer[name]).strip().lower()
        if given not in _ALLOWED:
            fail(f"`diagnosis[{name!r}]` is {answer[name]!r}: answer with one of {_ALLOWED}.")
        if given != expected:
            fail(f"`diagnosis[{name!r}]` is {given!r}, which the curves of the {name} do not show.")
