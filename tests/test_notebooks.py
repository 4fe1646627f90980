"""The notebooks as a learner meets them.

The solutions themselves are executed and compared with their stored outputs by nbval, in the same
pytest run (`make test` passes `--nbval solutions`). Here: every unmodified lab stops at its first
TODO with the generated message, every solution follows the notebook conventions, and the solutions
that show a failure on purpose also run green under plain papermill (which, unlike nbval, ignores the
`raises-exception` tag: such cells use `helpers.checks.expect_failure` instead).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import nbval_reuse
import pytest

from helpers.checks import CheckFailed, expect_failure, fail
from helpers.course.labs import BEGIN
from helpers.authoring.execute import KERNEL_NAME, normalise

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))


def run_with_papermill(path: Path, out: Path, **engine: object):
    """Execute ``path`` as plain papermill does (no nbval), in its own folder; raises on any error output.
    ``engine``: arguments for papermill's engine (nbclient), e.g. a hook."""
    import papermill

    return papermill.execute_notebook(str(path), str(out), kernel_name=KERNEL_NAME, cwd=str(path.parent),
                                      progress_bar=False, request_save_on_cell_execute=False, **engine)


@pytest.mark.notebook
@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_unmodified_lab_stops_at_its_first_todo(lab: Path, tmp_path: Path, request: pytest.FixtureRequest):
    """A learner's Run All of the lab as generated stops at exercise 1, with the TODO's message, and no
    cell before it fails. The cells before it are the solution's; when nbval or the papermill test runs
    that solution in this session, its kernel also runs the TODO where Run All reaches it
    (nbval_reuse.delegate_lab_todos)."""
    from papermill.exceptions import PapermillExecutionError

    n, _, expected = nbval_reuse.first_todo_code_cell(lab, ROOT / "solutions" / lab.name)
    assert expected.startswith(f"TODO {lab.stem} exercise 1: ")
    if lab in request.config.stash.get(nbval_reuse.LAB_TODOS, set()):
        return  # the solution's execution runs the TODO before its exercise-1 cell and requires its error
    with pytest.raises(PapermillExecutionError) as info:
        run_with_papermill(lab, tmp_path / lab.name)
    assert info.value.ename == "NotImplementedError"
    assert info.value.evalue == expected
    # The TODO's own cell stops the run, or a later cell that calls the learner's unfinished function.
    todo_cell = nbval_reuse.cell_index(lab, n)
    assert info.value.cell_index >= todo_cell, f"cell {info.value.cell_index} failed before the first TODO"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_follows_the_conventions(path: Path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {path.stem[:2]} · "), (
        f"{path.name}: the first cell is the title '# {path.stem[:2]} · <Title>'"
    )
    assert "objective" in cells[0].source.lower(), f"{path.name}: the first cell lists the learning objectives"
    code = [c for c in cells if c.cell_type == "code"]
    assert any(f'setup("{path.stem}")' in c.source for c in code[:3]), (
        f'{path.name}: an early code cell calls setup("{path.stem}") (seeds and the time estimate)'
    )
    assert any("parameters" in c.metadata.get("tags", []) and "SMOKE" in c.source for c in code), (
        f"{path.name}: a cell tagged `parameters` defines SMOKE"
    )
    assert any(BEGIN.match(line) for c in code for line in c.source.splitlines()), (
        f"{path.name}: at least one exercise (### BEGIN SOLUTION)"
    )
    assert any("what you learned" in c.source.lower() for c in cells[-3:]), (
        f"{path.name}: ends with a 'What you learned' cell"
    )
    assert notebook.metadata.kernelspec.name == KERNEL_NAME


SECTION = re.compile(r"^## (\d+) · ", re.MULTILINE)


def section_numbers(notebook) -> list[int]:
    """The numbers of a notebook's ``## N · Title`` sections, in order."""
    return [int(n) for cell in notebook.cells if cell.cell_type == "markdown" for n in SECTION.findall(cell.source)]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_sections_are_numbered_one_by_one(path: Path):
    numbers = section_numbers(nbformat.read(path, as_version=4))
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: sections numbered {numbers}"


def test_a_repeated_section_number_is_caught():
    cells = [nbformat.v4.new_markdown_cell(f"## {n} · Part") for n in (1, 2, 2)]
    assert section_numbers(nbformat.v4.new_notebook(cells=cells)) == [1, 2, 2]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_is_executed_with_clean_metadata(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    unrun = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not unrun, f"{path.name} has unexecuted code cells: run `make solutions NB={path.stem[:2]}`"
    clean = normalise(nbformat.from_dict(json.loads(json.dumps(notebook))))
    assert clean == notebook, f"{path.name} has volatile metadata: run `make solutions NB={path.stem[:2]}`"
    # A cell that shows a failure on purpose wraps it in expect_failure(): it prints, it does not raise.
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} stores an error output: {errors[0].get('ename')}"


# --- failures shown on purpose -------------------------------------------------------------------

RED = "\x1b[31m"


