"""The local object store: ``s3://bucket/key`` URIs map to files under ``<home>/s3/bucket/key``.

Objects are plain files, so learners can open them; writes go through a temporary file and
``os.replace`` so a crash never leaves half an object. Prefix listing follows S3's rule (every key
that starts with the prefix), which is how a training channel's ``S3Prefix`` data source is read.

Every key maps inside its bucket's folder. What S3 refuses is refused here with the rule and a fix
(bucket names, keys over 1024 UTF-8 bytes, NUL). Keys S3 accepts but a disk cannot hold as a path are
refused too: ``.`` / ``..`` segments (they would name another folder) and segments over 255 bytes. An
empty segment (``a//b``, ``s3://bucket//abs/path``) is legal on S3, so it is kept, as a folder named
``%`` (a segment starting with ``%`` gets one more ``%``), never as an absolute path. Folders are
created 0700 and objects 0600 (see ``helpers.platform_home``).
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
from pathlib import Path

from helpers.platform_home import atomic_open, objects_root, private_dir, write_atomic

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# Prefixes and suffixes S3 reserves for its own bucket kinds (access points, directory buckets, ...).
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
MAX_KEY_BYTES = 1024        # S3's limit on a key, in UTF-8 bytes
MAX_SEGMENT_BYTES = 255     # the local disk's limit on one file name (a key segment, once encoded)
# Local name of an empty key segment ("a//b" is a legal key on S3). A segment that itself starts
# with "%" gets one more "%" in front, so no two keys share a file: "" -> "%", "%x" -> "%%x".
_EMPTY = "%"
UPLOAD_PREFIX = ".upload-"  # an object being written; listings skip it
COPY_CHUNK = 1 << 20  # bytes per read when copying a file into the store
EXAMPLE = "s3://sagemaker-us-east-1-000000000000/data/train.csv"
# S3's HTTPS URLs: virtual-hosted (https://<bucket>.s3[.-]<region>.amazonaws.com/<key>) and path-style
# (https://s3[.-]<region>.amazonaws.com/<bucket>/<key>), region optional (the legacy global form); the
# key may be empty, as in SageMaker's pattern for S3 URIs, ^(https|s3)://([^/]+)/?(.*).
_VIRTUAL_HOSTED = re.compile(r"^https://(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3(?:[.-](?P<region>[a-z0-9-]+))?"
                             r"\.amazonaws\.com(?:\.cn)?(?:/(?P<key>.*))?$")
_PATH_STYLE = re.compile(r"^https://s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?/"
                         r"(?P<bucket>[^/?]+)(?:/(?P<key>.*))?$")


def root() -> Path:
    """Folder that holds every bucket: ``<FLYWHEEL_HOME>/s3``."""
    return objects_root()


def s3_uri_of(url: str) -> str:
    """An S3 URL as the ``s3://bucket/key`` URI it names (any other text is returned as it is).

    SageMaker takes ``https://`` S3 URLs wherever its API's pattern is ``^(https|s3)://`` (model data,
    a training channel's ``S3Uri``, ``S3OutputPath``); the local store is addressed by ``s3://`` URIs.
    Keys are percent-decoded, as S3 decodes them; a query string is dropped.
    """
    text = str(url)
    if not text.startswith("https://"):
        return text  # s3:// as it is; anything else is refused by the store's parser, naming the rule
    match = _VIRTUAL_HOSTED.match(text) or _PATH_STYLE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an S3 URL: give s3://<bucket>/<key>, "
                         f"https://<bucket>.s3.<region>.amazonaws.com/<key> or "
                         f"https://s3.<region>.amazonaws.com/<bucket>/<key>.")
    return f"s3://{match['bucket']}/{urllib.parse.unquote((match['key'] or '').split('?', 1)[0])}"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``"s3://bucket/a/b.csv"`` -> ``("bucket", "a/b.csv")``; the key may be empty.

    Raises ValueError for what S3 would refuse (a bad bucket name, a key over 1024 UTF-8 bytes or with a
    NUL) and for keys the local store cannot hold safely ("." or ".." segments, a segment over 255 bytes).
    """
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"Not an S3 URI: {uri!r}. Expected s3://<bucket>/<key>, e.g. {EXAMPLE}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    _check_bucket(bucket, uri)
    _check_key(key, uri)
    return bucket, key


def _check_bucket(bucket: str, uri: str) -> None:
    """S3's bucket naming rules (general purpose buckets)."""
    problem = None
    if not _BUCKET.match(bucket):
        problem = "use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit"
    elif ".." in bucket:
        problem = "two dots in a row are not allowed"
    elif _IP_ADDRESS.match(bucket):
        problem = "a bucket name may not look like an IP address"
    elif bucket.startswith(_RESERVED_PREFIXES) or bucket.endswith(_RESERVED_SUFFIXES):
        problem = "S3 reserves names starting with 'xn--', 'sthree-' or 'amzn-s3-demo-' and some suffixes"
    if problem:
        raise ValueError(f"Invalid bucket name {bucket!r} in {uri!r}: {problem}, e.g. {EXAMPLE}")


