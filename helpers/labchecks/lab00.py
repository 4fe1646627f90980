"""Checks for 00_welcome."""

from __future__ import annotations

from helpers.checks import LabChecks, check_callable, check_close

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
        check_close(f"accuracy({y_true}, {y_pred})", fn(y_true, y_pred), expected)
