"""RecordIO-protobuf (``application/x-recordio-protobuf``), the binary format SageMaker's built-in
algorithms read for training and speak for inference, byte for byte as the SageMaker Python SDK v2
(``sagemaker.amazon.common``) writes it.

A file or request body is a sequence of MXNet RecordIO frames, each holding one serialised
``aialgs.data.Record`` protobuf message (the SDK's ``record.proto``)::

    frame  = magic (uint32 LE 0xced7230a) | lrecord (uint32 LE) | payload | 0-3 zero bytes to a 4-byte boundary
    lrecord = cflag << 29 | length           (cflag 0: whole record; 1 first, 2 middle, 3 last part)

MXNet's writer splits a payload where it holds the magic number at a 4-byte boundary and drops
those 4 bytes; the reader joins the parts with the magic number in between. The SDK never splits
(cflag 0), but files from MXNet's tools may, so :func:`iter_payloads` joins them.

A record's ``features["values"]`` is a tensor (float32, float64 or int32) of the row's values; a
sparse row also has ``keys`` (the column of each value) and ``shape`` (``[feature_dim]``). Its
``label["values"]`` holds the label. Inference responses put each answer field under its own
``label`` key (``label["score"]``, ``label["predicted_label"]``...) as float32 tensors.

The message classes are built here with protobuf's descriptor API (no generated code, no protoc),
in a private descriptor pool so that they never clash with another copy of ``record.proto``.
"""

from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

import numpy as np

__all__ = ["CONTENT_TYPE", "MAGIC", "Record", "RecordIOError", "frame", "iter_payloads", "is_recordio",
           "write_numpy_to_dense_tensor", "write_spmatrix_to_sparse_tensor", "read_records",
           "Batch", "decode_batch", "encode_dense", "encode_answers", "decode_answers"]

CONTENT_TYPE = "application/x-recordio-protobuf"
MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", MAGIC)
_LENGTH_MASK = (1 << 29) - 1


#: The widest sparse row read (its shape[0]); wider is refused rather than indexed (int64 indices).
_MAX_WIDTH = 2**62


class RecordIOError(ValueError):
    """Bytes that are not RecordIO-protobuf; the message names the record (1-based) and the byte offset."""


# --------------------------------------------------------------------------------- the Record message


def _build_messages() -> dict[str, type]:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="flywheel/aialgs/data/record.proto", package="aialgs.data",
                                               syntax="proto2")

    def field(message, name, number, kind, label=F.LABEL_OPTIONAL, type_name=None, packed=False, oneof=None):
        f = message.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            f.type_name = type_name
        if packed:
            f.options.packed = True
        if oneof is not None:
            f.oneof_index = oneof
        return f

    for name, kind in (("Float32Tensor", F.TYPE_FLOAT), ("Float64Tensor", F.TYPE_DOUBLE), ("Int32Tensor", F.TYPE_INT32)):
        tensor = proto.message_type.add(name=name)
        field(tensor, "values", 1, kind, F.LABEL_REPEATED, packed=True)
        field(tensor, "keys", 2, F.TYPE_UINT64, F.LABEL_REPEATED, packed=True)
        field(tensor, "shape", 3, F.TYPE_UINT64, F.LABEL_REPEATED, packed=True)
    raw = proto.message_type.add(name="Bytes")
    field(raw, "value", 1, F.TYPE_BYTES, F.LABEL_REPEATED)
    field(raw, "content_type", 2, F.TYPE_STRING)
    value = proto.message_type.add(name="Value")
    value.oneof_decl.add(name="value")
    for name, number, type_name in (("float32_tensor", 2, "Float32Tensor"), ("float64_tensor", 3, "Float64Tensor"),
                                    ("int32_tensor", 7, "Int32Tensor"), ("bytes", 9, "Bytes")):
        field(value, name, number, F.TYPE_MESSAGE, type_name=f".aialgs.data.{type_name}", oneof=0)
    record = proto.message_type.add(name="Record")
    for name, number, entry_name in (("features", 1, "FeaturesEntry"), ("label", 2, "LabelEntry")):
        entry = record.nested_type.add(name=entry_name)
        entry.options.map_entry = True
        field(entry, "key", 1, F.TYPE_STRING)
        field(entry, "value", 2, F.TYPE_MESSAGE, type_name=".aialgs.data.Value")
        field(record, name, number, F.TYPE_MESSAGE, F.LABEL_REPEATED, type_name=f".aialgs.data.Record.{entry_name}")
    for name, number in (("uid", 3), ("metadata", 4), ("configuration", 5)):
        field(record, name, number, F.TYPE_STRING)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"aialgs.data.{name}"))
            for name in ("Record", "Value", "Float32Tensor", "Float64Tensor", "Int32Tensor", "Bytes")}


