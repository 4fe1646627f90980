"""SDK v2's ``sagemaker.deserializers``: what a ``Predictor`` turns an endpoint's answer into.

Each deserializer has ``ACCEPT`` (a tuple of MIME types, sent as the request's ``Accept``) and
``deserialize(stream, content_type)``, where ``stream`` is the answer body (botocore's
``StreamingBody``, or any object with ``read()``) and ``content_type`` the answer's ``Content-Type``.
Written here rather than imported from the SDK: the local backend never imports ``sagemaker``.

Every deserializer is also callable (``deserializer(stream, content_type)``) and has v1's ``accept``
attribute, so SDK v1 code that assigns one to ``predictor.deserializer`` works too.
"""

from __future__ import annotations

import abc
import codecs
import csv
import io
import json

import numpy as np

__all__ = ["BaseDeserializer", "SimpleBaseDeserializer", "StringDeserializer", "BytesDeserializer",
           "CSVDeserializer", "StreamDeserializer", "NumpyDeserializer", "JSONDeserializer", "PandasDeserializer",
           "JSONLinesDeserializer", "RecordDeserializer"]


def _media_type(content_type: str | None) -> str:
    """``"text/csv; charset=utf-8"`` -> ``"text/csv"`` (servers may add parameters)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


class BaseDeserializer(abc.ABC):
    """The deserializer interface: ``deserialize(stream, content_type)`` and the ``ACCEPT`` it asks for."""

    @abc.abstractmethod
    def deserialize(self, stream, content_type):
        """The Python value of the answer ``stream`` of MIME type ``content_type``."""

    @property
    @abc.abstractmethod
    def ACCEPT(self):  # noqa: N802 - the SDK's name
        """The MIME types this deserializer reads, as a tuple."""

    def __call__(self, stream, content_type=None):
        """SDK v1 called deserializers as functions: ``predictor.deserializer(stream, content_type)``."""
        return self.deserialize(stream, content_type)


class SimpleBaseDeserializer(BaseDeserializer, abc.ABC):
    """A deserializer whose accepted type(s) are given at construction (``accept``, settable)."""

    def __init__(self, accept="*/*"):
        if not isinstance(accept, (str, tuple, list)):
            raise ValueError(f"accept must be a MIME type string or a tuple of them, not {accept!r}.")
        self.accept = accept

    @property
    def ACCEPT(self):  # noqa: N802
        return (self.accept,) if isinstance(self.accept, str) else tuple(self.accept)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(accept={self.accept!r})"


class StringDeserializer(SimpleBaseDeserializer):
    """The answer decoded as text (``encoding``, default UTF-8)."""

    def __init__(self, encoding: str = "UTF-8", accept="application/json"):
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream, content_type):
        try:
            return stream.read().decode(self.encoding)
        finally:
            stream.close()


class BytesDeserializer(SimpleBaseDeserializer):
    """The answer's bytes, unchanged."""

    def deserialize(self, stream, content_type):
        try:
            return stream.read()
        finally:
            stream.close()


class CSVDeserializer(SimpleBaseDeserializer):
    """CSV text -> a list of rows, each a list of strings (as ``csv.reader`` gives them)."""

    def __init__(self, encoding: str = "utf-8", accept="text/csv"):
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream, content_type):
        try:
            return list(csv.reader(stream.read().decode(self.encoding).splitlines()))
        finally:
            stream.close()


class StreamDeserializer(SimpleBaseDeserializer):
    """``(stream, content_type)`` unread: closing the stream is yours."""

    def deserialize(self, stream, content_type):
        return stream, content_type


class NumpyDeserializer(SimpleBaseDeserializer):
    """``.npy`` / ``.npz``, CSV or JSON answers -> a numpy array (``.npz``: numpy's dict-like archive)."""

    def __init__(self, dtype=None, accept="application/x-npy", allow_pickle: bool = False):
        super().__init__(accept=accept)
        self.dtype = dtype
        self.allow_pickle = allow_pickle

    def deserialize(self, stream, content_type):
        kind = _media_type(content_type)
        try:
            if kind == "text/csv":
                return np.genfromtxt(codecs.getreader("utf-8")(stream), delimiter=",", dtype=self.dtype)
            if kind == "application/json":
                return np.array(json.load(codecs.getreader("utf-8")(stream)), dtype=self.dtype)
            if kind in ("application/x-npy", "application/x-npz"):
                try:
                    return np.load(io.BytesIO(stream.read()), allow_pickle=self.allow_pickle)
                except ValueError as error:
                    raise ValueError("Please set the param allow_pickle=True to deserialize pickle objects in "
                                     "NumpyDeserializer") from error
        finally:
            stream.close()
        raise ValueError(f"NumpyDeserializer cannot read content type {content_type}: it reads text/csv, "
                         f"application/json, application/x-npy and application/x-npz (set the endpoint's answer "
                         f"type with accept=..., or use BytesDeserializer()).")


class JSONDeserializer(SimpleBaseDeserializer):
    """JSON -> Python objects."""

    def __init__(self, accept="application/json"):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        try:
            return json.load(codecs.getreader("utf-8")(stream))
        finally:
            stream.close()


class PandasDeserializer(SimpleBaseDeserializer):
    """CSV (with a header row) or JSON in pandas' 'columns' orient -> a DataFrame."""

    def __init__(self, accept=("text/csv", "application/json")):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        import pandas

        kind = _media_type(content_type)
        if kind == "text/csv":
            return pandas.read_csv(stream)
        if kind == "application/json":
            return pandas.read_json(io.StringIO(stream.read().decode("utf-8")))
        raise ValueError(f"PandasDeserializer cannot read content type {content_type}: it reads text/csv and "
                         f"application/json.")


class JSONLinesDeserializer(SimpleBaseDeserializer):
    """JSON Lines -> a list of Python objects, one per line."""

    def __init__(self, accept="application/jsonlines"):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        try:
            return [json.loads(line) for line in stream.read().decode("utf-8").splitlines() if line.strip()]
        finally:
            stream.close()


class RecordDeserializer(SimpleBaseDeserializer):
    """A RecordIO-protobuf answer -> a list of ``Record`` (``record.label["closest_cluster"].float32_tensor.values``);
    SDK v2 has it in ``sagemaker.amazon.common``, which re-exports this one."""

    def __init__(self, accept="application/x-recordio-protobuf"):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        from helpers.platform.recordio import read_records

        try:
            return read_records(stream)
        finally:
            stream.close()
