"""A fitted scikit-learn model as an ONNX file, run with ONNX Runtime, before and after int8 quantization.

    onnx_bytes = to_onnx(pipeline, feature_names=FEATURES)   # skl2onnx: one float32 input [N, n_features]
    small = quantize(onnx_bytes)                             # onnxruntime.quantization.quantize_dynamic, int8
    save(small, folder / "maintenance-mlp-int8.onnx")        # 0600, written atomically
    model = EdgeModel(folder / "maintenance-mlp-int8.onnx")  # ONNX Runtime, CPU, one thread
    model.predict_proba(X)                                   # float32 [N, 2], like predict_proba

The contract a device sees is fixed at export: one input named ``features`` (:data:`INPUT_NAME`), float32,
shape ``[N, n_features]`` with N free; two outputs, ``label`` (int64 [N]) and ``probabilities`` (float32
[N, n_classes]: skl2onnx's ZipMap, a list of dicts, is switched off so the probabilities are an array).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from helpers.platform_home import private_dir, write_atomic

INPUT_NAME = "features"
PROVIDER = "CPUExecutionProvider"
# Node types that hold a quantized MatMul after quantize_dynamic (QOperator format, what it writes).
QUANTIZED_OPS = frozenset({"MatMulInteger", "DynamicQuantizeMatMul", "QLinearMatMul", "ConvInteger",
                           "DynamicQuantizeLSTM", "QAttention", "QGemm"})


def to_onnx(model, *, feature_names: Sequence[str] | None = None, input_name: str = INPUT_NAME) -> bytes:
    """The fitted scikit-learn ``model`` (a classifier or a pipeline ending in one) as ONNX bytes.

    The input is float32 ``[N, model.n_features_in_]`` named ``input_name``; the outputs are ``label`` and
    ``probabilities`` (an array, ZipMap off). ``feature_names``, when given, are stored in the file's
    metadata (``feature_names``, a JSON list) so whoever loads the file on a device knows the column order.

    Raises ValueError for an unfitted model or a wrong number of names, TypeError when skl2onnx has no
    converter for a step; both say what to do.
    """
    n_features = _fitted_width(model)
    if feature_names is not None and len(feature_names) != n_features:
        raise ValueError(f"{len(feature_names)} feature names for a model fitted on {n_features} features: "
                         f"pass the {n_features} column names in the order of the training matrix.")
    onnx_model = _convert(model, n_features, input_name)
    _one_default_opset(onnx_model)
    if feature_names is not None:
        entry = onnx_model.metadata_props.add()
        entry.key, entry.value = "feature_names", json.dumps(list(feature_names))
    import onnx

    onnx.checker.check_model(onnx_model)
    return onnx_model.SerializeToString()


def _fitted_width(model) -> int:
    """The number of features ``model`` was fitted on; an error naming the fix when it cannot be exported."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as error:
        raise ValueError(f"{type(model).__name__} is not fitted: call .fit(X_train, y_train) before exporting "
                         "it (the ONNX file holds the learned weights).") from error
    except TypeError as error:  # not an estimator at all
        raise TypeError(f"to_onnx exports a fitted scikit-learn estimator or pipeline, not a "
                        f"{type(model).__name__}.") from error
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"{type(model).__name__} is not a classifier with predict_proba: the device contract here is a "
                        "label and class probabilities; end the pipeline in a classifier (LogisticRegression, "
                        "MLPClassifier, ...) or convert a regressor with skl2onnx.to_onnx directly.")
    culprit = _unconvertible_step(model)
    if culprit is not None:
        raise _cannot_convert(model, culprit)
    width = getattr(model, "n_features_in_", None)
    if width is None:
        raise ValueError(f"{type(model).__name__} does not say how many features it was fitted on "
                         "(n_features_in_): fit it on a 2-D array.")
    return int(width)


def _convert(model, n_features: int, input_name: str):
    """skl2onnx's conversion with the course's fixed contract."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from skl2onnx.common.exceptions import MissingConverter, MissingShapeCalculator

    try:
        # zipmap: False, given without a class, applies to every classifier in the model.
        return convert_sklearn(model, initial_types=[(input_name, FloatTensorType([None, n_features]))],
                               options={"zipmap": False})
    except (MissingShapeCalculator, MissingConverter) as error:  # a step nested deeper than the top level
        raise _cannot_convert(model, None) from error


def _unconvertible_step(model) -> str | None:
    """The class name of the first top-level step skl2onnx has no converter for, or None."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    for _, step in getattr(model, "steps", [("", model)]):
        if step not in (None, "passthrough") and type(step) not in sklearn_operator_name_map:
            return type(step).__name__
    return None


