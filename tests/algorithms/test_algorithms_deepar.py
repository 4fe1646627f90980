"""deepar: SageMaker's hyperparameters, JSON Lines series, the request/response formats, every
likelihood, the test metrics, a failing job, and the quality bar: on the museum visitors (24 daily
series) DeepAR beats a weekly seasonal-naive forecast on the held-out last two weeks (mean weighted
quantile loss). The quality bar always trains with its full settings (about 30 s on one core);
FLYWHEEL_SMOKE only shrinks notebooks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from algorithm_support import metrics, train as train_algorithm
from helpers import data
from helpers.algorithms.deepar import DEFAULT_CONFIGURATION, DeepAR, weighted_quantile_loss
from helpers.algorithms.deepar.algorithm import evaluate
from helpers.algorithms.deepar.series import Series, lags_for, parse_frequency, time_features
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError

AR = DeepAR()
REQUIRED = {"context_length": "14", "prediction_length": "7", "time_freq": "D", "epochs": "2"}
QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def weekly_series(n: int = 6, length: int = 140, seed: int = 0) -> list[dict]:
    """Daily counts with a weekly profile and a level per series; cat = series parity."""
    rng = np.random.default_rng(seed)
    profile = np.array([0.7, 0.8, 0.9, 1.0, 1.1, 1.6, 1.5])
    records = []
    for i in range(n):
        level = 50 * (1 + i)
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 7)))
        mean = level * profile[(start.dayofweek + np.arange(length)) % 7]
        records.append({"start": str(start), "target": rng.poisson(mean).astype(float).tolist(), "cat": [i % 2]})
    return records


def write(directory: Path, records: list, name: str = "series.json") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return directory


def train(channels: dict, hps: dict, model_dir: Path) -> list[str]:
    return train_algorithm(AR, channels, hps, model_dir)


def invoke(model, payload, content_type="application/json", accept="application/json"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return AR.output_fn(AR.predict_fn(AR.input_fn(body, content_type), model), accept)


# ---------------------------------------------------------------------------------- hyperparameters


def test_hyperparameters_follow_sagemaker():
    values = AR.validate_hyperparameters(REQUIRED)
    assert values["likelihood"] == "student-T" and values["num_cells"] == 40 and values["num_layers"] == 2
    assert values["mini_batch_size"] == 128 and values["embedding_dimension"] == 10 and values["dropout_rate"] == 0.1
    assert values["learning_rate"] == 0.001 and values["num_eval_samples"] == 100 and values["test_quantiles"] == QUANTILES
    assert values["cardinality"] == "auto" and values["num_dynamic_feat"] == "auto" and values["early_stopping_patience"] is None
    for key in REQUIRED:
        with pytest.raises(HyperparameterError, match=rf"Missing required hyperparameter '{key}' for deepar"):
            AR.validate_hyperparameters({k: v for k, v in REQUIRED.items() if k != key})
    for good, normal in (("D", "D"), ("5min", "5min"), ("2W", "2W"), ("M", "M"), ("1H", "H")):
        assert AR.validate_hyperparameters({**REQUIRED, "time_freq": good})["time_freq"] == normal
    for bad in ("daily", "5s", "0D", "Y"):
        with pytest.raises(HyperparameterError, match=r"'time_freq': value .* is not valid .*M, W, D, H or min"):
            AR.validate_hyperparameters({**REQUIRED, "time_freq": bad})
    cards = {"auto": "auto", "ignore": "ignore", "": "ignore", "[2, 3]": [2, 3]}
    for raw, parsed in cards.items():
        assert AR.validate_hyperparameters({**REQUIRED, "cardinality": raw})["cardinality"] == parsed
    with pytest.raises(HyperparameterError, match=r"'cardinality': value '\[0\]' is not valid"):
        AR.validate_hyperparameters({**REQUIRED, "cardinality": "[0]"})
    with pytest.raises(HyperparameterError, match=r"'likelihood': value 'poisson' is not one of 'gaussian', 'beta', 'negative-binomial', 'student-T', 'deterministic-L1'"):
        AR.validate_hyperparameters({**REQUIRED, "likelihood": "poisson"})
    with pytest.raises(HyperparameterError, match=r"'likelihood': value 'student-t' .*Did you mean 'student-T'\?"):
        AR.validate_hyperparameters({**REQUIRED, "likelihood": "student-t"})
    with pytest.raises(HyperparameterError, match=r"'dropout_rate': value '1' not in range \[0, 1\)"):
        AR.validate_hyperparameters({**REQUIRED, "dropout_rate": "1"})
    with pytest.raises(HyperparameterError, match=r"'test_quantiles': value '\[0\.5, 1\.2\]' is not valid"):
        AR.validate_hyperparameters({**REQUIRED, "test_quantiles": "[0.5, 1.2]"})
    with pytest.raises(HyperparameterError, match=r"'num_dynamic_feat': value '-1' is not valid"):
        AR.validate_hyperparameters({**REQUIRED, "num_dynamic_feat": "-1"})
    with pytest.raises(HyperparameterError, match=r"'context_length': value 'two weeks' is not an integer"):
        AR.validate_hyperparameters({**REQUIRED, "context_length": "two weeks"})


def test_lags_and_date_features_follow_the_frequency():
    assert lags_for(parse_frequency("D")) == [1, 2, 3, 7, 14, 21, 28, 364]
    assert lags_for(parse_frequency("2D")) == [1, 2, 3, 7, 14, 182]  # 14/2, 28/2, 364/2 in steps of 2 days
    assert lags_for(parse_frequency("H")) == [1, 2, 3, 24, 48, 72, 168]
    assert lags_for(parse_frequency("M")) == [1, 2, 3, 12]
    features = time_features(pd.Timestamp("2024-01-01"), 14, parse_frequency("D"))  # a Monday
    assert features.shape == (14, 3) and features.min() >= -0.5 and features.max() <= 0.5
    assert features[:7, 0].tolist() == pytest.approx([d / 6 - 0.5 for d in range(7)])  # day of week
    assert np.array_equal(features[0], time_features(pd.Timestamp("2023-12-25"), 1, parse_frequency("D"), offset=7)[0])
    months = time_features(pd.Timestamp("2024-11-30"), 3, parse_frequency("M"), offset=-1)
    assert months[:, 0].tolist() == pytest.approx([9 / 11 - 0.5, 10 / 11 - 0.5, 0.5])  # October, November, December


# ------------------------------------------------------------------------------------ training data


BAD_RECORDS = {
    "not json": ('{"start": "2024-01-01", "target": [1, 2', r"row 2 is not valid JSON .*DeepAR reads JSON Lines"),
    "no start": ('{"target": [1, 2, 3]}', r'row 2: no "start"'),
    "bad start": ('{"start": "01/02/2024", "target": [1, 2, 3]}', r'row 2: "start" \'01/02/2024\' is not a timestamp like "2024-01-01 00:00:00"'),
    "impossible date": ('{"start": "2024-02-30 00:00:00", "target": [1, 2, 3]}', r'row 2: "start" .* is not a valid date'),
    "no target": ('{"start": "2024-01-01 00:00:00"}', r'row 2: no "target"'),
    "text in target": ('{"start": "2024-01-01 00:00:00", "target": [1, "lots", 3]}', r'row 2: "target" value 2 is \'lots\''),
    "negative cat": ('{"start": "2024-01-01 00:00:00", "target": [1, 2], "cat": [-1]}', r'row 2: "cat" \[-1\] must be non-negative integers'),
    "cat count": ('{"start": "2024-01-01 00:00:00", "target": [1, 2], "cat": [0, 1]}', r"row 2: 2 categorical feature\(s\) in \"cat\", but channel 'train', file 'series.json', row 1 has 1"),
    "dynamic_feat": ('{"start": "2024-01-01 00:00:00", "target": [1, 2], "cat": [0], "dynamic_feat": [[1, 2]]}',
                     r'row 2: "dynamic_feat" is not supported by the local DeepAR: set num_dynamic_feat="ignore"'),
    "negative count": ('{"start": "2024-01-01 00:00:00", "target": [1, -2], "cat": [0]}',
                       r"row 2: target value -2\.0 is negative, but likelihood='negative-binomial' models counts"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_bad_records_name_channel_file_and_row(tmp_path, case):
    line, pattern = BAD_RECORDS[case]
    chans = {"train": write(tmp_path / "train", [weekly_series(1)[0], line])}
    with pytest.raises(DataFormatError, match=rf"Channel 'train', file 'series.json', {pattern}"):
        train(chans, {**REQUIRED, "likelihood": "negative-binomial"}, tmp_path / "model")
    assert not (tmp_path / "model" / "model.json").exists()


def test_channel_level_problems(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match=r"Channel 'train' is empty"):
        train({"train": tmp_path / "empty"}, REQUIRED, tmp_path / "m")
    short = write(tmp_path / "short", [{"start": "2024-01-01", "target": [1.0] * 7}])
    with pytest.raises(DataFormatError, match=r"no series is longer than prediction_length=7 .*the longest has 7 values"):
        train({"train": short}, REQUIRED, tmp_path / "m")
    records = weekly_series(2)
    with pytest.raises(HyperparameterError, match=r"'cardinality': \[2, 2\] gives 2 categorical feature\(s\), but the training records have 1"):
        train({"train": write(tmp_path / "card", records)}, {**REQUIRED, "cardinality": "[2, 2]"}, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"record 2: \"cat\" feature 1 is 1, but the model knows codes 0\.\.0"):
        train({"train": tmp_path / "card"}, {**REQUIRED, "cardinality": "[1]"}, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"does not read channel\(s\) 'validation'"):
        train({"train": tmp_path / "card", "validation": tmp_path / "card"}, REQUIRED, tmp_path / "m")


def test_gzip_success_marker_missing_values_and_ignored_fields(tmp_path):
    records = weekly_series(3)
    records[0]["target"][5] = "NaN"
    records[1]["target"][9] = None
    records[2]["dynamic_feat"] = [[0.0] * 140]
    folder = tmp_path / "train"
    folder.mkdir()
    (folder / "part-0.json.gz").write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in records) + "\n").encode()))
    (folder / "_SUCCESS").write_text("")
    lines = train({"train": folder}, {**REQUIRED, "num_dynamic_feat": "ignore", "cardinality": "ignore", "epochs": 1},
                  tmp_path / "model")
    assert "3 training series" in lines[0] and "0 categorical feature(s)" in lines[0]
    model = AR.model_fn(tmp_path / "model")
    assert not model.use_cat  # cat in a request is then ignored
    body, _ = invoke(model, {"instances": [{"start": "2024-01-01", "target": [5.0, None, "NaN", 7.0], "cat": [9]}]})
    assert len(json.loads(body)["predictions"][0]["mean"]) == 7


# -------------------------------------------------------------------------------- train and serve


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small model with a categorical feature, trained with a test channel."""
    root = tmp_path_factory.mktemp("deepar")
    records = weekly_series()
    train_records = [{**r, "target": r["target"][:-7]} for r in records]
    lines: list[str] = []
    AR.train({"train": write(root / "train", train_records), "test": write(root / "test", records)},
             {**REQUIRED, "epochs": "3", "num_cells": "16", "likelihood": "negative-binomial", "num_eval_samples": "50"},
             root / "model", log=lines.append)
    return {"model": AR.model_fn(root / "model"), "lines": lines, "records": records}


