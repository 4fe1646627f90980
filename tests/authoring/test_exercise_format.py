"""Every exercise nudges before it tells, every notebook has a design exercise, every figure has words."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import ROOT
from helpers.authoring.exercise_format import exercises, figure_problems, giveaways, problems, visible

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))

GOOD_MARKDOWN = """### Exercise 1 · The gradient

Write `gradient(X, y, w)`.

*Hint:* how does the loss change when one weight moves a little?

<details><summary>A closer hint</summary>

`X.T @ (...)`, scaled by `2 / n`.

</details>"""

DESIGNED = """def gradient(X, y, w):
    ### BEGIN SOLUTION
    # HINT: start from the residuals
    n = len(y)
    prediction = X @ w
    residual = prediction - y
    slope = 2 / n * X.T @ residual
    return slope
    ### END SOLUTION
check.gradient(gradient)"""


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    made = nbformat.v4.new_notebook()
    made.cells = list(cells)
    return made


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text)


# --- the repository -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_exercises_nudge_first_and_one_asks_for_design(path: Path):
    found = problems(nbformat.read(path, as_version=4), path.stem)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_stored_figure_has_a_text_equivalent(path: Path):
    found = figure_problems(nbformat.read(path, as_version=4), path.stem)
    assert not found, "\n".join(found) + "\nprint the figure's numbers in its cell, or tag it `decorative`"


# --- the rules fail when they should ----------------------------------------------------------------


def test_a_well_formed_exercise_has_no_problems():
    assert problems(notebook(md(GOOD_MARKDOWN), code(DESIGNED)), "99_demo") == []


def test_an_answer_in_the_visible_hint_is_named():
    spelled = GOOD_MARKDOWN.replace("how does the loss change when one weight moves a little?",
                                    "`residual = prediction - y`, then the slope.")
    found = problems(notebook(md(spelled), code(DESIGNED)), "99_demo")
    assert found == ["99_demo exercise 1 (cell 1): its markdown gives away the answer line "
                     "'residual = prediction - y': nudge instead"]


def test_the_answer_inside_the_closer_hint_is_allowed_but_not_in_the_hint_line():
    closer = GOOD_MARKDOWN.replace("`X.T @ (...)`, scaled by `2 / n`.", "`slope = 2 / n * X.T @ residual`")
    assert problems(notebook(md(closer), code(DESIGNED)), "99_demo") == []
    told = DESIGNED.replace("# HINT: start from the residuals", "# HINT: slope = 2 / n * X.T @ residual")
    assert "its # HINT: line gives away" in problems(notebook(md(GOOD_MARKDOWN), code(told)), "99_demo")[0]


def test_an_expression_given_away_under_another_name_is_caught_but_the_spec_of_the_return_is_not():
    assert giveaways("use `np.mean(error ** 2)`", ("mse = np.mean(error ** 2)",)) == ["mse = np.mean(error ** 2)"]
    assert giveaways("return `(first, last)`", ("return first, last",)) == []
    assert giveaways("call `Pipeline([...])`", ("model = Pipeline([",)) == []


@pytest.mark.parametrize(
    "markdown, problem",
    [
        (GOOD_MARKDOWN.replace("### Exercise 1 · The gradient", "### The gradient"), "no '### Exercise 1 · <title>'"),
        (GOOD_MARKDOWN.replace("*Hint:*", "Hint:"), "no visible '*Hint:*' nudge"),
        (GOOD_MARKDOWN.replace("<details><summary>A closer hint</summary>", "<details>"), "no collapsed closer hint"),
    ],
)
def test_a_missing_tier_is_named(markdown: str, problem: str):
    found = problems(notebook(md(markdown), code(DESIGNED)), "99_demo")
    assert len(found) == 1 and problem in found[0], found


def test_a_notebook_of_short_exercises_only_asks_for_a_design_exercise():
    short = "### BEGIN SOLUTION\n# HINT: add them\ntotal = a + b\n### END SOLUTION"
    found = problems(notebook(md(GOOD_MARKDOWN), code(short)), "99_demo")
    assert found == ["99_demo: no exercise where the learner designs something (the longest answer has 1 "
                     "lines of code; one needs 5 or more: a function, a pipeline, a decision with reasons)"]


def test_exercises_are_numbered_across_cells_and_find_their_heading():
    second = GOOD_MARKDOWN.replace("Exercise 1 · The gradient", "Exercise 2 · Again")
    found = exercises(notebook(md(GOOD_MARKDOWN), code(DESIGNED), md(second), md("More words."), code(DESIGNED)))
    assert [(e.number, e.cell, e.heading_numbers) for e in found] == [(1, 1, (1,)), (2, 4, (2,))]
    assert "More words." in found[1].markdown and "The gradient" not in found[1].markdown
    assert "closer hint" not in visible(found[1].markdown) and "Again" in visible(found[1].markdown)


def figure_cell(*outputs: dict, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = code("plt.plot(x, y)")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = tags
    return cell


PNG = {"output_type": "display_data", "metadata": {},
       "data": {"image/png": "iVBOR", "text/plain": "<Figure size 640x480 with 1 Axes>"}}
WORDS = {"output_type": "stream", "name": "stdout", "text": "loss falls from 4.1 to 0.2 in 50 epochs\n"}


def test_a_figure_needs_words_in_its_cell_unless_decorative():
    assert figure_problems(notebook(figure_cell(PNG)), "99_demo") == [
        "99_demo cell 0: a figure with no text equivalent printed in its cell"
    ]
    assert figure_problems(notebook(figure_cell(WORDS, PNG)), "99_demo") == []
    assert figure_problems(notebook(figure_cell(PNG, tags=["decorative"])), "99_demo") == []
