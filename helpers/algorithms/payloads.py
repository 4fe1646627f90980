"""Inference request bodies in, response bodies out, in the formats SageMaker's built-in algorithms
speak (see "Common Data Formats for Inference" in the SageMaker developer guide).

Requests (features only, no label):

* ``text/csv``: one record per line, ``1.5,16.0,14.0,23.0``; ``text/csv;label_size=1`` drops the
  first column(s).
* ``application/json``: ``{"instances": [{"features": [...]}, ...]}``, also ``{"instances": [[...], ...]}``
  and ``{"instances": [{"data": {"features": {"values": [...]}}}]}``.
* ``application/jsonlines``: one ``{"features": [...]}`` (or ``{"data": {"features": {"values": [...]}}}``,
  or a bare list) per line.
* ``application/x-recordio-protobuf``: RecordIO-framed ``Record`` messages, dense or sparse
  ``features["values"]`` (:mod:`helpers.algorithms.recordio`; labels are ignored).

Responses: ``application/json`` wraps the records under a key (``{"predictions": [...]}``),
``application/jsonlines`` writes one record per line, ``text/csv`` one line per record,
``application/x-recordio-protobuf`` one Record per answer with each field under ``label[name]``
(float32), as SageMaker's built-ins answer.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterable, Sequence

import numpy as np
import orjson

from helpers.algorithms import recordio
from helpers.algorithms.errors import InferenceError
from helpers.algorithms.numbers import parse_float

__all__ = ["parse_media_type", "parse_features", "negotiate_accept", "encode", "check_features", "protobuf_rows"]

CSV, JSON, JSONLINES = "text/csv", "application/json", "application/jsonlines"
RECORDIO = recordio.CONTENT_TYPE
_JSONLINES_ALIASES = {"application/jsonlines", "application/jsonl", "application/x-jsonlines"}


def parse_media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """``"text/csv; label_size=1"`` -> ``("text/csv", {"label_size": "1"})`` (lower-cased type)."""
    if not value:
        return "", {}
    head, *params = str(value).split(";")
    out: dict[str, str] = {}
    for param in params:
        if "=" in param:
            key, _, val = param.partition("=")
            out[key.strip().lower()] = val.strip().strip('"')
    mime = head.strip().lower()
    if mime in _JSONLINES_ALIASES:
        mime = JSONLINES
    elif mime == "application/x-recordio":  # SageMaker's older name for the same format
        mime = RECORDIO
    return mime, out


def parse_features(body: bytes | str, content_type: str | None, supported: Sequence[str] = (CSV, JSON, JSONLINES)) -> np.ndarray:
    """The records of a request as a float64 array (n_records, n_features).

    Raises InferenceError 415 for a content type outside ``supported`` and 400 for a body that is
    empty, unparsable, ragged, or holds NaN / infinite / non-numeric values.
    """
    if not content_type or content_type == CSV:
        row = _one_csv_row(body) if CSV in supported else None
        if row is not None:
            return row
    mime, params = parse_media_type(content_type)
    if not mime:
        mime = CSV  # SageMaker's built-in algorithms read a request without Content-Type as CSV
    if mime not in supported:
        raise InferenceError(
            f"Content type {mime!r} is not supported by this algorithm. Supported content types: "
            f"{', '.join(supported)}.", 415)
    if mime == RECORDIO:
        return protobuf_rows(body)
    text = request_text(body, mime, "send at least one record of features")
    if mime == CSV:
        rows = _csv_rows(text)
    elif mime == JSON:
        rows = _json_rows(text)
    else:
        rows = _jsonlines_rows(text)
    label_size = params.get("label_size", "0")
    if not (label_size.isascii() and label_size.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise InferenceError(f"Content-Type parameter label_size={label_size!r} must be a non-negative integer.", 400)
    # numpy reads a str cell with float(), which takes "1_0" and any Unicode digit: such text goes cell by cell
    plain = mime != CSV or (text.isascii() and "_" not in text)
    matrix = _to_matrix(rows, from_json=mime != CSV, plain=plain)
    if int(label_size):
        matrix = matrix[:, int(label_size):]
    return matrix


def _protobuf_batch(body: bytes | str) -> recordio.Batch:
    """The records of a RecordIO-protobuf request (labels ignored); InferenceError 400 names the bad one."""
    if isinstance(body, str):
        raise InferenceError(f"A {RECORDIO} request body is binary: send the bytes write_numpy_to_dense_tensor wrote.", 400)
    data = bytes(body)
    if not data:
        raise InferenceError("The request body is empty: send at least one record of features.", 400)
    try:
        batch = recordio.decode_batch(data, labels="ignore")
    except recordio.RecordIOError as exc:
        raise InferenceError(f"{exc} Write the request with write_numpy_to_dense_tensor(buffer, x.astype('float32')).", 400) from None
    if not len(batch):
        raise InferenceError("The request body holds no records: send at least one record of features.", 400)
    return batch


#: Cells of a dense copy of sparse protobuf records a request may ask for (8 bytes each: 400 MB).
_MAX_DENSE_CELLS = 50_000_000


def _one_width(batch) -> int:
    """The number of features every record of ``batch`` has; InferenceError 400 naming the first that differs."""
    width = int(batch.widths[0])
    bad = np.flatnonzero(batch.widths != width)
    if bad.size:
        raise InferenceError(f"Record {int(bad[0]) + 1} has {int(batch.widths[bad[0]])} features but record 1 has {width}: "
                             f"every record needs the same features.", 400)
    return width


def protobuf_rows(body: bytes | str) -> np.ndarray:
    """A RecordIO-protobuf request as a float64 matrix (n_records, n_features); sparse rows made dense."""
    batch = _protobuf_batch(body)
    width = _one_width(batch)
    if len(batch) * width > _MAX_DENSE_CELLS:  # a sparse record's shape is the sender's word: bound the dense copy
        raise InferenceError(f"{len(batch)} records of shape [{width}] are too large to score at once: send fewer records "
                             f"(or a shape equal to the model's feature_dim).", 400)
    matrix = np.zeros((len(batch), width))
    for r, (keys, values) in enumerate(batch.rows):
        if keys is None:
            matrix[r] = values
        else:
            matrix[r, keys] = values
    return matrix


def protobuf_sparse(body: bytes | str):
    """A RecordIO-protobuf request as a CSR matrix (n_records, n_features), for sparse models."""
    import scipy.sparse as sp

    batch = _protobuf_batch(body)
    width = _one_width(batch)
    indices = [np.arange(v.size) if k is None else k for k, v in batch.rows]
    counts = [v.size for _, v in batch.rows]
    indptr = np.concatenate(([0], np.cumsum(counts)))
    data = np.concatenate([v for _, v in batch.rows]) if counts else np.zeros(0)
    x = sp.csr_matrix((data, np.concatenate(indices), indptr), shape=(len(batch), width))
    x.sum_duplicates()
    return x


def _one_csv_row(body: bytes | str) -> np.ndarray | None:
    """The commonest request, one CSV row of finite numbers, as a (1, d) array; None for anything else.

    A shortcut, not a second parser: numpy reads each cell as the general path does (for a cell of
    ASCII text, as ``float`` does), and every body it does not accept in full (several rows, a BOM,
    an empty cell, NaN, a non-ASCII byte, an underscore...) returns None and goes through the general
    path, which names the problem.
    """
    if type(body) is not bytes:
        return None
    line = body.strip()
    # a line break, or "_" (float() reads b"1_0" as 10); an int operand: b"\n" in line costs 5x more,
    # as it is tried as an int first. No isascii() test: float() of bytes refuses every non-ASCII byte.
    if 10 in line or 13 in line or 95 in line:
        return None
    try:
        # numpy converts the cells in C: half the instructions of float() per cell
        row = np.array(line.split(b","), dtype=np.float64)
    except ValueError:
        return None
    # the sum of finite numbers is finite (a huge sum that overflows takes the general path)
    if not math.isfinite(sum(row.tolist())):
        return None
    return row[None]


def _csv_rows(text: str) -> list[list[Any]]:
    return [line.split(",") for line in text.splitlines() if line.strip()]


def request_text(body: bytes | str, mime: str, what_to_send: str) -> str:
    """A request body as text; InferenceError 400 when it is not UTF-8 or is empty."""
    if isinstance(body, str):
        return _non_empty(body, what_to_send)
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InferenceError(f"The request body is not UTF-8 text; send {mime} text.", 400) from None
    return _non_empty(text, what_to_send)


def _non_empty(text: str, what_to_send: str) -> str:
    if not text.strip():
        raise InferenceError(f"The request body is empty: {what_to_send}.", 400)
    return text


def load_json(text: str) -> Any:
    """Parse a JSON request body; InferenceError 400 names where it breaks."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InferenceError(
            f"The request body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).", 400
        ) from None


