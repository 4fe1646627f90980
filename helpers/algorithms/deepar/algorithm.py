"""The DeepAR algorithm on the platform interface: hyperparameters, channels, metrics, handlers."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import payloads
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.deepar.network import (LIKELIHOODS, Layout, Likelihood, TrainingSet, build_net, fit_network,
                                               forecast, forecast_inputs)
from helpers.algorithms.deepar.series import (Series, feature_names, lags_for, parse_frequency, parse_record,
                                              read_series_channel)
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError

__all__ = ["DeepAR", "DeepARModel", "weighted_quantile_loss", "DEFAULT_CONFIGURATION"]

SEED = 0
DEFAULT_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
#: What a request without "configuration" gets (SageMaker's batch-transform default).
DEFAULT_CONFIGURATION = {"num_samples": 100, "output_types": ["mean", "quantiles"],
                         "quantiles": [str(q) for q in DEFAULT_QUANTILES]}
MAX_SAMPLES = 10_000
OUTPUT_TYPES = ("mean", "quantiles", "samples")


def _time_freq(value: Any) -> str:
    return str(parse_frequency(value))


def _cardinality(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("auto", "ignore"):
            return text.lower()
        if text == "":
            return "ignore"  # SageMaker: an empty string means "no categorical features"
        value = json.loads(text)
    if not isinstance(value, (list, tuple)) or not value or \
            any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in value):
        raise ValueError("expected 'auto', 'ignore', '' or a list of positive integers such as [2, 3]")
    return [int(c) for c in value]


def _num_dynamic_feat(value: Any) -> Any:
    text = str(value).strip()
    if text.lower() in ("auto", "ignore"):
        return text.lower()
    if text == "":
        return "ignore"
    number = int(text)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _quantile_list(value: Any) -> list[float]:
    raw = json.loads(value) if isinstance(value, str) else value
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError("expected a list of quantiles such as [0.1, 0.5, 0.9]")
    out = [float(q) for q in raw]
    if any(not 0 < q < 1 for q in out):
        raise ValueError("every quantile must lie strictly between 0 and 1")
    return out


HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("context_length", low=1, required=True,
                   help="how many time points the model sees before forecasting (about prediction_length)"),
        hp.integer("epochs", low=1, required=True, help="the maximum number of passes over the training data"),
        hp.integer("prediction_length", low=1, required=True, help="the forecast horizon, in time steps"),
        hp.custom("time_freq", _time_freq, "an optional integer followed by M, W, D, H or min (e.g. 'D', '5min')",
                  required=True, help="the granularity of the series"),
        hp.custom("cardinality", _cardinality, "'auto', 'ignore', '' or a list of positive integers", "auto"),
        hp.number("dropout_rate", 0.1, low=0, high=1, high_open=True),
        hp.integer("early_stopping_patience", None, low=1),
        hp.integer("embedding_dimension", 10, low=1),
        hp.number("learning_rate", 0.001, low=0, low_open=True),
        hp.choice("likelihood", LIKELIHOODS, "student-T"),
        hp.integer("mini_batch_size", 128, low=1),
        hp.integer("num_cells", 40, low=1),
        hp.custom("num_dynamic_feat", _num_dynamic_feat, "'auto', 'ignore', '' or a non-negative integer", "auto"),
        hp.integer("num_eval_samples", 100, low=1),
        hp.integer("num_layers", 2, low=1),
        hp.custom("test_quantiles", _quantile_list, "a list of floats in (0, 1), e.g. [0.1, 0.5, 0.9]",
                  list(DEFAULT_QUANTILES)),
    ]
}


def weighted_quantile_loss(y: np.ndarray, q: np.ndarray, tau: float) -> float:
    """SageMaker's wQuantileLoss[tau]: 2 sum(tau (y-q)+ + (1-tau) (q-y)+) / sum |y| over the observed
    (non-NaN) values of ``y``; ``q`` is the forecast's tau-quantile, same shape."""
    y, q = np.asarray(y, dtype=np.float64), np.asarray(q, dtype=np.float64)
    seen = ~np.isnan(y)
    y, q = y[seen], q[seen]
    loss = tau * np.maximum(y - q, 0.0) + (1 - tau) * np.maximum(q - y, 0.0)
    denominator = np.abs(y).sum()
    return float(2.0 * loss.sum() / denominator) if denominator > 0 else float("nan")


