"""Size, latency and accuracy of each model as scikit-learn, as float32 ONNX and as int8 ONNX, on this machine.

    exported = export_models(models)              # {"MLP": {"ONNX float32": bytes, "ONNX int8": bytes}, ...}
    table = measure(models, exported, split)      # one row per model and runtime
    print(summary(table))

Latency is timed the way a device calls the model: ``predict_proba`` on one row (a sensor reading) and
on the whole test split (a batch), each call timed with ``time.perf_counter_ns`` after warm-up calls,
reported as the median and the 99th percentile. Everything runs on one thread (ONNX Runtime's session
options, BLAS through threadpoolctl), so the figures compare the runtimes rather than the machine's
free cores; they still move with the machine's load, so read them next to ``uptime``.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.edge.export import EdgeModel, operators, quantize, quantized_nodes, to_onnx
from helpers.edge.models import FEATURES, Split

SKLEARN = "scikit-learn"
FLOAT32 = "ONNX float32"
INT8 = "ONNX int8"
UINT8 = "ONNX uint8"
# Each quantized variant and the options of export.quantize that make it: signed int8 weights, ONNX
# Runtime's default, and uint8 weights, its advice for x86 CPUs without VNNI (see quantize).
QUANTIZED = {INT8: {}, UINT8: {"weights": "uint8"}}
RUNTIMES = (SKLEARN, FLOAT32, *QUANTIZED)
# The float32 ONNX model computes what scikit-learn computes, in float32 and in another order: its
# probabilities stay within this of scikit-learn's (measured: below 1e-6 for both models).
PROBABILITY_ATOL = 1e-5
COLUMNS = ("model", "runtime", "operators", "size_bytes", "quantized_nodes", "row_median_us", "row_p99_us", "batch_rows",
           "batch_median_ms", "batch_p99_ms", "accuracy", "auc", "max_probability_diff", "agreement", "row_agreement")


@dataclass(frozen=True)
class Timing:
    """The spread of repeated timed calls: median and 99th percentile in microseconds, over ``runs`` calls."""

    median_us: float
    p99_us: float
    runs: int


def time_calls(call: Callable[[np.ndarray], object], inputs: Sequence[np.ndarray], *, warmup: int) -> Timing:
    """Time ``call(x)`` once per element of ``inputs`` after ``warmup`` untimed calls (caches, lazy setup)."""
    if not len(inputs):
        raise ValueError("nothing to time: pass at least one input (repeats >= 1).")
    for index in range(warmup):
        call(inputs[index % len(inputs)])
    spent = np.empty(len(inputs))
    for index, x in enumerate(inputs):
        start = time.perf_counter_ns()
        call(x)
        spent[index] = time.perf_counter_ns() - start
    spent /= 1e3
    return Timing(float(np.median(spent)), float(np.percentile(spent, 99)), len(inputs))


def row_latency(call, X: np.ndarray, *, repeats: int = 300, warmup: int = 30) -> Timing:
    """Latency of one-row calls, cycling through the rows of ``X`` (each a ``[1, n_features]`` array)."""
    rows = [X[index % len(X): index % len(X) + 1] for index in range(repeats)]
    return time_calls(call, rows, warmup=warmup)


def batch_latency(call, X: np.ndarray, *, repeats: int = 30, warmup: int = 3) -> Timing:
    """Latency of calls on the whole of ``X`` at once."""
    return time_calls(call, [X] * repeats, warmup=warmup)


def export_models(models: Mapping[str, object], *, feature_names: Sequence[str] = FEATURES) -> dict[str, dict[str, bytes]]:
    """Each fitted model as float32 ONNX and quantized: ``{name: {FLOAT32: bytes, INT8: bytes, UINT8: bytes}}``."""
    exported = {}
    for name, model in models.items():
        onnx_bytes = to_onnx(model, feature_names=feature_names)
        exported[name] = {FLOAT32: onnx_bytes, **{runtime: quantize(onnx_bytes, **options)
                                                  for runtime, options in QUANTIZED.items()}}
    return exported


def measure(models: Mapping[str, object], exported: Mapping[str, Mapping[str, bytes]], split: Split, *,
            row_repeats: int = 300, batch_repeats: int = 30, warmup: int = 30) -> pd.DataFrame:
    """One row per model and runtime (:data:`COLUMNS`), measured on ``split``'s test rows.

    ``operators``: the pipeline's steps, or the ONNX node types in graph order (each once).
    ``size_bytes``: the pickle for scikit-learn (it also carries the training state: an MLP's optimizer
    moments and loss curve), the .onnx file otherwise. ``max_probability_diff``:
    the largest absolute difference from scikit-learn's probability of any class; ``agreement``: the
    share of test rows whose predicted label equals scikit-learn's, all rows scored in one call;
    ``row_agreement``: the same with each row scored alone, as a device scores a reading. They differ
    for a dynamically quantized model: its activations are quantized with a scale taken from the rows
    of the call, so a row's answer depends on which rows share its batch.
    """
    from threadpoolctl import threadpool_limits

    missing = [name for name in models if name not in exported]
    if missing:
        raise ValueError(f"no ONNX export for {missing}: pass export_models(models) as `exported`.")
    records = []
    with threadpool_limits(limits=1):
        for name, model in models.items():
            steps = " -> ".join(type(step).__name__ for _, step in getattr(model, "steps", [("", model)]))
            runtimes = [(SKLEARN, steps, model.predict_proba, len(pickle.dumps(model)), 0)]
            for runtime in (FLOAT32, *QUANTIZED):
                onnx_bytes = exported[name][runtime]
                runtimes.append((runtime, ", ".join(operators(onnx_bytes)), EdgeModel(onnx_bytes).predict_proba,
                                 len(onnx_bytes), quantized_nodes(onnx_bytes)))
            reference = model.predict_proba(split.X_test)
            for runtime, ops, predict_proba, size, n_quantized in runtimes:
                records.append({"model": name, "runtime": runtime, "operators": ops, "size_bytes": size,
                                "quantized_nodes": n_quantized,
                                **_timings(predict_proba, split.X_test, row_repeats, batch_repeats, warmup),
                                **_scores(predict_proba, split.X_test, reference, model.classes_, split.y_test)})
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def _timings(predict_proba, X: np.ndarray, row_repeats: int, batch_repeats: int, warmup: int) -> dict:
    row = row_latency(predict_proba, X, repeats=row_repeats, warmup=warmup)
    batch = batch_latency(predict_proba, X, repeats=batch_repeats, warmup=min(warmup, 3))
    return {"row_median_us": row.median_us, "row_p99_us": row.p99_us, "batch_rows": len(X),
            "batch_median_ms": batch.median_us / 1e3, "batch_p99_ms": batch.p99_us / 1e3}


def _scores(predict_proba, X: np.ndarray, reference: np.ndarray, classes, y_true: np.ndarray) -> dict:
    """Accuracy and AUC against the truth; the largest probability difference and label agreement with
    ``reference`` (scikit-learn's probabilities), for ``X`` in one call and row by row."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    classes = np.asarray(classes)
    probabilities = np.asarray(predict_proba(X), dtype=np.float64)
    one_by_one = np.concatenate([predict_proba(X[index:index + 1]) for index in range(len(X))])
    labels = classes[probabilities.argmax(axis=1)]
    reference_labels = classes[reference.argmax(axis=1)]
    return {"accuracy": float(accuracy_score(y_true, labels)), "auc": float(roc_auc_score(y_true, probabilities[:, 1])),
            "max_probability_diff": float(np.abs(probabilities - reference).max()),
            "agreement": float(np.mean(labels == reference_labels)),
            "row_agreement": float(np.mean(classes[one_by_one.argmax(axis=1)] == reference_labels))}


def summary(table: pd.DataFrame) -> str:
    """The table in sentences: per model, what each quantization did to size, latency and accuracy."""
    lines = []
    for name, rows in table.groupby("model", sort=False):
        by = rows.set_index("runtime")
        sk, onnx = by.loc[SKLEARN], by.loc[FLOAT32]
        n_test = int(onnx["batch_rows"])
        lines.append(f"{name}: scikit-learn {_size(sk['size_bytes'])} pickled, {sk['row_median_us']:.0f} µs a row, "
                     f"AUC {sk['auc']:.4f}; ONNX float32 {_size(onnx['size_bytes'])}, {onnx['row_median_us']:.0f} µs "
                     f"a row (p99 {onnx['row_p99_us']:.0f} µs), {n_test:,} rows in {onnx['batch_median_ms']:.2f} ms, "
                     f"probabilities within {onnx['max_probability_diff']:.1g} of scikit-learn's.")
        for runtime in by.index.drop([SKLEARN, FLOAT32], errors="ignore"):
            lines.append("  " + _quantized_line(runtime, onnx, by.loc[runtime], n_test))
    return "\n".join(lines)


def _quantized_line(runtime: str, onnx: pd.Series, small: pd.Series, n_test: int) -> str:
    size = f"{_size(onnx['size_bytes'])} -> {_size(small['size_bytes'])}"
    if small["quantized_nodes"] == 0:
        return (f"{runtime}: does not shrink ({size}): dynamic quantization rewrites MatMul weights and this graph "
                f"({onnx['operators']}) has none; labels agree with scikit-learn on {small['agreement']:.2%}.")
    return (f"{runtime}: {size} ({onnx['size_bytes'] / small['size_bytes']:.1f}x smaller, "
            f"{int(small['quantized_nodes'])} MatMul nodes on 8-bit weights); a row {small['row_median_us']:.0f} µs "
            f"(p99 {small['row_p99_us']:.0f}), {n_test:,} rows {small['batch_median_ms']:.2f} ms; AUC "
            f"{onnx['auc']:.4f} -> {small['auc']:.4f}, accuracy {onnx['accuracy']:.4f} -> {small['accuracy']:.4f}; "
            f"labels agree with scikit-learn on {small['agreement']:.2%} of the test rows scored together "
            f"({small['row_agreement']:.2%} scored one by one), probabilities within {small['max_probability_diff']:.2g}.")


def _size(size: float) -> str:
    return f"{size / 1e3:.1f} kB" if size >= 1_000 else f"{int(size)} bytes"
