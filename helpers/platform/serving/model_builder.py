"""``ModelBuilder``: from a trained model to a running endpoint, with the SDK v3 calls.

::

    builder = ModelBuilder(model=trainer)                      # a ModelTrainer after .train()
    builder = ModelBuilder(model="my-training-job-name")        # or a training job's name
    builder = ModelBuilder(model_path="s3://bucket/.../model.tar.gz",
                           image_uri=image_uris.retrieve("linear-learner", "us-east-1"))
    builder = ModelBuilder(model=fitted_sklearn_estimator)     # or an in-memory model with .predict
    builder = ModelBuilder(model_path=folder, inference_spec=MySpec(),   # or SDK v3's custom serving
                           schema_builder=SchemaBuilder(sample_input, sample_output))
    model = builder.build(model_name="churn-ll")                # CreateModel
    endpoint = builder.deploy(endpoint_name="churn", instance_type="ml.m5.large",
                              initial_instance_count=1,
                              data_capture_config=DataCaptureConfig(sampling_percentage=100))

Which handlers serve the model: an ``InferenceSpec``'s (with its SchemaBuilder), else a built-in
algorithm's (known from the training job or the image URI), else the script's ``inference.py`` (``source_code=SourceCode(source_dir=..., entry_script=...)``,
a ``code/inference.py`` inside the artifact, or the training job's source folder), else the framework
defaults (``model.joblib`` + ``model.predict``).

The artifact's sha256 comes from the training job's ``job.json``; for an artifact no job recorded,
``build`` records it (trust on first use) — either way the server checks it before unpickling.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.platform.backend import Twin
from helpers.platform.errors import warn_ignored
from helpers.platform.serving.artifacts import pack_dir, sha256_of
from helpers.platform.serving.endpoint import Endpoint
from helpers.platform.serving.registry import check_name
from helpers.platform.serving.wire_formats import serving_formats
from helpers.platform.storage import s3_uri_of  # https S3 URLs, read as the s3:// URIs they name
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import make_tree_private, private_dir
from helpers.platform.serving.resources import (DataCaptureConfig, EndpointConfig, Model, ProductionVariant,
                                                models_root, write_model)

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

def _is_s3(value) -> bool:
    return isinstance(value, str) and value.startswith(("s3://", "https://"))


def _job_record(job_name: str) -> dict | None:
    """DescribeTrainingJob of a local job (its status reconciled with its process), or None."""
    from helpers.platform import jobs

    try:
        return jobs.TrainingJob(job_name).describe()
    except ValueError:
        return None


def _not_a_job(name: str) -> ValueError:
    """``ModelBuilder(model="<str>")`` naming no local job: the SDK would fetch a hub model, which
    needs the network, so say what the kit serves instead."""
    from helpers.platform import jobs

    existing = [j["TrainingJobName"] for j in jobs.list_training_jobs(max_results=5)]
    return ValueError(
        f"no training job named {name!r} in the local store. If {name!r} is a Hugging Face Hub or JumpStart "
        f"model id: the kit does not fetch hub models (that needs the network); download the model beforehand "
        f"and pass model_path=<its folder> with inference_spec=... and schema_builder=.... Otherwise pass a "
        f"ModelTrainer after .train(), a training job name (recent: {', '.join(existing) or 'none yet'}), "
        f"model_path='s3://.../model.tar.gz', or a fitted model object.")


def job_name_of(model: Any) -> str | None:
    """The training job behind a ModelTrainer / TrainingJob / DescribeTrainingJob dict, if any."""
    if isinstance(model, dict):
        return model.get("TrainingJobName")
    for attribute in ("_latest_training_job", "latest_training_job"):
        job = getattr(model, attribute, None)
        if job is not None:
            return job if isinstance(job, str) else (
                getattr(job, "training_job_name", None) or (job.get("TrainingJobName") if isinstance(job, dict) else None))
    for attribute in ("training_job_name", "latest_training_job_name", "job_name"):
        name = getattr(model, attribute, None)
        if isinstance(name, str):
            return name
    return None


def _job_for_artifact(uri: str) -> dict | None:
    """The completed training job whose output is ``uri`` (so its recorded sha256 can be used)."""
    from helpers.platform import jobs

    for summary in jobs.list_training_jobs(status_equals="Completed", max_results=10_000):
        record = _job_record(summary["TrainingJobName"]) or {}
        if (record.get("ModelArtifacts") or {}).get("S3ModelArtifacts") == uri:
            return record
    return None


def default_name(base: str) -> str:
    """``<base>-<UTC timestamp with milliseconds>``, cut to SageMaker's 63 characters."""
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime()) + f"-{int(time.time() * 1000) % 1000:03d}"
    return f"{base[:63 - len(stamp) - 1]}-{stamp}"