def _json_rows(text: str) -> list[Any]:
    doc = load_json(text)
    if isinstance(doc, dict) and "instances" in doc:
        instances = doc["instances"]
    elif isinstance(doc, dict) and ("features" in doc or "data" in doc):
        instances = [doc]
    else:
        raise InferenceError(
            'A JSON request needs an "instances" list: {"instances": [{"features": [1.5, 16.0]}, ...]}.', 400)
    if not isinstance(instances, list) or not instances:
        raise InferenceError('"instances" must be a non-empty list of records.', 400)
    return [_record_features(item, i + 1) for i, item in enumerate(instances)]


def _jsonlines_rows(text: str) -> list[Any]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InferenceError(f"Line {number} of the JSON Lines body is not valid JSON ({exc.msg}).", 400) from None
        rows.append(_record_features(item, number))
    return rows


def _record_features(item: Any, number: int) -> Any:
    if isinstance(item, list):
        return item
    if isinstance(item, dict):
        if "features" in item:
            return item["features"]
        data = item.get("data")
        if isinstance(data, dict) and isinstance(data.get("features"), dict) and "values" in data["features"]:
            features = data["features"]
            if "keys" in features:
                raise InferenceError("Sparse records (with \"keys\") are not supported; send dense feature lists.", 400)
            return features["values"]
    raise InferenceError(
        f'Record {number} has no features: write {{"features": [1.5, 16.0, ...]}} (or a plain list of numbers).', 400)


