"""The course glossary (``solutions/glossary.md``, copied to ``labs/`` by build-labs) and its links.

Every entry is one line, so the file stays a plain page in JupyterLab, on GitHub and on the course site::

    - <a id="cohens-kappa"></a>**Cohen's kappa** (also *kappa*): Agreement ... — [01 § 8 · Labels: where the right answers come from](01_problem_statement.ipynb#cell-id=cell-032)

``<a id>`` is the stable anchor notebooks link to (``[Cohen's kappa](glossary.md#cohens-kappa)``); the
names are the term and its aliases, matched in the notebooks' text; the last link names the notebook and
the heading where the course defines the term, and points at the cell that holds that heading
(``#cell-id=``: JupyterLab opens the notebook scrolled to that cell, or within a few cells of it deep in a
long notebook, where its windowed list estimates heights; nbconvert's HTML, the course site, gives every
cell that id), so the way back lands on the section, not on the notebook's top.

Clicking such a link in a lab opens the glossary in JupyterLab's Markdown Preview scrolled to the term: its
sanitizer keeps ``id`` (as ``data-jupyter-id``), which the preview's ``setFragment`` looks up. It drops
``<a name>``, so an anchor written that way opens the glossary at its top; :func:`load` refuses it
(tests/test_browser.py clicks a link in a real JupyterLab).

The rule the tests enforce: a term's **first use** in the course (solutions in notebook order, markdown
cells a learner sees, i.e. not tagged ``instructor``; headings, code, maths, HTML and other links do not
count) is a link to its anchor. :func:`link_first_uses` adds the missing links; :func:`problems` lists
what breaks the rule, with the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.course.labs import INSTRUCTOR_TAG

__all__ = ["Term", "GlossaryError", "load", "problems", "link_first_uses", "FILE_NAME"]

FILE_NAME = "glossary.md"
ENTRY = re.compile(
    r'^- <a id="(?P<anchor>[a-z0-9]+(?:-[a-z0-9]+)*)"></a>\*\*(?P<term>[^*]+)\*\*'
    r"(?: \(also (?P<aliases>[^)]+)\))?: (?P<definition>.+?)"
    r" — \[(?P<nn>\d\d) § (?P<heading>[^\]]+)\]\((?P<file>\d\d_[a-z0-9_]+\.ipynb)#cell-id=(?P<cell>[\w-]+)\)$"
)
GLOSSARY_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\(" + re.escape(FILE_NAME) + r"#(?P<anchor>[^)\s]+)\)")
# Text that is not prose: a use of a term there neither counts nor gets a link.
PROTECTED = [
    re.compile(r"^#.*$", re.M),  # headings
    re.compile(r"^```.*?^```", re.M | re.S),  # fenced code
    re.compile(r"`[^`\n]+`"),  # inline code
    re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$", re.S),  # display maths
    re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?(?<![\\$])\$"),  # inline maths ("\$14,000" is money, not maths)
    re.compile(r"\[[^\]]*\]\([^)\n]*\)"),  # links (their text may break across lines), glossary links included
    re.compile(r"<[^>\n]+>"),  # HTML tags
    re.compile(r"https?://\S+"),
]


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the line and the fix."""


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str
    aliases: tuple[str, ...]
    definition: str
    notebook: str  # "01"
    heading: str  # the heading of that notebook under which the course defines it
    file: str  # "01_problem_statement.ipynb"
    cell: str  # the id of that notebook's cell that holds the heading

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)

    def pattern(self) -> re.Pattern:
        """Any of the names as a whole word (a plural -s/-es allowed), case-insensitive."""
        names = sorted(self.names, key=len, reverse=True)
        body = "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)  # a line may break a name
        return re.compile(rf"(?<![\w-])(?:{body})(?:e?s)?(?![\w-])", re.I)


def load(path: str | Path) -> list[Term]:
    """The glossary's entries, in file order; every ``- <a id=...`` line must be a well-formed entry."""
    path = Path(path)
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("- <a "):
            continue
        match = ENTRY.match(line)
        if match is None:
            named = " (JupyterLab drops an <a name> anchor, so a link to it opens the glossary at its top)"
            raise GlossaryError(
                f"{path.name} line {number} is not a glossary entry{named if '<a name=' in line else ''}: write it as "
                '- <a id="term-anchor"></a>**Term** (also *alias*): Definition. — [NN § Heading](NN_topic.ipynb#cell-id=ID) '
                "(ID: the id of the cell that holds the heading)"
            )
        anchor = match["anchor"]
        if anchor in seen:
            raise GlossaryError(f"{path.name} line {number}: anchor {anchor!r} is used on line {seen[anchor]} too: make it unique.")
        seen[anchor] = number
        aliases = tuple(a.strip().strip("*") for a in (match["aliases"] or "").split(",") if a.strip())
        terms.append(
            Term(anchor, match["term"], aliases, match["definition"], match["nn"], match["heading"], match["file"], match["cell"])
        )
    if not terms:
        raise GlossaryError(f"{path.name} holds no entries: add lines such as - <a id=\"accuracy\"></a>**Accuracy**: ...")
    return terms


