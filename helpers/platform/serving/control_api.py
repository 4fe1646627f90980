"""The SageMaker control plane's create, read, delete and stop calls, on the local records, for plain boto3.

``use_backend("local")`` sets ``AWS_ENDPOINT_URL_SAGEMAKER`` to the router's URL: a
``boto3.client("sagemaker")`` call then arrives as ``POST /`` with ``X-Amz-Target: SageMaker.<Op>``
and a JSON body (AWS's JSON 1.1 protocol), once the router has checked the owner. The answer is the
same JSON the local ``describe()`` / ``list_*`` functions return (botocore keeps only the fields of
the API's shapes); errors are JSON ``{"__type": ..., "message": ...}`` with AWS's codes
(``ValidationException`` for an unknown training job, model, endpoint..., ``ResourceNotFound`` for
an unknown tuning job), so ``ClientError.response["Error"]["Code"]`` is what AWS code expects.

``CreateTrainingJob``, ``CreateModel``, ``CreateEndpointConfig`` and ``CreateEndpoint`` make the same
local resources the kit's classes make (a built-in algorithm's image runs the local built-in).
``UpdateEndpoint`` is blue/green, as on SageMaker: the endpoint is ``Updating`` and its old configuration
answers invocations until the new one serves, then the new one answers; a failed update leaves the old one
serving, ``InService`` with the ``FailureReason``. A training job runs in a detached worker process
(:mod:`~helpers.platform.serving.control_worker`) that watches it to the end, as a notebook's
``ModelTrainer`` does, so the job outlives the router; the call answers once the job's record exists
(``InProgress``), Describe* then moves to ``Completed`` as on AWS (what boto3's waiters poll), and
``StopTrainingJob`` stops it. Requests are checked first, with SageMaker's ``ValidationException``
wording (a bad name or role, an image the local platform cannot run, a channel with no data), so a
bad one creates nothing. https S3 URLs are read as the ``s3://`` URIs they name, as SageMaker takes
them. ``CreateTransformJob`` runs the kit's ``Transformer`` in a detached worker the same way (InProgress
-> Completed, Failed with "ClientError: ..." when the job cannot run, Stopped by ``StopTransformJob``).
``CreateHyperParameterTuningJob`` (a built-in algorithm's image: static hyperparameters, ranges, objective,
resource limits) runs the kit's ``HyperparameterTuner`` in a detached worker, the job's monitor, which
``StopHyperParameterTuningJob`` signals. Script-mode training (a framework image) is created with the kit
(``ModelTrainer(source_code=...)``); its create call answers a ``ValidationException`` that says so.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

from helpers.platform import jobs
from helpers.platform.errors import HyperparameterError
from helpers.platform.serving import processes, registry, resources
from helpers.platform.serving.access import clip
from helpers.platform.serving.app import read_body
from helpers.platform.tuning import records as tuning
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import endpoint_configs_root, transform_jobs_root

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PAGE = 100  # MaxResults when none is given (SageMaker's list calls allow 1-100)


class ApiError(Exception):
    """An AWS JSON error: its code (``ValidationException``...), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status


def answer(status: int, payload: dict, error_code: str | None = None) -> tuple[int, list, bytes]:
    body = json.dumps(payload, default=_jsonable).encode()
    headers = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", str(len(body)).encode())]
    if error_code:
        headers.append((b"x-amzn-errortype", error_code.encode()))
    return status, headers, body


def _jsonable(value):
    if isinstance(value, datetime):
        return value.timestamp()  # botocore reads epoch seconds as a timestamp
    raise TypeError(f"{type(value).__name__} is not JSON")


