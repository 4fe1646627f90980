"""The ``sagemaker`` backend's serving: ``ModelBuilder.build()/.deploy()`` send the real requests.

With ``use_backend("sagemaker")`` (or ``FLYWHEEL_BACKEND=sagemaker``) the same cells as on the local
backend call AWS through boto3's ``sagemaker`` client (no SDK import: the request shapes are the API's):

- ``build()``   -> ``CreateModel`` (the built-in algorithm's ECR image, ``ModelDataUrl`` = the training
  job's ``S3ModelArtifacts``, ``ExecutionRoleArn``);
- ``deploy()``  -> ``CreateEndpointConfig`` (one production variant, ``DataCaptureConfig`` when capture
  is on) and ``CreateEndpoint`` (or ``UpdateEndpoint``), then waits for ``InService``;
- ``RemoteEndpoint.invoke()`` -> SageMaker Runtime ``InvokeEndpoint`` on AWS itself (the local runtime
  URL the kit sets for the local backend is ignored by that client);
- ``RemoteEndpoint.delete()`` -> ``DeleteEndpoint``, ``DeleteEndpointConfig``, ``DeleteModel``.

Arguments are checked before the first request (role, instance type, count, names), so a typo costs
nothing. Script mode (``source_code=``) and in-memory / local-file models are refused with the fix:
SageMaker needs the model in S3 and an image that knows how to serve it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from helpers.platform.backend import default_region
from helpers.platform.serving.endpoint import Endpoint
from helpers.platform.serving.model_builder import ModelBuilder, default_name, job_name_of
from helpers.platform.serving.registry import check_name
from helpers.platform.validation import RESOURCE_NAME

ROLE_PATTERN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/\S+$")
INSTANCE_TYPE_PATTERN = re.compile(r"^ml\.[a-z0-9][a-z0-9\-]*\.[a-z0-9]+$")


# ------------------------------------------------------------------------------------- clients
def _boto_session(sagemaker_session: Any = None):
    """The boto3 session of an SDK Session when one is given, else one for the default region."""
    import boto3

    return getattr(sagemaker_session, "boto_session", None) or boto3.Session(region_name=default_region())


def sagemaker_client(sagemaker_session: Any = None):
    return _boto_session(sagemaker_session).client("sagemaker")


def runtime_client(sagemaker_session: Any = None):
    """A SageMaker Runtime client for AWS itself: ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` (the local
    runtime's URL on the local backend) and any configured endpoint URL are ignored."""
    from botocore.config import Config

    return _boto_session(sagemaker_session).client(
        "sagemaker-runtime", config=Config(ignore_configured_endpoint_urls=True))


def _strip(answer: dict) -> dict:
    answer.pop("ResponseMetadata", None)
    return answer


# ---------------------------------------------------------------------------------- validation
def check_role(role: str | None) -> str:
    if not role:
        raise ValueError("no execution role for the model: SageMaker needs one to pull the image and read the "
                         "artifact. Pass ModelBuilder(..., role_arn='arn:aws:iam::<account>:role/<name>') "
                         "(the role your training job used works).")
    if not ROLE_PATTERN.match(role):
        raise ValueError(f"role_arn={role!r} is not an IAM role ARN: give the full ARN, e.g. "
                         "'arn:aws:iam::123456789012:role/SageMakerExecutionRole'.")
    return role


def check_instance_type(instance_type: str | None) -> str:
    if not instance_type:
        raise ValueError("no instance_type: pass deploy(..., instance_type='ml.m5.large') (or "
                         "ModelBuilder(instance_type=...)).")
    if not INSTANCE_TYPE_PATTERN.match(instance_type):
        raise ValueError(f"instance_type={instance_type!r} is not a SageMaker instance type: they look like "
                         "'ml.<family>.<size>', e.g. 'ml.m5.large' or 'ml.c5.xlarge'.")
    return instance_type


def check_count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"initial_instance_count={count!r}: give a whole number of instances >= 1, e.g. 1.")
    return count


def check_variant(name: str) -> str:
    if not isinstance(name, str) or not RESOURCE_NAME.match(name):
        raise ValueError(f"variant_name={name!r} is not valid: use 1-63 letters, digits and hyphens "
                         "(e.g. 'AllTraffic').")
    return name


# -------------------------------------------------------------------------------------- models
@dataclass
class RemoteModel:
    """A SageMaker model (what ``ModelBuilder.build()`` returns on this backend)."""

    model_name: str
    model_arn: str
    image: str
    model_data_url: str
    execution_role_arn: str
    sagemaker_session: Any = None

    def describe(self) -> dict:
        """``DescribeModel``."""
        return _strip(sagemaker_client(self.sagemaker_session).describe_model(ModelName=self.model_name))

    def delete(self) -> None:
        """``DeleteModel``."""
        sagemaker_client(self.sagemaker_session).delete_model(ModelName=self.model_name)


def _job_name(builder) -> str | None:
    model = builder.model
    if isinstance(model, str) and not model.startswith("s3://"):
        return model
    return None if model is None or isinstance(model, str) else job_name_of(model)


def _trainer_role(model: Any) -> str | None:
    """The role a ModelTrainer was given (the SDK trainer keeps it as ``.role``)."""
    if model is None or isinstance(model, (str, dict)):
        return None
    try:
        role = getattr(model, "role", None)
    except Exception:  # noqa: BLE001 - a proxy object may raise anything on a missing attribute
        return None
    return role if isinstance(role, str) else None


def _resolve_image(image: str, region: str) -> str:
    """A bare built-in algorithm name (fine locally) -> its ECR image for ``region``."""
    if "/" in image:
        return image
    from helpers.platform import image_uris

    try:
        return image_uris.retrieve(image, region)
    except ValueError as error:
        raise ValueError(f"image {image!r} is not an ECR image URI: pass image_uri=image_uris.retrieve"
                         f"('<algorithm>', {region!r}). {error}") from None


def build(builder, model_name: str | None = None) -> RemoteModel:
    """``CreateModel`` for ``builder`` (a ``ModelBuilder``); every argument is checked first."""
    if builder.source_code is not None:
        raise NotImplementedError(
            "script mode (source_code=...) is not deployed to SageMaker by this kit yet: deploy a built-in "
            "algorithm's model, or use the SageMaker SDK's ModelBuilder directly for an inference.py.")
    if builder.inference_spec is not None or builder.schema_builder is not None:
        raise NotImplementedError(
            "inference_spec / schema_builder are served locally only by this kit: on SageMaker, build with the "
            "SDK's own sagemaker.serve.ModelBuilder (same arguments), which packs them into its model server.")
    if builder.model is not None and not isinstance(builder.model, str) and hasattr(builder.model, "predict") \
            and _job_name(builder) is None:
        raise ValueError("an in-memory model cannot be deployed to SageMaker: it needs a model.tar.gz in S3. "
                         "Train with a ModelTrainer on this backend, or upload the artifact "
                         "(Session().upload_data(...)) and pass model_path='s3://.../model.tar.gz' and image_uri=....")
    artifact = None
    for candidate in (builder.s3_model_data_url, builder.model_path,
                      builder.model if isinstance(builder.model, str) and builder.model.startswith("s3://") else None):
        if candidate is not None:
            if not str(candidate).startswith("s3://"):
                raise ValueError(f"model_path={candidate!r} is a local path: SageMaker reads models from S3. "
                                 "Upload it first (Session().upload_data(path)) and pass the s3:// URI.")
            artifact = str(candidate)
    region = getattr(builder.sagemaker_session, "boto_region_name", None) or default_region()
    role = builder.role_arn or _trainer_role(builder.model)
    if role is not None:
        check_role(role)
    if model_name is not None:
        check_name(model_name, "model")
    job_name = _job_name(builder)
    image = builder.image_uri
    client = sagemaker_client(builder.sagemaker_session)
    if job_name is not None:
        job = _strip(client.describe_training_job(TrainingJobName=job_name))
        status = job.get("TrainingJobStatus")
        if status != "Completed":
            raise ValueError(f"training job {job_name} is {status}, not Completed: it has no model to deploy. "
                             f"{job.get('FailureReason') or 'Wait for it (trainer.latest_training_job.wait()).'}")
        artifact = artifact or job["ModelArtifacts"]["S3ModelArtifacts"]
        image = image or (job.get("AlgorithmSpecification") or {}).get("TrainingImage")
        role = role or job.get("RoleArn")
    if artifact is None:
        raise ValueError("nothing to deploy: pass model= (a ModelTrainer after .train() or a training job name) or "
                         "model_path='s3://.../model.tar.gz' with image_uri=....")
    if not image:
        raise ValueError("no inference image: pass image_uri=image_uris.retrieve('<algorithm>', region) "
                         "(a built-in algorithm serves with its training image).")
    image = _resolve_image(image, region)
    role = check_role(role)
    name = check_name(model_name or default_name(image.rsplit("/", 1)[-1].split(":")[0]), "model")
    environment = {str(k): str(v) for k, v in (builder.env_vars or {}).items()}
    container = {"Image": image, "ModelDataUrl": artifact, **({"Environment": environment} if environment else {})}
    answer = client.create_model(ModelName=name, PrimaryContainer=container, ExecutionRoleArn=role)
    return RemoteModel(model_name=name, model_arn=answer["ModelArn"], image=image, model_data_url=artifact,
                       execution_role_arn=role, sagemaker_session=builder.sagemaker_session)


# ----------------------------------------------------------------------------------- endpoints
def deploy(builder, endpoint_name: str | None = None, initial_instance_count: int = 1,
           instance_type: str | None = None, wait: bool = True, update_endpoint: bool = False,
           data_capture_config=None, variant_name: str = "AllTraffic") -> "RemoteEndpoint":
    """``CreateEndpointConfig`` + ``CreateEndpoint`` (``UpdateEndpoint`` with ``update_endpoint=True``)."""
    instance_type = check_instance_type(instance_type or builder.instance_type)
    count = check_count(initial_instance_count)
    variant_name = check_variant(variant_name)
    if endpoint_name is not None:
        check_name(endpoint_name)
    capture = None
    if data_capture_config is not None and data_capture_config.enable_capture:
        capture = data_capture_config._to_request_dict()
        # the API takes a whole percentage
        capture["InitialSamplingPercentage"] = int(round(float(capture["InitialSamplingPercentage"])))
    model = builder.built_model if isinstance(builder.built_model, RemoteModel) else None
    if model is None:
        model = builder.built_model = build(builder)
    endpoint_name = check_name(endpoint_name or model.model_name)
    client = sagemaker_client(builder.sagemaker_session)
    # a config name must be new; the endpoint's own name reads best when it is free
    config_name = default_name(endpoint_name) if update_endpoint else endpoint_name
    variant = {"VariantName": variant_name, "ModelName": model.model_name, "InitialInstanceCount": count,
               "InstanceType": instance_type, "InitialVariantWeight": 1.0}
    client.create_endpoint_config(EndpointConfigName=config_name, ProductionVariants=[variant],
                                  **({"DataCaptureConfig": capture} if capture else {}))
    if update_endpoint:
        client.update_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name)
    else:
        client.create_endpoint(EndpointName=endpoint_name, EndpointConfigName=config_name)
    endpoint = RemoteEndpoint(endpoint_name, sagemaker_session=builder.sagemaker_session)
    if wait:
        endpoint.wait_for_status("InService")
    return endpoint


class SageMakerModelBuilder(ModelBuilder):
    """What ``ModelBuilder(...)`` builds on the ``sagemaker`` backend: the same arguments, and
    ``build``/``deploy`` that send CreateModel / CreateEndpointConfig / CreateEndpoint."""

    def build(self, model_name: str | None = None, **_ignored) -> RemoteModel:
        self.built_model = build(self, model_name)
        return self.built_model

    def deploy(self, endpoint_name: str | None = None, initial_instance_count: int = 1,
               instance_type: str | None = None, wait: bool = True, update_endpoint: bool = False,
               data_capture_config=None, variant_name: str = "AllTraffic", **_ignored) -> "RemoteEndpoint":
        return deploy(self, endpoint_name=endpoint_name, initial_instance_count=initial_instance_count,
                      instance_type=instance_type, wait=wait, update_endpoint=update_endpoint,
                      data_capture_config=data_capture_config, variant_name=variant_name)


class RemoteEndpoint(Endpoint):
    """A SageMaker endpoint with the local ``Endpoint``'s surface (``invoke``, ``predict``, ``delete``...)."""

    _serves_locally = False

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None):
        super().__init__(endpoint_name)
        self.sagemaker_session = sagemaker_session

    def describe(self) -> dict:
        """``DescribeEndpoint``."""
        return _strip(sagemaker_client(self.sagemaker_session).describe_endpoint(EndpointName=self.endpoint_name))

    @property
    def url(self) -> str:
        raise AttributeError("a SageMaker endpoint has no local URL: call invoke()/predict(), or boto3's "
                             "sagemaker-runtime invoke_endpoint.")

    def wait_for_status(self, target_status: str = "InService", timeout: float = 1800.0,
                        poll: float = 15.0) -> "RemoteEndpoint":
        """Poll ``DescribeEndpoint`` until ``target_status`` (SageMaker takes minutes, hence the defaults);
        raise ``FailedStatusError`` if it fails, ``TimeoutError`` after ``timeout`` s."""
        return super().wait_for_status(target_status, timeout, poll)

    def _stop_server(self) -> None:
        pass  # SageMaker runs and removes its own instances

    def _gave_up(self, view: dict, timeout: float) -> Exception:
        return TimeoutError(f"endpoint {self.endpoint_name} is still {view['EndpointStatus']} after {timeout:g} s.")

    def wait_for_ping(self, timeout: float = 30.0) -> "RemoteEndpoint":
        return self  # SageMaker pings the container itself before it reports InService

    def delete(self) -> None:
        """``DeleteEndpoint``, then its ``DeleteEndpointConfig`` and ``DeleteModel`` (nothing left billed)."""
        delete_all(self.endpoint_name, self.sagemaker_session)

    def _runtime_client(self):
        """SageMaker Runtime itself, whatever AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME says (Endpoint.invoke uses it)."""
        return runtime_client(self.sagemaker_session)

    def update_weights(self, weights: dict[str, float]) -> list[dict]:
        """``UpdateEndpointWeightsAndCapacities``."""
        sagemaker_client(self.sagemaker_session).update_endpoint_weights_and_capacities(
            EndpointName=self.endpoint_name,
            DesiredWeightsAndCapacities=[{"VariantName": k, "DesiredWeight": float(v)} for k, v in weights.items()])
        return self.describe()["ProductionVariants"]

    def update_instance_count(self, instance_count: int, timeout: float = 1800.0) -> list[dict]:
        """``UpdateEndpointWeightsAndCapacities`` with every variant's ``DesiredInstanceCount``."""
        if isinstance(instance_count, bool) or not isinstance(instance_count, int) or instance_count < 1:
            raise ValueError(f"instance_count={instance_count!r}: give a whole number of instances >= 1, e.g. 2")
        variants = self.describe()["ProductionVariants"]
        sagemaker_client(self.sagemaker_session).update_endpoint_weights_and_capacities(
            EndpointName=self.endpoint_name,
            DesiredWeightsAndCapacities=[{"VariantName": v["VariantName"], "DesiredInstanceCount": instance_count}
                                         for v in variants])
        return self.describe()["ProductionVariants"]

    def _admin(self, path: str, payload: dict | None = None) -> dict:
        raise NotImplementedError(
            f"{path.rsplit('/', 1)[-1]} is a local-endpoint extra: on SageMaker, per-variant counts are CloudWatch "
            "metrics (AWS/SageMaker Invocations) and captured data is in the DataCaptureConfig's S3 prefix.")

    def capture_files(self, variant: str | None = None) -> list:
        return self._admin("/capture_files")

    def __repr__(self) -> str:
        return f"RemoteEndpoint(endpoint_name={self.endpoint_name!r})"


def delete_all(endpoint_name: str, sagemaker_session: Any = None) -> None:
    """Delete the endpoint, its endpoint config and the config's models."""
    client = sagemaker_client(sagemaker_session)
    config_name = client.describe_endpoint(EndpointName=endpoint_name)["EndpointConfigName"]
    config = client.describe_endpoint_config(EndpointConfigName=config_name)
    client.delete_endpoint(EndpointName=endpoint_name)
    client.delete_endpoint_config(EndpointConfigName=config_name)
    for name in dict.fromkeys(v["ModelName"] for v in config["ProductionVariants"]):
        client.delete_model(ModelName=name)


def list_endpoints() -> list[dict]:
    """``ListEndpoints`` summaries, newest first."""
    return sagemaker_client().list_endpoints(SortBy="CreationTime", SortOrder="Descending")["Endpoints"]


def describe_endpoint(endpoint_name: str) -> dict:
    return RemoteEndpoint(endpoint_name).describe()
