"""Checks for 05_builtin_algorithms: SageMaker's training-data format, reading a job's metrics,
choosing a built-in algorithm's hyperparameters, a script-mode train.py's argument parsing,
a rating's one-hot feature indices (factorization machines) and the mean + 3 std anomaly threshold.

Each check runs the learner's answer on small cases built here (or on the notebook's own data), so
nothing hard-coded passes; hyperparameters are also validated by the algorithm itself, exactly as a
training job would, so a typo fails with the algorithm's own message.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import tempfile
import textwrap
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError
from helpers.checks import LabChecks, check_callable, check_type, fail

check = LabChecks("05_builtin_algorithms")


# --- exercise: label-first CSV without a header -----------------------------------------------------


def _frames() -> list[tuple[pd.DataFrame, str]]:
    """Small frames with the label in different places, booleans among labels and features."""
    rng = np.random.default_rng(505)
    a = pd.DataFrame({"income": rng.normal(40_000, 9_000, 6).round(2),
                      "balance": rng.uniform(0, 2_000, 6).round(2),
                      "defaulted": rng.integers(0, 2, 6).astype(bool),
                      "student": [True, False, False, True, False, True]})
    b = pd.DataFrame({"failed": [0, 1, 0, 0, 1], "torque": [40.1, 62.3, 35.0, 44.4, 70.9],
                      "speed": [1500, 1320, 1710, 1490, 1280]})
    c = pd.DataFrame({"x1": rng.normal(size=4), "x2": rng.normal(size=4), "x3": rng.normal(size=4),
                      "y": [2.5, -1.0, 0.25, 7.0]}, index=[10, 11, 12, 13])
    return [(a, "defaulted"), (b, "failed"), (c, "y")]


def _read_numbers(path: Path, name: str, hint: str) -> np.ndarray:
    if not path.is_file():
        fail(f"`{name}` wrote no file at the path it was given.", hint)
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append([float(field) for field in line.split(",")])
        except ValueError:
            what = "a header row" if number == 1 else "text"
            fail(f"line {number} of the file is not all numbers ({line[:60]!r}): {what}? SageMaker's CSV is "
                 "numbers only, no header (booleans as 0/1).", hint)
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        fail(f"the file's rows have different numbers of fields: {sorted(widths)}.", hint)
    return np.asarray(rows, dtype=float)


def _label_first(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    return frame[[label] + [c for c in frame if c != label]]


CSV_HINT = "put the label first (frame[[label] + the other columns]), turn booleans into numbers (.astype(int)), " \
           "and write with to_csv, switching off its header and its index"


@check.exercise(
    title="SageMaker's training CSV",
    hint=CSV_HINT,
    wrong=lambda: [
        (lambda frame, label, path: _label_first(frame, label).astype(float).to_csv(path, index=False),),  # header
        (lambda frame, label, path: _label_first(frame, label).astype(float).to_csv(path, header=False),),  # index
        (lambda frame, label, path: frame[[c for c in frame if c != label] + [label]].astype(float).to_csv(
            path, header=False, index=False),),  # label last
        (lambda frame, label, path: _label_first(frame, label).to_csv(path, header=False, index=False),),  # True/False
        (lambda frame, label, path: frame.drop(columns=label).astype(float).to_csv(path, header=False, index=False),),
        (lambda frame, label, path: frame[[label] + sorted(c for c in frame if c != label)].astype(float).to_csv(
            path, header=False, index=False),),  # features reordered
    ],
)
def training_csv(fn):
    check_callable("write_training_csv", fn)
    with tempfile.TemporaryDirectory() as folder:
        for number, (frame, label) in enumerate(_frames()):
            before = frame.copy()
            path = Path(folder) / f"case{number}" / "train.csv"
            path.parent.mkdir()
            fn(frame, label, str(path))  # a str, as the notebook passes it
            if not frame.equals(before):
                fail("`write_training_csv` changed the DataFrame it was given: build a new frame instead.", CSV_HINT)
            data = _read_numbers(path, "write_training_csv", CSV_HINT)
            features = [c for c in frame.columns if c != label]
            expected = frame[[label] + features].astype(float).to_numpy()
            if data.shape != expected.shape:
                fail(f"for a frame of {frame.shape[0]} rows and {frame.shape[1]} columns the file has "
                     f"{data.shape[0]} rows of {data.shape[1]} fields; expected {expected.shape[0]} rows of "
                     f"{expected.shape[1]} (the label, then every feature; no index column).", CSV_HINT)
            if not np.allclose(data[:, 0], expected[:, 0]):
                fail(f"the first column is not the label {label!r}.", CSV_HINT)
            if not np.allclose(data, expected):
                fail("the features after the label are not the frame's other columns in their original order.",
                     CSV_HINT)


# --- exercise: a metric out of describe() ----------------------------------------------------------

METRIC_HINT = "find the entry of description['FinalMetricDataList'] whose 'MetricName' is name; return its 'Value' as a float"


def _descriptions() -> list[tuple[dict, str, float]]:
    metrics = [("train:objective_loss", 0.0936), ("validation:objective_loss", 0.1016),
               ("validation:binary_classification_accuracy", 0.971), ("validation:roc_auc_score", 0.9403)]
    first = {"TrainingJobName": "demo-1", "TrainingJobStatus": "Completed",
             "HyperParameters": {"feature_dim": "3", "predictor_type": "binary_classifier"},
             "FinalMetricDataList": [{"MetricName": n, "Value": v, "Timestamp": None} for n, v in metrics]}
    second = {"TrainingJobName": "demo-2", "TrainingJobStatus": "Completed", "HyperParameters": {"num_round": "50"},
              "FinalMetricDataList": [{"MetricName": "train:auc", "Value": 0.967, "Timestamp": None},
                                      {"MetricName": "validation:auc", "Value": 0.9344, "Timestamp": None}]}
    return [(first, "validation:roc_auc_score", 0.9403), (first, "validation:objective_loss", 0.1016),
            (second, "validation:auc", 0.9344), (second, "train:auc", 0.967)]


@check.exercise(
    title="a final metric from describe()",
    hint=METRIC_HINT,
    wrong=lambda: [
        (lambda d, name: d["FinalMetricDataList"][0]["Value"],),  # always the first metric
        (lambda d, name: d["FinalMetricDataList"][-1]["Value"],),  # always the last one
        (lambda d, name: next(m for m in d["FinalMetricDataList"] if m["MetricName"] == name),),  # the whole entry
        (lambda d, name: str(next(m["Value"] for m in d["FinalMetricDataList"] if m["MetricName"] == name)),),
        (lambda d, name: max(m["Value"] for m in d["FinalMetricDataList"]),),
    ],
)
def final_metric(fn):
    check_callable("final_metric", fn)
    for description, name, expected in _descriptions():
        value = fn(description, name)
        if isinstance(value, dict):
            fail(f"`final_metric(description, {name!r})` returned the whole entry {value!r}: return its number, "
                 "entry['Value'].", METRIC_HINT)
        if isinstance(value, str):
            fail(f"`final_metric(description, {name!r})` returned the text {value!r}: return a number, float(...).",
                 METRIC_HINT)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            fail(f"`final_metric(description, {name!r})` returned {type(value).__name__} {value!r}; "
                 "a number is expected.", METRIC_HINT)
        if not np.isclose(float(value), expected):
            fail(f"`final_metric(description, {name!r})` is {float(value):.4g}, but the list says {expected}.",
                 METRIC_HINT)


# --- exercises: choosing hyperparameters -----------------------------------------------------------


def _validated(algorithm: str, hps: Any, hint: str) -> dict:
    check_type("hyperparameters", hps, dict, hint)
    try:
        return algorithms.get(algorithm).validate_hyperparameters(hps)
    except HyperparameterError as error:
        fail(f"{algorithm} rejects these hyperparameters: {error}", hint)


def _feature_count(train: Any, hint: str) -> int:
    check_type("the training frame", train, pd.DataFrame, hint)
    return train.shape[1] - 1  # label first, every other column a feature


LL_HINT = ("predictor_type 'binary_classifier', feature_dim = the number of features (not counting the label), "
           "binary_classifier_model_selection_criteria 'recall_at_target_precision' with target_precision 0.5")


def _ll_wrong():
    base = {"predictor_type": "binary_classifier",
            "binary_classifier_model_selection_criteria": "recall_at_target_precision", "target_precision": 0.5}
    frame = pd.DataFrame(np.zeros((5, 4)), columns=["Machine failure", "a", "b", "c"])
    return [
        ({**base, "feature_dim": 4}, frame),  # counted the label as a feature
        ({**base, "predictor_type": "regressor", "feature_dim": 3}, frame),
        ({**base, "predictor_type": "classifier", "feature_dim": 3}, frame),  # not a linear-learner value
        ({"predictor_type": "binary_classifier", "feature_dim": 3}, frame),  # default criterion: accuracy
        ({**base, "feature_dim": 3, "target_precision": 0.9}, frame),
        ({**base, "feature_dim": 3, "binary_classifier_model_selection_criteria": "precision_at_target_recall"}, frame),
        ({**base, "feature_dim": 3, "target_precison": 0.5}, frame),  # a typo: unknown hyperparameter
    ]


@check.exercise(title="linear-learner's hyperparameters for machine failures", hint=LL_HINT, wrong=_ll_wrong)
def linear_learner_hyperparameters(hps, train):
    values = _validated("linear-learner", hps, LL_HINT)
    n_features = _feature_count(train, LL_HINT)
    if values["predictor_type"] != "binary_classifier":
        fail(f"predictor_type is {values['predictor_type']!r}, but 'Machine failure' is 0 or 1: "
             "a binary classification.", LL_HINT)
    if values["feature_dim"] != n_features:
        fail(f"feature_dim is {values['feature_dim']}, but the training data has {n_features} features after "
             "the label.", LL_HINT)
    if values["binary_classifier_model_selection_criteria"] != "recall_at_target_precision":
        fail(f"binary_classifier_model_selection_criteria is {values['binary_classifier_model_selection_criteria']!r}: "
             "the goal is to catch as many failures as possible (recall) while half the alarms are real "
             "(precision).", LL_HINT)
    if not np.isclose(values["target_precision"], 0.5):
        fail(f"target_precision is {values['target_precision']}, but the workshop agreed on 0.5 "
             "(half the alarms real).", LL_HINT)


KNN_HINT = ("predictor_type 'classifier', feature_dim = the features after the label, k = the neighbours that vote, "
            "sample_size = len(train) so the index keeps every training penguin")


def _knn_wrong():
    frame = pd.DataFrame(np.zeros((40, 5)), columns=["species", "a", "b", "c", "d"])
    base = {"predictor_type": "classifier", "k": 5, "feature_dim": 4, "sample_size": 40}
    return [
        ({**base, "predictor_type": "regressor"}, frame),
        ({**base, "feature_dim": 5}, frame),  # counted the label
        ({**base, "sample_size": 20}, frame),  # drops half the training rows
        ({key: value for key, value in base.items() if key != "sample_size"}, frame),  # missing a required one
        ({**base, "k": 50}, frame),  # more neighbours than penguins
        ({**base, "predictor_type": "multiclass_classifier"}, frame),  # linear-learner's name, not k-NN's
    ]


@check.exercise(title="k-NN's hyperparameters for penguin species", hint=KNN_HINT, wrong=_knn_wrong)
def knn_hyperparameters(hps, train):
    values = _validated("knn", hps, KNN_HINT)
    n_features = _feature_count(train, KNN_HINT)
    if values["predictor_type"] != "classifier":
        fail(f"predictor_type is {values['predictor_type']!r}, but the species is a class (0, 1 or 2): "
             "'classifier'.", KNN_HINT)
    if values["feature_dim"] != n_features:
        fail(f"feature_dim is {values['feature_dim']}, but the training data has {n_features} features after "
             "the label.", KNN_HINT)
    if values["sample_size"] < len(train):
        fail(f"sample_size is {values['sample_size']}: the index would keep only that many of the {len(train)} "
             "training penguins, chosen at random.", KNN_HINT)
    if not 1 <= values["k"] <= len(train):
        fail(f"k is {values['k']}, but there are only {len(train)} training penguins to ask.", KNN_HINT)


# --- exercise: a script-mode train.py's arguments ---------------------------------------------------

SCRIPT_HINT = ("argparse: add_argument('--n_estimators', type=int, ...), '--max_depth' (type=int), and "
               "'--train' / '--validation' / '--model-dir' with default=os.environ.get('SM_CHANNEL_TRAIN') etc.; "
               "return parser.parse_args(argv)")

# Two SageMaker-like environments: a script that hard-codes the /opt/ml paths passes the first only.
_ENVIRONMENTS = [
    {"SM_CHANNEL_TRAIN": "/opt/ml/input/data/train", "SM_CHANNEL_VALIDATION": "/opt/ml/input/data/validation",
     "SM_MODEL_DIR": "/opt/ml/model"},
    {"SM_CHANNEL_TRAIN": "/jobs/probe/opt/ml/input/data/train",
     "SM_CHANNEL_VALIDATION": "/jobs/probe/opt/ml/input/data/validation", "SM_MODEL_DIR": "/jobs/probe/opt/ml/model"},
]
_CASES = [(["--n_estimators", "50", "--max_depth", "4"], {"n_estimators": 50, "max_depth": 4}),
          (["--max_depth", "12", "--n_estimators", "7"], {"n_estimators": 7, "max_depth": 12})]


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _import_script(path: Path):
    """Import the script as a fresh module (module-level code runs, as when SageMaker starts it)."""
    spec = importlib.util.spec_from_file_location(f"_lab05_script_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured), contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    except NotImplementedError:
        raise
    except SyntaxError as error:
        fail(f"{path.name} has a syntax error on line {error.lineno}: {error.msg}.", SCRIPT_HINT)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the learner's module can fail in any way
        fail(f"importing {path.name} ran code that failed ({type(error).__name__}: {error}): keep the training under "
             "`if __name__ == \"__main__\":` so only parse_args is defined on import.", SCRIPT_HINT)
    return module


def _parse(module, argv: list[str]):
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return module.parse_args(list(argv))
    except SystemExit:
        said = captured.getvalue().strip().splitlines()
        detail = f" argparse said: {said[-1]!r}" if said else ""
        fail(f"parse_args({argv}) stopped with an argparse error.{detail} Parse the list it is given, "
             "parser.parse_args(argv), and declare every hyperparameter the job passes.", SCRIPT_HINT)


def _script_problem(path: Path) -> None:
    for env in _ENVIRONMENTS:
        with _environment(env):
            module = _import_script(path)
            if not callable(getattr(module, "parse_args", None)):
                fail(f"{path.name} defines no function parse_args(argv).", SCRIPT_HINT)
            for argv, expected in _CASES + [([], {})]:
                args = _parse(module, argv)
                if args is None:
                    fail(f"parse_args({argv}) returned None: return parser.parse_args(argv).", SCRIPT_HINT)
                for name, value in expected.items():
                    got = getattr(args, name, None)
                    if got is None:
                        fail(f"parse_args({argv}) has no `{name}`: add_argument('--{name}', ...).", SCRIPT_HINT)
                    if isinstance(got, bool) or not isinstance(got, int):
                        fail(f"parse_args({argv}).{name} is {got!r}; expected the integer {value}. SageMaker "
                             "passes every hyperparameter as text: declare type=int.", SCRIPT_HINT)
                    if got != value:
                        fail(f"parse_args({argv}).{name} is {got}, but the arguments say {value}: parse the list it is "
                             "given, parser.parse_args(argv).", SCRIPT_HINT)
                wanted = {"train": env["SM_CHANNEL_TRAIN"], "validation": env["SM_CHANNEL_VALIDATION"],
                          "model_dir": env["SM_MODEL_DIR"]}
                for name, folder in wanted.items():
                    got = getattr(args, name, None)
                    if got is None or str(got) != folder:
                        variable = {"train": "SM_CHANNEL_TRAIN", "validation": "SM_CHANNEL_VALIDATION",
                                    "model_dir": "SM_MODEL_DIR"}[name]
                        fail(f"parse_args({argv}).{name} is {got!r}, but {variable} is {folder!r}: take the folder "
                             f"from the environment variable, default=os.environ.get({variable!r}).", SCRIPT_HINT)
                if not argv and not isinstance(getattr(args, "n_estimators", None), int):
                    fail("without --n_estimators, parse_args([]).n_estimators should still be an integer (a default).",
                         SCRIPT_HINT)


_SCRATCH: list[tempfile.TemporaryDirectory] = []  # kept alive until the interpreter exits, then removed


def _write_scripts(bodies: list[str]) -> list[tuple[Path]]:
    if not _SCRATCH:
        _SCRATCH.append(tempfile.TemporaryDirectory(prefix="lab05-wrong-", ignore_cleanup_errors=True))
    folder = Path(tempfile.mkdtemp(dir=_SCRATCH[0].name))
    header = "import argparse\nimport os\n\n\n"
    paths = []
    for number, body in enumerate(bodies):
        path = folder / f"train_{number}.py"
        path.write_text(header + textwrap.dedent(body), encoding="utf-8")
        paths.append((path,))
    return paths


def _script_wrong():
    good_paths = """
        parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
        parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
        parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    """
    good_hps = """
        parser.add_argument("--n_estimators", type=int, default=100)
        parser.add_argument("--max_depth", type=int, default=None)
    """

    def script(hps: str = good_hps, paths: str = good_paths, ret: str = "return parser.parse_args(argv)",
               tail: str = "") -> str:
        body = "def parse_args(argv=None):\n    parser = argparse.ArgumentParser()\n"
        body += textwrap.indent(textwrap.dedent(hps).strip() + "\n" + textwrap.dedent(paths).strip(), "    ")
        return body + f"\n    {ret}\n" + tail

    return _write_scripts([
        script(hps=good_hps.replace("type=int, ", "")),  # hyperparameters stay text
        script(paths=good_paths.replace('os.environ.get("SM_CHANNEL_TRAIN")', '"/opt/ml/input/data/train"')
               .replace('os.environ.get("SM_MODEL_DIR")', '"/opt/ml/model"')),  # hard-coded folders
        script(ret="return parser.parse_args()"),  # ignores argv: parses the caller's command line
        script(paths=good_paths.replace("SM_CHANNEL_TRAIN", "SM_CHANNEL_TRAINING")),  # no such variable
        script(ret="args = parser.parse_args(argv)"),  # forgot to return
        script(hps=good_hps.replace("--n_estimators", "--n-estimators-count")),  # a name the job does not pass
        # trains on import: reads the data as soon as the module is loaded
        script(tail="\nrows = open(os.path.join(os.environ['SM_CHANNEL_TRAIN'], 'train.csv')).read()\n"),
    ])


@check.exercise(title="the script's arguments", hint=SCRIPT_HINT, wrong=_script_wrong)
def script_arguments(path):
    check_type("the script's path", path, (str, os.PathLike), SCRIPT_HINT)
    path = Path(path)
    if not path.is_file():
        fail(f"there is no file {str(path)!r}: run the %%writefile cell first.", SCRIPT_HINT)
    _script_problem(path)


# --- exercise: a rating as one-hot feature indices (factorization machines) ----------------------------

KEYS_HINT = "the user's column is its code; the item columns start after the n_users user columns"


@check.exercise(
    title="one-hot feature indices of a rating",
    hint=KEYS_HINT,
    wrong=lambda: [
        (lambda user, item, n_users: [user, item],),  # no offset: users and items share columns
        (lambda user, item, n_users: [user + 1, n_users + item + 1],),  # ids counted from 1
        (lambda user, item, n_users: [item, n_users + user],),  # item first
        (lambda user, item, n_users: [user, n_users + item - 1],),  # off by one
    ],
)
def one_hot_keys(fn):
    check_callable("one_hot_keys", fn)
    for user, item, n_users in [(0, 0, 943), (3, 3, 943), (942, 1681, 943), (5, 2, 10), (9, 0, 10)]:
        got = fn(user, item, n_users)
        try:
            got = [int(key) for key in got]
        except (TypeError, ValueError):
            fail(f"`one_hot_keys({user}, {item}, {n_users})` returned {got!r}: expected a list of two integers.", KEYS_HINT)
        expected = [user, n_users + item]
        if got != expected:
            fail(f"`one_hot_keys({user}, {item}, {n_users})` returned {got}; expected {expected} (user columns "
                 f"0..{n_users - 1} first, then one column per item){_keys_diagnosis(got, user, item, n_users)}.",
                 KEYS_HINT)


def _keys_diagnosis(got: list[int], user: int, item: int, n_users: int) -> str:
    """Name the usual slip behind a wrong pair of columns, or say nothing."""
    slips = {
        ": the item's column needs the offset n_users, or users and items share columns": [user, item],
        ": the codes already count from 0, so add no 1": [user + 1, n_users + item + 1],
        ": the user's column comes first, then the item's": [n_users + item, user],
        ": it is off by one, the first item column is n_users itself": [user, n_users + item - 1],
    }
    return next((slip for slip, keys in slips.items() if got == keys), "")


# --- exercise: the mean + 3 std anomaly threshold (random cut forest) --------------------------------

THRESHOLD_HINT = "the mean of the scores plus sigmas times their standard deviation (NumPy's np.std, ddof=0)"


@check.exercise(
    title="the mean + 3 std anomaly threshold",
    hint=THRESHOLD_HINT,
    wrong=lambda: [
        (lambda scores, sigmas=3: float(np.mean(scores) + 3 * np.std(scores)),),  # ignores sigmas
        (lambda scores, sigmas=3: float(np.median(scores) + sigmas * np.std(scores)),),
        (lambda scores, sigmas=3: float(np.mean(scores) + sigmas * np.var(scores)),),
        (lambda scores, sigmas=3: float(np.mean(scores) + sigmas * np.std(scores, ddof=1)),),
        (lambda scores, sigmas=3: float(np.max(scores)),),
    ],
)
def anomaly_threshold(fn):
    from helpers.algorithms.random_cut_forest import three_sigma_threshold

    check_callable("anomaly_threshold", fn)
    rng = np.random.default_rng(512)
    cases = [(np.array([1.0, 1.2, 0.9, 1.1, 6.0]), 3), (rng.gamma(2.0, 1.0, 50), 3), (rng.gamma(2.0, 1.0, 50), 2),
             (rng.normal(10, 2, 8), 4)]
    for scores, sigmas in cases:
        got = fn(scores.copy(), sigmas)
        expected = three_sigma_threshold(scores, sigmas)
        try:
            got = float(got)
        except (TypeError, ValueError):
            fail(f"`anomaly_threshold` returned {got!r}: expected one number.", THRESHOLD_HINT)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-9):  # float32 answers are fine
            slips = {
                "the standard deviation has ddof=1 (pandas' .std() default); use NumPy's np.std, ddof=0":
                    np.mean(scores) + sigmas * np.std(scores, ddof=1),
                "`sigmas` is ignored: multiply the std by sigmas, not by 3": np.mean(scores) + 3 * np.std(scores),
                "that is the median plus the std: start from the mean": np.median(scores) + sigmas * np.std(scores),
                "that uses the variance: the std is its square root": np.mean(scores) + sigmas * np.var(scores),
            }
            why = next((slip for slip, value in slips.items()
                        if not np.isclose(value, expected) and np.isclose(got, value, rtol=1e-6)), None)
            fail(f"for {len(scores)} scores and sigmas={sigmas}, `anomaly_threshold` returned {got:.6g}; expected "
                 f"{expected:.6g} (mean + sigmas x std, population std){': ' + why if why else ''}.", THRESHOLD_HINT)
