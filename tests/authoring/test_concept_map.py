"""CONCEPTS.md points at sections, exercises and quiz questions that exist."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import ROOT
from helpers.authoring.concept_map import Concept, problems, read

MAP = ROOT / "CONCEPTS.md"


def test_every_concept_in_the_map_points_at_what_exists():
    concepts = read(MAP.read_text(encoding="utf-8"))
    assert len(concepts) >= 60, "the map lost its tables"
    found = problems(concepts, ROOT)
    assert not found, "CONCEPTS.md is out of date:\n" + "\n".join(found)


def test_every_notebook_appears_in_the_map():
    concepts = read(MAP.read_text(encoding="utf-8"))
    cited = {ref[:2] for c in concepts for ref in c.taught}
    notebooks = {p.name[:2] for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")}
    assert notebooks <= cited, f"notebooks missing from CONCEPTS.md: {sorted(notebooks - cited)}"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("## 1 · Labels\n\n### Exercise 1 · Kappa")]
    (tmp_path / "solutions").mkdir()
    nbformat.write(notebook, tmp_path / "solutions" / "01_demo.ipynb")
    (tmp_path / "helpers" / "quizzes").mkdir(parents=True)
    (tmp_path / "helpers" / "quizzes" / "day1.yaml").write_text(
        'questions:\n  - prompt: "Three annotators label each item."\n', encoding="utf-8"
    )
    return tmp_path


def test_a_renamed_section_a_lost_exercise_or_question_is_named(course: Path):
    good = Concept("Labels", "ML process", ("01 § 1 · Labels",), ("01 ex 1", 'quiz day1 "Three annotators"'))
    assert problems([good], course) == []
    renamed = Concept("Labels", "x", ("01 § 1 · Labelling",), ("01 ex 2", 'quiz day1 "Four"', 'quiz day9 "x"'))
    assert problems([renamed], course) == [
        "Labels: solutions/01 has no section '1 · Labelling'",
        "Labels: solutions/01 has no '### Exercise 2 · ...'",
        "Labels: quiz day1 has no question starting 'Four'",
        "Labels: no quiz helpers/quizzes/day9.yaml",
    ]
    malformed = Concept("Labels", "x", ("notebook one",), ("exercise 1",))
    assert problems([malformed], course) == [
        "Labels: 'Taught in' reference 'notebook one' is not 'NN § <heading>'",
        "Labels: 'Exercised by' reference 'exercise 1' is not 'NN ex K' or 'quiz <name> \"...\"'",
    ]


def test_the_table_is_read_row_by_row_and_a_short_row_is_named():
    text = "| Concept | Source | Taught in | Exercised by |\n| --- | --- | --- | --- |\n| A | B | — | 01 ex 1; 02 ex 3 |\n"
    assert read(text) == [Concept("A", "B", (), ("01 ex 1", "02 ex 3"))]
    with pytest.raises(ValueError, match="needs 4 cells"):
        read(text + "| only | three | cells |\n")
