"""The agenda (one source for the three-day plan), its linter, re-timing, and the facilitator guide."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import learning_record
from helpers.authoring import agenda, facilitator
from helpers.authoring.agenda import AgendaError, clock, load_agenda, problems
from helpers.course.notebook import notebook_entry

SMALL_AGENDA = """
# A comment the re-timing keeps.
days:
  1:
    theme: Warm-up <and> basics
    start: "09:00"
    end: "12:00"
    notebooks:
      - id: "00_hello"
        title: Hello
        learner_minutes: 20  # shown at the top of the notebook
        objectives: [Say hello, Say it twice]
      - id: "01_next"
        title: Next step
        learner_minutes: 60
        objectives: [Go on, Go further]
        parts:
          - {heading: "1 · Start", minutes: 30, exercises: [1]}
          - {heading: "2 · More", minutes: 30, extension: true, exercises: [2]}
    slots:
      - {kind: talk, title: Hi, minutes: 10, points: [Welcome everyone]}
      - {kind: notebook, id: "00_hello"}
      - {kind: break, minutes: 15}
      - {kind: notebook, id: "01_next"}
      - {kind: quiz, quiz: day1, minutes: 10}
      - {kind: present, title: Show, minutes: 10, points: [Five minutes a team]}
  2:
    theme: Second day
    notebooks:
      - id: "03_planned"
        title: Not written yet
        learner_minutes: 60
        objectives: [Plan, Write]
"""

QUIZ = """
title: Day one check
questions:
  - prompt: Which is a business metric?
    options:
      - text: Accuracy
        why: It measures the model.
      - text: Fraud losses per month
        why: The business counts money.
    answer: b
"""


def make_notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


def instructor(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata={"tags": ["instructor"]})


def exercise() -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell("### BEGIN SOLUTION\n# HINT: h\nx = 1\n### END SOLUTION")


def next_notebook() -> nbformat.NotebookNode:
    """01_next: two `##` sections with one exercise each, as the small agenda's parts say."""
    return make_notebook(
        nbformat.v4.new_markdown_cell("# 01 · Next step\n\nIntro."),
        nbformat.v4.new_markdown_cell("## 1 · Start"),
        exercise(),
        nbformat.v4.new_markdown_cell("## 2 · [More](glossary.md#more)"),  # a glossary link in a heading
        exercise(),
        nbformat.v4.new_code_cell('day1 = quiz.load("day1")'),
    )


