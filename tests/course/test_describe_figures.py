"""Figures in words for a screen reader: opt-in (FLYWHEEL_DESCRIBE_FIGURES=1 or setup(describe_figures=True)).

JupyterLab 4 renders a figure's image/png as an <img> without alt (its renderImage sets src, width
and height only), so the text equivalent travels as text/html, which JupyterLab prefers to the PNG:
an <img alt=...> and the description as a caption. Off, a figure's outputs are the inline backend's.
"""

from __future__ import annotations

import html
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402

from helpers import ROOT, plots  # noqa: E402
from helpers.course.notebook import figures_in_words  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")
    plots.describe_figures(None)  # the mode is process-wide: leave it to the environment again


def _figure(title="losses <by epoch>"):
    fig, ax = plt.subplots()
    plots.loss_curves({"lr=0.1": [4.0, 2.0, 1.0]}, ax=ax, title=title)
    return fig


def test_on_a_figure_shows_as_an_image_with_alt_text_and_its_description_as_caption():
    shell = SimpleNamespace(display_formatter=DisplayFormatter())
    fig = _figure()
    assert figures_in_words(True, shell=shell)
    data, _ = shell.display_formatter.format(fig)
    page = data["text/html"]
    assert page.startswith('<figure style="margin: 0"><img src="data:image/png;base64,iVBOR')
    assert 'alt="Figure: losses &lt;by epoch&gt;. Described in words below."' in page
    assert f"<figcaption><pre style=\"white-space: pre-wrap\">{html.escape(plots.in_words(fig))}</pre>" in page
    assert data["text/plain"] == plots.in_words(fig)


def test_off_leaves_a_figure_s_outputs_as_they_were():
    shell = SimpleNamespace(display_formatter=DisplayFormatter())
    fig = _figure()
    before, _ = shell.display_formatter.format(fig)
    figures_in_words(True, shell=shell)
    figures_in_words(False, shell=shell)
    after, _ = shell.display_formatter.format(fig)
    assert after == before
    assert set(after) == {"text/plain"} and after["text/plain"].startswith("<Figure size")


def test_no_shell_no_formatter_but_widgets_still_follow_the_mode(monkeypatch):
    monkeypatch.delenv("FLYWHEEL_DESCRIBE_FIGURES", raising=False)
    assert figures_in_words(True) is False  # plain Python: nothing to format
    assert plots.figures_described()
    figures_in_words(False)
    assert not plots.figures_described()


@pytest.mark.parametrize(("value", "wanted"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_the_environment_variable_decides_unless_setup_was_told(monkeypatch, value, wanted):
    monkeypatch.setenv("FLYWHEEL_DESCRIBE_FIGURES", value)
    figures_in_words(None)
    assert plots.figures_described() is wanted
    figures_in_words(not wanted)
    assert plots.figures_described() is not wanted


def _run_in_a_kernel(code: list[str]) -> list:
    """Execute the cells in a fresh Jupyter kernel (the inline backend, as a learner has it); return them."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in code])
    NotebookClient(notebook, timeout=90, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return notebook.cells


FIGURE_CELLS = [
    "from helpers.course.notebook import setup\nsetup('04_linear_regression_gd')",
    "import matplotlib.pyplot as plt\nplt.bar(['a', 'b'], [1, 2.5], label='count'); plt.title('Counts'); plt.show()",
]


def _figure_output(cells) -> dict:
    (output,) = [o for o in cells[1].outputs if o.output_type == "display_data"]
    return output["data"]


@pytest.mark.timeout(180)
def test_in_a_kernel_the_variable_turns_every_figure_into_words(monkeypatch, flywheel_home):
    # The inline backend drops all Figure formatters when it loads (at the first figure, after setup):
    # this runs the real order of events.
    monkeypatch.setenv("FLYWHEEL_DESCRIBE_FIGURES", "1")
    data = _figure_output(_run_in_a_kernel(FIGURE_CELLS))
    assert '<img src="data:image/png;base64,' in data["text/html"]
    assert 'alt="Figure: Counts. Described in words below."' in data["text/html"]
    assert "bars &quot;count&quot;: 2 bars: 1 for a, 2.5 for b" in data["text/html"]
    assert data["text/plain"].startswith('Chart: "Counts".')
    assert "image/png" in data  # frontends without HTML still get the picture


@pytest.mark.timeout(180)
def test_in_a_kernel_without_the_variable_figures_are_plain_pngs(monkeypatch, flywheel_home):
    monkeypatch.delenv("FLYWHEEL_DESCRIBE_FIGURES", raising=False)
    data = _figure_output(_run_in_a_kernel(FIGURE_CELLS))
    assert set(data) == {"image/png", "text/plain"}
    assert data["text/plain"].startswith("<Figure size")
