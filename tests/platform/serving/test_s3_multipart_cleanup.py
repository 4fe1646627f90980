"""Unfinished multipart uploads of the local S3 API are cleaned as S3's lifecycle rule
``AbortIncompleteMultipartUpload`` (``DaysAfterInitiation: 1``) cleans them: ``python -m helpers cleanup``
names and removes those untouched for over a day, never one still receiving parts; ``--list`` and the
doctor only name them (issue 21). Ages come from file mtimes, so nothing sleeps."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from helpers.course import cleanup, doctor
from helpers.platform.serving import s3_api

BUCKET = "flywheel-multipart"
DAY = 24 * 3600


def _start_upload(api: s3_api.S3Api, key: str, part: bytes = b"") -> str:
    """CreateMultipartUpload (plus one part when ``part``) through the API's own handlers; its upload id."""
    body = api.create_upload(BUCKET, key)[2].decode()
    upload_id = body.split("<UploadId>")[1].split("</UploadId>")[0]
    if part:
        async def receive():
            return {"type": "http.request", "body": part, "more_body": False}

        asyncio.run(api.upload_part(BUCKET, key, {"uploadId": upload_id, "partNumber": "1"}, receive))
    return upload_id


def _age(upload_id: str, seconds: float) -> None:
    """Make every file of the upload look last touched ``seconds`` ago."""
    folder = s3_api.uploads_root() / upload_id
    stamp = time.time() - seconds
    for path in (folder, *folder.iterdir()):
        os.utime(path, (stamp, stamp))


@pytest.fixture
def uploads(flywheel_home):
    """An abandoned upload (2 days idle), a slow one (started 2 days ago, a part an hour ago), a fresh one."""
    api = s3_api.S3Api()
    api.create_bucket(BUCKET)
    abandoned = _start_upload(api, "big/abandoned.bin", b"x" * 10)
    _age(abandoned, 2 * DAY)
    slow = _start_upload(api, "big/slow.bin", b"y" * 5)
    _age(slow, 2 * DAY)
    os.utime(s3_api.uploads_root() / slow / "part-00001", (time.time() - 3600,) * 2)
    fresh = _start_upload(api, "big/fresh.bin")
    return {"abandoned": abandoned, "slow": slow, "fresh": fresh}


def test_only_uploads_idle_for_over_a_day_are_stale(uploads):
    stale = s3_api.stale_uploads()
    assert [(u.upload_id, u.bucket, u.key, u.size) for u in stale] == [
        (uploads["abandoned"], BUCKET, "big/abandoned.bin", 10)]
    # an injected clock: three days on, every upload is stale
    assert len(s3_api.stale_uploads(now=time.time() + 3 * DAY)) == 3


def test_cleanup_list_and_doctor_name_them_and_remove_nothing(uploads, capsys):
    assert cleanup.main(["--list"], root=None) == 0
    out = capsys.readouterr().out
    assert uploads["abandoned"] in out and "s3://flywheel-multipart/big/abandoned.bin" in out
    assert uploads["slow"] not in out and uploads["fresh"] not in out
    finding = doctor.check_uploads()
    assert not finding.ok and finding.warning and uploads["abandoned"] in finding.detail
    assert "python -m helpers cleanup" in finding.fix
    assert all((s3_api.uploads_root() / upload_id).is_dir() for upload_id in uploads.values())


def test_cleanup_aborts_the_abandoned_upload_and_keeps_those_in_progress(uploads, capsys):
    cleanup.main([], root=None)
    out = capsys.readouterr().out
    assert f"aborted multipart upload {uploads['abandoned']}" in out and "AbortIncompleteMultipartUpload" in out
    assert not (s3_api.uploads_root() / uploads["abandoned"]).exists()
    assert (s3_api.uploads_root() / uploads["slow"]).is_dir() and (s3_api.uploads_root() / uploads["fresh"]).is_dir()
    assert doctor.check_uploads().ok


def test_a_folder_without_a_readable_upload_record_is_still_named(flywheel_home):
    folder = s3_api.uploads_root() / ("0" * 32)
    folder.mkdir(parents=True)
    (folder / "upload.json").write_text("[1, 2]")  # a crash or a hand edit left it unusable
    stamp = time.time() - 2 * DAY
    for path in (folder / "upload.json", folder):
        os.utime(path, (stamp, stamp))
    assert [(u.bucket, u.key) for u in s3_api.stale_uploads()] == [("?", "?")]
    assert [u.upload_id for u in s3_api.abort_stale_uploads()] == ["0" * 32] and not folder.exists()
