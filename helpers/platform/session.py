"""``Session``: where data goes (``upload_data``), the default bucket and the role, like the SDK's Session.

On the local backend the bucket is a folder of the local store and named the way SageMaker names
its default bucket (``sagemaker-<region>-<account>``, account ``000000000000``), and the role is
:data:`LOCAL_ROLE_ARN`. With the ``sagemaker`` backend, ``Session(...)`` and ``get_execution_role()``
return their twins (``helpers.platform.backend.TWINS``): the SDK's own
``sagemaker.core.helper.session_helper.Session`` and ``get_execution_role``, so the same calls reach AWS.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from helpers.platform import storage
from helpers.platform.backend import LOCAL_ACCOUNT_ID, Twin, default_region, dispatches, load
from helpers.platform.errors import warn_ignored
from helpers.platform_home import private_dir

#: The execution role of the local backend: an ARN of the shape SageMaker accepts (account
#: ``000000000000``, a ``service-role/`` path as the console creates), so code that checks or
#: passes it works unchanged. No IAM is involved locally: nothing ever assumes it.
LOCAL_ROLE_ARN = f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-flywheel-local"

#: SDK Session arguments that configure AWS clients: accepted locally (with a warning) so the cell runs.
_CLIENT_ARGUMENTS = ("sagemaker_client", "sagemaker_runtime_client", "sagemaker_featurestore_runtime_client",
                     "sagemaker_config", "settings", "sagemaker_metrics_client")


@dispatches
def get_execution_role(sagemaker_session=None, use_default: bool = False) -> str:
    """The IAM role ARN jobs and models run as: :data:`LOCAL_ROLE_ARN` locally; on the ``sagemaker``
    backend the SDK's answer (the notebook's role, or ``use_default`` creates SageMaker's default)."""
    return LOCAL_ROLE_ARN


def _body_bytes(body) -> bytes:
    """The bytes of an S3 object body in any form boto3's ``Body`` takes: str, bytes-like or a binary file."""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        if isinstance(data, bytes):
            return data
    raise TypeError(f"body is a {type(body).__name__}: give str, bytes or a file opened in binary mode ('rb').")


