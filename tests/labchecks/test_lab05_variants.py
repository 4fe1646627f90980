"""Lab 05: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from helpers.labchecks.lab05 import check
from variant_harness import accepts, rejects

# --- SageMaker's training CSV ----------------------------------------------------------------------


def _reordered(frame, label, path):
    frame[[label] + [c for c in frame if c != label]].astype(float).to_csv(path, header=False, index=False)


def _popped(frame, label, path):
    frame = frame.copy()
    frame.insert(0, label, frame.pop(label))
    frame.astype(float).to_csv(path, header=False, index=False)


def _savetxt(frame, label, path):
    values = pd.concat([frame[label], frame.drop(columns=label)], axis=1).to_numpy(dtype=float)
    np.savetxt(path, values, delimiter=",")


def test_training_csv_accepts_reindexing_pop_insert_and_savetxt():
    accepts(check.training_csv, _reordered)
    accepts(check.training_csv, _popped)
    accepts(check.training_csv, _savetxt)


def test_training_csv_names_headers_indexes_label_order_and_booleans():
    first = lambda f, label: f[[label] + [c for c in f if c != label]]  # noqa: E731
    rejects(check.training_csv, lambda f, label, p: first(f, label).astype(float).to_csv(p, index=False), hint="header")
    rejects(check.training_csv, lambda f, label, p: first(f, label).astype(float).to_csv(p, header=False),
            hint="no index column")
    rejects(check.training_csv, lambda f, label, p: f[[c for c in f if c != label] + [label]].astype(float).to_csv(
        p, header=False, index=False), hint="the first column is not the label")
    rejects(check.training_csv, lambda f, label, p: first(f, label).to_csv(p, header=False, index=False),
            hint="booleans as 0/1")

    def in_place(frame, label, path):
        frame.insert(0, "_label", frame.pop(label))
        frame.astype(float).to_csv(path, header=False, index=False)

    rejects(check.training_csv, in_place, hint="changed the DataFrame it was given")


def test_training_csv_passes_a_str_path_as_the_notebook_does():
    def with_path_methods(frame, label, path):  # works on a Path only; the notebook passes "credit/train.csv"
        path.write_text(_reordered_text(frame, label))

    rejects(check.training_csv, with_path_methods, hint=["AttributeError", "'str' object has no attribute 'write_text'"])


def _reordered_text(frame, label):
    return frame[[label] + [c for c in frame if c != label]].astype(float).to_csv(header=False, index=False)


# --- a final metric --------------------------------------------------------------------------------


def test_final_metric_accepts_loops_next_dicts_and_pandas():
    def loop(description, name):
        for metric in description["FinalMetricDataList"]:
            if metric["MetricName"] == name:
                return float(metric["Value"])

    accepts(check.final_metric, loop)
    accepts(check.final_metric, lambda d, name: next(m["Value"] for m in d["FinalMetricDataList"] if m["MetricName"] == name))
    accepts(check.final_metric, lambda d, name: {m["MetricName"]: m["Value"] for m in d["FinalMetricDataList"]}[name])
    accepts(check.final_metric, lambda d, name: pd.DataFrame(d["FinalMetricDataList"]).set_index("MetricName").loc[name, "Value"])


def test_final_metric_names_entries_text_and_the_wrong_metric():
    pick = lambda d, name: next(m for m in d["FinalMetricDataList"] if m["MetricName"] == name)  # noqa: E731
    rejects(check.final_metric, pick, hint="entry['Value']")
    rejects(check.final_metric, lambda d, name: str(pick(d, name)["Value"]), hint="float(...)")
    rejects(check.final_metric, lambda d, name: d["FinalMetricDataList"][0]["Value"], hint="the list says")


# --- hyperparameters --------------------------------------------------------------------------------

MACHINES = pd.DataFrame(np.zeros((5, 4)), columns=["Machine failure", "a", "b", "c"])
BIRDS = pd.DataFrame(np.zeros((40, 5)), columns=["species", "a", "b", "c", "d"])
LL = {"predictor_type": "binary_classifier", "feature_dim": 3,
      "binary_classifier_model_selection_criteria": "recall_at_target_precision", "target_precision": 0.5}


def test_linear_learner_hyperparameters_accept_numbers_text_and_computed_dims():
    accepts(check.linear_learner_hyperparameters, LL, MACHINES)
    accepts(check.linear_learner_hyperparameters, {k: str(v) for k, v in LL.items()}, MACHINES)
    accepts(check.linear_learner_hyperparameters, {**LL, "feature_dim": MACHINES.shape[1] - 1, "epochs": 10}, MACHINES)


def test_linear_learner_hyperparameters_name_the_label_the_type_the_criterion_and_typos():
    rejects(check.linear_learner_hyperparameters, {**LL, "feature_dim": 4}, MACHINES, hint="features after the label")
    rejects(check.linear_learner_hyperparameters, {**LL, "predictor_type": "regressor"}, MACHINES,
            hint="a binary classification")
    rejects(check.linear_learner_hyperparameters, {k: v for k, v in LL.items() if "target" not in k and "criteria" not in k},
            MACHINES, hint="recall")
    rejects(check.linear_learner_hyperparameters, {**LL, "target_precison": 0.5}, MACHINES, hint="target_precison")


def test_knn_hyperparameters_accept_literals_text_and_len():
    knn = {"predictor_type": "classifier", "k": 5, "feature_dim": 4, "sample_size": 40}
    accepts(check.knn_hyperparameters, knn, BIRDS)
    accepts(check.knn_hyperparameters, {k: str(v) for k, v in knn.items()}, BIRDS)
    accepts(check.knn_hyperparameters, {**knn, "sample_size": len(BIRDS), "k": 3}, BIRDS)


def test_knn_hyperparameters_name_samples_labels_and_k():
    knn = {"predictor_type": "classifier", "k": 5, "feature_dim": 4, "sample_size": 40}
    rejects(check.knn_hyperparameters, {**knn, "sample_size": 20}, BIRDS, hint="chosen at random")
    rejects(check.knn_hyperparameters, {**knn, "feature_dim": 5}, BIRDS, hint="features after the label")
    rejects(check.knn_hyperparameters, {**knn, "k": 50}, BIRDS, hint="only 40 training penguins")


# --- the script's arguments ------------------------------------------------------------------------------

GOOD = """
import argparse
import os


