"""The agenda (one source for the three-day plan) and the facilitator guide built from the solutions."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers.authoring import agenda, facilitator
from helpers.authoring.agenda import AgendaError, load_plan, problems
from helpers.course.notebook import notebook_entry

SMALL_AGENDA = """
days:
  1:
    theme: Warm-up <and> basics
    sessions:
      - {name: Morning, start: "09:00"}
      - {name: Afternoon, start: "13:00"}
    notebooks:
      - id: "00_hello"
        title: Hello
        learner_minutes: 20
        session: Morning
        objectives: [Say hello, Say it twice]
      - id: "01_next"
        title: Next step
        learner_minutes: 45
        objectives: [Go on, Go further]
      - id: "02_later"
        title: Later
        learner_minutes: 30
        session: Afternoon
        objectives: [Come back, Finish]
  2:
    theme: Second day
    notebooks:
      - id: "03_planned"
        title: Not written yet
        learner_minutes: 60
        objectives: [Plan, Write]
"""


def make_notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


def instructor(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata={"tags": ["instructor"]})


def fake_root(tmp_path: Path, agenda_text: str = SMALL_AGENDA, timings: dict | None = None) -> Path:
    (tmp_path / "helpers" / "course").mkdir(parents=True)
    (tmp_path / "helpers" / "authoring").mkdir()
    (tmp_path / "helpers" / "course" / "agenda.yaml").write_text(textwrap.dedent(agenda_text), encoding="utf-8")
    if timings is not None:
        (tmp_path / "helpers" / "authoring" / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for notebook_id in ("00_hello", "01_next", "02_later"):
        number = notebook_id[:2]
        notebook = make_notebook(nbformat.v4.new_markdown_cell(f"# {number} · Title of {notebook_id}\n\nIntro."))
        nbformat.write(notebook, solutions / f"{notebook_id}.ipynb")
    return tmp_path


# --- the real agenda --------------------------------------------------------------------------


def test_every_solution_notebook_is_in_the_agenda_and_the_plan_fits(root: Path):
    # Agenda entries without a solution yet are fine ("planned"); solutions missing from it are not.
    found = problems(load_plan(root), root / "solutions")
    assert found == [], "\n".join(found)


def test_notebooks_show_the_time_estimate_the_agenda_prints(root: Path):
    for day in load_plan(root):
        for slot in day.slots:
            number, entry = notebook_entry(slot.notebook_id)
            assert (number, entry["learner_minutes"], entry["title"]) == (day.number, slot.learner_minutes, slot.title)


def test_every_solution_has_a_measured_execution_time(root: Path):
    timings = agenda.load_timings(root)
    unmeasured = [p.stem for p in sorted((root / "solutions").glob("*.ipynb")) if p.stem not in timings]
    assert unmeasured == [], (
        f"no SMOKE execution time in {agenda.TIMINGS} for {unmeasured}: run `python -m helpers execute NN`."
    )


def test_every_solution_carries_facilitator_notes(root: Path):
    guide = facilitator.collect(root / "solutions", load_plan(root))
    assert guide.without_notes == [], (
        f"{guide.without_notes} have no instructor-tagged cell (common mistakes, discussion prompts, timing tips)."
    )


# --- loading and laying out a plan -------------------------------------------------------------


def test_sessions_run_notebooks_back_to_back_from_their_start(tmp_path: Path):
    days = load_plan(fake_root(tmp_path))
    day1 = days[0]
    assert [(s.name, agenda.clock(s.start), agenda.clock(s.end)) for s in day1.sessions] == [
        ("Morning", "09:00", "10:05"),
        ("Afternoon", "13:00", "13:30"),
    ]
    # 01_next names no session: it follows the previous notebook in the Morning.
    assert [(slot.notebook_id, slot.session, agenda.clock(slot.start)) for slot in day1.slots] == [
        ("00_hello", "Morning", "09:00"),
        ("01_next", "Morning", "09:20"),
        ("02_later", "Afternoon", "13:00"),
    ]
    # A day without sessions gets one that starts at 09:00.
    assert [(s.name, agenda.clock(s.start)) for s in days[1].sessions] == [("Day", "09:00")]


def test_text_plan_shows_measured_not_measured_and_planned(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path, timings={"00_hello": 12.5, "02_later": 5})
    assert agenda.main([], root) == 0
    out = capsys.readouterr().out
    lines = {line.split(" · ")[0].split()[-1]: line for line in out.splitlines() if "  0" in line}
    assert "executes in 12.5 s (SMOKE)" in lines["00_hello"]
    assert "not measured" in lines["01_next"]
    assert "executes in 5 s (SMOKE)" in lines["02_later"]
    assert "planned (no solution yet)" in lines["03_planned"]
    assert "- Say it twice" in out
    assert "Day 1 · Warm-up <and> basics · 95 min of lab work · 18 s measured for 2 of 3 notebooks" in out


def test_day_filter_and_unknown_day(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path)
    assert agenda.main(["--day", "2"], root) == 0
    out = capsys.readouterr().out
    assert "03_planned" in out and "00_hello" not in out
    assert agenda.main(["--day", "7"], root) == 2
    err = capsys.readouterr().err
    assert "there is no day 7" in err and "the days are 1, 2." in err


def test_solution_missing_from_agenda_is_reported_as_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path)
    nbformat.write(make_notebook(), root / "solutions" / "04_orphan.ipynb")
    found = problems(load_plan(root), root / "solutions")
    assert found == [
        "solutions/04_orphan.ipynb is not in helpers/course/agenda.yaml: add it under the day it is taught."
    ]
    assert agenda.main([], root) == 0
    assert "warning: solutions/04_orphan.ipynb is not in" in capsys.readouterr().err


def test_overlapping_sessions_duplicates_and_objective_counts_are_problems(tmp_path: Path):
    overfull = SMALL_AGENDA.replace("learner_minutes: 45", "learner_minutes: 300").replace(
        "objectives: [Come back, Finish]", "objectives: [Only one]"
    ).replace('id: "03_planned"', 'id: "00_hello"')
    found = problems(load_plan(fake_root(tmp_path, overfull)), tmp_path / "solutions")
    assert any("session Morning runs until 14:20, past the start of Afternoon at 13:00" in p for p in found)
    assert "02_later has 1 objectives in helpers/course/agenda.yaml; give it 2 to 4." in found
    assert "00_hello appears more than once in helpers/course/agenda.yaml: keep one entry." in found


@pytest.mark.parametrize(
    "change, message",
    [
        (('start: "13:00"', "start: 13:00"), 'write it as a quoted 24-hour time such as "09:00"'),
        (("session: Afternoon", "session: Evening"), "day 1 does not define; its sessions are Morning, Afternoon"),
        (("learner_minutes: 20\n", "\n"), "lacks learner_minutes"),
        (("days:", "weeks:"), "needs a top-level 'days:' mapping"),
    ],
)
def test_bad_agenda_is_rejected_with_the_fix(tmp_path: Path, change: tuple[str, str], message: str, capsys):
    root = fake_root(tmp_path, SMALL_AGENDA.replace(*change))
    with pytest.raises(AgendaError, match="agenda.yaml") as error:
        load_plan(root)
    assert message in str(error.value)
    assert agenda.main([], root) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("content", ["{not json", '{"00_hello": "fast"}', '{"00_hello": -1}', "[1, 2]"])
def test_bad_timings_file_is_rejected_with_the_fix(tmp_path: Path, content: str):
    root = fake_root(tmp_path)
    (root / "helpers" / "authoring" / "timings.json").write_text(content, encoding="utf-8")
    with pytest.raises(AgendaError, match=r"timings.json .*run `python -m helpers execute`"):
        load_plan(root)


def test_html_page_is_printable_escaped_and_script_free(tmp_path: Path):
    root = fake_root(tmp_path, timings={"00_hello": 12.5})
    page = tmp_path / "plan.html"
    assert agenda.main(["--html", str(page)], root) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "@media print" in text and "break-after: page" in text
    assert "<script" not in text.lower()
    assert "Warm-up &lt;and&gt; basics" in text and "<and>" not in text
    assert text.count('<section class="day">') == 2
    assert "<li>Say it twice</li>" in text and "executes in 12.5 s (SMOKE)" in text
    assert 'class="planned"' in text  # 03_planned is greyed out


# --- the facilitator guide ---------------------------------------------------------------------


def guide_notebook() -> nbformat.NotebookNode:
    return make_notebook(
        nbformat.v4.new_markdown_cell("# 00 · Hello, world\n\nObjectives."),
        instructor("Timing tip: **10 minutes** here."),
        nbformat.v4.new_markdown_cell("## The gradient"),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\n# HINT: h\nx = 1\n### END SOLUTION"),
        instructor("## Common mistakes\n- forgetting the 2/n\n```python\n# not a heading\n```"),
        nbformat.v4.new_code_cell("print('demo for the room')", metadata={"tags": ["instructor"]}),
        nbformat.v4.new_markdown_cell("## What you learned"),
    )


def test_notes_keep_their_place_in_the_notebook():
    notes = facilitator.notes_from_notebook(guide_notebook())
    assert [(n.where, n.exercise, n.cell_type) for n in notes] == [
        ("00 · Hello, world", 0, "markdown"),
        ("The gradient", 1, "markdown"),
        ("The gradient", 1, "code"),
    ]
    assert facilitator.notebook_title(guide_notebook(), "fallback") == "00 · Hello, world"


def guide_root(tmp_path: Path) -> Path:
    """A fake course whose 00_hello solution holds the instructor notes of ``guide_notebook()``."""
    root = fake_root(tmp_path)
    nbformat.write(guide_notebook(), root / "solutions" / "00_hello.ipynb")
    return root


def test_guide_collects_instructor_cells_per_notebook_in_agenda_order(tmp_path: Path):
    root = guide_root(tmp_path)
    guide_path = tmp_path / "guide.md"
    assert agenda.main(["--guide", str(guide_path)], root) == 0
    text = guide_path.read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    assert [s.splitlines()[0] for s in sections] == [
        "00 · Hello, world",
        "01 · Title of 01_next",
        "02 · Title of 02_later",
        "Planned notebooks (no solution yet)",
    ]
    hello = sections[0]
    assert "*Day 1 · Morning · 09:00-09:20 · about 20 min for learners · `solutions/00_hello.ipynb`*" in hello
    assert "Timing tip: **10 minutes** here." in hello
    assert "**Note at “The gradient”, after exercise 1**" in hello
    assert "#### Common mistakes" in hello  # the note's heading sits below the section heading
    assert "# not a heading" in hello  # code fences are left alone
    assert "```python\nprint('demo for the room')\n```" in hello
    assert "No facilitator notes in this notebook yet." in sections[1]
    assert "- 03_planned" in sections[3]
    # Learner cells never reach the guide.
    assert "Objectives." not in text and "x = 1" not in text


def test_guide_summary_names_notebooks_without_notes(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = guide_root(tmp_path)
    assert agenda.main(["--day", "1", "--guide", str(tmp_path / "g.md")], root) == 0
    assert "(3 notes from 3 notebooks; no notes yet in 01_next, 02_later)" in capsys.readouterr().out


def test_guide_as_html_is_a_printable_page(tmp_path: Path):
    root = guide_root(tmp_path)
    page = tmp_path / "guide.html"
    assert agenda.main(["--guide", str(page)], root) == 0
    text = page.read_text(encoding="utf-8")
    assert "<h2>00 · Hello, world</h2>" in text
    assert "<strong>10 minutes</strong>" in text
    assert "@media print" in text and "<script" not in text.lower()