@functools.lru_cache(maxsize=None)
def _record_class() -> type:
    # built on first use: importing protobuf costs ~20 ms that a CSV job or request never needs
    return _build_messages()["Record"]


def __getattr__(name: str) -> Any:
    if name == "Record":  # ``aialgs.data.Record``: features / label maps of name -> Value, uid, metadata, configuration
        return _record_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------------------------------ framing


def frame(payload: bytes) -> bytes:
    """One RecordIO frame around ``payload`` (cflag 0, as the SDK writes: never split)."""
    length = len(payload)
    if length > _LENGTH_MASK:
        raise RecordIOError(f"A record of {length} bytes is too long for RecordIO (at most {_LENGTH_MASK}).")
    return b"".join((_MAGIC_BYTES, struct.pack("<I", length), payload, b"\0" * (-length % 4)))


def is_recordio(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file or body) starts with a RecordIO frame."""
    return head[:4] == _MAGIC_BYTES


def iter_payloads(data: bytes | memoryview) -> Iterator[bytes]:
    """The payloads of the RecordIO frames in ``data``, split records joined; RecordIOError names the bad one."""
    view = memoryview(data)
    offset, number, parts = 0, 1, []
    while offset < len(view):
        if len(view) - offset < 8:
            raise RecordIOError(f"Record {number} (byte {offset}): {len(view) - offset} trailing byte(s) are too few for "
                                f"a RecordIO header (8 bytes): the data is truncated.")
        magic, lrecord = struct.unpack_from("<II", view, offset)
        if magic != MAGIC:
            raise RecordIOError(f"Record {number} (byte {offset}) does not start with the RecordIO magic number "
                                f"0xced7230a (found 0x{magic:08x}): this is not RecordIO-protobuf data.")
        length, cflag = lrecord & _LENGTH_MASK, lrecord >> 29
        start = offset + 8
        if start + length > len(view):
            raise RecordIOError(f"Record {number} (byte {offset}) says it holds {length} bytes but only "
                                f"{len(view) - start} follow: the data is truncated.")
        payload = bytes(view[start:start + length])
        offset = start + length + (-length % 4)
        if cflag == 0 and not parts:
            yield payload
        elif cflag == 1 and not parts:
            parts.append(payload)
            continue
        elif cflag in (2, 3) and parts:
            parts.append(payload)
            if cflag == 2:
                continue
            yield _MAGIC_BYTES.join(parts)
            parts = []
        else:
            raise RecordIOError(f"Record {number} (byte {offset}): continuation flag {cflag} out of order: the "
                                f"data is not valid RecordIO.")
        number += 1
    if parts:
        raise RecordIOError(f"Record {number}: the data ends inside a record split in parts: it is truncated.")


# ------------------------------------------------------------------- the SDK's functions, same names


def _tensor_kind(dtype: np.dtype, what: str) -> str:
    """SageMaker SDK v2's rule: int64 -> int32 tensor, float64 -> float64, float32 -> float32."""
    dtype = np.dtype(dtype)
    if dtype == np.dtype(int):
        return "int32_tensor"
    if dtype == np.dtype(np.float64):
        return "float64_tensor"
    if dtype == np.dtype(np.float32):
        return "float32_tensor"
    raise ValueError(f"Unsupported dtype {dtype} on {what}: use float32 (what the algorithms train on), float64 or "
                     f"int64, e.g. {what}.astype('float32').")


def _check_labels(labels: Any, n_rows: int) -> tuple[np.ndarray, str] | None:
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"Labels must be a vector (one label per row), got shape {labels.shape}: pass y.ravel().")
    if labels.shape[0] != n_rows:
        raise ValueError(f"{labels.shape[0]} labels for {n_rows} rows: give one label per row.")
    return labels, _tensor_kind(labels.dtype, "labels")


def write_numpy_to_dense_tensor(file: IO[bytes], array: np.ndarray, labels: np.ndarray | None = None) -> None:
    """Write each row of ``array`` (n_rows, n_features) as a dense Record, with ``labels[i]`` when given.

    The SageMaker Python SDK v2's ``sagemaker.amazon.common.write_numpy_to_dense_tensor``: float32
    arrays give float32 tensors (what the built-ins expect), float64 -> float64, int64 -> int32.
    """
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"Array must be a matrix (n_rows, n_features), got shape {array.shape}: reshape a single "
                         f"row with x.reshape(1, -1).")
    checked = _check_labels(labels, array.shape[0])
    kind = _tensor_kind(array.dtype, "array")
    record = _record_class()()
    for index, row in enumerate(array):
        record.Clear()
        getattr(record.features["values"], kind).values.extend(row.tolist())
        if checked is not None:
            getattr(record.label["values"], checked[1]).values.append(checked[0][index].item())
        file.write(frame(record.SerializeToString()))


