"""Lab 06: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, root_mean_squared_error

from helpers.labchecks.lab06 import check
from variant_harness import accepts, rejects

# --- exercise 1: precision and recall ------------------------------------------------------------


def test_precision_recall_accepts_unpacking_ravel_and_slices():
    def unpack(m):
        (tn, fp), (fn, tp) = m
        return tp / (tp + fp), tp / (tp + fn)

    def ravel(m):
        tn, fp, fn, tp = np.asarray(m).ravel()
        return [float(tp / (tp + fp)), float(tp / (tp + fn))]

    accepts(check.precision_recall, unpack)
    accepts(check.precision_recall, ravel)
    accepts(check.precision_recall, lambda m: (m[1, 1] / m[:, 1].sum(), m[1, 1] / m[1].sum()))
    accepts(check.precision_recall, lambda m: tuple(np.float32([m[1][1] / (m[1][1] + m[0][1]), m[1][1] / sum(m[1])])))


def test_precision_recall_names_swaps_accuracy_and_tn():
    rejects(check.precision_recall, lambda m: (m[1, 1] / m[1].sum(), m[1, 1] / m[:, 1].sum()), hint="swapped")
    rejects(check.precision_recall, lambda m: (np.trace(m) / m.sum(), m[1, 1] / m[1].sum()), hint="accuracy")
    rejects(check.precision_recall, lambda m: (m[1, 1] / m[:, 1].sum(), m[1, 1] / (m[1, 1] + m[0, 0])),
            hint="tn is not a denominator")
    rejects(check.precision_recall, lambda m: m[1, 1] / m[:, 1].sum(), hint="should return two numbers")


# --- exercise 2: the cost of a threshold ------------------------------------------------------------


def _cost_loop(y_true, scores, amounts, threshold, review_cost):
    cost = 0.0
    for truth, score, amount in zip(y_true, scores, amounts):
        if score >= threshold:
            cost += review_cost
        elif truth == 1:
            cost += amount
    return cost


def _cost_pandas(y_true, scores, amounts, threshold, review_cost):
    frame = pd.DataFrame({"y": y_true, "score": scores, "amount": amounts})
    frame["flagged"] = frame["score"] >= threshold
    return review_cost * frame["flagged"].sum() + frame.loc[(frame["y"] == 1) & ~frame["flagged"], "amount"].sum()


def test_threshold_cost_accepts_masks_loops_where_and_pandas():
    accepts(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + a[(y == 1) & (s < t)].sum())
    accepts(check.threshold_cost, _cost_loop)
    accepts(check.threshold_cost, lambda y, s, a, t, r: np.where(s >= t, r, np.where(y == 1, a, 0.0)).sum())
    accepts(check.threshold_cost, _cost_pandas)
    accepts(check.threshold_cost, lambda y, s, a, t, r: np.float32(r) * (s >= t).sum()
            + a.astype(np.float32)[(y == 1) & (s < t)].sum())


def test_threshold_cost_names_the_strict_comparison_and_the_cost_slips():
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s > t).sum() + a[(y == 1) & (s <= t)].sum(),
            hint="`scores >= threshold`, not `>`")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * ((s >= t) & (y == 0)).sum() + a[(y == 1) & (s < t)].sum(),
            hint="a caught fraud is reviewed too")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + r * ((y == 1) & (s < t)).sum(),
            hint="costs its amount")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + a[y == 1].sum(), hint="*not* flagged")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s < t).sum() + a[(y == 1) & (s >= t)].sum(),
            hint="wrong way round")
    rejects(check.threshold_cost, lambda y, s, a, t, r: None, hint="forget to `return`")


# --- exercise 3: the cheapest threshold ----------------------------------------------------------------


def _cost(y, s, a, t, r):
    return r * (s >= t).sum() + a[(y == 1) & (s < t)].sum()


def _cheapest_loop(y, s, a, r, thresholds):
    best, best_cost = None, float("inf")
    for t in thresholds:
        cost = _cost(y, s, a, t, r)
        if cost < best_cost:
            best, best_cost = t, cost
    return best


def test_cheapest_threshold_accepts_argmin_min_loops_and_idxmin():
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: ts[int(np.argmin([_cost(y, s, a, t, r) for t in ts]))])
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: min(ts, key=lambda t: _cost(y, s, a, t, r)))
    accepts(check.cheapest_threshold, _cheapest_loop)
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: pd.Series({t: _cost(y, s, a, t, r) for t in ts}).idxmin())


def test_cheapest_threshold_names_cost_position_and_dearest():
    costs = lambda y, s, a, r, ts: np.array([_cost(y, s, a, t, r) for t in ts])  # noqa: E731
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: float(costs(y, s, a, r, ts).min()),
            hint="not a cost or a position")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: int(np.argmin(costs(y, s, a, r, ts))),
            hint="not a cost or a position")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: ts[int(np.argmax(costs(y, s, a, r, ts)))],
            hint="return the threshold with the smallest cost")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: [0.5], hint="should be an int or float")


# --- exercise 4: RMSE and MAE ------------------------------------------------------------------------


def _errors_loop(y_true, y_pred):
    squares, absolutes = 0.0, 0.0
    for truth, guess in zip(y_true, y_pred):
        squares += (guess - truth) ** 2
        absolutes += abs(guess - truth)
    return (squares / len(y_true)) ** 0.5, absolutes / len(y_true)


def test_regression_errors_accept_numpy_sklearn_loops_and_float32():
    accepts(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.mean(np.abs(p - y))))
    accepts(check.regression_errors, lambda y, p: (root_mean_squared_error(y, p), mean_absolute_error(y, p)))
    accepts(check.regression_errors, lambda y, p: (mean_squared_error(y, p) ** 0.5, mean_absolute_error(y, p)))
    accepts(check.regression_errors, _errors_loop)
    accepts(check.regression_errors, lambda y, p: tuple(np.float32([np.sqrt(np.mean((y - p) ** 2)), np.mean(np.abs(y - p))])))


def test_regression_errors_name_mse_signed_errors_sums_and_swaps():
    rejects(check.regression_errors, lambda y, p: (np.mean((p - y) ** 2), np.mean(np.abs(p - y))), hint="the MSE")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.mean(p - y)), hint="np.abs")
    rejects(check.regression_errors, lambda y, p: (np.mean(np.abs(p - y)), np.sqrt(np.mean((p - y) ** 2))), hint="swapped")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.sum((p - y) ** 2)), np.mean(np.abs(p - y))), hint="*sum* of squares")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.sum(np.abs(p - y))), hint="take their mean")


# --- exercise 5: the diagnosis -----------------------------------------------------------------------

RIGHT = {"shallow tree": "underfitting", "deep tree": "overfitting", "pruned tree": "good fit"}


def test_diagnosis_accepts_any_case_and_spelling():
    accepts(check.diagnosis, RIGHT)
    accepts(check.diagnosis, {k: v.upper() for k, v in RIGHT.items()})
    accepts(check.diagnosis, {"shallow tree": "Underfit", "deep tree": "over-fitting", "pruned tree": "good_fit"})
    accepts(check.diagnosis, dict(reversed(list(RIGHT.items()))))


def test_diagnosis_names_the_swap_and_the_tree():
    rejects(check.diagnosis, {**RIGHT, "shallow tree": "overfitting", "deep tree": "underfitting"}, hint="swapped")
    rejects(check.diagnosis, {**RIGHT, "deep tree": "good fit"}, hint="deep tree")
    rejects(check.diagnosis, {**RIGHT, "pruned tree": "high variance"}, hint="answer with one of")
    rejects(check.diagnosis, {k: v for k, v in RIGHT.items() if k != "pruned tree"}, hint="no entry for 'pruned tree'")