@dataclass
class DeepARModel:
    """A trained DeepAR network and what it needs to read requests."""

    net: Any
    layout: Layout
    likelihood: Likelihood
    cardinality: list[int]

    @property
    def use_cat(self) -> bool:
        return bool(self.cardinality)

    def sample_paths(self, series: list[Series], num_samples: int, seed: int = SEED, chunk: int = 20_000) -> np.ndarray:
        """(len(series), num_samples, prediction_length) forecast samples after each series' last value."""
        out = []
        step = max(1, chunk // num_samples)
        for start in range(0, len(series), step):
            part = series[start:start + step]
            out.append(forecast(self.net, forecast_inputs(part, self.layout, self.use_cat), self.layout,
                                self.likelihood, num_samples, seed=seed + start))
        return np.concatenate(out, axis=0)


class DeepAR(Algorithm):
    name = "deepar"
    image_repository = "forecasting-deepar"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "test"})
    metric_names = ("train:final_loss", "test:RMSE", "test:mean_wQuantileLoss")
    content_types = (payloads.JSON, payloads.JSONLINES)
    accepts = (payloads.JSON, payloads.JSONLINES)
    #: JSON Lines (SageMaker also reads Parquet, not read locally); the series reader checks the files
    training_content_types = ()
    default_training_content_type = payloads.JSONLINES

    # ------------------------------------------------------------------------------------ training

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        use_cat = hps["cardinality"] != "ignore"
        use_dynamic = hps["num_dynamic_feat"] != "ignore"
        check = _value_check(hps["likelihood"])
        train = read_series_channel("train", channels["train"], use_cat=use_cat, use_dynamic=use_dynamic, check=check)
        test = (read_series_channel("test", channels["test"], use_cat=use_cat, use_dynamic=use_dynamic, check=check)
                if "test" in channels else None)
        cardinality = _resolve_cardinality(hps["cardinality"], train, test) if use_cat else []
        freq = parse_frequency(hps["time_freq"])
        layout = Layout(hps["context_length"], hps["prediction_length"], tuple(lags_for(freq)), freq,
                        len(feature_names(freq)))
        usable = [s for s in train if len(s.target) > layout.prediction]
        if not usable:
            longest = max(len(s.target) for s in train)
            raise DataFormatError(
                f"Channel 'train': no series is longer than prediction_length={layout.prediction} (the longest has "
                f"{longest} values). Each training series needs at least prediction_length + 1 values: use longer "
                f"series or a shorter prediction_length.")
        import torch  # after the data checks: a bad file fails without the torch import

        likelihood = Likelihood(hps["likelihood"])
        log(f"deepar: {len(usable)} training series ({sum(len(s.target) for s in usable)} values), freq {freq}, "
            f"context_length={layout.context}, prediction_length={layout.prediction}, lags {list(layout.lags)}, "
            f"likelihood {likelihood.name}, {len(cardinality)} categorical feature(s).")
        data = TrainingSet(usable, layout, bool(cardinality))
        with torch.random.fork_rng(devices=[]):  # seeded, without touching the caller's torch random state
            torch.manual_seed(SEED)
            net = build_net(layout, cardinality, hps["embedding_dimension"], hps["num_cells"], hps["num_layers"],
                            hps["dropout_rate"], hps["likelihood"])
            final = fit_network(net, data, likelihood, hps, np.random.default_rng(SEED),
                                on_epoch=lambda epoch, loss: self.log_progress(log, epoch, hps["epochs"]))
        self.log_metric(log, "train:final_loss", final)
        model = DeepARModel(net, layout, likelihood, cardinality)
        if test is not None:
            for metric, value in evaluate(model, test, hps["num_eval_samples"], hps["test_quantiles"]).items():
                self.log_metric(log, f"test:{metric}", value)
        arrays = {key: value.detach().numpy() for key, value in net.state_dict().items()}
        write_model(model_dir, self.name, {
            "context_length": layout.context, "prediction_length": layout.prediction, "time_freq": str(freq),
            "lags": list(layout.lags), "n_time": layout.n_time, "likelihood": likelihood.name,
            "cardinality": cardinality, "embedding_dimension": hps["embedding_dimension"],
            "num_cells": hps["num_cells"], "num_layers": hps["num_layers"], "dropout_rate": hps["dropout_rate"],
            "hyperparameters": hps}, arrays)

    # ----------------------------------------------------------------------------------- inference

    def load(self, model_dir: Path) -> DeepARModel:
        import torch

        meta, arrays = read_model(model_dir, self.name)
        freq = parse_frequency(meta["time_freq"])
        layout = Layout(meta["context_length"], meta["prediction_length"], tuple(meta["lags"]), freq, meta["n_time"])
        net = build_net(layout, meta["cardinality"], meta["embedding_dimension"], meta["num_cells"], meta["num_layers"],
                        meta["dropout_rate"], meta["likelihood"])
        net.load_state_dict({key: torch.as_tensor(value) for key, value in arrays.items()})
        net.eval()
        return DeepARModel(net, layout, Likelihood(meta["likelihood"]), list(meta["cardinality"]))

    def input_fn(self, body: bytes, content_type: str) -> dict[str, Any]:
        """``{"instances": [...], "configuration": {...}}`` (JSON), or one instance per line (JSON Lines,
        configuration from the DEEPAR_INFERENCE_CONFIG environment variable, as in batch transform)."""
        mime, _ = payloads.parse_media_type(content_type)
        if mime not in self.content_types:
            raise InferenceError(
                f"Content type {mime or 'text/csv'!r} is not supported by deepar. Supported content types: "
                f'application/json ({{"instances": [{{"start": ..., "target": [...]}}], "configuration": {{...}}}}), '
                f"application/jsonlines (one instance per line).", 415)
        text = payloads.request_text(body, mime, "send at least one series")
        if mime == payloads.JSON:
            doc = payloads.load_json(text)
            if not (isinstance(doc, dict) and isinstance(doc.get("instances"), list) and doc["instances"]):
                raise InferenceError('A DeepAR request needs a non-empty "instances" list: {"instances": [{"start": '
                                     '"2024-01-01 00:00:00", "target": [...]}], "configuration": {"num_samples": 100}}.', 400)
            configuration = doc.get("configuration", {})
            instances = doc["instances"]
        else:
            instances = []
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    try:
                        instances.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise InferenceError(f"Line {number} of the JSON Lines body is not valid JSON ({exc.msg}).", 400) from None
            configuration = _environment_configuration()
        return {"instances": instances, "configuration": _configuration(configuration)}

    def predict_fn(self, data: Any, model: DeepARModel) -> list[dict[str, Any]]:
        if not (isinstance(data, dict) and "instances" in data):
            raise InferenceError("DeepAR expects the output of input_fn: {'instances': [...], 'configuration': {...}}.", 400)
        config = data.get("configuration") or _configuration({})
        series = []
        for i, item in enumerate(data["instances"], start=1):
            try:
                s = parse_record(item, use_cat=model.use_cat, use_dynamic=False)
            except ValueError as exc:
                raise InferenceError(f"Instance {i}: {exc}.", 400) from None
            if len(s.target) == 0:
                raise InferenceError(f'Instance {i}: "target" is empty: give at least one past value to forecast from.', 400)
            if model.use_cat:
                _check_cat(s.cat, model.cardinality, f"Instance {i}", InferenceError)
            series.append(s)
        samples = model.sample_paths(series, config["num_samples"])
        out = []
        for paths in samples:
            record: dict[str, Any] = {}
            for kind in config["output_types"]:
                if kind == "mean":
                    record["mean"] = payloads.floats(paths.mean(axis=0))
                elif kind == "quantiles":
                    record["quantiles"] = {key: payloads.floats(np.quantile(paths, float(key), axis=0))
                                           for key in config["quantiles"]}
                else:
                    record["samples"] = [payloads.floats(path) for path in paths]
            out.append(record)
        return out