def write_spmatrix_to_sparse_tensor(file: IO[bytes], array: Any, labels: np.ndarray | None = None) -> None:
    """Write each row of the scipy sparse matrix ``array`` as a sparse Record (values, keys, shape).

    The SageMaker Python SDK v2's ``sagemaker.amazon.common.write_spmatrix_to_sparse_tensor``.
    """
    import scipy.sparse as sp

    if not sp.issparse(array):
        raise TypeError(f"Array must be a scipy sparse matrix, got {type(array).__name__}: use "
                        f"write_numpy_to_dense_tensor for a dense array, or scipy.sparse.csr_matrix(x).")
    if len(array.shape) != 2:
        raise ValueError(f"Array must be a matrix, got shape {array.shape}.")
    checked = _check_labels(labels, array.shape[0])
    kind = _tensor_kind(array.dtype, "array")
    csr = sp.csr_matrix(array)
    n_cols = csr.shape[1]
    record = _record_class()()
    for r in range(csr.shape[0]):
        record.Clear()
        start, stop = csr.indptr[r], csr.indptr[r + 1]
        tensor = getattr(record.features["values"], kind)
        tensor.values.extend(csr.data[start:stop].tolist())
        tensor.keys.extend(csr.indices[start:stop].astype(np.uint64).tolist())
        tensor.shape.append(n_cols)
        if checked is not None:
            getattr(record.label["values"], checked[1]).values.append(checked[0][r].item())
        file.write(frame(record.SerializeToString()))


def read_records(file: IO[bytes] | bytes) -> list[Any]:
    """Every Record in ``file`` (a binary file object or bytes), eagerly: the SDK v2's ``read_records``."""
    data = file if isinstance(file, (bytes, bytearray, memoryview)) else file.read()
    records = []
    for number, payload in enumerate(iter_payloads(data), start=1):
        records.append(_parse_at(payload, f"Record {number}"))
    return records


# --------------------------------------------------------------------- records <-> arrays, for the kit


