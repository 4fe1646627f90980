"""``HyperparameterTuner``: SageMaker SDK v3's automatic model tuning, run on the local platform.

Same constructor and methods as ``sagemaker.train.tuner.HyperparameterTuner``::

    tuner = HyperparameterTuner(
        model_trainer=trainer,                       # a ModelTrainer with the static hyperparameters
        objective_metric_name="validation:auc",
        hyperparameter_ranges={"eta": ContinuousParameter(0.01, 0.5, scaling_type="Logarithmic"),
                               "max_depth": IntegerParameter(2, 10)},
        strategy="Bayesian", objective_type="Maximize", max_jobs=20, max_parallel_jobs=2)
    tuner.tune(inputs=[InputData(channel_name="train", data_source=train_uri),
                       InputData(channel_name="validation", data_source=validation_uri)])
    tuner.best_training_job()            # the best trial's training job name
    tuner.analytics().dataframe()        # every trial: hyperparameters, status, objective, times
    tuner.describe()                     # DescribeHyperParameterTuningJob

Each trial is a real local training job (its own process, job.json, log, model.tar.gz), started with
the trainer's hyperparameters plus the tuned ones; at most ``max_parallel_jobs`` run at once. Bad
settings are refused before the first training job starts. With the ``sagemaker`` backend the same
constructor returns a tuner that sends CreateHyperParameterTuningJob through the real SDK.

Local choices SageMaker does not document: Bayesian search is optuna's TPE (a third of the budget, 2
to 10 trials, random first); ``scaling_type="Auto"`` means linear; no ``random_seed`` means seed 0,
so a tuning job repeats; each trial gets ``cores / max_parallel_jobs`` OpenMP threads.
"""

from __future__ import annotations

import copy
import re

from helpers.platform import builtins, jobs
from helpers.platform.backend import Twin
from helpers.platform.configs import InputData
from helpers.platform.metrics import normalise
from helpers.platform.tuning import records, validation
from helpers.platform.tuning.analytics import HyperparameterTuningJobAnalytics
from helpers.platform.tuning.parameters import parameter_ranges
from helpers.platform.tuning.runner import TuningRun, trial_environment_threads
from helpers.platform.validation import channel_options

#: SDK arguments the local backend does not implement; refused unless left at their defaults.
_SDK_ONLY = ("tags", "warm_start_config", "completion_criteria_config", "model_trainer_name", "autotune",
             "hyperparameters_to_keep_static")


# The objective rules of the built-in containers are part of the request's validation (both backends).
xgboost_objective_metric = validation.xgboost_objective_metric
CONTAINER_TUNING_RULES = validation.CONTAINER_TUNING_RULES


