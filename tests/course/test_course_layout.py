"""What learners run (helpers.course) stays apart from the authoring tools (helpers.authoring).

Like scikit-learn-mooc's build_tools/: authoring may import learner code, never the reverse, and the
authoring modules import each other without a cycle (agenda and facilitator both read the plan).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from helpers import ROOT
from helpers.course.cli import COMMANDS

PACKAGES = ("course", "authoring")


def imported_modules(path: Path) -> set[str]:
    """Every ``helpers...`` module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from helpers.authoring import agenda` imports the module helpers.authoring.agenda
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("helpers.")}


def module_files() -> dict[str, Path]:
    return {f"helpers.{package}.{path.stem}": path
            for package in PACKAGES for path in sorted((ROOT / "helpers" / package).glob("*.py"))
            if path.stem != "__init__"}


def test_learner_modules_never_import_the_authoring_tools():
    offenders = {name: sorted(m for m in imported_modules(path) if m.startswith("helpers.authoring"))
                 for name, path in module_files().items() if name.startswith("helpers.course.")}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_course_and_authoring_modules_import_each_other_without_a_cycle():
    files = module_files()
    graph = {name: sorted(m for m in imported_modules(path) if m in files) for name, path in files.items()}

    def cycle_from(start: str, trail: tuple[str, ...]) -> tuple[str, ...] | None:
        for nxt in graph[start]:
            if nxt in trail:
                return trail[trail.index(nxt):] + (nxt,)
            found = cycle_from(nxt, trail + (nxt,))
            if found:
                return found
        return None

    cycles = [cycle for name in graph if (cycle := cycle_from(name, (name,)))]
    assert cycles == []


def test_the_cycle_finder_sees_a_cycle(tmp_path: Path):
    # The check above would pass vacuously if imported_modules saw nothing: it must see function-level imports.
    sample = tmp_path / "sample.py"
    sample.write_text("def main():\n    from helpers.authoring import facilitator\n")
    assert imported_modules(sample) == {"helpers.authoring", "helpers.authoring.facilitator"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_cli_command_resolves_to_a_main(command: str):
    module = importlib.import_module(COMMANDS[command][0])
    assert callable(module.main)


def test_notebooks_keep_their_import_paths():
    # Solutions and labs import these; moving them would break every learner's notebook.
    from helpers.course import doctor  # noqa: F401
    from helpers.course.notebook import agenda, setup  # noqa: F401
