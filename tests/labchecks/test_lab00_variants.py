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


# --- exercise 2: accuracy per class ----------------------------------------------------------------


def _per_class_dicts(y_true, y_pred):
    total, right = {}, {}
    for truth, guess in zip(y_true, y_pred):
        total[truth] = total.get(truth, 0) + 1
        right[truth] = right.get(truth, 0) + int(truth == guess)
    return {label: right[label] / total[label] for label in total}


def _per_class_counter(y_true, y_pred):
    from collections import Counter

    pairs = list(zip(y_true, y_pred))
    total = Counter(truth for truth, _ in pairs)
    right = Counter(truth for truth, guess in pairs if truth == guess)
    return {label: right[label] / total[label] for label in total}


def _per_class_pandas(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return pd.Series(y_true == y_pred).groupby(y_true).mean()


def _per_class_numpy_float32(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return {label: np.float32(np.mean(y_pred[y_true == label] == label)) for label in np.unique(y_true)}


def _per_class_sklearn(y_true, y_pred):
    from sklearn.metrics import recall_score

    labels = sorted(set(y_true))
    return dict(zip(labels, recall_score(list(y_true), list(y_pred), labels=labels, average=None)))


def test_per_class_accuracy_accepts_dicts_counters_pandas_numpy_and_sklearn():
    accepts(check.per_class_accuracy, _per_class_dicts)
    accepts(check.per_class_accuracy, _per_class_counter)
    accepts(check.per_class_accuracy, _per_class_pandas)  # a Series indexed by label
    accepts(check.per_class_accuracy, _per_class_numpy_float32)
    accepts(check.per_class_accuracy, _per_class_sklearn)


def test_per_class_accuracy_names_precision_the_ignored_class_and_the_wrong_divisor():
    def by_prediction(y_true, y_pred):  # precision: grouped by what was predicted
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        return {label: np.mean(y_true[y_pred == label] == label) for label in np.unique(y_pred)}

    def keys_from_predictions(y_true, y_pred):  # right fractions, but only for the classes ever predicted
        return {label: share for label, share in _per_class_dicts(y_true, y_pred).items() if label in list(y_pred)}

    def over_all_examples(y_true, y_pred):
        return {label: sum(t == p == label for t, p in zip(y_true, y_pred)) / len(y_true) for label in set(y_true)}

    def with_predicted_labels(y_true, y_pred):
        shares = _per_class_dicts(y_true, y_pred)
        return {**{label: float("nan") for label in y_pred}, **shares}

    rejects(check.per_class_accuracy, by_prediction, hint=["*predictions* of", "precision"])
    rejects(check.per_class_accuracy, keys_from_predictions, hint=["no entry for 'fraud'", "never name"])
    rejects(check.per_class_accuracy, over_all_examples, hint="divided by all 8 examples")
    rejects(check.per_class_accuracy, with_predicted_labels, hint=["'fish'", "only predicted"])
    rejects(check.per_class_accuracy, lambda t, p: {k: 100 * v for k, v in _per_class_dicts(t, p).items()},
            hint="a percentage")
    rejects(check.per_class_accuracy, lambda t, p: {k: 1 - v for k, v in _per_class_dicts(t, p).items()},
            hint="*wrong* predictions")
    rejects(check.per_class_accuracy,
            lambda t, p: {k: round(v * sum(x == k for x in t)) for k, v in _per_class_dicts(t, p).items()},
            hint="count of right predictions")
    rejects(check.per_class_accuracy, lambda t, p: float(np.mean(np.asarray(t) == np.asarray(p))),
            hint="one number")
    rejects(check.per_class_accuracy, lambda t, p: pd.DataFrame({"share": _per_class_dicts(t, p)}), hint="DataFrame")
    rejects(check.per_class_accuracy, lambda t, p: None, hint="forget to `return`")
    rejects(check.per_class_accuracy, {"fraud": 0.0}, hint="should be a function")


def test_per_class_accuracy_check_feeds_what_the_notebook_passes():
    # The notebook calls per_class_accuracy(y, predicted): y a pandas Series of "Yes"/"No", predicted a numpy array.
    seen = []

    def spy(y_true, y_pred):
        seen.append((type(y_true), type(y_pred)))
        return _per_class_dicts(y_true, y_pred)

    accepts(check.per_class_accuracy, spy)
    assert (pd.Series, np.ndarray) in seen and (list, list) in seen
