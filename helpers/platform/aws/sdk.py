"""What every SageMaker twin shares: the SDK's Session, a boto3 SageMaker client, and our config
dataclasses converted to the SDK's pydantic configs."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from functools import lru_cache

from helpers.platform.backend import default_region


def sdk_session(boto_session=None, sagemaker_client=None, sagemaker_runtime_client=None,
                sagemaker_featurestore_runtime_client=None, default_bucket: str | None = None,
                sagemaker_config: dict | None = None, settings=None, sagemaker_metrics_client=None,
                default_bucket_prefix: str | None = None, region: str | None = None):
    """The SDK's Session (what ``helpers.platform.Session(...)`` returns on this backend), same arguments.

    One per settings when no boto session or client is given: building an SDK Session validates the
    SDK's config file against its JSON schema, which takes seconds, and every SDK ModelTrainer made
    without a session would build another.
    """
    clients = dict(sagemaker_client=sagemaker_client, sagemaker_runtime_client=sagemaker_runtime_client,
                   sagemaker_featurestore_runtime_client=sagemaker_featurestore_runtime_client,
                   sagemaker_config=sagemaker_config, settings=settings, sagemaker_metrics_client=sagemaker_metrics_client)
    if boto_session is None and all(value is None for value in clients.values()):
        return _cached_session(region or default_region(), default_bucket, default_bucket_prefix)
    import boto3
    from sagemaker.core.helper.session_helper import Session

    return Session(boto_session=boto_session or boto3.Session(region_name=region or default_region()),
                   default_bucket=default_bucket, default_bucket_prefix=default_bucket_prefix,
                   **{name: value for name, value in clients.items() if value is not None})


def get_execution_role(sagemaker_session=None, use_default: bool = False) -> str:
    """The SDK's ``get_execution_role`` (the twin of ``helpers.platform.get_execution_role``)."""
    from sagemaker.core.helper.session_helper import get_execution_role as sdk_get_execution_role

    return sdk_get_execution_role(sagemaker_session=sagemaker_session or sdk_session(), use_default=use_default)


@lru_cache(maxsize=8)
def _cached_session(region: str, default_bucket: str | None, default_bucket_prefix: str | None):
    import boto3
    from sagemaker.core.helper.session_helper import Session

    return Session(boto_session=boto3.Session(region_name=region),
                   default_bucket=default_bucket, default_bucket_prefix=default_bucket_prefix)


def forget_sessions() -> None:
    """Drop cached SDK sessions (after changing credentials or region)."""
    _cached_session.cache_clear()


def client(boto_session=None):
    """A boto3 SageMaker client: from ``boto_session`` when given, else for the default region."""
    import boto3

    return (boto_session or boto3.Session(region_name=default_region())).client("sagemaker")


def to_sdk(value, sdk_class):
    """Our config dataclass -> the SDK's pydantic config (fields with None left to the SDK's defaults).

    Builds a new object: the caller's config is never changed."""
    if value is None or isinstance(value, sdk_class):
        return value
    if is_dataclass(value):
        return sdk_class(**{k: v for k, v in asdict(value).items() if v is not None})
    raise TypeError(f"Expected {sdk_class.__name__} settings, got {type(value).__name__}.")
