"""Checks for 00_welcome."""

from __future__ import annotations

import numpy as np

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
