"""``CONCEPTS.md``: which concept of the source material is taught where, and how it is exercised.

The map is a markdown table written for instructors; this module reads it back so a test can fail
when a listed concept loses its notebook section, its exercise or its quiz question. A row reads::

    | Concept | Source | Taught in | Exercised by |
    | Labels and agreement | ML process | 01 § 5 · Labels: where the right answers come from | 01 ex 4; quiz day1 "Three annotators" |

* **Taught in**: ``NN § <heading>``, the exact text of a ``##`` or ``###`` heading of
  ``solutions/NN_*.ipynb``, several separated by ``;``; ``—`` when not taught yet.
* **Exercised by**: ``NN ex K`` (exercise K of that notebook) or ``quiz <name> "<prompt start>"``
  (a question of ``helpers/quizzes/<name>.yaml``), separated by ``;``; ``—`` when not exercised yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

NONE = "—"
SECTION = re.compile(r"^(?P<nb>\d\d) § (?P<heading>.+)$")
EXERCISE = re.compile(r"^(?P<nb>\d\d) ex (?P<number>\d+)$")
QUIZ = re.compile(r'^quiz (?P<name>[a-z0-9_]+) "(?P<prompt>[^"]+)"$')
HEADING = re.compile(r"^#{2,3} (?P<text>.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Concept:
    name: str
    source: str
    taught: tuple[str, ...]  # "NN § heading" references; () when not taught yet
    exercised: tuple[str, ...]  # "NN ex K" / 'quiz day1 "..."' references; () when not exercised yet


def _refs(cell: str) -> tuple[str, ...]:
    cell = cell.strip()
    return () if cell in {NONE, ""} else tuple(part.strip() for part in cell.split(";") if part.strip())


def read(text: str) -> list[Concept]:
    """The rows of every concept table in ``text`` (a table is one whose header starts ``| Concept |``)."""
    concepts: list[Concept] = []
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            in_table = False
        elif cells[0] == "Concept":
            in_table = True
        elif in_table and not set("".join(cells)) <= set("-: "):
            if len(cells) != 4:
                raise ValueError(f"CONCEPTS.md: the row {line.strip()!r} needs 4 cells (concept, source, taught in, exercised by)")
            concepts.append(Concept(cells[0], cells[1], _refs(cells[2]), _refs(cells[3])))
    return concepts


def _notebook(root: Path, number: str) -> nbformat.NotebookNode | None:
    found = sorted((root / "solutions").glob(f"{number}_*.ipynb"))
    return nbformat.read(found[0], as_version=4) if found else None


def _headings(notebook: nbformat.NotebookNode) -> set[str]:
    return {m.group("text") for c in notebook.cells if c.cell_type == "markdown" for m in HEADING.finditer(c.source)}


def _prompts(root: Path, name: str) -> list[str] | None:
    import yaml

    path = root / "helpers" / "quizzes" / f"{name}.yaml"
    if not path.exists():
        return None
    return [str(q.get("prompt", "")) for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]


def problems(concepts: list[Concept], root: Path) -> list[str]:
    """Every reference in the map that no longer points at a section, an exercise or a question."""
    found = []
    for concept in concepts:
        for ref in concept.taught:
            match = SECTION.match(ref)
            notebook = _notebook(root, match.group("nb")) if match else None
            if not match:
                found.append(f"{concept.name}: 'Taught in' reference {ref!r} is not 'NN § <heading>'")
            elif notebook is None:
                found.append(f"{concept.name}: no notebook solutions/{match.group('nb')}_*.ipynb for {ref!r}")
            elif match.group("heading") not in _headings(notebook):
                found.append(f"{concept.name}: solutions/{match.group('nb')} has no section {match.group('heading')!r}")
        for ref in concept.exercised:
            exercise, quiz = EXERCISE.match(ref), QUIZ.match(ref)
            if exercise:
                notebook = _notebook(root, exercise.group("nb"))
                wanted = f"Exercise {exercise.group('number')} · "
                if notebook is None or not any(h.startswith(wanted) for h in _headings(notebook)):
                    found.append(f"{concept.name}: solutions/{exercise.group('nb')} has no '### {wanted}...'")
            elif quiz:
                prompts = _prompts(root, quiz.group("name"))
                if prompts is None:
                    found.append(f"{concept.name}: no quiz helpers/quizzes/{quiz.group('name')}.yaml")
                elif not any(p.lstrip('"').startswith(quiz.group("prompt")) for p in prompts):
                    found.append(f"{concept.name}: quiz {quiz.group('name')} has no question starting {quiz.group('prompt')!r}")
            else:
                found.append(f"{concept.name}: 'Exercised by' reference {ref!r} is not 'NN ex K' or 'quiz <name> \"...\"'")
    return found
