"""The pipelines' SageMaker twins: the same ``Pipeline`` object, its definition sent to SageMaker Pipelines.

With ``use_backend("sagemaker")``, ``pipeline.upsert(role_arn=...)`` sends ``pipeline.definition()`` to
``CreatePipeline`` (``UpdatePipeline`` when it exists), ``pipeline.start(...)`` calls
``StartPipelineExecution`` and returns a :class:`SageMakerPipelineExecution` with the local execution's
methods, backed by ``DescribePipelineExecution``, ``ListPipelineExecutionSteps`` and
``ListPipelineParametersForExecution``.

The definition goes as the local one, with the changes the SDK makes too: a processing step's ``.py``
script is uploaded to ``s3://<default bucket>/<pipeline>/code/<the SDK's code hash>/<script>`` and
mounted as the input named ``code`` at ``/opt/ml/processing/input/code``, where the entrypoint runs it;
a job step (processing, training, tuning) without a role, or with the local platform's made-up one, runs as
the pipeline's role. What SageMaker cannot run is refused before anything is sent: a step whose code is a
Python function, script-mode training (its code is not in the definition), an image that is not in ECR
(the local processing image), a local path or the local platform's default bucket as a job's input or
output.

These functions receive the local ``Pipeline`` as their first argument (``helpers.platform.backend``
dispatches its methods here) and use only its public attributes: this layer does not import the
pipelines package.
"""

from __future__ import annotations

import json
import posixpath
import re
import time
import uuid
from pathlib import Path
from typing import Callable

from helpers.platform.aws.sdk import client, sdk_session
from helpers.platform.backend import LOCAL_ACCOUNT_ID, default_region
from helpers.platform.errors import FailedStatusError

CODE_INPUT = "code"
CODE_DIR = "/opt/ml/processing/input/code"
# SageMaker pulls processing and training images from ECR only
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/\S+$")
FUNCTION_ENTRYPOINT = "flywheel-function"  # the local ProcessingStep's marker for a Python function
ENDED = ("Succeeded", "Failed", "Stopped")
INLINE_DEFINITION_LIMIT = 100 * 1024  # bytes of a PipelineDefinition sent in the request itself


def _answer(response: dict) -> dict:
    response.pop("ResponseMetadata", None)
    return response


# ------------------------------------------------------------------------------------- the definition

def _sklearn_image(region: str) -> str:
    from helpers.platform import image_uris

    return image_uris.retrieve("sklearn", region, version="1.2-1")


def _is_value(source) -> bool:
    """A parameter or another step's property (``{"Get": ...}``, ``{"Std:Join": ...}``): resolved by SageMaker."""
    return isinstance(source, dict)


def _local_only(value) -> bool:
    """An ARN or bucket of the local platform's made-up account (its default bucket, its role)."""
    return isinstance(value, str) and (f":{LOCAL_ACCOUNT_ID}:" in value or f"-{LOCAL_ACCOUNT_ID}/" in value + "/")


def _check_s3(step: str, what: str, uri) -> None:
    if _local_only(uri) or _joins_local_bucket(uri):
        raise ValueError(f"Step {step!r}: {what} is {uri!r}, in the local platform's default bucket, which is not "
                         "in your AWS account: build the step's trainer, transformer or sagemaker_session after "
                         "use_backend('sagemaker') (its default bucket is then yours), or give an s3:// path of yours.")
    if _is_value(uri) or str(uri).startswith("s3://"):
        return
    raise ValueError(f"Step {step!r}: {what} is {uri!r}, a path on this machine that SageMaker cannot read: "
                     "upload it first, e.g. Session().upload_data('data.csv', key_prefix='raw'), and pass the "
                     "s3:// URI it returns.")


def _joins_local_bucket(value) -> bool:
    """A ``Std:Join`` (a processing output's default S3Uri) one of whose parts is the local default bucket."""
    if not isinstance(value, dict) or "Std:Join" not in value:
        return False
    parts = value["Std:Join"].get("Values", [])
    return any(_local_only(f"s3://{part}/") for part in parts if isinstance(part, str))


