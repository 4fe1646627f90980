"""The ``sagemaker`` backend's training: the same ``ModelTrainer(...).train(...)`` calls, sent through the real
SageMaker Python SDK v3 (imported here only, never on the local path).

Our config objects (``InputData``, ``SourceCode``, ``Compute``...) are converted field by field to
the SDK's; built-in algorithms' hyperparameters are still validated locally first, so a typo fails
in a second instead of after a paid instance starts. Failures surface as our
``FailedStatusError`` (with ``.description``, the DescribeTrainingJob dict) like on the local backend.

Needs AWS credentials, a region and an execution role (``role=...`` or the SDK's config file);
tests run it against moto.
"""

from __future__ import annotations

from helpers.algorithms.errors import HyperparameterError as RefusedHyperparameters
from helpers.platform import builtins
from helpers.platform.aws.sdk import client, sdk_session, to_sdk
from helpers.platform.backend import default_region
from helpers.platform.errors import FailedStatusError, HyperparameterError
from helpers.platform.metrics import normalise
from helpers.platform.configs import Channel, DataSource, InputData, S3DataSource
from helpers.platform.validation import (check_algorithm_channels, channel_options, load_hyperparameters,
                                         merge_channels, shuffle_seed)


def _sdk_s3_data_source(source: S3DataSource):
    from sagemaker.core import shapes

    return shapes.S3DataSource(**{k: v for k, v in vars(source).items() if v is not None})


def sdk_channel(channel):
    """Our ``InputData`` / ``Channel`` -> the SDK's (an SDK object is returned as is). An ``InputData`` whose
    source is a plain URI stays an ``InputData`` (the SDK makes it an S3Prefix, FullyReplicated, File channel);
    one with an ``S3DataSource``, or a ``Channel``, becomes the SDK's ``Channel`` with every option, so
    CreateTrainingJob (and the tuner's training job definition) carries them."""
    from sagemaker.core import shapes
    from sagemaker.core.training import configs as sdk

    if isinstance(channel, shapes.Channel):
        return channel
    if isinstance(channel, InputData) and isinstance(channel.data_source, S3DataSource):
        channel = Channel(channel_name=channel.channel_name, data_source=channel.data_source,
                          content_type=channel.content_type)
    if isinstance(channel, Channel):
        source = channel.data_source
        s3 = source.s3_data_source if isinstance(source, DataSource) else source
        options = {k: getattr(channel, k) for k in ("content_type", "compression_type", "record_wrapper_type",
                                                    "input_mode") if getattr(channel, k) is not None}
        seed = shuffle_seed(channel)
        if seed is not None:
            options["shuffle_config"] = shapes.ShuffleConfig(seed=seed)
        return shapes.Channel(channel_name=channel.channel_name,
                              data_source=shapes.DataSource(s3_data_source=_sdk_s3_data_source(s3)), **options)
    return to_sdk(channel, sdk.InputData)


def _boto_session(session):
    return getattr(session, "boto_session", None)


def _describe(boto_session, name: str) -> dict:
    description = client(boto_session).describe_training_job(TrainingJobName=name)
    description.pop("ResponseMetadata", None)
    return description


class RemoteTrainingJob:
    """A SageMaker training job with the same surface as the local ``TrainingJob``: ``describe()``,
    ``wait()``, ``stop()``, and the SDK resource's snake_case attributes."""

    def __init__(self, sdk_job, boto_session=None):
        self._job = sdk_job
        self._boto_session = boto_session
        self.training_job_name = sdk_job.training_job_name

    @property
    def name(self) -> str:
        return self.training_job_name

    def describe(self) -> dict:
        return _describe(self._boto_session, self.training_job_name)

    def refresh(self) -> "RemoteTrainingJob":
        self._job.refresh()
        return self

    def wait(self, poll: float = 5, timeout: float | None = None, logs: bool = False) -> None:
        from sagemaker.core.utils.exceptions import FailedStatusError as SDKFailedStatusError

        try:
            self._job.wait(poll=int(max(1, poll)), timeout=timeout, logs=logs)
        except SDKFailedStatusError as exc:
            description = self.describe()
            raise FailedStatusError("TrainingJob", description.get("TrainingJobStatus", "Failed"),
                                    description.get("FailureReason", "(Unknown)"), description) from exc

    def stop(self) -> None:
        self._job.stop()

    def __getattr__(self, item: str):
        if item.startswith("_"):
            raise AttributeError(item)
        return getattr(self._job, item)

    def __repr__(self) -> str:
        return f"RemoteTrainingJob(training_job_name={self.training_job_name!r})"


