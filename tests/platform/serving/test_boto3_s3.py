"""Plain ``boto3.client("s3")`` on the local backend: the router answers S3's REST API on the local store.

The clients are created before the router runs (as a notebook's first cell does), the router is
started once for the module, and every answer goes through botocore's own parsers, paginators and
transfer manager.
"""

from __future__ import annotations

import os

import pytest

from helpers.platform import backend, storage
from helpers.platform.serving import runtime
from helpers.platform.serving.runtime import ENV_URLS
from serving_support import module_store

BUCKET = "flywheel-boto3-test"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """An s3 client made before the router ran, then ``use_backend("local")`` (the router starts)."""
    import boto3

    from helpers.platform import use_backend

    with module_store(tmp_path_factory, "boto3-s3"):
        runtime.use_local_runtime()  # the variables only, as before any deploy
        assert runtime.runtime_state() is None
        client = boto3.client("s3")
        try:
            use_backend("local")
            client.create_bucket(Bucket=BUCKET)
            yield client
        finally:
            backend._chosen = None


def keys(pages) -> list[str]:
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_use_backend_points_every_client_at_the_router_and_sagemaker_clears_them(s3):
    from helpers.platform import use_backend

    url = os.environ["AWS_ENDPOINT_URL_S3"]
    assert url == os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] == os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"]
    assert url.startswith(runtime.runtime_state()["Url"] + "/")  # the running router, secret as the path
    use_backend("sagemaker")
    try:
        assert not any(key in os.environ for key in ENV_URLS)
    finally:
        use_backend("local")
    assert os.environ["AWS_ENDPOINT_URL_S3"] == url


def test_objects_round_trip_with_unicode_keys_ranges_and_head(s3):
    key = "data/spaced name/naïve €.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"a,b\n1,2\n")
    assert storage.get_bytes(f"s3://{BUCKET}/{key}") == b"a,b\n1,2\n"  # the store's own file
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"a,b\n1,2\n"
    part = s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=4-6")
    assert (part["Body"].read(), part["ContentRange"]) == (b"1,2", "bytes 4-6/8")
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] == 8 and head["ETag"] == s3.put_object(Bucket=BUCKET, Key=key, Body=b"a,b\n1,2\n")["ETag"]
    storage.put_bytes(f"s3://{BUCKET}/from-the-kit.txt", b"kit")  # what Session().upload_data writes
    assert s3.get_object(Bucket=BUCKET, Key="from-the-kit.txt")["Body"].read() == b"kit"