def _check_image(step: str, image, fix: Callable[[], str]) -> None:
    if _is_value(image) or ECR_IMAGE.match(str(image)):
        return
    raise ValueError(f"Step {step!r} runs the image {image!r}, which exists only on this machine: SageMaker pulls "
                     f"images from ECR. {fix()}")


def _function_refused(step_name: str, function: str) -> ValueError:
    return ValueError(
        f"ProcessingStep {step_name!r} runs the Python function {function} in this notebook, which SageMaker cannot "
        "do: SageMaker runs scripts in containers. Write it as a .py script that reads its inputs from "
        "/opt/ml/processing/input/<input name> and writes its outputs to /opt/ml/processing/output/<output name> "
        "(or the paths you declare), and pass code='script.py'.")


def _every_step(steps: list):
    """The pipeline's step objects, including those in a condition's branches."""
    for step in steps:
        yield step
        yield from _every_step(getattr(step, "branch_steps", list)())


def refuse_local_only(pipeline) -> None:
    """A ValueError naming the first step SageMaker cannot run, before any request or upload (building the
    definition may already ask AWS for the default bucket): a function step, or script-mode training, whose
    code the definition does not carry (it has no ``sagemaker_submit_directory``)."""
    for step in _every_step(pipeline.steps):
        code = getattr(step, "code", None)
        if getattr(step, "local_only", callable(code)):
            raise _function_refused(step.name, getattr(code, "__qualname__", repr(code)))
        trainer = getattr(step, "model_trainer", None) or getattr(getattr(step, "tuner", None), "model_trainer", None)
        if getattr(trainer, "source_code", None) is not None:
            raise ValueError(
                f"{type(step).__name__} {step.name!r} trains your script (source_code=...), which this pipeline cannot "
                "send to SageMaker yet: its definition does not upload the code. Train a built-in algorithm in the "
                "pipeline (training_image=image_uris.retrieve('xgboost', ...)), or run the script as a training job "
                "with ModelTrainer.train() and register its model.")


def _check_processing(step: dict, region: str) -> None:
    name, arguments = step["Name"], step["Arguments"]
    entrypoint = arguments["AppSpecification"].get("ContainerEntrypoint") or []
    if entrypoint[:1] == [FUNCTION_ENTRYPOINT]:
        raise _function_refused(name, entrypoint[1] if len(entrypoint) > 1 else "")
    _check_image(name, arguments["AppSpecification"]["ImageUri"],
                 lambda: f"For a scikit-learn/pandas script give the step SageMaker's scikit-learn image, "
                 f"ProcessingStep(..., image_uri=image_uris.retrieve('sklearn', {region!r}, version='1.2-1')) "
                 f"(= {_sklearn_image(region)!r}).")
    for item in arguments.get("ProcessingInputs", []):
        _check_s3(name, f"input {item['InputName']!r}", item["S3Input"]["S3Uri"])
    for item in arguments.get("ProcessingOutputConfig", {}).get("Outputs", []):
        _check_s3(name, f"output {item['OutputName']!r}", item["S3Output"]["S3Uri"])


def _check_training(name: str, job: dict, region: str) -> None:
    """A training job's request (a Training step's Arguments, a Tuning step's TrainingJobDefinition)."""
    _check_image(name, job["AlgorithmSpecification"]["TrainingImage"],
                 lambda: f"Give its ModelTrainer the ECR URI, e.g. training_image=image_uris.retrieve('xgboost', "
                 f"{region!r}, version='1.7-1').")
    for channel in job.get("InputDataConfig", []):
        _check_s3(name, f"channel {channel['ChannelName']!r}", channel["DataSource"]["S3DataSource"]["S3Uri"])
    _check_s3(name, "the output path", job["OutputDataConfig"]["S3OutputPath"])


def _check_transform(name: str, job: dict) -> None:
    _check_s3(name, "the transform input", job["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"])
    _check_s3(name, "the transform output", job["TransformOutput"]["S3OutputPath"])


