"""The local object store: ``s3://bucket/key`` URIs map to files under ``<home>/s3/bucket/key``.

Objects are plain files, so learners can open them; writes go through a temporary file and
``os.replace`` so a crash never leaves half an object. Prefix listing follows S3's rule (every key
that starts with the prefix), which is how a training channel's ``S3Prefix`` data source is read.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from helpers.platform_home import home

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
EXAMPLE = "s3://sagemaker-us-east-1-000000000000/data/train.csv"


def root() -> Path:
    """Folder that holds every bucket: ``<FLYWHEEL_HOME>/s3``."""
    return home() / "s3"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``"s3://bucket/a/b.csv"`` -> ``("bucket", "a/b.csv")``; the key may be empty."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"Not an S3 URI: {uri!r}. Expected s3://<bucket>/<key>, e.g. {EXAMPLE}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not _BUCKET.match(bucket):
        raise ValueError(f"Invalid bucket name {bucket!r} in {uri!r}: use 3-63 lower-case letters, digits, "
                         f"dots or hyphens, e.g. {EXAMPLE}")
    parts = [p for p in key.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"S3 key {key!r} in {uri!r} contains '.' or '..' segments: use plain names.")
    return bucket, key


def s3_to_path(uri: str) -> Path:
    """The local file (or folder, for a prefix) behind an S3 URI."""
    bucket, key = parse_s3_uri(uri)
    return root() / bucket / key


def path_to_s3(path: str | os.PathLike) -> str:
    """Inverse of ``s3_to_path`` for a path inside the store."""
    resolved = Path(path).resolve()
    base = root().resolve()
    try:
        relative = resolved.relative_to(base)
    except ValueError:
        raise ValueError(f"{path} is not inside the local object store {base}: "
                         "upload it first with upload(path, 's3://bucket/key').") from None
    bucket, *key = relative.parts
    return f"s3://{bucket}/{'/'.join(key)}"


def _atomic_copy(source: Path, target: Path) -> None:
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write object {path_to_s3(target)}: a prefix with that name already "
                                "holds objects. Pick another key.")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def put_bytes(uri: str, body: bytes) -> str:
    """Write one object atomically; returns its URI."""
    target = s3_to_path(uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(body)
    os.replace(tmp, target)
    return uri


def get_bytes(uri: str) -> bytes:
    path = s3_to_path(uri)
    if not path.is_file():
        raise FileNotFoundError(f"No object at {uri} (looked in {path}). List what exists with list_prefix(...).")
    return path.read_bytes()


def upload(local_path: str | os.PathLike, uri: str) -> str:
    """Copy a local file or folder into the store.

    A file goes to ``uri`` (or ``uri/<file name>`` when ``uri`` ends with ``/``); a folder's files go
    under the prefix ``uri`` keeping their relative paths. Returns the URI written.
    """
    source = Path(local_path)
    if not source.exists():
        raise FileNotFoundError(f"Nothing to upload: {source} does not exist.")
    parse_s3_uri(uri)
    if source.is_dir():
        prefix = uri.rstrip("/")
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            _atomic_copy(file, s3_to_path(f"{prefix}/{file.relative_to(source).as_posix()}"))
        return prefix
    if uri.endswith("/"):
        uri = uri + source.name
    _atomic_copy(source, s3_to_path(uri))
    return uri


def list_prefix(uri: str) -> list[str]:
    """Every object URI whose key starts with the URI's key (S3 prefix semantics), sorted."""
    bucket, key = parse_s3_uri(uri)
    bucket_dir = root() / bucket
    if not bucket_dir.is_dir():
        return []
    # Walk only the deepest folder that can hold matches.
    folder = key.rsplit("/", 1)[0] if "/" in key else ""
    start = bucket_dir / folder
    if not start.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames.sort()
        for name in filenames:
            if name.startswith(".upload-"):
                continue
            object_key = Path(dirpath, name).relative_to(bucket_dir).as_posix()
            if object_key.startswith(key):
                found.append(f"s3://{bucket}/{object_key}")
    return sorted(found)


def channel_files(uri: str) -> list[tuple[str, str]]:
    """``(object URI, path relative to the channel folder)`` for an ``S3Prefix`` data source.

    ``s3://b/data/train`` -> the objects under ``data/train/`` keep their paths below it; an exact
    object (``s3://b/data/train.csv``) lands as ``train.csv``; other keys that merely start with
    the prefix land under their own file names.
    """
    _, key = parse_s3_uri(uri)
    pairs = []
    for object_uri in list_prefix(uri):
        _, object_key = parse_s3_uri(object_uri)
        if object_key == key:
            relative = object_key.rsplit("/", 1)[-1]
        elif key.endswith("/") or object_key.startswith(key + "/"):
            relative = object_key[len(key.rstrip("/")) + 1:]
        else:
            relative = object_key[len(key.rsplit("/", 1)[0]) + 1:] if "/" in key else object_key
        pairs.append((object_uri, relative))
    return pairs


def download(uri: str, local_path: str | os.PathLike) -> Path:
    """Copy an object (to a file path, or into a folder) or every object under a prefix (into a
    folder, keeping relative paths). Returns the local path."""
    target = Path(local_path)
    source = s3_to_path(uri)
    if source.is_file():
        if target.is_dir():
            target = target / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target
    pairs = channel_files(uri)
    if not pairs:
        raise FileNotFoundError(f"No objects under {uri}. List what exists with list_prefix('s3://<bucket>/').")
    for object_uri, relative in pairs:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(s3_to_path(object_uri), destination)
    return target


def delete(uri: str) -> int:
    """Delete an object or every object under a prefix; returns how many were deleted."""
    objects = list_prefix(uri)
    for object_uri in objects:
        s3_to_path(object_uri).unlink(missing_ok=True)
    return len(objects)


class ObjectStore:
    """The local store as one object (what ``helpers.platform.store()`` returns)."""

    parse_s3_uri = staticmethod(parse_s3_uri)
    s3_to_path = staticmethod(s3_to_path)
    path_to_s3 = staticmethod(path_to_s3)
    upload = staticmethod(upload)
    download = staticmethod(download)
    list_prefix = staticmethod(list_prefix)
    put_bytes = staticmethod(put_bytes)
    get_bytes = staticmethod(get_bytes)
    delete = staticmethod(delete)

    @property
    def root(self) -> Path:
        return root()

    def __repr__(self) -> str:
        return f"ObjectStore(root={str(root())!r})"


def store() -> ObjectStore:
    """The local object store (``<FLYWHEEL_HOME>/s3``)."""
    return ObjectStore()
