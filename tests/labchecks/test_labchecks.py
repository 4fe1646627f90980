"""Every lab check can fail, is used by its solution, and passes there."""

from __future__ import annotations

import sys

import nbformat
import pytest

from helpers import ROOT
from helpers.checks import CheckFailed, all_lab_checks

LABS = {name: lab for name, lab in all_lab_checks().items() if not name.startswith("98_")}
EXERCISES = [exercise for lab in LABS.values() for exercise in lab.exercises.values()]


def solution(lab: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)


def test_every_lab_with_checks_has_a_solution():
    missing = [lab for lab in LABS if not (ROOT / "solutions" / f"{lab}.ipynb").exists()]
    assert not missing, f"checks declared for notebooks that do not exist: {missing}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: f"{e.lab}.{e.name}")
def test_check_fails_on_every_wrong_answer(exercise):
    wrong_answers = exercise.wrong()
    assert wrong_answers, f"{exercise.lab}.{exercise.name} declares no wrong answers"
    for arguments in wrong_answers:
        with pytest.raises(CheckFailed):
            exercise.function(*arguments)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: f"{e.lab}.{e.name}")
def test_check_is_called_and_passes_in_its_solution(exercise):
    notebook = solution(exercise.lab)
    calling = [c for c in notebook.cells if c.cell_type == "code" and f"check.{exercise.name}(" in c.source]
    assert calling, f"solutions/{exercise.lab}.ipynb never calls check.{exercise.name}(...)"
    printed = "".join(
        output.get("text", "") for cell in calling for output in cell.get("outputs", []) if output.get("name") == "stdout"
    )
    assert f"✔ {exercise.title}: correct." in printed, (
        f"the stored output of solutions/{exercise.lab}.ipynb does not show check.{exercise.name} passing: "
        "run `make solutions`"
    )


# --- a later cell must not depend on a learner's scratch names ----------------------------------
#
# A learner may rewrite an exercise cell in any style. The names the check is given are the answer;
# every other name the cell defines before its check (a helper list, an import, a loop variable) is
# the learner's scratch, and may be gone. A later cell that reads one would fail after a ✔.


def _assigned(tree) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def _loaded(tree) -> set[str]:
    import ast

    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _parse(source: str):
    import ast

    # IPython magics and shell escapes are not Python; the names around them still are.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def scratch_names_read_later(lab: str) -> list[str]:
    """``"<name> (defined in exercise cell k, read in cell m)"`` for every scratch name a later cell reads."""
    import ast

    # A cell magic (%%writefile) is not run by the kernel: it defines nothing there.
    cells = [c for c in solution(lab).cells if c.cell_type == "code" and not c.source.lstrip().startswith("%%")]
    found, shared = [], set()  # shared: what the notebook's own cells define, whatever the learner writes
    for k, cell in enumerate(cells):
        if "### BEGIN SOLUTION" not in cell.source:
            shared |= _assigned(_parse(cell.source))
            continue
        body = _parse(cell.source).body
        at = next((i for i, statement in enumerate(body) if isinstance(statement, ast.Expr)
                   and "check." in ast.unparse(statement.value)[:6]), len(body))
        answers = _loaded(body[at]) if at < len(body) else set()
        scratch = _assigned(ast.Module(body=body[:at], type_ignores=[])) - answers - shared
        for m, later in enumerate(cells[k + 1:], start=k + 1):
            tree = _parse(later.source)
            found += [f"{name} (defined in exercise cell {k}, read in cell {m})"
                      for name in sorted((_loaded(tree) & scratch) - _assigned(tree))]
            scratch -= _assigned(tree)
    return found


@pytest.mark.parametrize("lab", sorted(LABS))
def test_later_cells_do_not_read_the_learners_scratch_names(lab):
    assert scratch_names_read_later(lab) == [], (
        f"solutions/{lab}.ipynb: a cell after an exercise reads a name only the exercise cell defines; define it "
        "in a cell of its own (or again where it is used)"
    )


def test_the_scratch_rule_sees_a_helper_defined_beside_the_answer(tmp_path, monkeypatch):
    cells = [
        nbformat.v4.new_code_cell('measurements = ["a", "b"]\n### BEGIN SOLUTION\nanswer = measurements\n'
                                  '### END SOLUTION\ncheck.answer(answer)'),
        nbformat.v4.new_code_cell("print(answer, measurements)"),
    ]
    monkeypatch.setattr(sys.modules[__name__], "solution", lambda lab: nbformat.v4.new_notebook(cells=cells))
    assert scratch_names_read_later("99_example") == ["measurements (defined in exercise cell 0, read in cell 1)"]