def _to_matrix(rows: list[Any], from_json: bool, plain: bool = True) -> np.ndarray:
    """``rows`` as a float64 matrix, or InferenceError 400 naming the first bad cell.

    ``plain``: the cells' text is ASCII without "_" (CSV), so numpy's ``float()`` reads it as the
    containers do; otherwise every cell is read by :func:`_number`.
    """
    try:  # fast path: numpy converts numbers and numeric strings in C
        if not plain:
            raise ValueError("cells need the strict reader")
        fast = np.array(rows, dtype=np.float64)
        # numpy reads true / false as 1 / 0 and a str cell with float(); the general path rejects
        # booleans and exotic digits ("١٢", "1_0") by name
        if (fast.ndim == 2 and fast.shape[1] > 0 and np.isfinite(fast).all()
                and not (from_json and any(cell is True or cell is False or (type(cell) is str and parse_float(cell) is None)
                                           for row in rows for cell in row))):
            return fast
    except (ValueError, TypeError):
        pass
    width = None
    out = np.empty((len(rows), len(rows[0]) if isinstance(rows[0], list) else 0), dtype=np.float64)
    for r, row in enumerate(rows, start=1):
        if not isinstance(row, list):
            raise InferenceError(f"Record {r}: features must be a list of numbers, got {type(row).__name__}.", 400)
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise InferenceError(f"Record {r} has {len(row)} features but record 1 has {width}: every record needs the same features.", 400)
        for c, cell in enumerate(row, start=1):
            value = _number(cell)
            if value is None:
                raise InferenceError(f"Record {r}, feature {c}: {cell!r} is not a number.", 400)
            if not math.isfinite(value):
                raise InferenceError(
                    f"Record {r}, feature {c} is {cell!r}: the model needs finite numbers. Impute missing values "
                    f"the same way as for training before invoking.", 400)
            out[r - 1, c - 1] = value
    return out


