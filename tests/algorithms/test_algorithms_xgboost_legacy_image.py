"""The legacy XGBoost images (``xgboost:latest`` = 0.72, ``sagemaker-xgboost:0.90-*``) took ``silent`` and
``objective=reg:linear``, which XGBoost 1.0 removed and renamed: a job on such an image runs with them
translated and a warning; the 1.x images keep refusing them, keyed on the image's version tag."""

from __future__ import annotations

import pytest

from helpers.algorithms.xgb import is_legacy_image, legacy_hyperparameters
from helpers.platform.image_uris import retrieve

LEGACY_HPS = {"num_round": "3", "silent": "1", "objective": "reg:linear"}


@pytest.mark.parametrize("version, legacy", [("latest", True), ("1", True), ("0.90-1", True), ("0.90-2", True),
                                             ("1.0-1", False), ("1.7-1", False)])
def test_the_image_version_tag_says_which_images_are_legacy(version, legacy):
    assert is_legacy_image(retrieve("xgboost", "us-east-1", version)) is legacy


def test_a_legacy_image_reads_silent_as_verbosity_and_reg_linear_as_squarederror():
    hps, notes = legacy_hyperparameters(retrieve("xgboost", "us-east-1", "latest"), LEGACY_HPS)
    assert hps == {"num_round": "3", "verbosity": "0", "objective": "reg:squarederror"}
    assert len(notes) == 2 and "silent" in notes[0] and "reg:squarederror" in notes[1]
    assert LEGACY_HPS["silent"] == "1"  # the caller's dict is left as it was


def test_a_1x_image_gets_its_hyperparameters_unchanged():
    assert legacy_hyperparameters(retrieve("xgboost", "us-east-1", "1.7-1"), LEGACY_HPS) == (LEGACY_HPS, [])


def _trainer(version: str):
    from helpers.platform import ModelTrainer

    return ModelTrainer(training_image=retrieve("xgboost", "us-east-1", version), hyperparameters=LEGACY_HPS)


def test_a_job_on_the_legacy_image_accepts_them_with_a_warning(flywheel_home, tmp_path):
    from helpers.platform import InputData

    (tmp_path / "train.libsvm").write_text("1 1:0.5\n0 1:0.1\n")
    with pytest.warns(UserWarning) as caught:
        assert _trainer("0.90-1").train([InputData(channel_name="train", data_source=str(tmp_path / "train.libsvm"))],
                                        dry_run=True) is None
    said = " ".join(str(w.message) for w in caught)
    assert "silent='1'" in said and "'reg:squarederror', which is what runs" in said


def test_the_1x_images_keep_refusing_them(flywheel_home, tmp_path):
    from helpers.platform import InputData
    from helpers.platform.errors import HyperparameterError

    (tmp_path / "train.libsvm").write_text("1 1:0.5\n0 1:0.1\n")
    with pytest.raises(HyperparameterError, match="silent|reg:linear"):
        _trainer("1.7-1").train([InputData(channel_name="train", data_source=str(tmp_path / "train.libsvm"))],
                                dry_run=True)
