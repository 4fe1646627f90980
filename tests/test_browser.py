"""The learner's view, in a real browser: JupyterLab + Debian's Chromium driven by Playwright.

Starts JupyterLab on 127.0.0.1 (a random token, free port) over a temporary copy of labs/ and
solutions/, opens a lab and runs it all (it must stop at its first TODO), then runs the
gradient-descent solution and moves its learning-rate slider (the plot must be redrawn), and shows
notebook 09's widgets at 1280x800 (pictures at their own size, controls and picture on one screen), and
checks what a screen reader meets with describe_figures on (alt text, captions, the Mermaid diagram's title).
One server and one browser for all (each start costs seconds of CPU).
Screenshots go to test-artifacts/browser/. Needs /usr/bin/chromium; never runs `playwright install`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from helpers.authoring.glossary import GLOSSARY_LINK, Term, load

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SETTINGS = Path(__file__).parent / "browser" / "settings"
# Random per run, as `make lab` does: another local user cannot reach this server's terminal.
TOKEN = secrets.token_urlsafe(24)
GD_SOLUTION = "solutions/04_linear_regression_gd.ipynb"
# Flags that keep Chromium quiet on a closed network (no sync, no component updates, no first run).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LEARNING_RATE = re.compile(r"learning|rate|\blr\b|η|α", re.IGNORECASE)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

if not CHROMIUM.exists():
    pytest.skip(
        f"the browser test needs Debian's Chromium at {CHROMIUM}: enable it with "
        "`sudo apt-get install chromium` (never `playwright install`, which downloads a browser)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is missing: run `make install`")


# --- JupyterLab ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of labs/ and solutions/: JupyterLab autosaves, the repository must not change."""
    root = tmp_path_factory.mktemp("browser-course")
    for folder in ("labs", "solutions"):
        source = ROOT / folder
        if source.is_dir():
            shutil.copytree(source, root / folder, ignore=shutil.ignore_patterns(".backup", ".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def jupyterlab_process(
    course: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """JupyterLab from this venv on 127.0.0.1, with its own config, data, runtime and settings dirs.

    Started without waiting: Chromium launches while the server boots (see ``jupyterlab``).
    """
    from process_support import stop_process_tree

    state = tmp_path_factory.mktemp("jupyter-state")
    shutil.copytree(SETTINGS, state / "settings")
    env = dict(
        os.environ,
        FLYWHEEL_SMOKE="1",
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTER_TOKEN=TOKEN,  # in the environment, not on the command line `ps` shows
    )
    port = free_port()
    log_path = state / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={course}",
        "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--KernelManager.shutdown_wait_time=1",  # the kernels hold nothing worth a slow goodbye
    ]  # fmt: skip
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield server, f"http://127.0.0.1:{port}", log_path
    finally:
        # Stop the server (it shuts its kernels down), then anything of ours it left behind, at once.
        stop_process_tree(server, timeout=20, grace=0)


@pytest.fixture(scope="module")
def jupyterlab(jupyterlab_process, browser_context) -> str:
    """The server's base URL, once it answers (the browser is launched meanwhile)."""
    server, base, log_path = jupyterlab_process
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2).close()
            return base
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer in 60 s:\n{log_path.read_text()[-3000:]}") from None
            time.sleep(0.2)


def test_the_server_refuses_a_request_without_its_token(jupyterlab):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{jupyterlab}/api/contents", timeout=5)
    assert refused.value.code == 403


@pytest.fixture(scope="module")
def browser_context() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        yield context
        context.close()
        browser.close()


@pytest.fixture
def page(browser_context) -> Iterator[object]:
    page = browser_context.new_page()
    yield page
    page.close()


# --- driving the notebook --------------------------------------------------------------------------


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        screenshot(page, f"{name}-FAILED")
        raise