def test_training_logs_progress_and_sagemakers_metrics(trained):
    lines = trained["lines"]
    assert [line for line in lines if line.startswith("#progress")] == [f"#progress epoch={i}/3" for i in (1, 2, 3)]
    logged = metrics(lines)
    assert set(logged) == {"train:final_loss", "test:RMSE", "test:mean_wQuantileLoss"} == set(AR.metric_names)
    definitions = {d["Name"]: d["Regex"] for d in AR.metric_definitions()}
    import re

    for line in lines:
        if line.startswith("#metrics "):
            name = line[9:].split("=")[0]
            assert float(re.search(definitions[name], line).group(1)) == logged[name]
    # The test metrics are what evaluate() computes again: forecasts are seeded.
    test = [Series(pd.Timestamp(r["start"]), np.array(r["target"]), r["cat"]) for r in trained["records"]]
    again = evaluate(trained["model"], test, 50, QUANTILES)
    assert again["RMSE"] == pytest.approx(logged["test:RMSE"]) and again["mean_wQuantileLoss"] == pytest.approx(logged["test:mean_wQuantileLoss"])


def test_weighted_quantile_loss_is_sagemakers_formula():
    y = np.array([[10.0, 20.0, np.nan], [0.0, 5.0, 5.0]])
    q = np.array([[12.0, 15.0, 99.0], [1.0, 5.0, 2.0]])
    # tau = 0.9: under-forecasts cost 0.9 per unit, over-forecasts 0.1; NaN truth is skipped
    by_hand = 2 * (0.1 * 2 + 0.9 * 5 + 0.1 * 1 + 0 + 0.9 * 3) / (10 + 20 + 0 + 5 + 5)
    assert weighted_quantile_loss(y, q, 0.9) == pytest.approx(by_hand)
    assert weighted_quantile_loss(y, y, 0.3) == 0.0


