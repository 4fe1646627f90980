"""Checks for 00_welcome."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, fail

check = LabChecks("00_welcome")

CASES = [
    ([1, 0, 1, 1], [1, 0, 0, 1], 0.75),
    ([0, 0], [0, 0], 1.0),
    (["cat", "dog", "dog"], ["dog", "dog", "cat"], 1 / 3),
    ([1, 1, 1, 1, 1], [0, 0, 0, 0, 0], 0.0),
]


@check.exercise(
    title="accuracy",
    hint="count the positions where y_true[i] == y_pred[i], then divide by len(y_true)",
    wrong=lambda: [
        (lambda y_true, y_pred: sum(t == p for t, p in zip(y_true, y_pred)),),  # a count, not a fraction
        (lambda y_true, y_pred: 1 - sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true),),  # error rate
        (lambda y_true, y_pred: None,),  # forgot to return
        ("0.75",),  # not a function
    ],
)
def accuracy(fn):
    check_callable("accuracy", fn)
    for y_true, y_pred, expected in CASES:
        call = f"accuracy({y_true}, {y_pred})"
        value = fn(list(y_true), list(y_pred))
        if value is None:
            fail(f"{call} returned None: did the function forget to `return` the fraction?")
        number = float(value) if isinstance(value, (int, float, np.number)) else None
        if number is not None and 0 < expected < 1:
            if np.isclose(number, 1 - expected):
                fail(f"`{call}` is {number:g}, the share of *wrong* predictions (the error rate): count the "
                     "positions where the two agree.")
            if np.isclose(number, 100 * expected):
                fail(f"`{call}` is {number:g}, a percentage: give the fraction between 0 and 1.")
        check_close(call, value, expected)


# --- exercise 2: accuracy per class --------------------------------------------------------------
#
# (y_true, y_pred): the first case tells recall from precision, from a division by all examples and from
# counts; the second has a class the predictions never name (the majority baseline's blind spot); the third a
# label that is only predicted; the last is what the notebook passes: a pandas Series of labels and a numpy
# array of predictions.
_PER_CLASS_CASES = [
    ([1, 0, 1, 1, 0, 0, 0, 0], [1, 0, 0, 1, 1, 1, 0, 0]),
    (["fraud", "genuine", "genuine", "genuine"], ["genuine", "genuine", "genuine", "genuine"]),
    (["cat", "dog", "cat", "bird"], ["cat", "cat", "dog", "fish"]),
    (pd.Series(["No", "No", "Yes", "No", "No", "Yes", "No", "No"], name="default"),
     np.array(["No", "Yes", "Yes", "No", "No", "No", "No", "No"])),
]


def _fresh(values):
    """A copy of a case's input, so an answer that changes its arguments cannot spoil the next case."""
    return values.copy() if hasattr(values, "copy") else list(values)


def per_class_expected(y_true, y_pred) -> dict:
    """{label of y_true: fraction of its examples predicted right} (the recall of each class)."""
    pairs = list(zip(list(y_true), list(y_pred)))
    return {label: sum(t == p for t, p in pairs if t == label) / sum(t == label for t, _ in pairs)
            for label in dict.fromkeys(t for t, _ in pairs)}


def _as_label_dict(call: str, value) -> dict:
    """The answer as {label: value}, or a failure that names the shape it has instead."""
    if value is None:
        fail(f"{call} returned None: did the function forget to `return` the dict?")
    if isinstance(value, pd.DataFrame):
        fail(f"{call} returned a DataFrame: return a dict {{label: fraction}} (or a Series indexed by label).")
    if isinstance(value, (int, float, np.number)):
        fail(f"{call} returned one number ({float(value):g}), the accuracy over all examples: give one fraction per "
             "class, a dict {label: fraction}.")
    if isinstance(value, pd.Series):
        return dict(value.items())
    if not isinstance(value, dict):
        kind = type(value).__name__
        fail(f"{call} returned a {kind}: return a dict {{label: fraction}}, one entry per label of y_true.")
    return value


def _per_class_mistake(label, got: float, y_true: list, y_pred: list) -> str | None:
    """The name of the typical mistake that gives ``got`` for ``label``, or None."""
    n_true = sum(t == label for t in y_true)
    right = sum(t == p == label for t, p in zip(y_true, y_pred))
    n_predicted = sum(p == label for p in y_pred)
    want = right / n_true
    if np.isclose(got, want):
        return None
    if right and np.isclose(got, right):
        return (f"the count of right predictions, not a fraction: divide by the number of examples whose true "
                f"label is {label!r} ({n_true})")
    if 0 < want and np.isclose(got, 100 * want):
        return "a percentage: give the fraction between 0 and 1"
    if np.isclose(got, right / len(y_true)):
        return (f"divided by all {len(y_true)} examples: divide by the {n_true} examples whose true label is "
                f"{label!r}, so each class is judged on its own examples")
    if n_predicted and np.isclose(got, right / n_predicted):
        return (f"the share of right answers among the {n_predicted} *predictions* of {label!r} (that is precision): "
                f"the exercise asks for the share among the {n_true} examples that truly are {label!r}")
    if 0 < want < 1 and np.isclose(got, 1 - want):
        return "the share of *wrong* predictions: count the examples of the class that were predicted right"
    return None


@check.exercise(
    title="accuracy per class",
    hint="judge each class on its own examples: those whose TRUE label it is",
    wrong=lambda: [
        (lambda y_true, y_pred: {label: sum(t == p == label for t, p in zip(y_true, y_pred)) / len(y_true)
                                 for label in set(y_true)},),  # divided by all examples
        (lambda y_true, y_pred: {label: np.mean([t == p for t, p in zip(y_true, y_pred) if p == label])
                                 for label in set(y_pred)},),  # grouped by the predictions: precision
        (lambda y_true, y_pred: sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true),),  # overall accuracy
        (lambda y_true, y_pred: None,),
        ("per class",),
    ],
)
def per_class_accuracy(fn):
    check_callable("per_class_accuracy", fn)
    for y_true, y_pred in _PER_CLASS_CASES:
        shown_true, shown_pred = list(y_true), list(y_pred)
        call = f"per_class_accuracy({shown_true}, {shown_pred})"
        got = _as_label_dict(call, fn(_fresh(y_true), _fresh(y_pred)))
        expected = per_class_expected(y_true, y_pred)
        for label in expected:
            if label not in got:
                if label not in shown_pred:
                    fail(f"{call} has no entry for {label!r}, a class the predictions never name: its examples "
                         f"exist, and none of them was predicted right. One entry per label of y_true, so a class the "
                         "model ignores shows up as 0.0.")
                fail(f"{call} has no entry for {label!r}: one entry per label that occurs in y_true.")
        extra = [label for label in got if label not in expected]
        if extra:
            fail(f"{call} has an entry for {extra[0]!r}, a label that is only predicted: no example truly is "
                 f"{extra[0]!r}, so it has no examples to be right on. One entry per label of y_true.")
        for label, want in expected.items():
            value = got[label]
            try:
                number = float(value)
            except (TypeError, ValueError):
                fail(f"{call}[{label!r}] is {value!r}: give a fraction between 0 and 1.")
            mistake = _per_class_mistake(label, number, shown_true, shown_pred)
            if mistake:
                fail(f"{call}[{label!r}] is {number:g}, but {want:g} is expected: {mistake}.")
            check_close(f"{call}[{label!r}]", number, want)
