"""Hostile input to the local store: S3 keys and bucket names, model archives, numbers in other digit
forms, capture past its cap. Each case gets a clear error (or is kept safely inside the store), and
nothing is written outside the store."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import stat
import tarfile
from pathlib import Path

import pytest

from helpers import algorithms
from helpers.algorithms import payloads
from helpers.algorithms.errors import HyperparameterError, InferenceError
from helpers.platform import Session, image_uris, storage
from helpers.platform.artifacts import sha256_of as storage_digest
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving import artifacts as artifact_checks
from helpers.platform.serving.artifacts import ArtifactError, verified_extract
from helpers.platform.serving.capture import CaptureSettings, CaptureWriter, capture_files
from helpers.platform.serving.resources import DataCaptureConfig

LINEAR_LEARNER = image_uris.retrieve("linear-learner", "us-east-1")


def _snapshot(tmp_path: Path, home: Path) -> dict[str, bytes | None]:
    """Every path under ``tmp_path`` outside the store, with its content (None for folders and links)."""
    seen = {}
    for folder, dirs, files in os.walk(tmp_path):
        if Path(folder) == home or home in Path(folder).parents:
            continue
        for name in dirs + files:
            path = Path(folder, name)
            if path == home:
                continue
            seen[str(path)] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return seen


@contextlib.contextmanager
def untouched(tmp_path: Path, home: Path):
    """Assert the block writes nothing outside the store (under ``tmp_path``, and at the usual targets)."""
    before = _snapshot(tmp_path, home)
    yield
    assert _snapshot(tmp_path, home) == before, "something was written outside the store"
    assert not Path("/tmp/flywheel-hostile.txt").exists() and not Path("/etc/flywheel-hostile.txt").exists()


@pytest.fixture
def outside(tmp_path, flywheel_home) -> Path:
    """A folder next to the store that hostile keys aim at, holding a file they could overwrite."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "planted.txt").write_text("precious\n")
    return folder


# ------------------------------------------------------------------------------ keys and buckets
BAD_URIS = {
    "dotdot-up": ("s3://bkt/a/../../outside/planted.txt", "'..' segments"),
    "leading-dotdot": ("s3://bkt/../x", "'..' segments"),
    "dot-segment": ("s3://bkt/./x", "'.' or '..' segments"),
    "dotdot-after-empty": ("s3://bkt//../x", "'..' segments"),
    "nul-byte": ("s3://bkt/a\x00b", "NUL character"),
    "lone-surrogate": ("s3://bkt/caf\udce9.csv", "not valid UTF-8"),
    "key-over-1024-bytes": ("s3://bkt/" + "\u00e9" * 513, "1026 bytes long"),
    "segment-over-255-bytes": ("s3://bkt/" + "a" * 256, "longer than 255 bytes"),
    "bucket-upper-case": ("s3://Bucket/x", "Invalid bucket name"),
    "bucket-dotdot": ("s3://../x", "Invalid bucket name"),
    "bucket-adjacent-dots": ("s3://a..b/x", "two dots in a row"),
    "bucket-ip-address": ("s3://10.0.0.1/x", "look like an IP address"),
    "bucket-xn-prefix": ("s3://xn--bkt/x", "S3 reserves"),
    "bucket-alias-suffix": ("s3://bkt-s3alias/x", "S3 reserves"),
    "bucket-too-short": ("s3://ab/x", "3-63 lower-case"),
    "bucket-empty": ("s3:///etc/passwd", "Invalid bucket name"),
    "not-s3": ("file:///etc/passwd", "Not an S3 URI"),
}


def _put(uri, tmp_path):
    return storage.put_bytes(uri, b"x")


def _get(uri, tmp_path):
    return storage.get_bytes(uri)


def _upload_file(uri, tmp_path):
    return storage.upload(tmp_path / "src" / "a.csv", uri)


def _upload_folder(uri, tmp_path):
    return storage.upload(tmp_path / "src", uri)


def _list(uri, tmp_path):
    return storage.list_prefix(uri)


def _capture_destination(uri, tmp_path):
    return DataCaptureConfig(sampling_percentage=100, destination_s3_uri=uri).settings()


def _model_data_url(uri, tmp_path):
    return ModelBuilder(s3_model_data_url=uri, image_uri=LINEAR_LEARNER).build(model_name="hostile-model")


ENTRY_POINTS = {"put_bytes": _put, "get_bytes": _get, "upload-file": _upload_file, "upload-folder": _upload_folder,
                "list_prefix": _list, "capture-destination": _capture_destination, "model-data-url": _model_data_url}


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "src"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("1,2\n")
    (folder / "sub" / "b.csv").write_text("3,4\n")
    return folder


