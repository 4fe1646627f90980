"""SDK v2's ``sagemaker.session``: ``Session`` with the members v2 notebooks call, on the kit's Session.

``Session(...)`` takes SDK v2's arguments and wraps the kit's ``helpers.platform.Session`` (locally the
local store; on ``use_backend("sagemaker")`` the SDK's own session), so every member the kit's session
has works unchanged, and the v2-only ones below are added on top: where the wrapped session has a
member of the same name (the SDK's, on AWS), it is used instead.
"""

from __future__ import annotations

import warnings

import helpers.platform as kit
from helpers.platform.v2.inputs import s3_input  # noqa: F401  (SDK v1 had it here: sagemaker.session.s3_input)

_TERMINAL = ("Completed", "Failed", "Stopped")


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
        ``poll`` is in seconds on AWS; a local job is followed by its own process."""
        own = self._own("wait_for_job")
        if own:
            return own(job, poll=poll)
        kit.TrainingJob(job).wait()
        return kit.describe_training_job(job)

    def logs_for_job(self, job_name: str, wait: bool = False, poll: float = 10, log_type: str = "All",
                     timeout=None) -> None:
        """Print the training job's log (CloudWatch Logs on AWS; the job's log file locally);
        ``wait=True`` first waits for the job to end."""
        own = self._own("logs_for_job")
        if own:
            return own(job_name, wait=wait, poll=poll, log_type=log_type, timeout=timeout)
        job = kit.TrainingJob(job_name)
        if wait:
            job.wait()
        print(job.logs(), end="")
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

    # ------------------------------------------------------------------------------ tuning jobs
    def describe_tuning_job(self, job_name: str) -> dict:
        from helpers.platform.tuning import describe_hyper_parameter_tuning_job

        return describe_hyper_parameter_tuning_job(job_name)

    def wait_for_tuning_job(self, job: str, poll: float = 5) -> dict:
        """Block until the tuning job ends; return its description (FailedStatusError if it failed)."""
        from helpers.platform.tuning import HyperParameterTuningJob

        own = self._own("wait_for_tuning_job")
        if own:
            return own(job, poll=poll)
        HyperParameterTuningJob(job).wait()
        return self.describe_tuning_job(job)

    def stop_tuning_job(self, name: str) -> None:
        from helpers.platform.tuning import HyperParameterTuningJob

        own = self._own("stop_tuning_job")
        if own:
            return own(name)
        HyperParameterTuningJob(name).stop()
        return None

    def __repr__(self) -> str:
        return f"v2 {self._session!r}"



def get_execution_role(sagemaker_session=None, use_default: bool = False) -> str:
    """The IAM role ARN jobs run as (the kit's ``get_execution_role``: a fixed local ARN, or the SDK's on AWS)."""
    return kit.get_execution_role(kit_session(sagemaker_session) if sagemaker_session is not None else None,
                                  use_default=use_default)
