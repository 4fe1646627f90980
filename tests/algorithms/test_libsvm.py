"""``text/libsvm`` for XGBoost: channels and requests read as XGBoost's own reader reads them (checked
against that reader), absent features missing, and every malformed line refused with its file and line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers import algorithms
from helpers.algorithms import libsvm
from helpers.algorithms.errors import DataFormatError, InferenceError

xgb = pytest.importorskip("xgboost")

# 1-based indices, unsorted, an explicit zero, weights, a comment and a blank line
SAMPLE = "1:2 3:0.5 1:1.5\n\n0:1 2:-1 4:0 # a comment\n1:1 1:0.25\n0:0.5 4:3\n"
HPS = {"num_round": "3", "objective": "binary:logistic", "max_depth": "2"}


@pytest.fixture
def xgboost():
    return algorithms.get("xgboost")


def channel(tmp_path, name: str, text: str, file: str = "part.libsvm"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / file).write_text(text)
    return folder


def test_a_channel_reads_as_xgboosts_own_reader_reads_it(tmp_path):
    folder = channel(tmp_path, "train", SAMPLE)
    rows = libsvm.read_files("train", [folder / "part.libsvm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xgboost's text reader is deprecated, but it is XGBoost's reading
        theirs = xgb.DMatrix(f"{folder / 'part.libsvm'}?format=libsvm")
    ours = xgb.DMatrix(rows.features, label=rows.labels, weight=rows.weights)
    assert (ours.num_row(), ours.num_col()) == (theirs.num_row(), theirs.num_col()) == (4, 5)
    np.testing.assert_array_equal(ours.get_label(), theirs.get_label())
    np.testing.assert_array_equal(ours.get_weight(), theirs.get_weight())
    np.testing.assert_array_equal(ours.get_data().toarray(), theirs.get_data().toarray())
    assert ours.get_data().nnz == theirs.get_data().nnz == 6  # "4:0" is stored (a value); absent features are not


def test_a_libsvm_training_job_trains_and_predicts_missing_features_as_missing(tmp_path, xgboost):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(120, 3))
    y = (x[:, 0] - x[:, 2] > 0).astype(int)
    text = "".join(f"{label} " + " ".join(f"{j}:{v:.4f}" for j, v in enumerate(row) if v > -0.5) + "\n"
                   for row, label in zip(x, y))
    xgboost.train({"train": channel(tmp_path, "train", text)}, HPS, tmp_path / "model", log=lambda _: None,
                  content_types={"train": "text/libsvm"})
    model = xgboost.model_fn(tmp_path / "model")
    request = xgboost.input_fn(b"0 0:1.2\n1 2:0.7 0:-1", "text/libsvm")
    served = [r["score"] for r in xgboost.served_predict_fn(request, model)]
    dense = np.array([[1.2, np.nan, np.nan], [-1.0, np.nan, 0.7]])  # absent = missing, as XGBoost reads libsvm
    np.testing.assert_allclose(served, model.booster.predict(xgb.DMatrix(dense)), rtol=1e-6)
    assert [r["score"] for r in xgboost.predict_fn(request, model)] == served


def test_a_channel_without_content_type_is_read_as_libsvm_when_it_is_libsvm(tmp_path, xgboost):
    text = "".join(f"{i % 2} 0:{i / 10} 1:{(i * 7) % 5}\n" for i in range(40))
    xgboost.train({"train": channel(tmp_path, "train", text)}, HPS, tmp_path / "model", log=lambda _: None)
    assert xgboost.model_fn(tmp_path / "model").feature_dim == 2


@pytest.mark.parametrize("text, words", [
    ("1 0:1\n0 1:x 2:1\n", "line 2: '0 1:x 2:1' is not libsvm: token 2, '1:x'"),
    ("1 0:1\nabc 1:2\n", "line 2: 'abc 1:2' is not libsvm: token 1, 'abc'"),
    ("1 0:1\n\n1 2:1 2:3\n", "line 3: index 2 appears twice"),
    ("1 0:nan\n", "line 1: value 'nan' is not a finite number; leave a missing feature out"),
    ("1 qid:2 0:1\n", "line 1: .*qid is for ranking objectives"),
    ("1 -1:0.5\n", "line 1: .*'-1:0.5', is not index:value"),
    ("1:-2 0:1\n", "line 1: the instance weight .* is '-2'"),
    ("1:2 0:1\n1 0:2\n", "line 2: line 1 gives an instance weight \\(label:weight\\) and line 2 does not"),
    ("1,0.5,0.2\n", "line 1 looks like CSV, but the channel's content type is text/libsvm.*content_type='text/csv'"),
    ("1 0:1\n2 0:3\n", "line 2: label 2.0 is outside \\[0, 1\\]"),
])
def test_a_bad_line_is_refused_with_its_file_and_line(tmp_path, xgboost, text, words):
    with pytest.raises(DataFormatError, match=f"Channel 'train', file 'part.libsvm', {words}"):
        xgboost.train({"train": channel(tmp_path, "train", text)}, HPS, tmp_path / "model", log=lambda _: None,
                      content_types={"train": "text/libsvm"})


def test_validation_may_use_fewer_features_but_not_more(tmp_path, xgboost):
    train = channel(tmp_path, "train", "".join(f"{i % 2} 0:{i} 2:{i % 3}\n" for i in range(30)))
    fewer = channel(tmp_path, "validation", "1 0:3\n0 1:1\n")
    xgboost.train({"train": train, "validation": fewer}, HPS, tmp_path / "m1", log=lambda _: None,
                  content_types={"train": "text/libsvm", "validation": "text/libsvm"})
    (fewer / "part.libsvm").write_text("1 0:3\n0 5:1\n")
    with pytest.raises(DataFormatError, match="Channel 'validation', file 'part.libsvm', line 2: feature index 5, "
                                              "but the highest index in channel 'train' is 2"):
        xgboost.train({"train": train, "validation": fewer}, HPS, tmp_path / "m2", log=lambda _: None,
                      content_types={"train": "text/libsvm", "validation": "text/libsvm"})


@pytest.mark.parametrize("body, words", [
    (b"0 1:0.5\n0 9:1", "Record 2 has feature index 9, but the model has 3 features"),
    (b"0:1.5 1:2", "line 1 starts with '0:1.5': a libsvm line starts with its label"),
    (b"0 1:x", "libsvm request, line 1: '0 1:x' is not libsvm"),
    (b"# nothing\n", "holds no records"),
    (b"\xff\xfe", "is UTF-8 text; byte 0 is not"),
])
def test_a_bad_request_is_a_400_naming_the_line(tmp_path, xgboost, body, words):
    text = "".join(f"{i % 2} 0:{i} 2:{i % 3}\n" for i in range(30))
    xgboost.train({"train": channel(tmp_path, "train", text)}, HPS, tmp_path / "model", log=lambda _: None)
    model = xgboost.model_fn(tmp_path / "model")
    with pytest.raises(InferenceError, match=words) as info:
        xgboost.served_predict_fn(xgboost.input_fn(body, "text/x-libsvm"), model)
    assert info.value.status_code == 400


def test_a_training_job_reads_a_text_libsvm_channel(flywheel_home, tmp_path):
    from helpers.platform import InputData, ModelTrainer, Session, image_uris

    text = "".join(f"{i % 2} 1:{i / 10} 3:{(i * 7) % 5}\n" for i in range(40))  # 1-based, column 2 never given
    uri = Session(region="us-east-1").upload_data(channel(tmp_path, "train", text), key_prefix="libsvm/train")
    trainer = ModelTrainer(training_image=image_uris.retrieve("xgboost", "us-east-1", version="1.7-1"),
                           hyperparameters=HPS, base_job_name="libsvm")
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri, content_type="text/libsvm")],
                  logs=False)
    described = trainer.latest_training_job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert any(m["MetricName"] == "train:logloss" for m in described["FinalMetricDataList"])


def test_files_of_one_channel_give_weights_in_all_or_none(tmp_path, xgboost):
    folder = channel(tmp_path, "train", "1:2 0:1\n0:1 0:2\n", file="a.libsvm")
    (folder / "b.libsvm").write_text("# no records\n")
    (folder / "c.libsvm").write_text("1 0:3\n")
    with pytest.raises(DataFormatError, match="Channel 'train': file 'c.libsvm' lacks instance weights "
                                              "\\(label:weight\\) but 'a.libsvm' gives them"):
        xgboost.train({"train": folder}, HPS, tmp_path / "model", log=lambda _: None,
                      content_types={"train": "text/libsvm"})
