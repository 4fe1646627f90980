"""Checks for 06_evaluation: precision and recall from a confusion matrix, the cost of a threshold,
the cheapest threshold, error analysis (a miss table by group, the fixable group), RMSE and MAE by
hand, and reading learning curves.

The function answers are compared with :mod:`helpers.evaluation` and scikit-learn on small seeded
cases that differ from the notebook's data, so nothing hard-coded can pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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


def _choice(value, options, what: str) -> str:
    """The option ``value`` names, whatever its case or spacing; fails naming the options otherwise."""
    text = " ".join(str(value).strip().lower().split())
    for option in options:
        if text == " ".join(str(option).lower().split()):
            return option
    fail(f"`error_analysis[{what!r}]` is {value!r}: answer with one of the printed options, {list(options)}.")


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
