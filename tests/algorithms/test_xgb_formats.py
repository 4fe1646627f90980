"""Every model format SageMaker's XGBoost has written as ``xgboost-model`` loads for inference with today's
xgboost, and predicts what the xgboost that wrote it predicted.

The legacy binary and pickled models in ``xgboost_models/`` were written by xgboost 1.7.6 and 2.1.4 (see
``make_models.py`` there), each with that library's own predictions beside it. The pickles of older
containers (0.90, 1.0 to 1.2) are rebuilt here from those binaries in the layouts those versions pickled.
"""

from __future__ import annotations

import math
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from helpers import algorithms
from helpers.algorithms.xgb_formats import FORMATS, ModelFormatError, load_booster

xgb = pytest.importorskip("xgboost")

MODELS = Path(__file__).resolve().parent / "xgboost_models"
OLD_FILES = sorted(p.name for p in MODELS.iterdir() if p.suffix in (".bin", ".pkl"))


def expected(name: str) -> dict:
    stored = np.load(MODELS / (name.rsplit(".", 1)[0] + ".npz"))
    return {"x": stored["x"], "pred": stored["pred"]}


def served(model_dir: Path, x: np.ndarray) -> np.ndarray:
    """Scores as the endpoint computes them: the algorithm's model_fn, then its predict (the fixtures' rows
    have missing values, which predict_fn's request checks would refuse before XGBoost sees them)."""
    algorithm = algorithms.get("xgboost")
    answers = algorithm.predict(x, algorithm.model_fn(model_dir))
    return np.array([a["score"] for a in answers])


def model_dir(tmp_path: Path, data: bytes, name: str = "xgboost-model") -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / name).write_bytes(data)
    return folder


def test_the_fixtures_cover_both_old_writers_and_both_old_formats():
    assert {name.split("-")[0] for name in OLD_FILES} == {"xgb17", "xgb21"}
    assert {Path(name).suffix for name in OLD_FILES} == {".bin", ".pkl"}


@pytest.mark.parametrize("name", OLD_FILES)
def test_old_models_predict_what_their_own_xgboost_predicted(tmp_path, name):
    want = expected(name)
    got = served(model_dir(tmp_path, (MODELS / name).read_bytes()), want["x"])
    np.testing.assert_allclose(got, want["pred"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("raw_format", ["json", "ubj"])
def test_json_and_ubjson_models_load(tmp_path, raw_format):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 3))
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(x, label=x[:, 0] > 0), num_boost_round=3)
    folder = model_dir(tmp_path, bytes(booster.save_raw(raw_format=raw_format)))
    np.testing.assert_allclose(served(folder, x), booster.predict(xgb.DMatrix(x)), rtol=1e-6)


def test_a_model_folder_with_one_file_of_another_name_loads_it(tmp_path):
    want = expected("xgb17-binary.bin")
    folder = model_dir(tmp_path, (MODELS / "xgb17-binary.bin").read_bytes(), name="model.bin")
    np.testing.assert_allclose(served(folder, want["x"]), want["pred"], rtol=1e-6)


def old_pickle(handle: bytes) -> bytes:
    """A Booster pickled by an old xgboost (protocol 2): its class, NEWOBJ, then the state its
    ``__getstate__`` returned, whose ``handle`` held the model bytes of that version."""
    state = {"handle": bytearray(handle), "feature_names": None, "feature_types": None}
    return (b"\x80\x02cxgboost.core\nBooster\n)\x81" + pickle.dumps(state, protocol=2)[2:-1] + b"b.")


def as_xgboost_090(binary: bytes) -> bytes:
    """The same model as XGBoost 0.90 wrote it: version 0.90, base_score stored as a margin."""
    body = bytearray(binary[4:] if binary[:4] == b"binf" else binary)
    (probability,) = struct.unpack_from("<f", body, 0)
    struct.pack_into("<f", body, 0, math.log(probability / (1 - probability)))
    struct.pack_into("<II", body, 20, 0, 90)  # major_version, minor_version
    return bytes(body)


def test_a_pickle_of_xgboost_090_loads(tmp_path):
    """SageMaker XGBoost 0.90-1/0.90-2 pickled the Booster, whose state was the binary model itself."""
    want = expected("xgb17-binary.bin")
    data = old_pickle(as_xgboost_090((MODELS / "xgb17-binary.bin").read_bytes()))
    np.testing.assert_allclose(served(model_dir(tmp_path, data), want["x"]), want["pred"], rtol=1e-5)


def test_a_pickle_of_xgboost_1_0_to_1_2_loads(tmp_path):
    """SageMaker XGBoost 1.0-1 / 1.2-x pickled a snapshot: CONFIG-offset:, its length, binary model, JSON."""
    want = expected("xgb17-multi.bin")
    binary = (MODELS / "xgb17-multi.bin").read_bytes()
    snapshot = b"CONFIG-offset:" + struct.pack("<q", len(binary)) + binary + b'{"learner": {}}'
    got = served(model_dir(tmp_path, old_pickle(snapshot)), want["x"])
    np.testing.assert_allclose(got, want["pred"], rtol=1e-6)


def test_a_pickled_scikit_learn_model_loads_its_booster(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 3))
    model = xgb.XGBRegressor(n_estimators=3, max_depth=2).fit(x, x[:, 0])
    np.testing.assert_allclose(served(model_dir(tmp_path, pickle.dumps(model)), x), model.predict(x), rtol=1e-6)


def test_an_unreadable_model_says_what_was_tried_and_how_to_save_one(tmp_path):
    path = model_dir(tmp_path, b"not a model at all") / "xgboost-model"
    with pytest.raises(ModelFormatError) as info:
        load_booster(path)
    message = str(info.value)
    assert all(fmt in message for fmt in FORMATS)
    assert "booster.save_model('xgboost-model.json')" in message


def test_a_truncated_legacy_model_says_where_it_ends(tmp_path):
    binary = (MODELS / "xgb17-binary.bin").read_bytes()
    with pytest.raises(ModelFormatError, match=f"the file ends at byte {len(binary) - 40 - 4}"):
        load_booster(model_dir(tmp_path, binary[:-40]) / "xgboost-model")


def test_a_pickle_without_a_booster_is_refused_by_name(tmp_path):
    with pytest.raises(ModelFormatError, match="the pickle holds no xgboost Booster"):
        load_booster(model_dir(tmp_path, pickle.dumps({"weights": [1, 2]})) / "xgboost-model")
