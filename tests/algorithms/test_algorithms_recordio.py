"""RecordIO-protobuf (issue 21 item 1) and SageMaker's content-type strictness (item 4).

The codec is checked against bytes built here by hand from the protobuf wire format and
record.proto's field numbers, and its framing against the installed SageMaker SDK's own RecordIO
writer and reader, not only against itself.
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
import scipy.sparse as sp

from algorithm_support import channel, csv_body, invoke, metrics, train
from helpers import algorithms
from helpers.algorithms import channels as ch
from helpers.algorithms import recordio
from helpers.algorithms.errors import DataFormatError, InferenceError
from helpers.platform.recordio import read_records, write_numpy_to_dense_tensor, write_spmatrix_to_sparse_tensor

MAGIC = bytes.fromhex("0a23d7ce")  # 0xced7230a, little-endian


# ------------------------------------------------------------------------- the bytes, cross-checked


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2); lengths here stay below 128 (one varint byte)."""
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


def _entry(name: str, tensor_field: int, packed_floats: bytes) -> bytes:
    """A map<string, Value> entry whose Value holds a tensor with packed ``values`` (field 1)."""
    tensor = _field(1, packed_floats)
    return _field(1, name.encode()) + _field(2, _field(tensor_field, tensor))


def test_dense_record_bytes_are_the_wire_format_of_record_proto():
    # Record.features (1) {"values": Value.float32_tensor (2) {values: [1.5, 2.0]}}, Record.label (2) {"values": [1.0]}
    payload = (_field(1, _entry("values", 2, struct.pack("<2f", 1.5, 2.0)))
               + _field(2, _entry("values", 2, struct.pack("<f", 1.0))))
    expected = MAGIC + struct.pack("<I", len(payload)) + payload + b"\0" * (-len(payload) % 4)
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, np.array([[1.5, 2.0]], dtype=np.float32), np.array([1.0], dtype=np.float32))
    assert buffer.getvalue() == expected
    # float64 arrays give float64 tensors (Value field 3), int64 give int32 tensors (field 7), as the SDK
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, np.array([[0.25]]))
    payload = _field(1, _entry("values", 3, struct.pack("<d", 0.25)))
    assert buffer.getvalue() == MAGIC + struct.pack("<I", len(payload)) + payload + b"\0" * (-len(payload) % 4)
    record, = read_records(io.BytesIO(recordio.frame(_field(1, _entry("values", 7, bytes([3, 255, 255, 255, 255, 15]))))))
    assert list(record.features["values"].int32_tensor.values) == [3, -1]


# Request bodies from SageMaker's XGBoost container's own unit tests (aws/sagemaker-xgboost-container,
# test/unit/test_encoder.py, test_recordio_protobuf_to_dmatrix): int32, float64 and sparse int32 records.
CONTAINER_FIXTURES = [
    (b'\n#\xd7\xce\x13\x00\x00\x00\n\x11\n\x06values\x12\x07:\x05\n\x03*\x06\t\x00', None, [42, 6, 9], 3),
    (b'\n#\xd7\xce(\x00\x00\x00\n&\n\x06values\x12\x1c\x1a\x1a\n\x18\x00\x00\x00'
     b'\x00\x00\x00E@\x00\x00\x00\x00\x00\x00\x18@\x00\x00\x00\x00\x00\x00"@', None, [42.0, 6.0, 9.0], 3),
    (b'\n#\xd7\xce\x19\x00\x00\x00\n\x17\n\x06values\x12\r:\x0b\n\x02\x01\x01\x12'
     b'\x02\x00\x05\x1a\x01\x06\x00\x00\x00', [0, 5], [1, 1], 6),
]


@pytest.mark.parametrize("data, keys, values, width", CONTAINER_FIXTURES)
def test_sagemakers_own_request_bytes_decode(data, keys, values, width):
    batch = recordio.decode_batch(data)
    (row_keys, row_values), = batch.rows
    assert (None if row_keys is None else row_keys.tolist(), row_values.tolist(), int(batch.widths[0])) == (keys, values, width)
    if keys is None:  # and the kit writes the same bytes for the same numbers
        dtype = np.float64 if isinstance(values[0], float) else np.int64
        buffer = io.BytesIO()
        write_numpy_to_dense_tensor(buffer, np.array([values], dtype=dtype))
        assert buffer.getvalue() == data


