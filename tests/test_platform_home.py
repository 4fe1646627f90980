"""helpers.platform_home: the one atomic writer, the one place that names the folders of FLYWHEEL_HOME,
and the byte caps read from the environment; and that no other module writes or names them its own way."""

from __future__ import annotations

import ast
import errno
import os
import stat
from pathlib import Path
from typing import Callable

import pytest

from helpers import ROOT, platform_home
from helpers.platform_home import atomic_open, byte_cap, write_atomic

OWNER = ROOT / "helpers" / "platform_home.py"


def offenders(finder: Callable[[Path], list[int]]) -> dict[str, list[int]]:
    """Lines ``finder`` flags in each module of helpers/ but platform_home."""
    found = {}
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if path != OWNER and (lines := finder(path)):
            found[name] = lines
    return found


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_text_and_bytes_owner_only(tmp_path: Path):
    write_atomic(tmp_path / "a.json", '{"a": 1}')
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.json").read_text() == '{"a": 1}'
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert mode_of(tmp_path / "a.json") == mode_of(tmp_path / "b.bin") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.bin"]


def test_a_file_of_the_checkout_keeps_its_mode(tmp_path: Path):
    write_atomic(tmp_path / "lab.ipynb", "{}", file_mode=None)
    assert mode_of(tmp_path / "lab.ipynb") == 0o644  # new: readable like any file of the checkout
    os.chmod(tmp_path / "lab.ipynb", 0o664)
    write_atomic(tmp_path / "lab.ipynb", "{ }", file_mode=None)
    assert mode_of(tmp_path / "lab.ipynb") == 0o664
    write_atomic(tmp_path / "lab.ipynb", "{}", file_mode=0o640)
    assert mode_of(tmp_path / "lab.ipynb") == 0o640


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


def test_no_module_but_platform_home_renames_a_temporary_file_into_place():
    assert offenders(replaces_in) == {}, "write through helpers.platform_home.write_atomic / atomic_open instead"
    assert replaces_in(OWNER), "the finder must see the writer's own os.replace"


def test_the_module_reference_is_the_one_patched_by_the_disk_full_tests():
    # tests/platform/test_disk_full.py injects ENOSPC by replacing platform_home.os; the writer must use it.
    assert platform_home.os is os


# Functions that return the home itself: joining a name onto one of them makes a folder of the home.
HOME_FUNCTIONS = {"home", "ensure_home", "store", "store_root", "configured_home"}


def calls_home(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            # Path.home() is the user's home (caches, the disk check), not the kit's.
            is_user_home = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "Path"
            if name in HOME_FUNCTIONS and not is_user_home:
                return True
    return False


def joins_onto_home(path: Path) -> list[int]:
    """Lines of ``path`` with ``<the home> / something``."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and calls_home(node.left)]


def test_no_module_but_platform_home_makes_a_folder_of_the_home():
    assert offenders(joins_onto_home) == {}, "add a function for the folder to helpers/platform_home.py and call it"
    assert joins_onto_home(OWNER), "the finder must see platform_home's own joins"


def test_the_finder_sees_each_way_of_joining(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text('a = home() / "jobs"\nb = platform_home.home() / "lake"\nc = store_root() / "models"\n'
                      'd = configured_home().expanduser() / "secret"\ne = Path.home() / ".cache"\n'
                      'f = endpoints_root() / name\n')
    assert joins_onto_home(sample) == [1, 2, 3, 4]


def test_every_folder_is_under_the_configured_home(flywheel_home: Path):
    home = Path(flywheel_home)
    expected = {
        platform_home.objects_root: home / "s3",
        platform_home.jobs_root: home / "jobs",
        platform_home.tuning_jobs_root: home / "tuning-jobs",
        platform_home.lake_root: home / "lake",
        platform_home.writeups_root: home / "writeups",
        platform_home.model_registry_root: home / "model-registry",
        platform_home.pipelines_root: home / "pipelines",
        platform_home.secret_file: home / "endpoint-secret",
    }
    assert {f.__name__: f() for f in expected} == {f.__name__: path for f, path in expected.items()}
    resolved = home.resolve()
    assert platform_home.endpoints_root() == resolved / "endpoints"
    assert platform_home.runtime_dir() == resolved / "endpoints" / "_runtime"
    assert platform_home.models_root() == resolved / "models"
    assert platform_home.endpoint_configs_root() == resolved / "endpoint-configs"
    assert platform_home.transform_jobs_root() == resolved / "transform-jobs"


def test_a_child_process_passes_its_store_explicitly(tmp_path: Path):
    assert platform_home.runtime_dir(tmp_path) == tmp_path / "endpoints" / "_runtime"
    assert platform_home.secret_file(tmp_path) == tmp_path / "endpoint-secret"


def test_a_byte_cap_comes_from_the_environment_or_the_default(monkeypatch):
    monkeypatch.delenv("FLYWHEEL_TEST_CAP", raising=False)
    assert byte_cap("FLYWHEEL_TEST_CAP", 100 * 1024 ** 2) == 100 * 1024 ** 2
    monkeypatch.setenv("FLYWHEEL_TEST_CAP", " 4096 ")
    assert byte_cap("FLYWHEEL_TEST_CAP", 100 * 1024 ** 2) == 4096


@pytest.mark.parametrize("value", ["100MB", "-1", "1e9", "１２"])
def test_a_bad_byte_cap_names_the_variable_and_a_value_that_works(monkeypatch, value: str):
    monkeypatch.setenv("FLYWHEEL_TEST_CAP", value)
    with pytest.raises(KeyError, match=r"FLYWHEEL_TEST_CAP=.* is not a whole number of bytes: set it like "
                                       r"FLYWHEEL_TEST_CAP=4294967296 \(4 GiB\), or unset it for the 2 GiB default"):
        byte_cap("FLYWHEEL_TEST_CAP", 2 * 1024 ** 3, KeyError)