# ------------------------------------------------------------------------------------------- helpers


def evaluate(model: DeepARModel, test: list[Series], num_samples: int, quantiles: list[float]) -> dict[str, float]:
    """SageMaker's test metrics: forecast the last prediction_length values of each test series from
    the rest; RMSE of the mean forecast and mean wQuantileLoss over ``quantiles``."""
    horizon = model.layout.prediction
    usable = [s for s in test if len(s.target) > horizon]
    if not usable:
        raise DataFormatError(f"Channel 'test': no series is longer than prediction_length={horizon}; the test channel "
                              f"holds the full series and DeepAR forecasts their last prediction_length values.")
    history = [Series(s.start, s.target[:-horizon], s.cat) for s in usable]
    truth = np.stack([s.target[-horizon:] for s in usable])
    paths = model.sample_paths(history, num_samples)
    seen = ~np.isnan(truth)
    rmse = float(np.sqrt(np.mean((paths.mean(axis=1)[seen] - truth[seen]) ** 2)))
    losses = [weighted_quantile_loss(truth, np.quantile(paths, q, axis=1), q) for q in quantiles]
    return {"RMSE": rmse, "mean_wQuantileLoss": float(np.nanmean(losses))}


def _value_check(likelihood: str):
    def check(series: Series) -> str | None:
        values = series.target[~np.isnan(series.target)]
        if likelihood == "negative-binomial" and (values < 0).any():
            return (f"target value {float(values[values < 0][0])!r} is negative, but likelihood='negative-binomial' "
                    f"models counts (>= 0): use likelihood='gaussian' or 'student-T' for real values")
        if likelihood == "beta" and ((values < 0) | (values > 1)).any():
            bad = float(values[(values < 0) | (values > 1)][0])
            return f"target value {bad!r} is outside [0, 1], but likelihood='beta' models values in [0, 1]"
        return None

    return check