def test_missing_things_fail_with_s3s_error_codes(s3):
    from botocore.exceptions import ClientError

    cases = [(lambda: s3.get_object(Bucket=BUCKET, Key="nope.csv"), "NoSuchKey"),
             (lambda: s3.head_object(Bucket=BUCKET, Key="nope.csv"), "404"),
             (lambda: s3.list_objects_v2(Bucket="no-such-bucket"), "NoSuchBucket"),
             (lambda: s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x"), "NoSuchBucket"),
             (lambda: s3.head_bucket(Bucket="no-such-bucket"), "404")]
    for call, code in cases:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == code


def test_dot_dot_keys_are_refused_and_write_nothing_outside(s3, tmp_path_factory):
    from botocore.exceptions import ClientError

    before = sorted(storage.root().rglob("*"))
    for key in ("../escape.txt", "a/../../escape.txt", ".."):
        with pytest.raises(ClientError) as caught:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        assert caught.value.response["Error"]["Code"] == "InvalidArgument"
        assert "'..' segments" in caught.value.response["Error"]["Message"]
    assert sorted(storage.root().rglob("*")) == before
    assert not (storage.root() / "escape.txt").exists() and not (storage.root().parent / "escape.txt").exists()


def test_list_objects_v2_pages_with_prefix_delimiter_and_the_paginator(s3):
    names = [f"pages/{group}/{n:02d}.csv" for group in ("a", "b") for n in range(5)] + ["pages/top.csv"]
    for name in names:
        s3.put_object(Bucket=BUCKET, Key=name, Body=b"1")
    paginator = s3.get_paginator("list_objects_v2")
    pages = list(paginator.paginate(Bucket=BUCKET, Prefix="pages/", PaginationConfig={"PageSize": 3}))
    assert keys(pages) == sorted(names) and len(pages) == 4
    assert all(page["KeyCount"] <= 3 for page in pages)
    folders = list(paginator.paginate(Bucket=BUCKET, Prefix="pages/", Delimiter="/",
                                      PaginationConfig={"PageSize": 1}))
    assert [p["Prefix"] for page in folders for p in page.get("CommonPrefixes", [])] == ["pages/a/", "pages/b/"]
    assert keys(folders) == ["pages/top.csv"]
    first = s3.list_objects_v2(Bucket=BUCKET, Prefix="pages/a/", MaxKeys=2)
    assert first["IsTruncated"] and first["KeyCount"] == 2
    rest = s3.list_objects_v2(Bucket=BUCKET, Prefix="pages/a/", ContinuationToken=first["NextContinuationToken"])
    assert [o["Key"] for o in first["Contents"] + rest["Contents"]] == sorted(n for n in names if "/a/" in n)
    import boto3

    # boto3's resource API lists with ListObjects (v1, markers)
    assert sorted(o.key for o in boto3.resource("s3").Bucket(BUCKET).objects.filter(Prefix="pages/b/")) == \
        sorted(n for n in names if "/b/" in n)


def test_upload_file_above_the_multipart_threshold_and_download_file(s3, tmp_path):
    from boto3.s3.transfer import TransferConfig

    small_parts = TransferConfig(multipart_threshold=5 * 2 ** 20, multipart_chunksize=5 * 2 ** 20)
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(11 * 2 ** 20 + 7))  # three parts
    s3.upload_file(str(source), BUCKET, "big/big.bin", Config=small_parts)
    assert s3.head_object(Bucket=BUCKET, Key="big/big.bin")["ContentLength"] == source.stat().st_size
    assert not any(storage.root().glob(".multipart/*"))  # the parts are gone once assembled
    target = tmp_path / "back.bin"
    s3.download_file(BUCKET, "big/big.bin", str(target), Config=small_parts)  # ranged GETs
    assert target.read_bytes() == source.read_bytes()


def test_an_aborted_multipart_upload_leaves_nothing(s3):
    from botocore.exceptions import ClientError

    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="aborted.bin")["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="aborted.bin", UploadId=upload, PartNumber=1, Body=b"x" * 10)
    s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted.bin", UploadId=upload)
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(Bucket=BUCKET, Key="aborted.bin", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]})
    assert caught.value.response["Error"]["Code"] == "NoSuchUpload"
    assert "aborted.bin" not in keys([s3.list_objects_v2(Bucket=BUCKET)])


def test_unfinished_uploads_and_their_parts_are_listed_and_paged(s3):
    from botocore.exceptions import ClientError

    started = [(key, s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"])
               for key in ("resume/b.bin", "resume/a.bin", "resume/a.bin", "elsewhere/c.bin")]
    try:
        key, upload = started[0]
        for number, body in ((3, b"ccc"), (1, b"a")):
            s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=body)
        parts = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload)
        assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, 1), (3, 3)]
        assert not parts["IsTruncated"] and parts["Parts"][0]["ETag"].strip('"') == "0cc175b9c0f1b6a831c399e269772661"
        first = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload, MaxParts=1)
        assert first["IsTruncated"] and [p["PartNumber"] for p in first["Parts"]] == [1]
        rest = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload, PartNumberMarker=first["NextPartNumberMarker"])
        assert [p["PartNumber"] for p in rest["Parts"]] == [3]

        pages = s3.get_paginator("list_multipart_uploads").paginate(Bucket=BUCKET, Prefix="resume/", MaxUploads=1)
        listed = [(u["Key"], u["UploadId"]) for page in pages for u in page.get("Uploads", [])]
        assert sorted(listed) == sorted(started[:3]) and [k for k, _ in listed] == sorted(k for k, _ in started[:3])
        assert all(u["Initiated"].year >= 2024 for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"])
    finally:
        for key, upload in started:
            s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=BUCKET)
    with pytest.raises(ClientError) as caught:
        s3.list_parts(Bucket=BUCKET, Key=started[0][0], UploadId=started[0][1])
    assert caught.value.response["Error"]["Code"] == "NoSuchUpload"