def fake_root(tmp_path: Path, agenda_text: str = SMALL_AGENDA, timings: dict | None = None) -> Path:
    for folder in ("helpers/course", "helpers/authoring", "helpers/quizzes", "solutions"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "helpers" / "course" / "agenda.yaml").write_text(textwrap.dedent(agenda_text), encoding="utf-8")
    (tmp_path / "helpers" / "quizzes" / "day1.yaml").write_text(QUIZ, encoding="utf-8")
    if timings is not None:
        (tmp_path / "helpers" / "authoring" / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
    hello = make_notebook(nbformat.v4.new_markdown_cell("# 00 · Hello, world\n\nObjectives."))
    nbformat.write(hello, tmp_path / "solutions" / "00_hello.ipynb")
    nbformat.write(next_notebook(), tmp_path / "solutions" / "01_next.ipynb")
    return tmp_path


def lint(tmp_path: Path, text: str = SMALL_AGENDA) -> list[str]:
    root = fake_root(tmp_path, text)
    return problems(load_agenda(root), root)


# --- the real agenda --------------------------------------------------------------------------


def test_the_real_plan_passes_its_linter(root: Path, capsys: pytest.CaptureFixture):
    # Agenda entries without a solution yet are fine ("planned"); solutions missing from it are not.
    found = problems(load_agenda(root), root)
    assert found == [], "\n".join(found)
    assert agenda.main(["--check"], root) == 0
    assert "the plan fits" in capsys.readouterr().out


def test_the_real_days_have_breaks_lunch_talks_and_the_team_slots(root: Path):
    days = load_agenda(root).days
    for day in days:
        kinds = [slot.kind for slot in day.slots]
        assert kinds[0] == "talk" and "lunch" in kinds and kinds.count("break") >= 2, (day.number, kinds)
        assert clock(day.slots[-1].end) >= "16:30", f"day {day.number} ends at {clock(day.slots[-1].end)}"
    assert "build" in [s.kind for s in days[1].slots]
    capstone = [s.position for s in days[2].slots if s.notebook_id == "10_capstone"][0]
    assert days[2].slots[capstone - 2].kind == "talk"  # a talk opens the capstone
    assert "present" in [s.kind for s in days[2].slots]


def test_notebook_05_keeps_factorization_machines_onwards_as_extension(root: Path):
    notebook = next(nb for nb in load_agenda(root).notebooks if nb.notebook_id == "05_builtin_algorithms")
    slots = load_agenda(root).slots_of("05_builtin_algorithms")
    assert notebook.core_minutes <= sum(s.minutes for s in slots)
    assert [e for p in notebook.extension for e in p.exercises] == [6, 7]


def test_notebooks_show_the_time_estimate_the_agenda_prints(root: Path):
    for notebook in load_agenda(root).notebooks:
        number, entry = notebook_entry(notebook.notebook_id)
        assert (number, entry["learner_minutes"], entry["title"]) == (
            notebook.day, notebook.learner_minutes, notebook.title
        )


def test_every_solution_has_a_measured_execution_time(root: Path):
    timings = agenda.load_timings(root)
    unmeasured = [p.stem for p in sorted((root / "solutions").glob("*.ipynb")) if p.stem not in timings]
    assert unmeasured == [], (
        f"no SMOKE execution time in {agenda.TIMINGS} for {unmeasured}: run `python -m helpers execute NN`."
    )


def test_every_solution_carries_facilitator_notes(root: Path):
    guide = facilitator.collect(root, load_agenda(root).days)
    assert guide.without_notes == [], (
        f"{guide.without_notes} have no instructor-tagged cell (common mistakes, discussion prompts, timing tips)."
    )


# --- loading and laying out a plan -------------------------------------------------------------


def test_slots_run_back_to_back_unless_they_give_a_start(tmp_path: Path):
    days = load_agenda(fake_root(tmp_path)).days
    assert [(s.kind, clock(s.start), clock(s.end)) for s in days[0].slots] == [
        ("talk", "09:00", "09:10"),
        ("notebook", "09:10", "09:30"),  # learner_minutes: no parts, so the whole notebook is core
        ("break", "09:30", "09:45"),
        ("notebook", "09:45", "10:15"),  # the core part only: the extension is homework
        ("quiz", "10:15", "10:25"),
        ("present", "10:25", "10:35"),
    ]
    # A day without slots runs its notebooks back to back from its start.
    assert [(s.notebook_id, clock(s.start)) for s in days[1].slots] == [("03_planned", "09:00")]
    fixed = SMALL_AGENDA.replace("{kind: break, minutes: 15}", '{kind: break, start: "10:00", minutes: 15}')
    slots = load_agenda(fake_root(tmp_path / "fixed", fixed)).days[0].slots
    assert [(s.kind, clock(s.start), s.fixed) for s in slots[2:4]] == [("break", "10:00", True), ("notebook", "10:15", False)]
    assert "  09:30-10:00  (free: 30 min)\n  10:00-10:15  break" in agenda.render_text([load_agenda(tmp_path / "fixed").days[0]])


def test_a_notebook_split_over_slots_is_numbered(tmp_path: Path):
    split = SMALL_AGENDA.replace(
        '{kind: notebook, id: "01_next"}',
        '{kind: notebook, id: "01_next", minutes: 10}\n      - {kind: notebook, id: "01_next", minutes: 20}',
    )
    slots = load_agenda(fake_root(tmp_path, split)).slots_of("01_next")
    assert [(s.piece, s.minutes) for s in slots] == [((1, 2), 10), ((2, 2), 20)]
    assert "01_next (2/2) · Next step · 20 min here, 30 min core + 30 min extension in all" in agenda.render_text(
        load_agenda(tmp_path).days
    )


@pytest.mark.parametrize(
    "change, message",
    [
        # unknown slot kind
        (("kind: present", "kind: show"), "day 1 slot 6 (show Show, 10:25): unknown kind 'show'; use one of notebook, talk"),
        # overlap: a fixed start before the previous slot ends
        (("{kind: break, minutes: 15}", '{kind: break, start: "09:20", minutes: 15}'),
         "day 1 slot 2 (notebook 00_hello, 09:10) runs until 09:30, past the start of day 1 slot 3 (break, 09:20): "
         "shorten it by 10 min"),
        # past midnight
        (('start: "09:00"\n    end: "12:00"', 'start: "23:30"\n    end: "23:59"'), "runs past midnight: end the day before 24:00"),
        # a day over its length
        (('end: "12:00"', 'end: "10:00"'), "day 1 runs until 10:35, past its end at 10:00 (35 min over)"),
        # a block over 90 minutes with no break
        (("{kind: break, minutes: 15}", "{kind: team-up, title: Teams, minutes: 15, points: [Pick a problem]}"),
         "day 1: 09:00-10:35 is 95 min without a break (from day 1 slot 1 (talk Hi, 09:00) to day 1 slot 6 "
         "(present Show, 10:25)); put a break within every 90 min."),
        # a notebook whose core does not fit its slot
        (('{kind: notebook, id: "01_next"}', '{kind: notebook, id: "01_next", minutes: 20}'),
         "01_next: its core parts need 30 min but day 1 slot 4 (notebook 01_next, 09:45) gives 20: lengthen the slot, "
         "or move parts to `extension: true`"),
        # a notebook without parts whose learner_minutes outgrow its slot
        (('{kind: notebook, id: "00_hello"}', '{kind: notebook, id: "00_hello", minutes: 15}'),
         "00_hello: its learner_minutes (no parts: the whole notebook is core) need 20 min but day 1 slot 2 "
         "(notebook 00_hello, 09:10) gives 15"),
        # a part naming a heading the notebook does not have
        (('heading: "1 · Start"', 'heading: "1 · Begin"'),
         "01_next: part '1 · Begin' names no `##` heading of solutions/01_next.ipynb; use one of: 1 · Start; 2 · More."),
        # exercises of the core missing from the part
        (("minutes: 30, exercises: [1]}", "minutes: 30}"),
         "01_next: core part '1 · Start' lists exercises [], but the notebook has [1] there (of 2): write `exercises: [1]`."),
        # a kind's required key missing
        ((", points: [Welcome everyone]", ""), "day 1 slot 1 (talk Hi, 09:00): a talk slot needs `points:`"),
        # a quiz slot naming a quiz that does not exist
        (("quiz: day1", "quiz: day9"), "there is no quiz helpers/quizzes/day9.yaml; write it or name another quiz."),
        # a notebook in the day's list but in none of its slots
        (('      - {kind: notebook, id: "00_hello"}\n', ""), "00_hello is in day 1's notebooks but in none of its slots"),
    ],
)
def test_each_lint_rule_names_the_slot_and_the_fix(tmp_path: Path, change: tuple[str, str], message: str):
    assert change[0] in SMALL_AGENDA
    assert lint(tmp_path / "good") == []  # the agenda before the change is clean ...
    found = lint(tmp_path / "bad", SMALL_AGENDA.replace(*change))
    assert any(message in problem for problem in found), "\n".join(found)  # ... and the change is caught


def test_check_exits_1_and_prints_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path, SMALL_AGENDA.replace('end: "12:00"', 'end: "10:00"'))
    assert agenda.main(["--check"], root) == 1
    captured = capsys.readouterr()
    assert "agenda: day 1 runs until 10:35" in captured.err and "1 problem(s)" in captured.out