def parse_args(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n_estimators", type=int, default=100)
    parser.add_argument("--max_depth", type=int, default=None)
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(parse_args())
"""


@pytest.fixture
def script(tmp_path):
    def write(text: str):
        path = tmp_path / f"train_{len(list(tmp_path.iterdir()))}.py"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def test_script_arguments_accept_environ_brackets_parse_known_and_str_paths(script):
    accepts(check.script_arguments, script(GOOD))
    accepts(check.script_arguments, str(script(GOOD.replace('os.environ.get("SM_MODEL_DIR")', 'os.environ["SM_MODEL_DIR"]'))))
    accepts(check.script_arguments, script(GOOD.replace("return parser.parse_args(argv)",
                                                        "args, _ = parser.parse_known_args(argv)\n    return args")))


def test_script_arguments_name_text_types_hard_coded_folders_and_argv(script):
    rejects(check.script_arguments, script(GOOD.replace("type=int, ", "")), hint="declare type=int")
    rejects(check.script_arguments, script(GOOD.replace('os.environ.get("SM_CHANNEL_TRAIN")', '"/opt/ml/input/data/train"')),
            hint="take the folder from the environment variable")
    rejects(check.script_arguments, script(GOOD.replace("parse_args(argv)", "parse_args()")), hint="parse_args(argv)")
    rejects(check.script_arguments, script(GOOD + "\nrows = open('/nonexistent/train.csv').read()\n"),
            hint='if __name__ == "__main__"')
    rejects(check.script_arguments, "no_such_train.py", hint="run the %%writefile cell first")


# --- one-hot keys and the anomaly threshold ---------------------------------------------------------------


def test_one_hot_keys_accept_lists_tuples_and_arrays():
    accepts(check.one_hot_keys, lambda user, item, n_users: [user, n_users + item])
    accepts(check.one_hot_keys, lambda user, item, n_users: (int(user), int(item) + n_users))
    accepts(check.one_hot_keys, lambda user, item, n_users: np.array([user, user + n_users + item - user]))


def test_one_hot_keys_show_the_expected_columns():
    rejects(check.one_hot_keys, lambda user, item, n_users: [user, item], hint=["user columns 0..", "offset n_users"])
    rejects(check.one_hot_keys, lambda user, item, n_users: [user + 1, n_users + item + 1], hint="add no 1")
    rejects(check.one_hot_keys, lambda user, item, n_users: [n_users + item, user], hint="user's column comes first")
    rejects(check.one_hot_keys, lambda user, item, n_users: [user, n_users + item - 1], hint="off by one")
    rejects(check.one_hot_keys, lambda user, item, n_users: user + n_users + item, hint="a list of two integers")


def test_anomaly_threshold_accepts_numpy_pandas_ddof0_and_float32():
    accepts(check.anomaly_threshold, lambda s, sigmas=3: np.mean(s) + sigmas * np.std(s))
    accepts(check.anomaly_threshold, lambda s, sigmas=3: pd.Series(s).mean() + sigmas * pd.Series(s).std(ddof=0))
    accepts(check.anomaly_threshold, lambda s, sigmas=3: float(np.float32(s.mean() + sigmas * s.std())))
    accepts(check.anomaly_threshold, lambda s, sigmas=3: s.mean() + sigmas * np.sqrt(np.mean((s - s.mean()) ** 2)))


def test_anomaly_threshold_names_ddof_sigmas_median_and_variance():
    rejects(check.anomaly_threshold, lambda s, sigmas=3: pd.Series(s).mean() + sigmas * pd.Series(s).std(), hint="ddof=1")
    rejects(check.anomaly_threshold, lambda s, sigmas=3: np.mean(s) + 3 * np.std(s), hint="`sigmas` is ignored")
    rejects(check.anomaly_threshold, lambda s, sigmas=3: np.median(s) + sigmas * np.std(s), hint="median")
    rejects(check.anomaly_threshold, lambda s, sigmas=3: np.mean(s) + sigmas * np.var(s), hint="variance")


def test_the_cell_after_one_hot_keys_takes_every_accepted_style():
    """Cell 'rows = fm.one_hot_rows(...)' compares its rows with the learner's keys: a tuple or an array (both ✔) must
    not fail there."""
    import nbformat

    from helpers import ROOT

    notebook = nbformat.read(ROOT / "solutions" / "05_builtin_algorithms.ipynb", as_version=4)
    [line] = [line for cell in notebook.cells if cell.cell_type == "code" and "fm.one_hot_rows(" in cell.source
              for line in cell.source.splitlines() if "one_hot_keys(" in line]
    rows = [type("Row", (), {"indices": np.array([2, 13])})()]
    styles = [lambda user, item, n_users: (int(user), int(item) + n_users),
              lambda user, item, n_users: np.array([user, n_users + item]),
              lambda user, item, n_users: [user, n_users + item]]
    for one_hot_keys in styles:
        accepts(check.one_hot_keys, one_hot_keys)
        exec(line, {"rows": rows, "one_hot_keys": one_hot_keys, "user": np.array([2]), "item": np.array([3]),
                    "n_users": 10})
