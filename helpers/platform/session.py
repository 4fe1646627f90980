"""``Session``: where data goes (``upload_data``) and the default bucket, like the SDK's Session.

On the local backend the bucket is a folder of the local store and named the way SageMaker names
its default bucket (``sagemaker-<region>-<account>``, account ``000000000000``). With the
``sagemaker`` backend, ``Session(...)`` returns its twin (``helpers.platform.backend.TWINS``), the SDK's own
``sagemaker.core.helper.session_helper.Session`` so the same calls reach real S3.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.platform import storage
from helpers.platform.backend import LOCAL_ACCOUNT_ID, Twin, default_region
from helpers.platform_home import private_dir


class Session(Twin):
    """Local stand-in for ``sagemaker.core.helper.session_helper.Session``.

    Args:
        region: AWS region the names and ARNs carry (default: ``AWS_REGION``/``AWS_DEFAULT_REGION``,
            else ``us-east-1``).
        default_bucket: bucket used when none is given (default ``sagemaker-<region>-000000000000``).
        default_bucket_prefix: key prefix put in front of every default location.
    """

    def __init__(self, region: str | None = None, default_bucket: str | None = None,
                 default_bucket_prefix: str | None = None):
        self.boto_region_name = region or default_region()
        self._default_bucket = default_bucket
        self.default_bucket_prefix = default_bucket_prefix.strip("/") if default_bucket_prefix else None

    def account_id(self) -> str:
        return LOCAL_ACCOUNT_ID

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

    def upload_string_as_file_body(self, body: str, bucket: str, key: str, kms_key=None) -> str:
        return storage.put_bytes(f"s3://{bucket}/{key}", body.encode("utf-8"))

    def download_data(self, path: str | os.PathLike, bucket: str, key_prefix: str = "", extra_args=None) -> list[str]:
        """Download every object under the prefix into the folder ``path``; returns local file paths."""
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

    def __repr__(self) -> str:
        return f"Session(backend='local', region={self.boto_region_name!r}, default_bucket={self.default_bucket()!r})"
