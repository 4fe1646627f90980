"""SDK v2's ``sagemaker.session``: ``Session`` with the members v2 notebooks call, on the kit's Session.

``Session(...)`` takes SDK v2's arguments and wraps the kit's ``helpers.platform.Session`` (locally the
local store; on ``use_backend("sagemaker")`` the SDK's own session), so every member the kit's session
has works unchanged, and the v2-only ones below are added on top: where the wrapped session has a
member of the same name (the SDK's, on AWS), it is used instead.
"""

from __future__ import annotations

import time
import warnings

import helpers.platform as kit
from helpers.platform.v2.inputs import s3_input  # noqa: F401  (SDK v1 had it here: sagemaker.session.s3_input)

_RUNNING = ("InProgress", "Stopping")


def wait_until_done(describe, resource_type: str, poll: float = 5) -> dict:
    """``describe()``'s answer once ``<resource_type>Status`` has left InProgress/Stopping, looked at every
    ``poll`` seconds on AWS (0.2 s locally); FailedStatusError (with the reason) if it ended Failed."""
    interval = poll if kit.current_backend() == "sagemaker" else 0.2
    key = f"{resource_type}Status"
    while (description := describe())[key] in _RUNNING:
        time.sleep(interval)
    if description[key] == "Failed":
        raise kit.FailedStatusError(resource_type, "Failed", description.get("FailureReason") or "(Unknown)",
                                    description)
    return description


def kit_session(session=None):
    """The kit's (or the SDK's) session behind ``session``: a v2 Session, a kit Session, or None (new)."""
    if session is None:
        return kit.Session()
    return session._session if isinstance(session, Session) else session