def shows_a_failure(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    return any("expect_failure(" in c.source for c in notebook.cells if c.cell_type == "code")


# 00 and 05 had cells tagged raises-exception; any solution that shows a failure joins them.
SHOWING_FAILURES = sorted(
    {ROOT / "solutions" / "00_welcome.ipynb", ROOT / "solutions" / "05_builtin_algorithms.ipynb"}
    | {p for p in SOLUTIONS if shows_a_failure(p)}
)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_solution_relies_on_the_raises_exception_tag(path: Path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(notebook.cells) if "raises-exception" in c.metadata.get("tags", [])]
    assert not tagged, (
        f"{path.name} cells {tagged} are tagged raises-exception, which papermill ignores: wrap the failing "
        "call in `with expect_failure(...):` (helpers.checks) and remove the tag"
    )


@pytest.mark.notebook
@pytest.mark.parametrize("path", SHOWING_FAILURES, ids=lambda p: p.stem)
def test_solution_showing_a_failure_runs_green_under_papermill(path: Path, tmp_path: Path, flywheel_home: Path,
                                                              nbval_comparison, request: pytest.FixtureRequest):
    import os

    assert os.environ["FLYWHEEL_SMOKE"] == "1"  # set for every kernel by the top-level conftest.py
    assert shows_a_failure(path), f"{path.name} no longer shows a failure: update SHOWING_FAILURES"
    todo = nbval_reuse.todo_on_the_way(request.config, path)  # the lab's first TODO, when its test is here
    try:
        executed = run_with_papermill(path, tmp_path / path.name, **(todo.papermill_kwargs() if todo else {}))
    finally:
        if todo:
            todo.stop()
    if todo:
        todo.check()
    shown = [c for c in executed.cells if c.cell_type == "code" and "expect_failure(" in c.source]
    for cell in shown:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert text.startswith(RED) and text.count("\n") == 1, f"{path.name}: expected one red line, got {text!r}"
    nbval_comparison(path, executed)  # nbval's own checks of this notebook, when this session's nbval left them here


def test_expect_failure_prints_the_line_a_failing_check_shows(capsys: pytest.CaptureFixture):
    from helpers.labchecks.lab00 import check

    with expect_failure():
        check.accuracy(lambda y_true, y_pred: sum(t == p for t, p in zip(y_true, y_pred)))
    out = capsys.readouterr().out
    assert out.startswith(f"{RED}✘ accuracy: `accuracy([1, 0, 1, 1], [1, 0, 0, 1])` is 3, but 0.75 is expected.")
    with pytest.raises(CheckFailed) as raised:
        fail("x is wrong.", "try y")
    with expect_failure():
        fail("x is wrong.", "try y")
    # The same line IPython shows for an uncaught CheckFailed (its _render_traceback_), newline-ended.
    assert capsys.readouterr().out == raised.value._render_traceback_()[0] + "\n"


def test_expect_failure_shows_other_errors_as_the_last_traceback_line(capsys: pytest.CaptureFixture):
    from helpers.algorithms import HyperparameterError

    with expect_failure(HyperparameterError, KeyError):
        raise HyperparameterError("Hyperparameter 'predictor_type': value 'classifier' is not allowed.")
    assert capsys.readouterr().out == (
        f"{RED}HyperparameterError: Hyperparameter 'predictor_type': value 'classifier' is not allowed.\x1b[0m\n"
    )


def test_expect_failure_lets_other_errors_through_unchanged():
    error = ZeroDivisionError("a real bug")
    with pytest.raises(ZeroDivisionError) as raised:
        with expect_failure():
            raise error
    assert raised.value is error


@pytest.mark.parametrize("expected, named", [((), "CheckFailed"), ((KeyError, ValueError), "KeyError, ValueError")])
def test_a_block_that_does_not_fail_is_an_error(expected: tuple, named: str, capsys: pytest.CaptureFixture):
    with pytest.raises(AssertionError, match=f"should fail with {named} to show the failure, but it ran without one"):
        with expect_failure(*expected):
            pass
    assert capsys.readouterr().out == ""


def test_expect_failure_shows_a_multi_line_check_message_as_ipython_does(capsys: pytest.CaptureFixture):
    error = CheckFailed("✘ area: your code raised ZeroDivisionError: division by zero\n  Cell In[3], line 2")
    with expect_failure():
        raise error
    assert capsys.readouterr().out.splitlines() == error._render_traceback_()


def money_typeset_as_maths(markdown: str) -> list[str]:
    """Spans of ``markdown`` that JupyterLab (MathJax) and the site (KaTeX) would typeset as maths although
    they are prose between two dollar amounts: an unescaped ``$`` starting with a digit, closed by the next
    one in the same paragraph, with spaces and no TeX (``\\ ^ _ = { }``) between. Code is left out."""
    text = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))
    spans = []
    for paragraph in re.split(r"\n\s*\n", text):
        dollars = [m.start() for m in re.finditer(r"(?<![\\$])\$(?!\$)", paragraph)]
        for start, end in zip(dollars[::2], dollars[1::2]):
            between = paragraph[start + 1:end]
            if re.match(r"\d", between) and re.search(r"\s", between) and not re.search(r"[\\^_={}]", between):
                spans.append(paragraph[start:end + 1])
    return spans


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_dollar_amounts_are_not_typeset_as_maths(path: Path):
    """Two amounts in one paragraph ("experts cost $0.40, crowd workers $0.05") turn the prose between them
    into maths: write ``\\$0.40``."""
    cells = nbformat.read(path, as_version=4).cells
    found = {i: spans for i, cell in enumerate(cells) if cell.cell_type == "markdown"
             for spans in [money_typeset_as_maths(cell.source)] if spans}
    assert not found, f"{path.name}: write \\$ for the amounts in cells {found}"


def test_the_money_check_tells_amounts_from_maths():
    assert money_typeset_as_maths("experts cost $0.40 a label, crowd workers\n$0.05 each.") == [
        "$0.40 a label, crowd workers\n$"]
    assert money_typeset_as_maths(r"experts cost \$0.40 a label, crowd workers \$0.05.") == []
    assert money_typeset_as_maths(r"the factor $2/n$, and $0 \le \gamma \le 1$; costs $5") == []
    assert money_typeset_as_maths("a review costs $5.\n\nA refund costs $80.") == []  # two paragraphs
    assert money_typeset_as_maths("`$5 and $6` in code, and $$1 + 1$$") == []
