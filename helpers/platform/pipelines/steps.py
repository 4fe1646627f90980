"""Pipeline steps, named as SageMaker's: ``ProcessingStep``, ``TrainingStep``, ``ConditionStep``,
``RegisterModel`` and ``FailStep`` (``TransformStep`` and ``TuningStep`` are in ``job_steps``).

A step knows its definition entry (``to_request``: Name, Type, Arguments, DependsOn, CacheConfig, RetryPolicies),
the steps it needs (those whose properties its arguments read, plus ``depends_on``) and how to run
locally (``execute``: resolved arguments in, its properties out, shaped like the Describe* answer of
the job it stands for). ``step.properties.X`` is a run-time reference for later steps.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from helpers.platform import storage
from helpers.platform.configs import InputData, S3DataSource
from helpers.platform.errors import FailedStatusError
from helpers.platform.jobs import now
from helpers.platform.pipelines import expressions, retry
from helpers.platform.pipelines.caching import CacheConfig
from helpers.platform.pipelines.conditions import Condition
from helpers.platform.pipelines.expressions import ExecutionVariables, Join, Properties, PropertyFile
from helpers.platform.pipelines.processing import PREFIX, ScriptFailed, check_local_path, run_script
from helpers.platform.registry import model_packages, store as registry_store
from helpers.platform.session import Session, get_execution_role
from helpers.platform.validation import channel_from_request, channel_options
from helpers.platform_home import private_dir

_STEP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LOCAL_PROCESSING_IMAGE = "flywheel-local-python"  # processing runs in this Python, not a container


class StepFailed(Exception):
    """A step ended Failed; the message is its FailureReason, ``exception_type`` the retry policies' name for
    the failure (``retry`` module; None: the step's own error, never retried)."""

    def __init__(self, message: str, exception_type: str | None = None):
        super().__init__(message)
        self.exception_type = exception_type


@dataclass(frozen=True)
class RunInfo:
    """What a running step may need besides its arguments: the pipeline, the execution, the cache key."""

    pipeline_name: str
    execution_arn: str
    key: str
    job_dir: Path  # the step's own folder in this execution (a processing job's /opt/ml tree, logs)


class Step:
    """Base of every step. ``depends_on``: steps (or their names) to run first even without a data link."""

    step_type = ""
    cacheable = False   # SageMaker caches (and retries) only the steps that run jobs
    local_only = False  # True when SageMaker could not run this step as written (a Python function)

    def __init__(self, name: str, *, display_name: str | None = None, description: str | None = None,
                 depends_on: list | None = None, cache_config: CacheConfig | None = None,
                 retry_policies: list | None = None):
        if not isinstance(name, str) or not _STEP_NAME.match(name):
            raise ValueError(f"Invalid step name {name!r}: 1 to 64 letters, digits, '-' or '_', e.g. 'TrainModel'.")
        if cache_config is not None and not self.cacheable:
            raise ValueError(f"{type(self).__name__} steps are not cached (SageMaker caches processing and training "
                             "steps): drop cache_config.")
        if retry_policies and not self.cacheable:
            raise ValueError(f"{type(self).__name__} steps take no retry_policies (SageMaker retries the steps that "
                             "run jobs: processing, training, transform, tuning): drop retry_policies.")
        self.retry_policies = retry.policies(name, retry_policies)
        self.name = name
        self.display_name = display_name
        self.description = description
        self.depends_on = [getattr(s, "name", s) for s in depends_on or []]
        self.cache_config = cache_config

    @property
    def properties(self) -> Properties:
        """Run-time references to this step's Describe* answer, e.g. ``.ModelArtifacts.S3ModelArtifacts``."""
        return Properties(self.name)

    def arguments(self, pipeline_name: str) -> dict:
        """The step's Arguments (may hold parameters and other steps' properties)."""
        raise NotImplementedError

    def to_request(self, pipeline_name: str) -> dict:
        """The step's entry in the pipeline definition."""
        request = {"Name": self.name, "Type": self.step_type,
                   "Arguments": expressions.to_json(self.arguments(pipeline_name))}
        for key, value in (("DisplayName", self.display_name), ("Description", self.description)):
            if value:
                request[key] = value
        if self.depends_on:
            request["DependsOn"] = list(self.depends_on)
        if self.cache_config is not None:
            request["CacheConfig"] = self.cache_config.config
        if self.retry_policies:
            request["RetryPolicies"] = [policy.to_request() for policy in self.retry_policies]
        return request

    def dependencies(self, pipeline_name: str) -> set[str]:
        """Names of the steps that must succeed before this one runs."""
        return expressions.step_names(self.arguments(pipeline_name)) | set(self.depends_on)

    def code_identity(self) -> str:
        """What, besides the arguments, decides the result (a function's source...), for the cache key."""
        return ""

    def cache_arguments(self, arguments: dict) -> dict:
        """The part of the resolved ``arguments`` that goes into the cache key (all of them unless a step says)."""
        return arguments

    def outputs_exist(self, properties: dict) -> bool:
        """Whether a cached run's outputs are still there to be reused."""
        return True

    def metadata(self, properties: dict) -> dict:
        """The step's ``Metadata`` in ListPipelineExecutionSteps."""
        return {}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        """Run with resolved ``arguments``; return the step's properties. Raise to fail the step."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


# ------------------------------------------------------------------------------------- processing

def _given(value):
    """None for an absent field (the SDK v3 shapes mark one with an ``Unassigned`` object)."""
    return None if value is None or type(value).__name__ == "Unassigned" else value


def _field(shape, key: str):
    return _given(shape.get(key) if isinstance(shape, dict) else getattr(shape, key, None))


@dataclass
class ProcessingInput:
    """An input of a processing step: ``source`` (s3:// URI, local path, or a run-time value) copied to
    ``destination`` (its LocalPath, under ``/opt/ml/processing/``; default ``/opt/ml/processing/input/<name>``).

    The SDK v3 shape works too: ``ProcessingInput(input_name="raw", s3_input=ProcessingS3Input(s3_uri=...,
    s3_data_type="S3Prefix", local_path="/opt/ml/processing/input"))`` (or ``sagemaker.core.shapes``' own).
    """

    source: object = None
    input_name: str | None = None
    destination: str | None = None
    s3_input: object = None

    def __post_init__(self):
        if self.s3_input is not None:
            self.source = self.source if self.source is not None else _field(self.s3_input, "s3_uri")
            self.destination = self.destination or _field(self.s3_input, "local_path")
        if self.source is None:
            raise ValueError(f"ProcessingInput {self.input_name!r} needs a source: an s3:// URI, a local path or a "
                             "parameter, e.g. ProcessingInput(source=input_data, destination='/opt/ml/processing/input').")
        if self.destination is not None:
            self.destination = check_local_path(self.destination, f"ProcessingInput {self.input_name!r} destination")


@dataclass
class ProcessingOutput:
    """An output of a processing step: the script writes into ``source`` (its LocalPath, under
    ``/opt/ml/processing/``; default ``/opt/ml/processing/output/<name>``), uploaded at the end of the job to
    ``destination`` (default, as the SDK's: ``s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>``, so
    that no execution overwrites another's output).

    The SDK v3 shape works too: ``ProcessingOutput(output_name="train", s3_output=ProcessingS3Output(s3_uri=...,
    s3_upload_mode="EndOfJob", local_path="/opt/ml/processing/train"))``.
    """

    output_name: str
    destination: str | None = None
    source: str | None = None
    s3_output: object = None

    def __post_init__(self):
        if self.s3_output is not None:
            self.destination = self.destination or _field(self.s3_output, "s3_uri")
            self.source = self.source or _field(self.s3_output, "local_path")
        if self.source is not None:
            self.source = check_local_path(self.source, f"ProcessingOutput {self.output_name!r} source")


def _processing_input(item, index: int) -> ProcessingInput:
    if isinstance(item, ProcessingInput):
        found = item
    elif hasattr(item, "s3_input") or isinstance(item, dict):  # sagemaker.core.shapes.ProcessingInput or a dict
        found = ProcessingInput(input_name=_field(item, "input_name"), s3_input=_field(item, "s3_input"))
    else:
        raise ValueError(f"Processing input {item!r}: give ProcessingInput(source=..., destination=...) or a dict "
                         "{name: source}.")
    found.input_name = found.input_name or f"input-{index + 1}"
    return found


def _processing_output(item) -> ProcessingOutput:
    if isinstance(item, ProcessingOutput):
        return item
    if isinstance(item, str):
        return ProcessingOutput(output_name=item)
    if hasattr(item, "s3_output") or isinstance(item, dict):  # sagemaker.core.shapes.ProcessingOutput or a dict
        return ProcessingOutput(output_name=_field(item, "output_name"), s3_output=_field(item, "s3_output"))
    raise ValueError(f"Processing output {item!r}: give an output name or ProcessingOutput(output_name=..., "
                     "source='/opt/ml/processing/<folder>').")


def _source_hash(code) -> str:
    if callable(code):
        try:
            text = inspect.getsource(code)
        except (OSError, TypeError):
            text = f"{code.__module__}:{code.__qualname__}"
    else:
        text = Path(code).read_text(encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()


class ProcessingStep(Step):
    """Run a ``.py`` script (or, locally only, a Python function) on inputs, writing outputs: data
    preparation, evaluation.

    A script runs on SageMaker's processing contract: each input is copied to its LocalPath
    (``ProcessingInput.destination``, default ``/opt/ml/processing/input/<name>``), the script writes into each
    output's LocalPath (``ProcessingOutput.source``, default ``/opt/ml/processing/output/<name>``), and runs as
    ``python3 script.py *job_arguments``. Locally the tree lives in the execution's folder and the script's
    ``/opt/ml/processing`` literals point there (``helpers.platform.pipelines.processing`` says how and why), so
    a script written for SageMaker runs unchanged.

    A function is the local convenience SageMaker has no counterpart for (it runs only scripts in containers):
    it is called ``code(inputs, outputs, **job_arguments)`` with ``inputs`` and ``outputs`` mapping names to
    local folders (``Path``), and ``local_only`` is True, so the sagemaker backend refuses it.

    An output without a ``destination`` goes, as the SDK's, to ``s3://<bucket>/<pipeline>/<execution id>/<step>/
    output/<name>`` (a ``Join`` on ``ExecutionVariables.PIPELINE_EXECUTION_ID``), so no execution overwrites
    another's. The cache key is SageMaker's (the script, its arguments and inputs; not where the outputs go), so a
    later execution with the same inputs is a cache hit that reads the outputs of the run it hit. Locally each distinct
    set of inputs writes under its own ``<hash>`` folder below a given ``destination`` (the same in every execution),
    so a cached result is never overwritten there either; the property ``ProcessingOutputConfig.Outputs["<name>"].
    S3Output.S3Uri`` is the folder used.

    Args:
        inputs: ``{"raw": uri_or_parameter}`` or ``[ProcessingInput(source=..., destination="/opt/ml/processing/input")]``.
        outputs: ``["train", "test"]`` or ``[ProcessingOutput(output_name="train", source="/opt/ml/processing/train")]``.
        job_arguments: keyword arguments of the function (values may be parameters), or a script's argv list.
        property_files: ``[PropertyFile(name="Evaluation", output_name="evaluation", path="evaluation.json")]``,
            JSON reports read later with ``JsonGet``.
        image_uri: the container SageMaker runs a script in, as the SDK's ``ScriptProcessor(image_uri=...)``
            carries it, e.g. ``image_uris.retrieve("sklearn", region, version="1.2-1")`` (pandas, scikit-learn).
            Locally the script runs in this Python whatever the image (there are no containers), so its libraries
            must be installed here too; without one the definition names the local image, which the sagemaker
            backend refuses.
        role: the IAM role the processing job runs as (the SDK's processor ``role``); default: the session's
            execution role (``get_execution_role()``).
    """

    step_type = "Processing"
    cacheable = True

    def __init__(self, name: str, code: Callable | str, *, inputs=None, outputs=None, job_arguments=None,
                 property_files: list[PropertyFile] | None = None, sagemaker_session: Session | None = None,
                 image_uri: str | None = None, role: str | None = None, **kwargs):
        super().__init__(name, **kwargs)
        if callable(code) and image_uri is not None:
            raise ValueError(f"ProcessingStep {name!r}: a function runs in this Python, never in an image: drop "
                             "image_uri, or write the step as a .py script and pass code='script.py'.")
        self.image_uri = image_uri
        if not callable(code) and not (isinstance(code, (str, os.PathLike)) and str(code).endswith(".py")
                                       and Path(code).is_file()):
            raise ValueError(f"ProcessingStep {name!r}: code must be a Python function or an existing .py script, "
                             f"not {code!r}.")
        self.code = code
        self.inputs = self._inputs(inputs)
        self.outputs = [_processing_output(o) for o in outputs or []]
        _check_unique(name, [i.input_name for i in self.inputs], [o.output_name for o in self.outputs])
        if callable(code) and job_arguments is not None and not isinstance(job_arguments, dict):
            raise ValueError(f"ProcessingStep {name!r}: a function takes job_arguments as a dict of keyword arguments.")
        self.job_arguments = job_arguments if job_arguments is not None else ({} if callable(code) else [])
        self.property_files = list(property_files or [])
        outputs_named = {o.output_name for o in self.outputs}
        for report in self.property_files:
            if report.output_name not in outputs_named:
                raise ValueError(f"PropertyFile {report.name!r} is in output {report.output_name!r}, which step "
                                 f"{name!r} does not declare (outputs: {', '.join(sorted(outputs_named)) or 'none'}).")
        self.session = sagemaker_session
        self.role = role or _execution_role(sagemaker_session)

    @staticmethod
    def _inputs(inputs) -> list[ProcessingInput]:
        if isinstance(inputs, dict):
            return [ProcessingInput(source=source, input_name=name) for name, source in inputs.items()]
        return [_processing_input(item, index) for index, item in enumerate(inputs or [])]

    @property
    def local_only(self) -> bool:
        """True for a function step: SageMaker runs scripts in containers, never a Python function of this kernel."""
        return callable(self.code)

    def _destination(self, output: ProcessingOutput, pipeline_name: str):
        """The output's S3Uri: the SDK v3's default when none is given, a folder of its own per execution."""
        if output.destination:
            return output.destination
        session = self.session or Session()
        prefix = getattr(session, "default_bucket_prefix", None)
        return Join(on="/", values=["s3:/", session.default_bucket(), *([prefix] if prefix else []), pipeline_name,
                                    ExecutionVariables.PIPELINE_EXECUTION_ID, self.name, "output", output.output_name])

    def _fixed_destination(self, output_name: str) -> bool:
        """Whether the output's S3Uri was given (the same in every execution) rather than the per-execution default."""
        return any(o.destination for o in self.outputs if o.output_name == output_name)

    def _entrypoint(self) -> list:
        if callable(self.code):
            return ["flywheel-function", f"{self.code.__module__}:{self.code.__qualname__}"]
        return ["python3", str(Path(self.code).resolve())]

    def arguments(self, pipeline_name: str) -> dict:
        arguments = self.job_arguments
        if isinstance(arguments, dict):
            arguments = [item for key, value in arguments.items() for item in (f"--{key}", value)]
        specification = {"ImageUri": self.image_uri or LOCAL_PROCESSING_IMAGE, "ContainerEntrypoint": self._entrypoint()}
        if arguments:  # CreateProcessingJob refuses an empty list: the SDK leaves the field out
            specification["ContainerArguments"] = list(arguments)
        return {
            "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                                      "VolumeSizeInGB": 30}},
            "AppSpecification": specification,
            "ProcessingInputs": [
                {"InputName": i.input_name, "AppManaged": False,
                 "S3Input": {"S3Uri": i.source, "LocalPath": i.destination or f"{PREFIX}/input/{i.input_name}",
                             "S3DataType": "S3Prefix", "S3InputMode": "File"}} for i in self.inputs],
            "ProcessingOutputConfig": {"Outputs": [
                {"OutputName": o.output_name, "AppManaged": False,
                 "S3Output": {"S3Uri": self._destination(o, pipeline_name),
                              "LocalPath": o.source or f"{PREFIX}/output/{o.output_name}",
                              "S3UploadMode": "EndOfJob"}} for o in self.outputs]},
            **({"RoleArn": self.role} if self.role else {}),
        }

    def to_request(self, pipeline_name: str) -> dict:
        request = super().to_request(pipeline_name)
        if self.property_files:
            request["PropertyFiles"] = [report.expr for report in self.property_files]
        return request

    def code_identity(self) -> str:
        return _source_hash(self.code)

    def cache_arguments(self, arguments: dict) -> dict:
        """SageMaker's cache key attributes of a processing step (AppSpecification, Environment, ProcessingInputs),
        not its outputs' S3Uri, whose default holds the execution id: a later execution with the same inputs is a
        hit, and reads the outputs of the run it hits (their URIs are in that run's cached properties). The
        outputs' names and local paths are in the key too (SageMaker documents no such thing), so a step given
        another output runs again instead of reusing a run that never wrote it."""
        key = {name: arguments[name] for name in ("AppSpecification", "Environment", "ProcessingInputs")
               if name in arguments}
        outputs = arguments.get("ProcessingOutputConfig", {}).get("Outputs", [])
        key["Outputs"] = [(o["OutputName"], o["S3Output"]["LocalPath"]) for o in outputs]
        return key

    def outputs_exist(self, properties: dict) -> bool:
        return all(storage.s3_to_path(o["S3Output"]["S3Uri"]).is_dir()
                   for o in properties.get("ProcessingOutputConfig", {}).get("Outputs", []))

    def metadata(self, properties: dict) -> dict:
        return {"ProcessingJob": {"Arn": properties.get("ProcessingJobArn", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        started = now()
        inputs = {i["InputName"]: (_local_input(i["InputName"], i["S3Input"]["S3Uri"]), i["S3Input"]["LocalPath"])
                  for i in arguments["ProcessingInputs"]}
        outputs_config = arguments["ProcessingOutputConfig"]["Outputs"]
        outputs = {}
        for output in outputs_config:
            uri = output["S3Output"]["S3Uri"].rstrip("/")
            if self._fixed_destination(output["OutputName"]):  # shared by every execution: a folder per inputs
                uri = f"{uri}/{info.key[:16]}"
            output["S3Output"]["S3Uri"] = uri
            outputs[output["OutputName"]] = (storage.s3_to_path(uri), output["S3Output"]["LocalPath"])
        argv = arguments["AppSpecification"].get("ContainerArguments", [])
        if callable(self.code):
            folders = {name: _empty_folder(folder) for name, (folder, _) in outputs.items()}
            self.code({name: path for name, (path, _) in inputs.items()}, folders, **_keyword_arguments(argv))
        else:
            try:
                run_script(info.job_dir, Path(self.code), argv, inputs, outputs, dict(os.environ))
            except ScriptFailed as error:
                raise StepFailed(str(error), error.exception_type) from None
        folders = {name: folder for name, (folder, _) in outputs.items()}
        job_name = f"pipelines-{info.key[:12]}-{self.name}"[:63]
        return {
            "ProcessingJobName": job_name,
            "ProcessingJobArn": registry_store.arn("processing-job", job_name.lower()),
            "ProcessingJobStatus": "Completed",
            "ProcessingInputs": arguments["ProcessingInputs"],
            "ProcessingOutputConfig": {"Outputs": outputs_config},
            "AppSpecification": arguments["AppSpecification"],
            "ProcessingStartTime": started, "ProcessingEndTime": now(),
            "PropertyFiles": {report.name: _read_report(self.name, report, folders) for report in self.property_files},
        }


def _execution_role(session) -> str | None:
    """The session's execution role; None where there is none to find (the SDK's answer outside SageMaker for a
    user's credentials): the sagemaker backend then runs the job as the pipeline's role."""
    try:
        return get_execution_role(session)
    except ValueError:
        return None


def _local_input(name: str, source) -> Path:
    if not isinstance(source, (str, os.PathLike)):
        raise ValueError(f"Input {name!r} is {source!r}: give an s3:// URI or a local path.")
    path = storage.s3_to_path(source) if str(source).startswith("s3://") else Path(source)
    if not path.exists():
        raise FileNotFoundError(f"Input {name!r} ({source}) does not exist: upload the data first, e.g. "
                                "Session().upload_data('data.csv', key_prefix='raw'), and pass its URI.")
    return path


def _keyword_arguments(argv: list) -> dict:
    return {str(argv[i])[2:]: argv[i + 1] for i in range(0, len(argv) - 1, 2)}


def _empty_folder(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)  # a rerun without caching starts from an empty folder
    return private_dir(folder)


def _check_unique(step: str, input_names: list, output_names: list) -> None:
    for kind, names in (("input", input_names), ("output", output_names)):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"ProcessingStep {step!r} names {kind} {', '.join(map(repr, twice))} twice: each "
                             f"{kind} needs its own {kind}_name.")


def _read_report(step: str, report: PropertyFile, outputs: dict) -> object:
    path = outputs[report.output_name] / report.path
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StepFailed(f"Step {step!r} declared the property file {report.name!r} but wrote no {report.path} in "
                         f"its output {report.output_name!r}: write it there (json.dump).") from None
    except json.JSONDecodeError as error:
        raise StepFailed(f"Property file {report.name!r} ({report.path}) is not valid JSON: {error}") from None


# --------------------------------------------------------------------------------------- training

def source_dir_hash(trainer) -> str:
    code = getattr(trainer, "source_code", None)
    if code is None or not code.source_dir:
        return ""
    digest = hashlib.sha256()
    root = Path(code.source_dir)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _channel_request(channel, training_input_mode: str) -> dict:
    """One channel of a training request: a plain ``InputData`` gives its URI and content type (as always);
    a ``Channel``, or an ``S3DataSource`` source, every option, checked as ``ModelTrainer`` checks them."""
    if isinstance(channel, InputData) and not isinstance(channel.data_source, S3DataSource):
        return {"ChannelName": channel.channel_name,
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": channel.data_source,
                                                "S3DataDistributionType": "FullyReplicated"}},
                **({"ContentType": channel.content_type} if channel.content_type else {})}
    options = channel_options(channel, training_input_mode)
    return options.channel(options.source)


def training_job_request(trainer, inputs: list[InputData], **extra) -> dict:
    """The CreateTrainingJob request of ``trainer`` on ``inputs`` (channels), SageMaker's shape: what a
    training step sends, and (with ``StaticHyperParameters`` in ``extra``) a tuning job's
    ``TrainingJobDefinition``. ``extra`` keys go after the algorithm, as the SDK writes them."""
    return {
        "AlgorithmSpecification": {"TrainingImage": trainer.training_image,
                                   "TrainingInputMode": trainer.training_input_mode},
        **{_EXTRA_KEYS.get(key, key): value for key, value in extra.items()},
        "InputDataConfig": [_channel_request(c, trainer.training_input_mode) for c in inputs],
        "OutputDataConfig": {"S3OutputPath": trainer.output_data_config.s3_output_path},
        "ResourceConfig": {"InstanceType": trainer.compute.instance_type,
                           "InstanceCount": trainer.compute.instance_count,
                           "VolumeSizeInGB": trainer.compute.volume_size_in_gb or 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": trainer.stopping_condition.max_runtime_in_seconds},
        "RoleArn": trainer.role,
    }


_EXTRA_KEYS = {"hyperparameters": "HyperParameters", "static_hyperparameters": "StaticHyperParameters"}


class TrainingStep(Step):
    """Run a training job of ``model_trainer`` (a ``ModelTrainer``) on ``inputs`` (``InputData``, whose
    ``data_source`` may be a parameter or another step's output); ``hyperparameters`` here (values may be
    parameters) override the trainer's. Properties: the DescribeTrainingJob answer
    (``.ModelArtifacts.S3ModelArtifacts``, ``.FinalMetricDataList["validation:auc"].Value``)."""

    step_type = "Training"
    cacheable = True

    def __init__(self, name: str, model_trainer, *, inputs: list[InputData] | None = None,
                 hyperparameters: dict | None = None, **kwargs):
        super().__init__(name, **kwargs)
        self.model_trainer = model_trainer
        self.inputs = list(inputs or [])
        self.hyperparameters = dict(hyperparameters or {})

    def arguments(self, pipeline_name: str) -> dict:
        trainer = self.model_trainer
        hyperparameters = {str(k): v if isinstance(v, expressions.Expression) else str(v)
                           for k, v in {**trainer.hyperparameters, **self.hyperparameters}.items()}
        return training_job_request(trainer, self.inputs, hyperparameters=hyperparameters)

    def code_identity(self) -> str:
        return source_dir_hash(self.model_trainer)

    def outputs_exist(self, properties: dict) -> bool:
        uri = properties.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")
        return bool(uri) and storage.s3_to_path(uri).is_file()

    def metadata(self, properties: dict) -> dict:
        return {"TrainingJob": {"Arn": properties.get("TrainingJobArn", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        channels = [channel_from_request(c, c["DataSource"]["S3DataSource"]["S3Uri"])  # every option kept
                    for c in arguments["InputDataConfig"]]
        job = self.model_trainer.start_job(channels or None, hyperparameters=arguments["HyperParameters"])
        try:
            job.wait(logs=False)
        except FailedStatusError as error:
            raise StepFailed(f"Training job {job.name!r} failed: {error.reason}", job_failure_type(error.reason)) from None
        return json.loads(json.dumps(job.describe(), default=str))


def job_failure_type(reason: str) -> str | None:
    """The retry type of a local job's FailureReason: a process killed by a signal is an internal error."""
    return retry.SageMakerJobExceptionTypeEnum.INTERNAL_ERROR.value if "killed by SIG" in str(reason) else None


# -------------------------------------------------------------------------------------- condition

class ConditionStep(Step):
    """Evaluate ``conditions`` (all must hold) and run ``if_steps`` when they do, ``else_steps`` otherwise.
    Property: ``Outcome`` ("True" or "False")."""

    step_type = "Condition"

    def __init__(self, name: str, conditions: list[Condition], *, if_steps: list[Step] | None = None,
                 else_steps: list[Step] | None = None, **kwargs):
        super().__init__(name, **kwargs)
        if not conditions:
            raise ValueError(f"ConditionStep {name!r} needs at least one condition, e.g. "
                             "[ConditionGreaterThanOrEqualTo(left=step.properties..., right=0.8)].")
        self.conditions = list(conditions)
        self.if_steps = list(if_steps or [])
        self.else_steps = list(else_steps or [])

    def branch_steps(self) -> list[Step]:
        return self.if_steps + self.else_steps

    def arguments(self, pipeline_name: str) -> dict:
        return {"Conditions": [c.expr for c in self.conditions],
                "IfSteps": [s.to_request(pipeline_name) for s in self.if_steps],
                "ElseSteps": [s.to_request(pipeline_name) for s in self.else_steps]}

    def dependencies(self, pipeline_name: str) -> set[str]:
        inside = {s.name for s in self.branch_steps()}
        needed = set().union(*(c.step_names() for c in self.conditions)) | set(self.depends_on)
        for step in self.branch_steps():  # a branch step's inputs must be ready before the branch is chosen
            needed |= step.dependencies(pipeline_name) - inside - {self.name}
        return needed

    def metadata(self, properties: dict) -> dict:
        return {"Condition": {"Outcome": properties.get("Outcome", "")}}

    def evaluate(self, context: expressions.Context) -> bool:
        return all(c.evaluate(context) for c in self.conditions)


# ---------------------------------------------------------------------------------------- register

class RegisterModel(Step):
    """Register a model version into a model package group (created if missing), as SageMaker's
    ``RegisterModel`` step; ``approval_status`` may be a parameter. Properties: the DescribeModelPackage
    answer (``.ModelPackageArn``, ``.ModelPackageVersion``)."""

    step_type = "RegisterModel"

    def __init__(self, name: str, *, model_package_group_name, model_data, image_uri, model_metrics: dict | None = None,
                 customer_metadata_properties: dict | None = None, approval_status="PendingManualApproval",
                 model_package_description: str = "", content_types: list[str] | None = None,
                 response_types: list[str] | None = None, framework: str | None = None, **kwargs):
        super().__init__(name, **kwargs)
        self.model_package_group_name = model_package_group_name
        self.model_data = model_data
        self.image_uri = image_uri
        self.model_metrics = model_metrics or {}
        self.customer_metadata_properties = customer_metadata_properties or {}
        self.approval_status = approval_status
        self.model_package_description = model_package_description
        self.content_types = list(content_types or ["text/csv"])
        self.response_types = list(response_types or ["text/csv"])
        self.framework = framework

    def arguments(self, pipeline_name: str) -> dict:
        container = {"Image": self.image_uri, "ModelDataUrl": self.model_data,
                     **({"Framework": self.framework} if self.framework else {})}
        return {"ModelPackageGroupName": self.model_package_group_name,
                "ModelPackageDescription": self.model_package_description,
                "InferenceSpecification": {"Containers": [container],
                                           "SupportedContentTypes": self.content_types,
                                           "SupportedResponseMIMETypes": self.response_types},
                "ModelApprovalStatus": self.approval_status,
                "ModelMetrics": self.model_metrics,
                "CustomerMetadataProperties": self.customer_metadata_properties}

    def metadata(self, properties: dict) -> dict:
        return {"RegisterModel": {"Arn": properties.get("ModelPackageArn", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        group = arguments["ModelPackageGroupName"]
        try:
            model_packages.describe_model_package_group(group)
        except ValueError:  # SageMaker's RegisterModel step creates a missing group too
            model_packages.create_model_package_group(group, f"Created by pipeline {info.pipeline_name}")
        container = arguments["InferenceSpecification"]["Containers"][0]
        created = model_packages.create_model_package(
            group, model_data_url=container["ModelDataUrl"], image_uri=container["Image"],
            framework=container.get("Framework"), model_metrics=arguments["ModelMetrics"],
            model_approval_status=arguments["ModelApprovalStatus"],
            model_package_description=arguments["ModelPackageDescription"],
            customer_metadata_properties=arguments["CustomerMetadataProperties"],
            content_types=arguments["InferenceSpecification"]["SupportedContentTypes"],
            response_types=arguments["InferenceSpecification"]["SupportedResponseMIMETypes"])
        described = model_packages.describe_model_package(created["ModelPackageArn"])
        return json.loads(json.dumps(described, default=str))


# -------------------------------------------------------------------------------------------- fail

class FailStep(Step):
    """End the execution as Failed with ``error_message`` (e.g. in a condition's else branch)."""

    step_type = "Fail"

    def __init__(self, name: str, error_message="", **kwargs):
        super().__init__(name, **kwargs)
        self.error_message = error_message

    def arguments(self, pipeline_name: str) -> dict:
        return {"ErrorMessage": self.error_message}

    def metadata(self, properties: dict) -> dict:
        return {"Fail": {"ErrorMessage": properties.get("ErrorMessage", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        raise StepFailed(str(arguments["ErrorMessage"]) or f"FailStep {self.name!r} was reached.")
