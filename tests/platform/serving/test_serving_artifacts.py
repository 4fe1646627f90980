"""Model artifacts: checksum before anything is unpickled, and no archive member escapes its folder."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from helpers.platform.configs import SourceCode
from helpers.platform.errors import FailedStatusError
from helpers.platform.serving import Endpoint, ModelBuilder
from helpers.platform.serving.artifacts import ArtifactError, safe_extract, sha256_of, verify_sha256
from helpers.platform.serving.registry import stop_all
from helpers.platform.serving.resources import Model
from serving_support import isolate, write_script_model


@pytest.fixture
def home(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    yield tmp_path / "home"
    stop_all()


def archive(path, members: list[tuple[tarfile.TarInfo, bytes | None]]):
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def member(name: str, kind=tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    return info


UNSAFE = {
    "parent-traversal": [(member("../escaped.txt"), b"x")],
    "nested-traversal": [(member("model/../../escaped.txt"), b"x")],
    "absolute-path": [(member("/tmp/flywheel-escaped-absolute.txt"), b"x")],
    "symlink-out": [(member("link", tarfile.SYMTYPE, "/etc/passwd"), None)],
    "symlink-up": [(member("link", tarfile.SYMTYPE, "../../outside"), None)],
    "hardlink-out": [(member("hard", tarfile.LNKTYPE, "/etc/passwd"), None)],
    "device-file": [(member("dev", tarfile.CHRTYPE), None)],
    "good-then-bad": [(member("model.json"), b"{}"), (member("../escaped.txt"), b"x")],
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_unsafe_archives_are_refused_and_nothing_is_written(tmp_path, case):
    source = archive(tmp_path / "model.tar.gz", UNSAFE[case])
    target = tmp_path / "deep" / "er" / "target"
    with pytest.raises(ArtifactError, match="refusing to unpack model.tar.gz") as caught:
        safe_extract(source, target)
    assert "inside" in str(caught.value)
    assert not target.exists()  # not even the good members of a bad archive
    assert not (tmp_path / "deep" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not os.path.exists("/tmp/flywheel-escaped-absolute.txt")


def test_a_normal_archive_unpacks_with_its_folders(tmp_path):
    source = archive(tmp_path / "model.tar.gz", [(member("model.json"), b'{"a": 1}'),
                                                 (member("sub/weights.bin"), b"\x00\x01"),
                                                 (member("sub/link", tarfile.SYMTYPE, "weights.bin"), None)])
    target = safe_extract(source, tmp_path / "out")
    assert (target / "model.json").read_bytes() == b'{"a": 1}'
    assert (target / "sub" / "link").read_bytes() == b"\x00\x01"


def test_a_file_that_is_not_an_archive_is_a_clear_error(tmp_path):
    bogus = tmp_path / "model.tar.gz"
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(ArtifactError, match="not a readable tar archive"):
        safe_extract(bogus, tmp_path / "out")


def test_checksum_mismatch_and_missing_checksum_are_refused(tmp_path):
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"some bytes")
    assert verify_sha256(path, sha256_of(path)) == sha256_of(path)
    with pytest.raises(ArtifactError, match="changed since") as caught:
        verify_sha256(path, "0" * 64)
    assert sha256_of(path)[:16] in str(caught.value)
    with pytest.raises(ArtifactError, match="no sha256 is recorded"):
        verify_sha256(path, None)
    with pytest.raises(ArtifactError, match="does not exist"):
        verify_sha256(tmp_path / "missing.tar.gz", "0" * 64)


class Bomb:
    """A 'model' whose unpickling creates a file: proof of whether anything was unpickled."""

    def __init__(self, marker: str):
        self.marker = marker

    def predict(self, rows):  # pragma: no cover - never served
        return rows

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_tampered_artifact_is_never_unpickled_and_the_endpoint_fails(home, tmp_path):
    model_dir, code_dir = write_script_model(tmp_path / "benign")
    benign = ModelBuilder(model_path=str(model_dir),
                          source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
    model = benign.build(model_name="tampered")
    artifact = Model("tampered").describe()["Local"]["ArtifactPath"]

    # Control: the bomb goes off when its archive is served with its own checksum.
    marker = tmp_path / "unpickled-control"
    ModelBuilder(model=Bomb(str(marker))).deploy(endpoint_name="bomb-control")
    assert marker.exists()

    # Swap the benign archive for one holding the bomb: the checksum recorded at build no longer matches.
    marker = tmp_path / "unpickled"
    bomb = ModelBuilder(model=Bomb(str(marker))).build(model_name="bomb")
    os.replace(Model("bomb").describe()["Local"]["ArtifactPath"], artifact)
    with pytest.raises(FailedStatusError, match="sha256"):
        benign.deploy(endpoint_name="tampered")  # deploys the model built above
    assert benign.built_model == model
    view = Endpoint("tampered").describe()
    assert view["EndpointStatus"] == "Failed"
    assert "sha256" in view["FailureReason"] and "Nothing was loaded" in view["FailureReason"]
    assert not marker.exists()
    assert bomb.model_name == "bomb"


def test_an_unsafe_archive_fails_the_endpoint_without_writing_outside(home, tmp_path):
    source = archive(tmp_path / "evil.tar.gz", [(member("weights.npy"), b"x"), (member("../../escaped.txt"), b"x")])
    _, code_dir = write_script_model(tmp_path / "code-only")
    builder = ModelBuilder(model_path=str(source),
                           source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
    with pytest.raises(FailedStatusError, match="unsafe"):
        builder.deploy(endpoint_name="evil")
    assert "../../escaped.txt" in Endpoint("evil").describe()["FailureReason"]
    assert not any(p.name == "escaped.txt" for p in tmp_path.rglob("escaped.txt"))


# ----------------------------------------------------------- caps, modes, and one read for hash and unpack
def test_an_archive_over_the_size_cap_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    import gzip

    from helpers.platform.serving import artifacts

    # 8 MiB of zeros: the gzip is ~8 KB, the unpacked file 1000 times that
    info = member("zeros.bin")
    info.size = 8 * 1024 * 1024
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    (tmp_path / "bomb.tar.gz").write_bytes(gzip.compress(raw.getvalue()))
    assert (tmp_path / "bomb.tar.gz").stat().st_size < 64 * 1024
    monkeypatch.setenv(artifacts.MAX_UNPACKED_ENV, str(4 * 1024 * 1024))
    with pytest.raises(ArtifactError, match=r"unpacks to more than 4,194,304 bytes.*FLYWHEEL_MAX_MODEL_BYTES"):
        safe_extract(tmp_path / "bomb.tar.gz", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(artifacts, "MAX_MEMBER_BYTES", 1024 * 1024)
    monkeypatch.delenv(artifacts.MAX_UNPACKED_ENV)
    with pytest.raises(ArtifactError, match=r"member 'zeros.bin' unpacks to 8,388,608 bytes, over the cap"):
        safe_extract(tmp_path / "bomb.tar.gz", tmp_path / "out")
    monkeypatch.setenv(artifacts.MAX_UNPACKED_ENV, "lots")
    with pytest.raises(ArtifactError, match="not a whole number of bytes"):
        safe_extract(tmp_path / "bomb.tar.gz", tmp_path / "out")


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    from helpers.platform.serving import artifacts

    monkeypatch.setattr(artifacts, "MAX_MEMBERS", 10)
    source = archive(tmp_path / "many.tar.gz", [(member(f"f{i}"), b"") for i in range(11)])
    with pytest.raises(ArtifactError, match="more than 10 members"):
        safe_extract(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unpacked_modes_are_owner_only_without_setuid_setgid_sticky(tmp_path):
    import stat

    infos = []
    for name, mode in (("suid", 0o4755), ("sgid", 0o2775), ("sticky-world", 0o1777), ("plain", 0o644)):
        info = member(name)
        info.mode = mode
        infos.append((info, b"x"))
    folder = member("dir", tarfile.DIRTYPE)
    folder.mode = 0o3777
    source = archive(tmp_path / "modes.tar.gz", [(folder, None), *infos])
    target = safe_extract(source, tmp_path / "out")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in target.iterdir()}
    assert modes == {"suid": 0o700, "sgid": 0o700, "sticky-world": 0o700, "plain": 0o600, "dir": 0o700}
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def _swap_on_open(monkeypatch, archive_path, replacement: bytes):
    """Make the first tarfile.open() in serving.artifacts first overwrite ``archive_path``: a swap that
    lands right after the checksum was computed."""
    from helpers.platform.serving import artifacts

    real_open = tarfile.open
    swapped = []

    def open_after_swap(*args, **kwargs):
        if not swapped:
            swapped.append(True)
            archive_path.write_bytes(replacement)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(artifacts.tarfile, "open", open_after_swap)


def test_the_checksum_and_the_unpacking_read_the_same_bytes(tmp_path, monkeypatch):
    from helpers.platform.serving.artifacts import verified_extract

    good = archive(tmp_path / "good.tar.gz", [(member("model.json"), b'{"model": "good"}')])
    evil = archive(tmp_path / "evil.tar.gz", [(member("model.json"), b'{"model": "evil"}')]).read_bytes()
    digest = sha256_of(good)

    # The old flow (check the path, then open the path again) unpacks whatever is there by then.
    with monkeypatch.context() as patch:
        _swap_on_open(patch, good, evil)
        verify_sha256(good, digest)
        assert (safe_extract(good, tmp_path / "old") / "model.json").read_bytes() == b'{"model": "evil"}'

    good = archive(tmp_path / "good.tar.gz", [(member("model.json"), b'{"model": "good"}')])
    _swap_on_open(monkeypatch, good, evil)
    assert verified_extract(good, digest, tmp_path / "new") == digest
    assert (tmp_path / "new" / "model.json").read_bytes() == b'{"model": "good"}'  # the bytes that were checked


def test_verified_extract_refuses_a_mismatch_and_a_missing_checksum_and_writes_nothing(tmp_path):
    from helpers.platform.serving.artifacts import verified_extract

    good = archive(tmp_path / "good.tar.gz", [(member("model.json"), b"{}")])
    with pytest.raises(ArtifactError, match="changed since"):
        verified_extract(good, "0" * 64, tmp_path / "out")
    with pytest.raises(ArtifactError, match="no sha256 is recorded"):
        verified_extract(good, None, tmp_path / "out")
    with pytest.raises(ArtifactError, match="not a regular file"):
        verified_extract(tmp_path, "0" * 64, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_archive_bigger_than_the_spool_is_checked_and_unpacked_from_its_disk_copy(tmp_path, monkeypatch):
    from helpers.platform.serving import artifacts

    monkeypatch.setattr(artifacts, "SPOOL_BYTES", 1024)  # so the private copy rolls over to a file
    payload = os.urandom(64 * 1024)  # incompressible: the archive is ~64 KiB
    source = archive(tmp_path / "big.tar.gz", [(member("weights.bin"), payload)])
    assert source.stat().st_size > 1024
    target = tmp_path / "models" / "big" / "model"
    assert artifacts.verified_extract(source, sha256_of(source), target) == sha256_of(source)
    assert (target / "weights.bin").read_bytes() == payload
    assert sorted(p.name for p in target.parent.iterdir()) == ["model"]  # the copy is gone