def kernel_status(page):
    """The status-bar item "Python 3 (Flywheel) | Idle" (Initializing / Unknown / Busy meanwhile)."""
    return page.locator("#jp-main-statusbar .jp-StatusBar-Item", has_text=re.compile(r"\| \w+$")).first


def open_notebook(page, base: str, path: str) -> None:
    # A workspace of its own per notebook: JupyterLab would otherwise reopen the previous test's tabs.
    workspace = re.sub(r"\W", "-", Path(path).stem)
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?token={TOKEN}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for()
    # The execution indicator says "idle" before a kernel exists; the status bar waits for the kernel.
    page.locator("#jp-main-statusbar .jp-StatusBar-Item", has_text=re.compile(r"\| Idle$")).wait_for(timeout=60_000)


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def notebook(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")


def wait_until_run_finished(page, timeout: float = 120) -> None:
    """Kernel idle and no cell queued ([*]) for one second: Run All is over."""
    prompts = notebook(page).locator(".jp-InputArea-prompt")
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = "Idle" not in kernel_status(page).inner_text() or any("*" in t for t in prompts.all_inner_texts())
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 1.0:
            return
        time.sleep(0.2)
    raise AssertionError(f"the notebook was still running after {timeout:.0f} s")


ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


def tracebacks(page) -> list[str]:
    """Error outputs of the open notebook (JupyterLab renders them like stderr; tell them by their text)."""
    stderr = notebook(page).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    found = []
    for text in stderr.all_inner_texts():
        lines = text.strip().splitlines()
        if "Traceback (most recent call last)" in text or (lines and ERROR_LINE.match(lines[-1])):
            found.append(text)
    return found


def first_todo_message(lab: Path) -> str:
    """The message the lab's first TODO raises, read from the lab itself (what build-labs wrote)."""
    for cell in nbformat.read(lab, as_version=4).cells:
        match = re.search(r'raise NotImplementedError\((".*")\)', cell.source) if cell.cell_type == "code" else None
        if match:
            return json.loads(match.group(1))
    raise AssertionError(f"{lab.name} has no TODO: every lab has at least one exercise")


def widget_cell(path: Path) -> int | None:
    """Index of the cell that shows the learning-rate widget, found by its stored widget output."""
    cells = nbformat.read(path, as_version=4).cells
    shown = [
        i for i, cell in enumerate(cells)
        if cell.cell_type == "code"
        and any("application/vnd.jupyter.widget-view+json" in out.get("data", {}) for out in cell.outputs)
    ]  # fmt: skip
    labelled = [i for i in shown if LEARNING_RATE.search(cells[i].source)]
    return (labelled or shown or [None])[0]


def image_sources(cell) -> list[str]:
    return [img.get_attribute("src") or "" for img in cell.locator(".jp-OutputArea-output img").all()]


# --- the tests -------------------------------------------------------------------------------------


def test_lab_run_all_stops_at_the_first_todo(jupyterlab: str, course: Path, page):
    """A learner opens an untouched lab and runs it all: it stops at exercise 1 with its hint."""
    labs = sorted((course / "labs").glob("[0-9][0-9]_*.ipynb"))
    if not labs:
        pytest.skip("labs/ has no notebook yet: run `make labs`")
    lab = course / "labs" / "00_welcome.ipynb"
    lab = lab if lab.exists() else labs[0]
    message = first_todo_message(lab)
    name = f"lab-{lab.stem}"
    with screenshot_on_failure(page, name):
        open_notebook(page, jupyterlab, f"labs/{lab.name}")
        menu(page, "Run", "Run All Cells")
        error = notebook(page).locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', has_text=message
        )
        error.wait_for(timeout=90_000)
        wait_until_run_finished(page)
        error.scroll_into_view_if_needed()
        screenshot(page, f"{name}-first-todo")
    assert f"NotImplementedError: {message}" in error.inner_text()
    # Run All stops at the first failing cell: one traceback, and no cell after it ran.
    assert len(tracebacks(page)) == 1, tracebacks(page)