def test_copy_delete_and_delete_objects(s3):
    s3.put_object(Bucket=BUCKET, Key="copy/source.txt", Body=b"original")
    s3.copy_object(Bucket=BUCKET, Key="copy/target.txt", CopySource={"Bucket": BUCKET, "Key": "copy/source.txt"})
    assert s3.get_object(Bucket=BUCKET, Key="copy/target.txt")["Body"].read() == b"original"
    s3.delete_object(Bucket=BUCKET, Key="copy/source.txt")
    s3.delete_object(Bucket=BUCKET, Key="copy/never-there.txt")  # S3 answers 204 for a missing key too
    answer = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "copy/target.txt"}]})
    assert [d["Key"] for d in answer["Deleted"]] == ["copy/target.txt"]
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="copy/")["KeyCount"] == 0
    assert not (storage.root() / BUCKET / "copy").exists()  # an emptied prefix vanishes, as on S3


def test_buckets_are_created_listed_and_deleted(s3):
    from botocore.exceptions import ClientError

    s3.create_bucket(Bucket="second-bucket")
    assert {"second-bucket", BUCKET} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    s3.put_object(Bucket="second-bucket", Key="k", Body=b"1")
    with pytest.raises(ClientError) as caught:
        s3.delete_bucket(Bucket="second-bucket")
    assert caught.value.response["Error"]["Code"] == "BucketNotEmpty"
    s3.delete_object(Bucket="second-bucket", Key="k")
    s3.delete_bucket(Bucket="second-bucket")
    assert "second-bucket" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_an_operation_outside_the_subset_is_named(s3):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        s3.get_bucket_versioning(Bucket=BUCKET)
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "GET /flywheel-boto3-test?versioning" in caught.value.response["Error"]["Message"]


def test_a_client_without_the_secret_gets_403_on_every_s3_route(s3):
    import boto3
    from botocore.exceptions import ClientError

    s3.put_object(Bucket=BUCKET, Key="secret.txt", Body=b"mine")
    stranger = boto3.client("s3", endpoint_url=runtime.runtime_state()["Url"])  # the port, not the secret
    calls = [lambda: stranger.list_buckets(), lambda: stranger.get_object(Bucket=BUCKET, Key="secret.txt"),
             lambda: stranger.put_object(Bucket=BUCKET, Key="planted.txt", Body=b"x"),
             lambda: stranger.list_objects_v2(Bucket=BUCKET),
             lambda: stranger.delete_object(Bucket=BUCKET, Key="secret.txt"),
             lambda: stranger.create_multipart_upload(Bucket=BUCKET, Key="planted.bin")]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3.get_object(Bucket=BUCKET, Key="secret.txt")["Body"].read() == b"mine"
    assert "planted.txt" not in keys([s3.list_objects_v2(Bucket=BUCKET)])


def test_setup_points_boto3_at_a_router_started_in_the_background(tmp_path, monkeypatch):
    """The course's setup() (point_boto3): the variables at once, the router without blocking the cell."""
    import time

    import boto3

    from helpers.platform.serving.registry import stop_all
    from helpers.platform.switch import point_boto3
    from serving_support import isolate

    isolate(monkeypatch, tmp_path / "fresh-home")
    monkeypatch.setattr(backend, "_chosen", None)
    monkeypatch.delenv("FLYWHEEL_BACKEND", raising=False)
    try:
        started = time.monotonic()
        point_boto3()
        assert time.monotonic() - started < 0.5  # the router's start (~0.7 s) is not waited for
        from botocore.config import Config

        # made at once, as the next cell would; one attempt: the call itself must find the router
        client = boto3.client("s3", config=Config(retries={"total_max_attempts": 1}))
        assert client.meta.endpoint_url == os.environ["AWS_ENDPOINT_URL_S3"].rstrip("/")
        assert os.environ["AWS_ENDPOINT_URL_S3"].startswith("http://127.0.0.1:")
        client.create_bucket(Bucket="first-cell")  # waits in the socket's queue while the router starts
        assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["first-cell"]
    finally:
        stop_all()


