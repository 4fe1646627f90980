"""SDK v2's ``sagemaker.serializers``: what a ``Predictor`` turns your data into before it is sent.

Each serializer has ``CONTENT_TYPE`` (the request's ``Content-Type``) and ``serialize(data)``; a
notebook written for SDK v2 runs unchanged with ``from helpers.platform.v2.serializers import CSVSerializer``
in place of ``from sagemaker.serializers import CSVSerializer``. They are written here, not imported
from the SDK, because the local backend never imports ``sagemaker`` (ARCHITECTURE.md: only the aws
layer does); their answers are the SDK's, byte for byte (tests/platform/v2/test_serializers.py).

Every serializer is also callable (``serializer(data)``) and has v1's ``content_type`` attribute, so SDK
v1 code that assigns one to ``predictor.serializer`` works too.
"""

from __future__ import annotations

import abc
import csv
import io
import json
from collections.abc import Iterable

import numpy as np

__all__ = ["BaseSerializer", "SimpleBaseSerializer", "CSVSerializer", "NumpySerializer", "JSONSerializer",
           "IdentitySerializer", "JSONLinesSerializer", "SparseMatrixSerializer", "LibSVMSerializer",
           "StringSerializer", "DataSerializer", "RecordSerializer"]


class BaseSerializer(abc.ABC):
    """The serializer interface: ``serialize(data)`` and the ``CONTENT_TYPE`` it produces."""

    @abc.abstractmethod
    def serialize(self, data):
        """The request body for ``data`` (str, bytes or a readable buffer)."""

    @property
    @abc.abstractmethod
    def CONTENT_TYPE(self):  # noqa: N802 - the SDK's name
        """The MIME type of what ``serialize`` returns."""

    def __call__(self, data):
        """SDK v1 called serializers as functions: ``predictor.serializer(data)``."""
        return self.serialize(data)


class SimpleBaseSerializer(BaseSerializer, abc.ABC):
    """A serializer whose content type is given at construction (``content_type``, settable)."""

    def __init__(self, content_type: str = "application/json"):
        if not isinstance(content_type, str):
            raise ValueError(f"content_type must be a string such as 'text/csv', not {content_type!r}.")
        self.content_type = content_type

    @property
    def CONTENT_TYPE(self):  # noqa: N802
        return self.content_type

    def __repr__(self) -> str:
        return f"{type(self).__name__}(content_type={self.content_type!r})"


def _is_sequence_like(data) -> bool:
    return hasattr(data, "__iter__") and hasattr(data, "__getitem__")


def _is_frame(data) -> bool:
    """A pandas DataFrame, without importing pandas when the data cannot be one."""
    return type(data).__name__ == "DataFrame" and hasattr(data, "to_csv")


class CSVSerializer(SimpleBaseSerializer):
    """Rows as CSV text: a 2-D array / list of rows -> one line per row, a 1-D one -> one line."""

    def __init__(self, content_type: str = "text/csv"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if hasattr(data, "read"):
            return data.read()
        if _is_frame(data):
            return data.to_csv(header=False, index=False)
        rows = _is_sequence_like(data) and hasattr(data, "__setitem__") and len(data) > 0 \
            and _is_sequence_like(data[0])
        if rows:
            return "\n".join(self._serialize_row(row) for row in data)
        return self._serialize_row(data)

    @staticmethod
    def _serialize_row(data) -> str:
        if isinstance(data, str):
            return data
        if isinstance(data, np.ndarray):
            data = data.flatten()
        if hasattr(data, "__len__"):
            if len(data) == 0:
                raise ValueError("Cannot serialize empty array")
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=",").writerow(data)
            return buffer.getvalue().rstrip("\r\n")
        raise ValueError(f"Unable to handle input format: {type(data)}")


