"""Slides and the course site, built offline and opened in a real browser (Debian's Chromium).

The deck writer (helpers.deck), the day decks (helpers.authoring.slides) and the site
(helpers.authoring.site): first without a browser on tiny notebooks made here, then one small real
build (two solutions, day 1's slides) opened in Chromium. One Chromium for the module. Every request that is not file://, data: or loopback is blocked and
recorded: a deck or page that would fetch reveal.js, MathJax or require.js from a CDN fails here.
Screenshots go to test-artifacts/slides-site/. Never runs `playwright install`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from helpers.authoring import site, slides
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


# --- a notebook read as slides, without a browser -------------------------------------------------


def tiny_notebook(path: Path) -> Path:
    """A solution-shaped notebook: title, intro, two sections (prose with a link, an exercise, a figure,
    instructor notes) and a section that is only a list."""
    figure = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png_figure()).decode()})
    cells = [
        nbformat.v4.new_markdown_cell("# 42 · Tiny course\n\nA first sentence. A second one. A third. A fourth."),
        nbformat.v4.new_markdown_cell("## 1 · Rates\n\nThe [learning rate](glossary.md#learning-rate) sets the step, e.g. 0.1 per epoch. "
                                      "Too large diverges.\n\n- a list item\n\n### Exercise 1 · Pick a rate"),
        nbformat.v4.new_code_cell("plot()", outputs=[figure]),
        nbformat.v4.new_markdown_cell("**Facilitator notes**\n- ask the room first", metadata={"tags": ["instructor"]}),
        nbformat.v4.new_code_cell("plot_again()", outputs=[figure]),
        nbformat.v4.new_markdown_cell("## 2 · What you learned\n\n- rates matter\n- **so** does `scale`"),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_notebook_becomes_a_title_slide_and_one_slide_per_section(tmp_path):
    title, rates, learned = slides.notebook_slides(
        tiny_notebook(tmp_path / "42_tiny.ipynb"), objectives=("Pick a rate",), extension=("What you learned",)
    )
    assert (title.title, title.bullets) == ("42 · Tiny course", ["You will: Pick a rate"])
    assert rates.title == "1 · Rates"
    # Links become their text (the glossary is not beside the deck); "e.g." does not end a sentence.
    assert rates.bullets == ["The learning rate sets the step, e.g. 0.1 per epoch.", "Too large diverges.",
                             "**Exercise 1 · Pick a rate**"]
    assert rates.image_png == png_figure() and "ask the room first" in rates.notes
    assert "Facilitator" not in " ".join(rates.bullets)
    assert learned.title == "2 · What you learned (extension)"
    assert learned.bullets == ["rates matter", "**so** does `scale`"] and learned.image_png is None


def test_without_objectives_the_title_slide_shows_the_first_sentences(tmp_path):
    title = slides.notebook_slides(tiny_notebook(tmp_path / "42_tiny.ipynb"))[0]
    assert title.bullets == ["A first sentence.", "A second one.", "A third."]


def test_a_long_sentence_is_cut_at_a_word_without_leaving_code_open():
    cut = slides._shorten("word " * 30 + "`a_very_long_code_name_that_runs_past_the_limit " + "x " * 40 + "`")
    assert cut.endswith(" …") and len(cut) <= slides.BULLET_CHARS + 2 and cut.count("`") % 2 == 0


def test_a_big_figure_is_scaled_down_and_a_small_one_kept():
    small = png_figure()
    assert slides.scaled_png(small) is small
    from PIL import Image

    scaled = slides.scaled_png(small, max_px=(120, 90))
    assert Image.open(io.BytesIO(scaled)).size[0] <= 120


def test_a_talk_slot_shows_its_time_and_talking_points_and_a_later_piece_says_which():
    talk = slides.slot_slide(slides.PlanSlot("talk", 9 * 60, 15, "Welcome", points=("The loop", "The flywheel")))
    assert (talk.title, talk.bullets) == ("Welcome", ["*Talk, 15 min, until 09:15*", "The loop", "The flywheel"])
    later = slides.slot_slide(slides.PlanSlot("notebook", 13 * 60, 20, "Data cleaning", "02_x", piece=(2, 2)))
    assert later.title == "Data cleaning (part 2 of 2)"


def test_an_unknown_day_is_refused_naming_the_days(tmp_path):
    with pytest.raises(ValueError, match=r"no day 9 in the agenda: the days are 1, 2, 3"):
        slides.build(ROOT, tmp_path, [9])
    assert slides.main(["--day", "9", "--out", str(tmp_path)], ROOT) == 2


# --- the site's pieces, without a browser ---------------------------------------------------------


def test_escaped_dollars_stay_money_outside_code():
    text = site.money_not_math("costs \\$5 to \\$6, `echo \\$HOME`, math $x$")
    assert text == "costs <span>&#36;</span>5 to <span>&#36;</span>6, `echo \\$HOME`, math $x$"


def test_links_to_notebooks_and_the_glossary_point_at_their_pages():
    text = ('<a href="glossary.md#learning-rate">r</a> <a href="../labs/04_gd.ipynb">n</a> '
            '<a href="05_missing.ipynb">m</a> <a href="https://example.org/x.md">x</a>')
    assert site.link_pages(text, {"glossary", "04_gd"}) == (
        '<a href="glossary.html#learning-rate">r</a> <a href="04_gd.html">n</a> '
        '<a href="05_missing.ipynb">m</a> <a href="https://example.org/x.md">x</a>'
    )


def test_the_link_check_names_missing_pages_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<h2 id="Top-%C2%B7-x">t</h2><a href="b.html#here">ok</a> <a href="b.html#gone">x</a>'
                                     '<a href="#Top-%C2%B7-x">self</a> <img src="c.png"> <a href="https://x.org/y">out</a>')
    (tmp_path / "b.html").write_text('<p id="here">b</p>')
    assert site.broken_links(tmp_path) == [
        "a.html -> b.html#gone: no id 'gone' in b.html",
        "a.html -> c.png: no such file",
    ]


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


@pytest.mark.browser
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


# --- a real build: two solutions and day 1's slides -------------------------------------------------

SITE_NOTEBOOKS = ["00_welcome", "04_linear_regression_gd"]  # the smallest, and the one with the most math


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    site.build(ROOT, out, notebooks=SITE_NOTEBOOKS, days=[1])
    return out


def test_the_site_has_no_broken_link(built_site):
    # The glossary names every notebook; pages this small build left out are the only links allowed to miss.
    left_out = {path.stem for path in (ROOT / "solutions").glob("*.ipynb")} - set(SITE_NOTEBOOKS)
    broken = site.broken_links(built_site)
    assert [line for line in broken if Path(line.split(" -> ")[1].split("#")[0]).stem not in left_out] == []
    assert sorted(p.name for p in built_site.glob("*.html")) == sorted(
        [f"{nb}.html" for nb in SITE_NOTEBOOKS] + ["index.html"] + (["glossary.html"] if site.find_glossary(ROOT) else [])
    )


@pytest.mark.browser
def test_day_slides_open_offline_with_the_agenda_and_a_figure_after_the_arrow_key(built_site, watched):
    open_deck(watched, built_site / "slides" / "day1.html")
    assert current_slide(watched.page)["title"].startswith("Day 1")
    watched.page.keyboard.press("ArrowRight")
    watched.page.wait_for_function("Reveal.getIndices().h === 1")
    agenda = watched.page.evaluate("Reveal.getCurrentSlide().innerText")
    assert "Day 1 agenda" in agenda and "Welcome to Flywheel" in agenda
    watched.screenshot("day1-agenda")
    # The first slide with a figure, reached with the arrow key from the slide before it.
    with_figure = watched.page.evaluate("Reveal.getSlides().findIndex(s => s.querySelector('img'))")
    assert with_figure > 1, "day 1's solutions have figures: one must be on a slide"
    watched.page.evaluate(f"Reveal.slide({with_figure - 1})")
    watched.page.keyboard.press("ArrowRight")
    watched.page.wait_for_function(f"Reveal.getIndices().h === {with_figure}")
    figure = current_slide(watched.page)["img"]
    watched.screenshot("day1-first-figure")
    assert figure["complete"] and figure["naturalWidth"] > 0, figure
    watched.assert_clean()


@pytest.mark.browser
def test_the_speaker_view_shows_a_slides_notes_offline(built_site, watched, browser_context):
    open_deck(watched, built_site / "slides" / "day1.html")
    with_notes = watched.page.evaluate("Reveal.getSlides().findIndex(s => s.querySelector('aside.notes'))")
    assert with_notes > 0, "day 1's notebooks carry instructor notes: a slide must have them as speaker notes"
    notes = watched.page.evaluate(f"Reveal.getSlides()[{with_notes}].querySelector('aside.notes').innerText")
    watched.page.evaluate(f"Reveal.slide({with_notes})")
    with browser_context.expect_page() as opened:
        watched.page.keyboard.press("s")
    speaker = opened.value
    try:
        speaker.wait_for_function("(document.querySelector('.speaker-controls-notes') || {}).innerText?.length > 20")
        shown = speaker.evaluate("document.querySelector('.speaker-controls-notes').innerText")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        speaker.screenshot(path=str(ARTIFACTS / "day1-speaker-view.png"))
    finally:
        speaker.close()
    assert notes.split("\n")[0][:40] in shown
    watched.assert_clean()


@pytest.mark.browser
def test_the_index_links_a_notebook_page_whose_math_is_typeset_offline(built_site, watched):
    page = watched.page
    page.goto((built_site / "index.html").as_uri())
    assert page.locator("table tr").count() > 10  # the day plans, breaks included
    assert page.locator("td.kind", has_text="break").count() >= 3
    page.locator('a[href="04_linear_regression_gd.html"]').first.click()
    page.wait_for_url("**/04_linear_regression_gd.html")
    page.wait_for_function("document.querySelectorAll('.jp-MarkdownCell math').length > 20")
    watched.screenshot("site-04")
    assert page.locator(".katex-error").count() == 0
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("nav.flywheel a", has_text="Day 2 slides").count() == 0  # day 2's deck was not built
    page.locator("nav.flywheel a", has_text="Course index").click()
    page.wait_for_url("**/index.html")
    watched.assert_clean()
