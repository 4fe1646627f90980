"""SDK v2's ``sagemaker.tuner``: ``HyperparameterTuner`` around a v2 ``Estimator``, on the kit's tuner.

``fit()`` builds the estimator's ``ModelTrainer`` and a ``helpers.platform.HyperparameterTuner`` from
it (the SDK's tuner on ``use_backend("sagemaker")``) and tunes; ``deploy()`` deploys the best
training job's model and returns the estimator's predictor, as v2 does::

    tuner = HyperparameterTuner(estimator, "validation:auc", {"eta": ContinuousParameter(0.01, 0.5)},
                                max_jobs=4, max_parallel_jobs=2)
    tuner.fit({"train": train_input, "validation": validation_input})
    predictor = tuner.deploy(initial_instance_count=1, instance_type="ml.m5.large")
"""

from __future__ import annotations

import copy

import helpers.platform as kit
from helpers.platform.errors import warn_ignored
from helpers.platform.tuning import (CategoricalParameter, ContinuousParameter, HyperparameterTuningJobAnalytics,
                                     IntegerParameter, ParameterRange,
                                     describe_hyper_parameter_tuning_job)
from helpers.platform.tuning.parameters import ranges_from_description
from helpers.platform.v2.estimator import _LatestJob, _TrainingJob
from helpers.platform.v2.session import wait_until_done

__all__ = ["HyperparameterTuner", "ContinuousParameter", "IntegerParameter", "CategoricalParameter",
           "ParameterRange"]


class _TuningJob(_LatestJob):
    """SDK v2's ``tuner.latest_tuning_job``: ``.name`` / ``.job_name``, ``describe()``, ``wait()``, ``stop()``."""

    _STOP_ELSEWHERE = ("Tuning job {name} was not started by this kernel: stop it with boto3's "
                       "stop_hyper_parameter_tuning_job(HyperParameterTuningJobName={name}).")

    def describe(self) -> dict:
        """DescribeHyperParameterTuningJob, as boto3 answers it (either backend)."""
        return describe_hyper_parameter_tuning_job(self.job_name)

    def wait(self) -> None:
        """Block until the tuning job ends (FailedStatusError if it ended Failed)."""
        if self._job is not None:
            self._job.wait()
            return
        wait_until_done(self.describe, "HyperParameterTuningJob")


def _job_name(job) -> str:
    """The name of the kit's tuning job (``.name``) or of the SDK's resource (``.hyper_parameter_tuning_job_name``)."""
    return getattr(job, "hyper_parameter_tuning_job_name", None) or job.name


