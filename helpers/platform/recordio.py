"""RecordIO-protobuf for learners: the SageMaker Python SDK v2's ``sagemaker.amazon.common`` functions,
under the same names, for the built-in algorithms' ``application/x-recordio-protobuf`` data::

    import io
    from helpers.platform.recordio import write_numpy_to_dense_tensor, read_records

    with open("train.pbr", "wb") as f:
        write_numpy_to_dense_tensor(f, x.astype("float32"), y.astype("float32"))  # one Record per row
    train_uri = session.upload_data("train.pbr", key_prefix="ll/train")  # InputData needs no content_type

    read_records(io.BytesIO(answer_bytes))  # -> [Record, ...]; record.label["score"].float32_tensor.values

A notebook written for SDK v2 runs unchanged with ``import helpers.platform.recordio as smac`` in
place of ``import sagemaker.amazon.common as smac``. The bytes are SageMaker's own, so the same files
train real SageMaker jobs after ``use_backend("sagemaker")``.
"""

from __future__ import annotations

from helpers.algorithms.recordio import (CONTENT_TYPE, read_records, write_numpy_to_dense_tensor,
                                         write_spmatrix_to_sparse_tensor)
from helpers.algorithms.recordio import __getattr__ as _record_getattr

__all__ = ["CONTENT_TYPE", "Record", "write_numpy_to_dense_tensor", "write_spmatrix_to_sparse_tensor", "read_records"]


def __getattr__(name: str):
    return _record_getattr(name)  # ``Record``, built on first use
