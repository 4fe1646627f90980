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