def test_framing_matches_the_sagemaker_sdks_own_recordio_writer_and_reader():
    sdk = pytest.importorskip("sagemaker.core.serializers.utils")
    for payload in (b"", b"a", b"abcde", bytes(range(8))):  # every padding amount
        buffer = io.BytesIO()
        sdk._write_recordio(buffer, payload)
        assert recordio.frame(payload) == buffer.getvalue()
    buffer = io.BytesIO()
    write_spmatrix_to_sparse_tensor(buffer, sp.csr_matrix(np.array([[0, 2.5, 0], [1, 0, 0]], dtype=np.float32)),
                                    np.array([1, 0], dtype=np.float32))
    buffer.seek(0)
    assert list(sdk.read_recordio(buffer)) == list(recordio.iter_payloads(buffer.getvalue()))


def test_split_records_are_joined_with_the_magic_number_as_mxnet_writes_them():
    # MXNet's writer splits a payload at an aligned magic number and drops it: cflag 1 (first), 2, 3 (last)
    def part(cflag: int, data: bytes) -> bytes:
        return MAGIC + struct.pack("<I", cflag << 29 | len(data)) + data + b"\0" * (-len(data) % 4)

    data = part(1, b"abcd") + part(2, b"") + part(3, b"xy") + part(0, b"z")
    assert list(recordio.iter_payloads(data)) == [b"abcd" + MAGIC + MAGIC + b"xy", b"z"]
    with pytest.raises(recordio.RecordIOError, match=r"Record 1 .*continuation flag 3 out of order"):
        list(recordio.iter_payloads(part(3, b"ab")))


@pytest.mark.parametrize("data, message", [
    (b"1.0,2.0\n", r"Record 1 \(byte 0\) does not start with the RecordIO magic number"),
    (recordio.frame(b"") + MAGIC + struct.pack("<I", 40) + b"xx", r"Record 2 \(byte 8\) says it holds 40 bytes but only 2 follow"),
    (recordio.frame(b"") + b"\x0a\x23", r"Record 2 \(byte 8\): 2 trailing byte\(s\)"),
    (recordio.frame(b"\xff\xff"), r"Record 1 is not an aialgs.data.Record protobuf message"),
])
def test_bad_bytes_name_the_record(data, message):
    with pytest.raises(recordio.RecordIOError, match=message):
        read_records(io.BytesIO(data))


def test_sdk_argument_checks():
    with pytest.raises(ValueError, match="Array must be a matrix"):
        write_numpy_to_dense_tensor(io.BytesIO(), np.zeros(3))
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        write_numpy_to_dense_tensor(io.BytesIO(), np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="Unsupported dtype"):
        write_numpy_to_dense_tensor(io.BytesIO(), np.zeros((3, 2), dtype=np.float16))
    with pytest.raises(TypeError, match="scipy sparse matrix"):
        write_spmatrix_to_sparse_tensor(io.BytesIO(), np.zeros((3, 2)))


def test_keys_and_shapes_beyond_int64_are_refused_by_record():
    record = recordio._record_class()()
    tensor = record.features["values"].float32_tensor
    tensor.values.append(1.0)
    tensor.keys.append(2**64 - 1)
    tensor.shape.append(2**64 - 1)
    with pytest.raises(recordio.RecordIOError, match=r"Record 1: shape \[18446744073709551615\] is more features"):
        recordio.decode_batch(recordio.frame(record.SerializeToString()))
    tensor.shape[0] = 4
    with pytest.raises(recordio.RecordIOError, match=r"Record 1: key 18446744073709551615 is outside shape \[4\]"):
        recordio.decode_batch(recordio.frame(record.SerializeToString()))


