"""The architecture write-up of an ML solution: components, data flow, and the decisions with reasons.

The Day-1 :class:`~helpers.problem.ProblemStatement` says what is solved and how success is
measured; this write-up says how the solution is built. It is what a reviewer reads before a
design review, and what the capstone (notebook 10) generates::

    arch = Architecture.from_problem(statement)          # or Architecture(title="...")
    arch.add_component("payments", "Card payments", kind="data")
    arch.add_component("endpoint", "Fraud endpoint", kind="serving")
    arch.add_flow("payments", "endpoint", "payment features")
    arch.decide("Review threshold", "flag scores >= 0.30", "cheapest on validation: $5 a review vs the refund")
    arch.plot(); plt.show()          # boxes and arrows (matplotlib)
    print(arch.to_mermaid())         # the same diagram as a Mermaid flowchart (renders on GitHub)
    arch.save()                      # $FLYWHEEL_HOME/writeups/architecture.md (+ architecture.png)

Every component has a ``kind`` (see :data:`KINDS`); a production ML solution needs at least one of
each kind in :data:`REQUIRED_KINDS` (where the data lives, where the model is trained, where it is
served, how it is watched). Mistakes are refused at once with a message naming the problem and the
fix, and the architecture is left as it was: an arrow to a component that does not exist, a
decision without a reason, a second component under the same name. What can only be judged on the
whole (a missing kind, a component with no arrow) is listed by :meth:`Architecture.problems` and
raised by :meth:`Architecture.validate`, which rendering and saving call first.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

__all__ = ["Architecture", "ArchitectureError", "Component", "Flow", "Decision", "KINDS", "REQUIRED_KINDS"]

# Okabe-Ito (helpers.plots.PALETTE), written out here: helpers.plots imports matplotlib, this module must not.
_OKABE_ITO = {"black": "#000000", "blue": "#0072B2", "bluish green": "#009E73", "orange": "#E69F00",
              "yellow": "#F0E442", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}


def _tint(hex_colour: str, strength: float = 0.3) -> str:
    """The colour mixed with white (``strength`` 0: white, 1: the colour): a fill black text reads well on."""
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - strength * (255 - c)):02x}" for c in rgb)


def _kind(edge: str, opening: str, closing: str, means: str) -> dict[str, str]:
    return {"edge": _OKABE_ITO[edge], "colour": _tint(_OKABE_ITO[edge]), "open": opening, "close": closing,
            "means": means}


#: What a component is: its box's outline (an Okabe-Ito colour) and fill (a tint of it), its Mermaid
#: shape (opening, closing) and what it means. The plot also writes the kind on each box: colour is
#: never the only cue.
KINDS: dict[str, dict[str, str]] = {
    "application": _kind("black", "[/", "/]", "a system or people using the results"),
    "data": _kind("blue", "[(", ")]", "a data source or store (table, bucket, lake)"),
    "processing": _kind("bluish green", "[", "]", "a job that transforms data (features, labels)"),
    "training": _kind("orange", "[[", "]]", "a training or tuning job"),
    "model": _kind("yellow", "{{", "}}", "a model artifact or registry entry"),
    "serving": _kind("vermillion", "([", "])", "an endpoint or batch transform that predicts"),
    "monitoring": _kind("reddish purple", ">", "]", "what watches the model in production"),
}
#: The kinds every production ML architecture has, and an example of each for the error message.
REQUIRED_KINDS: dict[str, str] = {
    "data": "arch.add_component('lake', 'Data lake', kind='data')",
    "training": "arch.add_component('training', 'Training job', kind='training')",
    "serving": "arch.add_component('endpoint', 'Real-time endpoint', kind='serving')",
    "monitoring": "arch.add_component('monitor', 'Model Monitor', kind='monitoring')",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Words a Mermaid flowchart reads as syntax: a node with such an id breaks the diagram.
_MERMAID_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click", "linkstyle",
                     "direction", "default"}


class ArchitectureError(ValueError):
    """The architecture is incomplete or inconsistent; the message names each problem and its fix."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            super().__init__(self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            super().__init__(f"the architecture needs work on {len(self.problems)} point(s):\n{lines}")


