"""The shape of an exercise in a solution notebook, checked: :func:`problems` lists what is off.

An exercise's markdown (README, "Notebook conventions") gives its hints in tiers, so that a learner is
nudged before being told:

1. a nudge, visible: the ``*Hint:*`` sentence and the region's ``# HINT:`` line (the lab's TODO comment);
2. ``<details><summary>A closer hint</summary>``: API names, a skeleton, collapsed;
3. the answer, collapsed in a cell that build-labs generates after the exercise
   (:func:`helpers.course.labs.answer_cell`).

Nothing visible may give away a line of the answer. Every notebook also has at least one exercise in
which the learner designs something (:data:`DESIGN_LINES` lines of code or more), and every stored
figure has a text equivalent in its cell (README, "Accessible figures").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

from helpers.course.labs import BEGIN, END, HINT

HEADING = re.compile(r"^###\s+Exercises?\s+(?P<numbers>\d+(?:\s*(?:,|and|&)\s*\d+)*)\s*·", re.MULTILINE)
NUDGE = "*Hint:*"
CLOSER = "<details><summary>A closer hint</summary>"
DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL)
DESIGN_LINES = 5  # a function of 5-15 lines, a pipeline, a decision with its reasons
GIVEAWAY_CHARS = 12  # an answer line this long (whitespace ignored) must not appear in a visible hint
GIVEAWAY_EXPRESSION_CHARS = 8  # nor the expression a line assigns or returns, from this length
DECORATIVE_TAG = "decorative"  # a figure that carries no lesson needs no text equivalent
IMAGES = ("image/png", "image/svg+xml", "image/jpeg")
WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class ExerciseText:
    """One solution region and the markdown that introduces it."""

    number: int
    cell: int  # index of the code cell holding the region
    hint_line: str  # the region's ``# HINT:`` text: the lab's TODO comment
    answer: tuple[str, ...]  # the region's code lines, comments and blank lines left out
    markdown: str  # every markdown cell from the exercise's heading down to its code cell, joined
    heading_numbers: tuple[int, ...]  # the numbers its heading names; () when no heading was found


def regions(source: str) -> list[tuple[str, list[str]]]:
    """The solution regions of a cell: ``(hint, code lines)`` each, comments and blank lines dropped."""
    found: list[tuple[str, list[str]]] = []
    region: list[str] | None = None
    for line in source.splitlines():
        if BEGIN.match(line):
            region = []
        elif END.match(line) and region is not None:
            hints = [m.group("hint") for m in map(HINT.match, region) if m]
            code = [l for l in region if l.strip() and not l.strip().startswith("#")]
            found.append((hints[0] if hints else "", code))
            region = None
        elif region is not None:
            region.append(line)
    return found


def exercises(notebook: nbformat.NotebookNode) -> list[ExerciseText]:
    """Every exercise of a solution notebook, numbered as build-labs numbers them."""
    found: list[ExerciseText] = []
    number = 1
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for hint, code in regions(cell.source):
            markdown, numbers = _introduction(notebook.cells, index)
            found.append(ExerciseText(number, index, hint, tuple(code), markdown, numbers))
            number += 1
    return found


def _introduction(cells: list, code_index: int) -> tuple[str, tuple[int, ...]]:
    """The markdown from the nearest ``### Exercise N ·`` heading above a code cell down to it."""
    texts: list[str] = []
    for cell in reversed(cells[:code_index]):
        if cell.cell_type != "markdown":
            continue
        texts.insert(0, cell.source)
        heading = HEADING.search(cell.source)
        if heading:
            return "\n\n".join(texts), tuple(int(n) for n in re.findall(r"\d+", heading.group("numbers")))
    return "", ()


def visible(markdown: str) -> str:
    """What a learner reads without clicking: the markdown with its ``<details>`` blocks taken out."""
    return DETAILS.sub("", markdown)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def giveaways(text: str, answer: tuple[str, ...]) -> list[str]:
    """The answer lines (or the expressions they assign or return) that ``text`` spells out."""
    squeezed = _squeeze(text)
    found = []
    for line in answer:
        whole = _squeeze(line)
        if re.search(r"[(\[{]+$", whole):
            continue  # `model = Pipeline([` opens a call across lines: it names a function, nothing more
        expression = _squeeze(re.sub(r"^\s*(?:return\b|[\w\[\]\"'., ]+?(?<![=!<>])=(?!=))", "", line, count=1))
        if re.fullmatch(r"[\w,()]*", expression):
            expression = ""  # `return first, last` says what to return: the exercise's own words
        if (len(whole) >= GIVEAWAY_CHARS and whole in squeezed) or (
            len(expression) >= GIVEAWAY_EXPRESSION_CHARS and expression in squeezed
        ):
            found.append(line.strip())
    return found


def problems(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """What is off with the exercises of one solution notebook; ``[]`` when nothing is."""
    found: list[str] = []
    listed = exercises(notebook)
    for exercise in listed:
        where = f"{name} exercise {exercise.number} (cell {exercise.cell})"
        if exercise.number not in exercise.heading_numbers:
            found.append(f"{where}: no '### Exercise {exercise.number} · <title>' heading above it")
            continue
        shown = visible(exercise.markdown)
        if NUDGE not in shown:
            found.append(f"{where}: no visible '{NUDGE}' nudge in its markdown")
        if CLOSER not in exercise.markdown:
            found.append(f"{where}: no collapsed closer hint ('{CLOSER} ... </details>')")
        for text, place in ((shown, "its markdown"), (exercise.hint_line, "its # HINT: line")):
            for line in giveaways(text, exercise.answer):
                found.append(f"{where}: {place} gives away the answer line {line!r}: nudge instead")
    longest = max((len(e.answer) for e in listed), default=0)
    if longest < DESIGN_LINES:
        found.append(
            f"{name}: no exercise where the learner designs something (the longest answer has {longest} "
            f"lines of code; one needs {DESIGN_LINES} or more: a function, a pipeline, a decision with reasons)"
        )
    return found


def figure_problems(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Stored figures without a text equivalent in their cell (widgets and ``decorative`` cells aside)."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or DECORATIVE_TAG in cell.metadata.get("tags", []):
            continue
        outputs = cell.get("outputs", [])
        if any(WIDGET in output.get("data", {}) for output in outputs):
            continue  # a widget is tested in Python and in the browser, not through stored text
        images = [o for o in outputs if any(kind in o.get("data", {}) for kind in IMAGES)]
        if images and not any(_is_text(o) for o in outputs):
            found.append(f"{name} cell {index}: a figure with no text equivalent printed in its cell")
    return found


def _is_text(output: dict) -> bool:
    if output.get("output_type") == "stream":
        return bool(output.get("text", "").strip())
    data = output.get("data", {})
    if any(kind in data for kind in IMAGES):
        return False  # the figure's own text/plain is "<Figure size 640x480 with 1 Axes>", not words
    return any(data.get(kind) for kind in ("text/markdown", "text/html", "text/plain"))