def _number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    if cell is None:
        return math.nan
    if isinstance(cell, str):
        text = cell.strip()
        if text == "":
            return math.nan
        return parse_float(text)  # the containers' ASCII syntax, not float()'s
    return None


def check_features(features: Any, feature_dim: int) -> np.ndarray:
    """``features`` as a finite (n, feature_dim) float64 array, or InferenceError 400."""
    matrix = np.asarray(features, dtype=np.float64)
    shape = matrix.shape
    if len(shape) != 2 or not shape[0] or shape[1] != feature_dim:  # one test on the usual path
        if len(shape) == 1:
            return check_features(matrix[None, :], feature_dim)
        if len(shape) != 2 or shape[0] == 0:
            raise InferenceError(f"Expected records of features, an array of shape (n, {feature_dim}); got shape {shape}.", 400)
        extra = " Send the features only, without the label column." if shape[1] == feature_dim + 1 else ""
        raise InferenceError(
            f"Each record must have {feature_dim} features (the model's feature_dim), got {shape[1]}.{extra}", 400)
    # A finite sum means every value is finite (a NaN or an infinity makes the sum non-finite), so
    # only a non-finite sum needs the cell-by-cell search. A few values (one request's row) are
    # summed as Python floats: several times faster than a numpy reduction at that size.
    if matrix.size <= 64:
        total = sum(map(sum, matrix.tolist()))
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(matrix, axis=None)
    if not math.isfinite(total):
        bad = ~np.isfinite(matrix)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InferenceError(f"Record {r + 1}, feature {c + 1} is {matrix[r, c]}: the model needs finite numbers.", 400)
    return matrix


def negotiate_accept(accept: str | None, supported: Sequence[str], default: str) -> tuple[str, dict[str, str]]:
    """The response type for an Accept header: ``default`` for none or ``*/*``; 406 when unsupported.

    A comma-separated Accept picks the first supported entry.
    """
    if not accept or not str(accept).strip():
        return default, {}
    for entry in str(accept).split(","):
        mime, params = parse_media_type(entry)
        if mime in ("*/*", ""):
            return default, params
        if mime in supported:
            return mime, params
    raise InferenceError(
        f"Accept type {str(accept).strip()!r} is not supported by this algorithm. Supported accept types: "
        f"{', '.join(supported)}.", 406)


def encode(records: list[dict[str, Any]], mime: str, *, json_key: str = "predictions",
           csv_fields: Sequence[str] = ()) -> bytes:
    """Records as a response body: JSON ``{json_key: records}``, JSON Lines, or CSV of ``csv_fields``."""
    if mime == JSON:
        return orjson.dumps({json_key: records}, default=_json_default, option=_ORJSON_OPTIONS)
    if mime == JSONLINES:
        return b"".join(orjson.dumps(record, default=_json_default, option=_ORJSON_OPTIONS | orjson.OPT_APPEND_NEWLINE)
                        for record in records)
    if mime == CSV:
        return ("\n".join(",".join(_csv_cell(record[field]) for field in csv_fields) for record in records) + "\n").encode("utf-8")
    if mime == RECORDIO:
        return recordio.encode_answers(records)
    raise InferenceError(f"Cannot encode a response as {mime!r}.", 406)  # pragma: no cover - negotiate_accept guards


# orjson writes the response JSON (compact, UTF-8) ~15x faster than json.dumps: on a one-row request
# the encoder was the largest cost after the model. NaN / infinity become null (valid JSON, unlike
# json.dumps's NaN); numpy scalars and arrays serialise as numbers and lists.
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy values orjson does not take natively (e.g. float16, non-contiguous arrays)
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _csv_cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_csv_cell(v) for v in value)
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def floats(values: Iterable[Any]) -> list[float]:
    """Plain Python floats (JSON-serialisable) from numpy values."""
    return [float(v) for v in values]