def test_solutions_missing_duplicates_and_objective_counts_are_problems(tmp_path: Path, capsys):
    text = SMALL_AGENDA.replace("objectives: [Go on, Go further]", "objectives: [Only one]").replace(
        'id: "03_planned"', 'id: "00_hello"'
    )
    root = fake_root(tmp_path, text)
    nbformat.write(make_notebook(), root / "solutions" / "04_orphan.ipynb")
    found = problems(load_agenda(root), root)
    assert "solutions/04_orphan.ipynb is not in helpers/course/agenda.yaml: add it under the day it is taught." in found
    assert "01_next has 1 objectives in helpers/course/agenda.yaml; give it 2 to 4." in found
    assert "00_hello appears more than once in helpers/course/agenda.yaml: keep one entry." in found
    assert agenda.main([], root) == 0
    assert "warning: solutions/04_orphan.ipynb is not in" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change, message",
    [
        (('start: "09:00"', "start: 9:30"), 'write it as a quoted 24-hour time such as "09:00"'),  # YAML: 570
        (('id: "00_hello"}', 'id: "00_gone"}'), "names notebook '00_gone', which is not in day 1's `notebooks:` list"),
        (("{kind: break, minutes: 15}", "{kind: break}"), "day 1 slot 3 (break) needs `minutes:`"),
        (("{kind: break, minutes: 15}", "{kind: break, minute: 15}"),
         "day 1 slot 3 has unknown key(s) minute; a slot takes id, kind, minutes, points, quiz, start, title."),
        (("learner_minutes: 20", "learner_minutes: -5"), "00_hello has minutes -5; give a whole number of minutes"),
        (("learner_minutes: 20  # shown at the top of the notebook\n", "\n"), "lacks learner_minutes"),
        (("days:", "weeks:"), "needs a top-level 'days:' mapping"),
    ],
)
def test_an_agenda_that_cannot_be_laid_out_is_rejected_with_the_fix(tmp_path: Path, change, message, capsys):
    root = fake_root(tmp_path, SMALL_AGENDA.replace(*change))
    with pytest.raises(AgendaError, match="agenda.yaml") as error:
        load_agenda(root)
    assert message in str(error.value)
    assert agenda.main([], root) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("content", ["{not json", '{"00_hello": "fast"}', '{"00_hello": -1}', "[1, 2]"])