def _check_cat(cat: list[int], cardinality: list[int], where: str, error) -> None:
    def fail(message: str):
        return error(f"{where}: {message}.", 400) if error is InferenceError else error(f"{where}: {message}.")

    if len(cat) != len(cardinality):
        raise fail(f'"cat" has {len(cat)} value(s) but the model was trained with {len(cardinality)} categorical '
                   f"feature(s): give {len(cardinality)} code(s)")
    for j, (code, card) in enumerate(zip(cat, cardinality), start=1):
        if code >= card:
            raise fail(f'"cat" feature {j} is {code}, but the model knows codes 0..{card - 1} for it (cardinality '
                       f"{cardinality})")


def _resolve_cardinality(setting: Any, train: list[Series], test: list[Series] | None) -> list[int]:
    n_cat = len(train[0].cat)
    if setting == "auto":
        if n_cat == 0:
            return []
        return [int(c) + 1 for c in np.max([s.cat for s in train], axis=0)]
    if len(setting) != n_cat:
        raise HyperparameterError(
            f"Hyperparameter 'cardinality': {setting} gives {len(setting)} categorical feature(s), but the training "
            f"records have {n_cat} in \"cat\". Valid values: 'auto' (recommended), 'ignore', or a list of {n_cat} "
            f"positive integers.")
    for channel, records in (("train", train), ("test", test or [])):
        for r, s in enumerate(records, start=1):
            _check_cat(s.cat, setting, f"Channel {channel!r}, record {r}", DataFormatError)
    return list(setting)


def _environment_configuration() -> dict[str, Any]:
    raw = os.environ.get("DEEPAR_INFERENCE_CONFIG")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InferenceError(f"DEEPAR_INFERENCE_CONFIG is not valid JSON ({exc.msg}).", 400) from None
    return value if isinstance(value, dict) else {}


def _configuration(raw: Any) -> dict[str, Any]:
    """The request's configuration, validated, with SageMaker's defaults filled."""
    if not isinstance(raw, dict):
        raise InferenceError('"configuration" must be an object: {"num_samples": 100, "output_types": ["mean", '
                             '"quantiles"], "quantiles": ["0.1", "0.5", "0.9"]}.', 400)
    unknown = sorted(set(raw) - {"num_samples", "output_types", "quantiles"})
    if unknown:
        raise InferenceError(f"Unknown configuration key(s) {', '.join(map(repr, unknown))}: use num_samples, "
                             f"output_types, quantiles.", 400)
    config = {**DEFAULT_CONFIGURATION, **raw}
    n = config["num_samples"]
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLES:
        raise InferenceError(f'"num_samples" must be an integer from 1 to {MAX_SAMPLES}, got {n!r}.', 400)
    kinds = config["output_types"]
    if not isinstance(kinds, list) or not kinds or any(k not in OUTPUT_TYPES for k in kinds):
        raise InferenceError(f'"output_types" must be a non-empty list of "mean", "quantiles", "samples"; got {kinds!r}.', 400)
    keys = config["quantiles"]
    if not isinstance(keys, list) or not keys:
        raise InferenceError('"quantiles" must be a non-empty list such as ["0.1", "0.5", "0.9"].', 400)
    out = []
    for key in keys:
        try:
            value = float(key)
        except (TypeError, ValueError):
            value = math.nan
        if not 0 < value < 1:
            raise InferenceError(f'Quantile {key!r} is not a number strictly between 0 and 1, e.g. "0.9".', 400)
        out.append(key if isinstance(key, str) else repr(float(key)))
    return {"num_samples": n, "output_types": list(dict.fromkeys(kinds)), "quantiles": out}