def _cannot_convert(model, culprit: str | None) -> TypeError:
    steps = getattr(model, "steps", None)
    shown = ("Pipeline(" + " -> ".join(type(step).__name__ for _, step in steps) + ")") if steps else type(model).__name__
    which = f"for {culprit}" if culprit else "for one of its steps"
    return TypeError(
        f"skl2onnx cannot convert {shown}: it has no converter {which}. Build the model from scikit-learn's "
        "own steps (StandardScaler, LogisticRegression, MLPClassifier, GradientBoostingClassifier, ...), or "
        "register a converter for your class with skl2onnx.update_registered_converter.")


def _one_default_opset(onnx_model) -> None:
    """Drop a repeated opset import of the default domain, in place.

    skl2onnx 1.20 writes the ``""`` (ai.onnx) domain twice for some models (LogisticRegression's
    LinearClassifier), and ``quantize_dynamic`` then stops with "Failed to find proper ai.onnx domain"
    (onnxruntime issue #15563). Both entries carry the same version; the highest is kept.
    """
    default = [entry for entry in onnx_model.opset_import if entry.domain in ("", "ai.onnx")]
    if len(default) < 2:
        return
    version = max(entry.version for entry in default)
    others = [(entry.domain, entry.version) for entry in onnx_model.opset_import if entry.domain not in ("", "ai.onnx")]
    del onnx_model.opset_import[:]
    onnx_model.opset_import.add(domain="", version=version)
    for domain, domain_version in others:
        onnx_model.opset_import.add(domain=domain, version=domain_version)


def quantize(onnx_bytes: bytes, *, weights: str = "int8", reduce_range: bool = False) -> bytes:
    """The model with its MatMul weights stored in 8 bits (dynamic quantization), as ONNX bytes.

    ``onnxruntime.quantization.quantize_dynamic`` turns each float32 weight matrix of a MatMul into int8
    plus a scale and zero point (about 4x smaller) and quantizes the activations to uint8 on the fly, per
    call. Nodes it does not know stay float32: a linear model exported as ONNX-ML ``LinearClassifier`` has
    no MatMul, so it does not shrink (:func:`quantized_nodes` counts what changed).

    ``weights``: "int8" (signed, the default) or "uint8". On x86 CPUs with AVX2 but no VNNI (this
    course's machine) ONNX Runtime multiplies uint8 activations by int8 weights with an instruction
    (VPMADDUBSW) whose 16-bit sums can saturate, so a row far from the training data can get a visibly
    wrong probability (measured here: one at 7 standard deviations of rotational speed, 0.74 -> 0.28;
    uint8 weights cut the worst difference on the test split from 0.46 to 0.05). ONNX Runtime's quantization guide names two
    ways out: uint8 weights (U8U8, no saturation) or ``reduce_range=True`` (7-bit weights). Which setting
    is right depends on the chip the model will run on: the reason Neo compiles for a named target.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    types = {"int8": QuantType.QInt8, "uint8": QuantType.QUInt8}
    if weights not in types:
        raise ValueError(f"weights={weights!r}: choose 'int8' (the default) or 'uint8'.")
    model = _parse(onnx_bytes)
    _one_default_opset(model)
    quiet = logging.getLogger()
    level = quiet.level
    # quantize_dynamic logs "consider pre-processing" on the root logger for every model; pre-processing
    # (symbolic shape inference) fails on skl2onnx's ONNX-ML nodes, and these graphs need none.
    quiet.setLevel(max(level, logging.ERROR))
    try:
        with tempfile.TemporaryDirectory(prefix="flywheel-quantize-") as folder:
            target = Path(folder) / "int8.onnx"
            quantize_dynamic(model, target, weight_type=types[weights], reduce_range=reduce_range)
            return onnx.load_model(target).SerializeToString()
    finally:
        quiet.setLevel(level)


def quantized_nodes(onnx_bytes: bytes) -> int:
    """How many nodes of the model run on int8 weights (0 for a model quantization left alone)."""
    return sum(node.op_type in QUANTIZED_OPS for node in _parse(onnx_bytes).graph.node)


def operators(onnx_bytes: bytes) -> list[str]:
    """The node types of the model's graph, in graph order, each once (e.g. ["Scaler", "LinearClassifier"])."""
    return list(dict.fromkeys(node.op_type for node in _parse(onnx_bytes).graph.node))


