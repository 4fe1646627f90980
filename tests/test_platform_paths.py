"""Every folder under FLYWHEEL_HOME is named in helpers.platform_home, and nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT, platform_home

# Functions that return the home itself: joining a name onto one of them makes a folder of the home.
HOME_FUNCTIONS = {"home", "ensure_home", "store", "store_root", "configured_home"}
# Being edited by another engineer at the time of writing; to be moved onto platform_home next.
NOT_YET = {"helpers/platform/serving/resources.py"}


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
    owner = ROOT / "helpers" / "platform_home.py"
    offenders = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "helpers").rglob("*.py"))
                 if path != owner and str(path.relative_to(ROOT)) not in NOT_YET and (lines := joins_onto_home(path))}
    assert offenders == {}, "add a function for the folder to helpers/platform_home.py and call it"
    assert joins_onto_home(owner), "the finder must see platform_home's own joins"


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