def test_bad_timings_file_is_rejected_with_the_fix(tmp_path: Path, content: str):
    root = fake_root(tmp_path)
    (root / "helpers" / "authoring" / "timings.json").write_text(content, encoding="utf-8")
    with pytest.raises(AgendaError, match=r"timings.json .*run `python -m helpers execute`"):
        load_agenda(root)


# --- the printed plan --------------------------------------------------------------------------


def test_text_plan_shows_clock_times_kinds_parts_and_measurements(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path, timings={"00_hello": 12.5})
    assert agenda.main([], root) == 0
    lines = capsys.readouterr().out.splitlines()
    text = "\n".join(lines)
    assert ("Day 1 · Warm-up <and> basics · 09:00-12:00 · 50 min of notebooks · 15 min of breaks and lunch · "
            "10 talk, 10 quiz, 10 present (min) · 12 s measured for 1 of 2 notebooks") in text
    assert "  09:00-09:10  talk      Hi · 10 min" in lines
    assert any(line.startswith("  09:10-09:30  notebook  00_hello · Hello · 20 min · executes in 12.5 s (SMOKE)")
               for line in lines)
    assert "  09:30-09:45  break     Break · 15 min" in lines
    assert "01_next · Next step · 30 min core + 30 min extension · not measured" in text
    assert "core: 1 · Start (30 min, ex 1)" in text
    assert "extension (homework / fast finishers): 2 · More (30 min, ex 2)" in text
    assert "10:15-10:25  quiz      Knowledge check (quiz day1) · 10 min" in text
    assert "- Welcome everyone" in text and "- Say it twice" in text
    assert "03_planned · Not written yet · 60 min · planned (no solution yet)" in text


