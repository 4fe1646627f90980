"""Reading a team's :class:`~helpers.problem.ProblemStatement` as a modelling frame: target, horizon, window,
granularity and inputs.

A problem statement is prose, written on Day 1 before any data was opened. A kit reads the few
things a frame needs from it, in the places a team naturally writes them:

- the **target**: a name from the kit's :attr:`Vocabulary.targets`, found in ``labels`` (else ``how``);
- the **horizon**: how far ahead the prediction is made, in ``how``: "24 hours ahead", "within the
  next 10 processes", "a day in advance";
- the **window**: how much history the features look back over, in ``how``: "over the last 7 days";
- the **granularity**: one row per what, in ``how``: "per hour", "each day", "hourly";
- the **features**: each item of ``inputs`` matched with the kit's feature groups ("tool wear",
  "weather forecast"...).

What a kit cannot honour is refused with a :class:`KitError` naming the field to change and how: a
target the data does not have, an input that is (or is computed from) the label, an input the data
lacks, a horizon or window beyond what the data covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KitError", "Framing", "Vocabulary", "read_framing"]


class KitError(ValueError):
    """A statement (or a model) the kit cannot use; the message names the field to change and how."""


@dataclass(frozen=True)
class Framing:
    """What the frame is built from, as read from a problem statement.

    ``horizon`` and ``window`` are in the kit's time unit (:attr:`Vocabulary.unit`: hours, processes,
    days...); ``horizon`` 0 means "at the moment of the prediction". ``features`` are names of the kit's
    feature groups, in the order the statement lists its inputs.
    """

    target: str
    horizon: int
    window: int
    granularity: str
    features: tuple[str, ...]
    unit: str = ""
    label_delay: int | None = None

    def _span(self, n: int) -> str:
        return _plural(self.unit, n)

    def describe(self) -> str:
        """One line: what one row is, what is predicted, how far ahead, from what."""
        ahead = "at the moment of the prediction" if self.horizon == 0 else f"{self._span(self.horizon)} ahead"
        delay = "" if self.label_delay is None else f"; labels known after {self.label_delay} days"
        return (f"one row per {self.granularity}; predict {self.target!r} {ahead}; history over the last "
                f"{self._span(self.window)}{delay}; features: {', '.join(self.features)}")


@dataclass(frozen=True)
class Vocabulary:
    """The words a kit recognises in a statement. Every pattern is a regular expression matched
    case-insensitively on word boundaries.

    - ``targets``: target name -> pattern;
    - ``absent_targets``: pattern -> why the data lacks it and what to predict instead;
    - ``features``: feature group -> pattern;
    - ``leaks``: pattern -> why it leaks the label (checked before ``features``: "tool wear failure" is
      a label even though "tool wear" is an input);
    - ``units``: unit word pattern -> its size in the kit's ``unit`` (e.g. ``{"days?": 24}`` for hours);
    - ``granularities``: granularity -> pattern; ``default_*``: used when the statement does not say;
    - ``max_horizon``/``max_window``: the most the data covers, in ``unit``; ``horizon_note`` explains
      the limit when ``max_horizon`` is 0 (a kit that scores at the moment).
    """

    unit: str
    targets: dict[str, str]
    features: dict[str, str]
    leaks: dict[str, str]
    units: dict[str, int]
    granularities: dict[str, str]
    default_target: str
    default_horizon: int
    default_window: int
    max_horizon: int
    max_window: int
    absent_targets: dict[str, str] = field(default_factory=dict)
    horizon_note: str = ""
    example_inputs: tuple[str, ...] = ()


_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30}
_AMOUNT = r"(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"


def _plural(unit: str, n: int | None = None) -> str:
    """``"5 processes"``, ``"1 hour"``; without ``n`` the plural word alone."""
    word = unit if n == 1 else unit + ("es" if unit.endswith("s") else "s")
    return word if n is None else f"{n} {word}"


def _search(pattern: str, text: str) -> re.Match | None:
    return re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.IGNORECASE)


def _amount(word: str) -> float:
    return float(_NUMBER_WORDS.get(word.lower(), word))


def _duration(text: str, leads: str, trails: str, vocab: Vocabulary, what: str, field_name: str) -> int | None:
    """The first duration in ``text`` introduced by ``leads`` or followed by ``trails``, in the kit's unit."""
    units = "|".join(f"(?:{u})" for u in vocab.units)
    any_unit = r"(minutes?|hours?|days?|weeks?|months?|years?|processes|process|payments?|ratings?|rows?)"
    # "the last 7 days", "the last week" (one), "48-hour-ahead", "a day in advance"; numbers stand alone ("data" has no "a").
    patterns = [rf"(?:{leads})\s+(?:{_AMOUNT}\s*)?{any_unit}(?![\w-])",
                rf"(?<![\w.]){_AMOUNT}[\s-]*{any_unit}[\s-]+(?:{trails})(?![\w-])"]
    found = [m for p in patterns for m in [re.search(p, text, re.IGNORECASE)] if m]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    amount, unit_word = (1.0 if match.group(1) is None else _amount(match.group(1))), match.group(2)
    for unit_pattern, size in vocab.units.items():
        if re.fullmatch(unit_pattern, unit_word, re.IGNORECASE):
            return int(round(amount * size))
    raise KitError(
        f"`{field_name}` gives the {what} as {match.group(0)!r}, but this data counts time in {_plural(vocab.unit)} "
        f"(it knows {units.replace('(?:', '').replace(')', '').replace('?', '').replace('|', ', ')}): "
        f"say it in {_plural(vocab.unit)}, e.g. '{_plural(vocab.unit, vocab.default_horizon or 1)} ahead'."
    )