@dataclass
class ModelBuilder(Twin):
    """Build a servable model and deploy it as a local endpoint (SDK v3 ``sagemaker.serve.ModelBuilder``).

    On the ``sagemaker`` backend this constructor builds its twin (``helpers.platform.backend.TWINS``),
    whose ``build``/``deploy`` send the real requests.

    Args:
        model: a ModelTrainer that has trained, a training job name (or its DescribeTrainingJob
            dict), an ``s3://.../model.tar.gz`` URI, or an in-memory model with ``.predict``.
        model_path: the model artifact instead: ``s3://.../model.tar.gz``, a local ``.tar.gz``, or a
            local folder holding the model files.
        s3_model_data_url: same as an S3 ``model_path`` (the SDK's name for it).
        image_uri: the inference image; a built-in algorithm's image selects its handlers.
        source_code: ``SourceCode(source_dir=..., entry_script="inference.py")`` for script mode.
        inference_spec: an ``InferenceSpec`` (``load(model_dir)``, ``invoke(input, model)``) serving the
            model instead (``helpers.platform.serving.inference_spec``); needs ``schema_builder``.
        schema_builder: ``SchemaBuilder(sample_input, sample_output)``: the wire formats of an
            ``inference_spec`` or of an in-memory ``model`` (then served by its ``predict``).
        env_vars: environment of the serving process.
        mode: ``Mode.IN_PROCESS`` / ``Mode.LOCAL_CONTAINER`` allow ``deploy_local()`` (as in the SDK);
            every mode runs as one local server process.
        model_server, log_level, ...: the SDK's container choices; accepted with an
            ``IgnoredArgumentWarning`` (one local server process serves every model).
    """

    model: Any = None
    model_path: str | None = None
    inference_spec: Any = None
    schema_builder: Any = None
    modelbuilder_list: list | None = None
    role_arn: str | None = None
    sagemaker_session: Any = None
    image_uri: str | None = None
    s3_model_data_url: str | None = None
    source_code: Any = None
    env_vars: dict = field(default_factory=dict)
    # SDK arguments with no local meaning: accepted with an IgnoredArgumentWarning, so the same cell
    # runs on both backends
    model_server: Any = None
    model_metadata: dict | None = None
    log_level: int | None = None
    content_type: str | None = None
    accept_type: str | None = None
    compute: Any = None
    network: Any = None
    instance_type: str | None = None
    mode: Any = None
    shared_libs: list | None = None
    dependencies: dict | None = None
    image_config: dict | None = None
    built_model: Model | None = field(default=None, init=False)

    _IGNORED = ("model_server", "model_metadata", "log_level", "content_type", "accept_type", "network",
                "shared_libs", "dependencies", "image_config")

    def __post_init__(self) -> None:
        if self.modelbuilder_list:
            raise NotImplementedError(
                "modelbuilder_list (several models behind one endpoint as inference components) is not "
                "supported locally: deploy each ModelBuilder to its own endpoint, or put the models as "
                "variants of one EndpointConfig (ProductionVariant(...)).")
        warn_ignored("ModelBuilder", [name for name in self._IGNORED if getattr(self, name) not in (None, [], {})],
                     "one local server process serves every model")
        if self.inference_spec is None and self.schema_builder is not None and not self._in_memory_model():
            warn_ignored("ModelBuilder", ["schema_builder"],
                         "it chooses the wire formats of an inference_spec or an in-memory model only")
        if self.instance_type is None and self.compute is not None:
            self.instance_type = getattr(self.compute, "instance_type", None)

    def _in_memory_model(self) -> bool:
        """A model object to pickle (not a trainer, a job, or an artifact's name or URI)."""
        return self.model is not None and not isinstance(self.model, (str, dict)) and not job_name_of(self.model)

    # ----------------------------------------------------------------------------------- build
    def build(self, model_name: str | None = None, mode: Any = None, role_arn: str | None = None,
              sagemaker_session: Any = None, region: str | None = None, reuse_resources: bool = False,
              tags: list | None = None) -> Model:
        """Record the model (``CreateModel``): artifact + checksum, algorithm or inference code.

        ``role_arn`` and ``sagemaker_session`` replace the constructor's; ``mode``, ``region``,
        ``reuse_resources`` and ``tags`` are accepted with an ``IgnoredArgumentWarning``.
        """
        warn_ignored("ModelBuilder.build", [name for name, value in (
            ("mode", mode), ("region", region), ("reuse_resources", reuse_resources), ("tags", tags))
            if value not in (None, False, [])], "the local model record has no tags, region or reuse")
        self.role_arn = role_arn or self.role_arn
        self.sagemaker_session = sagemaker_session or self.sagemaker_session
        job = None
        artifact_uri = s3_uri_of(self.s3_model_data_url) if self.s3_model_data_url else None
        local_artifact: Path | None = None
        estimator = None
        if self.model is not None:
            if _is_s3(self.model):
                artifact_uri = s3_uri_of(self.model)
            elif isinstance(self.model, str) or job_name_of(self.model):
                job_name = self.model if isinstance(self.model, str) else job_name_of(self.model)
                # a model id with "/" or "." (Hugging Face Hub) can never be a training job's name
                job = _job_record(job_name) if RESOURCE_NAME.fullmatch(job_name) else None
                if job is None:
                    raise _not_a_job(job_name)
            elif hasattr(self.model, "predict") or (self.schema_builder is not None and callable(self.model)) \
                    or self.inference_spec is not None:
                estimator = self.model
            else:
                raise TypeError(
                    f"ModelBuilder(model=...) got a {type(self.model).__name__}: give a ModelTrainer, a training "
                    f"job name, an s3://.../model.tar.gz URI, or a fitted model with a .predict method.")
        if self.model_path is not None:
            if _is_s3(str(self.model_path)):
                artifact_uri = s3_uri_of(str(self.model_path))
            else:
                local_artifact = Path(self.model_path).expanduser()
                if not local_artifact.exists():
                    raise FileNotFoundError(f"model_path {local_artifact} does not exist.")
        if job is not None:
            status = job.get("TrainingJobStatus")
            if status != "Completed":
                raise ValueError(f"training job {job['TrainingJobName']} is {status}, not Completed: it has no model "
                                 f"to deploy. {job.get('FailureReason') or ''}".strip())
            artifact_uri = job["ModelArtifacts"]["S3ModelArtifacts"]
        elif artifact_uri is not None:
            job = _job_for_artifact(artifact_uri)
        if artifact_uri is None and local_artifact is None and estimator is None and self.inference_spec is None:
            raise ValueError("nothing to build: pass model= (a ModelTrainer, a job name or a fitted model) "
                             "or model_path='s3://.../model.tar.gz'.")

        algorithm, image = self._algorithm(job)
        if self.inference_spec is not None or (estimator is not None and self.schema_builder is not None):
            algorithm = None  # the spec (or the pickled model) serves, even a built-in's artifact
        base = algorithm or (job or {}).get("TrainingJobName") or "model"
        model_name = check_name(model_name or default_name(base), "model")
        folder = models_root() / model_name
        if folder.exists():
            shutil.rmtree(folder)
        private_dir(folder)

        from helpers.platform import storage

        sha_source = "training job"
        if artifact_uri is None and local_artifact is None:
            # A fitted model goes in as model.joblib: the framework default loads it, and an
            # InferenceSpec's load(model_dir) finds it there. With a SchemaBuilder and no spec, the
            # model travels in the code's serve.pkl instead (as the SDK does), so the folder is empty.
            staging = Path(tempfile.mkdtemp(prefix="flywheel-model-"))
            import joblib

            if estimator is not None and (self.inference_spec is not None or self.schema_builder is None):
                joblib.dump(estimator, staging / "model.joblib")
            self._prepare(staging)
            artifact_path = folder / "model.tar.gz"
            sha = pack_dir(staging, artifact_path)
            shutil.rmtree(staging, ignore_errors=True)
            sha_source, artifact_uri = "build", None
        elif local_artifact is not None:
            artifact_path = folder / "model.tar.gz"
            if local_artifact.is_dir() and self.inference_spec is not None:
                # the spec's prepare() may add files: to a copy, so the learner's folder stays as it is
                staging = Path(tempfile.mkdtemp(prefix="flywheel-model-"))
                shutil.copytree(local_artifact, staging, dirs_exist_ok=True)
                self._prepare(staging)
                pack_dir(staging, artifact_path)
                shutil.rmtree(staging, ignore_errors=True)
            elif local_artifact.is_dir():
                pack_dir(local_artifact, artifact_path)
            else:
                shutil.copyfile(local_artifact, artifact_path)
                os.chmod(artifact_path, 0o600)  # the store's files are the owner's only
            sha, sha_source, artifact_uri = sha256_of(artifact_path), "build", None
        else:
            artifact_path = storage.s3_to_path(artifact_uri)
            if not artifact_path.is_file():
                raise FileNotFoundError(f"no model artifact at {artifact_uri} (looked in {artifact_path}).")
            sha = ((job or {}).get("ModelArtifacts") or {}).get("Sha256")
            if not sha:
                sha, sha_source = sha256_of(artifact_path), "build"

        spec_code = self._spec_code(folder, estimator)
        code_dir, entry = spec_code or self._code(job, folder)
        local = {"Algorithm": algorithm, "ArtifactPath": str(artifact_path), "Sha256": sha,
                 "Sha256Source": sha_source, "CodeDir": str(code_dir) if code_dir else None,
                 "EntryScript": entry, "TrainingJobName": (job or {}).get("TrainingJobName")}
        if spec_code is not None:  # so Endpoint.get(name).predict speaks the schema's formats too
            local["Schema"] = serving_formats(self.schema_builder)
        self.built_model = write_model(model_name, image or SKLEARN_IMAGE, artifact_uri, self.env_vars, local,
                                       self.role_arn)
        return self.built_model

    def _prepare(self, model_dir: Path) -> None:
        """The spec's ``prepare(model_dir)``, run on the model folder before it is packed, as the SDK
        does for TorchServe / MMS (e.g. copying the weights in)."""
        prepare = getattr(self.inference_spec, "prepare", None)
        if prepare is None:
            return
        try:
            prepare(str(model_dir))
        except Exception as error:
            raise RuntimeError(f"{type(self.inference_spec).__name__}.prepare(model_dir) failed: {error}") from error

    def _spec_code(self, folder: Path, estimator: Any) -> tuple[Path, str] | None:
        """The handlers of an InferenceSpec, or of an in-memory model with a SchemaBuilder (the SDK
        pickles that model and calls it, or its ``predict``), written into the model record."""
        from helpers.platform.serving.inference_spec import NativeModelSpec, write_spec_code

        if self.inference_spec is not None:
            if self.source_code is not None:
                raise ValueError("give inference_spec or source_code, not both: both say how the model is served.")
            return write_spec_code(folder / "code", self.inference_spec, self.schema_builder)
        if estimator is not None and self.schema_builder is not None:
            return write_spec_code(folder / "code", NativeModelSpec(estimator), self.schema_builder)
        return None

    def _algorithm(self, job: dict | None) -> tuple[str | None, str | None]:
        """(algorithm name or None for script mode, image URI)."""
        from helpers.platform.builtins import algorithm_for_image

        if self.image_uri:
            return algorithm_for_image(self.image_uri), self.image_uri
        if job:
            spec = job.get("AlgorithmSpecification") or {}
            image = spec.get("TrainingImage")
            name = spec.get("AlgorithmName")
            if name is None and image:
                name = algorithm_for_image(image)
            return name, image
        return None, None

    def _code(self, job: dict | None, folder: Path) -> tuple[Path | None, str | None]:
        """Copy the inference code into the model record (a snapshot, as SageMaker repacks it)."""
        source_dir = entry = None
        if self.source_code is not None:
            source_dir = getattr(self.source_code, "source_dir", None)
            entry = getattr(self.source_code, "entry_script", None) or "inference.py"
        elif job and job.get("SourceCode"):
            spec = job["SourceCode"]
            source_dir = spec.get("SourceDir") or spec.get("source_dir")
            training_entry = spec.get("EntryScript") or spec.get("entry_script")
            copied = spec.get("CodeDir")  # the job's snapshot of source_dir, taken when it started
            if copied and Path(copied).is_dir():
                source_dir = copied
            if source_dir and (Path(source_dir) / "inference.py").exists():
                entry = "inference.py"
            elif source_dir and training_entry and "def model_fn" in (Path(source_dir) / training_entry).read_text():
                entry = training_entry  # SageMaker serves with the training script when it defines model_fn
        if source_dir is None:
            return None, None
        source = Path(source_dir).expanduser()
        if entry is None:
            return None, None
        if not (source / entry).is_file():
            raise FileNotFoundError(f"no {entry} in {source}: put model_fn/input_fn/predict_fn/output_fn in "
                                    f"{source / entry}, or name the script with SourceCode(entry_script=...).")
        target = folder / "code"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".git"))
        make_tree_private(target)  # copytree keeps the source's modes
        return target, entry

    # ---------------------------------------------------------------------------------- deploy
    def deploy(self, endpoint_name: str | None = None, initial_instance_count: int = 1,
               instance_type: str | None = None, wait: bool = True, update_endpoint: bool = False,
               container_timeout_in_seconds: int = 300, inference_config: Any = None,
               custom_orchestrator_instance_type: str | None = None,
               custom_orchestrator_initial_instance_count: int | None = None, reuse_resources: bool = False,
               use_recommendation: bool | None = None, recommendation: Any = None, recommendation_index: int = 0,
               recommendation_spec_name: str | None = None, auto_approve: bool = False, role: str | None = None,
               model_name: str | None = None, endpoint_config_name: str | None = None,
               data_capture_config: DataCaptureConfig | None = None,
               invocation_timeout_seconds: float | None = None, variant_name: str = "AllTraffic",
               **sdk_options) -> Endpoint:
        """Start a local endpoint serving the built model (``CreateEndpointConfig`` + ``CreateEndpoint``).

        ``instance_type`` is recorded; ``initial_instance_count`` server processes serve the endpoint
        (at most this machine's cores; the router spreads invocations over them); ``model_name`` and ``role`` are used when ``build()`` has not run yet;
        ``endpoint_config_name`` names the configuration (default: the endpoint's name);
        ``invocation_timeout_seconds`` (local only) lowers SageMaker's 60 s limit. The SDK's serverless,
        async, recommendation and orchestrator options are accepted with an ``IgnoredArgumentWarning``.
        """
        ignored = [name for name, value in (
            ("inference_config", inference_config), ("custom_orchestrator_instance_type", custom_orchestrator_instance_type),
            ("custom_orchestrator_initial_instance_count", custom_orchestrator_initial_instance_count),
            ("reuse_resources", reuse_resources), ("use_recommendation", use_recommendation),
            ("recommendation", recommendation), ("recommendation_index", recommendation_index),
            ("recommendation_spec_name", recommendation_spec_name), ("auto_approve", auto_approve))
            if value not in (None, False, 0)]
        warn_ignored("ModelBuilder.deploy", ignored + list(sdk_options),
                     "a local endpoint is one real-time server process")
        self.role_arn = self.role_arn or role
        model = self.built_model or self.build(model_name=model_name)
        endpoint_name = check_name(endpoint_name or model.model_name)
        config = EndpointConfig.create(
            endpoint_config_name=endpoint_config_name or endpoint_name,
            production_variants=[ProductionVariant(
                variant_name=variant_name, model_name=model.model_name,
                initial_instance_count=int(initial_instance_count or 1),
                instance_type=instance_type or self.instance_type or "ml.m5.large")],
            data_capture_config=data_capture_config if data_capture_config and data_capture_config.enable_capture else None)
        endpoint = Endpoint.create(endpoint_name, config.endpoint_config_name, wait=wait,
                                   invocation_timeout_seconds=invocation_timeout_seconds,
                                   startup_timeout_seconds=float(container_timeout_in_seconds), replace=update_endpoint)
        if self.schema_builder is None or (self.inference_spec is None and not self._in_memory_model()):
            return endpoint
        from helpers.platform.serving.inference_spec import SchemaEndpoint

        return SchemaEndpoint(endpoint.endpoint_name, self.schema_builder)


    def deploy_local(self, endpoint_name: str = "endpoint", container_timeout_in_seconds: int = 300,
                     **kwargs) -> Endpoint:
        """The SDK's local test deployment (``mode=Mode.IN_PROCESS`` or ``Mode.LOCAL_CONTAINER``, as there):
        a local endpoint whose ``invoke(payload)`` answers with the deserialized result (``LocalEndpoint``).
        Locally both modes are the same local server process."""
        from helpers.platform.serving.inference_spec import LocalEndpoint, mode_name

        if mode_name(self.mode) not in ("IN_PROCESS", "LOCAL_CONTAINER"):
            raise ValueError(f"deploy_local() only supports LOCAL_CONTAINER and IN_PROCESS modes, got {self.mode}: "
                             f"build with ModelBuilder(..., mode=Mode.IN_PROCESS), or call deploy().")
        endpoint = self.deploy(endpoint_name=endpoint_name, container_timeout_in_seconds=container_timeout_in_seconds,
                               **kwargs)
        return LocalEndpoint(endpoint.endpoint_name, self.schema_builder, self.mode)


def describe_model(model_name: str) -> dict:
    return Model.get(model_name).describe()
