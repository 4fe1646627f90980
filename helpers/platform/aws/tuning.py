"""The ``sagemaker`` backend's tuning: the same ``HyperparameterTuner(...).tune(...)`` calls, sent as
CreateHyperParameterTuningJob through the real SDK v3 (``sagemaker.train.tuner``), imported here only.

The ranges, settings and objective are checked locally first (and, for a built-in algorithm, every
range against its hyperparameter schema), so a typo fails in a second instead of after a paid job
starts. Tests run it against moto.
"""

from __future__ import annotations

from helpers.platform import builtins
from helpers.platform.aws.sdk import client
from helpers.platform.aws.training import SageMakerModelTrainer, sdk_channel
from helpers.platform.metrics import normalise
from helpers.platform.tuning import validation
from helpers.platform.tuning.parameters import CategoricalParameter
from helpers.platform.tuning.tuner import Description


class SageMakerHyperparameterTuner:
    """What ``helpers.platform.HyperparameterTuner(...)`` returns when the backend is ``sagemaker``."""

    def __init__(self, model_trainer, objective_metric_name, hyperparameter_ranges, metric_definitions=None,
                 strategy="Bayesian", objective_type="Maximize", max_jobs=None, max_parallel_jobs=1,
                 max_runtime_in_seconds=None, base_tuning_job_name=None, strategy_config=None,
                 early_stopping_type="Off", random_seed=None, **sdk_only):
        from sagemaker.train.tuner import HyperparameterTuner as SDKTuner

        if not isinstance(model_trainer, SageMakerModelTrainer):
            raise TypeError("With the sagemaker backend, model_trainer must be a ModelTrainer created while that backend "
                            "was selected (use_backend('sagemaker') before ModelTrainer(...)).")
        self._algorithm_name = model_trainer.builtin_algorithm
        try:
            algorithm = builtins.load(self._algorithm_name) if self._algorithm_name else None
        except ValueError:
            algorithm = None  # not implemented locally: SageMaker validates it
        trainer_metrics = getattr(model_trainer.sdk_trainer, "_metric_definitions", None) or []
        definitions = normalise(metric_definitions) if metric_definitions else normalise(
            [{"Name": d.name, "Regex": d.regex} if not isinstance(d, dict) else d for d in trainer_metrics])
        request = validation.check_request(
            algorithm_name=self._algorithm_name, algorithm=algorithm,
            trainer_hyperparameters=model_trainer.hyperparameters, metric_definitions=definitions,
            objective_metric_name=objective_metric_name, hyperparameter_ranges=hyperparameter_ranges,
            strategy=strategy, objective_type=objective_type, max_jobs=max_jobs, max_parallel_jobs=max_parallel_jobs,
            max_runtime_in_seconds=max_runtime_in_seconds, base_tuning_job_name=base_tuning_job_name,
            strategy_config=strategy_config, early_stopping_type=early_stopping_type, random_seed=random_seed)
        ranges, max_jobs = request.ranges, request.max_jobs
        self.objective_metric_name = objective_metric_name
        self.model_trainer = model_trainer
        self._sdk = SDKTuner(
            model_trainer=model_trainer.sdk_trainer, objective_metric_name=objective_metric_name,
            hyperparameter_ranges={name: _range_to_sdk(spec) for name, spec in ranges.items()},
            metric_definitions=definitions or None, strategy=strategy, objective_type=objective_type,
            max_jobs=max_jobs, max_parallel_jobs=max_parallel_jobs, max_runtime_in_seconds=max_runtime_in_seconds,
            base_tuning_job_name=base_tuning_job_name, strategy_config=_strategy_config(strategy_config),
            early_stopping_type=early_stopping_type, random_seed=random_seed, **sdk_only)

    @property
    def sdk_tuner(self):
        """The underlying ``sagemaker.train.tuner.HyperparameterTuner``."""
        return self._sdk

    @property
    def latest_tuning_job(self):
        return self._sdk.latest_tuning_job

    def tune(self, inputs=None, job_name=None, wait: bool = True, input_data_config=None):
        inputs = inputs if inputs is not None else input_data_config
        if isinstance(inputs, (list, tuple)):
            inputs = [sdk_channel(c) for c in inputs]  # options (manifests, Gzip...) kept: SDK Channels
            if self._algorithm_name:
                names = {c.channel_name for c in inputs}
                validation.check_objective_channel(self.objective_metric_name, self._algorithm_name, names)
        self._sdk.tune(inputs=inputs, job_name=job_name, wait=wait)
        return None

    def describe(self) -> Description:
        """DescribeHyperParameterTuningJob (boto3's dict, with the SDK resource's snake_case attributes too)."""
        self._sdk._ensure_last_tuning_job()
        return Description(describe_hyper_parameter_tuning_job(self._sdk.latest_tuning_job.hyper_parameter_tuning_job_name))

    def best_training_job(self) -> str:
        return self._sdk.best_training_job()

    def analytics(self):
        return self._sdk.analytics()

    def wait(self) -> None:
        self._sdk.wait()

    def stop_tuning_job(self) -> None:
        self._sdk.stop_tuning_job()

    def hyperparameter_ranges(self) -> dict:
        return self._sdk.hyperparameter_ranges()

    def __getattr__(self, item: str):
        if item.startswith("__") or item in ("_sdk", "_algorithm_name"):
            raise AttributeError(item)
        return getattr(self._sdk, item)


def _range_to_sdk(spec):
    """Our ContinuousParameter / IntegerParameter / CategoricalParameter -> the SDK's of the same name."""
    from sagemaker.core import parameter

    if isinstance(spec, CategoricalParameter):
        return parameter.CategoricalParameter(list(spec.values))
    return getattr(parameter, type(spec).__name__)(spec.min_value, spec.max_value, scaling_type=spec.scaling_type)


def _strategy_config(config):
    """A dict in the API's shape -> the SDK's HyperParameterTuningJobStrategyConfig (objects pass through)."""
    if config is None or not isinstance(config, dict):
        return config
    from sagemaker.core.shapes import HyperbandStrategyConfig, HyperParameterTuningJobStrategyConfig

    hyperband = config.get("HyperbandStrategyConfig") or {}
    return HyperParameterTuningJobStrategyConfig(hyperband_strategy_config=HyperbandStrategyConfig(
        **{k: v for k, v in {"min_resource": hyperband.get("MinResource"),
                             "max_resource": hyperband.get("MaxResource")}.items() if v is not None}))


def describe_hyper_parameter_tuning_job(name: str) -> dict:
    description = client().describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    description.pop("ResponseMetadata", None)
    return description


def list_training_jobs_for_hyper_parameter_tuning_job(name: str) -> list[dict]:
    paginator = client().get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    return [s for page in paginator.paginate(HyperParameterTuningJobName=name) for s in page["TrainingJobSummaries"]]


def list_hyper_parameter_tuning_jobs(name_contains: str | None = None) -> list[dict]:
    """HyperParameterTuningJobSummaries in the account's region, newest first."""
    args = {"SortBy": "CreationTime", "SortOrder": "Descending"}
    if name_contains:
        args["NameContains"] = name_contains
    paginator = client().get_paginator("list_hyper_parameter_tuning_jobs")
    return [s for page in paginator.paginate(**args) for s in page["HyperParameterTuningJobSummaries"]]