def read_target(statement: Any, vocab: Vocabulary) -> str:
    for name in ("labels", "how"):
        text = getattr(statement, name)
        for pattern, why in vocab.absent_targets.items():
            match = _search(pattern, text)
            if match:
                raise KitError(
                    f"`{name}` asks for {match.group(0)!r}, which this data does not have: {why} "
                    f"Targets this kit can build: {', '.join(repr(t) for t in vocab.targets)}."
                )
        hits = [(m.start(), target) for target, pattern in vocab.targets.items() for m in [_search(pattern, text)] if m]
        if hits:
            return min(hits)[1]
    raise KitError(
        "neither `labels` nor `how` names a target this kit's data has: say which answer the model learns, "
        f"using one of {', '.join(repr(t) for t in vocab.targets)} (e.g. in `labels`: "
        f"'{vocab.default_target} as recorded in the data')."
    )


# "per day", "each customer", "one forecast per store": what one row of the frame would be.
_GRAIN = re.compile(r"(?:one (?:row|prediction|forecast|score) (?:per|for each|a)|(?<![\w-])(?:per|each|every))\s+"
                    r"(minutes?|hours?|days?|weeks?|months?|years?|customers?|users?|machines?|cards?|stores?|stations?|"
                    r"terminals?|items?|payments?|process(?:es)?|ratings?|products?|regions?)(?![\w-])", re.IGNORECASE)


def read_granularity(statement: Any, vocab: Vocabulary) -> str:
    for match in _GRAIN.finditer(statement.how):
        if not any(_search(pattern, match.group(0)) for pattern in vocab.granularities.values()):
            raise KitError(
                f"`how` asks for {match.group(0)!r}, but this data has one row per "
                f"{' or per '.join(vocab.granularities)}: say e.g. 'each {next(iter(vocab.granularities))}' in `how` "
                f"(or aggregate the data yourself)."
            )
    hits = sorted({g for g, pattern in vocab.granularities.items() if _search(pattern, statement.how)})
    if len(hits) > 1:
        raise KitError(
            f"`how` names {len(hits)} granularities ({', '.join(hits)}): say one, e.g. 'one forecast per "
            f"{hits[0]}', so each row of the frame is one prediction."
        )
    return hits[0] if hits else next(iter(vocab.granularities))


def read_features(statement: Any, vocab: Vocabulary) -> tuple[str, ...]:
    if not statement.inputs:
        raise KitError(
            "`inputs` is empty: list what is known when a prediction is made, e.g. "
            f"{list(vocab.example_inputs or vocab.features)[:3]}."
        )
    chosen: list[str] = []
    for item in statement.inputs:
        for pattern, why in vocab.leaks.items():
            match = _search(pattern, item)
            if match:
                raise KitError(
                    f"`inputs` lists {item!r}: {match.group(0)!r} leaks the label ({why}). A model given it scores "
                    "perfectly on history and fails in production: remove it from `inputs`."
                )
        groups = [g for g, pattern in vocab.features.items() if _search(pattern, item)]
        if not groups:
            raise KitError(
                f"`inputs` lists {item!r}, which this kit's data does not have (or does not recognise): name it as one "
                f"of the feature groups {', '.join(repr(g) for g in vocab.features)}, or drop it and note it as data to "
                "collect in the write-up's next steps."
            )
        chosen += [g for g in groups if g not in chosen]
    return tuple(chosen)


def read_framing(statement: Any, vocab: Vocabulary) -> Framing:
    """Read a :class:`Framing` from ``statement`` with ``vocab``; :class:`KitError` names what to fix."""
    from helpers.problem import ProblemStatement

    if not isinstance(statement, ProblemStatement):
        raise KitError(
            f"expected the team's ProblemStatement, got a {type(statement).__name__}: start from "
            "kit.starter_statement() or ProblemStatement.load(ProblemStatement.default_path())."
        )
    target = read_target(statement, vocab)
    text = statement.how
    horizon = _duration(text, r"within(?: the)?(?: next)?|in the next|next", r"ahead|in advance|before(?:hand)?|early",
                        vocab, "horizon", "how")
    horizon = vocab.default_horizon if horizon is None else horizon
    if horizon > vocab.max_horizon:
        raise KitError(f"`how` asks for a prediction {_plural(vocab.unit, horizon)} ahead: " + (vocab.horizon_note or (
            f"the data covers too little time for it (at most {_plural(vocab.unit, vocab.max_horizon)} ahead leaves "
            f"enough history to learn from and to hold out). Shorten it in `how`, e.g. "
            f"'{_plural(vocab.unit, vocab.default_horizon)} ahead'.")))
    window = _duration(text, r"(?:over |from |in )?(?:the )?(?:last|past|previous|preceding)", r"of history", vocab,
                       "window", "how")
    window = vocab.default_window if window is None else window
    if window < 1 or window > vocab.max_window:
        raise KitError(
            f"`how` asks for a history window of {_plural(vocab.unit, window)}: this data supports 1 to "
            f"{_plural(vocab.unit, vocab.max_window)}; say e.g. 'over the last "
            f"{_plural(vocab.unit, vocab.default_window)}' in `how`."
        )
    return Framing(target=target, horizon=horizon, window=window, granularity=read_granularity(statement, vocab),
                   features=read_features(statement, vocab), unit=vocab.unit)
