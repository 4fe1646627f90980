"""SDK v2's serializers and deserializers (``helpers.platform.v2.serializers`` / ``deserializers``), both
ways, without an endpoint: the bytes and values SDK v2 produces for each form of data, the content types,
and clear errors for data a format cannot carry. None of it imports ``sagemaker``."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from helpers.platform.recordio import read_records
from helpers.platform.v2 import deserializers as d
from helpers.platform.v2 import serializers as s
from helpers.platform.v2.amazon.common import RecordDeserializer, RecordSerializer


class Stream(io.BytesIO):
    """An answer body as botocore hands it over: read() once, close() after."""


def test_csv_serializer_writes_rows_as_sdk_v2():
    csv = s.CSVSerializer()
    assert csv.CONTENT_TYPE == "text/csv"
    assert csv.serialize(np.array([[1, 2], [3, 4]])) == "1,2\n3,4"  # one line per row
    assert csv.serialize(np.array([1.5, 2.0, 3.25])) == "1.5,2.0,3.25"  # a 1-D array is one row
    assert csv.serialize([[1, "a"], [2, "b"]]) == "1,a\n2,b"
    assert csv.serialize(pd.DataFrame({"x": [1, 2], "y": [3, 4]})) == "1,3\n2,4\n"  # no header, no index
    assert csv.serialize(io.StringIO("5,6")) == "5,6"
    assert csv("7,8") == "7,8"  # v1 called serializers as functions
    with pytest.raises(ValueError, match="empty array"):
        csv.serialize(np.array([]))


def test_json_numpy_sparse_and_text_serializers():
    assert s.JSONSerializer().serialize({"a": np.array([1, 2]), "b": 3}) == '{"a": [1, 2], "b": 3}'
    assert s.JSONSerializer().serialize(np.array([[1, 2]])) == "[[1, 2]]"
    assert s.JSONSerializer().CONTENT_TYPE == "application/json"
    npy = s.NumpySerializer(dtype="float32").serialize([[1, 2], [3, 4]])
    back = d.NumpyDeserializer().deserialize(Stream(npy), "application/x-npy")
    assert back.dtype == np.float32 and back.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="empty array"):
        s.NumpySerializer().serialize([])
    matrix = scipy.sparse.csr_matrix(np.array([[0, 1.5], [2.0, 0]]))
    assert (scipy.sparse.load_npz(io.BytesIO(s.SparseMatrixSerializer().serialize(matrix))) != matrix).nnz == 0
    assert s.JSONLinesSerializer().serialize([{"a": 1}, [2]]) == '{"a": 1}\n[2]'
    assert s.LibSVMSerializer().serialize("1 3:0.5") == "1 3:0.5"
    with pytest.raises(ValueError, match="Unable to handle input format"):
        s.LibSVMSerializer().serialize(np.array([1.0]))
    body = b"\x89PNG"
    assert s.IdentitySerializer("image/png").serialize(body) is body
    assert s.IdentitySerializer().CONTENT_TYPE == "application/octet-stream"


def test_deserializers_read_each_content_type():
    assert d.CSVDeserializer().deserialize(Stream(b"1,2\n3,4"), "text/csv") == [["1", "2"], ["3", "4"]]
    assert d.JSONDeserializer().deserialize(Stream(b'{"a": [1]}'), "application/json") == {"a": [1]}
    assert d.StringDeserializer().deserialize(Stream("é".encode()), "text/plain") == "é"
    assert d.BytesDeserializer().deserialize(Stream(b"\x00\x01"), "application/octet-stream") == b"\x00\x01"
    stream = Stream(b"raw")
    assert d.StreamDeserializer().deserialize(stream, "x/y") == (stream, "x/y") and not stream.closed
    numpy = d.NumpyDeserializer()
    assert numpy.deserialize(Stream(b"1,2\n3,4"), "text/csv").tolist() == [[1, 2], [3, 4]]
    assert numpy.deserialize(Stream(b"[[1, 2]]"), "application/json; charset=utf-8").tolist() == [[1, 2]]
    assert d.JSONLinesDeserializer().deserialize(Stream(b'{"a": 1}\n\n[2]\n'), "application/jsonlines") == [{"a": 1}, [2]]
    frame = d.PandasDeserializer().deserialize(Stream(b"x,y\n1,2\n"), "text/csv")
    assert frame.to_dict("list") == {"x": [1], "y": [2]}
    frame = d.PandasDeserializer().deserialize(Stream(b'{"x": {"0": 1}}'), "application/json")
    assert frame["x"].tolist() == [1]
    assert d.JSONDeserializer().ACCEPT == ("application/json",)
    assert d.PandasDeserializer().ACCEPT == ("text/csv", "application/json")
    assert d.JSONDeserializer()(Stream(b"[1]"), "application/json") == [1]  # v1 called them as functions


def test_deserializers_refuse_what_they_cannot_read_and_say_what_they_read():
    with pytest.raises(ValueError, match="cannot read content type image/png.*text/csv, application/json"):
        d.NumpyDeserializer().deserialize(Stream(b"x"), "image/png")
    with pytest.raises(ValueError, match="allow_pickle=True"):
        d.NumpyDeserializer().deserialize(Stream(_pickled_npy()), "application/x-npy")
    with pytest.raises(ValueError, match="PandasDeserializer cannot read content type text/plain"):
        d.PandasDeserializer().deserialize(Stream(b"x"), "text/plain")
    with pytest.raises(ValueError, match="content_type must be a string"):
        s.CSVSerializer(content_type=None)


def _pickled_npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def test_record_serializer_and_deserializer_round_trip_recordio():
    serializer, deserializer = RecordSerializer(), RecordDeserializer()
    assert serializer.CONTENT_TYPE == deserializer.ACCEPT[0] == "application/x-recordio-protobuf"
    rows = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    records = deserializer.deserialize(serializer.serialize(rows), serializer.CONTENT_TYPE)
    assert [list(r.features["values"].float32_tensor.values) for r in records] == rows.tolist()
    one = read_records(serializer.serialize(np.array([5.0, 6.0], dtype=np.float32)))  # 1-D: one record
    assert len(one) == 1 and list(one[0].features["values"].float32_tensor.values) == [5.0, 6.0]
    with pytest.raises(ValueError, match="Expected a 1D or 2D array, but got a 3D array"):
        serializer.serialize(np.zeros((1, 2, 2)))


def test_the_v2_modules_never_import_the_sdk():
    code = ("import sys, helpers.platform.v2.predictor, helpers.platform.v2.amazon.kmeans, "
            "helpers.platform.v2.amazon.linear_learner; print('sagemaker' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