def _text(value: Any, what: str, example: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ArchitectureError(f"{what} is a {type(value).__name__} ({value!r}): write it as text, e.g. {example}.")
    return " ".join(value.split())


@dataclass(frozen=True)
class Component:
    """One box of the diagram.

    ``name`` is the id used in flows (lower case, digits, underscores: ``"feature_job"``);
    ``label`` the text in the box (defaults to the name); ``kind`` one of :data:`KINDS`;
    ``description`` one sentence on what it does (shown in the write-up's table).
    """

    name: str
    label: str = ""
    kind: str = "processing"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            suggestion = re.sub(r"[^a-z0-9_]+", "_", str(self.name).lower()).strip("_") or "my_component"
            if not suggestion[0].isalpha():
                suggestion = "c_" + suggestion
            raise ArchitectureError(
                f"component name {self.name!r} is not an id: use lower-case letters, digits and underscores, "
                f"starting with a letter, e.g. {suggestion!r}; put the readable text in label=."
            )
        if self.name in _MERMAID_RESERVED:
            raise ArchitectureError(
                f"component name {self.name!r} is a Mermaid keyword and would break the flowchart: "
                f"rename it, e.g. {self.name + '_step'!r}."
            )
        if self.kind not in KINDS:
            close = difflib.get_close_matches(str(self.kind), KINDS, n=1)
            raise ArchitectureError(
                f"component {self.name!r} has the unknown kind {self.kind!r}"
                f"{f' (did you mean {close[0]!r}?)' if close else ''}: use one of {', '.join(KINDS)}."
            )
        label = _text(self.label, f"the label of component {self.name!r}", "label='Data lake'")
        object.__setattr__(self, "label", label or self.name)
        object.__setattr__(self, "description", _text(self.description, f"the description of {self.name!r}",
                                                      "description='Stores every payment as parquet'"))


@dataclass(frozen=True)
class Flow:
    """One arrow: data going from component ``source`` to component ``target``, with what it carries."""

    source: str
    target: str
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _text(self.label, f"the label of the flow {self.source!r} -> {self.target!r}",
                                                "'payment features'"))
        if self.source == self.target:
            raise ArchitectureError(
                f"the flow {self.source!r} -> {self.target!r} goes from a component to itself: an arrow joins two "
                "different components; describe a step inside one component in its description instead."
            )


@dataclass(frozen=True)
class Decision:
    """A design decision: the ``topic`` decided, the ``choice`` made, the ``reason`` (evidence, numbers),
    and the ``alternatives`` considered. A decision without a reason is refused: the reason is the point."""

    topic: str
    choice: str
    reason: str
    alternatives: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        topic = _text(self.topic, "the decision's topic", "'Review threshold'")
        if not topic:
            raise ArchitectureError("a decision has an empty topic: say what was decided, e.g. topic='Review threshold'.")
        choice = _text(self.choice, f"the choice of decision {topic!r}", "'flag scores >= 0.30'")
        if not choice:
            raise ArchitectureError(
                f"decision {topic!r} has an empty choice: say what was chosen, e.g. choice='flag scores >= 0.30'."
            )
        reason = _text(self.reason, f"the reason of decision {topic!r}", "'cheapest on the validation days'")
        if not reason:
            raise ArchitectureError(
                f"decision {topic!r} has an empty reason: say why {choice!r} was chosen (the evidence, a number, "
                "the business constraint), e.g. reason='cheapest threshold on the validation days: $2,900 vs $9,100'."
            )
        alternatives = self.alternatives
        if isinstance(alternatives, str):
            alternatives = (alternatives,)
        if not isinstance(alternatives, (list, tuple)) or not all(isinstance(a, str) for a in alternatives):
            raise ArchitectureError(
                f"the alternatives of decision {topic!r} must be a list of short texts, e.g. ['threshold 0.5'], "
                f"got {alternatives!r}."
            )
        object.__setattr__(self, "topic", topic)
        object.__setattr__(self, "choice", choice)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "alternatives", tuple(" ".join(a.split()) for a in alternatives if a.strip()))