def _check_key(key: str, uri: str) -> None:
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate (from undecodable bytes): S3 keys are UTF-8
        raise ValueError(f"S3 key {key!r} in {uri!r} is not valid UTF-8 text: S3 keys are UTF-8. Rename the file, "
                         f"e.g. {EXAMPLE}") from None
    if size > MAX_KEY_BYTES:
        raise ValueError(f"S3 key in {uri[:80]!r}... is {size} bytes long (UTF-8); S3 allows at most "
                         f"{MAX_KEY_BYTES}. Use a shorter key, e.g. {EXAMPLE}")
    if "\x00" in key:
        raise ValueError(f"S3 key {key!r} in {uri!r} contains a NUL character: remove it, e.g. {EXAMPLE}")
    segments = key.split("/")
    if any(s in (".", "..") for s in segments):
        raise ValueError(f"S3 key {key!r} in {uri!r} contains '.' or '..' segments: use plain names, e.g. {EXAMPLE}")
    for segment in segments:
        if len(_encode(segment).encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise ValueError(f"S3 key {key!r} in {uri!r} has a part between slashes longer than {MAX_SEGMENT_BYTES} "
                             f"bytes, which the local store cannot keep as a file name: split it with '/'.")


def _encode(segment: str) -> str:
    """A key segment's local file name (see ``_EMPTY``)."""
    return _EMPTY + segment if segment == "" or segment.startswith(_EMPTY) else segment


def _decode(name: str) -> str:
    """Inverse of ``_encode``."""
    return name[len(_EMPTY):] if name.startswith(_EMPTY) else name


def _relative(key: str) -> list[str]:
    """Local path parts of a key; a trailing "/" names the prefix's folder (``data/`` -> ``data``)."""
    if not key:
        return []
    segments = key.split("/")
    if segments[-1] == "":
        segments.pop()
    return [_encode(s) for s in segments]


def _key_of(parts: tuple[str, ...] | list[str]) -> str:
    """The key of a file at ``parts`` below its bucket folder."""
    return "/".join(_decode(p) for p in parts)


def s3_to_path(uri: str) -> Path:
    """The local file (or folder, for a prefix) behind an S3 URI; always inside its bucket's folder."""
    bucket, key = parse_s3_uri(uri)
    bucket_dir = root() / bucket
    path = bucket_dir.joinpath(*_relative(key))
    # Defence in depth: a link planted inside a bucket must not lead a write out of the store.
    if not path.resolve().is_relative_to(bucket_dir.resolve()):
        raise ValueError(f"S3 key in {uri!r} resolves outside its bucket folder {bucket_dir} (a link inside "
                         "the store points elsewhere): remove the link.")
    return path


def _object_path(uri: str) -> Path:
    """``s3_to_path`` for one object: its key is not empty and does not end with "/" (a prefix)."""
    _, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise ValueError(f"{uri!r} names a bucket or a prefix, not an object: add a file name, e.g. {EXAMPLE}")
    return s3_to_path(uri)


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
    return f"s3://{bucket}/{_key_of(key)}"


def _atomic_copy(source: Path, target: Path) -> None:
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write object {path_to_s3(target)}: a prefix with that name already "
                                "holds objects. Pick another key.")
    private_dir(target.parent)
    with atomic_open(target, prefix=UPLOAD_PREFIX) as out, open(source, "rb") as data:
        shutil.copyfileobj(data, out, COPY_CHUNK)


def put_bytes(uri: str, body: bytes) -> str:
    """Write one object atomically; returns its URI."""
    target = _object_path(uri)
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write object {uri}: a prefix with that name already holds objects. "
                                "Pick another key.")
    private_dir(target.parent)
    write_atomic(target, body, prefix=UPLOAD_PREFIX)
    return uri


def get_bytes(uri: str) -> bytes:
    path = _object_path(uri)
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
        # every key is checked before the first copy: a bad file name uploads nothing
        targets = [(file, _object_path(f"{prefix}/{file.relative_to(source).as_posix()}"))
                   for file in sorted(p for p in source.rglob("*") if p.is_file())]
        for file, target in targets:
            _atomic_copy(file, target)
        return prefix
    if uri.endswith("/"):
        uri = uri + source.name
    _atomic_copy(source, _object_path(uri))
    return uri


def list_prefix(uri: str) -> list[str]:
    """Every object URI whose key starts with the URI's key (S3 prefix semantics), sorted."""
    bucket, key = parse_s3_uri(uri)
    bucket_dir = root() / bucket
    if not bucket_dir.is_dir():
        return []
    # Walk only the deepest folder that can hold matches (every segment before the last "/").
    start = bucket_dir.joinpath(*(_encode(s) for s in key.split("/")[:-1]))
    if not start.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames.sort()
        for name in filenames:
            if name.startswith(UPLOAD_PREFIX):
                continue
            object_key = _key_of(Path(dirpath, name).relative_to(bucket_dir).parts)
            if object_key.startswith(key):
                found.append(f"s3://{bucket}/{object_key}")
    return sorted(found)


def channel_files(uri: str) -> list[tuple[str, str]]:
    """``(object URI, path relative to the channel folder)`` for an ``S3Prefix`` data source.

    ``s3://b/data/train`` -> the objects under ``data/train/`` keep their paths below it; an exact
    object (``s3://b/data/train.csv``) lands as ``train.csv``; other keys that merely start with
    the prefix land under their own file names. Empty key segments (``data//x.csv``) come back as ``%``,
    as the store keeps them, so a relative path never starts with "/" and stays inside its folder.
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
        pairs.append((object_uri, "/".join(_encode(s) for s in relative.split("/"))))
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