class SageMakerModelTrainer:
    """What ``helpers.platform.ModelTrainer(...)`` returns when the backend is ``sagemaker``."""

    def __init__(self, *, training_image=None, algorithm_name=None, source_code=None, compute=None,
                 hyperparameters=None, base_job_name=None, output_data_config=None, stopping_condition=None,
                 input_data_config=None, environment=None, sagemaker_session=None, role=None,
                 training_input_mode="File", **sdk_only):
        from sagemaker.core.training import configs as sdk
        from sagemaker.train.model_trainer import ModelTrainer as SDKModelTrainer

        try:
            self._algorithm = builtins.algorithm_for_image(training_image) if training_image else None
        except ValueError:
            self._algorithm = None  # a custom container: SageMaker can run it, we just cannot check it
        if self._algorithm in builtins.REPOSITORIES.values() and "/" not in training_image:
            # a bare built-in name works locally; SageMaker needs the real image
            from helpers.platform import image_uris

            region = getattr(sagemaker_session, "boto_region_name", None) or default_region()
            try:
                training_image = image_uris.retrieve(self._algorithm, region)
            except ValueError as exc:
                raise ValueError(f"On SageMaker the training image must be an ECR URI: pass "
                                 f"training_image=image_uris.retrieve({self._algorithm!r}, {region!r}, ...). {exc}") from None
        self.hyperparameters = load_hyperparameters(hyperparameters)
        kwargs = dict(
            training_image=training_image, algorithm_name=algorithm_name,
            source_code=to_sdk(source_code, sdk.SourceCode), compute=to_sdk(compute, sdk.Compute),
            hyperparameters=self.hyperparameters, base_job_name=base_job_name,
            output_data_config=to_sdk(output_data_config, sdk.OutputDataConfig),
            stopping_condition=to_sdk(stopping_condition, sdk.StoppingCondition),
            input_data_config=[sdk_channel(c) for c in input_data_config] if input_data_config else None,
            environment=dict(environment or {}), sagemaker_session=sagemaker_session or sdk_session(), role=role,
            training_input_mode=training_input_mode, **sdk_only)
        self._sdk = SDKModelTrainer(**{k: v for k, v in kwargs.items() if v is not None})
        self._latest_training_job: RemoteTrainingJob | None = None

    @property
    def builtin_algorithm(self) -> str | None:
        """The built-in algorithm the image runs (None for a framework or custom image)."""
        return self._algorithm

    @property
    def sdk_trainer(self):
        """The underlying ``sagemaker.train.ModelTrainer``."""
        return self._sdk

    @property
    def latest_training_job(self) -> RemoteTrainingJob | None:
        return self._latest_training_job

    def with_metric_definitions(self, metric_definitions) -> "SageMakerModelTrainer":
        from sagemaker.core.training.configs import MetricDefinition

        self._sdk.with_metric_definitions(
            [MetricDefinition(name=d["Name"], regex=d["Regex"]) for d in normalise(metric_definitions)])
        return self

    def _validate_locally(self, input_data_config) -> None:
        """The local backend's checks (helpers.platform.validation), before anything is sent."""
        channels = merge_channels(self._sdk.input_data_config, input_data_config)
        for channel in channels:  # the same option checks as the local backend's
            channel_options(channel, self._sdk.training_input_mode)
        if self._algorithm is None:
            return
        try:
            algorithm = builtins.load(self._algorithm)
        except ValueError:
            return  # not implemented locally: SageMaker will validate
        from helpers.platform.opt_ml import safe_serialize

        try:
            algorithm.validate_hyperparameters({k: safe_serialize(v) for k, v in self.hyperparameters.items()})
        except RefusedHyperparameters as exc:  # a FailedStatusError, as SageMaker's failed job; none was sent
            raise HyperparameterError(str(exc)) from None
        check_algorithm_channels(self._algorithm, algorithm, [c.channel_name for c in channels])

    def train(self, input_data_config=None, wait: bool = True, logs: bool = True, dry_run: bool = False):
        from sagemaker.core.utils.exceptions import FailedStatusError as SDKFailedStatusError

        self._validate_locally(input_data_config)
        channels = [sdk_channel(c) for c in input_data_config] if input_data_config else None
        try:
            self._sdk.train(input_data_config=channels, wait=wait, logs=logs, dry_run=dry_run)
        except SDKFailedStatusError as exc:
            self._remember_job()
            description = self._latest_training_job.describe() if self._latest_training_job else {}
            raise FailedStatusError("TrainingJob", description.get("TrainingJobStatus", "Failed"),
                                    description.get("FailureReason", "(Unknown)"), description) from exc
        self._remember_job()
        return None

    def _remember_job(self) -> None:
        job = getattr(self._sdk, "_latest_training_job", None)
        if job is not None:
            self._latest_training_job = RemoteTrainingJob(job, _boto_session(self._sdk.sagemaker_session))

    def __getattr__(self, item: str):
        if item.startswith("__") or item in ("_sdk", "_algorithm", "_latest_training_job"):
            raise AttributeError(item)
        return getattr(self._sdk, item)

    def __repr__(self) -> str:
        return f"SageMakerModelTrainer(training_image={self._sdk.training_image!r}, base_job_name={self._sdk.base_job_name!r})"


def list_training_jobs(name_contains: str | None = None, status_equals: str | None = None,
                       max_results: int = 100, sort_order: str = "Descending") -> list[dict]:
    args = {"MaxResults": max_results, "SortOrder": sort_order, "SortBy": "CreationTime"}
    if name_contains:
        args["NameContains"] = name_contains
    if status_equals:
        args["StatusEquals"] = status_equals
    return client().list_training_jobs(**args)["TrainingJobSummaries"]


def describe_training_job(name: str) -> dict:
    return _describe(None, name)
