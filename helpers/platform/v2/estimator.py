"""SDK v2's ``sagemaker.estimator``: ``Estimator`` (a training image, ``fit``, ``deploy``,
``transformer``, ``attach``) on the kit's SDK v3 names.

Each ``fit()`` builds a ``helpers.platform.ModelTrainer`` from the estimator's settings and trains it,
so the job runs locally, or on SageMaker after ``use_backend("sagemaker")`` (the trainer's twin); the
estimator never reaches below the kit's public names. SDK v1 code runs too: its argument names
(``image_name``, ``train_instance_count``, ``train_instance_type``, ``train_volume_size``,
``train_max_run``...) are accepted with a DeprecationWarning naming the v2 name::

    estimator = Estimator(image_uris.retrieve("linear-learner", region), role,
                          instance_count=1, instance_type="ml.m5.xlarge", output_path=f"s3://{bucket}/out")
    estimator.set_hyperparameters(feature_dim=784, predictor_type="binary_classifier")
    estimator.fit({"train": TrainingInput(train_uri, content_type="text/csv")})
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")

Subclasses (``helpers.platform.v2.amazon``) override the hooks ``hyperparameters()``,
``_channels(inputs)``, ``_prepare_for_training(...)`` and ``_prepare_for_tuning(...)``.
"""

from __future__ import annotations

import warnings

import helpers.platform as kit
from helpers.platform.configs import Channel
from helpers.platform.errors import warn_ignored
from helpers.platform.v2.inputs import TrainingInput
from helpers.platform.v2.model import Model, script_source
from helpers.platform.v2.session import Session, kit_session, wait_until_done
from helpers.platform.v2.utils import base_name_from_image

#: SDK v1 argument -> its SDK v2 name.
V1_ALIASES = {"image_name": "image_uri", "train_instance_count": "instance_count",
              "train_instance_type": "instance_type", "train_volume_size": "volume_size",
              "train_volume_kms_key": "volume_kms_key", "train_max_run": "max_run",
              "train_use_spot_instances": "use_spot_instances", "train_max_wait": "max_wait"}

#: SDK v2 arguments SageMaker acts on that a local job does not: name -> the value that needs no warning.
_IGNORED = {"volume_kms_key": None, "tags": None, "subnets": None, "security_group_ids": None,
            "model_uri": None, "model_channel_name": "model", "encrypt_inter_container_traffic": False,
            "checkpoint_s3_uri": None, "checkpoint_local_path": None, "enable_network_isolation": False,
            "rules": None, "debugger_hook_config": None, "tensorboard_output_config": None,
            "enable_sagemaker_metrics": None, "profiler_config": None, "disable_profiler": False,
            "max_retry_attempts": None, "git_config": None, "container_log_level": None, "code_location": None,
            "dependencies": None, "instance_groups": None, "training_repository_access_mode": None,
            "training_repository_credentials_provider_arn": None, "container_entry_point": None,
            "container_arguments": None, "disable_output_compression": False, "enable_infra_check": None,
            "enable_remote_debug": None, "enable_session_tag_chaining": None, "training_plan": None}

#: SageMaker's default MaxRuntimeInSeconds in SDK v2 (one day).
DEFAULT_MAX_RUN = 24 * 60 * 60


def v2_arguments(owner: str, given: dict, aliases: dict[str, str]) -> dict:
    """``given`` with SDK v1 names replaced by their v2 names (a DeprecationWarning each); unknown
    names raise TypeError naming them."""
    renamed = {}
    for name, value in given.items():
        if name in aliases:
            new = aliases[name]
            warnings.warn(f"{owner}({name}=...) is SDK v1's name: use {new}= (SDK v2).", DeprecationWarning,
                          stacklevel=3)
            name = new
        renamed[name] = value
    return renamed


class _LatestJob:
    """SDK v2's ``latest_training_job`` / ``latest_tuning_job``: ``.name`` / ``.job_name`` and ``stop()``;
    a subclass adds ``describe()`` and ``wait()``."""

    #: stop()'s error for a job this kernel did not start, formatted with ``name`` (the job's, quoted)
    _STOP_ELSEWHERE: str

    def __init__(self, sagemaker_session, job_name: str, job=None):
        self.sagemaker_session = sagemaker_session
        self.job_name = job_name
        self._job = job  # the kit's job object (local, or the twin's on AWS), when this kernel started it

    @property
    def name(self) -> str:
        return self.job_name

    def stop(self) -> None:
        if self._job is None:
            raise ValueError(self._STOP_ELSEWHERE.format(name=repr(self.job_name)))
        self._job.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(job_name={self.job_name!r})"