def test_response_has_mean_and_requested_quantiles(trained):
    model, record = trained["model"], trained["records"][2]
    request = {"instances": [{"start": record["start"], "target": record["target"], "cat": record["cat"]},
                             {"start": "2024-03-01 00:00:00", "target": [30.0, 41.0, 38.0], "cat": [1]}],
               "configuration": {"num_samples": 200, "output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.5", "0.9"]}}
    body, mime = invoke(model, request)
    assert mime == "application/json"
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == 2
    for p in predictions:
        assert set(p) == {"mean", "quantiles"} and set(p["quantiles"]) == {"0.1", "0.5", "0.9"}
        q = {k: np.array(v) for k, v in p["quantiles"].items()}
        assert all(len(v) == 7 for v in q.values()) and len(p["mean"]) == 7
        assert (q["0.1"] <= q["0.5"]).all() and (q["0.5"] <= q["0.9"]).all()
        assert np.isfinite(p["mean"]).all() and min(p["mean"]) >= 0  # negative-binomial counts
    assert invoke(model, request)[0] == body  # seeded: the same request, the same sample paths
    default, _ = invoke(model, {"instances": request["instances"][:1]})
    assert set(json.loads(default)["predictions"][0]["quantiles"]) == set(DEFAULT_CONFIGURATION["quantiles"])
    samples, _ = invoke(model, {**request, "configuration": {"num_samples": 5, "output_types": ["samples"]}})
    paths = json.loads(samples)["predictions"][0]["samples"]
    assert np.array(paths).shape == (5, 7) and all(float(v).is_integer() for path in paths for v in path)


