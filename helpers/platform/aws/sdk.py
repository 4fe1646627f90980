"""What every SageMaker twin shares: the SDK's Session, a boto3 SageMaker client, and our config
dataclasses converted to the SDK's pydantic configs."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from functools import lru_cache

from helpers.platform.backend import default_region


def sdk_session(region: str | None = None, default_bucket: str | None = None,
                default_bucket_prefix: str | None = None):
    """The SDK's Session for ``region`` (what ``helpers.platform.Session()`` returns on this backend).

    One per settings: building an SDK Session validates the SDK's config file against its JSON schema,
    which takes seconds, and every SDK ModelTrainer made without a session would build another.
    """
    return _cached_session(region or default_region(), default_bucket, default_bucket_prefix)


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