def _name(params: dict, key: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError("ValidationException", f"{key} is required (a name of 1-63 letters, digits and hyphens).")
    return value


def _page(items: list, params: dict, key: str) -> dict:
    """``items`` cut to MaxResults, with an opaque NextToken (an offset) when more remain."""
    try:
        start = int(base64.urlsafe_b64decode(params["NextToken"]).decode()) if params.get("NextToken") else 0
        size = int(params.get("MaxResults") or DEFAULT_PAGE)
    except (ValueError, TypeError):
        raise ApiError("ValidationException", "NextToken is not one this API returned: pass it unchanged.") from None
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return out


def _contains(items: list, params: dict, name_key: str) -> list:
    wanted = params.get("NameContains")
    return [item for item in items if not wanted or wanted in item.get(name_key, "")]


def _newest_first(items: list, params: dict) -> list:
    reverse = params.get("SortOrder", "Descending") == "Descending"
    return sorted(items, key=lambda item: str(item.get("CreationTime")), reverse=reverse)


# ---------------------------------------------------------------------------- training jobs
def describe_training_job(params: dict) -> dict:
    name = _name(params, "TrainingJobName")
    try:
        return jobs.public_view(jobs.read_record(name))
    except ValueError:
        raise ApiError("ValidationException", f"Requested resource not found: training job {clip(name)!r} "
                         "is not in the local store (list_training_jobs() shows those there are).") from None


def list_training_jobs(params: dict) -> dict:
    summaries = jobs.list_training_jobs.__wrapped__(  # the local records, whatever FLYWHEEL_BACKEND says
        name_contains=params.get("NameContains"), status_equals=params.get("StatusEquals"), max_results=10 ** 9,
        sort_order=params.get("SortOrder", "Descending"))
    return _page(summaries, params, "TrainingJobSummaries")


def _require_in_progress(kind: str, status: str) -> None:
    """SageMaker's refusal to stop a ``kind`` ("training", "tuning", "transform") job that has ended."""
    if status != "InProgress":
        raise ApiError("ValidationException", f"The request was rejected because the {kind} job is in status "
                       f"{status}: only an InProgress job can be stopped.")


def stop_training_job(params: dict) -> dict:
    status = describe_training_job(params)["TrainingJobStatus"]
    name = params["TrainingJobName"]
    _require_in_progress("training", status)
    if _stop_created_job(name):
        return {}
    raise ApiError("ValidationException", (
        f"Training job {name} runs inside the Python process that started it: stop it there, with "
        f"trainer.latest_training_job.stop() (or interrupt the cell); the local platform cannot stop it from boto3."))


def _stop_created_job(name: str) -> bool:
    """Signal the worker of a job CreateTrainingJob made (it stops the job: Stopped, as on SageMaker);
    False for a job another process watches (a notebook's ModelTrainer), or whose worker is gone."""
    if not (jobs.job_dir(name) / "create-request.json").is_file():
        return False
    private = jobs.load_record(name).get(jobs.PRIVATE, {})
    pid, started = private.get("MonitorPid"), private.get("MonitorStarted")
    if started is None or not jobs.same_process(pid, started):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    return True


# ------------------------------------------------------------------------------ tuning jobs
def describe_tuning_job(params: dict) -> dict:
    name = _name(params, "HyperParameterTuningJobName")
    try:
        return tuning.public_view(tuning.read(name))
    except ValueError:
        raise ApiError("ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {clip(name)} "
                         "in the local store.") from None


def list_tuning_jobs(params: dict) -> dict:
    summaries = tuning.list_hyper_parameter_tuning_jobs.__wrapped__(name_contains=params.get("NameContains"))
    if params.get("StatusEquals"):
        summaries = [s for s in summaries if s.get("HyperParameterTuningJobStatus") == params["StatusEquals"]]
    return _page(_newest_first(summaries, params), params, "HyperParameterTuningJobSummaries")


def list_tuning_trials(params: dict) -> dict:
    describe_tuning_job(params)  # the right error for an unknown job
    trials = tuning.list_training_jobs_for_hyper_parameter_tuning_job.__wrapped__(
        params["HyperParameterTuningJobName"])
    return _page(trials, params, "TrainingJobSummaries")


def stop_tuning_job(params: dict) -> dict:
    """StopHyperParameterTuningJob: the worker of a job CreateHyperParameterTuningJob made stops its trials."""
    view = describe_tuning_job(params)
    name, status = view["HyperParameterTuningJobName"], view["HyperParameterTuningJobStatus"]
    _require_in_progress("tuning", status)
    private = tuning.load(name).get(jobs.PRIVATE, {})
    pid, started = private.get("MonitorPid"), private.get("MonitorStarted")
    if not _tuning_spool(name).is_dir() or not jobs.same_process(pid, started):
        raise ApiError("ValidationException", (
            f"Tuning job {name} runs inside the Python process that started it: stop it there with "
            "tuner.stop_tuning_job(); the local platform stops from boto3 only the jobs boto3 created."))
    os.kill(pid, signal.SIGTERM)
    return {}


#: SageMaker's pattern for a tuning job's name (at most 32 characters).
TUNING_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"
#: Parts of a CreateHyperParameterTuningJob request the local tuner does not run, and what to do instead.
TUNING_UNSUPPORTED = {
    "TrainingJobDefinitions": "give one TrainingJobDefinition (the local tuner tunes one algorithm)",
    "WarmStartConfig": "leave it out: the local tuner starts every tuning job afresh",
    "Autotune": "leave it out and give the ranges, objective and limits",
}


def _tuner_and_channels(request: dict):
    """The kit's ``HyperparameterTuner`` and the channels a CreateHyperParameterTuningJob request describes."""
    from helpers.platform.tuning.parameters import ranges_from_description
    from helpers.platform.tuning.tuner import HyperparameterTuner

    definition = request.get("TrainingJobDefinition") or {}
    config = request.get("HyperParameterTuningJobConfig") or {}
    trainer, channels = _trainer_and_channels({
        "TrainingJobName": request["HyperParameterTuningJobName"], "RoleArn": definition.get("RoleArn"),
        "AlgorithmSpecification": definition.get("AlgorithmSpecification"),
        "HyperParameters": definition.get("StaticHyperParameters"), **{
            key: definition.get(key) for key in ("InputDataConfig", "OutputDataConfig", "ResourceConfig",
                                                 "StoppingCondition", "Environment")}})
    objective = config.get("HyperParameterTuningJobObjective") or definition.get("TuningObjective") or {}
    limits = config.get("ResourceLimits") or {}
    if not objective.get("MetricName"):
        raise ApiError("ValidationException", "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective is "
                       "required locally: {'Type': 'Minimize' or 'Maximize', 'MetricName': 'validation:rmse'...}.")
    ranges = {}
    for kind, items in (config.get("ParameterRanges") or definition.get("HyperParameterRanges") or {}).items():
        for item in items or []:
            try:
                ranges.update(ranges_from_description({kind: [item]}))
            except (ValueError, TypeError, KeyError) as error:
                raise ApiError("ValidationException", f"HyperParameterTuningJobConfig.ParameterRanges.{kind} "
                               f"{clip(str(item.get('Name')))!r}: {error}") from None
    try:
        tuner = HyperparameterTuner(
            trainer, objective["MetricName"], ranges,
            strategy=config.get("Strategy") or "Bayesian", objective_type=objective.get("Type") or "Maximize",
            max_jobs=limits.get("MaxNumberOfTrainingJobs"), max_parallel_jobs=limits.get("MaxParallelTrainingJobs", 1),
            max_runtime_in_seconds=limits.get("MaxRuntimeInSeconds"), strategy_config=config.get("StrategyConfig"),
            early_stopping_type=config.get("TrainingJobEarlyStoppingType") or "Off",
            random_seed=config.get("RandomSeed"))
    except (ValueError, TypeError, KeyError) as error:  # the kit's checks name the field and the fix
        raise ApiError("ValidationException", str(error)) from None
    return tuner, channels


def _tuning_spool(name: str):
    """The folder of a CreateHyperParameterTuningJob request (beside the tuner's own folder of the job, which
    the tuner makes): it holds the request and the worker's log while its worker runs."""
    return tuning.root() / f".{name}.create"


def create_tuning_job(params: dict) -> dict:
    """CreateHyperParameterTuningJob for a built-in algorithm's image: the kit's tuner runs the trials (local
    training jobs) in a detached worker, the job's monitor; the call answers once its record exists."""
    name = _constraint(params, "HyperParameterTuningJobName", "hyperParameterTuningJobName", TUNING_NAME_PATTERN, 32)
    for key, instead in TUNING_UNSUPPORTED.items():
        if params.get(key):
            raise ApiError("ValidationException", f"{key} is not supported by the local platform: {instead}.")
    if not params.get("TrainingJobDefinition"):
        raise ApiError("ValidationException", "TrainingJobDefinition is required: the algorithm, role, channels, "
                       "output, resources and static hyperparameters of the trials.")
    _constraint(params["TrainingJobDefinition"], "RoleArn", "trainingJobDefinition.roleArn", ROLE_PATTERN, 2048)
    _tuner_and_channels(params)
    if tuning.folder(name).exists():
        raise ApiError("ResourceInUse", f"Tuning job names must be unique within an AWS account and region, and a "
                       f"tuning job with this name already exists ({name}): pick another HyperParameterTuningJobName.")
    spool = _tuning_spool(name)
    _claim(spool, "Tuning job", name, "HyperParameterTuningJobName")
    registry.write_json(spool / "create-request.json", params)
    _start_worker("tune", name, spool, "tuning job", record=tuning.folder(name) / "tuning.json")
    return {"HyperParameterTuningJobArn": tuning.read(name)["HyperParameterTuningJobArn"]}


# ---------------------------------------------------------------------- models and configs
def describe_model(params: dict) -> dict:
    name = _name(params, "ModelName")
    try:
        return resources.Model(name).describe()
    except ValueError as error:
        raise ApiError("ValidationException", str(error)) from None


def list_models(params: dict) -> dict:
    views = [model.describe() for model in resources.Model.get_all()]
    summaries = [{k: v.get(k) for k in ("ModelName", "ModelArn", "CreationTime")} for v in views]
    return _page(_newest_first(_contains(summaries, params, "ModelName"), params), params, "Models")


def delete_model(params: dict) -> dict:
    describe_model(params)
    resources.Model(params["ModelName"]).delete()
    return {}


def describe_endpoint_config(params: dict) -> dict:
    name = _name(params, "EndpointConfigName")
    try:
        resources.EndpointConfig.get(name)  # checks the name, says which exist
    except ValueError as error:
        raise ApiError("ValidationException", str(error)) from None
    return registry.read_json(endpoint_configs_root() / f"{name}.json")


def list_endpoint_configs(params: dict) -> dict:
    folder = endpoint_configs_root()
    views = [registry.read_json(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    summaries = [{k: v.get(k) for k in ("EndpointConfigName", "EndpointConfigArn", "CreationTime")}
                 for v in views if v]
    return _page(_newest_first(_contains(summaries, params, "EndpointConfigName"), params), params,
                 "EndpointConfigs")


def delete_endpoint_config(params: dict) -> dict:
    describe_endpoint_config(params)
    resources.EndpointConfig.get(params["EndpointConfigName"]).delete()
    return {}


# -------------------------------------------------------------------------------- endpoints
def describe_endpoint(params: dict) -> dict:
    name = _name(params, "EndpointName")
    try:
        return registry.describe_endpoint(name)
    except ValueError as error:  # EndpointNotFound, a bad name
        raise ApiError("ValidationException", str(error)) from None


def list_endpoints(params: dict) -> dict:
    summaries = registry.list_endpoints()
    if params.get("StatusEquals"):
        summaries = [s for s in summaries if s.get("EndpointStatus") == params["StatusEquals"]]
    return _page(_newest_first(_contains(summaries, params, "EndpointName"), params), params, "Endpoints")


def delete_endpoint(params: dict) -> dict:
    describe_endpoint(params)
    registry.delete_endpoint(params["EndpointName"])
    return {}


# --------------------------------------------------------------------------- transform jobs
def describe_transform_job(params: dict) -> dict:
    from helpers.platform.serving.transform import describe_transform_job as describe

    name = _name(params, "TransformJobName")
    try:
        return describe(name)
    except ValueError:
        raise ApiError("ValidationException", f"Could not find requested job with name {clip(name)} in the "
                         "local store.") from None


def list_transform_jobs(params: dict) -> dict:
    folder = transform_jobs_root()
    views = [registry.read_json(p / "job.json") for p in sorted(folder.iterdir())] if folder.is_dir() else []
    summaries = [{k: v.get(k) for k in ("TransformJobName", "TransformJobArn", "CreationTime",
                                        "TransformEndTime", "LastModifiedTime", "TransformJobStatus",
                                        "FailureReason") if k in v} for v in views if v]
    if params.get("StatusEquals"):
        summaries = [s for s in summaries if s.get("TransformJobStatus") == params["StatusEquals"]]
    return _page(_newest_first(_contains(summaries, params, "TransformJobName"), params), params,
                 "TransformJobSummaries")


def stop_transform_job(params: dict) -> dict:
    """StopTransformJob: the worker of a job CreateTransformJob made is signalled; the job ends Stopped."""
    status = describe_transform_job(params)["TransformJobStatus"]
    name = params["TransformJobName"]
    _require_in_progress("transform", status)
    worker = processes.ProcessRef.from_dict(registry.read_json(transform_jobs_root() / name / WORKER_FILE))
    if not processes.is_alive(worker):
        raise ApiError("ValidationException", (
            f"Transform job {name} runs inside the Python process that started it (Transformer.transform): "
            "interrupt it there; the local platform stops from boto3 only the jobs CreateTransformJob made."))
    os.kill(worker.pid, signal.SIGTERM)
    return {}


# ------------------------------------------------------------------------------ create calls
#: SageMaker's patterns (botocore's service model) for the names and the role of a create call.
NAME_PATTERN = RESOURCE_NAME.pattern  # the kit's own check of every resource name
MODEL_NAME_PATTERN = r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$"
ROLE_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"
#: Seconds a create call waits for its worker (CreateTrainingJob: until the job's first record exists).
WORKER_START_SECONDS = 60.0
WORKER = "helpers.platform.serving.control_worker"
WORKER_POLL_SECONDS = 1.0  # how often the router checks whether a training worker has ended
WORKER_FILE = "worker.json"  # a transform worker's pid and start time: StopTransformJob signals it


def _constraint(params: dict, key: str, member: str, pattern: str, max_len: int = 63) -> str:
    """``params[key]`` checked as SageMaker does, with its "1 validation error detected" wording."""
    value = params.get(key)
    if not isinstance(value, str) or len(value) > max_len or not re.match(pattern, value):
        raise ApiError("ValidationException", (
            f"1 validation error detected: Value {clip(str(value))!r} at '{member}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern.strip('^$')} (and have at most {max_len} "
            "characters)."))
    return value


def _s3(uri, where: str) -> str:
    """An ``s3://`` or S3 https URL (SageMaker's ``^(https|s3)://``) as the local store's ``s3://`` URI."""
    from helpers.platform.storage import s3_uri_of

    try:
        return s3_uri_of(str(uri))
    except ValueError as error:
        raise ApiError("ValidationException", f"{where}: {error}") from None


def _trainer_and_channels(request: dict):
    """The ``ModelTrainer`` and ``InputData`` channels a CreateTrainingJob request describes."""
    from helpers.platform import builtins
    from helpers.platform.configs import Compute, OutputDataConfig, StoppingCondition
    from helpers.platform.trainer import ModelTrainer
    from helpers.platform.validation import channel_from_request

    spec = request.get("AlgorithmSpecification") or {}
    image = spec.get("TrainingImage")
    try:
        algorithm = builtins.algorithm_for_image(image) if image else None
    except ValueError:  # an image the local platform cannot run at all
        algorithm = None
    if algorithm is None:
        raise ApiError("ValidationException", (
            f"TrainingImage {clip(str(image))!r} is not a built-in algorithm image the local platform runs "
            f"({', '.join(builtins.available())}: image_uris.retrieve('xgboost', region, '1.7-1') gives one). "
            "For your own training script use ModelTrainer(training_image=..., source_code=SourceCode(...))."))
    resources_ = request.get("ResourceConfig") or {}
    output = request.get("OutputDataConfig") or {}
    stopping = request.get("StoppingCondition") or {}
    try:
        trainer = ModelTrainer(
            training_image=image, role=request["RoleArn"], base_job_name=request["TrainingJobName"],
            training_input_mode=spec.get("TrainingInputMode") or "File",
            compute=Compute(instance_type=resources_.get("InstanceType"), instance_count=resources_.get("InstanceCount"),
                            volume_size_in_gb=resources_.get("VolumeSizeInGB") or 30),
            hyperparameters=request.get("HyperParameters") or {},
            output_data_config=OutputDataConfig(
                s3_output_path=_s3(output.get("S3OutputPath"), "OutputDataConfig.S3OutputPath"),
                kms_key_id=output.get("KmsKeyId"), compression_type=output.get("CompressionType")),
            stopping_condition=StoppingCondition(max_runtime_in_seconds=stopping.get("MaxRuntimeInSeconds")),
            environment=request.get("Environment") or {})
        channels = [channel_from_request(c, _s3(c["DataSource"]["S3DataSource"]["S3Uri"],  # every option kept
                                                f"channel {c['ChannelName']!r} S3Uri"))
                    for c in request.get("InputDataConfig") or []]
        trainer.start_job(channels, dry_run=True)  # channels present and non-empty, before any job exists
    except HyperparameterError:
        return trainer, channels  # SageMaker creates the job and its container fails it: so does the worker
    except ApiError:
        raise
    except Exception as error:  # the kit's own checks (ValueError, InputDataError...) name the fix
        raise ApiError("ValidationException", str(error)) from None
    return trainer, channels


def _reap_when_done(ref) -> None:
    while processes.is_alive(ref):  # polls the child: reaps it once it has ended
        time.sleep(WORKER_POLL_SECONDS)


def create_training_job(params: dict) -> dict:
    name = _constraint(params, "TrainingJobName", "trainingJobName", NAME_PATTERN)
    _constraint(params, "RoleArn", "roleArn", ROLE_PATTERN, 2048)
    _trainer_and_channels(params)
    folder = jobs.job_dir(name)
    _claim(folder, "Training job", name, "TrainingJobName")
    registry.write_json(folder / "create-request.json", params)
    _start_worker("train", name, folder, "training job")
    return {"TrainingJobArn": jobs.read_record(name)["TrainingJobArn"]}


def _start_worker(kind: str, name: str, folder, what: str, record=None) -> None:
    """Start ``control_worker <kind> <name>`` detached (it reads ``folder/create-request.json``), and return
    once the job's first record (``record``, default ``folder/job.json``) exists. A worker that exits or hangs
    before that leaves nothing behind (``folder`` is removed) and the call answers the ValidationException
    the worker left in ``folder/create-error.json`` (the kit refused the request), else InternalFailure
    with the worker's output."""
    record = record or folder / "job.json"
    ref = processes.spawn(WORKER, [kind, name], folder / "create.log")
    # reaped once it ends: a worker left a zombie would look alive, and its job InProgress, forever
    # no job name in a thread's name: Python 3.14+ gives it to the OS thread, whose name every user can read
    threading.Thread(target=_reap_when_done, args=(ref,), daemon=True, name="worker-reaper").start()
    started = processes.wait_until(lambda: record.is_file() or not processes.is_alive(ref), WORKER_START_SECONDS)
    if not record.is_file():
        log = (folder / "create.log").read_text(errors="replace")[-2000:] if (folder / "create.log").exists() else ""
        refused = registry.read_json(folder / "create-error.json")
        processes.stop(ref)
        shutil.rmtree(folder, ignore_errors=True)
        if refused:
            raise ApiError("ValidationException", refused["message"])
        why = "timed out" if not started else "exited"
        raise ApiError("InternalFailure", f"the local worker for {what} {name} {why} before the job "
                       f"started: {log or 'no output'}", 500)


def _claim(folder, what: str, name: str, key: str) -> None:
    """Make the job's folder, atomically: two creates of one name cannot both pass."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except FileExistsError:
        raise ApiError("ValidationException", (
            f"{what} names must be unique within an AWS account and region, and a {what.lower()} with this "
            f"name already exists ({name}): pick another {key}.")) from None


# ------------------------------------------------------------------------ CreateTransformJob
#: Values the local batch transform runs, by the request's field (SageMaker's own enums are wider:
#: a value outside these is refused at create, naming the field, instead of failing the job later).
TRANSFORM_CHOICES = {
    ("BatchStrategy",): ("MultiRecord", "SingleRecord"),
    ("TransformInput", "SplitType"): ("None", "Line", "RecordIO"),
    ("TransformInput", "CompressionType"): ("None",),
    ("TransformInput", "DataSource", "S3DataSource", "S3DataType"): ("S3Prefix",),
    ("TransformOutput", "AssembleWith"): ("None", "Line"),
    ("DataProcessing", "JoinSource"): ("None", "Input"),
}


def _member(path: tuple) -> str:
    """``("TransformInput", "SplitType")`` -> ``transformInput.splitType``, as SageMaker names a field."""
    return ".".join(part[:1].lower() + part[1:] for part in path)


def _field(params: dict, path: tuple):
    value = params
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _check_transform(params: dict) -> None:
    """Everything about a CreateTransformJob request that can be checked before the job exists."""
    from helpers.platform.serving import transform

    for path, allowed in TRANSFORM_CHOICES.items():
        value = _field(params, path)
        if value is not None and value not in allowed:
            raise ApiError("ValidationException", (
                f"Value {clip(str(value))!r} at '{_member(path)}' is not one the local platform runs: use one of "
                f"{', '.join(allowed)}."))
    uri = _field(params, ("TransformInput", "DataSource", "S3DataSource", "S3Uri"))
    if not uri:
        raise ApiError("ValidationException", "TransformInput.DataSource.S3DataSource.S3Uri is required: the "
                       "s3:// prefix of the objects to transform.")
    _s3(uri, "TransformInput.DataSource.S3DataSource.S3Uri")
    if not _field(params, ("TransformOutput", "S3OutputPath")):
        raise ApiError("ValidationException", "TransformOutput.S3OutputPath is required: the s3:// prefix the "
                       "answers are written under.")
    _s3(params["TransformOutput"]["S3OutputPath"], "TransformOutput.S3OutputPath")
    for key in ("InputFilter", "OutputFilter"):
        try:
            transform._csv_filter(_field(params, ("DataProcessing", key)))
        except ValueError as error:
            raise ApiError("ValidationException", f"DataProcessing.{key}: {error}") from None
    try:
        transform._check_split(_field(params, ("TransformInput", "SplitType")) or "None",
                               _field(params, ("TransformInput", "ContentType")),
                               _field(params, ("TransformOutput", "AssembleWith")) or "None",
                               _field(params, ("TransformOutput", "Accept")))
    except ValueError as error:
        raise ApiError("ValidationException", f"TransformInput.SplitType: {error}") from None


def create_transform_job(params: dict) -> dict:
    """CreateTransformJob: the kit's ``Transformer`` runs the job in a detached worker; the call answers once
    the job's record exists (InProgress), as SageMaker answers before its instances start."""
    name = _constraint(params, "TransformJobName", "transformJobName", NAME_PATTERN)
    model = _constraint(params, "ModelName", "modelName", MODEL_NAME_PATTERN)
    describe_model({"ModelName": model})  # an unknown model: SageMaker's ValidationException, nothing made
    _check_transform(params)
    folder = transform_jobs_root() / name
    _claim(folder, "Transform job", name, "TransformJobName")
    registry.write_json(folder / "create-request.json", params)
    _start_worker("transform", name, folder, "transform job")
    return {"TransformJobArn": registry.arn("transform-job", name)}


def _in_worker(operation: str, params: dict) -> dict:
    """Run ``operation`` in a ``control_worker`` process: the kit's ModelBuilder and Endpoint start the
    router themselves (an endpoint needs it), so the router reaches them through a process, not an import."""
    try:
        done = subprocess.run([sys.executable, "-m", WORKER, operation], input=json.dumps(params).encode(),
                              capture_output=True, timeout=WORKER_START_SECONDS)
    except subprocess.TimeoutExpired:
        raise ApiError("InternalFailure", f"SageMaker.{operation} took over {WORKER_START_SECONDS:.0f} s locally.",
                       500) from None
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise ApiError("InternalFailure", f"SageMaker.{operation} failed locally: "
                       f"{done.stderr.decode(errors='replace')[-2000:] or 'no output'}", 500) from None
    if "error" in result:
        raise ApiError(result["error"]["code"], result["error"]["message"])
    return result["answer"]


def create_model(params: dict) -> dict:
    name = _constraint(params, "ModelName", "modelName", MODEL_NAME_PATTERN)
    _constraint(params, "ExecutionRoleArn", "executionRoleArn", ROLE_PATTERN, 2048)
    if (resources.models_root() / name / "model.json").is_file():
        raise ApiError("ValidationException", f'Cannot create already existing model "{resources.arn("model", name)}".'
                       " Delete it first (delete_model) or pick another ModelName.")
    container = params.get("PrimaryContainer") or (params.get("Containers") or [None])[0]
    if not container or not container.get("Image") or not container.get("ModelDataUrl"):
        raise ApiError("ValidationException", "PrimaryContainer needs Image (a built-in algorithm's image) and "
                       "ModelDataUrl (s3://.../model.tar.gz of a training job) on the local platform.")
    _s3(container["ModelDataUrl"], "PrimaryContainer.ModelDataUrl")
    return _in_worker("CreateModel", params)


def create_endpoint_config(params: dict) -> dict:
    name = _constraint(params, "EndpointConfigName", "endpointConfigName", NAME_PATTERN)
    if (endpoint_configs_root() / f"{name}.json").is_file():
        raise ApiError("ValidationException", "Cannot create already existing endpoint configuration "
                       f'"{resources.arn("endpoint-config", name)}". Delete it first or pick another name.')
    try:
        variants = [resources.ProductionVariant(
            variant_name=v["VariantName"], model_name=v["ModelName"],
            initial_instance_count=v.get("InitialInstanceCount", 1), instance_type=v.get("InstanceType", "ml.m5.large"),
            initial_variant_weight=v.get("InitialVariantWeight", 1.0)) for v in params.get("ProductionVariants") or []]
        capture = resources.DataCaptureConfig.from_request_dict(params.get("DataCaptureConfig"))
        config = resources.EndpointConfig.create(endpoint_config_name=name, production_variants=variants,
                                                 data_capture_config=capture)
    except (ValueError, KeyError, TypeError) as error:
        raise ApiError("ValidationException", str(error)) from None
    return {"EndpointConfigArn": config.endpoint_config_arn}


def create_endpoint(params: dict) -> dict:
    _constraint(params, "EndpointName", "endpointName", NAME_PATTERN)
    config = _constraint(params, "EndpointConfigName", "endpointConfigName", NAME_PATTERN)
    describe_endpoint_config({"EndpointConfigName": config})  # an unknown config: the error, without a worker
    return _in_worker("CreateEndpoint", params)


_UPDATES = threading.Lock()  # UpdateEndpoint's check of the status and the start of its worker, as one step


def update_endpoint(params: dict) -> dict:
    """UpdateEndpoint, blue/green as on SageMaker: a detached worker starts the new configuration's servers
    beside the old ones, which serve meanwhile (``Updating``), and swaps them in once they serve; a failed
    update leaves the old ones serving, ``InService`` with the ``FailureReason``."""
    name = _constraint(params, "EndpointName", "endpointName", NAME_PATTERN)
    config = _constraint(params, "EndpointConfigName", "endpointConfigName", NAME_PATTERN)
    describe_endpoint_config({"EndpointConfigName": config})
    with _UPDATES:  # two updates at once: the second finds the endpoint Updating
        view = describe_endpoint(params)  # an unknown endpoint: AWS's error
        status = view["EndpointStatus"]
        if status != "InService":
            advice = ("Only DeleteEndpoint works on a Failed endpoint: delete it and create it again."
                      if status == "Failed" else
                      "Wait until it is InService (boto3's endpoint_in_service waiter), then update it.")
            state = "in-progress" if status in ("Creating", "Updating") else status.lower()
            raise ApiError("ValidationException", f'Cannot update {state} endpoint "{view["EndpointArn"]}". {advice}')
        folder = registry.endpoint_dir(name)
        registry.write_json(folder / registry.UPDATE_FILE, {"EndpointConfigName": config,
                                                            "StartTime": registry.now_iso()})
        ref = processes.spawn(WORKER, ["update", name], folder / "update.log")
        threading.Thread(target=_reap_when_done, args=(ref,), daemon=True, name="worker-reaper").start()
        # answered once the worker has recorded itself: from then on Describe says Updating
        processes.wait_until(lambda: "Pid" in (registry.read_json(folder / registry.UPDATE_FILE) or {})
                             or not processes.is_alive(ref), WORKER_START_SECONDS)
    return {"EndpointArn": view["EndpointArn"]}


#: Calls that wait on a process (a worker, a server): run off the event loop, so others are answered meanwhile.
SLOW = {"CreateTrainingJob", "CreateEndpoint", "UpdateEndpoint", "CreateModel", "CreateTransformJob",
        "CreateHyperParameterTuningJob"}

OPERATIONS = {
    "CreateTrainingJob": create_training_job, "CreateModel": create_model,
    "CreateEndpointConfig": create_endpoint_config, "CreateEndpoint": create_endpoint,
    "UpdateEndpoint": update_endpoint, "CreateTransformJob": create_transform_job,
    "CreateHyperParameterTuningJob": create_tuning_job,
    "DescribeTrainingJob": describe_training_job, "ListTrainingJobs": list_training_jobs,
    "StopTrainingJob": stop_training_job,
    "DescribeHyperParameterTuningJob": describe_tuning_job, "ListHyperParameterTuningJobs": list_tuning_jobs,
    "ListTrainingJobsForHyperParameterTuningJob": list_tuning_trials,
    "StopHyperParameterTuningJob": stop_tuning_job,
    "DescribeModel": describe_model, "ListModels": list_models, "DeleteModel": delete_model,
    "DescribeEndpointConfig": describe_endpoint_config, "ListEndpointConfigs": list_endpoint_configs,
    "DeleteEndpointConfig": delete_endpoint_config,
    "DescribeEndpoint": describe_endpoint, "ListEndpoints": list_endpoints, "DeleteEndpoint": delete_endpoint,
    "DescribeTransformJob": describe_transform_job, "ListTransformJobs": list_transform_jobs,
    "StopTransformJob": stop_transform_job,
}
#: What to use instead of a SageMaker call the local platform does not answer, by its first word.
INSTEAD = {
    "Create": "create it with the kit: ModelTrainer(...).train() for a script",
    "Update": "deploy again with ModelBuilder(...).deploy(update_endpoint=True), or Endpoint.update_weights()",
}


def unsupported(operation: str) -> ApiError:
    verb = next((v for v in INSTEAD if operation.startswith(v)), None)
    instead = INSTEAD.get(verb) or "use the kit's own classes, or use_backend('sagemaker') for AWS"
    return ApiError("ValidationException", (
        f"SageMaker.{clip(operation, 80)} is not implemented by the local platform: it answers "
        f"{', '.join(sorted(OPERATIONS))}. Instead, {instead}."))


class ControlApi:
    """Answers ``X-Amz-Target: SageMaker.<Op>`` requests (one instance per router)."""

    async def __call__(self, scope: dict, path: str, headers: dict, receive, send) -> None:
        try:
            result = answer(200, await self._run(scope, path, headers, receive))
        except ApiError as error:
            result = answer(error.status, {"__type": error.code, "message": str(error)}, error.code)
        status, out, body = result
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _run(scope: dict, path: str, headers: dict, receive) -> dict:
        service, _, operation = headers[b"x-amz-target"].decode("latin-1").partition(".")
        if scope["method"] != "POST" or path != "/" or service != "SageMaker":
            await read_body(receive, MAX_BODY_BYTES)
            raise ApiError("UnknownOperationException", (
                f"{scope['method']} {clip(path)} with X-Amz-Target {clip(service)}.{clip(operation, 80)} is not a "
                "SageMaker call: the local control plane answers POST / with X-Amz-Target: SageMaker.<Operation>."))
        body = await read_body(receive, MAX_BODY_BYTES)  # first: an error answer leaves no unread body
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise unsupported(operation)
        try:
            params = json.loads(body or b"{}") if body is not None else None
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise ApiError("SerializationException", f"the body of SageMaker.{operation} is not a JSON object "
                           f"(of at most {MAX_BODY_BYTES} bytes).")
        if operation in SLOW:
            return await asyncio.to_thread(handler, params)
        return handler(params)

