"""The learner's view, in a real browser: JupyterLab + Debian's Chromium driven by Playwright.

Starts JupyterLab on 127.0.0.1 (a random token, free port) over a temporary copy of labs/ and
solutions/, opens a lab and runs it all (it must stop at its first TODO), then runs the
gradient-descent solution and moves its learning-rate slider (the plot must be redrawn).
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
    import psutil

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
        # Stop the server (it shuts its kernels down), then anything of ours it left behind.
        try:
            children = psutil.Process(server.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass


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