def masked(text: str) -> str:
    """``text`` with every protected region blanked out (same length, so positions still match)."""
    chars = list(text)
    for pattern in PROTECTED:
        for match in pattern.finditer(text):
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def _cells(notebooks: list[Path]):
    """(notebook, cell index, cell) of every markdown cell a learner sees, in course order."""
    for path in sorted(notebooks, key=lambda p: p.name):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if _visible(cell):
                yield path, index, cell


def _first_use(term: Term, text: str, prose: str | None = None) -> tuple[int, bool] | None:
    """Where ``term`` is first used in one cell's text, and whether that use is a link to its anchor.

    ``prose`` is ``masked(text)`` when the caller already has it (it is the costly part).
    """
    uses = [(m.start(), True) for m in GLOSSARY_LINK.finditer(text) if m["anchor"] == term.anchor]
    plain = _pattern(term).search(masked(text) if prose is None else prose)
    if plain:
        uses.append((plain.start(), False))
    return min(uses) if uses else None


_PATTERNS: dict[Term, re.Pattern] = {}


def _pattern(term: Term) -> re.Pattern:
    if term not in _PATTERNS:
        _PATTERNS[term] = term.pattern()
    return _PATTERNS[term]


def problems(glossary: str | Path, notebooks: list[Path]) -> list[str]:
    """Everything that breaks the glossary's rules, one message each (empty when all is well)."""
    terms = load(glossary)
    anchors = {t.anchor for t in terms}
    found: list[str] = []
    first: dict[str, tuple[Path, int, bool]] = {}
    headings: dict[str, dict[str, str]] = {}  # notebook -> heading -> id of the cell that holds it
    for path, index, cell in _cells(notebooks):
        for line in cell.source.splitlines():
            if line.startswith("#"):
                headings.setdefault(path.name, {}).setdefault(line.lstrip("#").strip(), cell.get("id", ""))
        for match in GLOSSARY_LINK.finditer(cell.source):
            if match["anchor"] not in anchors:
                found.append(
                    f"{path.name} cell {index}: link [{match['text']}]({FILE_NAME}#{match['anchor']}) points to no "
                    f"glossary anchor: fix the anchor or add the term to {FILE_NAME}"
                )
        prose = masked(cell.source)
        for term in terms:
            if term.anchor not in first:
                use = _first_use(term, cell.source, prose)
                if use is not None:
                    first[term.anchor] = (path, index, use[1])
    for term in terms:
        if term.anchor not in first:
            found.append(f"{term.term!r} ({FILE_NAME}#{term.anchor}) appears in no notebook: use it, or give it the alias the notebooks use")
        elif not first[term.anchor][2]:
            path, index, _ = first[term.anchor]
            found.append(
                f"{term.term!r} is first used in {path.name} cell {index} without a link to {FILE_NAME}#{term.anchor}: "
                "run helpers.authoring.glossary.link_first_uses, or link it by hand"
            )
        cell = headings.get(term.file, {}).get(term.heading)
        if cell is None:
            found.append(f"{term.term!r}: {term.file} has no heading {term.heading!r}: name the section that defines it")
        elif cell != term.cell:
            found.append(
                f"{term.term!r}: {term.file}#cell-id={term.cell} is not the cell of heading {term.heading!r}: "
                f"point the link at {term.file}#cell-id={cell}"
            )
    return found


def link_first_uses(glossary: str | Path, notebooks: list[Path]) -> dict[str, int]:
    """Link every term's first use to its anchor, in place; return how many links each notebook got.

    Longer names go first, so "precision-recall curve" is linked before "precision" could match in it;
    only markdown sources change, and a notebook without a new link is not rewritten.
    """
    terms = sorted(load(glossary), key=lambda t: len(t.term), reverse=True)
    books = {path: nbformat.read(path, as_version=4) for path in sorted(notebooks, key=lambda p: p.name)}
    added = {path.name: 0 for path in books}
    for term in terms:
        for path, notebook in books.items():
            linked = _link_in(term, notebook)
            if linked:
                added[path.name] += 1
            if linked is not None:  # the first notebook that uses the term
                break
    for path, notebook in books.items():
        if added[path.name]:
            path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return added


def _visible(cell) -> bool:
    """A markdown cell a learner sees (not tagged ``instructor``)."""
    return cell.cell_type == "markdown" and INSTRUCTOR_TAG not in cell.metadata.get("tags", [])


def _link_in(term: Term, notebook) -> bool | None:
    """Link the first use of ``term`` in ``notebook`` when it is a plain use: True when a link was added,
    False when that use is a link already, None when the notebook does not use the term."""
    for cell in filter(_visible, notebook.cells):
        prose = masked(cell.source)
        use = _first_use(term, cell.source, prose)
        if use is None:
            continue
        if use[1]:
            return False  # already linked
        match = _pattern(term).search(prose)
        text = cell.source
        cell.source = f"{text[: match.start()]}[{text[match.start(): match.end()]}]({FILE_NAME}#{term.anchor}){text[match.end():]}"
        return True
    return None