def test_day_filter_and_unknown_day(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path)
    assert agenda.main(["--day", "2"], root) == 0
    out = capsys.readouterr().out
    assert "03_planned" in out and "00_hello" not in out
    assert agenda.main(["--day", "7"], root) == 2
    err = capsys.readouterr().err
    assert "there is no day 7" in err and "the days are 1, 2." in err


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
    assert '<tr class="rest"><td class="num">09:30-09:45</td><td>break</td>' in text
    assert "<li>extension (homework / fast finishers): 2 · More (30 min, ex 2)</li>" in text
    assert 'class="planned"' in text  # 03_planned is greyed out


# --- re-timing from measured minutes -------------------------------------------------------------


class StubRoom:
    """What helpers.learning_record.merge(paths) answers: the room's minutes per lab."""

    def __init__(self, minutes: dict[str, float]):
        self.minutes = minutes
        self.sources = ["pilot: scripted runs, not learner data"]
        self.errors = ["c.json: not a progress export."]

    def lab_minutes(self, lab: str, quantile: float = 0.8) -> float | None:
        assert quantile == 0.8
        return self.minutes.get(lab)


@pytest.fixture
def room(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """Two exported progress files and a stub learning_record whose merge() answers measured minutes."""
    files = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in files:
        path.write_text("{}", encoding="utf-8")
    def merge(paths):
        assert list(paths) == files
        return StubRoom({"00_hello": 41.6, "01_next": 40})

    monkeypatch.setattr(learning_record, "merge", merge)
    return files


def test_retime_replaces_minutes_by_the_room_p80_and_flags_what_no_longer_fits(tmp_path, room, capsys):
    root = fake_root(tmp_path / "course")
    assert agenda.main(["--retime", *map(str, room)], root) == 0
    captured = capsys.readouterr()
    assert "The files say they are: pilot: scripted runs, not learner data." in captured.out
    assert "agenda: skipped: c.json: not a progress export." in captured.err
    table = captured.out.split("\n\n")[1].splitlines()
    assert table[1].split() == ["00_hello", "20", "42", "42/42", "p80", "of", "2", "files", "(a.json,", "b.json)"]
    # 01_next's parts keep their share (30 of 60 -> 20 of 40).
    assert table[2].split()[:4] == ["01_next", "60", "40", "20/20"]
    assert "03_planned" in table[3] and "nobody completed it in 2 files (a.json, b.json): kept" in table[3]
    assert "09:10-09:52  notebook  00_hello · Hello · 42 min" in captured.out  # the plan, re-laid out
    assert "Every slot still fits." in captured.out and "after re-timing" not in captured.err
    assert (root / "helpers/course/agenda.yaml").read_text(encoding="utf-8") == textwrap.dedent(SMALL_AGENDA)


def test_retime_reads_the_shipped_pilot_files_with_every_notebook_measured(root: Path, capsys):
    files = sorted((root / "helpers" / "course" / "pilot").glob("pilot-*.json"))
    before = (root / agenda.AGENDA).read_text(encoding="utf-8")
    assert agenda.main(["--retime", *map(str, files)], root) == 0
    out = capsys.readouterr().out
    assert "The files say they are: pilot: scripted runs" in out  # labelled as such, never as learner data
    room = learning_record.merge(files)
    rows = {line.split()[0]: line.split() for line in out.split("\n\n")[1].splitlines()[1:]}
    for notebook in load_agenda(root).notebooks:
        p80 = room.lab_minutes(notebook.notebook_id, quantile=0.8)
        assert p80 is not None, f"no pilot time for {notebook.notebook_id}"
        assert rows[notebook.notebook_id][1:3] == [str(notebook.learner_minutes), str(round(p80))]
    assert (root / agenda.AGENDA).read_text(encoding="utf-8") == before  # no --write, no change


def test_retime_flags_a_slot_the_measured_minutes_outgrow(tmp_path, room, capsys):
    fixed = SMALL_AGENDA.replace('{kind: notebook, id: "00_hello"}', '{kind: notebook, id: "00_hello", minutes: 20}')
    root = fake_root(tmp_path / "course", fixed)
    assert agenda.main(["--retime", *map(str, room)], root) == 0
    captured = capsys.readouterr()
    assert "42/20 !" in captured.out
    assert "agenda: after re-timing: 00_hello: its learner_minutes (no parts: the whole notebook is core) need 42 min" in (
        captured.err
    )


def test_retime_write_changes_only_the_numbers(tmp_path, room, capsys):
    root = fake_root(tmp_path / "course")
    assert agenda.main(["--retime", *map(str, room), "--write"], root) == 0
    text = (root / "helpers/course/agenda.yaml").read_text(encoding="utf-8")
    expected = (
        textwrap.dedent(SMALL_AGENDA)
        .replace("learner_minutes: 20  #", "learner_minutes: 42  #")
        .replace("learner_minutes: 60\n        objectives: [Go on", "learner_minutes: 40\n        objectives: [Go on")
        .replace('"1 · Start", minutes: 30', '"1 · Start", minutes: 20')
        .replace('"2 · More", minutes: 30', '"2 · More", minutes: 20')
    )
    assert text == expected  # comments, order, slots and the unmeasured 03_planned kept byte for byte
    assert "wrote the minutes of 2 notebooks (and their parts)" in capsys.readouterr().out
    assert load_agenda(root).slots_of("01_next")[0].minutes == 20  # what --retime printed is what is written


def test_retime_without_files_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = fake_root(tmp_path)
    assert agenda.main(["--write"], root) == 2
    assert "--write goes with --retime" in capsys.readouterr().err
    assert agenda.main(["--retime", str(tmp_path / "nope.json")], root) == 2
    assert "no such progress file: " in capsys.readouterr().err


def test_write_minutes_refuses_an_entry_it_cannot_edit():
    text = textwrap.dedent(SMALL_AGENDA)
    with pytest.raises(AgendaError, match="cannot find the minutes of 09_gone to rewrite"):
        agenda.write_minutes(text, {"09_gone": agenda.NewMinutes(5)})
    block_style = text.replace('- {heading: "1 · Start", minutes: 30, exercises: [1]}',
                               '- heading: "1 · Start"\n            minutes: 30\n            exercises: [1]')
    with pytest.raises(AgendaError, match="cannot find the minutes of 01_next .* each part on one line"):
        agenda.write_minutes(block_style, {"01_next": agenda.NewMinutes(40, (20, 20))})


# --- the facilitator guide ---------------------------------------------------------------------


def guide_notebook() -> nbformat.NotebookNode:
    return make_notebook(
        nbformat.v4.new_markdown_cell("# 00 · Hello, world\n\nObjectives."),
        instructor("Timing tip: **10 minutes** here."),
        nbformat.v4.new_markdown_cell("## The gradient"),
        exercise(),
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


def guide_root(tmp_path: Path, rubric: str | None = None) -> Path:
    """A fake course whose 00_hello solution holds the instructor notes of ``guide_notebook()``."""
    root = fake_root(tmp_path)
    nbformat.write(guide_notebook(), root / "solutions" / "00_hello.ipynb")
    if rubric is not None:
        (root / "helpers" / "capstone").mkdir()
        (root / "helpers" / "capstone" / "rubric.yaml").write_text(rubric, encoding="utf-8")
    return root


def write_guide(root: Path, *args: str) -> str:
    path = root / "guide.md"
    assert agenda.main([*args, "--guide", str(path)], root) == 0
    return path.read_text(encoding="utf-8")


def test_guide_follows_the_day_slot_by_slot(tmp_path: Path):
    text = write_guide(guide_root(tmp_path))
    headings = [line for line in text.splitlines() if line.startswith(("## ", "### "))]
    assert headings == [
        "## Day 1 · Warm-up <and> basics (09:00-12:00)",
        "### 09:00-09:10 · talk · Hi",
        "### 09:10-09:30 · notebook · 00 · Hello, world",
        "### 09:45-10:15 · notebook · 01 · Next step",
        "### 10:15-10:25 · quiz · Knowledge check",
        "### 10:25-10:35 · present · Show",
        "## Day 2 · Second day (09:00-17:00)",
        "## Planned notebooks (no solution yet)",
    ]
    assert "- Welcome everyone" in text and "*09:30-09:45 · break*" in text
    hello = text.split("### 09:10-09:30")[1].split("### 09:45")[0]
    assert "*09:10, 20 min · about 20 min for learners · `solutions/00_hello.ipynb`*" in hello
    assert "Timing tip: **10 minutes** here." in hello
    assert "**Note at “The gradient”, after exercise 1**" in hello
    assert "#### Common mistakes" in hello  # the note's own heading, below the slot's
    assert "# not a heading" in hello  # code fences are left alone
    assert "```python\nprint('demo for the room')\n```" in hello
    assert "x = 1" not in text and "Objectives." not in text  # learner cells never reach the guide
    nxt = text.split("### 09:45-10:15")[1]
    assert "No facilitator notes in this notebook yet." in nxt
    assert "Core: 1 · Start (30 min).\nExtension (homework / fast finishers): 2 · More (30 min)." in nxt


def test_guide_prints_quiz_keys_after_each_notebook_and_says_when_there_is_none(tmp_path: Path):
    text = write_guide(guide_root(tmp_path))
    hello = text.split("### 09:10-09:30")[1].split("### 09:45")[0]
    assert "**Quiz 00**: no quiz yet (`helpers/quizzes/00.yaml`)." in hello
    nxt = text.split("### 09:45-10:15")[1].split("### 10:15")[0]
    # its own quiz (01: none yet), then the quiz its cells load
    key = "1. Which is a business metric? → **b** Fraud losses per month Why: The business counts money."
    assert "**Quiz 01**: no quiz yet" in nxt and "**Quiz day1 · Day one check: answer keys**" in nxt and key in nxt
    assert key in text.split("### 10:15-10:25 · quiz")[1]  # and the quiz slot shows its keys


RUBRIC = """
intro: Score each criterion.
levels: [missing, proficient]
criteria:
  - name: Business metric
    weight: 2
    levels: {missing: No unit., proficient: In money against a baseline.}
    evidence: The problem slide.
"""


def test_guide_shows_the_capstone_rubric_at_the_presentations_when_it_exists(tmp_path: Path):
    without = write_guide(guide_root(tmp_path / "a"))
    assert "No capstone rubric yet (`helpers/capstone/rubric.yaml`)." in without
    text = write_guide(guide_root(tmp_path / "b", RUBRIC)).split("### 10:25-10:35 · present · Show")[1]
    assert "- Five minutes a team" in text and "#### Capstone rubric" in text
    assert "##### Business metric (weight 2)" in text and "| proficient | In money against a baseline. |" in text
    broken = write_guide(guide_root(tmp_path / "c", RUBRIC.replace("proficient]", "proficient, exemplary]")))
    assert "*helpers/capstone/rubric.yaml cannot be read: rubric.yaml: criterion 'Business metric' has levels" in broken


def test_guide_summary_names_notebooks_without_notes(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = guide_root(tmp_path)
    assert agenda.main(["--day", "1", "--guide", str(tmp_path / "g.md")], root) == 0
    assert "(3 notes from 2 notebooks, 1 quiz answer keys; no notes yet in 01_next)" in capsys.readouterr().out


def test_guide_as_html_is_a_printable_page(tmp_path: Path):
    root = guide_root(tmp_path)
    page = tmp_path / "guide.html"
    assert agenda.main(["--guide", str(page)], root) == 0
    text = page.read_text(encoding="utf-8")
    assert "<h3>09:10-09:30 · notebook · 00 · Hello, world</h3>" in text
    assert "<strong>10 minutes</strong>" in text
    assert "@media print" in text and "<script" not in text.lower()
