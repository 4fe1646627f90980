"""Lab 00: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from helpers.labchecks.lab00 import check
from variant_harness import accepts, rejects


def _index_loop(y_true, y_pred):
    correct = 0
    for i in range(len(y_true)):
        if y_true[i] == y_pred[i]:
            correct += 1
    return correct / len(y_true)


def test_accuracy_accepts_loops_numpy_pandas_and_sklearn():
    accepts(check.accuracy, lambda t, p: sum(a == b for a, b in zip(t, p)) / len(t))
    accepts(check.accuracy, _index_loop)
    accepts(check.accuracy, lambda t, p: np.mean(np.array(t) == np.array(p)))
    accepts(check.accuracy, lambda t, p: (pd.Series(t) == pd.Series(p)).mean())
    accepts(check.accuracy, accuracy_score)


def test_accuracy_names_counts_error_rates_and_percentages():
    rejects(check.accuracy, lambda t, p: sum(a == b for a, b in zip(t, p)), hint=["is 3, but 0.75", "divide by len(y_true)"])
    rejects(check.accuracy, lambda t, p: 1 - np.mean(np.array(t) == np.array(p)), hint="error rate")
    rejects(check.accuracy, lambda t, p: 100 * np.mean(np.array(t) == np.array(p)), hint="a percentage")
    rejects(check.accuracy, lambda t, p: None, hint="forget to `return`")
    rejects(check.accuracy, "0.75", hint="should be a function")