@dataclass
class Architecture:
    """Components, data flows and decisions of one ML solution, rendered as a diagram and markdown.

    ``problem`` is the Day-1 :class:`~helpers.problem.ProblemStatement` the solution answers (optional;
    its problem, business metric and baseline open the write-up). ``components``, ``flows`` and
    ``decisions`` may be given here or added one by one with :meth:`add_component`,
    :meth:`add_flow` and :meth:`decide`; both ways check the same things.
    """

    title: str
    problem: Any = None
    components: list[Component] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = _text(self.title, "the title", "'Card-fraud detection'")
        if self.problem is not None:
            from helpers.problem import ProblemStatement

            if not isinstance(self.problem, ProblemStatement):
                raise ArchitectureError(
                    f"problem is a {type(self.problem).__name__}: pass the Day-1 ProblemStatement "
                    "(ProblemStatement.load(ProblemStatement.default_path())) or leave it out."
                )
        components, flows, decisions = list(self.components), list(self.flows), list(self.decisions)
        self.components, self.flows, self.decisions = [], [], []
        for component in components:
            self._add_component(component)
        for flow in flows:
            self._add_flow(flow)
        for decision in decisions:
            self._add_decision(decision)

    @classmethod
    def from_problem(cls, statement: Any, title: str | None = None) -> "Architecture":
        """An empty architecture for a Day-1 problem statement, titled after it."""
        from helpers.problem import ProblemStatement

        if not isinstance(statement, ProblemStatement):
            raise ArchitectureError(
                f"from_problem needs a ProblemStatement, got a {type(statement).__name__}: build one or load it with "
                "ProblemStatement.load(ProblemStatement.default_path())."
            )
        return cls(title=title or statement.title, problem=statement)

    # ------------------------------------------------------------------------------- building
    def component(self, name: str) -> Component:
        """The component called ``name`` (a clear error, with the closest name, when there is none)."""
        for component in self.components:
            if component.name == name:
                return component
        raise ArchitectureError(self._unknown(name, "component"))

    def _unknown(self, name: Any, role: str) -> str:
        names = [c.name for c in self.components]
        if not names:
            return (f"the {role} {name!r} does not exist: this architecture has no components yet; "
                    f"add it first with arch.add_component({name!r}, '<label>', kind='...').")
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return (f"the {role} {name!r} is not a component of this architecture ({hint}components: {', '.join(names)}): "
                f"add it first with arch.add_component({name!r}, '<label>', kind='...'), or fix the name.")

    def _add_component(self, component: Component) -> Component:
        if not isinstance(component, Component):
            raise ArchitectureError(
                f"components must be Component(...) objects, got a {type(component).__name__}: "
                "use arch.add_component(name, label, kind=...)."
            )
        for existing in self.components:
            if existing.name == component.name:
                if existing == component:
                    return existing  # re-running a notebook cell adds nothing twice
                raise ArchitectureError(
                    f"there is already a component {component.name!r} ({existing.label}, {existing.kind}): give the new one "
                    "another name, or build a new Architecture to start over."
                )
        self.components.append(component)
        return component

    def add_component(self, name: str, label: str = "", *, kind: str = "processing", description: str = "") -> Component:
        """Add a box; ``kind`` is one of :data:`KINDS`. Adding the very same component again does nothing."""
        return self._add_component(Component(name, label, kind, description))

    def _add_flow(self, flow: Flow) -> Flow:
        if not isinstance(flow, Flow):
            raise ArchitectureError(
                f"flows must be Flow(...) objects, got a {type(flow).__name__}: use arch.add_flow(source, target, label)."
            )
        names = {c.name for c in self.components}
        for end, role in ((flow.source, "source"), (flow.target, "target")):
            if end not in names:
                raise ArchitectureError(
                    f"the flow {flow.source!r} -> {flow.target!r} cannot be drawn: " + self._unknown(end, role)
                )
        if flow not in self.flows:
            self.flows.append(flow)
        return flow

    def add_flow(self, source: str, target: str, label: str = "") -> Flow:
        """Add an arrow from ``source`` to ``target`` (both component names) labelled with what it carries."""
        return self._add_flow(Flow(source, target, label))

    def _add_decision(self, decision: Decision) -> Decision:
        if not isinstance(decision, Decision):
            raise ArchitectureError(
                f"decisions must be Decision(...) objects, got a {type(decision).__name__}: use "
                "arch.decide(topic, choice, reason)."
            )
        for i, existing in enumerate(self.decisions):
            if existing.topic.lower() == decision.topic.lower():
                self.decisions[i] = decision  # a decision revisited replaces the old one, in place
                return decision
        self.decisions.append(decision)
        return decision

    def decide(self, topic: str, choice: str, reason: str, alternatives: Iterable[str] = ()) -> Decision:
        """Record a decision (deciding the same topic again replaces the earlier choice)."""
        alternatives = (alternatives,) if isinstance(alternatives, str) else tuple(alternatives)
        return self._add_decision(Decision(topic, choice, reason, alternatives))

    def decision(self, topic: str) -> Decision:
        """The decision on ``topic`` (case-insensitive)."""
        for decision in self.decisions:
            if decision.topic.lower() == str(topic).lower():
                return decision
        known = ", ".join(repr(d.topic) for d in self.decisions) or "none yet"
        raise ArchitectureError(f"no decision on {topic!r} (decisions: {known}): add it with arch.decide({topic!r}, choice, reason).")

    # ------------------------------------------------------------------------------- checking
    def problems(self) -> list[str]:
        """One message per gap that only shows on the whole architecture; ``[]`` when ready to render."""
        found: list[str] = []
        if not self.title:
            found.append("the title is empty: name the solution, e.g. Architecture(title='Card-fraud detection').")
        if not self.components:
            found.append("there are no components: add the boxes of the pipeline with arch.add_component(name, label, kind=...).")
        kinds = {c.kind for c in self.components}
        for kind, example in REQUIRED_KINDS.items():
            if self.components and kind not in kinds:
                found.append(f"no {kind} component ({KINDS[kind]['means']}): every production ML solution has one; "
                             f"add it, e.g. {example}.")
        connected = {f.source for f in self.flows} | {f.target for f in self.flows}
        for component in self.components:
            if component.name not in connected and len(self.components) > 1:
                found.append(f"component {component.name!r} has no flow in or out: connect it with "
                             f"arch.add_flow({component.name!r}, '<other>', '<what flows>') or leave it out.")
        if not self.decisions:
            found.append("no decisions are recorded: the write-up must say why it is built this way; add them with "
                         "arch.decide(topic, choice, reason).")
        return found

    def validate(self) -> "Architecture":
        """Raise :class:`ArchitectureError` listing every problem; return ``self`` when there is none."""
        found = self.problems()
        if found:
            raise ArchitectureError(found)
        return self

    # ------------------------------------------------------------------------------- layout
    def layers(self) -> dict[str, int]:
        """The column of each component in the diagram: the longest chain of flows leading to it.

        Arrows that close a loop (monitoring feeding retraining) are left out of the count, so a
        cycle does not push boxes to the right forever; which arrow closes a loop follows the order
        the components were added.
        """
        order = [c.name for c in self.components]
        outgoing: dict[str, list[str]] = {name: [] for name in order}
        for flow in self.flows:
            outgoing[flow.source].append(flow.target)
        # Depth-first search in insertion order: an arrow to a node still on the stack closes a loop.
        state: dict[str, int] = {}
        back: set[tuple[str, str]] = set()
        finished: list[str] = []
        for root in order:
            if root in state:
                continue
            stack = [(root, iter(outgoing[root]))]
            state[root] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    finished.append(node)
                    stack.pop()
                elif state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(outgoing[child])))
        layer = {name: 0 for name in order}
        for node in reversed(finished):  # reverse post-order is a topological order without back edges
            for child in outgoing[node]:
                if (node, child) not in back:
                    layer[child] = max(layer[child], layer[node] + 1)
        return layer

    def _positions(self) -> dict[str, tuple[float, float]]:
        layer = self.layers()
        rows: dict[int, list[str]] = {}
        for component in self.components:
            rows.setdefault(layer[component.name], []).append(component.name)
        tallest = max(len(names) for names in rows.values())
        positions = {}
        for column, names in rows.items():
            offset = (tallest - len(names)) / 2  # centre short columns vertically
            for row, name in enumerate(names):
                positions[name] = (column * 3.4, -(row + offset) * 1.6)
        return positions

    # ------------------------------------------------------------------------------- rendering
    def plot(self, ax=None):
        """Draw the components as boxes and the flows as labelled arrows; return the Axes.

        A box's colours say its kind (:data:`KINDS`), and so does a tag on its top edge with the kind's
        name: the diagram reads the same in greyscale or to a colour-blind reader.
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import FancyBboxPatch, Patch

        self.validate()
        positions = self._positions()
        xs = [x for x, _ in positions.values()]
        ys = [y for _, y in positions.values()]
        created = ax is None
        if created:
            ax = plt.subplots()[1]
        # Inches per diagram unit: wide pipelines shrink to fit a page, and their text with them.
        scale = min(0.62, 15.0 / (max(xs) - min(xs) + 2.6))
        text_size = 8.0 * scale / 0.62
        boxes = {}
        for component in self.components:
            x, y = positions[component.name]
            kind = KINDS[component.kind]
            box = FancyBboxPatch((x - 1.05, y - 0.42), 2.1, 0.84, boxstyle="round,pad=0.04,rounding_size=0.12",
                                 facecolor=kind["colour"], edgecolor=kind["edge"], linewidth=1.4, zorder=2)
            ax.add_patch(box)
            boxes[component.name] = box
            ax.text(x, y - 0.04, textwrap.fill(component.label, 15), ha="center", va="center", fontsize=text_size,
                    zorder=3)
            # The kind in words, on the box's top edge: the second cue after the colour.
            ax.text(x, y + 0.46, component.kind, ha="center", va="center", fontsize=text_size * 0.8, style="italic",
                    zorder=5, gid=f"kind:{component.name}",
                    bbox=dict(boxstyle="round,pad=0.12", facecolor="white", edgecolor=kind["edge"], linewidth=0.8))
        layer = self.layers()
        low, high = min(ys) - 0.6, max(ys) + 0.6
        for flow in self.flows:
            (x0, y0), (x1, y1) = positions[flow.source], positions[flow.target]
            dx, dy = x1 - x0, y1 - y0
            length = max(float(np.hypot(dx, dy)), 1e-9)
            span = abs(layer[flow.target] - layer[flow.source])
            # Arrows to the next column go straight. Longer ones would cross the boxes in between: forward
            # ones bow below the row, loops (back to an earlier column) arch above it, higher when longer.
            # arc3 puts its control point at the midpoint + rad * (dy, -dx); the curve's apex is half way there.
            if layer[flow.target] == layer[flow.source] + 1:
                rad = 0.0
            elif layer[flow.target] > layer[flow.source]:
                rad = 2 * (0.55 + 0.25 * (span - 1)) / length
            else:
                rad = 2 * (0.9 + 0.3 * span) / length
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color="0.25", linewidth=1.0, shrinkA=2, shrinkB=2,
                                        patchA=boxes[flow.source], patchB=boxes[flow.target],
                                        connectionstyle=f"arc3,rad={rad:.4f}"))
            mx, my = (x0 + x1) / 2 + rad * dy / 2, (y0 + y1) / 2 - rad * dx / 2  # on the curve, at its apex
            low, high = min(low, my - 0.3), max(high, my + 0.3)
            if flow.label:
                ax.text(mx, my, textwrap.fill(flow.label, 14), ha="center", va="center", fontsize=text_size * 0.82, color="0.2",
                        zorder=4, bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
        ax.set_xlim(min(xs) - 1.3, max(xs) + 1.3)
        ax.set_ylim(low, high)
        if created:  # a figure as wide as the pipeline, at a scale where the labels stay readable
            ax.figure.set_size_inches((max(xs) - min(xs) + 2.6) * scale, (high - low) * scale + 0.9)
        ax.set_aspect("equal")
        ax.axis("off")
        used = [kind for kind in KINDS if any(c.kind == kind for c in self.components)]
        ax.legend(handles=[Patch(facecolor=KINDS[k]["colour"], edgecolor=KINDS[k]["edge"], label=k) for k in used],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(used), fontsize=text_size * 0.9, frameon=False)
        ax.set_title(self.title, fontsize=11)
        return ax

    def in_words(self) -> str:
        """The diagram as one paragraph: every component with its kind, then every flow with its label.

        The text equivalent of :meth:`plot` (for a screen reader, or a reader who prefers text); the
        Mermaid diagram carries it as its accessible description.
        """
        self.validate()
        labels = {c.name: c.label for c in self.components}
        components = "; ".join(f"{c.label} ({c.kind})" for c in self.components)
        flows = "; ".join(f"{labels[f.source]} to {labels[f.target]}" + (f" ({f.label})" if f.label else "")
                          for f in self.flows)
        return (f"{len(self.components)} components: {components}. "
                f"{len(self.flows)} flow{'s' if len(self.flows) != 1 else ''}: {flows}.")

    def to_mermaid(self) -> str:
        """The diagram as a Mermaid flowchart (left to right; shapes and colours by kind).

        Its ``accTitle`` and ``accDescr`` (the title and :meth:`in_words`) become the rendered SVG's
        alt text and screen-reader description: JupyterLab and GitHub both pass them on.
        """
        self.validate()

        def quoted(text: str) -> str:
            return '"' + text.replace('"', "#quot;") + '"'

        def one_line(text: str) -> str:  # Mermaid reads an accessibility line up to its end
            return " ".join(text.split())

        lines = ["flowchart LR", f"    accTitle: {one_line(self.title)}", f"    accDescr: {one_line(self.in_words())}"]
        for c in self.components:
            shape = KINDS[c.kind]
            lines.append(f"    {c.name}{shape['open']}{quoted(c.label)}{shape['close']}")
        for f in self.flows:
            arrow = f" -->|{quoted(f.label)}| " if f.label else " --> "
            lines.append(f"    {f.source}{arrow}{f.target}")
        for kind in KINDS:
            members = [c.name for c in self.components if c.kind == kind]
            if members:
                lines.append(f"    classDef {kind} fill:{KINDS[kind]['colour']},stroke:{KINDS[kind]['edge']}")
                lines.append(f"    class {','.join(members)} {kind}")
        return "\n".join(lines)

    def to_markdown(self, diagram: str | None = None) -> str:
        """The write-up: the problem, the components, the data flow (Mermaid, plus ``diagram`` as an
        image when a file name is given) and the decisions with their reasons."""
        self.validate()
        lines = [f"# Architecture: {self.title}", ""]
        if self.problem is not None:
            lines += ["## The problem", "", self.problem.problem, "",
                      f"- **Business metric:** {self.problem.business_metric}",
                      f"- **Baseline:** {self.problem.baseline}", "",
                      "The full Day-1 problem statement is in `problem_statement.md`.", ""]
        lines += ["## Components", "", "| component | kind | what it does |", "|---|---|---|"]
        for c in self.components:
            lines.append(f"| {_cell(c.label)} | {c.kind} | {_cell(c.description) or '-'} |")
        lines += ["", "## Data flow", ""]
        if diagram:
            lines += [f"![Components and data flow]({diagram})", ""]
        lines += ["```mermaid", self.to_mermaid(), "```", ""]
        labels = {c.name: c.label for c in self.components}
        lines += [f"- {labels[f.source]} → {labels[f.target]}" + (f": {f.label}" if f.label else "") for f in self.flows]
        lines += ["", "## Decisions", ""]
        for number, d in enumerate(self.decisions, start=1):
            lines += [f"### {number}. {d.topic}", "", f"- **Choice:** {d.choice}", f"- **Why:** {d.reason}"]
            if d.alternatives:
                lines.append(f"- **Alternatives considered:** {'; '.join(d.alternatives)}")
            lines.append("")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown() if not self.problems() else f"**{self.title}** (incomplete: {len(self.problems())} problem(s))"

    def __repr__(self) -> str:
        return (f"Architecture({self.title!r}: {len(self.components)} components, {len(self.flows)} flows, "
                f"{len(self.decisions)} decisions)")

    # ------------------------------------------------------------------------------- files
    def save(self, folder: str | Path | None = None, name: str = "architecture") -> Path:
        """Write ``<name>.md`` and its diagram ``<name>.png`` to ``folder``; return the markdown's path.

        ``folder`` defaults to the write-ups folder next to the Day-1 problem statement
        (``$FLYWHEEL_HOME/writeups``). Nothing is written when the architecture has a problem.
        """
        import matplotlib.pyplot as plt

        from helpers.problem import ProblemStatement

        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ArchitectureError(f"name {name!r} is not a plain file name: use letters, digits, '-' or '_', e.g. 'architecture'.")
        self.validate()
        folder = Path(folder) if folder is not None else ProblemStatement.default_path().parent
        folder.mkdir(parents=True, exist_ok=True)
        ax = self.plot()
        ax.figure.savefig(folder / f"{name}.png", dpi=120, bbox_inches="tight", metadata={"Software": None})
        plt.close(ax.figure)
        path = folder / f"{name}.md"
        path.write_text(self.to_markdown(diagram=f"{name}.png"), encoding="utf-8")
        return path


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|")