def test_the_router_counts_only_live_client_processes(tmp_path):
    """The router stays while a registered process lives; an ended one's file is removed."""
    import subprocess
    import sys

    import psutil

    from helpers.platform.serving import router

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended_started = psutil.Process(ended.pid).create_time()
    ended.wait()
    router.register_client(tmp_path, ended.pid, ended_started)
    assert router._live_clients(tmp_path) == 0
    assert list(router.clients_dir(tmp_path).iterdir()) == []
    router.register_client(tmp_path, os.getpid(), psutil.Process().create_time())
    assert router._live_clients(tmp_path) == 1


def test_a_key_below_an_existing_object_is_refused_with_the_reason(s3):
    from botocore.exceptions import ClientError

    s3.put_object(Bucket=BUCKET, Key="nested/file", Body=b"1")
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="nested/file/below", Body=b"2")
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    assert "'a' and 'a/b' cannot both exist" in caught.value.response["Error"]["Message"]
    assert s3.get_object(Bucket=BUCKET, Key="nested/file")["Body"].read() == b"1"


@pytest.mark.parametrize("headers, status", [({"Origin": "http://evil.example"}, 403),
                                             ({"Host": "evil.example"}, 421)])
def test_web_pages_are_refused_on_the_s3_routes_even_with_the_secret(s3, headers, status):
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(os.environ["AWS_ENDPOINT_URL_S3"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("GET", f"{url.path}/{BUCKET}?list-type=2", headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request", **headers})
        assert connection.getresponse().status == status
    finally:
        connection.close()


@pytest.mark.parametrize("signature", ["s3", "s3v4"])  # boto3's default for presigning, and SigV4
def test_a_presigned_get_url_downloads_the_object(s3, signature):
    import urllib.request

    import boto3
    from botocore.config import Config

    s3.put_object(Bucket=BUCKET, Key="shared/report.csv", Body=b"x,y\n")
    url = boto3.client("s3", config=Config(signature_version=signature)).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "shared/report.csv"})
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"x,y\n"


def test_an_aws_chunked_body_is_refused_not_stored_with_its_framing(s3):
    """botocore frames uploads as aws-chunked over HTTPS only; another client might over HTTP."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(os.environ["AWS_ENDPOINT_URL_S3"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    body = b"3\r\nabc\r\n0\r\n\r\n"
    try:
        connection.request("PUT", f"{url.path}/{BUCKET}/chunked.txt", body=body, headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request",
            "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "3"})
        answer = connection.getresponse()
        assert answer.status == 400 and b"aws-chunked" in answer.read()
    finally:
        connection.close()
    assert "chunked.txt" not in keys([s3.list_objects_v2(Bucket=BUCKET)])


def test_a_folder_marker_is_missing_as_tools_probing_for_one_expect(s3):
    """Folder markers ("data/") cannot exist in a store of files: probes get 404, a delete is a no-op."""
    from botocore.exceptions import ClientError

    s3.put_object(Bucket=BUCKET, Key="marked/inside.csv", Body=b"1")
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=BUCKET, Key="marked/")
    assert caught.value.response["Error"]["Code"] == "404"
    s3.delete_object(Bucket=BUCKET, Key="marked/")
    assert s3.get_object(Bucket=BUCKET, Key="marked/inside.csv")["Body"].read() == b"1"
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="marked/", Body=b"")
    assert "folder markers" in caught.value.response["Error"]["Message"]


def test_pandas_reads_and_writes_s3_uris_through_the_same_variables(s3):
    """``pd.read_csv("s3://...")`` (s3fs on botocore) is the other way notebooks touch S3."""
    pytest.importorskip("s3fs")
    import warnings

    import pandas as pd

    s3.put_object(Bucket=BUCKET, Key="frames/in.csv", Body=b"a,b\n1,2\n3,4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' notice about the installed s3fs version
        frame = pd.read_csv(f"s3://{BUCKET}/frames/in.csv")
        frame.assign(c=frame.a + frame.b).to_csv(f"s3://{BUCKET}/frames/out.csv", index=False)
    assert frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    assert s3.get_object(Bucket=BUCKET, Key="frames/out.csv")["Body"].read() == b"a,b,c\n1,2,3\n3,4,7\n"