class _TrainingJob(_LatestJob):
    """SDK v2's ``estimator.latest_training_job``: ``.name`` / ``.job_name``, ``describe()``, ``wait()``, ``stop()``."""

    _STOP_ELSEWHERE = ("Training job {name} was not started by this kernel: stop it with "
                       "boto3.client('sagemaker').stop_training_job(TrainingJobName={name}).")

    def describe(self) -> dict:
        """DescribeTrainingJob, as boto3 answers it."""
        return self._job.describe() if self._job is not None else kit.describe_training_job(self.job_name)

    def wait(self, logs="All") -> None:
        """Block until the job ends; raise FailedStatusError (also ``UnexpectedStatusException``) if it failed."""
        if self._job is not None:
            self._job.wait(logs=bool(logs) and logs != "None")
            return
        wait_until_done(self.describe, "TrainingJob")


class Estimator:
    """``sagemaker.estimator.Estimator`` (SDK v2) for a training image: built-in algorithm or your own.

    Args:
        image_uri: the training image (``image_uris.retrieve("xgboost", region, "1.7-1")``); v1: ``image_name``.
        role: the execution role ARN (``get_execution_role()``).
        instance_count, instance_type: required, as in SDK v2 (v1: ``train_instance_count``,
            ``train_instance_type``); recorded locally, where one process runs the job.
        volume_size: GB (v1 ``train_volume_size``); max_run: seconds (v1 ``train_max_run``; default one day).
        input_mode: ``"File"`` (default) or ``"Pipe"``/``"FastFile"`` (read as File locally).
        output_path: ``s3://`` prefix of the artifacts (default: the session's default bucket).
        base_job_name: job names are ``<base_job_name>-<timestamp>`` (default: the image's repository name).
        sagemaker_session: a v2 ``Session`` (or the kit's).
        hyperparameters: dict; ``set_hyperparameters(**kw)`` adds to it.
        metric_definitions: ``[{"Name": ..., "Regex": ...}]`` for your own image's log (built-ins bring theirs).
        environment: the job's environment variables.
        entry_point, source_dir: script mode on a framework image (``SourceCode`` in the kit).
        output_kms_key, use_spot_instances, max_wait: sent in the job's request.
        Others (VPC, KMS, debugger, profiler, checkpoints...): SageMaker's; accepted locally with an
        ``IgnoredArgumentWarning``.
    """

    predictor_cls = None  # a subclass sets it (KMeansPredictor...): deploy() then returns one

    def __init__(self, image_uri: str | None = None, role: str | None = None, instance_count: int | None = None,
                 instance_type: str | None = None, volume_size: int = 30, volume_kms_key=None,
                 max_run: int = DEFAULT_MAX_RUN, input_mode: str = "File", output_path: str | None = None,
                 output_kms_key: str | None = None, base_job_name: str | None = None, sagemaker_session=None,
                 hyperparameters: dict | None = None, tags=None, subnets=None, security_group_ids=None,
                 model_uri=None, model_channel_name: str = "model", metric_definitions: list | None = None,
                 encrypt_inter_container_traffic: bool = False, use_spot_instances: bool = False,
                 max_wait: int | None = None, checkpoint_s3_uri=None, checkpoint_local_path=None,
                 enable_network_isolation: bool = False, rules=None, debugger_hook_config=None,
                 tensorboard_output_config=None, enable_sagemaker_metrics=None, profiler_config=None,
                 disable_profiler: bool = False, environment: dict | None = None, max_retry_attempts=None,
                 source_dir: str | None = None, git_config=None, container_log_level=None, code_location=None,
                 entry_point: str | None = None, dependencies=None, instance_groups=None, **v1_or_more):
        given = v2_arguments(type(self).__name__, v1_or_more, V1_ALIASES)
        unknown = sorted(set(given) - set(_IGNORED) - {"image_uri", "instance_count", "instance_type", "volume_size",
                                                       "volume_kms_key", "max_run", "use_spot_instances", "max_wait"})
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected argument(s) {', '.join(unknown)}.")
        image_uri = given.pop("image_uri", image_uri)
        instance_count = given.pop("instance_count", instance_count)
        instance_type = given.pop("instance_type", instance_type)
        volume_size = given.pop("volume_size", volume_size)
        max_run = given.pop("max_run", max_run)
        use_spot_instances = given.pop("use_spot_instances", use_spot_instances)
        max_wait = given.pop("max_wait", max_wait)
        volume_kms_key = given.pop("volume_kms_key", volume_kms_key)
        if not image_uri and type(self).training_image_uri is Estimator.training_image_uri:
            raise ValueError(f"{type(self).__name__} needs image_uri, e.g. "
                             "image_uris.retrieve('linear-learner', session.boto_region_name).")
        if not instance_count or not instance_type:
            raise ValueError("instance_count and instance_type are required (SDK v2), e.g. "
                             "instance_count=1, instance_type='ml.m5.xlarge'.")
        ignored = dict(volume_kms_key=volume_kms_key, tags=tags, subnets=subnets, security_group_ids=security_group_ids,
                       model_uri=model_uri, model_channel_name=model_channel_name,
                       encrypt_inter_container_traffic=encrypt_inter_container_traffic,
                       checkpoint_s3_uri=checkpoint_s3_uri, checkpoint_local_path=checkpoint_local_path,
                       enable_network_isolation=enable_network_isolation, rules=rules,
                       debugger_hook_config=debugger_hook_config, tensorboard_output_config=tensorboard_output_config,
                       enable_sagemaker_metrics=enable_sagemaker_metrics, profiler_config=profiler_config,
                       disable_profiler=disable_profiler, max_retry_attempts=max_retry_attempts, git_config=git_config,
                       container_log_level=container_log_level, code_location=code_location,
                       dependencies=dependencies, instance_groups=instance_groups, **given)
        warn_ignored(type(self).__name__, [k for k, v in ignored.items() if v != _IGNORED[k]],
                     "a local training job is one process on this machine")
        self.image_uri = image_uri
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.volume_size = volume_size
        self.max_run = max_run
        self.input_mode = input_mode
        if input_mode != "File" and kit.current_backend() == "local":
            warn_ignored(type(self).__name__, [f"input_mode={input_mode!r}"],
                         "a local job reads its channels as files, in File mode; SageMaker streams them")
        self.output_path = output_path
        self.output_kms_key = output_kms_key
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session or Session()
        self.metric_definitions = metric_definitions
        self.use_spot_instances = use_spot_instances
        self.max_wait = max_wait
        self.environment = dict(environment or {})
        self.entry_point = entry_point
        self.source_dir = source_dir
        self._hyperparameters = dict(hyperparameters or {})
        self._current_job_name: str | None = None
        self.latest_training_job: _TrainingJob | None = None

    # ------------------------------------------------------------------------- hyperparameters
    def set_hyperparameters(self, **kwargs) -> None:
        """Add or replace hyperparameters (sent as strings, as SageMaker takes them)."""
        self._hyperparameters.update(kwargs)

    def hyperparameters(self) -> dict:
        """The hyperparameters the next job gets."""
        return dict(self._hyperparameters)

    def _hyperparameters_to_send(self) -> dict:
        """SDK v2's plain Estimator sends ``str(value)`` (True -> "True"; the kit's SDK v3 would send JSON)."""
        return {str(k): v if isinstance(v, str) else str(v) for k, v in self.hyperparameters().items() if v is not None}

    def training_image_uri(self) -> str:
        """The training image the next job runs (first-party algorithm classes compute it)."""
        return self.image_uri

    # ------------------------------------------------------------------------- the kit's trainer
    def _model_trainer(self):
        """A ``helpers.platform.ModelTrainer`` with this estimator's settings (the twin on AWS)."""
        source_code = script_source(self.entry_point, self.source_dir)
        image = self.training_image_uri()
        trainer = kit.ModelTrainer(
            training_image=image, source_code=source_code,
            compute=kit.Compute(instance_type=self.instance_type, instance_count=int(self.instance_count),
                                volume_size_in_gb=self.volume_size,
                                enable_managed_spot_training=self.use_spot_instances or None),
            hyperparameters=self._hyperparameters_to_send(),
            base_job_name=self._current_job_name or self.base_job_name or base_name_from_image(image),
            output_data_config=kit.OutputDataConfig(s3_output_path=self.output_path, kms_key_id=self.output_kms_key),
            stopping_condition=kit.StoppingCondition(max_runtime_in_seconds=self.max_run,
                                                     max_wait_time_in_seconds=self.max_wait),
            environment=self.environment, sagemaker_session=kit_session(self.sagemaker_session), role=self.role,
            training_input_mode=self.input_mode)
        if self.metric_definitions:
            if trainer.builtin_algorithm is None:
                trainer.with_metric_definitions(self.metric_definitions)
            else:
                warn_ignored(type(self).__name__, ["metric_definitions"],
                             f"the built-in {trainer.builtin_algorithm!r} algorithm reports its own metrics")
        return trainer

    def _channels(self, inputs) -> list:
        """SDK v2's ``fit(inputs)`` forms as the kit's ``InputData`` list: an s3 URI (the ``training``
        channel), a ``TrainingInput`` (``training``), or a dict channel -> URI or ``TrainingInput``."""
        if inputs is None:
            return []
        if isinstance(inputs, (str, TrainingInput)):
            inputs = {"training": inputs}
        if not isinstance(inputs, dict):
            raise TypeError(f"fit(inputs=...) takes an s3:// URI, a TrainingInput, or a dict of channel name -> "
                            f"s3 URI or TrainingInput (e.g. {{'train': train_uri}}), not {type(inputs).__name__}.")
        return [_input_data(str(name), value) for name, value in inputs.items()]

    def _prepare_for_training(self, job_name: str | None = None) -> None:
        """Called by ``fit()`` before the job is built (SDK v2's hook): remembers ``job_name``."""
        self._current_job_name = job_name

    def _prepare_for_tuning(self, inputs=None, job_name: str | None = None, **kwargs) -> None:
        """Called by ``HyperparameterTuner.fit(inputs, **kwargs)`` before its trials are built; first-party
        algorithm estimators override it (feature_dim and mini_batch_size from a RecordSet)."""
        if kwargs:
            raise TypeError(f"HyperparameterTuner.fit() got unexpected argument(s) {', '.join(sorted(kwargs))}.")
        self._prepare_for_training(job_name=None)

    # ------------------------------------------------------------------------- training
    def fit(self, inputs=None, wait: bool = True, logs="All", job_name: str | None = None,
            experiment_config=None) -> None:
        """Start a training job on ``inputs`` (an s3 URI, a ``TrainingInput``, or a dict channel -> either);
        with ``wait=True`` block until it ends, printing its log unless ``logs`` is False/"None".

        A failed job raises ``FailedStatusError`` (``except UnexpectedStatusException`` catches it too).
        ``job_name``: locally the job is named ``<job_name>-<timestamp>`` (a warning says so; read
        ``latest_training_job.name``).
        """
        self._prepare_for_training(job_name=job_name)
        self._start_new(inputs, wait=wait, logs=logs, experiment_config=experiment_config)

    def _start_new(self, inputs, wait: bool = True, logs="All", experiment_config=None) -> None:
        """Build the trainer, start its job on ``inputs`` (through ``_channels``) and keep it as ``latest_training_job``."""
        warn_ignored(f"{type(self).__name__}.fit", ["experiment_config"] if experiment_config else [],
                     "the local platform records no experiments")
        channels = self._channels(inputs)
        if self._current_job_name:
            warnings.warn(f"fit(job_name={self._current_job_name!r}): the job is named {self._current_job_name}-"
                          f"<timestamp> (the kit names every job from a base); latest_training_job.name has it.",
                          kit.IgnoredArgumentWarning, stacklevel=3)
        trainer = self._model_trainer()
        try:
            trainer.train(input_data_config=channels, wait=False)
        finally:  # a job refused at once still exists, Failed, as on SageMaker
            job = trainer.latest_training_job
            if job is not None:
                self.latest_training_job = _TrainingJob(self.sagemaker_session, job.name, job)
        if wait:
            self.latest_training_job.wait(logs=logs)

    def _ensure_latest_training_job(self) -> _TrainingJob:
        if self.latest_training_job is None:
            raise ValueError("Estimator is not associated with a training job: call fit(...) first "
                             "(or Estimator.attach(training_job_name)).")
        return self.latest_training_job

    @property
    def model_data(self) -> str:
        """The S3 URI of the latest job's ``model.tar.gz``."""
        description = self._ensure_latest_training_job().describe()
        artifacts = (description.get("ModelArtifacts") or {}).get("S3ModelArtifacts")
        if not artifacts:
            raise ValueError(f"Training job {description['TrainingJobName']} has no model yet (status "
                             f"{description['TrainingJobStatus']}): wait for it to complete.")
        return artifacts

    @property
    def training_job_analytics(self):
        raise NotImplementedError("training_job_analytics reads CloudWatch metrics: read "
                                  "latest_training_job.describe()['FinalMetricDataList'] instead.")

    @classmethod
    def attach(cls, training_job_name: str, sagemaker_session=None, model_channel_name: str = "model"):
        """An estimator for an existing training job (its settings from DescribeTrainingJob); the job's
        model deploys with ``deploy()``. Waits for the job to end, as SDK v2 does."""
        description = kit.describe_training_job(training_job_name)
        resources = description.get("ResourceConfig", {})
        estimator = Estimator(
            image_uri=description["AlgorithmSpecification"]["TrainingImage"], role=description.get("RoleArn"),
            instance_count=resources.get("InstanceCount", 1), instance_type=resources.get("InstanceType", "ml.m5.xlarge"),
            volume_size=resources.get("VolumeSizeInGB", 30),
            max_run=description.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", DEFAULT_MAX_RUN),
            output_path=description.get("OutputDataConfig", {}).get("S3OutputPath"),
            hyperparameters=dict(description.get("HyperParameters") or {}), sagemaker_session=sagemaker_session)
        if cls is not Estimator:  # a subclass keeps its predictor
            estimator.predictor_cls = cls.predictor_cls
        estimator.latest_training_job = _TrainingJob(sagemaker_session, training_job_name)
        estimator.latest_training_job.wait(logs="None")
        return estimator

    # ------------------------------------------------------------------------- models
    def create_model(self, role: str | None = None, image_uri: str | None = None, predictor_cls=None,
                     serializer=None, deserializer=None, entry_point: str | None = None,
                     source_dir: str | None = None, env: dict | None = None, name: str | None = None, **kwargs) -> Model:
        """A v2 ``Model`` of the latest job's artifact, served by ``image_uri`` (default: the training image).
        Its ``deploy()`` returns ``predictor_cls`` (default: this class's ``predictor_cls``, else a
        ``Predictor`` with ``serializer``/``deserializer``)."""
        job = self._ensure_latest_training_job()
        model_data = self.model_data  # one DescribeTrainingJob; a clear error if the job has no model
        predictor_cls = predictor_cls or self.predictor_cls or _predictor_factory(serializer, deserializer)
        return Model(image_uri or self.training_image_uri(), model_data=model_data, role=role or self.role,
                     predictor_cls=predictor_cls, env=env, name=name, sagemaker_session=self.sagemaker_session,
                     entry_point=entry_point, source_dir=source_dir, training_job_name=job.name, **kwargs)

    def deploy(self, initial_instance_count: int | None = None, instance_type: str | None = None,
               serializer=None, deserializer=None, accelerator_type=None, endpoint_name: str | None = None,
               use_compiled_model: bool = False, wait: bool = True, model_name: str | None = None,
               kms_key=None, data_capture_config=None, tags=None, **kwargs):
        """Deploy the latest job's model to an endpoint and return its predictor (``predictor_cls``, else
        a v2 ``Predictor``); ``serializer``/``deserializer`` set how ``predict`` sends and reads. The
        endpoint and the model are named after the training job unless ``endpoint_name``/``model_name`` say
        otherwise, as in SDK v2."""
        if use_compiled_model:
            raise ValueError("use_compiled_model needs a SageMaker Neo compilation job, which the kit does not run: "
                             "leave it out.")
        job_name = self._ensure_latest_training_job().name
        model = self.create_model(name=model_name or job_name, serializer=serializer, deserializer=deserializer)
        endpoint_name = endpoint_name or job_name
        return model.deploy(initial_instance_count=initial_instance_count, instance_type=instance_type,
                            serializer=serializer, deserializer=deserializer, endpoint_name=endpoint_name,
                            wait=wait, data_capture_config=data_capture_config, accelerator_type=accelerator_type,
                            kms_key=kms_key, tags=tags, **kwargs)

    def delete_endpoint(self) -> None:
        """SDK v1's ``estimator.delete_endpoint()``: delete the endpoint ``deploy()`` named after the latest job."""
        warnings.warn("Estimator.delete_endpoint() is SDK v1's: use predictor.delete_endpoint() (SDK v2).",
                      DeprecationWarning, stacklevel=2)
        self.sagemaker_session.delete_endpoint(self._ensure_latest_training_job().name)

    def logs(self) -> None:
        """Print the latest training job's log (waits for the job to end)."""
        self.sagemaker_session.logs_for_job(self._ensure_latest_training_job().name, wait=True)

    def transformer(self, instance_count: int, instance_type: str, strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None, output_kms_key=None,
                    accept: str | None = None, env: dict | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags=None, role: str | None = None, volume_kms_key=None,
                    model_name: str | None = None, **kwargs):
        """A v2 ``Transformer`` for batch transform with the latest job's model (created first)."""
        warn_ignored(f"{type(self).__name__}.transformer", [k for k, v in kwargs.items() if v is not None],
                     "a local batch job runs on no instance")
        model = self.create_model(role=role, name=model_name)
        return model.transformer(instance_count, instance_type, strategy=strategy, assemble_with=assemble_with,
                                 output_path=output_path, output_kms_key=output_kms_key, accept=accept, env=env,
                                 max_concurrent_transforms=max_concurrent_transforms, max_payload=max_payload,
                                 tags=tags, volume_kms_key=volume_kms_key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(image_uri={self.training_image_uri()!r}, instance_type={self.instance_type!r})"


def _input_data(name: str, value):
    if isinstance(value, TrainingInput):
        return value.to_input_data(name)
    if isinstance(value, str):  # SDK v2's local mode names local folders file://...: the kit reads (and uploads) paths
        return kit.InputData(channel_name=name, data_source=value.removeprefix("file://"))
    if isinstance(value, (kit.InputData, Channel)):
        return value
    raise TypeError(f"Channel {name!r}: give an s3:// URI or a TrainingInput(s3_data, content_type=...), "
                    f"not {type(value).__name__}.")


def _predictor_factory(serializer, deserializer):
    """SDK v2's default ``predictor_cls`` of a plain Estimator: a ``Predictor`` with these formats."""
    def predictor(endpoint_name, sagemaker_session=None):
        from helpers.platform.v2.predictor import Predictor  # V2B's module

        kwargs = {k: v for k, v in (("serializer", serializer), ("deserializer", deserializer)) if v is not None}
        return Predictor(endpoint_name, sagemaker_session=sagemaker_session, **kwargs)

    return predictor


class Framework(Estimator):
    """SDK v2's base of the script-mode estimators (``sagemaker.sklearn.SKLearn``...): ``entry_point`` (in
    ``source_dir``) runs in the framework's container, which is ``image_uris.retrieve(framework_name, region,
    framework_version)`` unless ``image_uri`` is given; locally the script runs in the course environment.

    Hyperparameters reach the script as ``--name value`` (SDK v2 JSON-encodes them and the container decodes
    them: strings arrive as they are, other values as JSON, as the kit's SDK v3 trainer sends them).
    """

    framework_name: str | None = None  # the image_uris framework a subclass runs

    def __init__(self, entry_point: str, source_dir: str | None = None, hyperparameters: dict | None = None,
                 framework_version: str | None = None, py_version: str | None = None, image_uri: str | None = None,
                 **kwargs):
        if not entry_point:
            raise ValueError(f"{type(self).__name__} needs entry_point='train.py' (the script that trains).")
        if framework_version is None and image_uri is None:
            raise ValueError(f"{type(self).__name__} needs framework_version (e.g. '1.2-1') or image_uri (SDK v2).")
        self.framework_version = framework_version
        self.py_version = py_version
        super().__init__(image_uri=image_uri, entry_point=entry_point, source_dir=source_dir,
                         hyperparameters=hyperparameters, **kwargs)

    def _hyperparameters_to_send(self) -> dict:
        return {str(k): v for k, v in self.hyperparameters().items() if v is not None}

    def _framework_image(self, image_scope: str) -> str:
        from helpers.platform.v2 import image_uris

        return image_uris.retrieve(self.framework_name, self.sagemaker_session.boto_region_name,
                                   version=self.framework_version, py_version=self.py_version,
                                   instance_type=self.instance_type, image_scope=image_scope)

    def training_image_uri(self) -> str:
        return self.image_uri or self._framework_image("training")

    def create_model(self, role: str | None = None, image_uri: str | None = None, predictor_cls=None,
                     serializer=None, deserializer=None, entry_point: str | None = None,
                     source_dir: str | None = None, env: dict | None = None, name: str | None = None, **kwargs) -> Model:
        """A model of the latest job served by the framework's inference image; the serving functions
        (``model_fn``, ``predict_fn``...) come from ``entry_point`` when given, else from the training job's
        folder (``inference.py``, or the training script when it defines ``model_fn``), as SageMaker does."""
        return super().create_model(role=role, image_uri=image_uri or self.image_uri or self._framework_image("inference"),
                                    predictor_cls=predictor_cls, serializer=serializer, deserializer=deserializer,
                                    entry_point=entry_point, source_dir=source_dir or (self.source_dir if entry_point
                                                                                       else None),
                                    env=env, name=name, **kwargs)