# --- a glossary link lands on its term ---------------------------------------------------------------

GLOSSARY_LAB = "labs/00_welcome.ipynb"  # opened by the test above too: its kernel is already up
# Where an entry's text (the term and its definition, as drawn) lies, and the part of the screen its
# scrolling glossary shows. The text, not the <li>: the jump puts the anchor flush with the top edge.
MEASURE_ENTRY = """(el) => {
  const box = (r) => ({top: r.top, bottom: r.bottom, left: r.left, right: r.right});
  const text = document.createRange();
  text.selectNodeContents(el);
  const scroller = el.closest('.jp-RenderedMarkdown');
  return {entry: box(text.getBoundingClientRect()), shown: box(scroller.getBoundingClientRect()),
          scrollTop: scroller.scrollTop, viewport: {width: window.innerWidth, height: window.innerHeight}};
}"""


def latest_glossary_link(lab: Path, glossary: Path) -> tuple[str, Term]:
    """(link text, glossary term) of the lab's glossary link whose entry lies furthest down the glossary."""
    terms = load(glossary)
    order = {term.anchor: index for index, term in enumerate(terms)}
    links = [(m["text"], m["anchor"]) for cell in nbformat.read(lab, as_version=4).cells
             if cell.cell_type == "markdown" for m in GLOSSARY_LINK.finditer(cell.source)]  # fmt: skip
    assert links, f"{lab.name} links no glossary term: this test needs one"
    text, anchor = max(links, key=lambda link: order[link[1]])
    return text, terms[order[anchor]]


def entry_in_view(found: dict) -> bool:
    entry, shown, viewport = found["entry"], found["shown"], found["viewport"]
    top, bottom = max(0, shown["top"]), min(viewport["height"], shown["bottom"])
    return (entry["top"] >= top - 0.5 and entry["bottom"] <= bottom + 0.5
            and entry["left"] >= 0 and entry["right"] <= viewport["width"] + 0.5)  # fmt: skip


def test_a_glossary_link_opens_the_rendered_glossary_at_its_term(jupyterlab: str, course: Path, page):
    """A learner clicks a term's glossary link in a lab: the glossary opens as a Markdown Preview (not its
    source in the editor) scrolled to that term, whose whole entry is on screen.

    JupyterLab 4.6's sanitizer turns the entry's ``<a id>`` into ``data-jupyter-id`` and the preview's
    ``setFragment`` scrolls to it; an ``<a name>`` anchor would be dropped and the glossary open at its top.
    """
    text, term = latest_glossary_link(course / GLOSSARY_LAB, course / "labs" / "glossary.md")
    anchor, name = term.anchor, f"glossary-link-{term.anchor}"
    with screenshot_on_failure(page, name):
        page.goto(f"{jupyterlab}/lab/workspaces/glossary-link/tree/{GLOSSARY_LAB}?token={TOKEN}")
        links = notebook(page).locator(f'.jp-RenderedMarkdown a[href*="glossary.md"][href$="#{anchor}"]')
        link = links.filter(has_text=text).first
        # The href becomes the file's download URL once JupyterLab has put its click handler on the link.
        page.wait_for_function("(a) => a.href.includes('/files/')", arg=link.element_handle())
        link.scroll_into_view_if_needed()
        link.click()
        preview = page.locator(".jp-MarkdownViewer:not(.lm-mod-hidden)")
        preview.locator(".jp-RenderedMarkdown li").first.wait_for()
        target = preview.locator(f'[data-jupyter-id="{anchor}"]')
        # The sanitizer keeps an <a id> as data-jupyter-id (and drops an <a name>): no anchor, no jump.
        assert target.count() == 1, f"the rendered glossary has no anchor {anchor!r}"
        entry = target.locator("xpath=ancestor::li[1]")
        deadline = time.monotonic() + 10  # the preview renders, then scrolls
        while not entry_in_view(found := entry.evaluate(MEASURE_ENTRY)) and time.monotonic() < deadline:
            time.sleep(0.1)
        screenshot(page, name)
        current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text()
        assert current_tab.strip() == "glossary.md"
        assert page.locator(".jp-FileEditor:visible").count() == 0, "the glossary opened as source, not rendered"
        assert entry_in_view(found), f"the glossary opened but {anchor!r}'s entry is not on screen: {found}"
        assert entry.inner_text().startswith(term.term), entry.inner_text()
        # At the glossary's top the entry is off screen: only the jump shows it.
        entry.evaluate("(el) => { el.closest('.jp-RenderedMarkdown').scrollTop = 0; }")
        assert not entry_in_view(entry.evaluate(MEASURE_ENTRY)), f"{anchor!r} is on the glossary's first screen"
    print(f"screenshot: {ARTIFACTS}/{name}.png")