@pytest.mark.parametrize("case", sorted(BAD_URIS))
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_keys_and_buckets_s3_refuses_are_refused_at_every_entry_point(tmp_path, flywheel_home, outside, source,
                                                                     entry, case):
    uri, words = BAD_URIS[case]
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(ValueError) as info:
            ENTRY_POINTS[entry](uri, tmp_path)
    assert words in str(info.value)
    assert "e.g. s3://" in str(info.value) or "split it with '/'" in str(info.value)  # and how to fix it
    assert (outside / "planted.txt").read_text() == "precious\n"


SESSION_CALLS = {
    "upload_data-file": lambda s, bucket, key, tmp: s.upload_data(tmp / "src" / "a.csv", bucket=bucket, key_prefix=key),
    "upload_data-folder": lambda s, bucket, key, tmp: s.upload_data(tmp / "src", bucket=bucket, key_prefix=key),
    "upload_string_as_file_body": lambda s, bucket, key, tmp: s.upload_string_as_file_body("x", bucket, key),
    "read_s3_file": lambda s, bucket, key, tmp: s.read_s3_file(bucket, key),
    "list_s3_files": lambda s, bucket, key, tmp: s.list_s3_files(bucket, key),
    "download_data": lambda s, bucket, key, tmp: s.download_data(tmp / "downloads", bucket, key),
}


@pytest.mark.parametrize("case", sorted(set(BAD_URIS) - {"not-s3"}))
@pytest.mark.parametrize("call", sorted(SESSION_CALLS))
def test_the_sessions_s3_calls_refuse_them_too(tmp_path, flywheel_home, outside, source, call, case):
    uri, words = BAD_URIS[case]
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(ValueError) as info:
            SESSION_CALLS[call](Session(), bucket, key, tmp_path)
    if call.startswith("upload_data"):
        words = words.replace("1026 bytes", "bytes")  # upload_data adds "/a.csv" to the key
    assert words in str(info.value)
    assert (outside / "planted.txt").read_text() == "precious\n"


def test_a_folder_with_one_unusable_file_name_uploads_nothing(tmp_path, flywheel_home, source):
    with open(os.path.join(os.fsencode(source / "sub"), b"caf\xe9.csv"), "w") as handle:  # a Latin-1 file name
        handle.write("1,2\n")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        storage.upload(source, "s3://bkt/folder")
    assert storage.list_prefix("s3://bkt/") == []


def _legal_keys(outside: Path) -> dict[str, str]:
    """Keys S3 accepts that a naive mapping would send outside the store or into each other."""
    return {
        "absolute-after-empty-segment": f"s3://bkt/{outside}/planted.txt",   # s3://bkt//tmp/.../planted.txt
        "double-slash": "s3://bkt/a//b.txt",
        "percent-segment": "s3://bkt/%/planted.txt",
        "backslash-dotdot": "s3://bkt/..\\..\\planted.txt",
        "three-dots": "s3://bkt/.../planted.txt",
        "unicode": "s3://bkt/donn\u00e9es/\u00fc.csv",
    }


@pytest.mark.parametrize("case", sorted(_legal_keys(Path("/x"))))
def test_legal_but_odd_keys_stay_inside_their_bucket_and_round_trip(tmp_path, flywheel_home, outside, source, case):
    uri = _legal_keys(outside)[case]
    bucket_dir = (flywheel_home / "s3" / "bkt").resolve()
    with untouched(tmp_path, flywheel_home):
        assert storage.s3_to_path(uri).resolve().is_relative_to(bucket_dir)
        storage.put_bytes(uri, b"inside")
        assert storage.get_bytes(uri) == b"inside"
        assert storage.list_prefix(uri) == [uri]
        assert storage.upload(source / "a.csv", uri) == uri
        assert storage.upload(source, uri + "-folder") == uri + "-folder"
        assert storage.list_prefix(uri + "-folder/") == [uri + "-folder/a.csv", uri + "-folder/sub/b.csv"]
        assert _capture_destination(uri, tmp_path).destination.resolve().is_relative_to(bucket_dir)
        with pytest.raises(FileNotFoundError, match="no model artifact"):
            _model_data_url(uri + "-missing/model.tar.gz", tmp_path)
    assert (outside / "planted.txt").read_text() == "precious\n"
    # a download goes where it is asked to, and a prefix's empty segments stay inside the target folder
    assert storage.download(uri, tmp_path / "downloads" / case).read_bytes() == b"1,2\n"
    folder = storage.download(uri + "-folder", tmp_path / "tree")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.csv")) == ["a.csv", "sub/b.csv"]