def test_a_record_without_a_numeric_tensor_is_named():
    record = recordio._record_class()()
    record.features["values"].bytes.value.append(b"jpeg")
    with pytest.raises(recordio.RecordIOError, match=r"^Channel 'train', file 'a', record 1: features\[.values.\] holds "
                                                     r"bytes, not a float32, float64 or int32 tensor"):
        recordio.decode_batch(recordio.frame(record.SerializeToString()), "Channel 'train', file 'a'")
    record.Clear()
    record.features["pixels"].float32_tensor.values.append(1.0)
    with pytest.raises(recordio.RecordIOError, match=r'Record 1 has no features\["values"\] \(features found: pixels\)'):
        recordio.decode_batch(recordio.frame(record.SerializeToString()))


def test_sparse_records_keep_keys_and_shape():
    x = sp.csr_matrix(np.array([[0, 2.5, 0, 0], [0, 0, 0, 0], [1, 0, 0, 4]], dtype=np.float32))
    buffer = io.BytesIO()
    write_spmatrix_to_sparse_tensor(buffer, x, np.array([3, 1, 2]))
    records = read_records(io.BytesIO(buffer.getvalue()))
    tensor = records[2].features["values"].float32_tensor
    assert (list(tensor.keys), list(tensor.values), list(tensor.shape)) == ([0, 3], [1.0, 4.0], [4])
    assert list(records[0].label["values"].int32_tensor.values) == [3]
    batch = recordio.decode_batch(buffer.getvalue())
    assert batch.sparse and batch.widths.tolist() == [4, 4, 4] and batch.labels.tolist() == [3, 1, 2]


# ------------------------------------------------------------------------------- training channels


def _protobuf_channel(directory, x, y=None, *, sparse=False, name="part-0.pbr"):
    directory.mkdir(parents=True, exist_ok=True)
    labels = None if y is None else np.asarray(y, dtype=np.float64)
    with (directory / name).open("wb") as handle:
        if sparse:
            write_spmatrix_to_sparse_tensor(handle, sp.csr_matrix(np.asarray(x, dtype=np.float64)), labels)
        else:
            write_numpy_to_dense_tensor(handle, np.asarray(x, dtype=np.float64), labels)
    return directory


def _data(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)


DENSE = {  # algorithm -> (hyperparameters for 3 features, supervised)
    "linear-learner": ({"predictor_type": "binary_classifier", "feature_dim": "3", "epochs": "2"}, True),
    "kmeans": ({"k": "2", "feature_dim": "3"}, False),
    "pca": ({"feature_dim": "3", "mini_batch_size": "10", "num_components": "2"}, False),
    "knn": ({"feature_dim": "3", "k": "3", "predictor_type": "classifier", "sample_size": "100"}, True),
    "randomcutforest": ({"feature_dim": "3", "num_trees": "50", "num_samples_per_tree": "20"}, False),
}


@pytest.mark.parametrize("name", list(DENSE))
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_protobuf_channels_train_the_same_model_as_csv(tmp_path, name, sparse):
    hps, supervised = DENSE[name]
    x, y = _data()
    x[x < -1] = 0.0  # some zeros for the sparse records to leave out
    algo = algorithms.get(name)
    csv = tmp_path / "csv"
    train(name, {"train": channel(csv, "train", x, y if supervised else None)}, hps, csv / "model")
    pb = tmp_path / "pb"
    # unsupervised algorithms ignore the labels the records carry, as on SageMaker
    lines = []
    algo.train({"train": _protobuf_channel(pb / "train", x, y, sparse=sparse)}, hps, pb / "model", log=lines.append,
               content_types={"train": None})
    body = csv_body(x[:5])
    expected = invoke(name, algo.model_fn(csv / "model"), body, "text/csv", "application/json")
    assert invoke(name, algo.model_fn(pb / "model"), body, "text/csv", "application/json") == expected


