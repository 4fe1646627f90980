"""The glossary: every term used in the notebooks, linked from its first use, every link's anchor real.

The course's own glossary is checked against the solutions and the labs; each rule also fails on a
tiny bad glossary or notebook built in tmp, so a broken rule cannot pass unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers.authoring import build_labs
from helpers.authoring.glossary import GlossaryError, link_first_uses, load, problems

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "solutions" / "glossary.md"
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))


def test_the_course_glossary_defines_the_courses_terms():
    terms = load(GLOSSARY)
    assert len(terms) >= 60
    assert all(t.definition.strip() and t.heading for t in terms)
    assert {"accuracy", "cohens-kappa", "leakage", "gradient-descent", "endpoint", "q-learning"} <= {t.anchor for t in terms}


@pytest.mark.parametrize("folder", ["solutions", "labs"])
def test_every_term_is_used_and_linked_at_its_first_use(folder):
    notebooks = SOLUTIONS if folder == "solutions" else LABS
    assert problems(GLOSSARY, notebooks) == []


def test_the_labs_have_the_same_glossary_beside_them():
    # JupyterLab is opened on labs/ and cannot follow a link out of it: the labs need their own copy.
    assert (ROOT / "labs" / "glossary.md").read_text(encoding="utf-8") == GLOSSARY.read_text(encoding="utf-8")


# --- each rule fails on a bad glossary or notebook ----------------------------------------------


def entry(anchor: str, term: str, heading: str = "1 · Start", also: str = "", cell: str = "cell-0") -> str:
    aliases = f" (also *{also}*)" if also else ""
    return f'- <a id="{anchor}"></a>**{term}**{aliases}: A definition. — [00 § {heading}](00_tiny.ipynb#cell-id={cell})'


def notebook(tmp_path: Path, *cells: str, instructor: tuple[int, ...] = ()) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text, id=f"cell-{i}") for i, text in enumerate(cells)]
    for index in instructor:
        nb.cells[index].metadata["tags"] = ["instructor"]
    nb.cells.append(nbformat.v4.new_code_cell("label = 1  # code never counts as a use"))
    path = tmp_path / "00_tiny.ipynb"
    nbformat.write(nb, path)
    return path


def glossary(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "glossary.md"
    path.write_text("# Glossary\n\n" + "\n".join(entries) + "\n", encoding="utf-8")
    return path


def test_a_term_no_notebook_uses_is_reported(tmp_path):
    book = notebook(tmp_path, "## 1 · Start\n\nA [label](glossary.md#label) is the right answer.")
    found = problems(glossary(tmp_path, entry("label", "Label"), entry("drift", "Drift")), [book])
    assert len(found) == 1 and "'Drift'" in found[0] and "appears in no notebook" in found[0]


def test_a_link_to_a_missing_anchor_is_reported(tmp_path):
    book = notebook(tmp_path, "## 1 · Start\n\nA [label](glossary.md#label) and a [labels](glossary.md#lables).")
    found = problems(glossary(tmp_path, entry("label", "Label")), [book])
    assert len(found) == 1 and "glossary.md#lables) points to no glossary anchor" in found[0]


def test_a_first_use_without_a_link_is_reported_even_when_a_later_use_is_linked(tmp_path):
    book = notebook(tmp_path, "## 1 · Start\n\nLabels come first.", "Then a [label](glossary.md#label).")
    found = problems(glossary(tmp_path, entry("label", "Label")), [book])
    assert len(found) == 1 and "first used in 00_tiny.ipynb cell 0 without a link" in found[0]


def test_headings_code_maths_and_instructor_notes_are_not_first_uses(tmp_path):
    book = notebook(
        tmp_path,
        "## 1 · Start\n\n### The label\n\n`label` and $label$ are not prose.",
        "**Facilitator notes**: the label.",
        "A [label](glossary.md#label) is the right answer.",
        instructor=(1,),
    )
    assert problems(glossary(tmp_path, entry("label", "Label")), [book]) == []


def test_a_link_to_the_wrong_cell_of_the_heading_is_reported_with_the_right_cell(tmp_path):
    # JupyterLab and the site open the notebook at the #cell-id= cell: it must be the one holding the heading.
    book = notebook(tmp_path, "# Tiny", "## 1 · Start\n\nA [label](glossary.md#label).")
    found = problems(glossary(tmp_path, entry("label", "Label", cell="cell-0")), [book])
    assert found == [
        "'Label': 00_tiny.ipynb#cell-id=cell-0 is not the cell of heading '1 · Start': "
        "point the link at 00_tiny.ipynb#cell-id=cell-1"
    ]
    assert problems(glossary(tmp_path, entry("label", "Label", cell="cell-1")), [book]) == []


def test_a_heading_that_does_not_exist_is_reported(tmp_path):
    book = notebook(tmp_path, "## 1 · Start\n\nA [label](glossary.md#label).")
    found = problems(glossary(tmp_path, entry("label", "Label", heading="2 · Gone")), [book])
    assert len(found) == 1 and "has no heading '2 · Gone'" in found[0]


@pytest.mark.parametrize(
    "lines, message",
    [
        (["- <a id=\"label\"></a>**Label** A definition without the colon."], "line 3 is not a glossary entry"),
        (['- <a id="label"></a>**Label**: A definition. — [00 § 1 · Start](00_tiny.ipynb)'],
         r"line 3 is not a glossary entry: .*\(ID: the id of the cell that holds the heading\)"),
        ([entry("label", "Label"), entry("label", "Labels")], "anchor 'label' is used on line 3 too"),
        (["No entries at all."], "holds no entries"),
        (['- <a name="label"></a>**Label**: A definition. — [00 § 1 · Start](00_tiny.ipynb#cell-id=cell-0)'],
         r"line 3 is not a glossary entry \(JupyterLab drops an <a name> anchor"),
    ],
)
def test_a_malformed_glossary_names_the_line_and_the_fix(tmp_path, lines, message):
    with pytest.raises(GlossaryError, match=message):
        load(glossary(tmp_path, *lines))


def test_link_first_uses_links_only_the_first_use_and_longer_terms_first(tmp_path):
    book = notebook(
        tmp_path,
        "## 1 · Start\n\nUse the `label`: a **precision-recall\ncurve** and precision. Labels matter.",
        "More labels and precision.",
    )
    terms = glossary(
        tmp_path,
        entry("label", "Label"),
        entry("precision", "Precision"),
        entry("precision-recall-curve", "Precision-recall curve"),
    )
    assert problems(terms, [book]) != []
    assert link_first_uses(terms, [book]) == {"00_tiny.ipynb": 3}
    cells = nbformat.read(book, as_version=4).cells
    assert cells[0].source == (
        "## 1 · Start\n\nUse the `label`: a **[precision-recall\ncurve](glossary.md#precision-recall-curve)** and "
        "[precision](glossary.md#precision). [Labels](glossary.md#label) matter."
    )
    assert cells[1].source == "More labels and precision."
    assert problems(terms, [book]) == []
    assert link_first_uses(terms, [book]) == {"00_tiny.ipynb": 0}  # nothing left to link: file untouched


def test_link_first_uses_links_a_term_only_in_the_first_notebook_that_uses_it(tmp_path):
    first = notebook(tmp_path, "## 1 · Start\n\nA [label](glossary.md#label), linked already.").rename(tmp_path / "00_a.ipynb")
    second = notebook(tmp_path, "Labels and precision.").rename(tmp_path / "01_b.ipynb")
    before = first.read_bytes()
    terms = glossary(tmp_path, entry("label", "Label"), entry("precision", "Precision"))
    assert link_first_uses(terms, [second, first]) == {"00_a.ipynb": 0, "01_b.ipynb": 1}
    assert first.read_bytes() == before  # its use of "label" is the first, and a link already
    assert nbformat.read(second, as_version=4).cells[0].source == "Labels and [precision](glossary.md#precision)."


def test_build_labs_copies_the_glossary_and_check_reports_a_stale_copy(tmp_path, capsys):
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    (solutions / "glossary.md").write_text("# Glossary\n", encoding="utf-8")
    build_labs.build_labs(solutions, labs)
    assert (labs / "glossary.md").read_text(encoding="utf-8") == "# Glossary\n"
    (solutions / "glossary.md").write_text("# Glossary\n\nmore\n", encoding="utf-8")
    result = build_labs.build_labs(solutions, labs, check=True)
    assert build_labs.report_check(result, tmp_path) == 1
    assert "labs/glossary.md is out of date with solutions/glossary.md" in capsys.readouterr().err