def _job_requests(step: dict) -> list[tuple[str, dict]]:
    """``(kind, request)`` of the jobs a step starts, as its definition holds them (edited in place)."""
    arguments = step["Arguments"]
    return {"Processing": [("processing", arguments)], "Training": [("training", arguments)],
            "Tuning": [("training", arguments.get("TrainingJobDefinition", {}))],
            "Transform": [("transform", arguments)]}.get(step["Type"], [])


def _local_script(argument) -> Path | None:
    """The local ``.py`` file an entrypoint argument names, if it is one (SageMaker's own paths are not)."""
    if not isinstance(argument, str) or not argument.endswith(".py") or argument.startswith("/opt/ml/"):
        return None
    path = Path(argument)
    return path if path.is_file() else None


def code_uri(prefix: str, pipeline_name: str, script: Path) -> str:
    """Where a step's script goes, where the SDK puts it: ``<prefix>/<pipeline>/code/<hash>/<name>``, the hash
    being the SDK's own (SHA-256 of the script's path and bytes).

    The same file always gets the same URI, so an unchanged definition stays unchanged."""
    from sagemaker.core.workflow.utilities import get_processing_code_hash

    digest = get_processing_code_hash(str(script), None, [])
    return f"{prefix.rstrip('/')}/{pipeline_name}/code/{digest}/{script.name}"


def _with_code(step: dict, pipeline_name: str, prefix: Callable[[], str],
               upload: Callable[[Path, str], None] | None) -> None:
    """Point the step's entrypoint at its script in S3 (mounted as the ``code`` input), uploading it."""
    specification = step["Arguments"]["AppSpecification"]
    entrypoint = list(specification.get("ContainerEntrypoint") or [])
    for index, argument in enumerate(entrypoint):
        script = _local_script(argument)
        if script is None:
            continue
        uri = code_uri(prefix(), pipeline_name, script)
        if upload is not None:
            upload(script, uri)
        entrypoint[index] = posixpath.join(CODE_DIR, script.name)
        specification["ContainerEntrypoint"] = entrypoint
        step["Arguments"].setdefault("ProcessingInputs", []).append(
            {"InputName": CODE_INPUT, "AppManaged": False,
             "S3Input": {"S3Uri": uri, "LocalPath": CODE_DIR, "S3DataType": "S3Prefix", "S3InputMode": "File"}})
        return


def _each_step(steps: list[dict]):
    """Every step of a definition, including those in a condition's branches."""
    for step in steps:
        yield step
        if step.get("Type") == "Condition":
            yield from _each_step(step["Arguments"].get("IfSteps", []))
            yield from _each_step(step["Arguments"].get("ElseSteps", []))


def sagemaker_definition(definition: str, pipeline_name: str, prefix: Callable[[], str], region: str,
                         role_arn: str, upload: Callable[[Path, str], None] | None = None) -> str:
    """The local ``definition`` (JSON) as SageMaker runs it: every step checked first, then each processing
    step's script moved under ``prefix()`` (``s3://bucket[/key prefix]``, asked only when there is a script),
    by ``upload(path, uri)`` if given, and each job step without a role (or with the local platform's made-up
    one) given ``role_arn`` (CreateProcessingJob and CreateTrainingJob need one; the SDK writes the processor's
    or trainer's).

    Raises ValueError naming the step and the fix when a step cannot run on SageMaker; nothing is uploaded then.
    """
    document = json.loads(definition)
    steps = list(_each_step(document["Steps"]))
    for step in steps:
        for kind, job in _job_requests(step):
            if kind == "processing":
                _check_processing(step, region)
            elif kind == "training":
                _check_training(step["Name"], job, region)
            else:
                _check_transform(step["Name"], job)
    for step in steps:
        if step["Type"] == "Processing":
            _with_code(step, pipeline_name, prefix, upload)
        for kind, job in _job_requests(step):
            if kind != "transform" and (not job.get("RoleArn") or _local_only(job["RoleArn"])):
                job["RoleArn"] = role_arn
    return json.dumps(document)  # compact: the request's limit counts bytes