def _parse(onnx_bytes: bytes):
    import onnx
    from google.protobuf.message import DecodeError

    if not isinstance(onnx_bytes, (bytes, bytearray)):
        raise TypeError(f"expected the ONNX model as bytes (what to_onnx returns), not a {type(onnx_bytes).__name__}; "
                        "read a file with Path(path).read_bytes() or load it with EdgeModel(path).")
    try:
        model = onnx.load_model_from_string(bytes(onnx_bytes))
    except DecodeError as error:
        raise ValueError("these bytes are not an ONNX model: pass what to_onnx or quantize returned, or a "
                         ".onnx file's bytes.") from error
    if not model.graph.node:
        raise ValueError("these bytes are not an ONNX model (no graph): pass what to_onnx or quantize returned.")
    return model


def save(onnx_bytes: bytes, path: str | os.PathLike) -> Path:
    """Write the model to ``path`` (its folder is created owner-only, the file 0600, atomically); return the path.

    A model is a learned artefact like a training job's output: private to its owner, and never seen
    half-written by a reader (a device pulling it, a test loading it).
    """
    _parse(onnx_bytes)  # refuse to write something that will not load
    path = Path(path).expanduser()
    if path.suffix != ".onnx":
        raise ValueError(f"{path.name!r}: name the file <something>.onnx, the extension ONNX tools expect.")
    private_dir(path.parent)
    write_atomic(path, bytes(onnx_bytes))
    return path


class EdgeModel:
    """An ONNX model in an ONNX Runtime session: CPU provider, ``threads`` threads (1: stable timings).

    ``model`` is the ONNX bytes or a path to a ``.onnx`` file. ``predict_proba(X)`` and ``predict(X)``
    take ``X`` as a float array ``[N, n_features]`` (float64 is cast to float32, the model's input type)
    and check it before the session sees it, so a mistake gets a message naming the fix.
    """

    def __init__(self, model: bytes | str | os.PathLike, *, threads: int = 1):
        import onnxruntime as ort

        if isinstance(model, (str, os.PathLike)):
            path = Path(model).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"no ONNX model at {path}: write one with helpers.edge.save(onnx_bytes, path).")
            model = path.read_bytes()
        self.onnx_bytes = bytes(model)
        parsed = _parse(self.onnx_bytes)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = threads
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(self.onnx_bytes, options, providers=[PROVIDER])
        (entry,) = self.session.get_inputs()
        self.input_name = entry.name
        self.n_features = int(entry.shape[1])
        self.outputs = [output.name for output in self.session.get_outputs()]
        metadata = {prop.key: prop.value for prop in parsed.metadata_props}
        self.feature_names = json.loads(metadata["feature_names"]) if "feature_names" in metadata else None

    @property
    def size_bytes(self) -> int:
        """The serialized model's size in bytes (what a device downloads and stores)."""
        return len(self.onnx_bytes)

    def run(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(labels [N], probabilities [N, n_classes])`` for the rows of ``X``."""
        labels, probabilities = self.session.run(None, {self.input_name: self.check(X)})
        return labels, probabilities

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, float32 ``[N, n_classes]`` (columns in the order of the model's ``classes_``)."""
        return self.run(X)[1]

    def predict(self, X) -> np.ndarray:
        """Predicted labels ``[N]``."""
        return self.run(X)[0]

    def check(self, X) -> np.ndarray:
        """``X`` as the C-contiguous float32 ``[N, n_features]`` array the session takes, or a clear error."""
        array = np.asarray(X)
        names = f" ({', '.join(self.feature_names)})" if self.feature_names else ""
        if array.ndim == 1:
            raise ValueError(f"X has shape {array.shape}: the model takes a 2-D array [rows, {self.n_features}]; "
                             "for one row pass X.reshape(1, -1) or X[i:i + 1].")
        if array.ndim != 2 or array.shape[1] != self.n_features:
            raise ValueError(f"X has shape {array.shape}, but the model takes [rows, {self.n_features}] features"
                             f"{names}: build the rows with the same columns, in the same order, as the training matrix.")
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(f"X is {array.dtype}, but the model's input {self.input_name!r} is float32: convert it "
                            "with X.astype(np.float32) (text columns must be encoded as numbers first).")
        array = np.ascontiguousarray(array, dtype=np.float32)
        if not np.isfinite(array).all():
            row, column = np.argwhere(~np.isfinite(array))[0]
            raise ValueError(f"X[{row}, {column}] is {array[row, column]}: the model gives no meaningful answer for "
                             "missing or infinite values; fill or drop those rows first.")
        return array
