"""Hyperparameters a built-in algorithm refuses: the local check stays instant, but the error is the one code
written for SageMaker catches (the SDK's FailedStatusError / UnexpectedStatusException), and the job exists
and is Failed with "ClientError: ...", as SageMaker's job would be after its container started.

The SDK's exception classes are its real source files, loaded without the ``sagemaker.core`` package (whose
import takes seconds) when it is not already imported in this worker."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import algorithms
from helpers.platform import (FailedStatusError, InputData, ModelTrainer, Session, describe_training_job, image_uris,
                              list_training_jobs)
from helpers.platform import errors

SDK_MODULES = ("sagemaker.core.utils.exceptions", "sagemaker.core.exceptions")


@pytest.fixture
def sdk(monkeypatch):
    """The SDK's two exception modules, as a notebook that imported them has them in ``sys.modules``."""
    modules = {}
    (package,) = importlib.util.find_spec("sagemaker").submodule_search_locations  # namespace package: cheap
    for name in SDK_MODULES:
        module = sys.modules.get(name)
        if module is None:
            path = Path(package, *name.split(".")[1:]).with_suffix(".py")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            monkeypatch.setitem(sys.modules, name, module)
        modules[name.rsplit(".", 2)[-2]] = module
    return modules["utils"].FailedStatusError, modules["core"].UnexpectedStatusException, modules["utils"]


@pytest.fixture
def csv_uri(flywheel_home, tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 3))
    path = tmp_path / "train.csv"
    np.savetxt(path, np.column_stack([(x[:, 0] > 0).astype(int), x]), delimiter=",", fmt="%.4f")
    return Session(region="us-east-1").upload_data(path, key_prefix="hp-errors/train")


def typo_trainer() -> ModelTrainer:
    return ModelTrainer(training_image=image_uris.retrieve("linear-learner", "us-east-1"), base_job_name="typo",
                        hyperparameters={"predictor_type": "classifier", "feature_dim": 3})


def test_sagemaker_except_clauses_catch_a_refused_hyperparameter(sdk, csv_uri):
    sdk_failed, unexpected_status, _ = sdk
    trainer = typo_trainer()
    channel = [InputData(channel_name="train", data_source=csv_uri, content_type="text/csv")]
    for clause in (sdk_failed, unexpected_status, FailedStatusError, algorithms.HyperparameterError, ValueError):
        with pytest.raises(clause) as info:
            trainer.train(input_data_config=channel, wait=True, logs=False)
    error = info.value
    message = ("Hyperparameter 'predictor_type': value 'classifier' is not one of 'binary_classifier', "
               "'multiclass_classifier', 'regressor'. Did you mean 'binary_classifier'?")
    assert type(error).__name__ == "HyperparameterError" and str(error) == message  # what the learner reads
    assert error.reason == error.failure_reason == f"ClientError: {message}"
    assert error.actual_status == "Failed"  # UnexpectedStatusException's attribute


def test_the_refused_job_exists_and_failed_with_a_client_error(csv_uri):
    trainer = typo_trainer()
    with pytest.raises(errors.HyperparameterError) as info:
        trainer.train(input_data_config=[InputData(channel_name="train", data_source=csv_uri)], wait=False)
    name = info.value.description["TrainingJobName"]
    described = describe_training_job(name)
    assert described["TrainingJobStatus"] == "Failed" and described["SecondaryStatus"] == "Failed"
    assert described["FailureReason"] == info.value.reason
    assert described["FailureReason"].startswith("ClientError: Hyperparameter 'predictor_type'")
    assert "ModelArtifacts" not in described  # nothing ran
    assert described["HyperParameters"] == {"predictor_type": "classifier", "feature_dim": "3"}
    assert trainer.latest_training_job.describe()["TrainingJobName"] == name
    assert [j["TrainingJobName"] for j in list_training_jobs()] == [name]


def test_a_dry_run_refuses_without_making_a_job(csv_uri):
    with pytest.raises(errors.HyperparameterError) as info:
        typo_trainer().train(input_data_config=[InputData(channel_name="train", data_source=csv_uri)], dry_run=True)
    assert info.value.description == {}
    assert list_training_jobs() == []


def test_every_failed_or_timed_out_wait_is_the_sdks_error_too(sdk):
    sdk_failed, unexpected_status, utils = sdk
    failed = FailedStatusError("TrainingJob", "Failed", "AlgorithmError: boom", {"TrainingJobName": "j"})
    assert isinstance(failed, (sdk_failed, utils.WaiterError, utils.SageMakerCoreError, unexpected_status))
    assert str(failed) == ("Encountered unexpected failed state while waiting for TrainingJob 'j'. "
                           "Final Resource State: Failed. Failure Reason: AlgorithmError: boom")
    timeout = errors.TimeoutExceededError("Training job 'j' is still Training.")
    assert isinstance(timeout, utils.TimeoutExceededError) and str(timeout) == "Training job 'j' is still Training."
    copy = pickle.loads(pickle.dumps(failed))  # the subclass made for the SDK pickles as the kit's class
    assert isinstance(copy, FailedStatusError) and copy.reason == failed.reason and str(copy) == str(failed)


def test_without_the_sdk_loaded_nothing_imports_it(root):
    code = ("import sys; from helpers.platform.errors import HyperparameterError as E\n"
            "e = E('bad'); assert type(e) is E and isinstance(e, ValueError)\n"
            "assert not [m for m in sys.modules if m.startswith('sagemaker')], 'the SDK was imported'\n")
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


def test_on_the_sagemaker_backend_the_sdks_except_clause_catches_it_and_nothing_is_sent(tmp_path, monkeypatch,
                                                                                       flywheel_home):
    from aws_support import mock_aws_account

    with mock_aws_account(tmp_path, monkeypatch) as aws:
        monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")
        from sagemaker.core.utils.exceptions import FailedStatusError as SDKFailedStatusError

        trainer = ModelTrainer(training_image=image_uris.retrieve("xgboost", "us-east-1", version="1.7-1"),
                               role=aws["role"], hyperparameters={"num_round": 0})
        with pytest.raises(SDKFailedStatusError) as info:
            trainer.train(input_data_config=[InputData(channel_name="train", data_source="s3://b/k")], wait=False)
        assert info.value.reason.startswith("ClientError: Hyperparameter 'num_round'")
        assert aws["sagemaker"].list_training_jobs()["TrainingJobSummaries"] == []