def test_protobuf_labels_and_feature_count_are_checked_by_record(tmp_path):
    x, y = _data(10)
    hps = DENSE["linear-learner"][0]
    with pytest.raises(DataFormatError, match=r"Channel 'train', file 'part-0.pbr', record 1 has no label.*labels=y"):
        train("linear-learner", {"train": _protobuf_channel(tmp_path / "a", x)}, hps, tmp_path / "m")
    y[6] = 3.0
    with pytest.raises(DataFormatError, match=r"file 'part-0.pbr', record 7: label 3.0 is not a class index 0..1"):
        train("linear-learner", {"train": _protobuf_channel(tmp_path / "b", x, y)}, hps, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"record 1: 4 features, but feature_dim=3"):
        train("linear-learner", {"train": _protobuf_channel(tmp_path / "c", np.ones((3, 4)), [0, 1, 0])}, hps, tmp_path / "m")
    directory = _protobuf_channel(tmp_path / "d", x[:3], y[:3])
    with (directory / "part-0.pbr").open("ab") as handle:
        write_numpy_to_dense_tensor(handle, np.array([[1.0, np.nan, 2.0]]), np.array([1.0]))
    with pytest.raises(DataFormatError, match=r"record 4: a feature is NaN or infinite"):
        train("linear-learner", {"train": directory}, hps, tmp_path / "m")
    with (directory / "part-0.pbr").open("ab") as handle:
        handle.write(b"\x0a\x23\xd7")
    with pytest.raises(DataFormatError, match=r"file 'part-0.pbr': Record 5 \(byte \d+\): 3 trailing byte"):
        ch.read_channel("train", ch.Channel(directory, ch.RECORDIO))


def test_fm_trains_on_sparse_protobuf(tmp_path):
    rng = np.random.default_rng(3)
    x = sp.random(200, 20, density=0.1, random_state=4, format="csr", dtype=np.float64)
    x.data[:] = 1.0
    y = np.asarray(x[:, 0].toarray().ravel() * 2 + rng.normal(scale=0.01, size=200))
    lines = train("factorization-machines", {"train": _protobuf_channel(tmp_path / "t", x.toarray(), y, sparse=True)},
                  {"feature_dim": "20", "num_factors": "2", "predictor_type": "regressor", "epochs": "3"}, tmp_path / "m")
    assert "train:rmse" in metrics(lines)


# ------------------------------------------------------------------- SageMaker's default content types

#: SageMaker's documented training content types per algorithm, and what a channel without ContentType is.
#: linear-learner: docs.aws.amazon.com/sagemaker/latest/dg/linear-learner.html (Input/Output interface);
#: k-means: .../k-means.html; PCA: .../pca.html; k-NN: .../k-nearest-neighbors.html; RCF: .../randomcutforest.html
#: (all: "recordIO-wrapped protobuf and CSV"); FM: .../fact-machines.html ("only the recordIO-protobuf format with
#: Float32 tensors"); XGBoost: .../xgboost.html ("text/libsvm (default)", text/csv, recordio-protobuf, parquet).
DOCUMENTED = {
    "linear-learner": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf", "text/csv"}),
    "kmeans": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf", "text/csv"}),
    "pca": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf", "text/csv"}),
    "knn": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf", "text/csv"}),
    "randomcutforest": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf", "text/csv"}),
    "factorization-machines": ("application/x-recordio-protobuf", {"application/x-recordio-protobuf"}),
    "xgboost": ("text/libsvm", {"text/libsvm", "text/csv", "application/x-recordio-protobuf", "application/x-parquet"}),
}


@pytest.mark.parametrize("name", list(DOCUMENTED))
def test_each_algorithm_declares_sagemakers_documented_training_content_types(name):
    algo = algorithms.get(name)
    default, supported = DOCUMENTED[name]
    assert (algo.default_training_content_type, set(algo.training_content_types)) == (default, supported)


@pytest.mark.parametrize("name", [n for n in DOCUMENTED if n != "xgboost"])
def test_csv_without_content_type_fails_with_sagemakers_message_and_the_fix(tmp_path, name):
    hps = DENSE[name][0] if name in DENSE else {"feature_dim": "3", "num_factors": "2", "predictor_type": "regressor"}
    x, y = _data(20)
    chans = {"train": channel(tmp_path, "train", x, y)}
    with pytest.raises(DataFormatError) as info:
        algorithms.get(name).train(chans, hps, tmp_path / "m", log=lambda line: None, content_types={"train": None})
    message = str(info.value)
    assert "file 'part-0.csv' looks like CSV text" in message
    assert "Requested content-type is 'application/x-recordio-protobuf'" in message
    assert "content_type='text/csv'" in message and "write_numpy_to_dense_tensor" in message


