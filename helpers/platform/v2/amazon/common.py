"""SDK v2's ``sagemaker.amazon.common``: RecordIO-protobuf for the first-party algorithms.

``write_numpy_to_dense_tensor`` / ``write_spmatrix_to_sparse_tensor`` / ``read_records`` are the kit's
(``helpers.platform.recordio``: SageMaker's own bytes); ``RecordSerializer`` / ``RecordDeserializer`` are
what ``KMeansPredictor`` and the other first-party predictors send and read. SDK v1's names
(``numpy_to_record_serializer``, ``record_deserializer``) work and warn with a DeprecationWarning.
"""

from __future__ import annotations

import warnings

from helpers.platform.recordio import (CONTENT_TYPE, read_records, write_numpy_to_dense_tensor,
                                       write_spmatrix_to_sparse_tensor)
from helpers.platform.v2.deserializers import RecordDeserializer
from helpers.platform.v2.serializers import RecordSerializer

__all__ = ["RecordSerializer", "RecordDeserializer", "write_numpy_to_dense_tensor",
           "write_spmatrix_to_sparse_tensor", "read_records", "Record", "numpy_to_record_serializer",
           "record_deserializer"]


def _v1(old: str, new: str) -> None:
    warnings.warn(f"{old} is SDK v1's name; SDK v2 calls it {new} (it works the same here).",
                  DeprecationWarning, stacklevel=3)


class numpy_to_record_serializer(RecordSerializer):  # noqa: N801 - SDK v1's class name
    """SDK v1's ``numpy_to_record_serializer()``: ``RecordSerializer`` under its old name (warns)."""

    def __init__(self, content_type: str = CONTENT_TYPE):
        _v1("numpy_to_record_serializer", "RecordSerializer")
        super().__init__(content_type=content_type)


class record_deserializer(RecordDeserializer):  # noqa: N801 - SDK v1's class name
    """SDK v1's ``record_deserializer()``: ``RecordDeserializer`` under its old name (warns)."""

    def __init__(self, accept: str = CONTENT_TYPE):
        _v1("record_deserializer", "RecordDeserializer")
        super().__init__(accept=accept)


def __getattr__(name: str):
    if name == "Record":  # the protobuf message class, built on first use (as helpers.platform.recordio's)
        from helpers.platform import recordio

        return recordio.Record
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
