"""Serving functions for the model ``train.py`` writes, in the SageMaker scikit-learn container's
convention: ``model_fn`` loads it, ``input_fn`` parses a request, ``predict_fn`` scores it and
``output_fn`` writes the response.

Requests: ``text/csv`` (one row of features per line, no label, no header) or ``application/json``
(``{"instances": [[...], ...]}`` or a plain list of rows). Responses: ``application/json``
``{"predictions": [{"score": 0.93, "predicted_label": 1}, ...]}`` (as SageMaker's linear learner
answers) or ``text/csv`` with one score per line.
"""

from __future__ import annotations

import io
import json
import os

import joblib
import numpy as np

MODEL_FILE = "model.joblib"
THRESHOLD = 0.5


def model_fn(model_dir):
    """The fitted pipeline (StandardScaler + LogisticRegression) from ``model_dir``."""
    return joblib.load(os.path.join(model_dir, MODEL_FILE))


def _n_features(model) -> int:
    return int(model.n_features_in_)


def input_fn(request_body, request_content_type):
    """Request -> (n, d) float array. Raises ValueError naming the problem for a bad body."""
    content_type = (request_content_type or "text/csv").split(";")[0].strip().lower()
    if isinstance(request_body, (bytes, bytearray)):
        request_body = request_body.decode("utf-8")
    if content_type == "text/csv":
        lines = [line for line in request_body.splitlines() if line.strip()]
        try:
            rows = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2)
        except ValueError as error:
            raise ValueError(f"text/csv body is not rows of numbers separated by commas: {error}") from None
    elif content_type == "application/json":
        payload = json.loads(request_body)
        rows = payload.get("instances", payload) if isinstance(payload, dict) else payload
        rows = np.asarray(rows, dtype=float)
        if rows.ndim == 1:
            rows = rows[None, :]
    else:
        raise ValueError(f"Unsupported content type {request_content_type!r}: send text/csv or application/json.")
    if rows.ndim != 2 or rows.size == 0:
        raise ValueError("The request holds no rows of features.")
    if np.isnan(rows).any():
        raise ValueError("The request contains NaN: send numbers only.")
    return rows


def predict_fn(input_data, model):
    """Probabilities of the positive class, shape (n,). Raises ValueError on a wrong feature count."""
    if input_data.shape[1] != _n_features(model):
        raise ValueError(f"Each row needs {_n_features(model)} features (no label), got {input_data.shape[1]}.")
    return model.predict_proba(input_data)[:, 1]


def output_fn(prediction, accept):
    """(body, content type) for the scores."""
    accept = (accept or "application/json").split(";")[0].strip().lower()
    if accept in ("application/json", "*/*"):
        records = [{"score": float(p), "predicted_label": int(p >= THRESHOLD)} for p in prediction]
        return json.dumps({"predictions": records}), "application/json"
    if accept == "text/csv":
        return "\n".join(f"{float(p):.6g}" for p in prediction) + "\n", "text/csv"
    raise ValueError(f"Unsupported accept type {accept!r}: ask for application/json or text/csv.")
