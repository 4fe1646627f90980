"""The notebooks as a learner meets them.

The solutions themselves are executed and compared with their stored outputs by nbval, in the same
pytest run (`make test` passes `--nbval solutions`). Here: every unmodified lab stops at its first
TODO with the generated message, and every solution follows the notebook conventions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from helpers.course.build_labs import BEGIN
from helpers.course.execute import KERNEL_NAME, normalise

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))


def first_todo_message(lab: Path) -> str:
    notebook = nbformat.read(lab, as_version=4)
    for cell in notebook.cells:
        match = re.search(r'raise NotImplementedError\((".*")\)', cell.source) if cell.cell_type == "code" else None
        if match:
            return json.loads(match.group(1))
    raise AssertionError(f"{lab.name} has no TODO: every lab needs at least one exercise")


@pytest.mark.notebook
@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_unmodified_lab_stops_at_its_first_todo(lab: Path, tmp_path: Path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    expected = first_todo_message(lab)
    assert expected.startswith(f"TODO {lab.stem} exercise 1: ")
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(lab),
            str(tmp_path / lab.name),
            kernel_name=KERNEL_NAME,
            cwd=str(lab.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
    assert info.value.ename == "NotImplementedError"
    assert info.value.evalue == expected
    assert "exercise 1:" in info.value.source or "raise NotImplementedError" in info.value.source or info.value.source


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


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_is_executed_with_clean_metadata(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    unrun = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not unrun, f"{path.name} has unexecuted code cells: run `make solutions NB={path.stem[:2]}`"
    clean = normalise(nbformat.from_dict(json.loads(json.dumps(notebook))))
    assert clean == notebook, f"{path.name} has volatile metadata: run `make solutions NB={path.stem[:2]}`"
    # Cells tagged raises-exception show a failing check on purpose (papermill and nbval honour the tag).
    errors = [
        o for c in code if "raises-exception" not in c.metadata.get("tags", [])
        for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, f"{path.name} stores an error output: {errors[0].get('ename')}"
