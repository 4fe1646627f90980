"""The S3 REST API, on the local object store, for plain boto3 ``s3`` clients (through the router).

``use_backend("local")`` sets ``AWS_ENDPOINT_URL_S3=http://127.0.0.1:PORT/<secret>``: botocore then
addresses buckets path-style (it always does for an IP-address endpoint), so a call arrives here as
``<METHOD> /<bucket>/<key>?<query>`` once the router has checked and removed the secret. The answers
are S3's XML shapes, so botocore parses them unchanged, and errors carry S3's codes
(``NoSuchKey``, ``NoSuchBucket``, a bare 404 for ``HeadObject``...) in ``ClientError``.

The subset: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, ListObjects(V2)
(prefix, delimiter, max keys, continuation), PutObject, GetObject (Range, If-Match), HeadObject,
DeleteObject(s), CopyObject, and multipart upload (create, upload part, complete, abort, ListParts,
ListMultipartUploads without a delimiter): what
``upload_file`` / ``download_file``, paginators and the SageMaker SDK's sessions send. Anything else
answers ``NotImplemented`` naming the operation.

Objects are the store's plain files (:mod:`helpers.platform.storage`, whose key rules apply: a ``..``
segment is refused). Nothing else is kept per object: ``Content-Type`` is guessed from the key and user
metadata is not stored; the ETag is the MD5 of the content (cached per file version), for multipart
objects too.
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import hashlib
import json
import mimetypes
import os
import re
import secrets
import shutil
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from helpers.platform import storage
from helpers.platform.serving.access import clip
from helpers.platform_home import atomic_open, private_dir

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
REGION = "us-east-1"
MAX_KEYS = 1000                  # S3's page size for listings
MAX_XML_BYTES = 2 * 1024 * 1024  # a DeleteObjects / CompleteMultipartUpload body (1000 keys fit easily)
CHUNK = 1 << 20                  # bytes per message when sending an object
_LIST_PARAMETERS = {"list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after",
                    "encoding-type", "marker", "fetch-owner", "x-id"}
# a presigned URL's own parameters (SigV2 and SigV4): the signature, not the operation
_SIGNATURE_PARAMETERS = {"AWSAccessKeyId", "Signature", "Expires", "X-Amz-Algorithm", "X-Amz-Credential",
                         "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
                         "X-Amz-Security-Token"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class S3Error(Exception):
    """An S3 error answer: HTTP status, S3's error code, and a message that says what to do."""

    def __init__(self, status: int, code: str, message: str, **fields: str):
        super().__init__(message)
        self.status, self.code, self.fields = status, code, fields


