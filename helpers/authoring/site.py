"""``python -m helpers site`` (``make site``): the course as a static site that works offline.

    python -m helpers site                        # build/site/index.html
    python -m helpers site --out /tmp/site --notebook 00_welcome --notebook 09_rl_intro --day 1

What it writes into ``--out``:

- ``index.html``: the agenda (days, slots with clock times and kinds) linking each notebook's page,
  each day's slides and the glossary;
- ``<notebook id>.html``: each executed solution (its stored outputs) through nbconvert's lab
  template, with a navigation bar; links between notebooks and to the glossary point to the pages;
- ``glossary.html``: the course glossary (``glossary.md``), rendered the same way;
- ``slides/day<N>.html``: the day decks (``helpers.authoring.slides``).

Offline: nbconvert's template would load require.js, MathJax and Mermaid from CDNs; here math is
typeset by the vendored KaTeX (MathML output, ``helpers/deck_assets/katex``) and nothing else is
loaded. After building, every relative link and ``#anchor`` is checked; broken ones are listed and
the command exits 1.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from helpers.authoring import slides
from helpers.authoring.plan import is_rest

DEFAULT_OUT = Path("build/site")
KATEX = Path(__file__).resolve().parent.parent / "deck_assets" / "katex"
# Where QZ's glossary may live (the first that exists is used): beside the solutions, or at the root.
GLOSSARY_CANDIDATES = (Path("solutions/glossary.md"), Path("labs/glossary.md"), Path("glossary.md"))

# nbconvert's lab template with its CDN scripts replaced: KaTeX from assets/, no require.js, no
# Mermaid, no widget manager (the solutions store no widget state; a widget shows its text fallback).
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script src="assets/katex/katex.min.js"></script>
<script src="assets/katex/auto-render.min.js"></script>
<script>
document.addEventListener("DOMContentLoaded", () => {
  for (const cell of document.querySelectorAll(".jp-MarkdownCell .jp-MarkdownOutput")) {
    renderMathInElement(cell, { output: "mathml", throwOnError: false,
      delimiters: [{left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false}] });
  }
});
</script>
<style>
html { scroll-padding-top: 3em; } /* an #anchor's heading lands below the sticky bar, not under it */
nav.flywheel { font: 14px/1.6 system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd;
  background: #f7f7f7; position: sticky; top: 0; z-index: 100; }
nav.flywheel a { margin-right: 1.2em; }
</style>
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""

INDEX_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.kind { color: #555; }
tr.rest td { color: #777; background: #fafafa; }
"""


def exporter():
    """nbconvert's HTMLExporter with the offline template."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"flywheel_site.html.j2": TEMPLATE})])
    exporter.template_file = "flywheel_site.html.j2"
    return exporter


ESCAPED_DOLLAR = re.compile(r"(```.*?```|`[^`\n]*`)|\\\$", re.S)


def money_not_math(source: str) -> str:
    """Markdown whose escaped dollars (``\\$5``) stay dollars: nbconvert drops the backslash, and
    KaTeX's auto-render would pair two of them as math. An entity (unseen by nbconvert's math
    parser) alone in a span (KaTeX pairs dollars within one text run only) pairs with nothing.
    Code spans and fences are left as they are."""
    return ESCAPED_DOLLAR.sub(lambda m: m.group(1) or "<span>&#36;</span>", source)


def notebook_page(path: Path, exporter, nav: str) -> str:
    """One notebook as an offline HTML page with ``nav`` (HTML) at the top of its body."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = money_not_math(cell.source)
    return page(notebook, path.stem, exporter, nav)


def page(notebook, name: str, exporter, nav: str) -> str:
    """``notebook`` (a NotebookNode) through ``exporter``, with ``nav`` (HTML) at the top of its body."""
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


def glossary_notebook(path: Path):
    import nbformat

    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(path.read_text(encoding="utf-8"))])


def find_glossary(root: Path) -> Path | None:
    for candidate in GLOSSARY_CANDIDATES:
        if (root / candidate).exists():
            return root / candidate
    return None


PAGE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|//|#)([^"#]*?)([^"/#]+)\.(?:ipynb|md)(#[^"]*)?"', re.I)


def link_pages(text: str, pages: set[str]) -> str:
    """Point links to ``X.ipynb`` / ``X.md`` (any folder) at ``X.html`` when the site has that page."""

    def repoint(match: re.Match) -> str:
        stem, fragment = match.group(2), match.group(3) or ""
        return f'href="{stem}.html{fragment}"' if stem in pages else match.group(0)

    return PAGE_LINK.sub(repoint, text)


def nav_bar(day: int | None, has_glossary: bool, days_with_slides: set[int]) -> str:
    links = ['<a href="index.html">Course index</a>']
    if has_glossary:
        links.append('<a href="glossary.html">Glossary</a>')
    if day in days_with_slides:
        links.append(f'<a href="slides/day{day}.html">Day {day} slides</a>')
    return f'<nav class="flywheel" aria-label="Course">{"".join(links)}</nav>'


