"""What a screen reader meets in JupyterLab, in a real Chromium: with describe_figures on, a figure is an
<img> with alt text and a caption in words (JupyterLab's own image renderer sets no alt), and the
architecture's Mermaid diagram carries its title and description. Reuses tests/test_browser.py's server
and browser; the course here is one scratch notebook. Screenshot: test-artifacts/browser/."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

# The server, the browser and the helpers that drive them (skips this module, as that one, without Chromium).
from test_browser import (  # noqa: F401  (fixtures are found by name)
    ROOT,
    browser_context,
    jupyterlab,
    jupyterlab_process,
    menu,
    notebook,
    open_notebook,
    page,
    screenshot,
    screenshot_on_failure,
    wait_until_run_finished,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CELLS = [
    "from helpers.course.notebook import setup\nsetup('04_linear_regression_gd', describe_figures=True)",
    "import matplotlib.pyplot as plt\n"
    "plt.plot([0, 1, 2], [3.0, 1.0, 2.0], label='loss')\nplt.title('Loss by epoch')\nplt.legend()\nplt.show()",
    "from helpers.architecture import Architecture\n"
    "arch = Architecture(title='Fraud review')\n"
    "arch.add_component('lake', 'Data lake', kind='data')\n"
    "arch.add_component('training', 'Training job', kind='training')\n"
    "arch.add_component('endpoint', 'Endpoint', kind='serving')\n"
    "arch.add_component('monitor', 'Model Monitor', kind='monitoring')\n"
    "arch.add_flow('lake', 'training', 'payments')\n"
    "arch.add_flow('training', 'endpoint', 'model')\n"
    "arch.add_flow('endpoint', 'monitor', 'traffic')\n"
    "arch.decide('Threshold', 'flag scores >= 0.3', 'cheapest on validation')\n"
    "from IPython.display import Markdown\n"
    "Markdown('```mermaid\\n' + arch.to_mermaid() + '\\n```')",
]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the notebook this test runs (overrides test_browser's copy of labs/ and solutions/)."""
    root = tmp_path_factory.mktemp("describe-course")
    kernel = nbformat.read(ROOT / "solutions" / "04_linear_regression_gd.ipynb", as_version=4).metadata.kernelspec
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS],
                                        metadata={"kernelspec": kernel})  # the course's kernel: no kernel dialog
    nbformat.write(notebook, root / "figures_in_words.ipynb")
    return root


def test_a_screen_reader_gets_alt_text_and_words_for_a_figure_and_the_architecture(jupyterlab: str, page):
    with screenshot_on_failure(page, "figures-in-words"):
        open_notebook(page, jupyterlab, "figures_in_words.ipynb")
        menu(page, "Run", "Run All Cells")
        cells = notebook(page).locator(".jp-CodeCell")
        cells.nth(2).locator(".jp-OutputArea-output svg, .jp-OutputArea-output img").first.wait_for(timeout=90_000)
        wait_until_run_finished(page)
        screenshot(page, "figures-in-words")
    figure = cells.nth(1).locator(".jp-OutputArea-output")
    images = figure.locator("img")
    assert images.count() == 1  # the picture once (the HTML), not the PNG again
    assert images.first.get_attribute("alt") == "Figure: Loss by epoch. Described in words below."
    assert images.first.evaluate("img => img.naturalWidth") > 100  # the PNG itself renders
    caption = figure.locator("figcaption").inner_text()
    assert 'line "loss": 3 points (0, 3), (1, 1), (2, 2)' in caption
    diagram = cells.nth(2).locator(".jp-OutputArea-output figure")
    assert diagram.locator("img").first.get_attribute("alt") == "Fraud review"
    assert diagram.locator("figcaption").inner_text().startswith("4 components: Data lake (data);")
