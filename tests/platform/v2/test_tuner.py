"""SDK v2's HyperparameterTuner on the kit (helpers.platform.v2.tuner): fit with v2's inputs and an exact
job name, best training job, deploy of the best model, attach, and the errors for bad use. One tuning job
of two tiny linear-learner trials (run together) serves the module."""

from __future__ import annotations

import numpy as np
import pytest

from serving_support import module_store

FEATURES = 3
OBJECTIVE = "validation:binary_classification_accuracy"
JOB = "v2-tuner-test"


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    """{"train": TrainingInput, "validation": TrainingInput} of a separable CSV problem."""
    from helpers.platform.v2 import Session, TrainingInput

    with module_store(tmp_path_factory, "v2-tuner-home") as folder:
        rng = np.random.default_rng(1)
        features = rng.normal(size=(160, FEATURES))
        rows = np.column_stack([(features[:, 0] + features[:, 2] > 0).astype(int), features])
        session = Session()
        inputs = {}
        for name, part in (("train", rows[:120]), ("validation", rows[120:])):
            np.savetxt(folder / f"{name}.csv", part, delimiter=",", fmt="%.5f")
            uri = session.upload_data(str(folder / f"{name}.csv"), key_prefix=f"tuner/{name}")
            inputs[name] = TrainingInput(uri.rsplit("/", 1)[0], content_type="text/csv")
        yield inputs


def estimator():
    from helpers.platform.v2 import estimator as v2_estimator

    made = v2_estimator.Estimator("linear-learner", "arn:aws:iam::000000000000:role/r", instance_count=1,
                                  instance_type="ml.m5.large")
    made.set_hyperparameters(feature_dim=FEATURES, predictor_type="binary_classifier", epochs=2)
    return made


def tuner_of(made, **extra):
    from helpers.platform.v2.tuner import ContinuousParameter, HyperparameterTuner

    return HyperparameterTuner(made, OBJECTIVE, {"learning_rate": ContinuousParameter(0.01, 0.1)},
                               strategy="Random", max_jobs=2, max_parallel_jobs=2, **extra)


@pytest.fixture(scope="module")
def tuned(channels):
    tuner = tuner_of(estimator())
    tuner.fit(channels, job_name=JOB)
    return tuner


def test_fit_runs_the_tuning_job_under_its_exact_name_and_finds_the_best(tuned):
    job = tuned.latest_tuning_job
    assert job.name == job.job_name == JOB
    described = tuned.describe()
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 2
    best = tuned.best_training_job()
    assert best == described.best_training_job.training_job_name
    assert tuned.best_estimator().latest_training_job.describe()["TrainingJobStatus"] == "Completed"
    assert len(tuned.analytics().dataframe()) == 2
    from helpers.platform.v2 import Session

    assert Session().wait_for_tuning_job(JOB)["HyperParameterTuningJobStatus"] == "Completed"


def test_deploy_serves_the_best_model_and_attach_finds_it_again(tuned):
    from helpers.platform.v2.predictor import Predictor
    from helpers.platform.v2.tuner import HyperparameterTuner

    predictor = tuned.deploy(initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="v2-tuner-ep")
    try:
        assert isinstance(predictor, Predictor)
        answer = predictor.predict(b"1,0,1\n-1,0,-1\n", initial_args={"ContentType": "text/csv",
                                                                       "Accept": "application/json"})
        assert b'"predicted_label"' in answer
    finally:
        predictor.delete_endpoint()
    attached = HyperparameterTuner.attach(JOB)
    attached.wait()  # a job this tuner did not start: waited on through DescribeHyperParameterTuningJob
    assert attached.best_training_job() == tuned.best_training_job()
    assert attached.hyperparameter_ranges() == tuned.hyperparameter_ranges()
    assert attached.estimator.hyperparameters()["feature_dim"] == str(FEATURES)


def test_bad_tuning_is_refused_before_any_training_job(channels):
    from helpers.platform import list_training_jobs
    from helpers.platform.v2.tuner import HyperparameterTuner

    before = len(list_training_jobs())
    with pytest.raises(TypeError, match="v2 Estimator"):
        HyperparameterTuner("not an estimator", OBJECTIVE, {"x": None})
    with pytest.raises(ValueError, match="call tuner.fit"):
        tuner_of(estimator()).best_training_job()
    with pytest.raises(ValueError, match="'validation' channel"):
        tuner_of(estimator()).fit({"train": channels["train"]})
    with pytest.raises(ValueError, match="estimator_kwargs"):
        tuner_of(estimator()).fit(channels, estimator_kwargs={"a": {}})
    with pytest.raises(TypeError, match="mini_batch_size"):  # a plain Estimator takes no first-party options
        tuner_of(estimator()).fit(channels, mini_batch_size=10)
    assert len(list_training_jobs()) == before


def test_a_job_this_kernel_did_not_start_names_boto3s_stop_call():
    """latest_training_job / latest_tuning_job of an attached job: stop() names the boto3 call to use."""
    from helpers.platform.v2.estimator import _TrainingJob
    from helpers.platform.v2.tuner import _TuningJob

    training, tuning = _TrainingJob(None, "t-1"), _TuningJob(None, "h-1")
    assert (training.name, repr(training)) == ("t-1", "_TrainingJob(job_name='t-1')")
    assert (tuning.name, repr(tuning)) == ("h-1", "_TuningJob(job_name='h-1')")
    with pytest.raises(ValueError, match=r"^Training job 't-1' was not started by this kernel: stop it with "
                                         r"boto3\.client\('sagemaker'\)\.stop_training_job\(TrainingJobName='t-1'\)\.$"):
        training.stop()
    with pytest.raises(ValueError, match=r"^Tuning job 'h-1' was not started by this kernel: stop it with boto3's "
                                         r"stop_hyper_parameter_tuning_job\(HyperParameterTuningJobName='h-1'\)\.$"):
        tuning.stop()