class Session(Twin):
    """Local stand-in for ``sagemaker.core.helper.session_helper.Session`` (same arguments).

    Args:
        boto_session: a ``boto3.Session``; locally only its region is used.
        default_bucket: bucket used when none is given (default ``sagemaker-<region>-000000000000``).
        default_bucket_prefix: key prefix put in front of every default location.
        region: local shortcut for ``boto_session=boto3.Session(region_name=...)`` (default:
            ``AWS_REGION``/``AWS_DEFAULT_REGION``, else ``us-east-1``).
        sagemaker_client, sagemaker_runtime_client, ...: the SDK's client overrides; accepted and
            ignored locally with an ``IgnoredArgumentWarning``.
    """

    def __init__(self, boto_session=None, sagemaker_client=None, sagemaker_runtime_client=None,
                 sagemaker_featurestore_runtime_client=None, default_bucket: str | None = None,
                 sagemaker_config: dict | None = None, settings=None, sagemaker_metrics_client=None,
                 default_bucket_prefix: str | None = None, region: str | None = None):
        given = dict(sagemaker_client=sagemaker_client, sagemaker_runtime_client=sagemaker_runtime_client,
                     sagemaker_featurestore_runtime_client=sagemaker_featurestore_runtime_client,
                     sagemaker_config=sagemaker_config, settings=settings,
                     sagemaker_metrics_client=sagemaker_metrics_client)
        warn_ignored("Session", [name for name, value in given.items() if value is not None],
                     "the local backend reaches the local store, not AWS clients; use_backend('sagemaker') uses them")
        self._boto_session = boto_session
        self.boto_region_name = (region or getattr(boto_session, "region_name", None) or default_region())
        self._default_bucket = default_bucket
        self.default_bucket_prefix = default_bucket_prefix.strip("/") if default_bucket_prefix else None

    # ------------------------------------------------------------------------------ identity
    @property
    def boto_session(self):
        """A ``boto3.Session`` for this region (made on first use: local training never imports boto3)."""
        if self._boto_session is None:
            import boto3

            self._boto_session = boto3.Session(region_name=self.boto_region_name)
        return self._boto_session

    @property
    def sagemaker_client(self):
        """boto3's SageMaker client of ``boto_session`` (the local backend points it at the kit)."""
        return self.boto_session.client("sagemaker")

    @property
    def sagemaker_runtime_client(self):
        """boto3's SageMaker Runtime client (the local backend points it at the local endpoints)."""
        return self.boto_session.client("sagemaker-runtime")

    def account_id(self) -> str:
        return LOCAL_ACCOUNT_ID

    def get_caller_identity_arn(self) -> str:
        """The caller's ARN; locally :data:`LOCAL_ROLE_ARN`, as the SDK answers inside SageMaker."""
        return LOCAL_ROLE_ARN

    def expand_role(self, role: str) -> str:
        """A role name -> its full ARN in this account (an ARN is returned as it is), as the SDK does."""
        if "/" in role:
            return role
        if not re.fullmatch(r"[\w+=,.@-]{1,64}", role or ""):
            raise ValueError(f"expand_role({role!r}): give an IAM role name (letters, digits and +=,.@_-, "
                             f"at most 64) or a full ARN such as {LOCAL_ROLE_ARN!r}.")
        return f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/{role}"

    # -------------------------------------------------------------------------------- storage
    def default_bucket(self) -> str:
        """The bucket jobs write to by default; created on first use."""
        bucket = self._default_bucket or f"sagemaker-{self.boto_region_name}-{LOCAL_ACCOUNT_ID}"
        private_dir(storage.root() / bucket)
        return bucket

    def _prefixed(self, bucket: str | None, key_prefix: str) -> tuple[str, str]:
        key_prefix = (key_prefix or "").strip("/")
        if bucket is None:
            bucket = self.default_bucket()
            if self.default_bucket_prefix:
                key_prefix = f"{self.default_bucket_prefix}/{key_prefix}".strip("/")
        return bucket, key_prefix

    def upload_data(self, path: str | os.PathLike, bucket: str | None = None, key_prefix: str = "data",
                    callback=None, extra_args=None) -> str:
        """Upload a file or folder; returns ``s3://bucket/key_prefix/<file name>`` for a file and
        ``s3://bucket/key_prefix`` for a folder, exactly as the SDK does."""
        warn_ignored("Session.upload_data", [n for n, v in (("callback", callback), ("extra_args", extra_args))
                                             if v is not None], "S3 transfer options")
        source = Path(path)
        if not source.exists():
            raise FileNotFoundError(f"upload_data: {source} does not exist. Pass the path of a file or folder "
                                    "(e.g. the CSV you wrote with df.to_csv(...)).")
        bucket, key_prefix = self._prefixed(bucket, key_prefix)
        prefix = f"s3://{bucket}/{key_prefix}" if key_prefix else f"s3://{bucket}"
        if source.is_dir():
            storage.upload(source, prefix)
            return prefix
        return storage.upload(source, f"{prefix}/{source.name}")

    def upload_string_as_file_body(self, body, bucket: str, key: str, kms_key=None) -> str:
        """Write ``body`` as the object ``s3://bucket/key``; returns that URI. As with the SDK (which hands
        ``body`` to boto3's ``put(Body=...)``), ``body`` may be str (stored UTF-8), bytes or a binary file."""
        warn_ignored("Session.upload_string_as_file_body", ["kms_key"] if kms_key else [], "no encryption locally")
        return storage.put_bytes(f"s3://{bucket}/{key}", _body_bytes(body))

    def download_data(self, path: str | os.PathLike, bucket: str, key_prefix: str = "", extra_args=None) -> list[str]:
        """Download every object under the prefix into the folder ``path``; returns local file paths."""
        warn_ignored("Session.download_data", ["extra_args"] if extra_args is not None else [], "S3 transfer options")
        target = Path(path)
        pairs = storage.channel_files(f"s3://{bucket}/{key_prefix}")
        written = []
        for object_uri, relative in pairs:
            written.append(str(storage.download(object_uri, target / relative)))
        return written

    def read_s3_file(self, bucket: str, key_prefix: str) -> str:
        return storage.get_bytes(f"s3://{bucket}/{key_prefix}").decode("utf-8")

    def list_s3_files(self, bucket: str, key_prefix: str) -> list[str]:
        return [storage.parse_s3_uri(uri)[1] for uri in storage.list_prefix(f"s3://{bucket}/{key_prefix}")]

    # ------------------------------------------------------------------------------- hosting
    # Endpoints live in the serve layer, above sessions: reached through import strings (as
    # backend.TWINS does), so this module never imports it.
    def delete_endpoint(self, endpoint_name: str) -> None:
        """Stop and remove the local endpoint (``DeleteEndpoint``; its config and model stay, as on AWS)."""
        load("helpers.platform.serving.endpoint:delete_endpoint")(endpoint_name)

    def delete_endpoint_config(self, endpoint_config_name: str) -> None:
        load("helpers.platform.serving.resources:EndpointConfig").get(endpoint_config_name).delete()

    def delete_model(self, model_name: str) -> None:
        load("helpers.platform.serving.resources:Model").get(model_name).delete()

    def wait_for_endpoint(self, endpoint, poll: float = 30, live_logging: bool = False) -> dict:
        """Wait until the endpoint is InService (or raise if it failed); return its description.
        ``poll`` is in seconds on AWS; locally the endpoint is polled every 50 ms."""
        found = load("helpers.platform.serving.endpoint:Endpoint").get(endpoint)
        return found.wait_for_status("InService").describe()

    def __repr__(self) -> str:
        return f"Session(backend='local', region={self.boto_region_name!r}, default_bucket={self.default_bucket()!r})"
