"""Batch transform of RecordIO-protobuf files (issue 21): each RecordIO record is a record, as on SageMaker."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from helpers.platform import image_uris, storage
from helpers.platform.recordio import read_records, write_numpy_to_dense_tensor
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving.transform import TransformError, Transformer
from serving_support import module_store, train_linear_learner

PROTOBUF = "application/x-recordio-protobuf"


@pytest.fixture(scope="module")
def model_name(tmp_path_factory):
    with module_store(tmp_path_factory, "transform-recordio-home"):
        model_path = train_linear_learner(tmp_path_factory.mktemp("ll"))
        model = ModelBuilder(model_path=str(model_path), image_uri=image_uris.retrieve("linear-learner", "us-east-1")
                             ).build(model_name="ll-recordio")
        yield model.model_name


def protobuf_file(rows: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, rows.astype(np.float32))
    return buffer.getvalue()


def csv_scores(model_name: str, rows: np.ndarray, where: str) -> np.ndarray:
    """The scores of the same rows sent as CSV lines (the reference the protobuf answers must match)."""
    storage.put_bytes(f"s3://rio/{where}/x.csv", "".join(",".join(f"{v:.9g}" for v in row.astype(np.float32)) + "\n"
                                                         for row in rows).encode())
    Transformer(model_name, assemble_with="Line", accept="application/json", output_path=f"s3://rio/{where}-out"
                ).transform(f"s3://rio/{where}/x.csv", content_type="text/csv", split_type="Line", logs=False)
    answers = storage.get_bytes(f"s3://rio/{where}-out/x.csv.out").decode().splitlines()
    return np.array([p["score"] for line in answers for p in json.loads(line)["predictions"]])


def test_recordio_records_are_sent_whole_in_mini_batches_and_answers_concatenate(model_name, capsys):
    rows = np.random.default_rng(5).normal(size=(40_000, 4))
    body = protobuf_file(rows)
    assert len(body) > 1024 * 1024  # two 1 MB mini-batches at least
    storage.put_bytes("s3://rio/in/data.rec", body)
    job = Transformer(model_name, strategy="MultiRecord", max_payload=1, accept=PROTOBUF,
                      output_path="s3://rio/out").transform("s3://rio/in/data.rec", split_type="RecordIO")
    assert job["TransformInput"]["SplitType"] == "RecordIO"
    assert job["TransformInput"]["ContentType"] == PROTOBUF  # the default for RecordIO input
    assert "40000 record(s) in 2 request(s)" in capsys.readouterr().out
    # assemble_with None: the answers' RecordIO streams back to back, one Record per input record, in order
    records = read_records(io.BytesIO(storage.get_bytes("s3://rio/out/data.rec.out")))
    assert len(records) == 40_000
    scores = np.array([r.label["score"].float32_tensor.values[0] for r in records[:200]])
    np.testing.assert_allclose(scores, csv_scores(model_name, rows[:200], "ref"), rtol=1e-5)


def test_single_record_with_line_assembly_gives_one_json_answer_per_record(model_name, capsys):
    rows = np.random.default_rng(6).normal(size=(5, 4))
    storage.put_bytes("s3://rio/single/x.rec", protobuf_file(rows))
    Transformer(model_name, strategy="SingleRecord", assemble_with="Line", accept="application/json",
                output_path="s3://rio/single-out", max_concurrent_transforms=2
                ).transform("s3://rio/single/x.rec", content_type=PROTOBUF, split_type="RecordIO")
    assert "5 record(s) in 5 request(s)" in capsys.readouterr().out
    lines = storage.get_bytes("s3://rio/single-out/x.rec.out").decode().splitlines()
    scores = np.array([json.loads(line)["predictions"][0]["score"] for line in lines])
    np.testing.assert_allclose(scores, csv_scores(model_name, rows, "single-ref"), rtol=1e-5)


def test_line_split_of_a_protobuf_file_is_refused_with_the_fix(model_name):
    storage.put_bytes("s3://rio/wrong/x.rec", protobuf_file(np.eye(4)))
    with pytest.raises(TransformError, match="split_type='RecordIO'") as caught:
        Transformer(model_name, output_path="s3://rio/wrong-out").transform(
            "s3://rio/wrong/x.rec", content_type="application/octet-stream", split_type="Line", logs=False)
    assert caught.value.description["TransformJobStatus"] == "Failed"
    with pytest.raises(ValueError, match="split_type='RecordIO'"):  # said by the arguments alone: no job
        Transformer(model_name, output_path="s3://rio/wrong-out").transform(
            "s3://rio/wrong/x.rec", content_type=PROTOBUF, split_type="Line", logs=False)


def test_recordio_split_of_a_csv_file_names_line_split(model_name):
    storage.put_bytes("s3://rio/csv/x.csv", b"1,2,3,4\n")
    with pytest.raises(TransformError, match="not RecordIO.*split_type='Line'"):
        Transformer(model_name, output_path="s3://rio/csv-out").transform(
            "s3://rio/csv/x.csv", split_type="RecordIO", logs=False)


def test_protobuf_answers_assembled_by_line_warn_that_they_will_not_read_back(model_name):
    storage.put_bytes("s3://rio/warn/x.rec", protobuf_file(np.eye(4)))
    with pytest.warns(UserWarning, match="assemble_with='None'"):
        Transformer(model_name, assemble_with="Line", accept=PROTOBUF, output_path="s3://rio/warn-out"
                    ).transform("s3://rio/warn/x.rec", split_type="RecordIO", logs=False)
