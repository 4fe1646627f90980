"""Turn Python data into a request body, and a response body back into Python data.

Used by ``Endpoint.predict``: what a learner holds (a numpy array, a DataFrame, a list of rows, a
dict) goes out as the CSV or JSON a SageMaker container reads; the answer comes back parsed by its
content type.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def _csv_rows(array: np.ndarray) -> bytes:
    if array.ndim == 0:
        array = array.reshape(1, 1)
    elif array.ndim == 1:
        array = array.reshape(1, -1)
    elif array.ndim > 2:
        raise ValueError(f"cannot send a {array.ndim}-D array as CSV rows: reshape it to (rows, features).")
    # str(float) is the shortest text that reads back to the same number
    return ("\n".join(",".join(map(str, row)) for row in array.tolist()) + "\n").encode()


def to_request_body(data: Any, content_type: str | None = None) -> tuple[bytes, str]:
    """``data`` -> (body, content type). Tables and arrays become CSV rows (no header, no label)."""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data), content_type or "text/csv"
    if isinstance(data, str):
        return data.encode(), content_type or "text/csv"
    if isinstance(data, dict):
        return json.dumps(data).encode(), content_type or "application/json"
    if hasattr(data, "to_numpy"):  # pandas DataFrame / Series
        data = data.to_numpy()
    if content_type == "application/json":
        return json.dumps({"instances": np.asarray(data).tolist()}).encode(), content_type
    array = np.asarray(data)
    if array.dtype == object or array.dtype.kind in "US":
        raise ValueError("predict() sends numbers: this data holds text or mixed types. Encode the "
                         "features as numbers first (the same way as for training).")
    return _csv_rows(array), "text/csv"


def parse_response(body: bytes, content_type: str | None) -> Any:
    """JSON -> Python objects; JSON Lines -> list; CSV -> numpy array (1-D for one column or one
    line); else bytes."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/json":
        return json.loads(body)
    if mime == "application/jsonlines":
        return [json.loads(line) for line in body.splitlines() if line.strip()]
    if mime == "text/csv":
        rows = [line.split(",") for line in body.decode().splitlines() if line.strip()]
        try:
            array = np.array(rows, dtype=np.float64)
        except ValueError:
            return rows
        if array.ndim == 2 and array.shape[1] == 1:
            return array[:, 0]  # one value per record
        if array.ndim == 2 and array.shape[0] == 1:
            return array[0]  # one line (xgboost joins a batch's scores with commas)
        return array
    return body