# ------------------------------------------------------------------------------------------ the session

def _session(pipeline):
    """The SDK Session to upload with: the pipeline's when it is one, else the default."""
    given = getattr(pipeline, "sagemaker_session", None)
    if given is not None and type(given).__module__.startswith("sagemaker."):
        return given
    return sdk_session()


def _code_prefix(session) -> str:
    parts = [session.default_bucket(), getattr(session, "default_bucket_prefix", None)]
    return "s3://" + "/".join(p.strip("/") for p in parts if p)


def _uploader(pipeline) -> Callable[[Path, str], None]:
    def upload(script: Path, uri: str) -> None:
        bucket, _, key = uri[len("s3://"):].partition("/")
        _session(pipeline).upload_data(str(script), bucket=bucket, key_prefix=posixpath.dirname(key))
    return upload


def _definition_for(pipeline, role_arn: str, upload: bool) -> str:
    refuse_local_only(pipeline)
    given = getattr(pipeline, "sagemaker_session", None)
    region = getattr(given, "boto_region_name", None) or default_region()
    # the SDK session (seconds to build, and it may create the default bucket) only when a script needs it
    return sagemaker_definition(pipeline.definition(), pipeline.name, lambda: _code_prefix(_session(pipeline)),
                                region, role_arn, _uploader(pipeline) if upload else None)


# ------------------------------------------------------------------------------------ Pipeline's methods

def _definition_argument(pipeline, role_arn: str) -> dict:
    """``PipelineDefinition``, or, as the SDK does for one of 100 KiB or more (the request's limit), the
    definition uploaded to ``s3://<default bucket>/<pipeline name>`` and its ``PipelineDefinitionS3Location``."""
    definition = _definition_for(pipeline, role_arn, upload=True)
    if len(definition.encode("utf-8")) < INLINE_DEFINITION_LIMIT:
        return {"PipelineDefinition": definition}
    session = _session(pipeline)
    bucket, _, prefix = _code_prefix(session)[len("s3://"):].partition("/")
    key = posixpath.join(prefix, pipeline.name)
    session.upload_string_as_file_body(definition, bucket, key)
    return {"PipelineDefinitionS3Location": {"Bucket": bucket, "ObjectKey": key}}


def upsert(pipeline, role_arn: str | None = None, description: str | None = None) -> dict:
    """CreatePipeline, or UpdatePipeline when it exists: ``{"PipelineArn": ...}``."""
    from botocore.exceptions import ClientError
    from sagemaker.core.common_utils import _is_resource_already_exists_error

    refuse_local_only(pipeline)
    if not role_arn:
        raise ValueError(f"Pipeline {pipeline.name!r}: SageMaker runs the steps as an IAM role: pass "
                         "upsert(role_arn='arn:aws:iam::<account>:role/<SageMaker execution role>').")
    arguments = {"PipelineName": pipeline.name, **_definition_argument(pipeline, role_arn),
                 "RoleArn": role_arn, **({"PipelineDescription": description} if description else {})}
    sagemaker = client()
    try:
        return {"PipelineArn": sagemaker.create_pipeline(**arguments, ClientRequestToken=str(uuid.uuid4()))
                ["PipelineArn"]}
    except ClientError as error:
        if not _is_resource_already_exists_error(error):
            raise
    return {"PipelineArn": sagemaker.update_pipeline(**arguments)["PipelineArn"]}


def describe(pipeline) -> dict:
    """DescribePipeline."""
    return _answer(client().describe_pipeline(PipelineName=pipeline.name))


def _parameters(pipeline, overrides: dict | None) -> list[dict]:
    """StartPipelineExecution's PipelineParameters: the overrides, checked against the declared parameters."""
    declared = {p.name: p for p in pipeline.parameters}
    unknown = sorted(set(overrides or {}) - set(declared))
    if unknown:
        raise ValueError(f"Unknown pipeline parameter(s) {', '.join(map(repr, unknown))}: this pipeline declares "
                         f"{', '.join(declared) or 'none'}.")
    for name, parameter in declared.items():
        if name not in (overrides or {}) and parameter.default_value is None:
            raise ValueError(f"Parameter {name!r} has no default: pass it, start(parameters={{{name!r}: ...}}).")
    return [{"Name": name, "Value": str(declared[name].check(value))} for name, value in (overrides or {}).items()]