def test_an_empty_segment_and_a_percent_segment_are_different_objects(flywheel_home):
    storage.put_bytes("s3://bkt//x", b"empty")
    storage.put_bytes("s3://bkt/%/x", b"percent")
    storage.put_bytes("s3://bkt/%%/x", b"two")
    assert [storage.get_bytes(u) for u in ("s3://bkt//x", "s3://bkt/%/x", "s3://bkt/%%/x")] == [b"empty", b"percent", b"two"]
    assert storage.list_prefix("s3://bkt/") == ["s3://bkt/%%/x", "s3://bkt/%/x", "s3://bkt//x"]


def test_a_model_archive_outside_the_store_is_not_reachable_through_an_absolute_key(tmp_path, flywheel_home, outside):
    (outside / "model.tar.gz").write_bytes(b"not for you")
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(FileNotFoundError, match="no model artifact"):
            _model_data_url(f"s3://bkt/{outside}/model.tar.gz", tmp_path)


@pytest.mark.parametrize("entry", ["put_bytes", "get_bytes", "upload-file", "capture-destination", "model-data-url"])
def test_a_link_planted_in_a_bucket_does_not_lead_out_of_the_store(tmp_path, flywheel_home, outside, source, entry):
    bucket = flywheel_home / "s3" / "bkt"
    bucket.mkdir(parents=True)
    (bucket / "door").symlink_to(outside, target_is_directory=True)
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(ValueError, match="resolves outside its bucket folder"):
            ENTRY_POINTS[entry]("s3://bkt/door/planted.txt", tmp_path)
    assert (outside / "planted.txt").read_text() == "precious\n"