class HyperparameterTuner:
    """``sagemaker.tuner.HyperparameterTuner`` (SDK v2): tune a v2 ``Estimator``'s hyperparameters.

    Args:
        estimator: the v2 ``Estimator`` (or a first-party algorithm's: ``KMeans``...) whose jobs are tuned.
        objective_metric_name: e.g. ``"validation:auc"``.
        hyperparameter_ranges: name -> ``ContinuousParameter`` / ``IntegerParameter`` / ``CategoricalParameter``.
        metric_definitions, strategy, objective_type, max_jobs, max_parallel_jobs, max_runtime_in_seconds,
            base_tuning_job_name, strategy_config, early_stopping_type, random_seed: as the kit's tuner.
        tags: accepted with an ``IgnoredArgumentWarning``. warm_start_config, completion_criteria_config,
            autotune, hyperparameters_to_keep_static: refused locally unless left out (the kit's rule).
    """

    def __init__(self, estimator, objective_metric_name: str, hyperparameter_ranges: dict,
                 metric_definitions: list | None = None, strategy: str = "Bayesian", objective_type: str = "Maximize",
                 max_jobs: int | None = None, max_parallel_jobs: int = 1, max_runtime_in_seconds: int | None = None,
                 tags=None, base_tuning_job_name: str | None = None, warm_start_config=None, strategy_config=None,
                 completion_criteria_config=None, early_stopping_type: str = "Off", estimator_name: str | None = None,
                 random_seed: int | None = None, autotune: bool = False, hyperparameters_to_keep_static=None):
        from helpers.platform.v2.estimator import Estimator

        if not isinstance(estimator, Estimator):
            raise TypeError(f"estimator must be a helpers.platform.v2 Estimator (sagemaker.estimator.Estimator, "
                            f"KMeans, ...), not {type(estimator).__name__}.")
        if not hyperparameter_ranges:
            raise ValueError("hyperparameter_ranges is empty: give at least one, e.g. "
                             "{'eta': ContinuousParameter(0.01, 0.5)}.")
        warn_ignored("HyperparameterTuner", [n for n, v in (("tags", tags), ("estimator_name", estimator_name)) if v],
                     "a local tuning job has no tags and tunes one estimator")
        self.estimator = estimator
        self.objective_metric_name = objective_metric_name
        self._hyperparameter_ranges = dict(hyperparameter_ranges)
        self.metric_definitions = metric_definitions
        self.strategy = strategy
        self.objective_type = objective_type
        self.max_jobs = max_jobs
        self.max_parallel_jobs = max_parallel_jobs
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_tuning_job_name = base_tuning_job_name
        self.strategy_config = strategy_config
        self.early_stopping_type = early_stopping_type
        self.random_seed = random_seed
        self._sdk_only = dict(warm_start_config=warm_start_config, completion_criteria_config=completion_criteria_config,
                              autotune=autotune, hyperparameters_to_keep_static=hyperparameters_to_keep_static)
        self._tuner = None  # the kit's tuner, built by fit() from the estimator as it is then
        self.latest_tuning_job: _TuningJob | None = None

    def hyperparameter_ranges(self) -> dict:
        """The ranges as CreateHyperParameterTuningJob's ``ParameterRanges``."""
        from helpers.platform.tuning.parameters import parameter_ranges

        return parameter_ranges(self._hyperparameter_ranges)

    def _kit_tuner(self):
        return kit.HyperparameterTuner(
            self.estimator._model_trainer(), self.objective_metric_name, self._hyperparameter_ranges,
            metric_definitions=self.metric_definitions, strategy=self.strategy, objective_type=self.objective_type,
            max_jobs=self.max_jobs, max_parallel_jobs=self.max_parallel_jobs,
            max_runtime_in_seconds=self.max_runtime_in_seconds, base_tuning_job_name=self.base_tuning_job_name,
            strategy_config=self.strategy_config, early_stopping_type=self.early_stopping_type,
            random_seed=self.random_seed, **self._sdk_only)

    def fit(self, inputs=None, job_name: str | None = None, include_cls_metadata: bool = False,
            estimator_kwargs: dict | None = None, wait: bool = True, **kwargs) -> None:
        """Start the tuning job on ``inputs`` (the estimator's ``fit`` forms: an s3 URI, a dict channel ->
        URI or ``TrainingInput``, or a first-party algorithm's RecordSet(s)); ``kwargs`` go to the
        estimator (``mini_batch_size=`` for first-party algorithms). With ``wait=True`` block until
        every trial has ended (FailedStatusError if the tuning job failed)."""
        if estimator_kwargs:
            raise ValueError("estimator_kwargs is for a tuner of several estimators (create_with_multiple_"
                             "estimators), which the local backend does not run: tune one estimator.")
        warn_ignored("HyperparameterTuner.fit", ["include_cls_metadata"] if include_cls_metadata else [],
                     "it names framework estimator classes, which the kit's images do not read")
        self.estimator._prepare_for_tuning(inputs, job_name=job_name, **kwargs)
        channels = self.estimator._channels(inputs)
        self._tuner = self._kit_tuner()
        try:
            self._tuner.tune(inputs=channels, job_name=job_name, wait=wait)
        finally:
            job = self._tuner.latest_tuning_job
            if job is not None:
                self.latest_tuning_job = _TuningJob(self.estimator.sagemaker_session, _job_name(job), job)

    @classmethod
    def attach(cls, tuning_job_name: str, sagemaker_session=None, estimator_cls=None) -> "HyperparameterTuner":
        """A tuner for an existing tuning job: ``best_training_job()``, ``deploy()``, ``analytics()`` work."""
        from helpers.platform.v2.estimator import Estimator

        described = describe_hyper_parameter_tuning_job(tuning_job_name)
        definition = described.get("TrainingJobDefinition", {})
        resources = definition.get("ResourceConfig", {})
        estimator = (estimator_cls or Estimator)(
            image_uri=definition.get("AlgorithmSpecification", {}).get("TrainingImage"), role=definition.get("RoleArn"),
            instance_count=resources.get("InstanceCount", 1), instance_type=resources.get("InstanceType", "ml.m5.xlarge"),
            output_path=definition.get("OutputDataConfig", {}).get("S3OutputPath"),
            hyperparameters=dict(definition.get("StaticHyperParameters") or {}), sagemaker_session=sagemaker_session)
        config = described.get("HyperParameterTuningJobConfig", {})
        objective = config.get("HyperParameterTuningJobObjective", {})
        limits = config.get("ResourceLimits", {})
        tuner = cls(estimator, objective.get("MetricName"), ranges_from_description(config.get("ParameterRanges", {})),
                    strategy=config.get("Strategy", "Bayesian"), objective_type=objective.get("Type", "Maximize"),
                    max_jobs=limits.get("MaxNumberOfTrainingJobs"),
                    max_parallel_jobs=limits.get("MaxParallelTrainingJobs", 1))
        tuner.latest_tuning_job = _TuningJob(sagemaker_session, tuning_job_name)
        return tuner

    # ----------------------------------------------------------------------------- results
    def _ensure_last_tuning_job(self) -> _TuningJob:
        if self.latest_tuning_job is None:
            raise ValueError("No tuning job available: call tuner.fit(inputs) first.")
        return self.latest_tuning_job

    def wait(self) -> None:
        self._ensure_last_tuning_job().wait()

    def stop_tuning_job(self) -> None:
        self._ensure_last_tuning_job().stop()

    def describe(self) -> dict:
        """DescribeHyperParameterTuningJob of the latest tuning job (boto3's dict; SDK v3's attributes too)."""
        from helpers.platform.tuning.tuner import Description

        return Description(self._ensure_last_tuning_job().describe())

    def best_training_job(self) -> str:
        """The name of the best training job of the latest tuning job."""
        description = self.describe()
        best = description.get("BestTrainingJob")
        if not best:
            why = description.get("FailureReason") or (
                "it is still running: tuner.wait() first" if description.get("HyperParameterTuningJobStatus")
                == "InProgress" else "no training job reported the objective metric")
            raise ValueError(f"Best training job not available for tuning job {self.latest_tuning_job.name}: {why}.")
        return best["TrainingJobName"]

    def best_estimator(self, best_training_job: str | None = None):
        """A copy of the estimator attached to the best training job (its model deploys)."""
        name = best_training_job or self.best_training_job()
        estimator = copy.copy(self.estimator)
        estimator.latest_training_job = _TrainingJob(estimator.sagemaker_session, name)
        return estimator

    def deploy(self, initial_instance_count: int, instance_type: str, serializer=None, deserializer=None,
               accelerator_type=None, endpoint_name: str | None = None, wait: bool = True,
               model_name: str | None = None, kms_key=None, data_capture_config=None, **kwargs):
        """Deploy the best training job's model; returns the estimator's predictor (a v2 ``Predictor``
        for a plain ``Estimator``)."""
        return self.best_estimator().deploy(
            initial_instance_count=initial_instance_count, instance_type=instance_type, serializer=serializer,
            deserializer=deserializer, accelerator_type=accelerator_type, endpoint_name=endpoint_name, wait=wait,
            model_name=model_name, kms_key=kms_key, data_capture_config=data_capture_config, **kwargs)

    def analytics(self) -> HyperparameterTuningJobAnalytics:
        """The trials of the latest tuning job (``.dataframe()``: one row per training job); the SDK's
        analytics on the sagemaker backend."""
        job = self._ensure_last_tuning_job()
        if self._tuner is not None and job._job is not None:
            return self._tuner.analytics()
        return HyperparameterTuningJobAnalytics(job.name)

    def __repr__(self) -> str:
        return (f"HyperparameterTuner(estimator={self.estimator!r}, objective={self.objective_metric_name!r}, "
                f"max_jobs={self.max_jobs})")
