"""The one interface every built-in-style algorithm implements, so that the platform (training jobs)
and the serving layer (endpoints, batch transform) treat them all alike.

An algorithm is a subclass of :class:`Algorithm` that declares its SageMaker name, image repository,
hyperparameter schema, channels, metrics and response formats, and implements four methods:

* ``fit(channels, hps, model_dir, log)``: train on the channel directories with validated
  hyperparameters, write the model files, log ``#metrics name=value`` / ``#progress epoch=i/n`` lines;
* ``load(model_dir)``: read the model files back (``model_fn`` checks they belong to this algorithm);
* ``predict(features, model)``: a (n, feature_dim) array -> a list of response records;
* the formats: ``content_types``, ``accepts``, ``default_accept``, ``json_key``, ``csv_fields``.

Model files are ``model.json`` (settings, small numbers) and ``model.npz`` (arrays, loaded without
pickle), or the library's own format (XGBoost's ``xgboost-model``); none of them needs the platform.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import payloads
from helpers.algorithms.channels import CSV, RECORDIO, Channel, resolve_content_type
from helpers.algorithms.errors import DataFormatError

__all__ = ["Algorithm", "METRIC_VALUE_REGEX", "write_model", "read_model"]

Log = Callable[[str], None]

#: A float as Python prints it (``0.25``, ``-1e-05``, ``nan`` is never logged).
METRIC_VALUE_REGEX = r"([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"

MODEL_JSON, MODEL_NPZ = "model.json", "model.npz"


class Algorithm:
    """Base class of the built-in-style algorithms. Subclasses fill the class attributes below."""

    #: SageMaker's name for the algorithm (``image_uris.retrieve`` framework name).
    name: ClassVar[str] = ""
    #: The ECR repository of SageMaker's image (``linear-learner``, ``sagemaker-xgboost``...).
    image_repository: ClassVar[str] = ""
    #: Hyperparameter schema: name -> :class:`~helpers.algorithms.hyperparameters.Hyperparameter`.
    hyperparameters: ClassVar[dict[str, hp.Hyperparameter]] = {}
    required_channels: ClassVar[frozenset[str]] = frozenset({"train"})
    supported_channels: ClassVar[frozenset[str]] = frozenset({"train"})
    #: Every metric name ``fit`` may log (SageMaker's standard names, ``channel:metric``).
    metric_names: ClassVar[tuple[str, ...]] = ()
    #: Training content types SageMaker documents for the algorithm, and the one it assumes for a channel
    #: given without ContentType (protobuf for the built-ins). Empty: not checked here.
    training_content_types: ClassVar[tuple[str, ...]] = (RECORDIO, CSV)
    default_training_content_type: ClassVar[str] = RECORDIO
    #: Other names the algorithm's container takes for a training content type (lower case) -> the type.
    content_type_aliases: ClassVar[dict[str, str]] = {}
    #: Request content types ``input_fn`` reads; response types ``output_fn`` writes.
    content_types: ClassVar[tuple[str, ...]] = (payloads.CSV, payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    accepts: ClassVar[tuple[str, ...]] = (payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    default_accept: ClassVar[str] = payloads.JSON
    json_key: ClassVar[str] = "predictions"
    csv_fields: ClassVar[tuple[str, ...]] = ()

    # ----------------------------------------------------------------------------------- training

    def validate_hyperparameters(self, hps: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values with defaults filled, or HyperparameterError (unknown, type, range, missing)."""
        values = hp.validate(self.hyperparameters, hps, self.name, list(self.metric_names))
        self.check_hyperparameters(values)
        return values

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        """Rules that tie hyperparameters together (e.g. num_classes for multiclass); override."""

    def metric_definitions(self) -> list[dict[str, str]]:
        """``[{"Name": ..., "Regex": ...}]`` matching the ``#metrics name=value`` lines ``train`` logs."""
        return [{"Name": name, "Regex": f"#metrics {re.escape(name)}={METRIC_VALUE_REGEX}"} for name in self.metric_names]

    def train(self, channels: Mapping[str, Path], hyperparameters: Mapping[str, Any], model_dir: Path,
              log: Log = print, content_types: Mapping[str, str | None] | None = None) -> None:
        """Validate, read the channels, fit, and write the model files into ``model_dir``.

        ``content_types``: each channel's ContentType as a training job has it (None or missing: the
        job gave none, so SageMaker's default applies). Left out (a direct call, not a job), the
        files decide: RecordIO-framed files are protobuf, anything else CSV.
        """
        hps = self.validate_hyperparameters(hyperparameters)
        channels = {str(k): Path(v) for k, v in dict(channels).items()}
        unknown = sorted(set(channels) - self.supported_channels)
        if unknown:
            raise DataFormatError(
                f"{self.name} does not read channel(s) {', '.join(map(repr, unknown))}. "
                f"Supported channels: {', '.join(sorted(self.supported_channels))}."
            )
        for channel in sorted(self.required_channels):
            if channel not in channels:
                raise DataFormatError(
                    f"{self.name} needs a {channel!r} channel: pass InputData(channel_name={channel!r}, data_source='s3://...')."
                )
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        self.fit(self._typed(channels, content_types), hps, model_dir, log)

    def _typed(self, channels: dict[str, Path], content_types: Mapping[str, str | None] | None) -> dict[str, Channel]:
        """Each channel with the content type it is read as (SageMaker's default when a job gave none)."""
        if content_types is None:
            return {name: Channel(path) for name, path in channels.items()}
        if not self.training_content_types:
            return {name: Channel(path, content_types.get(name) or self.default_training_content_type)
                    for name, path in channels.items()}
        return {name: Channel(path, resolve_content_type(name, content_types.get(name), algorithm=self.name,
                                                         default=self.default_training_content_type,
                                                         supported=self.training_content_types,
                                                         aliases=self.content_type_aliases))
                for name, path in channels.items()}

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------------ logging

    @staticmethod
    def log_metric(log: Log, name: str, value: float) -> None:
        """Log ``#metrics name=value`` (skipped when the value is not finite, so no regex trips on nan)."""
        value = float(value)
        if np.isfinite(value):
            log(f"#metrics {name}={value!r}")

    @staticmethod
    def log_progress(log: Log, epoch: int, epochs: int) -> None:
        log(f"#progress epoch={epoch}/{epochs}")

    # ----------------------------------------------------------------------------------- inference

    def model_fn(self, model_dir: Path) -> Any:
        """The trained model from the files in ``model_dir`` (an extracted model.tar.gz)."""
        return self.load(Path(model_dir))

    def load(self, model_dir: Path) -> Any:
        raise NotImplementedError

    def input_fn(self, body: bytes, content_type: str) -> np.ndarray:
        """Request body -> (n, d) float64 features. InferenceError 415 / 400."""
        return payloads.parse_features(body, content_type, self.content_types)

    def predict_fn(self, features: Any, model: Any) -> list[dict[str, Any]]:
        """Features -> one response record per row. InferenceError 400 on wrong feature count or NaN."""
        matrix = payloads.check_features(features, model.feature_dim)
        return self.predict(matrix, model)

    @property
    def served_predict_fn(self) -> Callable[[Any, Any], list[dict[str, Any]]]:
        """The predict_fn an endpoint chains straight after :meth:`input_fn` (nothing runs between).

        When both are this class's own, :func:`payloads.parse_features` has already refused
        non-finite values and ragged rows, so only the feature count is left to check: checking
        every value a second time cost about 3 % of an endpoint's time on one-row requests. Every
        other caller of :meth:`predict_fn` gets every check.
        """
        cls = type(self)
        if cls.input_fn is Algorithm.input_fn and cls.predict_fn is Algorithm.predict_fn:
            return self._predict_parsed
        return self.predict_fn

    def _predict_parsed(self, features: np.ndarray, model: Any) -> list[dict[str, Any]]:
        shape = features.shape
        if len(shape) != 2 or not shape[0] or shape[1] != model.feature_dim:
            features = payloads.check_features(features, model.feature_dim)  # raises, naming the problem
        return self.predict(features, model)

    def predict(self, features: np.ndarray, model: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def output_fn(self, prediction: list[dict[str, Any]], accept: str | None) -> tuple[bytes, str]:
        """Records -> (body, content type) in the response format ``accept`` asks for. 406 if none fits."""
        # no Accept header (the usual request) needs no negotiation
        mime = self.default_accept if not accept else payloads.negotiate_accept(accept, self.accepts, self.default_accept)[0]
        return payloads.encode(prediction, mime, json_key=self.json_key, csv_fields=self.csv_fields), mime

    def __repr__(self) -> str:
        return f"<{type(self).__name__} algorithm {self.name!r}>"


def write_model(model_dir: Path, algorithm: str, settings: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``model.json`` (algorithm name + settings) and ``model.npz`` (arrays) into ``model_dir``."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / MODEL_JSON).write_text(json.dumps({"algorithm": algorithm, **settings}, indent=2, sort_keys=True) + "\n")
    np.savez(model_dir / MODEL_NPZ, **arrays)


def read_model(model_dir: Path, algorithm: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(settings, arrays) written by :func:`write_model`; a clear error when they are not ``algorithm``'s."""
    model_dir = Path(model_dir)
    meta_path = model_dir / MODEL_JSON
    if not meta_path.is_file():
        present = ", ".join(sorted(p.name for p in model_dir.iterdir())) if model_dir.is_dir() else "nothing"
        raise FileNotFoundError(
            f"No {MODEL_JSON} in {str(model_dir)!r} (found: {present}): this is not a {algorithm} model. "
            f"Serve the model.tar.gz of a {algorithm} training job."
        )
    meta = json.loads(meta_path.read_text())
    if meta.get("algorithm") != algorithm:
        raise ValueError(
            f"The model in {str(model_dir)!r} was trained by {meta.get('algorithm')!r}, not {algorithm!r}: "
            f"serve it with the {meta.get('algorithm')!r} image."
        )
    with np.load(model_dir / MODEL_NPZ, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    return meta, arrays