def test_learning_rate_slider_redraws_the_plot(jupyterlab: str, course: Path, page):
    """The gradient-descent explorer: moving the learning-rate slider redraws the loss curve and fit."""
    if not (course / GD_SOLUTION).exists():
        pytest.skip(f"{GD_SOLUTION} is not written yet (issue 5); this test runs once it exists")
    with screenshot_on_failure(page, "gd-slider"):
        open_notebook(page, jupyterlab, GD_SOLUTION)
        # Stored outputs hold no live widgets: clear them so every slider and plot seen is from this run.
        menu(page, "Edit", "Clear Outputs of All Cells")
        # Run up to the widget only (the rest of the notebook is not needed to move the slider).
        index = widget_cell(course / GD_SOLUTION)
        if index is None:
            menu(page, "Run", "Run All Cells")
        else:
            notebook(page).locator(".jp-Cell").nth(index).locator(".jp-InputPrompt").click()
            menu(page, "Run", "Run All Above Selected Cell")
            menu(page, "Run", "Run Selected Cell and Do not Advance")
        wait_until_run_finished(page, timeout=150)
        assert tracebacks(page) == [], f"{GD_SOLUTION} failed in JupyterLab:\n" + "\n".join(tracebacks(page))
        cells = notebook(page).locator(".jp-CodeCell").filter(has=page.locator(".widget-slider")).all()
        assert cells, f"{GD_SOLUTION} shows no slider once run in JupyterLab"
        labels = [c.locator(".widget-slider .widget-label").first.inner_text() for c in cells]
        cell = next((c for c, label in zip(cells, labels) if LEARNING_RATE.search(label)), cells[0])
        slider = cell.locator(".widget-slider").first
        before = image_sources(cell)
        assert before, "the learning-rate widget's cell shows no plot image"
        readout = slider.locator(".widget-readout")
        value_before = readout.inner_text()
        cell.locator(".jp-Cell-outputWrapper").scroll_into_view_if_needed()
        screenshot(page, "gd-slider-before")

        # Move the slider with the keyboard, as a learner can: left, or right when it is already at the bottom.
        slider.locator(".noUi-handle").first.focus()
        for key in ("ArrowLeft", "ArrowRight"):
            for _ in range(8):
                page.keyboard.press(key)
            if readout.inner_text() != value_before:
                break
        value_after = readout.inner_text()
        deadline = time.monotonic() + 30
        while image_sources(cell) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        wait_until_run_finished(page)
        after = image_sources(cell)
        cell.locator(".jp-Cell-outputWrapper").scroll_into_view_if_needed()
        screenshot(page, "gd-slider-after")
    assert value_after != value_before, f"the slider did not move (readout stayed {value_before})"
    assert after and after != before, f"the plot was not redrawn when the slider moved {value_before} -> {value_after}"
    assert tracebacks(page) == []


# --- notebook 09's widgets at 1280x800 ------------------------------------------------------------

