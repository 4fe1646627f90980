"""The algorithm interface shared by every built-in algorithm: registry, hyperparameter validation,
training-data checks, inference request/response handling, metric definitions, metric functions."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from algorithm_support import channel, csv_body, invoke, metrics, train, write_csv
from helpers import algorithms
from helpers.algorithms import channels as ch
from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import metrics as m
from helpers.algorithms import payloads, recordio
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError

ALGORITHMS = ["linear-learner", "xgboost", "kmeans", "pca", "knn"]
SUPERVISED = {"linear-learner", "xgboost", "knn"}
# Smallest valid hyperparameters of each algorithm, for 3 features (as SageMaker sends them: strings).
VALID = {
    "linear-learner": {"predictor_type": "binary_classifier", "feature_dim": "3", "epochs": "2"},
    "xgboost": {"num_round": "3", "objective": "binary:logistic"},
    "kmeans": {"k": "2", "feature_dim": "3"},
    "pca": {"feature_dim": "3", "mini_batch_size": "10", "num_components": "2"},
    "knn": {"feature_dim": "3", "k": "3", "predictor_type": "classifier", "sample_size": "100"},
}


def small_data(seed: int = 0, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    return x, y


def train_small(name: str, root: Path) -> tuple[Path, list[str]]:
    x, y = small_data()
    label = y if name in SUPERVISED else None
    chans = {"train": channel(root, "train", x, label)}
    extra = {"xgboost": "validation", "linear-learner": "validation", "kmeans": "test", "knn": "test"}.get(name)
    if extra:
        xv, yv = small_data(1)
        chans[extra] = channel(root, extra, xv, yv if name in SUPERVISED else None)
    lines = train(name, chans, VALID[name], root / "model")
    return root / "model", lines


# ------------------------------------------------------------------------------------------ registry


LATER_ALGORITHMS = ["factorization-machines", "randomcutforest", "deepar"]  # own test files (issue 7)


def test_registry_lists_every_algorithm_by_sagemaker_name():
    assert algorithms.names() == ALGORITHMS + LATER_ALGORITHMS
    for name in ALGORITHMS + LATER_ALGORITHMS:
        algo = algorithms.get(name)
        assert isinstance(algo, algorithms.Algorithm)
        assert algo.name == name and algo.image_repository and algo.hyperparameters
        assert "train" in algo.required_channels <= algo.supported_channels
    assert algorithms.get("xgboost").image_repository == "sagemaker-xgboost"


def test_unknown_algorithm_names_the_available_ones():
    with pytest.raises(ValueError, match=r"Unknown algorithm 'kmean'\. Did you mean 'kmeans'\?.*linear-learner, xgboost"):
        algorithms.get("kmean")


# --------------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize("name", ALGORITHMS)
def test_valid_hyperparameters_are_typed_and_defaults_filled(name):
    algo = algorithms.get(name)
    values = algo.validate_hyperparameters(VALID[name])
    assert set(values) == set(algo.hyperparameters)
    for key, raw in VALID[name].items():
        spec = algo.hyperparameters[key]
        assert values[key] == spec.convert(raw, name)
        if spec.kind == "int":
            assert isinstance(values[key], int)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_unknown_hyperparameter_is_refused_with_a_suggestion(name):
    algo = algorithms.get(name)
    known = sorted(algo.hyperparameters)[0]
    with pytest.raises(HyperparameterError) as err:
        algo.validate_hyperparameters({**VALID[name], known + "s": "1"})
    message = str(err.value)
    assert f"{known + 's'!r} is not supported by {name}" in message
    assert f"Did you mean {known!r}?" in message
    assert "Supported hyperparameters:" in message and known in message


@pytest.mark.parametrize("name", ALGORITHMS)
def test_every_missing_required_hyperparameter_is_named(name):
    algo = algorithms.get(name)
    required = [key for key, spec in algo.hyperparameters.items() if spec.required]
    assert required
    for key in required:
        hps = {k: v for k, v in VALID[name].items() if k != key}
        with pytest.raises(HyperparameterError, match=rf"Missing required hyperparameter '{key}' for {name}.*Valid values:"):
            algo.validate_hyperparameters(hps)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_wrong_types_and_out_of_range_values_name_the_parameter(name):
    algo = algorithms.get(name)
    checked = 0
    for key, spec in algo.hyperparameters.items():
        if spec.kind in ("int", "float"):
            with pytest.raises(HyperparameterError, match=rf"Hyperparameter '{key}': value 'ten' is not (an integer|a number)\. Valid values: "):
                algo.validate_hyperparameters({**VALID[name], key: "ten"})
            if spec.low is not None:
                below = spec.low - 1 if spec.kind == "int" else spec.low - 0.5
                with pytest.raises(HyperparameterError, match=rf"Hyperparameter '{key}': value .* not in range"):
                    algo.validate_hyperparameters({**VALID[name], key: str(below)})
            checked += 1
        elif spec.kind == "choice":
            with pytest.raises(HyperparameterError, match=rf"Hyperparameter '{key}': value 'nonsense' is not one of"):
                algo.validate_hyperparameters({**VALID[name], key: "nonsense"})
            checked += 1
        elif spec.kind == "bool":
            with pytest.raises(HyperparameterError, match=rf"Hyperparameter '{key}': value 'yes' is not a boolean"):
                algo.validate_hyperparameters({**VALID[name], key: "yes"})
            checked += 1
    assert checked >= 3


def test_values_are_accepted_as_strings_or_native_types():
    algo = algorithms.get("linear-learner")
    as_strings = algo.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": "4", "use_bias": "True",
                                               "learning_rate": "0.05", "epochs": "7", "wd": "auto"})
    native = algo.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": 4, "use_bias": True,
                                           "learning_rate": 0.05, "epochs": 7.0, "wd": "AUTO"})
    assert as_strings == native
    assert native["feature_dim"] == 4 and native["use_bias"] is True and native["wd"] == "auto"
    with pytest.raises(HyperparameterError, match="'epochs': value 7.5 is not an integer"):
        algo.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": 4, "epochs": 7.5})
    with pytest.raises(HyperparameterError, match="'feature_dim': value True is not an integer"):
        algo.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": True})


def test_tuning_objective_metric_must_be_a_metric_the_algorithm_emits():
    algo = algorithms.get("xgboost")
    values = algo.validate_hyperparameters({"num_round": "2", "_tuning_objective_metric": "validation:auc"})
    assert values["_tuning_objective_metric"] == "validation:auc"
    with pytest.raises(HyperparameterError, match="'_tuning_objective_metric': 'validation:accuracyy' is not a metric"):
        algo.validate_hyperparameters({"num_round": "2", "_tuning_objective_metric": "validation:accuracyy"})


def test_hyperparameter_range_text_and_description():
    spec = hp.number("eta", 0.3, low=0, high=1)
    assert spec.range_text() == "[0, 1]" and spec.describe() == "eta: float in [0, 1] (default 0.3)"
    assert hp.integer("k", low=1, required=True).describe() == "k: positive integer (required)"
    assert hp.number("x", low=0, low_open=True).range_text() == "(0, inf)"
    assert hp.json_list('["msd", "ssd"]') == ["msd", "ssd"] and hp.json_list("msd") == ["msd"]


# -------------------------------------------------------------------------------- training data


def _bad(root: Path, case: str, name: str) -> dict[str, Path]:
    """Channels for one bad-data ``case``; the good rows have 3 features (+ label when supervised)."""
    x, y = small_data()
    good = np.column_stack([y, x]) if name in SUPERVISED else x
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in good)
    lines = text.splitlines()
    train_dir = root / "train"
    train_dir.mkdir(parents=True)
    if case == "header":
        cols = (["label"] if name in SUPERVISED else []) + ["age", "income", "score"]
        lines.insert(0, ",".join(cols))
    elif case == "nan":
        lines[4] = "nan," + lines[4].split(",", 1)[1] if name not in SUPERVISED else lines[4].rsplit(",", 1)[0] + ",nan"
    elif case == "empty_cell":
        cells = lines[6].split(",")
        cells[1] = ""
        lines[6] = ",".join(cells)
    elif case == "ragged":
        lines[9] = lines[9] + ",1.5"
    elif case == "text":
        cells = lines[2].split(",")
        cells[-1] = "high"
        lines[2] = ",".join(cells)
    elif case == "empty_file":
        lines = []
    if case == "no_files":
        return {"train": train_dir}
    if case == "missing_dir":
        return {"train": root / "nowhere"}
    (train_dir / "data.csv").write_text("\n".join(lines) + ("\n" if lines else ""))
    return {"train": train_dir}


BAD_CASES = {
    # case: pattern the message must match (channel, file and 1-based row, and the fix)
    "header": r"Channel 'train', file 'data.csv', row 1 looks like a header row .* no header: write it with pandas as df\.to_csv\(path, header=False, index=False\)",
    "nan": r"Channel 'train', file 'data.csv', row 5, column \d: 'nan' is not a finite number.*impute or drop",
    "empty_cell": r"Channel 'train', file 'data.csv', row 7, column 2: is empty \(a missing value\)",
    "ragged": r"Channel 'train', file 'data.csv', row 10: \d columns, but row 1 has \d",
    "text": r"Channel 'train', file 'data.csv', row 3, column \d: 'high' is not a number\. .*encode categories",
    "empty_file": r"Channel 'train' is empty: its 1 file\(s\) hold no rows \(data.csv\)",
    "no_files": r"Channel 'train' is empty: no files in .*Upload the train data \(CSV, label first, no header\)",
    "missing_dir": r"Channel 'train': directory .*nowhere' does not exist",
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
@pytest.mark.parametrize("name", ALGORITHMS)
def test_bad_training_data_names_channel_file_and_row(tmp_path, name, case):
    chans = _bad(tmp_path, case, name)
    with pytest.raises(DataFormatError, match=BAD_CASES[case]):
        train(name, chans, VALID[name], tmp_path / "model")
    assert not (tmp_path / "model" / "model.json").exists()


@pytest.mark.parametrize("name", ALGORITHMS)
def test_missing_and_unsupported_channels(tmp_path, name):
    x, y = small_data()
    with pytest.raises(DataFormatError, match=rf"{name} needs a 'train' channel: pass InputData\(channel_name='train'"):
        train(name, {}, VALID[name], tmp_path / "m")
    chans = {"train": channel(tmp_path, "train", x, y if name in SUPERVISED else None), "extra": tmp_path / "train"}
    with pytest.raises(DataFormatError, match=rf"{name} does not read channel\(s\) 'extra'\. Supported channels: .*train"):
        train(name, chans, VALID[name], tmp_path / "m")


@pytest.mark.parametrize("name", ["linear-learner", "kmeans", "pca", "knn"])
def test_feature_dim_mismatch_says_which_way_it_is_off(tmp_path, name):
    x, y = small_data()
    if name in SUPERVISED:
        chans = {"train": channel(tmp_path, "train", x[:, :2], y)}  # label + 2 features, feature_dim=3
        pattern = r"row 1: 3 columns, but feature_dim=3 means 4 columns: the label in column 1, then 3 feature columns\. .*set feature_dim=2"
    else:
        chans = {"train": channel(tmp_path, "train", x, y)}  # a label column left in unsupervised data
        pattern = r"row 1: 4 columns, but feature_dim=3 means 3 columns: .*takes every column as a feature: drop the label column"
    with pytest.raises(DataFormatError, match=pattern):
        train(name, chans, VALID[name], tmp_path / "m")


@pytest.mark.parametrize("name", ["linear-learner", "xgboost"])
def test_a_label_that_is_not_a_class_points_at_the_first_column(tmp_path, name):
    x, y = small_data()
    y = y.copy()
    y[11] = 3.7  # e.g. a feature column where the label should be
    with pytest.raises(DataFormatError, match=r"file 'part-0.csv', row 12: label 3.7 .*(FIRST column|first column)"):
        train(name, {"train": channel(tmp_path, "train", x, y)}, VALID[name], tmp_path / "m")


def test_channel_reads_every_file_in_order_and_skips_hidden_ones(tmp_path):
    d = tmp_path / "train"
    write_csv(d, np.array([[3.0, 4.0]]), "b.csv")
    write_csv(d, np.array([[1.0, 2.0], [5.0, 6.0]]), "a.csv")
    write_csv(d / "sub", np.array([[7.0, 8.0]]), "c.csv")
    write_csv(d / ".ipynb_checkpoints", np.array([[9.0]]), "a-checkpoint.csv")
    (d / ".hidden").write_text("not,data\n")
    table = ch.read_channel("train", d)
    assert table.values.tolist() == [[1.0, 2.0], [5.0, 6.0], [3.0, 4.0], [7.0, 8.0]]
    assert table.where(3) == "Channel 'train', file 'c.csv', row 1"


def test_row_numbers_are_file_lines_and_blank_lines_are_skipped(tmp_path):
    d = tmp_path / "train"
    d.mkdir()
    (d / "x.csv").write_text("\ufeff1,2\n\n3,4\n5,oops\n")  # BOM, a blank line, then a bad cell on line 4
    with pytest.raises(DataFormatError, match=r"file 'x.csv', row 4, column 2: 'oops' is not a number"):
        ch.read_channel("train", d)
    (d / "x.csv").write_text("1,2\n\n3,4\n")
    table = ch.read_channel("train", d)
    assert table.values.tolist() == [[1, 2], [3, 4]] and table.row_line.tolist() == [1, 3]


def test_files_with_different_column_counts_and_binary_files_are_refused(tmp_path):
    d = tmp_path / "train"
    write_csv(d, np.ones((2, 3)), "a.csv")
    write_csv(d, np.ones((2, 4)), "b.csv")
    with pytest.raises(DataFormatError, match=r"file 'b.csv', row 1: 4 columns, but file 'a.csv' has 3"):
        ch.read_channel("train", d)
    (d / "b.csv").write_bytes(b"\x80\x81\xfe")
    with pytest.raises(DataFormatError, match=r"file 'b.csv' is not UTF-8 text"):
        ch.read_channel("train", d)


# ------------------------------------------------------------------------------------- inference


def _protobuf_body(x):
    """Float64 tensors: the same numbers as the CSV body, so the answers match exactly."""
    buffer = io.BytesIO()
    recordio.write_numpy_to_dense_tensor(buffer, np.asarray(x, dtype=np.float64))
    return buffer.getvalue()


@pytest.mark.parametrize("name", ALGORITHMS)
def test_round_trip_in_every_supported_request_format(tmp_path, name):
    model_dir, _ = train_small(name, tmp_path)
    algo = algorithms.get(name)
    model = algo.model_fn(model_dir)
    x, _ = small_data(2, n=4)
    bodies = {
        "text/csv": csv_body(x),
        "application/json": json.dumps({"instances": [{"features": list(map(float, r))} for r in x]}).encode(),
        "application/jsonlines": "\n".join(json.dumps({"features": list(map(float, r))}) for r in x).encode(),
        "application/x-recordio-protobuf": _protobuf_body(x),
        "text/libsvm": "".join("0 " + " ".join(f"{j}:{float(v)!r}" for j, v in enumerate(r)) + "\n" for r in x).encode(),
    }
    bodies["text/x-libsvm"] = bodies["text/libsvm"]
    answers = []
    for content_type in algo.content_types:
        body, mime = invoke(name, model, bodies[content_type], content_type, algo.default_accept)
        assert mime == algo.default_accept
        answers.append(body)
    assert len(set(answers)) == 1  # the same records, whatever the request format


INFERENCE_ERRORS = {
    "unsupported content type": (b"1,2,3", "application/x-npy", None, 415, r"Content type 'application/x-npy' is not supported"),
    "bad json": (b'{"instances": [', "application/json", None, 400, r"not valid JSON"),
    "no instances": (b'{"rows": []}', "application/json", None, 400, r'needs an "instances" list'),
    "empty body": (b"  \n", "text/csv", None, 400, r"The request body is empty"),
    "text cell": (b"1,abc,3", "text/csv", None, 400, r"Record 1, feature 2: 'abc' is not a number"),
    "ragged": (b"1,2,3\n4,5", "text/csv", None, 400, r"Record 2 has 2 features but record 1 has 3"),
    "nan": (b"1,nan,3", "text/csv", None, 400, r"Record 1, feature 2 is 'nan': the model needs finite numbers"),
    "missing value": (b"1,,3", "text/csv", None, 400, r"Record 1, feature 2 is '': the model needs finite numbers"),
    "too many features": (b"0,1,2,3", "text/csv", None, 400, r"must have 3 features \(the model's feature_dim\), got 4\. Send the features only, without the label column"),
    "too few features": (b"1,2", "text/csv", None, 400, r"must have 3 features \(the model's feature_dim\), got 2"),
    "unsupported accept": (b"1,2,3", "text/csv", "application/x-npy", 406, r"Accept type 'application/x-npy' is not supported"),
}


@pytest.mark.parametrize("case", sorted(INFERENCE_ERRORS))
@pytest.mark.parametrize("name", ALGORITHMS)
def test_bad_requests_get_the_right_status(tmp_path, name, case):
    model_dir, _ = train_small(name, tmp_path)
    model = algorithms.get(name).model_fn(model_dir)
    body, content_type, accept, status, pattern = INFERENCE_ERRORS[case]
    if name == "xgboost" and content_type != "text/csv":
        status, pattern = 415, r"not supported by this algorithm\. Supported content types: text/csv"
    with pytest.raises(InferenceError, match=pattern) as err:
        invoke(name, model, body, content_type, accept)
    assert err.value.status_code == status


@pytest.mark.parametrize("name", ALGORITHMS)
def test_model_fn_refuses_another_algorithms_model(tmp_path, name):
    other = "pca" if name != "pca" else "kmeans"
    model_dir, _ = train_small(other, tmp_path)
    with pytest.raises((ValueError, FileNotFoundError), match=r"not (a|an) |trained by 'pca'|trained by 'kmeans'"):
        algorithms.get(name).model_fn(model_dir)


def test_json_and_jsonlines_request_shapes():
    expected = [[1.0, 2.0], [3.0, 4.0]]
    forms = [
        ('{"instances": [{"features": [1, 2]}, {"features": [3, 4]}]}', "application/json"),
        ('{"instances": [[1, 2], [3, 4]]}', "application/json"),
        ('{"instances": [{"data": {"features": {"values": [1, 2]}}}, {"features": [3, "4"]}]}', "application/json"),
        ('{"features": [1, 2]}\n\n{"data": {"features": {"values": [3, 4]}}}\n', "application/jsonlines"),
        ("[1, 2]\n[3, 4]", "application/jsonl"),
        ("1, 2\r\n3,4\r\n", "text/csv; charset=utf-8"),
        ("9,1,2\n9,3,4", "text/csv;label_size=1"),
        ("1,2\n3,4", None),  # no Content-Type: CSV, as SageMaker's built-in algorithms assume
    ]
    for body, content_type in forms:
        assert payloads.parse_features(body.encode(), content_type).tolist() == expected, (body, content_type)
    with pytest.raises(InferenceError, match='Record 1 has no features'):
        payloads.parse_features(b'{"instances": [{"x": [1]}]}', "application/json")
    with pytest.raises(InferenceError, match="Sparse records"):
        payloads.parse_features(b'{"instances": [{"data": {"features": {"keys": [0], "shape": [2], "values": [1]}}}]}',
                                "application/json")


ONE_ROW_BODIES = [
    b"0.1,-0.2,0.3", b"1,2,3\n", b" 1 , 2 ,3\r\n", b"1_000,2e3,-.5", b"1e308,1e308,1e308", b"1,nan,3", b"1,inf,3",
    b"1,,3", b"1,abc,3", b"\xef\xbb\xbf1,2,3", b"1,2,3\n4,5,6", b"1,2\x0c3", b"\xff,1,2", b"1,2,3,", b",", b"",
    "\u0661,2,3".encode(), b"1e400,1,2", b"true,1,2",
]


@pytest.mark.parametrize("body", ONE_ROW_BODIES)
def test_the_one_row_csv_shortcut_answers_exactly_as_the_general_parser(body):
    # "text/csv; charset=utf-8" has a parameter, so it always takes the general path
    def parse(content_type):
        try:
            return payloads.parse_features(body, content_type).tolist()
        except InferenceError as error:
            return (error.status_code, str(error))
    assert parse("text/csv") == parse("text/csv; charset=utf-8") == parse(None)


def test_json_booleans_are_not_numbers():
    for body in (b'{"instances": [[true, 1, 2]]}', b'{"features": [1, false]}'):
        with pytest.raises(InferenceError, match=r"Record 1, feature \d: (True|False) is not a number"):
            payloads.parse_features(body, "application/json")
    with pytest.raises(InferenceError, match=r"is not a number"):
        payloads.parse_features(b"[1, true]", "application/jsonlines")


@pytest.mark.parametrize("size", [3, 1000])
def test_check_features_finds_the_first_non_finite_value_in_small_and_large_batches(size):
    matrix = np.zeros((size, 3))
    assert payloads.check_features(matrix, 3) is not None
    matrix[size - 1, 2] = np.nan
    with pytest.raises(InferenceError, match=rf"Record {size}, feature 3 is nan"):
        payloads.check_features(matrix, 3)
    matrix[size - 1, 2] = -np.inf
    with pytest.raises(InferenceError, match=rf"Record {size}, feature 3 is -inf"):
        payloads.check_features(matrix, 3)
    # values whose sum overflows are still finite: accepted
    assert payloads.check_features(np.full((size, 3), 1e308), 3).shape == (size, 3)


def test_json_responses_are_valid_json_with_numpy_values_and_non_finite_numbers():
    records = [{"score": np.float32(0.5), "predicted_label": np.int64(1), "vector": np.arange(2.0)},
               {"score": float("nan"), "predicted_label": 0, "vector": [1.0]}]
    body = payloads.encode(records, payloads.JSON)
    assert json.loads(body) == {"predictions": [{"score": 0.5, "predicted_label": 1, "vector": [0.0, 1.0]},
                                                {"score": None, "predicted_label": 0, "vector": [1.0]}]}
    lines = payloads.encode(records, payloads.JSONLINES).decode().splitlines()
    assert [json.loads(line)["predicted_label"] for line in lines] == [1, 0]
    with pytest.raises(TypeError, match="not JSON serializable: object"):
        payloads.encode([{"score": object()}], payloads.JSON)


def test_accept_negotiation():
    supported = ("application/json", "text/csv")
    assert payloads.negotiate_accept(None, supported, "application/json")[0] == "application/json"
    assert payloads.negotiate_accept("*/*", supported, "text/csv")[0] == "text/csv"
    assert payloads.negotiate_accept("text/html, text/csv;q=0.9", supported, "application/json")[0] == "text/csv"
    assert payloads.negotiate_accept("application/json; verbose=true", supported, "text/csv") == ("application/json", {"verbose": "true"})
    with pytest.raises(InferenceError) as err:
        payloads.negotiate_accept("text/html", supported, "text/csv")
    assert err.value.status_code == 406


# ----------------------------------------------------------------------------------------- metrics


@pytest.mark.parametrize("name", ALGORITHMS)
def test_metric_definitions_capture_every_logged_metric(tmp_path, name):
    _, lines = train_small(name, tmp_path)
    definitions = algorithms.get(name).metric_definitions()
    assert all(set(d) == {"Name", "Regex"} for d in definitions)
    logged = metrics(lines)
    if name == "pca":  # SageMaker's PCA emits no metrics
        assert definitions == [] and logged == {}
    else:
        assert definitions and logged
    for metric, value in logged.items():
        matching = [d for d in definitions if d["Name"] == metric]
        assert matching, f"{metric} has no metric definition"
        captured = [float(re.search(d["Regex"], line).group(1)) for d in matching for line in lines
                    if re.search(d["Regex"], line)]
        assert captured[-1] == value
    assert all(line.startswith(("#metrics ", "#progress epoch=")) or not line.startswith("#") for line in lines)


@pytest.mark.parametrize("name", ["linear-learner", "kmeans"])
def test_epoch_based_algorithms_log_progress(tmp_path, name):
    _, lines = train_small(name, tmp_path)
    progress = [line for line in lines if line.startswith("#progress")]
    epochs = int(algorithms.get(name).validate_hyperparameters(VALID[name])["epochs"])
    assert progress[0] == f"#progress epoch=1/{epochs}" and progress[-1].endswith(f"/{epochs}")


def test_metric_functions_match_scikit_learn():
    from sklearn import metrics as sk

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    score = np.round(rng.random(200) + 0.3 * y, 1)  # rounded: many ties
    assert m.roc_auc(y, score) == pytest.approx(sk.roc_auc_score(y, score), abs=1e-12)
    pred = (score > 0.6).astype(int)
    p, r, f = m.precision_recall_fbeta(y, pred, beta=2.0)
    assert (p, r) == pytest.approx((sk.precision_score(y, pred), sk.recall_score(y, pred)))
    assert f == pytest.approx(sk.fbeta_score(y, pred, beta=2.0))
    yc = rng.integers(0, 4, 300)
    proba = rng.dirichlet(np.ones(4), 300)
    pc = proba.argmax(axis=1)
    mp, mr, mf = m.macro_precision_recall_fbeta(yc, pc, 4)
    assert mp == pytest.approx(sk.precision_score(yc, pc, average="macro"))
    assert mr == pytest.approx(sk.recall_score(yc, pc, average="macro"))
    assert mf == pytest.approx(sk.f1_score(yc, pc, average="macro"))
    assert m.top_k_accuracy(yc, proba, 2) == pytest.approx(sk.top_k_accuracy_score(yc, proba, k=2))
    assert m.dcg(yc, proba) == pytest.approx(sk.dcg_score(np.eye(4)[yc], proba) / 1.0)
    assert np.isnan(m.roc_auc(np.ones(5), np.arange(5)))


# ------------------------------------------------------- numbers: the containers' ASCII syntax only
EXOTIC_NUMBERS = {
    "arabic-indic": "\u0661\u0662",      # ١٢, float() reads 12
    "fullwidth": "\uff11\uff12",         # １２
    "devanagari": "\u0967\u0968",        # १२
    "underscore": "1_0",                 # float() reads 10
    "superscript": "\u00b2",             # ², isdigit() is True
}


@pytest.mark.parametrize("kind", sorted(EXOTIC_NUMBERS))
@pytest.mark.parametrize("content_type", ["text/csv", None, "text/csv; charset=utf-8", "application/json",
                                          "application/jsonlines"])
def test_numbers_in_other_digit_forms_are_not_numbers_in_requests(kind, content_type):
    cell = EXOTIC_NUMBERS[kind]
    if content_type in ("application/json", "application/jsonlines"):
        body = json.dumps({"features": [1, cell, 3]}).encode()  # a JSON string cell, as "4" is accepted
    else:
        body = f"1,{cell},3".encode()
    with pytest.raises(InferenceError, match=rf"Record 1, feature 2: {re.escape(repr(cell))} is not a number") as err:
        payloads.parse_features(body, content_type)
    assert err.value.status_code == 400


def test_ascii_number_forms_the_containers_read_are_still_read():
    body = b"1,+2.,-.5,3e2,4E-1, 6 ,\t7"
    assert payloads.parse_features(body, "text/csv").tolist() == [[1, 2, -0.5, 300, 0.4, 6, 7]]
    assert payloads.parse_features(body, "text/csv; charset=utf-8").tolist() == [[1, 2, -0.5, 300, 0.4, 6, 7]]
    assert payloads.parse_features(b'{"features": ["1", "2.5e1"]}', "application/json").tolist() == [[1, 25]]


@pytest.mark.parametrize("label_size", ["\u00b2", "\u0661", "\uff11", "1_0", "-1", "one"])
def test_label_size_must_be_ascii_digits(label_size):
    with pytest.raises(InferenceError, match=r"Content-Type parameter label_size=.* must be a non-negative integer") as err:
        payloads.parse_features(b"9,1,2\n9,3,4", f"text/csv;label_size={label_size}")
    assert err.value.status_code == 400


@pytest.mark.parametrize("kind", sorted(EXOTIC_NUMBERS))
def test_hyperparameters_in_other_digit_forms_are_refused_by_name(kind):
    algo = algorithms.get("linear-learner")
    value = EXOTIC_NUMBERS[kind]
    with pytest.raises(HyperparameterError, match=rf"Hyperparameter 'epochs': value {re.escape(repr(value))} is not an integer"):
        algo.validate_hyperparameters({**VALID["linear-learner"], "epochs": value})
    with pytest.raises(HyperparameterError, match=r"Hyperparameter 'learning_rate': value .* is not a number"):
        algo.validate_hyperparameters({**VALID["linear-learner"], "learning_rate": "0." + value})
    accepted = algo.validate_hyperparameters({**VALID["linear-learner"], "epochs": " +7 ", "learning_rate": "5e-2"})
    assert accepted["epochs"] == 7 and accepted["learning_rate"] == 0.05
    assert algo.validate_hyperparameters({**VALID["linear-learner"], "epochs": "1e1"})["epochs"] == 10


@pytest.mark.parametrize("kind", ["underscore", "fullwidth"])
def test_training_data_in_other_digit_forms_names_the_cell(tmp_path, kind):
    x, y = small_data()
    lines = "\n".join(",".join(repr(float(v)) for v in row) for row in np.column_stack([y, x])).splitlines()
    cells = lines[3].split(",")
    cells[2] = EXOTIC_NUMBERS[kind]
    lines[3] = ",".join(cells)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "data.csv").write_text("\n".join(lines) + "\n")
    pattern = rf"Channel 'train', file 'data.csv', row 4, column 3: {re.escape(repr(EXOTIC_NUMBERS[kind]))} is not a number"
    with pytest.raises(DataFormatError, match=pattern):
        train("linear-learner", {"train": tmp_path / "train"}, VALID["linear-learner"], tmp_path / "model")
