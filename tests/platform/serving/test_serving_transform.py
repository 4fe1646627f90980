"""Batch transform: every object under a prefix, split by line, in mini-batches, into ``.out`` files."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.platform import storage
from helpers.platform.configs import SourceCode
from helpers.platform.serving import ModelBuilder, running_resources
from serving_support import module_store, script_score, write_script_model
from helpers.platform.serving.transform import TransformError, Transformer, describe_transform_job


@pytest.fixture(scope="module")
def model_name(tmp_path_factory):
    with module_store(tmp_path_factory, "transform-home"):
        model_dir, code_dir = write_script_model(tmp_path_factory.mktemp("model"))
        model = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
            source_dir=str(code_dir), entry_script="inference.py")).build(model_name="batch-model")
        yield model.model_name


def rows_text(rows: np.ndarray) -> bytes:
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n").encode()


def test_each_object_gets_its_out_file_with_one_line_per_record(model_name):
    rng = np.random.default_rng(1)
    first, second = rng.normal(size=(25, 4)), rng.normal(size=(7, 4))
    storage.put_bytes("s3://batch/in/a.csv", rows_text(first))
    storage.put_bytes("s3://batch/in/nested/b.csv", rows_text(second))
    transformer = Transformer(model_name=model_name, instance_count=1, instance_type="ml.m5.large",
                              strategy="MultiRecord", assemble_with="Line", accept="text/csv",
                              output_path="s3://batch/out")
    job = transformer.transform("s3://batch/in", content_type="text/csv", split_type="Line", logs=False)
    assert job["TransformJobStatus"] == "Completed"
    assert sorted(storage.list_prefix("s3://batch/out")) == ["s3://batch/out/a.csv.out", "s3://batch/out/nested/b.csv.out"]
    for name, rows in (("a.csv", first), ("nested/b.csv", second)):
        scores = np.array(storage.get_bytes(f"s3://batch/out/{name}.out").decode().split(), dtype=float)
        np.testing.assert_allclose(scores, script_score(rows))
    assert describe_transform_job(transformer.latest_transform_job)["TransformJobStatus"] == "Completed"
    assert [r for r in running_resources() if r.kind == "transform"] == []


def test_mini_batches_stay_within_max_payload(model_name):
    rows = np.random.default_rng(2).normal(size=(40_000, 4))
    body = rows_text(rows)
    assert len(body) > 1024 * 1024  # more than one 1 MB mini-batch
    storage.put_bytes("s3://batch/big/data.csv", body)
    transformer = Transformer(model_name=model_name, max_payload=1, strategy="MultiRecord",
                              assemble_with="Line", accept="text/csv", output_path="s3://batch/big-out")
    lines = body.splitlines()
    batches = transformer._batches(lines, "MultiRecord", 1024 * 1024, "data.csv")
    assert len(batches) >= 2
    assert batches[0][0] == 0 and batches[-1][1] == len(lines)  # every record, in order, exactly once
    assert all(a[1] == b[0] for a, b in zip(batches, batches[1:]))
    assert all(len(b"\n".join(lines[a:b])) + 1 <= 1024 * 1024 for a, b in batches)
    transformer.transform("s3://batch/big/data.csv", content_type="text/csv", split_type="Line", logs=False)
    scores = np.array(storage.get_bytes("s3://batch/big-out/data.csv.out").split(), dtype=float)
    np.testing.assert_allclose(scores, script_score(rows))


def test_single_record_strategy_sends_one_line_per_request(model_name, capsys):
    storage.put_bytes("s3://batch/single/x.csv", rows_text(np.eye(4)))
    Transformer(model_name=model_name, strategy="SingleRecord", assemble_with="Line", accept="text/csv",
                output_path="s3://batch/single-out", max_concurrent_transforms=2).transform(
        "s3://batch/single/x.csv", content_type="text/csv", split_type="Line")
    assert "4 record(s) in 4 request(s)" in capsys.readouterr().out
    np.testing.assert_allclose(np.array(storage.get_bytes("s3://batch/single-out/x.csv.out").split(), dtype=float),
                               script_score(np.eye(4)))


def test_filters_and_join_keep_an_id_next_to_its_prediction(model_name):
    rows = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]])
    ids = np.array([[101.0], [102.0]])
    storage.put_bytes("s3://batch/ids/x.csv", rows_text(np.hstack([ids, rows])))
    Transformer(model_name=model_name, assemble_with="Line", accept="text/csv", output_path="s3://batch/ids-out"
                ).transform("s3://batch/ids/x.csv", content_type="text/csv", split_type="Line",
                            input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]", logs=False)
    out = np.array([line.split(",") for line in storage.get_bytes("s3://batch/ids-out/x.csv.out").decode().split()],
                   dtype=float)
    np.testing.assert_allclose(out[:, 0], ids[:, 0])
    np.testing.assert_allclose(out[:, 1], script_score(rows))


def test_a_bad_record_fails_the_job_with_the_model_s_message(model_name):
    storage.put_bytes("s3://batch/bad/x.csv", b"1,2,3,4\n1,2,oops,4\n")
    transformer = Transformer(model_name=model_name, strategy="SingleRecord", output_path="s3://batch/bad-out")
    with pytest.raises(TransformError, match="not a number") as caught:
        transformer.transform("s3://batch/bad/x.csv", content_type="text/csv", split_type="Line", logs=False)
    assert caught.value.description["TransformJobStatus"] == "Failed"
    assert describe_transform_job(transformer.latest_transform_job)["FailureReason"].startswith("ClientError")
    assert [r for r in running_resources() if r.kind == "transform"] == []


def test_unsupported_settings_are_named(model_name):
    with pytest.raises(ValueError, match="split_type='TFRecord'"):
        Transformer(model_name=model_name, output_path="s3://batch/x").transform("s3://batch/in", split_type="TFRecord")
    with pytest.raises(ValueError, match="input_filter"):
        Transformer(model_name=model_name, output_path="s3://batch/x").transform("s3://batch/in", input_filter="$.a")
    with pytest.raises(FileNotFoundError, match="no objects"):
        Transformer(model_name=model_name, output_path="s3://batch/x").transform("s3://batch/nothing-here")