# ------------------------------------------------------------------------------------ archives
def _member(name: str, kind=tarfile.REGTYPE, linkname: str = "", mode: int = 0o644, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.size = kind, linkname, mode, size
    return info


def _archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, streamed: a bomb's member without holding it in memory."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _bomb(path: Path, size: int) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.addfile(_member("zeros.bin", size=size), io.BufferedReader(_Zeros(size)))
    return path


def _hostile_archives(outside: Path) -> dict[str, tuple[list, str]]:
    data = b"x"
    return {
        "absolute-path": ([(_member(f"{outside}/flywheel-hostile.txt", size=1), data)], "unsafe"),
        "parent-traversal": ([(_member("../../outside/planted.txt", size=1), data)], "unsafe"),
        "nested-traversal": ([(_member("model/../../../outside/x", size=1), data)], "unsafe"),
        "symlink-absolute": ([(_member("link", tarfile.SYMTYPE, str(outside)), None)], "unsafe"),
        "symlink-up": ([(_member("link", tarfile.SYMTYPE, "../../outside"), None)], "unsafe"),
        "symlink-chain": ([(_member("a", tarfile.SYMTYPE, "."), None),
                           (_member("b", tarfile.SYMTYPE, "a/a/../../.."), None)], "unsafe"),
        "symlink-then-write-through-it": ([(_member("door", tarfile.SYMTYPE, str(outside)), None),
                                           (_member("door/planted.txt", size=1), data)], "unsafe"),
        "hardlink-absolute": ([(_member("hard", tarfile.LNKTYPE, str(outside / "planted.txt")), None)], "unsafe"),
        "hardlink-up": ([(_member("hard", tarfile.LNKTYPE, "../../outside/planted.txt"), None)], "unsafe"),
        "char-device": ([(_member("null", tarfile.CHRTYPE), None)], "unsafe"),
        "block-device": ([(_member("disk", tarfile.BLKTYPE), None)], "unsafe"),
        "fifo": ([(_member("pipe", tarfile.FIFOTYPE), None)], "unsafe"),
        "good-then-bad": ([(_member("model.json", size=2), b"{}"), (_member("../escaped.txt", size=1), data)], "unsafe"),
        "many-members": ([(_member(f"f{i}"), b"") for i in range(60)], "more than 50 members"),
    }


@pytest.mark.parametrize("case", sorted(_hostile_archives(Path("/x"))))
def test_hostile_archives_are_refused_and_nothing_is_unpacked(tmp_path, flywheel_home, outside, monkeypatch, case):
    monkeypatch.setattr(artifact_checks, "MAX_MEMBERS", 50, raising=False)
    members, words = _hostile_archives(outside)[case]
    archive = _archive(tmp_path / "model.tar.gz", members)
    target = flywheel_home / "models" / "m" / "model"
    digest = storage_digest(archive)
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(ArtifactError, match=words) as info:
            verified_extract(archive, digest, target)
    assert "model.tar.gz" in str(info.value)
    assert not target.exists()
    assert (outside / "planted.txt").read_text() == "precious\n"


def test_a_gzip_bomb_is_refused_before_it_is_unpacked(tmp_path, flywheel_home, outside, monkeypatch):
    monkeypatch.setenv(artifact_checks.MAX_UNPACKED_ENV, str(1024 * 1024))
    archive = _bomb(tmp_path / "bomb.tar.gz", 64 * 1024 * 1024)
    assert archive.stat().st_size < 1024 * 1024  # a small file that would unpack to 64 MiB
    target = flywheel_home / "models" / "bomb" / "model"
    with untouched(tmp_path, flywheel_home):
        with pytest.raises(ArtifactError, match=r"unpacks to more than 1,048,576 bytes, the cap"):
            verified_extract(archive, storage_digest(archive), target)
    assert not target.exists()


@pytest.mark.parametrize("mode", [0o4755, 0o2755, 0o1777, 0o6777, 0o777])
def test_setuid_setgid_sticky_and_world_bits_do_not_survive_unpacking(tmp_path, flywheel_home, mode):
    archive = _archive(tmp_path / "model.tar.gz", [(_member("run.sh", mode=mode, size=1), b"x")])
    target = flywheel_home / "models" / "m" / "model"
    verified_extract(archive, storage_digest(archive), target)
    assert stat.S_IMODE((target / "run.sh").stat().st_mode) == 0o700


# ------------------------------------------------------------------------- numbers as text
EXOTIC = {
    "arabic-indic": "\u0661\u0662",
    "extended-arabic-indic": "\u06f1\u06f2",
    "devanagari": "\u0967\u0968",
    "bengali": "\u09e7\u09e8",
    "thai": "\u0e51\u0e52",
    "fullwidth": "\uff11\uff12",
    "mathematical-bold": "\U0001d7cf\U0001d7d0",
    "underscore": "1_2",
    "superscript": "\u00b2",
}


def _csv_shortcut(cell):
    payloads.parse_features(f"1,{cell},3".encode(), "text/csv")


def _csv_general(cell):
    payloads.parse_features(f"1,{cell},3\n4,5,6".encode(), "text/csv")


def _json_cell(cell):
    payloads.parse_features(json.dumps({"instances": [[1, cell, 3]]}).encode(), "application/json")


def _hyperparameter_int(cell):
    algorithms.get("kmeans").validate_hyperparameters({"k": cell, "feature_dim": "3"})


def _hyperparameter_float(cell):
    algorithms.get("xgboost").validate_hyperparameters({"num_round": "2", "eta": "0." + cell})


NUMBER_READERS = {"csv-one-row": (_csv_shortcut, InferenceError, "is not a number"),
                  "csv-rows": (_csv_general, InferenceError, "is not a number"),
                  "json-cell": (_json_cell, InferenceError, "is not a number"),
                  "hyperparameter-int": (_hyperparameter_int, HyperparameterError, "is not an integer"),
                  "hyperparameter-float": (_hyperparameter_float, HyperparameterError, "is not a number")}


@pytest.mark.parametrize("form", sorted(EXOTIC))
@pytest.mark.parametrize("reader", sorted(NUMBER_READERS))
def test_numbers_in_other_digit_forms_are_refused_by_name(reader, form):
    read, error, words = NUMBER_READERS[reader]
    with pytest.raises(error, match=words):
        read(EXOTIC[form])


# ------------------------------------------------------------------------- capture past its cap
def _records(count: int, variant: str = "AllTraffic") -> list[tuple]:
    return [(1_800_000_000.0 + i, variant, "text/csv", b"1,2,3", "text/csv", b"0.5", None, None) for i in range(count)]


@pytest.mark.parametrize("cap, variants", [(0, ("AllTraffic",)), (50, ("AllTraffic",)), (2000, ("AllTraffic",)),
                                           (2000, ("A", "B")), (20_000, ("A", "B", "C"))])
def test_capture_past_its_cap_writes_nothing_more_and_warns_once(tmp_path, flywheel_home, caplog, cap, variants):
    destination = flywheel_home / "s3" / "bkt" / "capture"
    writer = CaptureWriter(CaptureSettings(destination, max_bytes=cap), "ep")
    with untouched(tmp_path, flywheel_home), caplog.at_level(logging.WARNING, logger="flywheel.endpoint"):
        for _ in range(20):
            for variant in variants:
                writer.write(_records(20, variant))
        writer.close()
    assert sum(p.stat().st_size for p in capture_files(destination, "ep")) <= cap
    assert sum("reached its cap" in r.getMessage() for r in caplog.records) == 1