RL_SOLUTION = "solutions/09_rl_intro.ipynb"
STEPPER_TITLE = "FrozenLake: greedy action and best Q-value per cell"
# Where the picture, the buttons and the title lie, and whether the picture is drawn at its own size.
MEASURE_WIDGET = """(box) => {
  const rect = (el) => { const r = el.getBoundingClientRect();
                         return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
  const img = box.querySelector('img');
  const scroller = box.closest('.jp-WindowedPanel-outer') || box.closest('.jp-Notebook');
  return {
    image: img && {...rect(img), naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, complete: img.complete},
    controls: [...box.querySelectorAll('button, .widget-slider')].map(rect),
    titles: [...box.querySelectorAll('.widget-html-content')].map((el) => ({
      ...rect(el), text: el.innerText, clipped: el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight})),
    visible: rect(scroller),
    viewport: {width: window.innerWidth, height: window.innerHeight, ratio: window.devicePixelRatio},
  };
}"""


def rl_widget_notebook(course: Path) -> str:
    """A notebook of notebook 09's two widget cells, copied from the solution (faster than running all of 09).

    A last cell reads the bandit's chart back from the kernel, to check its axis after a pull in the browser.
    """
    solution = nbformat.read(course / RL_SOLUTION, as_version=4)
    sources = [c.source for c in solution.cells if c.cell_type == "code"]
    wanted = [next((s for s in sources if marker in s), None) for marker in ("BanditGame(", "QLearningStepper(")]
    assert all(wanted), f"{RL_SOLUTION} has no BanditGame or QLearningStepper cell: update this test"
    probe = ('import matplotlib.pyplot as plt\nax = game.figure().axes[0]\nplt.close(ax.figure)\n'
             'print("pulls", game.n_pulls, "axis", *ax.get_xlim())')
    notebook_ = nbformat.v4.new_notebook(metadata=solution.metadata)
    notebook_.cells = [nbformat.v4.new_code_cell(s) for s in ["import gymnasium as gym", *wanted, probe]]
    path = course / "rl_widgets_09.ipynb"
    nbformat.write(notebook_, path)
    return path.name


def measure_widget(page, box) -> dict:
    """Scroll the widget to the top of the notebook, then measure it (a picture still loading or not yet laid
    out is waited for, up to 15 s)."""
    box.evaluate("(b) => b.scrollIntoView({block: 'start'})")
    deadline = time.monotonic() + 15
    while True:
        found = box.evaluate(MEASURE_WIDGET)
        image = found["image"]
        # A redrawn picture is a new <img>: loaded (naturalWidth) a moment before it is laid out (width).
        drawn = image and image["complete"] and image["naturalWidth"] > 0 and image["width"] > 0
        if drawn or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def assert_sharp_and_on_one_screen(found: dict, name: str) -> None:
    image, visible = found["image"], found["visible"]
    assert image and image["naturalWidth"] > 0, f"{name}: no picture drawn"
    # Drawn at its own pixel size (device pixel ratio 1): no stretching, so no blur.
    assert found["viewport"]["ratio"] == 1
    assert abs(image["width"] - image["naturalWidth"]) <= 0.5, f"{name} stretched: {image}"
    assert abs(image["height"] - image["naturalHeight"]) <= 0.5, f"{name} stretched: {image}"
    top, bottom = max(0, visible["top"]), min(found["viewport"]["height"], visible["bottom"])
    left, right = max(0, visible["left"]), min(found["viewport"]["width"], visible["right"])
    for what, box in [("picture", image)] + [("control", c) for c in found["controls"]]:
        inside = (box["top"] >= top - 0.5 and box["bottom"] <= bottom + 0.5
                  and box["left"] >= left - 0.5 and box["right"] <= right + 0.5)
        assert inside, f"{name}: the {what} {box} is not on the same 1280x800 screen ({top}..{bottom} visible)"