@dataclass
class Batch:
    """Records as arrays: ``keys``/``values`` per row (keys None for a dense row), ``widths`` (each row's
    feature count: its length, or ``shape[0]`` when sparse) and ``labels`` ((n,) float64 or None)."""

    rows: list[tuple[np.ndarray | None, np.ndarray]]
    widths: np.ndarray
    labels: np.ndarray | None

    @property
    def sparse(self) -> bool:
        return any(keys is not None for keys, _ in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


_TENSORS = frozenset({"float32_tensor", "float64_tensor", "int32_tensor"})


def _tensor(value: Any, where: Callable[[], str], what: str) -> Any:
    """The tensor a Value holds; ``where()`` names the record in the error (called only then)."""
    kind = value.WhichOneof("value")
    if kind not in _TENSORS:
        raise RecordIOError(f"{where()}: {what} holds {kind or 'no value'}, not a float32, float64 or int32 tensor. "
                            f"Write it with write_numpy_to_dense_tensor(f, x.astype('float32'), y).")
    return getattr(value, kind)


def decode_batch(data: bytes, source: str = "", *, labels: str = "optional") -> Batch:
    """The records in ``data`` as a :class:`Batch`. ``source`` starts every error message (e.g.
    ``"Channel 'train', file 'part-0'"``), which then names the 1-based record; ``labels``:
    ``"optional"`` (all or none), ``"ignore"``, or ``"required"``."""
    from google.protobuf.message import DecodeError

    rows, widths, label_values = [], [], []
    record = _record_class()()  # one message, parsed into again and again (values are copied out)
    for n, payload in enumerate(_payloads(data, source), start=1):
        try:
            record.ParseFromString(payload)
        except DecodeError as exc:
            raise RecordIOError(f"{_place(source, n)} is not an aialgs.data.Record protobuf message ({exc}).") from None
        keys, values, width = _features(record, source, n)
        rows.append((keys, values))
        widths.append(width)
        if labels == "ignore":
            continue
        if "values" in record.label:
            label = _tensor(record.label["values"], lambda: _place(source, n), 'label["values"]').values
            if len(label) != 1:
                raise RecordIOError(f"{_place(source, n)}: label[\"values\"] holds {len(label)} values; give one label "
                                    f"per record.")
            label_values.append(float(label[0]))
        elif labels == "required":
            raise RecordIOError(f"{_place(source, n)} has no label: write the training data with its labels, "
                                f"write_numpy_to_dense_tensor(f, x, labels=y).")
        if label_values and len(label_values) != n:
            raise RecordIOError(f"{_place(source, n)} has no label but record 1 has one: give every record a label.")
    if labels == "optional" and len(label_values) != len(rows):
        label_values = []
    return Batch(rows, np.asarray(widths, dtype=np.int64), np.asarray(label_values) if label_values else None)


def _place(source: str, n: int) -> str:
    return f"{source}, record {n}" if source else f"Record {n}"


def _features(record: Any, source: str, n: int) -> tuple[np.ndarray | None, np.ndarray, int]:
    """(keys or None when dense, values, width) of a record's ``features["values"]``."""
    if "values" not in record.features:
        found = ", ".join(sorted(record.features)) or "none"
        raise RecordIOError(f"{_place(source, n)} has no features[\"values\"] (features found: {found}). Write records "
                            f"with write_numpy_to_dense_tensor or write_spmatrix_to_sparse_tensor.")
    tensor = _tensor(record.features["values"], lambda: _place(source, n), 'features["values"]')
    values = np.asarray(tensor.values, dtype=np.float64)
    if not len(tensor.keys) and not (len(tensor.shape) and not values.size):  # the SDK gives an empty sparse row a shape only
        return None, values, values.size
    place = _place(source, n)
    keys = np.asarray(tensor.keys, dtype=np.uint64)  # uint64 on the wire: any value fits
    if keys.size != values.size:
        raise RecordIOError(f"{place}: {keys.size} keys for {values.size} values; a sparse row needs one key per value.")
    if not len(tensor.shape):
        raise RecordIOError(f"{place} is sparse (it has keys) but has no shape: a sparse row needs "
                            f"shape=[feature_dim] (write_spmatrix_to_sparse_tensor sets it).")
    width = int(tensor.shape[0])
    if width > _MAX_WIDTH:
        raise RecordIOError(f"{place}: shape [{width}] is more features than any model takes (at most {_MAX_WIDTH}).")
    if keys.size and int(keys.max()) >= width:
        raise RecordIOError(f"{place}: key {int(keys.max())} is outside shape [{width}] (keys count from 0).")
    return keys.astype(np.int64), values, width


def _payloads(data: bytes, source: str) -> Iterator[bytes]:
    """iter_payloads, with RecordIOError messages starting with ``source``."""
    try:
        yield from iter_payloads(data)
    except RecordIOError as exc:
        if not source:
            raise
        raise RecordIOError(f"{source}: {exc}") from None


def _parse_at(payload: bytes, place: str) -> Any:
    from google.protobuf.message import DecodeError

    record = _record_class()()
    try:
        record.ParseFromString(payload)
    except DecodeError as exc:
        raise RecordIOError(f"{place} is not an aialgs.data.Record protobuf message ({exc}).") from None
    return record


def encode_dense(x: np.ndarray, labels: np.ndarray | None = None) -> bytes:
    """Rows of ``x`` as RecordIO-protobuf bytes of float32 tensors (what the built-ins are sent)."""
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, np.asarray(x, dtype=np.float32),
                                None if labels is None else np.asarray(labels, dtype=np.float32))
    return buffer.getvalue()


def encode_answers(answers: Sequence[dict[str, Any]]) -> bytes:
    """Inference answers as SageMaker's built-ins write them: one Record per answer, each field under
    ``label[name]`` as a float32 tensor (a scalar as one value, a list as its values)."""
    out, record = [], _record_class()()
    for answer in answers:
        record.Clear()
        for name, value in answer.items():
            values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
            record.label[name].float32_tensor.values.extend(float(v) for v in _flat(values))
        out.append(frame(record.SerializeToString()))
    return b"".join(out)


def _flat(values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, (list, tuple, np.ndarray)):
            yield from _flat(value)
        else:
            yield value


def decode_answers(data: bytes) -> list[dict[str, list[float]]]:
    """Response records back as ``[{"score": [0.4], "predicted_label": [1.0]}, ...]`` (lists of float32 values)."""
    answers = []
    for record in read_records(data):
        answers.append({name: list(_tensor(value, lambda: "answer", name).values) for name, value in sorted(record.label.items())})
    return answers