def test_fm_refuses_csv_even_when_named(tmp_path):
    x, y = _data(20)
    with pytest.raises(DataFormatError, match=r"factorization-machines does not train on content type 'text/csv'.*"
                                              r"write_numpy_to_dense_tensor"):
        algorithms.get("factorization-machines").train(
            {"train": channel(tmp_path, "train", x, y)}, {"feature_dim": "3", "num_factors": "2", "predictor_type": "regressor"},
            tmp_path / "m", content_types={"train": "text/csv"})


@pytest.mark.parametrize("given, read_as", [("csv", "text/csv"), ("CSV", "text/csv"), ("Text/CSV", "text/csv"),
                                             ("text/x-libsvm", "text/libsvm"), ("libsvm", "text/libsvm"),
                                             (None, "text/libsvm"), ("recordio-protobuf", "application/x-recordio-protobuf")])
def test_xgboost_takes_the_content_type_names_its_container_takes(given, read_as):
    # sagemaker-xgboost-container, data_utils.get_content_type: case-insensitive, short names too
    xgb = algorithms.get("xgboost")
    assert ch.resolve_content_type("train", given, algorithm="xgboost", default=xgb.default_training_content_type,
                                   supported=xgb.training_content_types, aliases=xgb.content_type_aliases) == read_as
    with pytest.raises(DataFormatError, match=r"xgboost does not train on content type 'application/json'"):
        ch.resolve_content_type("train", "application/json", algorithm="xgboost", default="text/libsvm",
                                supported=xgb.training_content_types, aliases=xgb.content_type_aliases)


def test_xgboost_job_channel_named_csv_trains(tmp_path):
    x, y = _data(40)
    lines = []
    algorithms.get("xgboost").train({"train": channel(tmp_path, "train", x, y)}, {"num_round": "2", "objective": "binary:logistic"},
                                    tmp_path / "m", log=lines.append, content_types={"train": "csv"})
    assert (tmp_path / "m" / "xgboost-model").is_file()


def test_protobuf_named_csv_is_refused_by_file(tmp_path):
    x, y = _data(20)
    with pytest.raises(DataFormatError, match=r"file 'part-0.pbr' is RecordIO-protobuf, but the channel's content type is text/csv"):
        algorithms.get("linear-learner").train({"train": _protobuf_channel(tmp_path / "t", x, y)}, DENSE["linear-learner"][0],
                                               tmp_path / "m", content_types={"train": "text/csv; charset=utf-8"})


def test_a_training_job_reads_protobuf_by_default_and_refuses_unlabelled_csv(flywheel_home, tmp_path):
    from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, image_uris

    session = Session(region="us-east-1")
    x, y = _data(40)
    image = image_uris.retrieve("linear-learner", "us-east-1")
    hps = DENSE["linear-learner"][0]
    uri = session.upload_data(_protobuf_channel(tmp_path / "pb", x, y), key_prefix="rio/pb")
    trainer = ModelTrainer(training_image=image, hyperparameters=hps)
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri)], logs=False)
    assert trainer.latest_training_job.describe()["TrainingJobStatus"] == "Completed"
    csv_uri = session.upload_data(channel(tmp_path, "csv", x, y), key_prefix="rio/csv")
    with pytest.raises(FailedStatusError) as info:
        ModelTrainer(training_image=image, hyperparameters=hps).train(
            input_data_config=[InputData(channel_name="train", data_source=csv_uri)], logs=False)
    assert info.value.failure_reason.startswith("ClientError: Channel 'train', file 'part-0.csv' looks like CSV text")


# ------------------------------------------------------------------------------------------ inference


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("rio-models")
    x, y = _data(60)
    out = {}
    for name, (hps, supervised) in DENSE.items():
        train(name, {"train": channel(root / name, "train", x, y if supervised else None)}, hps, root / name / "model")
        out[name] = algorithms.get(name).model_fn(root / name / "model")
    fm_x = sp.csr_matrix(np.abs(x))
    _protobuf_channel(root / "fm" / "train", fm_x.toarray(), y, sparse=True)
    train("factorization-machines", {"train": root / "fm" / "train"},
          {"feature_dim": "3", "num_factors": "2", "predictor_type": "binary_classifier", "epochs": "2"}, root / "fm" / "model")
    out["factorization-machines"] = algorithms.get("factorization-machines").model_fn(root / "fm" / "model")
    return out