def start(pipeline, parameters: dict | None = None, execution_display_name: str | None = None,
          log: Callable[[str], None] | None = print) -> "SageMakerPipelineExecution":
    """StartPipelineExecution; returns at once (``wait()`` blocks until it ends).

    As locally, the pipeline must have been upserted with this very definition: otherwise a ValueError says
    to call ``upsert()``.
    """
    from botocore.exceptions import ClientError

    refuse_local_only(pipeline)
    values = _parameters(pipeline, parameters)
    sagemaker = client()
    try:
        stored = sagemaker.describe_pipeline(PipelineName=pipeline.name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("ResourceNotFound", "ValidationException"):
            raise
        raise ValueError(f"Pipeline {pipeline.name!r} does not exist in SageMaker yet: call "
                         "pipeline.upsert(role_arn=...) before start().") from None
    expected = _definition_for(pipeline, stored["RoleArn"], upload=False)
    if json.loads(stored["PipelineDefinition"]) != json.loads(expected):
        raise ValueError(f"Pipeline {pipeline.name!r} changed since its last upsert(): call "
                         "pipeline.upsert(role_arn=...) again so the stored definition is the one that runs.")
    arguments = {"PipelineName": pipeline.name, "PipelineParameters": values,
                 "ClientRequestToken": str(uuid.uuid4()),
                 **({"PipelineExecutionDisplayName": execution_display_name} if execution_display_name else {})}
    arn = sagemaker.start_pipeline_execution(**arguments)["PipelineExecutionArn"]
    (log or (lambda _message: None))(f"Pipeline execution {arn.rpartition('/')[2]} started on SageMaker")
    return SageMakerPipelineExecution(arn, sagemaker)


def list_executions(pipeline, sort_order: str = "Descending") -> dict:
    """``{"PipelineExecutionSummaries": [...]}`` (ListPipelineExecutions), newest first by default."""
    pages = client().get_paginator("list_pipeline_executions").paginate(
        PipelineName=pipeline.name, SortBy="CreationTime", SortOrder=sort_order)
    return {"PipelineExecutionSummaries": [s for page in pages for s in page["PipelineExecutionSummaries"]]}


def delete(pipeline) -> dict:
    """DeletePipeline (its executions' jobs and the data they wrote stay)."""
    return {"PipelineArn": client().delete_pipeline(PipelineName=pipeline.name,
                                                    ClientRequestToken=str(uuid.uuid4()))["PipelineArn"]}


def list_pipelines() -> list[dict]:
    """PipelineSummaries (ListPipelines)."""
    pages = client().get_paginator("list_pipelines").paginate(SortBy="CreationTime", SortOrder="Ascending")
    return [summary for page in pages for summary in page["PipelineSummaries"]]


# ------------------------------------------------------------------------------------------- executions

def describe_pipeline_execution(pipeline_execution_arn: str) -> dict:
    """DescribePipelineExecution."""
    return SageMakerPipelineExecution(pipeline_execution_arn).describe()


def list_pipeline_execution_steps(pipeline_execution_arn: str, sort_order: str = "Descending") -> list[dict]:
    """ListPipelineExecutionSteps (the latest first by default)."""
    return SageMakerPipelineExecution(pipeline_execution_arn).list_steps(sort_order)


def stop_pipeline_execution(pipeline_execution_arn: str) -> None:
    """StopPipelineExecution."""
    SageMakerPipelineExecution(pipeline_execution_arn).stop()


class SageMakerPipelineExecution:
    """What ``pipeline.start()`` returns on the sagemaker backend: the local ``PipelineExecution``'s interface
    (``describe()``, ``status``, ``list_steps()``, ``list_parameters()``, ``wait()``, ``stop()``,
    ``result(step_name)``), answered by SageMaker."""

    def __init__(self, arn: str, sagemaker_client=None):
        if ":pipeline/" not in str(arn) or "/execution/" not in str(arn):
            raise ValueError(f"{arn!r} is not a pipeline execution ARN: use the PipelineExecutionArn that "
                             "pipeline.start() or pipeline.list_executions() gives.")
        self.arn = arn
        self._client = sagemaker_client or client()

    def describe(self) -> dict:
        """DescribePipelineExecution."""
        return _answer(self._client.describe_pipeline_execution(PipelineExecutionArn=self.arn))

    @property
    def status(self) -> str:
        """PipelineExecutionStatus: Executing, Stopping, Stopped, Failed or Succeeded."""
        return self.describe()["PipelineExecutionStatus"]

    def list_steps(self, sort_order: str = "Descending") -> list[dict]:
        """ListPipelineExecutionSteps: one entry per step that started, the latest first by default."""
        pages = self._client.get_paginator("list_pipeline_execution_steps").paginate(
            PipelineExecutionArn=self.arn, SortOrder=sort_order)
        return [step for page in pages for step in page["PipelineExecutionSteps"]]

    def list_parameters(self) -> dict:
        """ListPipelineParametersForExecution: ``{"PipelineParameters": [{"Name": ..., "Value": ...}]}`` (all pages)."""
        pages = self._client.get_paginator("list_pipeline_parameters_for_execution").paginate(
            PipelineExecutionArn=self.arn)
        return {"PipelineParameters": [p for page in pages for p in page["PipelineParameters"]]}

    def stop(self) -> None:
        """StopPipelineExecution."""
        self._client.stop_pipeline_execution(PipelineExecutionArn=self.arn, ClientRequestToken=str(uuid.uuid4()))

    def wait(self, delay: float = 30.0, max_attempts: int | None = None) -> None:
        """Poll every ``delay`` seconds until the execution ends; FailedStatusError (with its reason) if it failed."""
        attempts = 0
        while True:
            description = self.describe()
            status = description["PipelineExecutionStatus"]
            if status == "Failed":
                raise FailedStatusError("PipelineExecution", status, description.get("FailureReason") or "(Unknown)",
                                        description=description)
            if status in ENDED:
                return
            attempts += 1
            if max_attempts is not None and attempts >= max_attempts:
                raise TimeoutError(f"Pipeline execution {self.arn} is still {status}.")
            time.sleep(delay)

    def result(self, step_name: str) -> dict:
        """The Describe* answer of a step that succeeded (its job, model package, or condition outcome)."""
        steps = {s["StepName"]: s for s in self.list_steps() if s.get("StepStatus") == "Succeeded"}
        if step_name not in steps:
            raise ValueError(f"Step {step_name!r} has no result in this execution (steps with one: "
                             f"{', '.join(steps) or 'none'}); list_steps() says why.")
        metadata = steps[step_name].get("Metadata", {})
        if "Condition" in metadata:
            return {"Outcome": metadata["Condition"].get("Outcome", "")}
        for kind, call, argument in (("TrainingJob", "describe_training_job", "TrainingJobName"),
                                     ("ProcessingJob", "describe_processing_job", "ProcessingJobName"),
                                     ("TuningJob", "describe_hyper_parameter_tuning_job",
                                      "HyperParameterTuningJobName"),
                                     ("TransformJob", "describe_transform_job", "TransformJobName"),
                                     ("RegisterModel", "describe_model_package", "ModelPackageName")):
            if kind in metadata:
                arn = metadata[kind]["Arn"]
                name = arn if kind == "RegisterModel" else arn.rpartition("/")[2]
                return _answer(getattr(self._client, call)(**{argument: name}))
        raise ValueError(f"Step {step_name!r} ({', '.join(metadata) or 'no metadata'}) has no Describe* answer "
                         "here: read list_steps()[...]['Metadata'].")

    def __repr__(self) -> str:
        return f"SageMakerPipelineExecution(arn={self.arn!r})"
