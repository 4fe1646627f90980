"""The Business Model Canvas and where ML adds value: its nine blocks as data, the course's scenarios
placed on them, and a check of a learner's placement.

The canvas (Osterwalder and Pigneur, *Business Model Generation*, 2010) describes a business in nine
blocks (:data:`BLOCKS`). ML adds value in a block when a prediction improves what the block is about:
who the customers are (segments), what they get (value propositions), how they are reached and kept
(channels, relationships), what the business does and has (key activities, resources), and the money
(costs, revenue). Each course scenario (:data:`SCENARIOS`) lists the blocks where its model adds
value, and its lever: it **saves cost** or **grows revenue** (the two payoffs of notebook 01's flywheel).

    from helpers.framing import canvas
    print(canvas.printable())                                  # the blocks and the scenarios to place
    result = canvas.check_mapping({"card_fraud": "cost structure", "churn": ["customer relationships"], ...})
    print(result.summary())
    canvas.plot_canvas(canvas.model_mapping()); print(canvas.canvas_text(canvas.model_mapping()))
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from helpers.framing.decisions import Judgement, Verdict, normalise

__all__ = ["MISTAKES", "BLOCKS", "Scenario", "SCENARIOS", "LEVERS", "block", "check_mapping", "model_mapping", "printable",
           "canvas_text", "plot_canvas"]

#: The nine blocks: name -> (the question it answers, an example of ML adding value there).
BLOCKS: dict[str, tuple[str, str]] = {
    "key partners": ("Who helps us: suppliers, partners?", "score suppliers' delivery risk; buy a model from a partner"),
    "key activities": ("What must we do well to deliver?", "automate review and inspection: score every payment, every part"),
    "key resources": ("What must we have: people, machines, data?", "forecast staff and stock; keep machines running"),
    "value propositions": ("What do customers get from us?", "a smarter product: recommendations, instant valuations"),
    "customer relationships": ("How do we win and keep customers?", "act before a customer leaves or defaults"),
    "channels": ("How do we reach customers?", "choose the channel and the moment each customer responds to"),
    "customer segments": ("Whom do we serve?", "find segments nobody defined, from behaviour"),
    "cost structure": ("What does running the business cost?", "cut losses: fraud, defaults, breakdowns, waste"),
    "revenue streams": ("How do we earn money?", "dynamic prices, more sales per customer, fewer lost customers"),
}

#: The two payoffs of ML (notebook 01's flywheel).
LEVERS = ("save cost", "grow revenue")

_ALIASES = {
    "partners": "key partners", "key partner": "key partners", "activities": "key activities",
    "key activity": "key activities", "resources": "key resources", "key resource": "key resources",
    "value proposition": "value propositions", "value": "value propositions", "proposition": "value propositions",
    "relationships": "customer relationships", "customer relationship": "customer relationships",
    "channel": "channels", "segments": "customer segments", "customer segment": "customer segments",
    "costs": "cost structure", "cost": "cost structure", "cost structures": "cost structure",
    "revenue": "revenue streams", "revenues": "revenue streams", "revenue stream": "revenue streams",
}


@dataclass(frozen=True)
class Scenario:
    """A course scenario: ``prompt`` in words, where it comes from, the ``blocks`` where its model adds
    value (the first is the main one), its ``lever`` and ``why`` (shown when a placement is wrong)."""

    key: str
    prompt: str
    source: str
    blocks: tuple[str, ...]
    lever: str
    why: str


#: The course's business scenarios (notebook 01's eight minus the purely technical one, its credit case,
#: the capstone's fraud case, and the churn and maintenance tables).
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("logos", "A brand-monitoring service finds its clients' logos in pictures posted online.",
             "01 scenarios", ("value propositions", "key activities"), "grow revenue",
             "finding the logos is the service clients pay for: the value proposition, delivered by the key activity."),
    Scenario("house_price", "An estate agency shows sellers an instant price estimate for their house.",
             "01 scenarios", ("value propositions", "channels", "customer relationships"), "grow revenue",
             "the estimate is a new reason for sellers to come to the agency: a value proposition and a way in."),
    Scenario("museum_visitors", "A museum group forecasts tomorrow's visitors to plan staff and stock.",
             "01 scenarios", ("key resources", "cost structure", "key activities"), "save cost",
             "the forecast sizes staff and stock (key resources) and cuts what idle staff and waste cost."),
    Scenario("book_recommendation", "A book shop recommends the next book to each reader.",
             "01 scenarios", ("value propositions", "revenue streams", "customer relationships", "channels"),
             "grow revenue", "recommendations are part of what readers get, and sell more books per reader."),
    Scenario("customer_segments", "A retailer groups its customers into segments nobody has defined yet.",
             "01 scenarios", ("customer segments",), "grow revenue",
             "clustering is literally finding the customer segments block."),
    Scenario("robot_pickup", "A warehouse robot learns to pick up parcels by trying.",
             "01 scenarios", ("key activities", "cost structure"), "save cost",
             "picking is a key activity of the warehouse; automating it cuts its cost."),
    Scenario("trading_bot", "A trading firm's bot learns when to buy and sell from its gains and losses.",
             "01 scenarios", ("key activities", "revenue streams"), "grow revenue",
             "trading is what the firm does, and the gains are its revenue."),
    Scenario("credit_default", "A bank calls credit-card customers likely to default, before they stop paying.",
             "01 section 10", ("cost structure", "customer relationships", "key activities"), "save cost",
             "defaults are a cost; an early call is a customer relationship that prevents part of it."),
    Scenario("card_fraud", "A bank scores every card payment and sends suspicious ones to an analyst.",
             "10 capstone", ("cost structure", "key activities", "value propositions"), "save cost",
             "refunded fraud is a cost; scoring every payment automates the review, a key activity."),
    Scenario("churn", "A telecom offers a deal to subscribers likely to leave.",
             "customer_churn", ("customer relationships", "revenue streams"), "grow revenue",
             "keeping a subscriber is the customer relationship block, and keeps their monthly revenue."),
    Scenario("maintenance", "A factory services milling machines before they fail.",
             "maintenance", ("key resources", "key activities", "cost structure"), "save cost",
             "the machines are key resources; fewer breakdowns cut repair and downtime costs."),
)
_BY_KEY = {s.key: s for s in SCENARIOS}


def block(text: Any) -> str:
    """The block ``text`` names (case, spaces, hyphens, singular/plural and short forms forgiven).

    An unknown name is a ValueError naming the closest block and listing all nine.
    """
    wanted = normalise(text)
    names = {normalise(b): b for b in BLOCKS}
    if wanted in names:
        return names[wanted]
    if wanted in _ALIASES:
        return _ALIASES[wanted]
    close = difflib.get_close_matches(wanted, list(names) + list(_ALIASES), n=1, cutoff=0.6)
    hint = f" (did you mean {names.get(close[0], _ALIASES.get(close[0]))!r}?)" if close else ""
    raise ValueError(f"{text!r} is not a block of the canvas{hint}; the nine blocks are {list(BLOCKS)}.")


def _blocks_of(key: str, value: Any) -> set[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise TypeError(f"the placement of {key!r} is {value!r}: give a block name or a list of block names, "
                        f"e.g. 'cost structure' or ['cost structure', 'key activities'].")
    return {block(v) for v in value}


def check_mapping(mapping: Mapping[str, Any]) -> Judgement:
    """Judge a learner's placement: scenario key -> block name, or several.

    A scenario is right when at least one block is given and every block given is one where its model
    adds value. A missing or unknown scenario, or an unknown block name, is an error that names it.
    """
    if not isinstance(mapping, Mapping):
        raise TypeError(f"mapping is a {type(mapping).__name__}: give a dict {{scenario: block or [blocks]}} "
                        f"with the keys {list(_BY_KEY)}.")
    unknown = [k for k in mapping if k not in _BY_KEY]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), list(_BY_KEY), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown scenario(s) {unknown}{hint}; the scenarios are {list(_BY_KEY)}.")
    missing = [k for k in _BY_KEY if k not in mapping]
    if missing:
        raise ValueError(f"no placement for {missing}: place every scenario on at least one block.")
    verdicts = []
    for scenario in SCENARIOS:
        given = _blocks_of(scenario.key, mapping[scenario.key])
        wrong = sorted(given - set(scenario.blocks))
        if not given:
            verdicts.append(Verdict(scenario.key, False, "place it on at least one block."))
        elif wrong:
            verdicts.append(Verdict(scenario.key, False, f"{wrong[0]!r} is not where this model adds value: "
                                                         f"{scenario.why}"))
        else:
            verdicts.append(Verdict(scenario.key, True))
    return Judgement("the business model canvas", tuple(verdicts))


def model_mapping() -> dict[str, str]:
    """The model answer: every scenario on its main block."""
    return {s.key: s.blocks[0] for s in SCENARIOS}


def printable() -> str:
    """The nine blocks with their questions, then the scenarios to place, as a learner reads them."""
    lines = ["The nine blocks:"]
    lines += [f"  - {name}: {question} (ML: {example})" for name, (question, example) in BLOCKS.items()]
    lines += ["Scenarios:"] + [f"  {s.key}: {s.prompt}" for s in SCENARIOS]
    return "\n".join(lines)


def _by_block(mapping: Mapping[str, Any]) -> dict[str, list[str]]:
    placed: dict[str, list[str]] = {b: [] for b in BLOCKS}
    for key, value in mapping.items():
        for name in sorted(_blocks_of(key, value)):
            placed[name].append(key)
    return placed


def canvas_text(mapping: Mapping[str, Any]) -> str:
    """The text equivalent of :func:`plot_canvas`: one line per block with the scenarios placed on it."""
    return "\n".join(f"{name}: {', '.join(keys) if keys else '-'}" for name, keys in _by_block(mapping).items())


# The canvas layout: block -> (x, y, width, height) on a 10 x 6 grid, the standard arrangement.
_LAYOUT = {
    "key partners": (0, 2, 2, 4), "key activities": (2, 4, 2, 2), "key resources": (2, 2, 2, 2),
    "value propositions": (4, 2, 2, 4), "customer relationships": (6, 4, 2, 2), "channels": (6, 2, 2, 2),
    "customer segments": (8, 2, 2, 4), "cost structure": (0, 0, 5, 2), "revenue streams": (5, 0, 5, 2),
}


def plot_canvas(mapping: Mapping[str, Any], ax=None):
    """Draw the canvas with each block's scenarios listed in it; blocks holding a scenario are shaded and
    marked "ML:" (the text, not the shade, carries the meaning). Returns the Axes."""
    from matplotlib.patches import Rectangle

    from helpers.plots import OKABE_ITO

    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(11, 6.5))[1]
    for name, keys in _by_block(mapping).items():
        x, y, w, h = _LAYOUT[name]
        ax.add_patch(Rectangle((x, y), w, h, facecolor=OKABE_ITO["sky blue"] if keys else "white",
                               alpha=0.35 if keys else 1.0, edgecolor="black", hatch="//" if keys else None))
        ax.text(x + 0.1, y + h - 0.15, name, weight="bold", va="top", fontsize=9)
        if keys:
            ax.text(x + 0.1, y + h - 0.55, "ML: " + "\n".join(keys), va="top", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none"))
    ax.set_xlim(0, 10), ax.set_ylim(0, 6), ax.set_axis_off()
    ax.set_title("Where ML adds value in the business model")
    return ax


#: Typical mistakes, for the exercise's check and its tests: name -> changes to :func:`model_mapping`.
MISTAKES: dict[str, dict[str, Any]] = {
    "everything is a value proposition": {s.key: "value propositions" for s in SCENARIOS},
    "a saving placed on revenue": {"maintenance": "revenue streams"},
    "new segments placed on relationships": {"customer_segments": "customer relationships"},
    "every block, to be safe": {"churn": list(BLOCKS)},
}