def _xml(root: str, body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{XMLNS}">{body}</{root}>'.encode()


def _tag(name: str, value) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def error_answer(error: S3Error, head: bool = False) -> tuple[int, list, bytes]:
    """S3's XML error document (no body for HEAD: botocore then uses the status as the code)."""
    extra = "".join(_tag(k, v) for k, v in error.fields.items())
    body = b"" if head else (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{_tag("Code", error.code)}{_tag("Message", str(error))}'
        f'{extra}{_tag("RequestId", uuid.uuid4().hex)}</Error>').encode()
    return error.status, _headers(b"application/xml", len(body)), body


def _headers(content_type: bytes, length: int, extra: list | None = None) -> list:
    return [(b"content-type", content_type), (b"content-length", str(length).encode()),
            (b"x-amz-request-id", uuid.uuid4().hex[:16].encode()), *(extra or [])]


# ------------------------------------------------------------------------------- store access
def _bucket_dir(bucket: str, must_exist: bool = True) -> Path:
    try:
        storage.parse_s3_uri(f"s3://{bucket}/")
    except ValueError as error:
        raise S3Error(400, "InvalidBucketName", str(error), BucketName=clip(bucket)) from None
    folder = storage.root() / bucket
    if must_exist and not folder.is_dir():
        raise S3Error(404, "NoSuchBucket", f"The specified bucket does not exist: {bucket}. Create it with "
                      f"create_bucket(Bucket={bucket!r}).", BucketName=bucket)
    return folder


def _object_path(bucket: str, key: str) -> Path:
    """The file behind ``bucket``/``key`` (bucket checked to exist), refusing keys the store cannot hold."""
    _bucket_dir(bucket)
    if not key or key.endswith("/"):
        raise S3Error(400, "InvalidArgument", f"key {clip(key)!r} ends with '/': the local store keeps objects, "
                      "not folder markers (a prefix exists once an object is under it). Add a file name.")
    try:
        return storage.s3_to_path(f"s3://{bucket}/{key}")
    except ValueError as error:
        raise S3Error(400, "InvalidArgument", str(error), Key=clip(key)) from None


def _marker_or_object(bucket: str, key: str) -> Path | None:
    """None for a folder marker ("data/"), which a store of files cannot hold: it is simply missing, as
    tools probing for one expect; else the object's file (the bucket checked either way)."""
    if key.endswith("/"):
        _bucket_dir(bucket)
        return None
    return _object_path(bucket, key)


def _existing(bucket: str, key: str) -> Path:
    path = _marker_or_object(bucket, key)
    if path is None or not path.is_file():
        raise S3Error(404, "NoSuchKey", f"The specified key does not exist: s3://{bucket}/{clip(key)}. List the "
                      f"keys there are with list_objects_v2(Bucket={bucket!r}, Prefix=...).", Key=clip(key))
    return path


class ETags:
    """MD5 ETags of files, remembered per (path, size, mtime) so ranged GETs do not re-read the file."""

    def __init__(self, limit: int = 4096):
        self._known: dict[tuple, str] = {}
        self._limit = limit

    def of(self, path: Path) -> str:
        stat = path.stat()
        version = (str(path), stat.st_size, stat.st_mtime_ns)
        tag = self._known.get(version)
        if tag is None:
            digest = hashlib.md5(usedforsecurity=False)
            with open(path, "rb") as data:
                for block in iter(lambda: data.read(CHUNK), b""):
                    digest.update(block)
            tag = f'"{digest.hexdigest()}"'
            if len(self._known) >= self._limit:
                self._known.clear()
            self._known[version] = tag
        return tag


def _is_bucket(name: str) -> bool:
    try:
        storage.parse_s3_uri(f"s3://{name}/")
    except ValueError:
        return False
    return True


def _iso(seconds: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _remove_empty_parents(path: Path, stop: Path) -> None:
    """Remove the folders a deleted object leaves empty, up to (not including) its bucket folder."""
    folder = path.parent
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


# ------------------------------------------------------------------------------------ listing
def _token(after: str, is_prefix: bool) -> str:
    return base64.urlsafe_b64encode(json.dumps([after, is_prefix]).encode()).decode()


def _untoken(token: str) -> tuple[str, bool]:
    try:
        after, is_prefix = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(after), bool(is_prefix)
    except (ValueError, TypeError):
        raise S3Error(400, "InvalidArgument", "The continuation token provided is incorrect: pass the "
                      "NextContinuationToken of the previous page unchanged.") from None


def list_page(bucket: str, prefix: str, delimiter: str, max_keys: int, after: str = "",
              skip_prefix: bool = False) -> tuple[list[str], list[str], bool, tuple[str, bool] | None]:
    """One page of a listing: (keys, common prefixes, truncated, (last item, it is a prefix)).

    Keys sort by code point (UTF-8 byte order, as S3's); ``after`` is exclusive, and when it is a
    common prefix every key under it was already rolled into it.
    """
    _bucket_dir(bucket)
    try:
        uris = storage.list_prefix(f"s3://{bucket}/{prefix}")
    except ValueError as error:
        raise S3Error(400, "InvalidArgument", str(error)) from None
    keys, prefixes, last = [], [], None
    offset = len(f"s3://{bucket}/")
    for uri in uris:
        key = uri[offset:]
        if key <= after or (skip_prefix and after and key.startswith(after)):
            continue
        rest = key[len(prefix):]
        cut = rest.find(delimiter) if delimiter else -1
        item, is_prefix = (prefix + rest[:cut + len(delimiter)], True) if cut >= 0 else (key, False)
        if is_prefix and prefixes and prefixes[-1] == item:
            continue
        if len(keys) + len(prefixes) >= max_keys:
            return keys, prefixes, True, last
        (prefixes if is_prefix else keys).append(item)
        last = (item, is_prefix)
        if is_prefix:
            after, skip_prefix = item, True
    return keys, prefixes, False, last


class S3Api:
    """Answers S3 REST requests on the local store (one instance per router)."""

    def __init__(self):
        self.etags = ETags()

    async def __call__(self, scope: dict, path: str, headers: dict, receive, send) -> None:
        method = scope["method"]
        query = {name: value for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                                         keep_blank_values=True)
                 if name not in _SIGNATURE_PARAMETERS}
        bucket, _, key = path.lstrip("/").partition("/")
        try:
            try:
                answer = await self._route(method, bucket, key, query, headers, receive, send)
            except (NotADirectoryError, FileExistsError):
                raise S3Error(400, "InvalidArgument", (
                    f"a part of key {clip(key)!r} is already an object: the local store keeps objects as files, "
                    "so 'a' and 'a/b' cannot both exist. Pick another key.")) from None
            except OSError as error:  # a full disk, a file removed meanwhile...
                raise S3Error(500, "InternalError", f"the local store could not do it: {error}") from None
        except S3Error as error:
            answer = error_answer(error, head=method == "HEAD")
            if method in ("PUT", "POST"):  # its body may be unread: the next request must not parse it
                answer[1].append((b"connection", b"close"))
        if answer is not None:  # None: streamed already
            status, out, body = answer
            await send({"type": "http.response.start", "status": status, "headers": out})
            await send({"type": "http.response.body", "body": body})

    async def _route(self, method, bucket, key, query, headers, receive, send):
        """Dispatch on method, path and sub-resource (botocore names most operations in ``x-id``)."""
        if not bucket:
            if method == "GET":
                return self.list_buckets()
            raise self._unsupported(method, "/", query)
        if not key:
            sub = next((name for name in ("location", "delete", "uploads") if name in query), "")
            if sub == "" and query.keys() - _LIST_PARAMETERS:  # ?versioning, ?policy, ?acl...: not here
                raise self._unsupported(method, f"/{bucket}", query)
            if sub == "" and method in ("PUT", "HEAD", "DELETE", "GET"):
                return {"PUT": self.create_bucket, "HEAD": self.head_bucket, "DELETE": self.delete_bucket,
                        "GET": lambda b: self.list_objects(b, query)}[method](bucket)
            if (method, sub) == ("GET", "location"):
                return self.get_bucket_location(bucket)
            if (method, sub) == ("POST", "delete"):
                return self.delete_objects(bucket, await self._small_body(receive))
            if (method, sub) == ("GET", "uploads"):
                return self.list_uploads(bucket, query)
            raise self._unsupported(method, f"/{bucket}", query)
        upload_id = query.get("uploadId")
        if b"aws-chunked" in headers.get(b"content-encoding", b""):
            # botocore frames bodies this way over HTTPS only; stored as sent, the framing would corrupt the object
            raise S3Error(400, "NotImplemented", "aws-chunked request bodies are not read by the local store: "
                          "send the body plain (boto3 does over http://127.0.0.1).")
        if method == "PUT" and upload_id is not None:
            if b"x-amz-copy-source" in headers:
                raise self._unsupported(method, f"/{bucket}/{key}", query)  # UploadPartCopy
            return await self.upload_part(bucket, key, query, receive)
        if method == "PUT" and b"x-amz-copy-source" in headers:
            return self.copy_object(bucket, key, headers[b"x-amz-copy-source"].decode("utf-8", "replace"))
        if method == "PUT" and query.keys() <= {"x-id"}:
            return await self.put_object(bucket, key, receive)
        if method in ("GET", "HEAD") and query.keys() <= {"x-id", "versionId"}:
            return await self.get_object(bucket, key, headers, send, head=method == "HEAD")
        if method == "DELETE" and upload_id is not None:
            return self.abort_upload(bucket, key, upload_id)
        if method == "GET" and upload_id is not None:
            return self.list_parts(bucket, key, query)
        if method == "DELETE" and query.keys() <= {"x-id", "versionId"}:
            return self.delete_object(bucket, key)
        if method == "POST" and "uploads" in query:
            return self.create_upload(bucket, key)
        if method == "POST" and upload_id is not None:
            return self.complete_upload(bucket, key, upload_id, await self._small_body(receive))
        raise self._unsupported(method, f"/{bucket}/{key}", query)

    @staticmethod
    def _unsupported(method: str, path: str, query: dict) -> S3Error:
        what = f"{method} {clip(path)}" + (f"?{'&'.join(sorted(query))}" if query else "")
        return S3Error(501, "NotImplemented", (
            f"{what} is not an S3 operation the local store answers. It answers buckets (create, head, delete, "
            "list), objects (put, get with Range, head, delete, copy, delete_objects), list_objects(_v2) and "
            "multipart upload (what upload_file / download_file use; list_multipart_uploads, list_parts). Use use_backend('sagemaker') for the rest."))

    @staticmethod
    async def _small_body(receive) -> bytes:
        from helpers.platform.serving.app import read_body

        body = await read_body(receive, MAX_XML_BYTES)
        if body is None:
            raise S3Error(400, "MaxMessageLengthExceeded", f"the request body is over {MAX_XML_BYTES} bytes.")
        return body

    # ------------------------------------------------------------------------------ buckets
    def list_buckets(self):
        folder = storage.root()
        found = sorted(p for p in folder.iterdir() if p.is_dir() and _is_bucket(p.name)) if folder.is_dir() else []
        body = "".join(f"<Bucket>{_tag('Name', p.name)}{_tag('CreationDate', _iso(p.stat().st_ctime))}</Bucket>"
                       for p in found)
        owner = "<Owner><ID>flywheel-local</ID><DisplayName>flywheel</DisplayName></Owner>"
        return self._ok(_xml("ListAllMyBucketsResult", f"{owner}<Buckets>{body}</Buckets>"))

    def create_bucket(self, bucket: str):
        folder = _bucket_dir(bucket, must_exist=False)
        private_dir(folder)  # already yours: 200, as S3 answers in us-east-1
        return 200, _headers(b"application/xml", 0, [(b"location", f"/{bucket}".encode())]), b""

    def head_bucket(self, bucket: str):
        _bucket_dir(bucket)
        return 200, _headers(b"application/xml", 0, [(b"x-amz-bucket-region", REGION.encode())]), b""

    def get_bucket_location(self, bucket: str):
        _bucket_dir(bucket)
        return self._ok(_xml("LocationConstraint", ""))  # empty: us-east-1

    def delete_bucket(self, bucket: str):
        folder = _bucket_dir(bucket)
        if storage.list_prefix(f"s3://{bucket}/"):
            raise S3Error(409, "BucketNotEmpty", f"The bucket you tried to delete is not empty: delete its objects "
                          f"first (s3://{bucket}/).", BucketName=bucket)
        shutil.rmtree(folder)
        return 204, _headers(b"application/xml", 0), b""

    def list_objects(self, bucket: str, query: dict):
        """ListObjectsV2 (``list-type=2``) or ListObjects (v1, markers)."""
        v2 = query.get("list-type") == "2"
        prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
        try:
            max_keys = max(0, min(int(query.get("max-keys", MAX_KEYS)), MAX_KEYS))
        except ValueError:
            raise S3Error(400, "InvalidArgument", "max-keys must be a whole number (1 to 1000).") from None
        if v2 and query.get("continuation-token"):
            after, skip = _untoken(query["continuation-token"])
        else:
            after, skip = query.get("start-after" if v2 else "marker", ""), False
        keys, prefixes, truncated, last = list_page(bucket, prefix, delimiter, max_keys, after, skip)
        url = query.get("encoding-type") == "url"
        enc = (lambda text: quote(text, safe="/~")) if url else (lambda text: text)
        parts = [_tag("Name", bucket), _tag("Prefix", enc(prefix)), _tag("MaxKeys", max_keys),
                 _tag("IsTruncated", "true" if truncated else "false")]
        if delimiter:
            parts.append(_tag("Delimiter", enc(delimiter)))
        if url:
            parts.append(_tag("EncodingType", "url"))
        if v2:
            parts.append(_tag("KeyCount", len(keys) + len(prefixes)))
            if query.get("continuation-token"):
                parts.append(_tag("ContinuationToken", query["continuation-token"]))
            if query.get("start-after"):
                parts.append(_tag("StartAfter", enc(query["start-after"])))
            if truncated and last:
                parts.append(_tag("NextContinuationToken", _token(*last)))
        else:
            parts.append(_tag("Marker", enc(query.get("marker", ""))))
            if truncated and last:
                parts.append(_tag("NextMarker", enc(last[0])))
        for key in keys:
            path = storage.s3_to_path(f"s3://{bucket}/{key}")
            stat = path.stat()
            parts.append(f"<Contents>{_tag('Key', enc(key))}{_tag('LastModified', _iso(stat.st_mtime))}"
                         f"{_tag('ETag', self.etags.of(path))}{_tag('Size', stat.st_size)}"
                         f"{_tag('StorageClass', 'STANDARD')}</Contents>")
        parts += [f"<CommonPrefixes>{_tag('Prefix', enc(p))}</CommonPrefixes>" for p in prefixes]
        return self._ok(_xml("ListBucketResult", "".join(parts)))

    # ------------------------------------------------------------------------------ objects
    async def put_object(self, bucket: str, key: str, receive):
        target = _object_path(bucket, key)
        await self._receive_into(target, receive)
        return 200, _headers(b"application/xml", 0, [(b"etag", self.etags.of(target).encode())]), b""

    async def _receive_into(self, target: Path, receive) -> None:
        """Stream the request body into ``target``, atomically (a broken upload leaves nothing)."""
        if target.is_dir():
            raise S3Error(400, "InvalidArgument", f"{clip(target.name)!r} is already a prefix holding objects in the "
                          "local store, which keeps objects as files: pick another key.")
        private_dir(target.parent)
        with atomic_open(target, prefix=storage.UPLOAD_PREFIX) as out:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise S3Error(400, "IncompleteBody", "the client went away before the whole body arrived.")
                out.write(message.get("body", b""))
                if not message.get("more_body"):
                    break

    async def get_object(self, bucket: str, key: str, headers: dict, send, head: bool):
        path = _existing(bucket, key)
        stat = path.stat()
        etag = self.etags.of(path)
        wanted = headers.get(b"if-match")
        if wanted is not None and wanted.decode("latin-1").strip() not in (etag, etag.strip('"'), "*"):
            raise S3Error(412, "PreconditionFailed", f"the object changed: its ETag is now {etag}, not "
                          f"{wanted.decode('latin-1')}. Download it again.")
        start, end, status = 0, stat.st_size - 1, 200
        extra = [(b"etag", etag.encode()), (b"accept-ranges", b"bytes"),
                 (b"last-modified", email.utils.formatdate(stat.st_mtime, usegmt=True).encode())]
        if b"range" in headers:
            start, end = _range(headers[b"range"].decode("latin-1"), stat.st_size)
            status = 206
            extra.append((b"content-range", f"bytes {start}-{end}/{stat.st_size}".encode()))
        length = max(0, end - start + 1)
        kind = (mimetypes.guess_type(key)[0] or "binary/octet-stream").encode()
        await send({"type": "http.response.start", "status": status, "headers": _headers(kind, length, extra)})
        if head:
            await send({"type": "http.response.body", "body": b""})
            return None
        with open(path, "rb") as data:
            data.seek(start)
            left = length
            while True:
                block = data.read(min(CHUNK, left))
                left -= len(block)
                more = left > 0 and bool(block)
                await send({"type": "http.response.body", "body": block, "more_body": more})
                if not more:
                    return None

    def delete_object(self, bucket: str, key: str):
        path = _marker_or_object(bucket, key)
        if path is not None and path.is_file():
            path.unlink()
            _remove_empty_parents(path, storage.root() / bucket)
        return 204, _headers(b"application/xml", 0), b""  # S3 answers 204 for a missing key too

    def delete_objects(self, bucket: str, body: bytes):
        _bucket_dir(bucket)
        document = _parse_xml(body, "Delete")
        quiet = (document.findtext(_q("Quiet")) or "").lower() == "true"
        deleted, failed = [], []
        for item in document.findall(_q("Object")):
            key = item.findtext(_q("Key")) or ""
            try:
                self.delete_object(bucket, key)
                deleted.append(key)
            except S3Error as error:
                failed.append((key, error))
        parts = [] if quiet else [f"<Deleted>{_tag('Key', k)}</Deleted>" for k in deleted]
        parts += [f"<Error>{_tag('Key', k)}{_tag('Code', e.code)}{_tag('Message', str(e))}</Error>" for k, e in failed]
        return self._ok(_xml("DeleteResult", "".join(parts)))

    def copy_object(self, bucket: str, key: str, source: str):
        source_bucket, _, source_key = unquote(source.split("?", 1)[0]).lstrip("/").partition("/")
        origin = _existing(source_bucket, source_key)
        target = _object_path(bucket, key)
        if origin != target:
            private_dir(target.parent)
            with atomic_open(target, prefix=storage.UPLOAD_PREFIX) as out, open(origin, "rb") as data:
                shutil.copyfileobj(data, out, CHUNK)
        stat = target.stat()
        return self._ok(_xml("CopyObjectResult", _tag("LastModified", _iso(stat.st_mtime))
                             + _tag("ETag", self.etags.of(target))))

    # ---------------------------------------------------------------------------- multipart
    def _upload_dir(self, bucket: str, key: str, upload_id: str) -> Path:
        folder = uploads_root() / upload_id if re.fullmatch(r"[0-9a-f]{32}", upload_id) else None
        meta = _read_meta(folder / "upload.json") if folder else None
        if meta is None or meta != {"Bucket": bucket, "Key": key}:
            raise S3Error(404, "NoSuchUpload", f"The specified multipart upload does not exist (upload id "
                          f"{clip(upload_id)!r} for s3://{bucket}/{clip(key)}): it was completed, aborted, or "
                          "never created. Start again with create_multipart_upload.", UploadId=clip(upload_id))
        return folder

    def create_upload(self, bucket: str, key: str):
        _object_path(bucket, key)  # refuse a bad key now, not at the end
        upload_id = secrets.token_hex(16)
        folder = private_dir(uploads_root() / upload_id)
        with atomic_open(folder / "upload.json", "w") as out:
            json.dump({"Bucket": bucket, "Key": key}, out)
        return self._ok(_xml("InitiateMultipartUploadResult",
                             _tag("Bucket", bucket) + _tag("Key", key) + _tag("UploadId", upload_id)))

    async def upload_part(self, bucket: str, key: str, query: dict, receive):
        folder = self._upload_dir(bucket, key, query["uploadId"])
        number = query.get("partNumber", "")
        if not number.isdigit() or not 1 <= int(number) <= 10000:
            raise S3Error(400, "InvalidArgument", f"partNumber {clip(number)!r} must be a whole number from 1 to 10000.")
        part = folder / f"part-{int(number):05d}"
        await self._receive_into(part, receive)
        return 200, _headers(b"application/xml", 0, [(b"etag", self.etags.of(part).encode())]), b""

    def complete_upload(self, bucket: str, key: str, upload_id: str, body: bytes):
        folder = self._upload_dir(bucket, key, upload_id)
        parts = []
        for item in _parse_xml(body, "CompleteMultipartUpload").findall(_q("Part")):
            number = int(item.findtext(_q("PartNumber")) or 0)
            path = folder / f"part-{number:05d}"
            if not path.is_file() or (item.findtext(_q("ETag")) or "").strip('"') != self.etags.of(path).strip('"'):
                raise S3Error(400, "InvalidPart", f"part {number} was not uploaded, or its ETag does not match: "
                              "upload it again.", UploadId=upload_id)
            parts.append((number, path))
        if not parts or [n for n, _ in parts] != sorted({n for n, _ in parts}):
            raise S3Error(400, "InvalidPartOrder", "list the parts once each, in ascending PartNumber order.")
        target = _object_path(bucket, key)
        if target.is_dir():
            raise S3Error(400, "InvalidArgument", f"{clip(key)!r} is already a prefix holding objects: pick another key.")
        private_dir(target.parent)
        digest = hashlib.md5(usedforsecurity=False)
        with atomic_open(target, prefix=storage.UPLOAD_PREFIX) as out:
            for _, path in parts:
                digest.update(bytes.fromhex(self.etags.of(path).strip('"')))
                with open(path, "rb") as data:
                    shutil.copyfileobj(data, out, CHUNK)
        shutil.rmtree(folder, ignore_errors=True)
        etag = f'"{digest.hexdigest()}-{len(parts)}"'
        return self._ok(_xml("CompleteMultipartUploadResult", _tag("Location", f"/{bucket}/{key}")
                             + _tag("Bucket", bucket) + _tag("Key", key) + _tag("ETag", etag)))

    def abort_upload(self, bucket: str, key: str, upload_id: str):
        shutil.rmtree(self._upload_dir(bucket, key, upload_id), ignore_errors=True)
        return 204, _headers(b"application/xml", 0), b""

    def list_uploads(self, bucket: str, query: dict):
        """ListMultipartUploads: the bucket's unfinished uploads by key, then start time (S3's order)."""
        _bucket_dir(bucket)
        if query.get("delimiter"):
            raise S3Error(501, "NotImplemented", "list_multipart_uploads with a Delimiter is not answered by the "
                          "local store: list with Prefix only.")
        prefix, limit = query.get("prefix", ""), _count(query, "max-uploads", MAX_KEYS)
        marker = (query.get("key-marker", ""), query.get("upload-id-marker", ""))
        found = _after_marker(sorted(upload for upload in _uploads_of(bucket) if upload[0].startswith(prefix)), marker)
        page, truncated = found[:limit], len(found) > limit
        items = "".join(f"<Upload>{_tag('Key', key)}{_tag('UploadId', upload_id)}{_OWNER.replace('Owner', 'Initiator')}"
                        f"{_OWNER}{_tag('StorageClass', 'STANDARD')}{_tag('Initiated', _iso(started))}</Upload>"
                        for key, started, upload_id in page)
        last = page[-1] if truncated else ("", 0, "")
        return self._ok(_xml("ListMultipartUploadsResult", _tag("Bucket", bucket) + _tag("KeyMarker", marker[0])
                             + _tag("UploadIdMarker", marker[1]) + _tag("NextKeyMarker", last[0])
                             + _tag("NextUploadIdMarker", last[2]) + _tag("Prefix", prefix)
                             + _tag("MaxUploads", limit) + _tag("IsTruncated", str(truncated).lower()) + items))

    def list_parts(self, bucket: str, key: str, query: dict):
        """ListParts: the parts received so far, by part number (``part-number-marker`` is exclusive)."""
        upload_id = query["uploadId"]
        folder = self._upload_dir(bucket, key, upload_id)
        limit, after = _count(query, "max-parts", MAX_KEYS), _count(query, "part-number-marker", 0)
        parts = sorted((int(path.name[5:]), path) for path in folder.glob("part-[0-9]*"))
        parts = [(number, path) for number, path in parts if number > after]
        page, truncated = parts[:limit], len(parts) > limit
        items = "".join(f"<Part>{_tag('PartNumber', number)}{_tag('LastModified', _iso(path.stat().st_mtime))}"
                        f"{_tag('ETag', self.etags.of(path))}{_tag('Size', path.stat().st_size)}</Part>"
                        for number, path in page)
        return self._ok(_xml("ListPartsResult", _tag("Bucket", bucket) + _tag("Key", key) + _tag("UploadId", upload_id)
                             + _tag("PartNumberMarker", after) + _tag("NextPartNumberMarker", page[-1][0] if page else after)
                             + _tag("MaxParts", limit) + _tag("IsTruncated", str(truncated).lower()) + items
                             + _OWNER.replace("Owner", "Initiator") + _OWNER + _tag("StorageClass", "STANDARD")))

    @staticmethod
    def _ok(body: bytes):
        return 200, _headers(b"application/xml", len(body)), body


# ------------------------------------------------------------------- unfinished multipart uploads
#: An upload untouched this long is abandoned: S3's lifecycle rule ``AbortIncompleteMultipartUpload``
#: with ``DaysAfterInitiation: 1`` is the model (S3 counts from the start; we count from the last part
#: received, so a slow upload still sending parts is never removed).
STALE_UPLOAD_SECONDS = 24 * 3600


def uploads_root() -> Path:
    """``<store>/.multipart``: one folder per upload id (``upload.json`` + ``part-NNNNN`` files).

    Beside the buckets, under a name no bucket can have (S3 names start with a letter or digit)."""
    return storage.root() / ".multipart"


@dataclasses.dataclass(frozen=True)
class UnfinishedUpload:
    """A multipart upload never completed nor aborted; ``size``: bytes of its parts; ``idle``: seconds
    since its last part arrived."""

    upload_id: str
    bucket: str
    key: str
    size: int
    idle: float
    folder: Path

    def __str__(self) -> str:
        return (f"multipart upload {self.upload_id} of s3://{self.bucket}/{clip(self.key)} "
                f"({self.size} bytes, idle {self.idle / 3600:.0f} h)")


def _last_activity(folder: Path) -> tuple[float, int]:
    """(newest mtime of an upload's files in seconds since the epoch, bytes of the parts received)."""
    newest, size = folder.stat().st_mtime, 0
    for entry in os.scandir(folder):
        info = entry.stat(follow_symlinks=False)
        newest = max(newest, info.st_mtime)
        size += info.st_size if entry.name.startswith("part-") else 0
    return newest, size


def stale_uploads(now: float | None = None, older_than: float = STALE_UPLOAD_SECONDS) -> list[UnfinishedUpload]:
    """Uploads idle for more than ``older_than`` seconds at ``now`` (epoch seconds; default: the clock),
    oldest first. A folder whose ``upload.json`` is unreadable is listed with bucket and key ``?``."""
    now = time.time() if now is None else now
    found = []
    root = uploads_root()
    for folder in (root.iterdir() if root.is_dir() else ()):
        try:
            newest, size = _last_activity(folder)
        except OSError:
            continue  # completed or aborted meanwhile
        if now - newest <= older_than:
            continue
        meta = _read_meta(folder / "upload.json")
        meta = meta if isinstance(meta, dict) else {}
        found.append(UnfinishedUpload(folder.name, str(meta.get("Bucket", "?")), str(meta.get("Key", "?")),
                                      size, now - newest, folder))
    return sorted(found, key=lambda upload: -upload.idle)


def abort_stale_uploads(now: float | None = None,
                        older_than: float = STALE_UPLOAD_SECONDS) -> list[UnfinishedUpload]:
    """Remove the uploads :func:`stale_uploads` lists (as S3's lifecycle rule aborts them); returns them.

    Each is checked again just before removal, so one that received a part meanwhile is kept."""
    removed = []
    for upload in stale_uploads(now, older_than):
        try:
            still_idle = (time.time() if now is None else now) - _last_activity(upload.folder)[0] > older_than
        except OSError:
            continue
        if still_idle:
            shutil.rmtree(upload.folder, ignore_errors=True)
            removed.append(upload)
    return removed


_OWNER = "<Owner><ID>flywheel-local</ID><DisplayName>flywheel</DisplayName></Owner>"


def _count(query: dict, name: str, default: int) -> int:
    """A whole-number query parameter (``max-uploads``...), capped at S3's page size."""
    raw = query.get(name, str(default))
    if not raw.isdigit():
        raise S3Error(400, "InvalidArgument", f"{name} {clip(raw)!r} must be a whole number, e.g. {default}.")
    return min(int(raw), MAX_KEYS)


def _uploads_of(bucket: str) -> list[tuple[str, float, str]]:
    """(key, start time in epoch seconds, upload id) of every readable unfinished upload into ``bucket``."""
    root = uploads_root()
    found = []
    for folder in (root.iterdir() if root.is_dir() else ()):
        meta = _read_meta(folder / "upload.json")
        if isinstance(meta, dict) and meta.get("Bucket") == bucket:
            try:
                found.append((str(meta.get("Key")), (folder / "upload.json").stat().st_mtime, folder.name))
            except OSError:
                continue  # completed or aborted meanwhile
    return found


def _after_marker(uploads: list[tuple[str, float, str]], marker: tuple[str, str]) -> list[tuple[str, float, str]]:
    """The sorted ``uploads`` after the ``(key-marker, upload-id-marker)`` of the previous page."""
    key, upload_id = marker
    if not upload_id:
        return [upload for upload in uploads if upload[0] > key]
    at = next((i for i, upload in enumerate(uploads) if (upload[0], upload[2]) == marker), None)
    if at is not None:
        return uploads[at + 1:]
    return [upload for upload in uploads if (upload[0], upload[2]) > marker]  # that upload ended meanwhile


def _q(name: str) -> str:
    return f"{{{XMLNS}}}{name}"


def _parse_xml(body: bytes, root: str) -> ElementTree.Element:
    """The request's XML document, namespaced as S3's (botocore always sends the namespace)."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise S3Error(400, "MalformedXML", "the XML body may not declare a DOCTYPE or entities.")
    try:
        document = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise S3Error(400, "MalformedXML", f"the XML body is not well-formed ({error}).") from None
    if document.tag not in (root, _q(root)):
        raise S3Error(400, "MalformedXML", f"expected a <{root}> document, not <{clip(document.tag)}>.")
    if document.tag == root:  # no namespace: qualify every tag so the lookups above match
        for element in document.iter():
            element.tag = _q(element.tag)
    return document


def _read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _range(value: str, size: int) -> tuple[int, int]:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` -> inclusive (start, end) within ``size`` bytes."""
    match = _RANGE.match(value.strip())
    if match is None or match.groups() == ("", ""):
        raise S3Error(400, "InvalidArgument", f"Range {clip(value)!r} is not one byte range: use 'bytes=start-end'.")
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise S3Error(416, "InvalidRange", f"The requested range {clip(value)} is not satisfiable: the object is "
                      f"{size} bytes.", ActualObjectSize=str(size))
    return start, end
