"""Slides and the course site, built offline and opened in a real browser (Debian's Chromium).

One Chromium for the module. Every request that is not file://, data: or loopback is blocked and
recorded: a deck or page that would fetch reveal.js, MathJax or require.js from a CDN fails here.
Screenshots go to test-artifacts/slides-site/. Never runs `playwright install`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from helpers.deck import Slide, deck_html, write_deck

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "slides-site"


def png_figure() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    ax.plot([0, 1, 2], [2, 1, 3])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


# --- the deck writer, without a browser -----------------------------------------------------------


def test_a_single_string_as_bullets_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"list of strings.*bullets=\['one point'\]"):
        Slide("Title", "one point")


def test_image_bytes_that_are_not_png_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="savefig"):
        Slide("Title", image_png=b"GIF89a...")


def test_the_deck_path_must_name_an_html_file(tmp_path):
    with pytest.raises(ValueError, match=r"deck\.html"):
        write_deck("T", [], tmp_path / "slides")
    assert not (tmp_path / "slides").exists()


def test_markdown_is_rendered_and_raw_html_is_shown_not_run():
    text = deck_html("T <b>", [Slide("S", ["**bold** `x` <script>alert(1)</script>"], notes="say <i>it</i>")])
    assert "<strong>bold</strong> <code>x</code>" in text
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>T &lt;b&gt;</title>" in text
    assert '<aside class="notes"><p>say &lt;i&gt;it&lt;/i&gt;</p>' in text


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_context() -> Iterator[object]:
    """One Chromium (the flags of test_browser.py) whose context blocks and records outside requests."""
    test_browser = pytest.importorskip("test_browser", reason="needs tests/test_browser.py's Chromium setup")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(test_browser.CHROMIUM), args=test_browser.CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.set_default_timeout(15_000)
        context.blocked = []

        def block_outside(route) -> None:
            url = urlparse(route.request.url)
            if url.scheme in ("file", "data", "blob") or url.hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                context.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", block_outside)
        yield context
        context.close()
        browser.close()


class Watched:
    """A page plus what went wrong on it: console errors, uncaught exceptions, failed requests."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.context = context
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))

    def assert_clean(self) -> None:
        assert not self.context.blocked, f"network requests attempted: {self.context.blocked}"
        assert not self.problems, "\n".join(self.problems)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def watched(browser_context) -> Iterator[Watched]:
    watched = Watched(browser_context)
    yield watched
    watched.page.close()
    browser_context.blocked.clear()


def open_deck(watched: Watched, path: Path) -> None:
    watched.page.goto(path.as_uri())
    watched.page.wait_for_function("window.Reveal && Reveal.isReady()")


def current_slide(page) -> dict:
    return page.evaluate(
        "() => { const s = Reveal.getCurrentSlide(); const img = s.querySelector('img');"
        " return { h: Reveal.getIndices().h, title: (s.querySelector('h1,h2') || {}).textContent,"
        " img: img && { complete: img.complete, naturalWidth: img.naturalWidth, alt: img.alt } }; }"
    )


def test_a_written_deck_opens_offline_and_the_arrow_key_moves_to_its_figure(tmp_path, watched):
    path = write_deck(
        "Capstone: Team Falcon",
        [Slide("Where the loss goes", ["Training loss falls", "Validation loss flattens"], image_png=png_figure(),
               notes="Point at the gap.")],
        tmp_path / "deck" / "falcon.html",
        subtitle="Day 3",
    )
    open_deck(watched, path)
    assert current_slide(watched.page)["title"] == "Capstone: Team Falcon"
    watched.page.keyboard.press("ArrowRight")
    watched.page.wait_for_function("Reveal.getIndices().h === 1")
    slide = current_slide(watched.page)
    watched.screenshot("deck-figure-slide")
    assert slide["title"] == "Where the loss goes"
    assert slide["img"]["complete"] and slide["img"]["naturalWidth"] == 240, slide
    assert slide["img"]["alt"] == "Where the loss goes"
    watched.assert_clean()
