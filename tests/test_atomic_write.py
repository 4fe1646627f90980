"""The kit's one atomic writer (helpers.platform_home.atomic_open / write_atomic), and that it is the only one."""

from __future__ import annotations

import ast
import errno
import os
import stat
from pathlib import Path

import pytest

from helpers import ROOT, platform_home
from helpers.platform_home import atomic_open, write_atomic


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_text_and_bytes_owner_only(tmp_path: Path):
    write_atomic(tmp_path / "a.json", '{"a": 1}')
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.json").read_text() == '{"a": 1}'
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert mode_of(tmp_path / "a.json") == mode_of(tmp_path / "b.bin") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.bin"]


def test_a_public_file_can_keep_its_mode(tmp_path: Path):
    write_atomic(tmp_path / "lab.ipynb", "{}", file_mode=0o644)
    assert mode_of(tmp_path / "lab.ipynb") == 0o644


def test_undecodable_text_survives_with_surrogateescape(tmp_path: Path):
    text = b"caf\xe9".decode("utf-8", errors="surrogateescape")
    write_atomic(tmp_path / "x.txt", text, errors="surrogateescape")
    assert (tmp_path / "x.txt").read_bytes() == b"caf\xe9"


def test_an_error_while_writing_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "job.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(target, "w", prefix=".job-") as handle:
            handle.write("half a rec")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["job.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path, monkeypatch, failing: str):
    target = tmp_path / "model.tar.gz"
    target.write_bytes(b"old")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new" * 1000, prefix=".upload-")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.tar.gz"]


def test_a_reader_never_sees_half_the_new_content(tmp_path: Path):
    target = tmp_path / "record.json"
    target.write_text("old")
    with atomic_open(target, "w") as handle:
        handle.write("new")
        handle.flush()
        assert target.read_text() == "old"  # still the old file until the writer is done
    assert target.read_text() == "new"


def test_appending_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"):
        with atomic_open(tmp_path / "log", "a"):
            pass


def replaces_in(path: Path) -> list[int]:
    """Lines of ``path`` that call ``os.replace`` / ``os.rename`` (a hand-written temp-file + rename)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"replace", "rename"}
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
            found.append(node.lineno)
    return found


# Being edited by another engineer at the time of writing; to be moved onto write_atomic next.
NOT_YET = {"helpers/platform/serving/router.py", "helpers/platform/serving/server.py"}


def test_no_module_but_platform_home_renames_a_temporary_file_into_place():
    writer = ROOT / "helpers" / "platform_home.py"
    offenders = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "helpers").rglob("*.py"))
                 if path != writer and str(path.relative_to(ROOT)) not in NOT_YET and (lines := replaces_in(path))}
    assert offenders == {}, "write through helpers.platform_home.write_atomic / atomic_open instead"
    assert replaces_in(writer), "the finder must see the writer's own os.replace"


def test_the_module_reference_is_the_one_patched_by_the_disk_full_tests():
    # tests/test_disk_full.py injects ENOSPC by replacing platform_home.os; the writer must use it.
    assert platform_home.os is os