class Session:
    """``sagemaker.session.Session`` (SDK v2): same arguments; members not defined here are the kit's.

    Adds SDK v2's ``wait_for_job``, ``logs_for_job``, ``describe_training_job``, ``endpoint_from_job``,
    ``endpoint_from_model_data``, ``wait_for_tuning_job`` and ``stop_tuning_job`` to the kit's
    ``default_bucket``, ``upload_data``, ``download_data``, ``delete_endpoint``, ``delete_model``,
    ``boto_region_name``, ``expand_role``...
    """

    def __init__(self, boto_session=None, sagemaker_client=None, sagemaker_runtime_client=None,
                 sagemaker_featurestore_runtime_client=None, default_bucket: str | None = None, settings=None,
                 sagemaker_metrics_client=None, sagemaker_config: dict | None = None,
                 default_bucket_prefix: str | None = None, **kwargs):
        self._session = kit.Session(
            boto_session=boto_session, sagemaker_client=sagemaker_client,
            sagemaker_runtime_client=sagemaker_runtime_client,
            sagemaker_featurestore_runtime_client=sagemaker_featurestore_runtime_client,
            default_bucket=default_bucket, settings=settings, sagemaker_metrics_client=sagemaker_metrics_client,
            sagemaker_config=sagemaker_config, default_bucket_prefix=default_bucket_prefix, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_session":
            raise AttributeError(name)
        return getattr(self._session, name)

    def _own(self, name: str):
        """The wrapped session's member ``name`` (the SDK's, on AWS), or None."""
        return getattr(type(self._session), name, None) and getattr(self._session, name)

    # ------------------------------------------------------------------------------ training jobs
    def describe_training_job(self, job_name: str) -> dict:
        """DescribeTrainingJob of ``job_name`` (either backend)."""
        return kit.describe_training_job(job_name)

    def wait_for_job(self, job: str, poll: float = 5) -> dict:
        """Block until the training job ``job`` ends; return its description, raise FailedStatusError
        if it failed (SDK v2 raises its UnexpectedStatusException, which catches this one too).
        ``poll``: seconds between two looks on AWS (locally 0.2 s)."""
        return wait_until_done(lambda: kit.describe_training_job(job), "TrainingJob", poll)

    def logs_for_job(self, job_name: str, wait: bool = False, poll: float = 10, log_type: str = "All",
                     timeout=None) -> None:
        """Print the training job's log (``wait=True`` first waits for the job to end). Locally the log is
        the job's own file; on AWS it is in CloudWatch Logs, which this names."""
        if wait:
            self.wait_for_job(job_name, poll=poll)
        if kit.current_backend() == "sagemaker":
            print(f"The log of training job {job_name} is in CloudWatch Logs: log group /aws/sagemaker/TrainingJobs, "
                  f"streams {job_name}/algo-*.")
            return None
        print(kit.TrainingJob(job_name).logs(), end="")
        return None

    # ------------------------------------------------------------------------------ hosting
    def endpoint_from_job(self, job_name: str, initial_instance_count: int, instance_type: str,
                          image_uri: str | None = None, name: str | None = None, role: str | None = None,
                          wait: bool = True, model_environment_vars: dict | None = None, deployment_image=None,
                          **kwargs) -> str:
        """Deploy the model of a finished training job to an endpoint; return the endpoint's name.
        SDK v1's ``deployment_image=`` is accepted for ``image_uri=`` with a DeprecationWarning."""
        if deployment_image is not None:
            warnings.warn("endpoint_from_job(deployment_image=...) is SDK v1's name: use image_uri=.",
                          DeprecationWarning, stacklevel=2)
            image_uri = image_uri or deployment_image
        builder = kit.ModelBuilder(model=job_name, image_uri=image_uri, role_arn=role,
                                   env_vars=dict(model_environment_vars or {}))
        return self._deploy(builder, name, initial_instance_count, instance_type, wait, kwargs)

    def endpoint_from_model_data(self, model_s3_location: str, image_uri: str,
                                 initial_instance_count: int = 1, instance_type: str = "ml.m5.xlarge",
                                 name: str | None = None, role: str | None = None, wait: bool = True,
                                 model_environment_vars: dict | None = None, **kwargs) -> str:
        """Deploy a ``model.tar.gz`` with an inference image; return the endpoint's name."""
        builder = kit.ModelBuilder(model_path=model_s3_location, image_uri=image_uri, role_arn=role,
                                   env_vars=dict(model_environment_vars or {}))
        return self._deploy(builder, name, initial_instance_count, instance_type, wait, kwargs)

    @staticmethod
    def _deploy(builder, name, initial_instance_count, instance_type, wait, sdk_options) -> str:
        from helpers.platform.errors import warn_ignored

        warn_ignored("Session.endpoint_from_job", [k for k, v in sdk_options.items() if v is not None],
                     "a local endpoint is one real-time server process")
        endpoint = builder.deploy(endpoint_name=name, initial_instance_count=initial_instance_count,
                                  instance_type=instance_type, wait=wait)
        return endpoint.endpoint_name

    def create_model(self, name: str, role: str | None = None, container_defs=None, vpc_config=None,
                     enable_network_isolation=None, primary_container=None, tags=None) -> str:
        """CreateModel from one container definition (``container_def(image_uri, model_data_url, env)``);
        returns the model's name. A list of several containers (an inference pipeline) is refused locally."""
        own = self._own("create_model")
        if own:
            return own(name, role=role, container_defs=container_defs, vpc_config=vpc_config,
                       enable_network_isolation=enable_network_isolation, primary_container=primary_container,
                       tags=tags)
        from helpers.platform.errors import warn_ignored

        warn_ignored("Session.create_model", [n for n, v in (("vpc_config", vpc_config), ("tags", tags),
                                                             ("enable_network_isolation", enable_network_isolation))
                                              if v], "a local model runs in one server process")
        container = primary_container or container_defs
        if isinstance(container, list):
            if len(container) != 1:
                raise ValueError(f"create_model: {len(container)} containers make an inference pipeline, which the "
                                 f"local backend does not serve: give one container_def(image_uri, model_data_url).")
            container = container[0]
        if not isinstance(container, dict) or not container.get("Image"):
            raise ValueError("create_model needs container_defs=container_def(image_uri, model_data_url, env).")
        kit.ModelBuilder(model_path=container.get("ModelDataUrl"), image_uri=container["Image"], role_arn=role,
                         env_vars=dict(container.get("Environment") or {})).build(model_name=name)
        return name

    def endpoint_from_production_variants(self, name: str, production_variant_list: list, tags=None, kms_key=None,
                                          wait: bool = True, data_capture_config_dict: dict | None = None,
                                          **sdk_options) -> str:
        """CreateEndpointConfig (named ``name``) of the variants (``production_variant(model_name, ...)``
        dicts) and CreateEndpoint; returns the endpoint's name. Traffic is split by ``InitialVariantWeight``."""
        own = self._own("endpoint_from_production_variants")
        if own:
            return own(name, production_variant_list, tags=tags, kms_key=kms_key, wait=wait,
                       data_capture_config_dict=data_capture_config_dict, **sdk_options)
        from helpers.platform.errors import warn_ignored

        warn_ignored("Session.endpoint_from_production_variants",
                     [n for n, v in (("tags", tags), ("kms_key", kms_key), *sdk_options.items()) if v],
                     "a local endpoint is one real-time server serving its production variants")
        variants = [kit.ProductionVariant(variant_name=v.get("VariantName", "AllTraffic"), model_name=v["ModelName"],
                                          initial_instance_count=v.get("InitialInstanceCount", 1),
                                          instance_type=v.get("InstanceType", "ml.m5.large"),
                                          initial_variant_weight=v.get("InitialVariantWeight", 1.0))
                    for v in production_variant_list]
        kit.EndpointConfig.create(name, variants,
                                  data_capture_config=kit.DataCaptureConfig.from_request_dict(data_capture_config_dict))
        return kit.Endpoint.create(name, name, wait=wait).endpoint_name

    # ------------------------------------------------------------------------------ tuning jobs
    def describe_tuning_job(self, job_name: str) -> dict:
        from helpers.platform.tuning import describe_hyper_parameter_tuning_job

        return describe_hyper_parameter_tuning_job(job_name)

    def wait_for_tuning_job(self, job: str, poll: float = 5) -> dict:
        """Block until the tuning job ends; return its description (FailedStatusError if it failed)."""
        return wait_until_done(lambda: self.describe_tuning_job(job), "HyperParameterTuningJob", poll)

    def stop_tuning_job(self, name: str) -> None:
        """Stop the tuning job ``name`` (its running training jobs stop, no new ones start)."""
        if kit.current_backend() == "sagemaker":
            self._session.sagemaker_client.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
            return
        from helpers.platform.tuning import HyperParameterTuningJob

        HyperParameterTuningJob(name).stop()

    def __repr__(self) -> str:
        return f"v2 {self._session!r}"



def get_execution_role(sagemaker_session=None, use_default: bool = False) -> str:
    """The IAM role ARN jobs run as (the kit's ``get_execution_role``: a fixed local ARN, or the SDK's on AWS)."""
    return kit.get_execution_role(kit_session(sagemaker_session) if sagemaker_session is not None else None,
                                  use_default=use_default)


def production_variant(model_name: str, instance_type: str | None = None, initial_instance_count: int | None = None,
                       variant_name: str = "AllTraffic", initial_weight: float = 1, **sdk_options) -> dict:
    """One ProductionVariant of CreateEndpointConfig, as SDK v2's ``sagemaker.session.production_variant``."""
    from helpers.platform.errors import warn_ignored

    warn_ignored("production_variant", [k for k, v in sdk_options.items() if v is not None],
                 "a local variant is served in one server process")
    return {"ModelName": model_name, "VariantName": variant_name, "InitialVariantWeight": initial_weight,
            "InstanceType": instance_type or "ml.m5.large", "InitialInstanceCount": initial_instance_count or 1}


def container_def(image_uri: str, model_data_url: str | None = None, env: dict | None = None, **sdk_options) -> dict:
    """A container definition for ``Session.create_model``, as SDK v2's ``sagemaker.session.container_def``."""
    from helpers.platform.errors import warn_ignored

    warn_ignored("container_def", [k for k, v in sdk_options.items() if v is not None],
                 "a local model runs the image's handlers in one process")
    definition = {"Image": image_uri, "Environment": dict(env or {})}
    if model_data_url:
        definition["ModelDataUrl"] = model_data_url
    return definition