def test_jsonlines_batch_requests_take_the_environment_configuration(trained, monkeypatch):
    model, records = trained["model"], trained["records"]
    body = "\n".join(json.dumps({"start": r["start"], "target": r["target"], "cat": r["cat"]}) for r in records[:3]).encode()
    monkeypatch.setenv("DEEPAR_INFERENCE_CONFIG", json.dumps({"num_samples": 20, "output_types": ["mean"]}))
    out, mime = invoke(model, body, "application/jsonlines", "application/jsonlines")
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert mime == "application/jsonlines" and len(lines) == 3 and all(set(r) == {"mean"} for r in lines)


REQUEST_ERRORS = {
    "csv": (b"1,2,3", "text/csv", None, 415, r"Content type 'text/csv' is not supported by deepar"),
    "bad json": (b'{"instances": [', "application/json", None, 400, r"not valid JSON"),
    "no instances": (b'{"series": []}', "application/json", None, 400, r'needs a non-empty "instances" list'),
    "no start": (b'{"instances": [{"target": [1, 2], "cat": [0]}]}', "application/json", None, 400, r'Instance 1: no "start"'),
    "empty target": (b'{"instances": [{"start": "2024-01-01", "target": [], "cat": [0]}]}', "application/json", None, 400,
                     r'Instance 1: "target" is empty'),
    "missing cat": (b'{"instances": [{"start": "2024-01-01", "target": [1, 2]}]}', "application/json", None, 400,
                    r'Instance 1: "cat" has 0 value\(s\) but the model was trained with 1'),
    "unknown cat": (b'{"instances": [{"start": "2024-01-01", "target": [1, 2], "cat": [5]}]}', "application/json", None, 400,
                    r'Instance 1: "cat" feature 1 is 5, but the model knows codes 0\.\.1'),
    "num_samples": (b'{"instances": [{"start": "2024-01-01", "target": [1], "cat": [0]}], "configuration": {"num_samples": 0}}',
                    "application/json", None, 400, r'"num_samples" must be an integer from 1 to 10000'),
    "output type": (b'{"instances": [{"start": "2024-01-01", "target": [1], "cat": [0]}], "configuration": {"output_types": ["median"]}}',
                    "application/json", None, 400, r'"output_types" must be a non-empty list of "mean", "quantiles", "samples"'),
    "quantile": (b'{"instances": [{"start": "2024-01-01", "target": [1], "cat": [0]}], "configuration": {"quantiles": ["1.5"]}}',
                 "application/json", None, 400, r"Quantile '1\.5' is not a number strictly between 0 and 1"),
    "config key": (b'{"instances": [{"start": "2024-01-01", "target": [1], "cat": [0]}], "configuration": {"samples": 3}}',
                   "application/json", None, 400, r"Unknown configuration key\(s\) 'samples'"),
    "accept csv": (b'{"instances": [{"start": "2024-01-01", "target": [1], "cat": [0]}]}', "application/json", "text/csv", 406,
                   r"Accept type 'text/csv' is not supported"),
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
def test_bad_requests_get_the_right_status(trained, case):
    body, content_type, accept, status, pattern = REQUEST_ERRORS[case]
    with pytest.raises(InferenceError, match=pattern) as err:
        invoke(trained["model"], body, content_type, accept or "application/json")
    assert err.value.status_code == status


@pytest.mark.parametrize("likelihood", ["gaussian", "student-T", "negative-binomial", "beta", "deterministic-L1"])
def test_every_likelihood_trains_and_forecasts_in_its_range(tmp_path, likelihood):
    records = weekly_series(3, 60)
    if likelihood == "beta":  # shares in [0, 1]
        records = [{**r, "target": (np.array(r["target"]) / (max(r["target"]) + 1)).tolist()} for r in records]
    hps = {**REQUIRED, "epochs": 1, "num_cells": 8, "num_layers": 1, "likelihood": likelihood, "early_stopping_patience": 1}
    train({"train": write(tmp_path / "train", records)}, hps, tmp_path / "model")
    model = AR.model_fn(tmp_path / "model")
    paths = model.sample_paths([Series(pd.Timestamp(r["start"]), np.array(r["target"]), r["cat"]) for r in records], 30)
    assert paths.shape == (3, 30, 7) and np.isfinite(paths).all()
    if likelihood == "negative-binomial":
        assert (paths >= 0).all() and np.array_equal(paths, np.round(paths))
    if likelihood == "beta":
        assert ((paths >= 0) & (paths <= 1)).all()
    if likelihood == "deterministic-L1":
        assert paths.min(axis=1) == pytest.approx(paths.max(axis=1), rel=1e-5)  # a point forecast: every sample the same


def test_model_fn_refuses_another_algorithms_model(tmp_path):
    from helpers.algorithms.base import write_model

    write_model(tmp_path, "kmeans", {"k": 2}, {"centers": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"trained by 'kmeans', not 'deepar'"):
        AR.model_fn(tmp_path)


# ----------------------------------------------------------------------------------- quality bar


def seasonal_naive(history: np.ndarray, horizon: int, season: int = 7) -> np.ndarray:
    """Repeat the last observed season: the forecast for day T+h is the value on day T+h-7k."""
    return np.array([history[len(history) - season + (h % season)] for h in range(horizon)])


def test_quality_bar_deepar_beats_seasonal_naive_on_museum_visitors(tmp_path):
    import torch

    torch.set_num_threads(min(2, torch.get_num_threads()))
    visitors = data.load("museum_visitors")
    horizon = 14
    types = sorted(visitors.type.unique())
    full, truth, history = [], [], []
    for _, museum in visitors.groupby("museum_id"):
        y = museum.visitors.to_numpy().astype(float)
        full.append({"start": str(museum.date.iloc[0]), "target": y.tolist(), "cat": [types.index(museum.type.iloc[0])]})
        truth.append(y[-horizon:])
        history.append(y[:-horizon])
    # SageMaker's recommended split: the full series in test, the series without the last horizon in train.
    chans = {"train": write(tmp_path / "train", [{**r, "target": r["target"][:-horizon]} for r in full]),
             "test": write(tmp_path / "test", full)}
    hps = {"context_length": 28, "prediction_length": horizon, "time_freq": "D", "epochs": 60, "learning_rate": 0.005,
           "likelihood": "student-T", "num_eval_samples": 100}
    logged = metrics(train(chans, hps, tmp_path / "model"))
    truth = np.stack(truth)
    naive = np.stack([seasonal_naive(h, horizon) for h in history])
    naive_wql = float(np.mean([weighted_quantile_loss(truth, naive, q) for q in QUANTILES]))  # a point forecast
    naive_rmse = float(np.sqrt(np.mean((naive - truth) ** 2)))
    print(f"\nmuseum visitors, {len(full)} series, last {horizon} days held out:"
          f"\n  mean wQuantileLoss: seasonal naive (weekly) {naive_wql:.4f} | DeepAR {logged['test:mean_wQuantileLoss']:.4f}"
          f"\n  RMSE:               seasonal naive (weekly) {naive_rmse:.1f} | DeepAR {logged['test:RMSE']:.1f}")
    assert logged["test:mean_wQuantileLoss"] < 0.9 * naive_wql


# ------------------------------------------------------------------------------ as a training job


def test_a_job_with_bad_series_fails_naming_file_and_row(flywheel_home, monkeypatch, tmp_path):
    from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, builtins, image_uris

    monkeypatch.delenv(builtins.ENV, raising=False)
    builtins.register("deepar", "helpers.algorithms.deepar:DeepAR")
    try:
        folder = write(tmp_path / "train", [weekly_series(1)[0], '{"start": "yesterday", "target": [1, 2]}'])
        uri = Session(region="us-east-1").upload_data(folder, key_prefix="deepar/train")
        trainer = ModelTrainer(training_image=image_uris.retrieve("forecasting-deepar", "us-east-1"),
                               hyperparameters={"context_length": 14, "prediction_length": 7, "time_freq": "D", "epochs": 1})
        with pytest.raises(FailedStatusError) as info:
            trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri)], logs=False)
        assert "series.json" in info.value.failure_reason and "row 2" in info.value.failure_reason
        assert "'yesterday' is not a timestamp" in info.value.failure_reason
    finally:
        builtins.unregister("deepar")
