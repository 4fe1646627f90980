"""Slide decks as one offline reveal.js HTML file: the course's day slides and a team's capstone talk.

    from helpers.deck import Slide, write_deck
    write_deck("Team Falcon: card fraud", [
        Slide("The problem", ["Chargebacks cost **2.1 %** of revenue", "Target: catch 80 % at 1 % FPR"]),
        Slide("What the model sees", image_png=png_bytes, notes="Say why recall matters here."),
    ], "build/talk/falcon.html")

The deck opens in any browser from ``file://`` with no network: reveal.js 5.2.1 and KaTeX 0.19.1 are
copied from ``helpers/deck_assets/`` into a ``deck_assets/`` folder beside the HTML file (550 KB,
shared by all decks in that folder), and figures are embedded in the HTML as ``data:`` URIs. Arrow
keys move between slides; ``s`` opens the speaker view with each slide's notes.

Text is Markdown (bold, italics, ``code``, links) with math in ``$...$`` / ``$$...$$`` (KaTeX, drawn
as MathML); raw HTML in it is shown as text, never run.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import mistune

__all__ = ["Slide", "write_deck", "ASSETS"]

ASSETS = Path(__file__).resolve().parent / "deck_assets"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Raw HTML in a notebook's Markdown or a learner's text is escaped: a deck never runs what it quotes.
_MARKDOWN = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])
# TeX spans, kept away from Markdown (whose * and _ would eat them) and typeset by KaTeX in the browser.
MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?(?<!\\)\$", re.S)
_HELD = re.compile(r"\\\$|" + MATH.pattern, re.S)  # an escaped dollar (money), or a TeX span
# KaTeX's auto-render over the slides: MathML output (no fonts to load), TeX errors shown in place.
KATEX_SETUP = """renderMathInElement(document.querySelector(".slides"), { output: "mathml", throwOnError: false,
  delimiters: [{left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false},
               {left: "\\\\(", right: "\\\\)", display: false}, {left: "\\\\[", right: "\\\\]", display: true}] });"""

# Slides are 1280x720 (16:9 projectors); a figure takes at most this many pixels of that.
_STYLE = """
.reveal { font-size: 30px; }
.reveal h1 { font-size: 2.0em; } .reveal h2 { font-size: 1.45em; } .reveal h3 { font-size: 1.1em; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; }
.reveal .slides section { text-align: left; }
.reveal .slides section.title-slide { text-align: center; }
.reveal ul { margin-left: 1em; } .reveal li { margin: 0.25em 0; }
.reveal section.dense ul { font-size: 0.72em; }
.reveal .with-figure { display: flex; gap: 24px; align-items: flex-start; }
.reveal .with-figure ul { flex: 1 1 45%; font-size: 0.8em; }
.reveal figure { margin: 0 auto; text-align: center; flex: 1 1 55%; }
.reveal figure img { max-width: 100%; max-height: 520px; object-fit: contain; margin: 0; }
.reveal code { font-size: 0.9em; background: #f3f3f3; padding: 0 0.15em; }
.reveal .subtitle { color: #555; font-size: 0.9em; }
.reveal table { font-size: 0.7em; }
"""


@dataclass
class Slide:
    """One slide: a title, Markdown bullets, an optional PNG figure and speaker notes.

    ``image_png`` is the bytes of a PNG file (e.g. ``fig.savefig(buf, format="png")``), shown beside
    the bullets, scaled to fit (at most 520 px high on the 1280x720 slide). ``image_alt`` is its text
    for a screen reader (default: the slide's title). ``notes`` (Markdown) appear only in the speaker
    view (``s``).
    """

    title: str
    bullets: list[str] = field(default_factory=list)
    image_png: bytes | None = None
    notes: str = ""
    image_alt: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.title, str):
            raise TypeError(f"Slide title must be a str, got {type(self.title).__name__}: {self.title!r}")
        if isinstance(self.bullets, str):
            raise TypeError(
                f"Slide {self.title!r}: bullets must be a list of strings, got one string {self.bullets[:40]!r}; "
                f"write bullets=[{self.bullets[:20]!r}] for a single bullet"
            )
        self.bullets = [str(bullet) for bullet in self.bullets]
        if self.image_png is not None and bytes(self.image_png[:8]) != PNG_SIGNATURE:
            raise ValueError(
                f"Slide {self.title!r}: image_png must be the bytes of a PNG file (they start with "
                f"{PNG_SIGNATURE!r}, these start with {bytes(self.image_png[:8])!r}); save a matplotlib figure "
                "with fig.savefig(buffer, format='png') and pass buffer.getvalue()"
            )


def write_deck(title: str, slides: list[Slide], path: str | Path, *, subtitle: str = "") -> Path:
    """Write ``slides`` after a title slide (``title``, ``subtitle``) as one reveal.js HTML file.

    ``path`` is the HTML file to write (``.html``); its folder is created, and reveal.js is copied
    into ``reveal/`` beside it. Returns the path written. Nothing is fetched from a network, at
    writing or at viewing.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(
            f"write_deck writes one HTML file, and {str(path)!r} does not end in .html: "
            f"give the file's path, e.g. {str(path / 'deck.html')!r}"
        )
    for index, slide in enumerate(slides):
        if not isinstance(slide, Slide):
            raise TypeError(f"slide {index} is a {type(slide).__name__}, not a Slide: wrap it as Slide(title, bullets)")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ASSETS, path.parent / "deck_assets", dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    path.write_text(deck_html(title, slides, subtitle=subtitle), encoding="utf-8")
    return path


def deck_html(title: str, slides: list[Slide], *, subtitle: str = "") -> str:
    """The deck's HTML text (reveal.js and KaTeX loaded from ``deck_assets/`` beside it)."""
    sections = [_title_section(title, subtitle)] + [_section(slide) for slide in slides]
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="deck_assets/reveal/reveal.css">
<link rel="stylesheet" href="deck_assets/reveal/theme/white.css">
<style>{_STYLE}</style>
</head>
<body>
<div class="reveal"><div class="slides">
{body}
</div></div>
<script src="deck_assets/reveal/reveal.js"></script>
<script src="deck_assets/reveal/plugin/notes/notes.js"></script>
<script src="deck_assets/katex/katex.min.js"></script>
<script src="deck_assets/katex/auto-render.min.js"></script>
<script>
{KATEX_SETUP}
Reveal.initialize({{ hash: true, width: 1280, height: 720, margin: 0.04, slideNumber: "c/t",
  transition: "none", plugins: [RevealNotes] }});
</script>
</body>
</html>
"""


def markdown_html(text: str) -> str:
    """Markdown as HTML, raw HTML escaped, TeX spans left whole (escaped) for KaTeX."""
    spans: list[str] = []

    def hold(match: re.Match) -> str:
        spans.append(match.group(0))
        return f"\u27e6{len(spans) - 1}\u27e7"  # ⟦n⟧: Markdown leaves it alone

    def restore(match: re.Match) -> str:
        span = spans[int(match.group(1))]
        # An escaped dollar is money, not math: alone in its element, KaTeX's auto-render pairs it with nothing.
        return "<span>$</span>" if span == "\\$" else html.escape(span, quote=False)

    rendered = _MARKDOWN(_HELD.sub(hold, text))
    return re.sub("\u27e6(\\d+)\u27e7", restore, rendered)


def markdown_inline(text: str) -> str:
    """One line of Markdown as HTML without the paragraph around it."""
    rendered = markdown_html(text).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def _title_section(title: str, subtitle: str) -> str:
    sub = f'\n<p class="subtitle">{markdown_inline(subtitle)}</p>' if subtitle else ""
    return f'<section class="title-slide">\n<h1>{html.escape(title)}</h1>{sub}\n</section>'


def _section(slide: Slide) -> str:
    parts = [f"<h2>{html.escape(slide.title)}</h2>"]
    bullets = "".join(f"<li>{markdown_inline(bullet)}</li>" for bullet in slide.bullets)
    bullets = f"<ul>{bullets}</ul>" if bullets else ""
    if slide.image_png is not None:
        data = base64.b64encode(slide.image_png).decode("ascii")
        alt = html.escape(slide.image_alt or slide.title, quote=True)
        figure = f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"></figure>'
        parts.append(f'<div class="with-figure">{bullets}{figure}</div>' if bullets else figure)
    elif bullets:
        parts.append(bullets)
    if slide.notes.strip():
        parts.append(f'<aside class="notes">{markdown_html(slide.notes)}</aside>')
    # Long text gets a smaller font rather than running off the slide's bottom edge.
    dense = sum(len(bullet) for bullet in slide.bullets) > (250 if slide.image_png else 450)
    return ('<section class="dense">' if dense else "<section>") + "\n" + "\n".join(parts) + "\n</section>"