def test_rl_widgets_are_sharp_and_whole_at_1280x800(jupyterlab: str, course: Path, page):
    """Notebook 09's bandit and Q-learning stepper: pictures at their own size, controls and picture on one
    1280x800 screen, the stepper's title whole, the bandit's axis in whole pulls after one pull."""
    if not (course / RL_SOLUTION).exists():
        pytest.skip(f"{RL_SOLUTION} is not in this checkout")
    page.set_viewport_size({"width": 1280, "height": 800})
    path = rl_widget_notebook(course)
    with screenshot_on_failure(page, "rl09-widgets"):
        open_notebook(page, jupyterlab, path)
        menu(page, "Run", "Run All Cells")
        wait_until_run_finished(page, timeout=90)
        assert tracebacks(page) == [], "\n".join(tracebacks(page))
        cells = notebook(page).locator(".jp-CodeCell")
        bandit = cells.nth(1).locator(".jp-OutputArea-output .widget-vbox").first
        stepper = cells.nth(2).locator(".jp-OutputArea-output .widget-vbox").first

        found = measure_widget(page, stepper)
        screenshot(page, "rl09-stepper-1280x800")
        assert_sharp_and_on_one_screen(found, "the Q-learning stepper")
        titles = [t for t in found["titles"] if "greedy action" in t["text"]]
        assert titles and titles[0]["text"].strip() == STEPPER_TITLE and not titles[0]["clipped"], found["titles"]

        bandit.locator("button", has_text="Machine 1").click()
        found = measure_widget(page, bandit)
        screenshot(page, "rl09-bandit-1280x800")
        assert_sharp_and_on_one_screen(found, "the bandit chart")
        headers = bandit.locator("table tr").first.locator("th").all()
        first_row = bandit.locator("table tr").nth(1).locator("td").all()
        header_edges = [h.bounding_box()["x"] + h.bounding_box()["width"] for h in headers]
        cell_edges = [c.bounding_box()["x"] + c.bounding_box()["width"] for c in first_row]
        assert header_edges == pytest.approx(cell_edges, abs=1), "the table's headers are not over their columns"

        cells.nth(3).locator(".jp-InputPrompt").click()
        menu(page, "Run", "Run Selected Cell and Do not Advance")
        output = cells.nth(3).locator(".jp-OutputArea-output", has_text="pulls 1")
        try:
            output.wait_for(timeout=15_000)
        except sync_api.TimeoutError:
            pass  # the assertion below shows what the cell printed instead
        probe = " ".join(cells.nth(3).locator(".jp-OutputArea-output").all_inner_texts())
    assert re.search(r"pulls 1 axis 0\.0 10\.0", probe), f"after one pull the bandit's axis should span 0-10 pulls: {probe}"
    print(f"screenshots: {ARTIFACTS}/rl09-stepper-1280x800.png, {ARTIFACTS}/rl09-bandit-1280x800.png")


# --- figures in words (describe_figures=True), as a screen reader meets them ------------------------

DESCRIBE_CELLS = [
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




def describe_figures_notebook(course: Path) -> str:
    """A scratch notebook of DESCRIBE_CELLS in the course's copy, with the course's kernel (no kernel dialog)."""
    kernel = nbformat.read(course / GD_SOLUTION, as_version=4).metadata.kernelspec
    notebook_ = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in DESCRIBE_CELLS],
                                         metadata={"kernelspec": kernel})
    nbformat.write(notebook_, course / "figures_in_words.ipynb")
    return "figures_in_words.ipynb"


def test_a_screen_reader_gets_alt_text_and_words_for_a_figure_and_the_architecture(jupyterlab: str, course: Path,
                                                                                   page):
    """With describe_figures on, a figure is an <img> with alt text and a caption in words (JupyterLab's own
    image renderer sets no alt), and the architecture's Mermaid diagram carries its title and description."""
    path = describe_figures_notebook(course)
    with screenshot_on_failure(page, "figures-in-words"):
        open_notebook(page, jupyterlab, path)
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