def _snake(pascal: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", pascal).lower()


def _with_attributes(value):
    if isinstance(value, dict) and not isinstance(value, Description):
        return Description(value)
    if isinstance(value, list):
        return [_with_attributes(item) for item in value]
    return value


class Description(dict):
    """A Describe* answer read both ways: as boto3's dict (``d["BestTrainingJob"]["TrainingJobName"]``)
    and with the snake_case attributes of SDK v3's resource objects
    (``d.best_training_job.training_job_name``), nested dicts and lists included."""

    def __getattr__(self, name: str):
        if not name.startswith("_"):
            for key, value in self.items():
                if isinstance(key, str) and _snake(key) == name:
                    return _with_attributes(value)
        fields = ", ".join(sorted(_snake(k) for k in self if isinstance(k, str)))
        raise AttributeError(f"{name!r} is not in this description (it has: {fields}).")

    def __getitem__(self, key):
        return _with_attributes(super().__getitem__(key))

    def get(self, key, default=None):
        return _with_attributes(super().get(key, default))


class HyperparameterTuner(Twin):
    """Search hyperparameters by running many local training jobs (see the module docstring).

    Args:
        model_trainer: the ``ModelTrainer`` whose jobs are tuned; its hyperparameters are the
            static ones (tuned names are overridden per trial).
        objective_metric_name: the metric that scores a trial, e.g. ``"validation:auc"``; a
            built-in algorithm's metric, or one of ``metric_definitions`` (script mode).
        hyperparameter_ranges: name -> ``ContinuousParameter`` / ``IntegerParameter`` /
            ``CategoricalParameter``.
        metric_definitions: ``[{"Name": ..., "Regex": ...}]`` for script mode (default: the
            trainer's ``with_metric_definitions``).
        strategy: ``"Bayesian"`` (default), ``"Random"``, ``"Hyperband"`` or ``"Grid"`` (categorical
            ranges only; runs every combination).
        objective_type: ``"Maximize"`` (default) or ``"Minimize"``.
        max_jobs: training jobs in total (default 1, as in the SDK; Grid: the number of combinations).
        max_parallel_jobs: training jobs at a time (default 1).
        max_runtime_in_seconds: stop the whole tuning job after this many seconds.
        base_tuning_job_name: tuning job names are ``<base>-<yymmdd-HHMMSS>`` (32 characters at most).
        strategy_config: Hyperband's ``{"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 50}}``
            (resources = epochs or boosting rounds; MaxResource defaults to an ``epochs`` hyperparameter).
        early_stopping_type: ``"Auto"`` stops a trial whose objective at some epoch is worse than the
            median of the earlier trials' running averages at that epoch (SageMaker's rule); ``"Off"``.
        random_seed: seeds the search, so the same seed proposes the same trials.
    """

    TUNING_JOB_NAME_MAX_LENGTH = records.MAX_NAME

    def __init__(self, model_trainer, objective_metric_name: str, hyperparameter_ranges: dict,
                 metric_definitions: list[dict] | None = None, strategy: str = "Bayesian",
                 objective_type: str = "Maximize", max_jobs: int | None = None, max_parallel_jobs: int = 1,
                 max_runtime_in_seconds: int | None = None, base_tuning_job_name: str | None = None,
                 strategy_config=None, early_stopping_type: str = "Off", random_seed: int | None = None,
                 **sdk_only):
        from helpers.platform.trainer import ModelTrainer

        unknown = sorted(set(sdk_only) - set(_SDK_ONLY))
        if unknown:
            raise TypeError(f"HyperparameterTuner() got unexpected argument(s) {', '.join(unknown)}.")
        unsupported = sorted(k for k, v in sdk_only.items() if v not in (None, False, [], {}))
        if unsupported:
            raise ValueError(f"The local backend does not implement {', '.join(unsupported)}; leave "
                             f"{'it' if len(unsupported) == 1 else 'them'} out (use_backend('sagemaker') has them).")
        if not isinstance(model_trainer, ModelTrainer):
            raise TypeError(f"model_trainer must be a helpers.platform.ModelTrainer, not {type(model_trainer).__name__}.")
        self._algorithm_name = model_trainer.builtin_algorithm
        self._algorithm = builtins.load(self._algorithm_name) if self._algorithm_name else None
        self.metric_definitions = normalise(metric_definitions) if metric_definitions else None
        request = validation.check_request(
            algorithm_name=self._algorithm_name, algorithm=self._algorithm,
            trainer_hyperparameters=model_trainer.hyperparameters,
            metric_definitions=self.metric_definitions or model_trainer.metric_definitions,
            objective_metric_name=objective_metric_name, hyperparameter_ranges=hyperparameter_ranges,
            strategy=strategy, objective_type=objective_type, max_jobs=max_jobs, max_parallel_jobs=max_parallel_jobs,
            max_runtime_in_seconds=max_runtime_in_seconds, base_tuning_job_name=base_tuning_job_name,
            strategy_config=strategy_config, early_stopping_type=early_stopping_type, random_seed=random_seed)
        self.model_trainer = model_trainer
        self.strategy = strategy
        self._hyperparameter_ranges = request.ranges
        self.max_jobs = request.max_jobs
        self.objective_type = objective_type
        self.max_parallel_jobs = max_parallel_jobs
        self.early_stopping_type = early_stopping_type
        self.random_seed = random_seed
        self.strategy_config = strategy_config
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_tuning_job_name = base_tuning_job_name
        self.objective_metric_name = request.objective_metric_name
        self._script_metrics = request.metric_definitions
        self.static_hyperparameters = request.static_hyperparameters
        self._hyperband = request.hyperband
        self.latest_tuning_job: records.HyperParameterTuningJob | None = None
        self._current_job_name: str | None = None
        self._run: TuningRun | None = None

    # ----------------------------------------------------------------- the SDK's accessors
    def hyperparameter_ranges(self) -> dict:
        """The ranges as CreateHyperParameterTuningJob's ``ParameterRanges`` (values as strings)."""
        return parameter_ranges(self._hyperparameter_ranges)

    @property
    def sagemaker_session(self):
        return self.model_trainer.sagemaker_session

    def _trial_extras(self, hyperparameters: dict) -> dict:
        """What the tuning job adds to every trial's hyperparameters (built-in algorithms only)."""
        return validation.trial_extras(self._algorithm_name, self.objective_metric_name, hyperparameters)

    def _trial_hyperparameters(self, tuned: dict[str, str]) -> dict[str, str]:
        return self._trial_extras({**self.static_hyperparameters, **tuned})

    # ----------------------------------------------------------------- tuning
    def tune(self, inputs=None, job_name: str | None = None, wait: bool = True, input_data_config=None, **kwargs):
        """Start the tuning job; with ``wait=True`` (default) block until every trial has ended, and
        raise FailedStatusError if the tuning job ended Failed (every trial failed, say), as SDK v3 does.

        ``inputs``: a list of ``InputData`` (or ``input_data_config=``), a dict channel -> s3 URI, or
        one s3 URI (the ``training`` channel, as in the SDK). Returns None, like the SDK; the job is
        ``tuner.latest_tuning_job``.
        """
        if kwargs:
            raise TypeError(f"tune() got unexpected argument(s) {', '.join(sorted(kwargs))}.")
        if inputs is not None and input_data_config is not None:
            raise ValueError("Pass the channels once: inputs=[...] or input_data_config=[...], not both.")
        channels = _channels(inputs if inputs is not None else input_data_config)
        trainer = self._trial_trainer()
        names = {c.channel_name for c in trainer.channels(channels)}
        validation.check_objective_channel(self.objective_metric_name, self._algorithm_name, names)
        first = {name: (spec.values[0] if hasattr(spec, "values") else spec.format(spec.probe_values()[0]))
                 for name, spec in self._hyperparameter_ranges.items()}
        trainer.start_job(channels, hyperparameters=self._trial_hyperparameters(first), dry_run=True)

        base = self.base_tuning_job_name or _repo_name(self.model_trainer.training_image)
        name = records.reserve_name(base, job_name)
        self._current_job_name = name
        record = self._initial_record(name, trainer, channels)
        records.write(name, record)
        run = TuningRun(name, record, trainer, channels, self._hyperparameter_ranges, self.objective_metric_name,
                        self.objective_type, self.strategy, self.max_jobs, self.max_parallel_jobs,
                        self.early_stopping_type, self.random_seed, self._hyperband, self._trial_hyperparameters,
                        self.max_runtime_in_seconds)
        self._run = run
        self.latest_tuning_job = records.HyperParameterTuningJob(name)
        if not wait:
            run.start_in_background()
            return None
        from helpers.progress import progress

        steps = run.steps()
        try:
            for _ in progress(steps, total=self.max_jobs, desc="tuning", unit="job"):
                pass
        finally:
            steps.close()  # an interrupt outside the loop still stops the trials and closes the record
        print(run.summary_line())
        records.raise_if_failed(self.latest_tuning_job.describe())
        return None

    def _trial_trainer(self):
        """A copy of the trainer for the trials: the tuner's metric definitions, a share of the cores."""
        trainer = copy.copy(self.model_trainer)
        trainer.environment = dict(self.model_trainer.environment)
        trainer.environment.setdefault("OMP_NUM_THREADS", trial_environment_threads(self.max_parallel_jobs))
        if self._algorithm is None and self.metric_definitions:
            trainer.with_metric_definitions(self.metric_definitions)
        return trainer

    def _initial_record(self, name: str, trainer, channels) -> dict:
        import os

        from helpers.platform.jobs import process_started

        session = trainer.sagemaker_session
        region = session.boto_region_name
        config = {
            "Strategy": self.strategy,
            "HyperParameterTuningJobObjective": {"Type": self.objective_type, "MetricName": self.objective_metric_name},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": self.max_jobs,
                               "MaxParallelTrainingJobs": self.max_parallel_jobs,
                               **({"MaxRuntimeInSeconds": self.max_runtime_in_seconds}
                                  if self.max_runtime_in_seconds else {})},
            "ParameterRanges": self.hyperparameter_ranges(),
            "TrainingJobEarlyStoppingType": self.early_stopping_type,
        }
        if self.random_seed is not None:
            config["RandomSeed"] = self.random_seed
        if self._hyperband is not None:
            config["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": self._hyperband[0],
                                                                    "MaxResource": self._hyperband[1]}}
        metric_definitions = (self._algorithm.metric_definitions() if self._algorithm is not None
                              else trainer.metric_definitions)
        definition = {
            "StaticHyperParameters": dict(self.static_hyperparameters),
            "AlgorithmSpecification": {"TrainingImage": trainer.training_image,
                                       "TrainingInputMode": trainer.training_input_mode,
                                       "MetricDefinitions": metric_definitions},
            "RoleArn": trainer.role,
            "InputDataConfig": [options.channel(str(options.source)) for options in (  # every channel option
                channel_options(c, trainer.training_input_mode) for c in trainer.channels(channels))],
            "OutputDataConfig": {"S3OutputPath": trainer.output_data_config.s3_output_path},
            "ResourceConfig": {"InstanceType": trainer.compute.instance_type,
                               "InstanceCount": trainer.compute.instance_count,
                               "VolumeSizeInGB": trainer.compute.volume_size_in_gb or 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": int(trainer.stopping_condition.max_runtime_in_seconds)},
        }
        stamp = jobs.now()
        return {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": f"arn:aws:sagemaker:{region}:{session.account_id()}:"
                                          f"hyper-parameter-tuning-job/{name}",
            "HyperParameterTuningJobConfig": config,
            "TrainingJobDefinition": definition,
            "HyperParameterTuningJobStatus": "InProgress",
            "CreationTime": stamp,
            "LastModifiedTime": stamp,
            "TrainingJobStatusCounters": {"Completed": 0, "InProgress": 0, "RetryableError": 0,
                                          "NonRetryableError": 0, "Stopped": 0},
            "ObjectiveStatusCounters": {"Succeeded": 0, "Pending": 0, "Failed": 0},
            jobs.PRIVATE: {"MonitorPid": os.getpid(), "MonitorStarted": process_started(os.getpid()),
                           "TrainingJobSummaries": [], "Trials": {}},
        }

    # ----------------------------------------------------------------- results
    def _ensure_last_tuning_job(self) -> None:
        if self.latest_tuning_job is None:
            raise ValueError("No tuning job available: call tuner.tune(inputs=[...]) first.")

    def describe(self) -> Description:
        """DescribeHyperParameterTuningJob of the latest tuning job: the dict boto3 returns, whose fields
        also read as SDK v3's ``HyperParameterTuningJob`` attributes (``.best_training_job.training_job_name``)."""
        self._ensure_last_tuning_job()
        return Description(self.latest_tuning_job.describe())

    def wait(self) -> None:
        """Block until the latest tuning job ends; FailedStatusError if it ended Failed (as SDK v3: the
        job's own ``wait()`` raises it, so ``except`` clauses written for SageMaker work)."""
        self._ensure_last_tuning_job()
        self.latest_tuning_job.wait()

    def stop_tuning_job(self) -> None:
        """Stop the latest tuning job: running training jobs are stopped, no new ones start."""
        self._ensure_last_tuning_job()
        self.latest_tuning_job.stop()

    def best_training_job(self) -> str:
        """The name of the best training job (by its final objective value) of the latest tuning job."""
        description = self.describe()
        best = description.get("BestTrainingJob")
        if not best:
            status = description.get("HyperParameterTuningJobStatus")
            why = description.get("FailureReason") or ("it is still running" if status == "InProgress" else "")
            raise ValueError(f"Best training job not available for tuning job "
                             f"{self.latest_tuning_job.name}: {why or 'no training job reported the objective.'}")
        return best["TrainingJobName"]

    def analytics(self) -> HyperparameterTuningJobAnalytics:
        """The trials of the latest tuning job; ``.dataframe()`` gives one row per training job."""
        self._ensure_last_tuning_job()
        return HyperparameterTuningJobAnalytics(self.latest_tuning_job.name)

    def __repr__(self) -> str:
        return (f"HyperparameterTuner(strategy={self.strategy!r}, objective={self.objective_metric_name!r} "
                f"({self.objective_type}), max_jobs={self.max_jobs}, max_parallel_jobs={self.max_parallel_jobs})")


def _repo_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def _channels(inputs) -> list[InputData]:
    """The SDK's ``inputs`` forms, as InputData: a list, a dict channel -> URI, or one URI."""
    if inputs is None:
        return []
    if isinstance(inputs, str):
        return [InputData(channel_name="training", data_source=inputs)]
    if isinstance(inputs, dict):
        return [InputData(channel_name=str(k), data_source=v) for k, v in inputs.items()]
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    raise TypeError(f"inputs must be a list of InputData, a dict of channel -> s3 URI, or an s3 URI; "
                    f"got {type(inputs).__name__}.")
