"""SDK v2's ``sagemaker.s3``: ``S3Uploader`` / ``S3Downloader`` and the URI helpers, on the kit's Session
(the local store, or S3 on ``use_backend("sagemaker")``)."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from helpers.platform.errors import warn_ignored
from helpers.platform.v2.session import kit_session


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key/prefix`` -> ``("bucket", "key/prefix")``."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"Expecting an s3:// URI such as 's3://bucket/prefix', got {url!r}.")
    return parsed.netloc, parsed.path.lstrip("/")


def s3_path_join(*args: str, with_end_slash: bool = False) -> str:
    """Join S3 path parts with one ``/`` between them (``s3://`` kept), as SDK v2's."""
    parts = [str(a) for a in args if a not in (None, "")]
    if not parts:
        return ""
    head = parts[0]
    scheme = "s3://" if head.startswith("s3://") else ""
    pieces = [p.strip("/") for p in [head[len(scheme):], *parts[1:]]]
    joined = scheme + "/".join(p for p in pieces if p)
    return joined + "/" if with_end_slash else joined


class S3Uploader:
    """Upload files and strings to S3 (``sagemaker.s3.S3Uploader``)."""

    @staticmethod
    def upload(local_path: str, desired_s3_uri: str, kms_key=None, sagemaker_session=None, callback=None) -> str:
        """Upload a file (to ``<desired_s3_uri>/<file name>``) or a folder; returns the S3 URI, as v2."""
        warn_ignored("S3Uploader.upload", ["kms_key"] if kms_key else [], "no encryption locally")
        bucket, prefix = parse_s3_url(desired_s3_uri)
        return kit_session(sagemaker_session).upload_data(local_path, bucket=bucket, key_prefix=prefix,
                                                          callback=callback)

    @staticmethod
    def upload_string_as_file_body(body, desired_s3_uri: str, kms_key=None, sagemaker_session=None) -> str:
        bucket, key = parse_s3_url(desired_s3_uri)
        return kit_session(sagemaker_session).upload_string_as_file_body(body, bucket, key, kms_key=kms_key)


class S3Downloader:
    """Read and download S3 objects (``sagemaker.s3.S3Downloader``)."""

    @staticmethod
    def download(s3_uri: str, local_path: str, kms_key=None, sagemaker_session=None) -> list[str]:
        """Download every object under ``s3_uri`` into the folder ``local_path``; returns the local paths."""
        warn_ignored("S3Downloader.download", ["kms_key"] if kms_key else [], "no encryption locally")
        bucket, prefix = parse_s3_url(s3_uri)
        os.makedirs(local_path, exist_ok=True)
        return kit_session(sagemaker_session).download_data(local_path, bucket, key_prefix=prefix)

    @staticmethod
    def read_file(s3_uri: str, sagemaker_session=None) -> str:
        bucket, key = parse_s3_url(s3_uri)
        return kit_session(sagemaker_session).read_s3_file(bucket, key)

    @staticmethod
    def list(s3_uri: str, sagemaker_session=None) -> list[str]:
        """The ``s3://`` URIs of the objects under ``s3_uri``."""
        bucket, prefix = parse_s3_url(s3_uri)
        keys = kit_session(sagemaker_session).list_s3_files(bucket, prefix)
        return [f"s3://{bucket}/{key}" for key in keys]