@pytest.mark.parametrize("name", list(DENSE) + ["factorization-machines"])
def test_protobuf_requests_and_responses_carry_the_json_answers(models, name):
    x = np.abs(_data(4, seed=5)[0])
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, x.astype(np.float32))
    body, mime = invoke(name, models[name], buffer.getvalue(), "application/x-recordio-protobuf",
                        "application/x-recordio-protobuf")
    assert mime == "application/x-recordio-protobuf"
    answers = recordio.decode_answers(body)
    json_body, _ = invoke(name, models[name], buffer.getvalue(), "application/x-recordio-protobuf", "application/jsonlines")
    expected = [json.loads(line) for line in json_body.decode().splitlines()]
    assert len(answers) == len(expected) == 4
    for answer, record in zip(answers, expected):
        assert set(answer) == set(record)
        for key, value in record.items():
            np.testing.assert_allclose(answer[key], np.ravel(value), rtol=1e-6)  # float32, as SageMaker answers


def test_sparse_protobuf_requests_are_read(models):
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.5]])
    buffer = io.BytesIO()
    write_spmatrix_to_sparse_tensor(buffer, sp.csr_matrix(x))
    for name in ("linear-learner", "factorization-machines"):
        sparse, _ = invoke(name, models[name], buffer.getvalue(), "application/x-recordio-protobuf", "application/json")
        dense, _ = invoke(name, models[name], csv_body(x) if name != "factorization-machines" else
                          b'{"instances": [{"features": [0, 1.5, 0]}, {"features": [2, 0, 0.5]}]}',
                          "text/csv" if name != "factorization-machines" else "application/json", "application/json")
        assert sparse == dense


@pytest.mark.parametrize("body, message", [
    (b"1.0,2.0,3.0", r"Record 1 \(byte 0\) does not start with the RecordIO magic number"),
    (b"", r"The request body is empty"),
])
def test_bad_protobuf_requests_are_400(models, body, message):
    with pytest.raises(InferenceError, match=message) as info:
        invoke("linear-learner", models["linear-learner"], body, "application/x-recordio-protobuf", None)
    assert info.value.status_code == 400


def test_a_sparse_request_cannot_ask_for_a_huge_dense_copy(models):
    buffer = io.BytesIO()
    write_spmatrix_to_sparse_tensor(buffer, sp.csr_matrix(([1.0], ([0], [2**40 - 1])), shape=(1, 2**40)))
    with pytest.raises(InferenceError, match=r"shape \[1099511627776\] are too large") as info:
        invoke("linear-learner", models["linear-learner"], buffer.getvalue(), "application/x-recordio-protobuf", None)
    assert info.value.status_code == 400


def test_xgboost_answers_protobuf_requests_as_csv_ones(tmp_path):
    # SageMaker's XGBoost container decodes recordio-protobuf requests and encodes Accept recordio-protobuf answers
    x, y = _data(60)
    train("xgboost", {"train": channel(tmp_path, "train", x, y)}, {"num_round": "3", "objective": "binary:logistic"},
          tmp_path / "m")
    model = algorithms.get("xgboost").model_fn(tmp_path / "m")
    rows = x[:3]
    expected, _ = invoke("xgboost", model, csv_body(rows), "text/csv", "application/json")
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, rows.astype(np.float64))
    body, mime = invoke("xgboost", model, buffer.getvalue(), "application/x-recordio-protobuf", "application/json")
    assert body == expected
    answers, _ = invoke("xgboost", model, buffer.getvalue(), "application/x-recordio-protobuf",
                        "application/x-recordio-protobuf")
    scores = [p["score"] for p in json.loads(expected)["predictions"]]
    np.testing.assert_allclose([a["score"][0] for a in recordio.decode_answers(answers)], scores, rtol=1e-6)


def test_deepar_still_refuses_protobuf_requests():
    for name in ("deepar",):
        with pytest.raises(InferenceError) as info:
            algorithms.get(name).input_fn(recordio.frame(b""), "application/x-recordio-protobuf")
        assert info.value.status_code == 415