class NumpySerializer(SimpleBaseSerializer):
    """An array in NumPy's ``.npy`` format (lists are made arrays of ``dtype`` first)."""

    def __init__(self, dtype=None, content_type: str = "application/x-npy"):
        super().__init__(content_type=content_type)
        self.dtype = dtype

    def serialize(self, data):
        if isinstance(data, (np.ndarray, list)):
            if len(data) == 0 if isinstance(data, list) else data.size == 0:
                raise ValueError("Cannot serialize empty array.")
            return self._serialize_array(data if isinstance(data, np.ndarray) else np.array(data, self.dtype))
        if hasattr(data, "read"):  # a file or buffer, assumed to hold .npy bytes already
            return data.read()
        return self._serialize_array(np.array(data))

    @staticmethod
    def _serialize_array(array: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()


class JSONSerializer(SimpleBaseSerializer):
    """JSON text; arrays (also as a dict's values) become lists."""

    def serialize(self, data):
        if isinstance(data, dict):
            return json.dumps({key: value.tolist() if isinstance(value, np.ndarray) else value
                               for key, value in data.items()})
        if hasattr(data, "read"):
            return data.read()
        if isinstance(data, np.ndarray):
            return json.dumps(data.tolist())
        return json.dumps(data)


class IdentitySerializer(SimpleBaseSerializer):
    """The data unchanged (bytes you already encoded, e.g. an image file's ``read()``)."""

    def __init__(self, content_type: str = "application/octet-stream"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        return data


class JSONLinesSerializer(SimpleBaseSerializer):
    """One JSON value per line, from an iterable (a str or buffer is sent as it is)."""

    def __init__(self, content_type: str = "application/jsonlines"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if isinstance(data, str):
            return data
        if hasattr(data, "read"):
            return data.read()
        if isinstance(data, Iterable):
            return "\n".join(json.dumps(element) for element in data)
        raise ValueError(f"Object of type {type(data)} is not JSON Lines serializable.")


class SparseMatrixSerializer(SimpleBaseSerializer):
    """A scipy sparse matrix (csr, csc, coo, bsr, dia) in ``.npz`` format."""

    def __init__(self, content_type: str = "application/x-npz"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        import scipy.sparse

        buffer = io.BytesIO()
        scipy.sparse.save_npz(buffer, data)
        return buffer.getvalue()


class LibSVMSerializer(SimpleBaseSerializer):
    """Text already in LIBSVM format (``<label> <index>:<value> ...``), or a buffer holding it."""

    def __init__(self, content_type: str = "text/libsvm"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if isinstance(data, str):
            return data
        if hasattr(data, "read"):
            return data.read()
        raise ValueError(f"Unable to handle input format: {type(data)}")


class StringSerializer(SimpleBaseSerializer):
    """``str(data)`` as UTF-8 text (later SDKs' name; kept for code that mixes them)."""

    def __init__(self, content_type: str = "text/plain"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if isinstance(data, str):
            return data
        raise ValueError(f"{data!r} is not a valid string: StringSerializer sends str only.")


class DataSerializer(SimpleBaseSerializer):
    """Raw bytes, or the bytes of the file at a path (later SDKs' name)."""

    def __init__(self, content_type: str = "file-path/raw-bytes"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if isinstance(data, str):
            try:
                with open(data, "rb") as file:
                    return file.read()
            except OSError as error:
                raise ValueError(f"Could not open/read file: {data}. {error}") from error
        if isinstance(data, bytes):
            return data
        raise ValueError(f"Object of type {type(data)} is not Data serializable.")


class RecordSerializer(SimpleBaseSerializer):
    """A 1-D array (one row) or 2-D array (rows) -> RecordIO-protobuf dense Records, as a readable buffer
    (SDK v2 has it in ``sagemaker.amazon.common``, which re-exports this one)."""

    def __init__(self, content_type: str = "application/x-recordio-protobuf"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        from helpers.platform.recordio import write_numpy_to_dense_tensor

        data = np.asarray(data)
        if data.ndim == 1:
            data = data.reshape(1, data.shape[0])
        if data.ndim != 2:
            raise ValueError(f"Expected a 1D or 2D array, but got a {data.ndim}D array instead: one row per "
                             f"record, e.g. x.reshape(len(x), -1).")
        buffer = io.BytesIO()
        write_numpy_to_dense_tensor(buffer, data)
        buffer.seek(0)
        return buffer
