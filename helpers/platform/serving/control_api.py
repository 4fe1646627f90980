"""The SageMaker control plane's read, delete and stop calls, on the local records, for plain boto3.

``use_backend("local")`` sets ``AWS_ENDPOINT_URL_SAGEMAKER`` to the router's URL: a
``boto3.client("sagemaker")`` call then arrives as ``POST /`` with ``X-Amz-Target: SageMaker.<Op>``
and a JSON body (AWS's JSON 1.1 protocol), once the router has checked the owner. The answer is the
same JSON the local ``describe()`` / ``list_*`` functions return (botocore keeps only the fields of
the API's shapes); errors are JSON ``{"__type": ..., "message": ...}`` with AWS's codes
(``ValidationException`` for an unknown training job, model, endpoint..., ``ResourceNotFound`` for
an unknown tuning job), so ``ClientError.response["Error"]["Code"]`` is what AWS code expects.

Resources are created with the kit (``ModelTrainer``, ``HyperparameterTuner``, ``ModelBuilder``,
``Transformer``); a create call here answers a ``ValidationException`` that says so.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from helpers.platform import jobs
from helpers.platform.serving import registry, resources
from helpers.platform.serving.access import clip
from helpers.platform.serving.app import read_body
from helpers.platform.tuning import records as tuning
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


def stop_training_job(params: dict) -> dict:
    status = describe_training_job(params)["TrainingJobStatus"]
    name = params["TrainingJobName"]
    if status != "InProgress":
        raise ApiError("ValidationException", f"The request was rejected because the training job is in status "
                       f"{status}: only an InProgress job can be stopped.")
    raise ApiError("ValidationException", (
        f"Training job {name} runs inside the Python process that started it: stop it there, with "
        f"trainer.latest_training_job.stop() (or interrupt the cell); the local platform cannot stop it from boto3."))


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
    view = describe_tuning_job(params)
    raise ApiError("ValidationException", (
        f"Tuning job {view['HyperParameterTuningJobName']} is {view['HyperParameterTuningJobStatus']}; a local "
        "tuning job runs inside the Python process that started it: stop it there with tuner.stop()."))


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


OPERATIONS = {
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
}
#: What to use instead of a SageMaker call the local platform does not answer, by its first word.
INSTEAD = {
    "Create": "create it with the kit: ModelTrainer(...).train(), HyperparameterTuner(...).tune(), "
              "ModelBuilder(...).build() / .deploy(), Transformer(...).transform()",
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
        return handler(params)