def index_page(plan: list[slides.PlanDay], pages: set[str], has_glossary: bool, days_with_slides: set[int]) -> str:
    """The course index: per day, the agenda as a table with links to notebook pages and the slides."""
    parts = ["<h1>Flywheel: the course</h1>", "<p>"]
    if has_glossary:
        parts.append('<a href="glossary.html">Glossary</a> · ')
    parts.append(" · ".join(f'<a href="#day-{day.number}">Day {day.number}</a>' for day in plan) + "</p>")
    for day in plan:
        parts.append(f'<h2 id="day-{day.number}">Day {day.number} · {html.escape(day.theme)}</h2>')
        if day.number in days_with_slides:
            parts.append(f'<p><a href="slides/day{day.number}.html">Slides for day {day.number}</a></p>')
        rows = ["<tr><th>Time</th><th>Kind</th><th>What</th><th>Minutes</th></tr>"]
        for slot in day.slots:
            title = html.escape(slot.title) + html.escape(slides._piece(slot))
            if slot.notebook_id in pages:
                title = f'<a href="{slot.notebook_id}.html">{title}</a>'
            rest = ' class="rest"' if is_rest(slot.kind) else ""
            rows.append(
                f'<tr{rest}><td class="time">{slot.when}</td>'
                f'<td class="kind">{html.escape(slot.kind)}</td><td>{title}</td><td>{slot.minutes}</td></tr>'
            )
        parts.append("<table>" + "".join(rows) + "</table>")
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Flywheel: the course</title>\n<style>{INDEX_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def build(root: Path, out: Path, notebooks: list[str] | None = None, days: list[int] | None = None) -> list[Path]:
    """Write the site into ``out``: every solution (or ``notebooks``, ids) and every day's slides (or
    ``days``). Returns the pages written. Raises ValueError naming an unknown notebook or day."""
    plan = slides.course_plan(root)
    solutions = {path.stem: path for path in sorted((root / "solutions").glob("*.ipynb"))}
    unknown = sorted(set(notebooks or []) - set(solutions))
    if unknown:
        raise ValueError(f"no solution {', '.join(unknown)}: the notebooks are {', '.join(solutions)}")
    chosen = {nb: solutions[nb] for nb in (notebooks or solutions)}
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(KATEX, out / "assets" / "katex", dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))

    decks = slides.build(root, out / "slides", days)
    days_with_slides = {int(re.search(r"\d+", deck.stem).group()) for deck in decks}
    glossary = find_glossary(root)
    pages = set(chosen) | ({"glossary"} if glossary else set())
    day_of = {slot.notebook_id: day.number for day in plan for slot in day.slots if slot.notebook_id}
    export = exporter()
    written = []
    for notebook_id, path in chosen.items():
        nav = nav_bar(day_of.get(notebook_id), glossary is not None, days_with_slides)
        written.append(_write(out / f"{notebook_id}.html", link_pages(notebook_page(path, export, nav), pages)))
    if glossary:
        body = page(glossary_notebook(glossary), "Glossary", export, nav_bar(None, True, set()))
        written.append(_write(out / "glossary.html", link_pages(body, pages)))
    written.append(_write(out / "index.html", index_page(plan, pages, glossary is not None, days_with_slides)))
    return written + decks


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the link check -------------------------------------------------------------------------------


class _Links(HTMLParser):
    """The ids a page defines (each also percent-decoded) and the relative URLs it uses (href and src)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.update((value, unquote(value)))
            elif name in ("href", "src") and not re.match(r"[a-z][a-z0-9+.-]*:|//", value, re.I):
                self.urls.append(value)


def broken_links(site: Path) -> list[str]:
    """Every relative link or ``#anchor`` in the site's pages that points at nothing, as
    ``"page -> url: why"``. Links to other sites (http:, mailto:...) are not followed."""
    parsed: dict[Path, _Links] = {}

    def links(page: Path) -> _Links:
        if page not in parsed:
            parser = _Links()
            parser.feed(page.read_text(encoding="utf-8", errors="replace"))
            parsed[page] = parser
        return parsed[page]

    broken = []
    pages = [p for p in sorted(site.rglob("*.html")) if "deck_assets" not in p.parts and "assets" not in p.parts]
    for page in pages:
        for url in links(page).urls:
            parts = urlsplit(url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            name = f"{page.relative_to(site)} -> {url}"
            if not target.is_file():
                broken.append(f"{name}: no such file")
            elif parts.fragment and target.suffix == ".html":
                # decoded on both sides, so "#caf%C3%A9" finds id="café" and id="caf%C3%A9" alike
                if unquote(parts.fragment) not in links(target).ids:
                    broken.append(f"{name}: no id {unquote(parts.fragment)!r} in {target.name}")
    return broken


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help=f"folder for the site (default: {DEFAULT_OUT})")
    parser.add_argument("--notebook", action="append", help="only this solution id (repeatable); default: all")
    parser.add_argument("--day", type=int, action="append", help="only this day's slides (repeatable); default: all")
    return parser


def main(argv: list[str], root: Path) -> int:
    args = parser().parse_args(argv)
    out = args.out or root / DEFAULT_OUT
    try:
        written = build(root, out, args.notebook, args.day)
    except ValueError as error:
        print(f"site: {error}")
        return 2
    broken = broken_links(out)
    print(f"wrote {len(written)} pages into {out}; open {out / 'index.html'} in a browser (works offline)")
    if broken:
        print(f"{len(broken)} broken link(s): fix the link in the notebook or glossary it comes from:")
        print("\n".join(f"  {line}" for line in broken))
        return 1
    return 0
