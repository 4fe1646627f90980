"""A decision exercise: cases, one choice from a fixed list, reasons from a fixed list, judged on the decision.

Several framing exercises have the same shape: a case is described, the learner picks an option
("rule" or "learning"; "AI service" or "AutoML"...) and names the reasons, chosen from a printed list.
The check must judge the decision, not the spelling, so answers are matched after normalising case,
spaces, hyphens and underscores, and through each exercise's aliases ("ML" for "learning"). A typo
that matches nothing is an error that names the closest valid word; it is never silently wrong.

    from helpers.framing import decisions
    exercise = decisions.Exercise("rules or learning", options=("rule", "learning"), reasons={...}, cases=(...))
    result = exercise.judge({"vat": ("rule", {"known exact rule"}), ...})
    print(result.summary())     # "7 of 8 cases right; 'spam': ..."
    result.ok                   # True when every case is right

A case is right when the option is one the case accepts, at least one reason is given, and every
reason given applies to the case (a reason that does not apply is a mistake in the reasoning, even
with the right option).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

__all__ = ["Case", "Exercise", "Judgement", "Verdict", "normalise"]


def normalise(text: Any) -> str:
    """Lower case, hyphens/underscores/slashes as spaces, runs of spaces as one: how answers are compared."""
    return " ".join(re.sub(r"[-_/]+", " ", str(text)).lower().split())


@dataclass(frozen=True)
class Case:
    """One case of a decision exercise.

    ``key``: the name the learner's dict uses; ``prompt``: the case in words; ``accepted``: the
    options that are right (the first is the model answer); ``reasons``: the reasons (keys of the
    exercise's reason list) that apply; ``why``: the explanation shown when the decision is wrong.
    """

    key: str
    prompt: str
    accepted: tuple[str, ...]
    reasons: frozenset[str]
    why: str

    def __post_init__(self) -> None:
        # Cases are written as data: accept one option as a string and reasons as any iterable.
        if isinstance(self.accepted, str):
            object.__setattr__(self, "accepted", (self.accepted,))
        object.__setattr__(self, "accepted", tuple(self.accepted))
        object.__setattr__(self, "reasons", frozenset(self.reasons))

    @property
    def answer(self) -> str:
        """The model answer (the first accepted option)."""
        return self.accepted[0]


@dataclass(frozen=True)
class Verdict:
    """How one case was judged: ``ok``, and ``message`` saying what is wrong (empty when ``ok``)."""

    key: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class Judgement:
    """Every case's verdict, in the exercise's order."""

    exercise: str
    verdicts: tuple[Verdict, ...]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def wrong(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    def summary(self) -> str:
        """One line: how many cases are right, and the first wrong case with what is wrong."""
        right = sum(v.ok for v in self.verdicts)
        line = f"{self.exercise}: {right} of {len(self.verdicts)} cases right"
        if self.wrong:
            first = self.wrong[0]
            line += f"; {first.key!r}: {first.message}"
        return line

    def __str__(self) -> str:
        lines = [f"{self.exercise}: {sum(v.ok for v in self.verdicts)} of {len(self.verdicts)} cases right"]
        lines += [f"  {'ok ' if v.ok else 'NO '} {v.key}" + (f": {v.message}" if v.message else "") for v in self.verdicts]
        return "\n".join(lines)


@dataclass(frozen=True)
class Exercise:
    """A decision exercise: its options, its reasons (key -> one-line meaning), its cases, and aliases.

    ``aliases`` maps other spellings of an option (normalised) to the option, e.g. ``{"ml": "learning"}``.
    """

    title: str
    options: tuple[str, ...]
    reasons: Mapping[str, str]
    cases: tuple[Case, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The exercise's own data must be consistent: a case naming an unknown option or reason is a bug here.
        for case in self.cases:
            unknown = [o for o in case.accepted if o not in self.options] + [r for r in case.reasons if r not in self.reasons]
            if unknown or not case.reasons:
                raise ValueError(f"case {case.key!r} of {self.title!r} names unknown option(s) or reason(s) {unknown} "
                                 "or has no reason.")

    # ------------------------------------------------------------------------------ reading answers
    def option(self, text: Any) -> str:
        """The option ``text`` means (spelling-insensitive, aliases followed); ValueError naming the closest one."""
        wanted = normalise(text)
        by_norm = {normalise(o): o for o in self.options}
        by_norm.update({normalise(a): o for a, o in self.aliases.items()})
        if wanted in by_norm:
            return by_norm[wanted]
        raise ValueError(f"{text!r} is not an option of {self.title!r}{_closest(wanted, by_norm)}; "
                         f"the options are {list(self.options)}.")

    def reason(self, text: Any) -> str:
        """The reason key ``text`` means (spelling-insensitive); ValueError naming the closest one."""
        wanted = normalise(text)
        by_norm = {normalise(r): r for r in self.reasons}
        if wanted in by_norm:
            return by_norm[wanted]
        raise ValueError(f"{text!r} is not one of the reasons of {self.title!r}{_closest(wanted, by_norm)}; "
                         f"pick from {list(self.reasons)}.")

    def _answer(self, key: str, value: Any) -> tuple[str, set[str]]:
        """``value`` as (option, reasons): a pair (option, reasons) or a dict with 'choice'/'reasons'."""
        if isinstance(value, Mapping):
            value = (value.get("choice", value.get("option")), value.get("reasons", ()))
        if isinstance(value, str) or not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"the answer for {key!r} is {value!r}: give a pair (choice, reasons), e.g. "
                            f"({self.options[0]!r}, {{{next(iter(self.reasons))!r}}}).")
        choice, reasons = value
        if isinstance(reasons, str):  # one reason given as a bare string: a set of one, not a set of letters
            reasons = [reasons]
        if not isinstance(reasons, Iterable):
            raise TypeError(f"the reasons for {key!r} are {reasons!r}: give a set of reasons from the list, e.g. "
                            f"{{{next(iter(self.reasons))!r}}}.")
        return self.option(choice), {self.reason(r) for r in reasons}

    # ------------------------------------------------------------------------------------ judging
    def judge(self, answers: Mapping[str, Any]) -> Judgement:
        """Judge ``answers`` (case key -> (choice, reasons)); a missing or unknown case key is a ValueError."""
        if not isinstance(answers, Mapping):
            raise TypeError(f"answers is a {type(answers).__name__}: give a dict {{case: (choice, reasons)}} "
                            f"with the keys {[c.key for c in self.cases]}.")
        keys = [c.key for c in self.cases]
        unknown = [k for k in answers if k not in keys]
        if unknown:
            raise ValueError(f"unknown case(s) {unknown}{_closest(normalise(unknown[0]), {k: k for k in keys})}; "
                             f"the cases are {keys}.")
        missing = [k for k in keys if k not in answers]
        if missing:
            raise ValueError(f"no answer for {missing}: give one (choice, reasons) per case.")
        return Judgement(self.title, tuple(self._verdict(c, *self._answer(c.key, answers[c.key])) for c in self.cases))

    def _verdict(self, case: Case, choice: str, reasons: set[str]) -> Verdict:
        if choice not in case.accepted:
            return Verdict(case.key, False, f"{choice!r} is not the best choice here: {case.why}")
        if not reasons:
            return Verdict(case.key, False, f"{choice!r} is right, but give at least one reason from the list "
                                            f"(e.g. {sorted(case.reasons)[0]!r}).")
        misfits = sorted(reasons - case.reasons)
        if misfits:
            return Verdict(case.key, False, f"{choice!r} is right, but {misfits[0]!r} does not apply to this case "
                                            f"({self.reasons[misfits[0]]}); the reasons that do are among "
                                            f"{sorted(case.reasons)}.")
        return Verdict(case.key, True)

    def model_answers(self) -> dict[str, tuple[str, set[str]]]:
        """The model answer of every case: (first accepted option, every reason that applies)."""
        return {c.key: (c.answer, set(c.reasons)) for c in self.cases}

    def printable(self) -> str:
        """The exercise as a learner reads it: the options, the reasons with their meaning, then the cases."""
        lines = [f"{self.title}", f"options: {', '.join(self.options)}", "reasons:"]
        lines += [f"  - {key}: {meaning}" for key, meaning in self.reasons.items()]
        lines += ["cases:"] + [f"  {c.key}: {c.prompt}" for c in self.cases]
        return "\n".join(lines)


def _closest(wanted: str, choices: Mapping[str, str]) -> str:
    """' (did you mean X?)' for the closest of ``choices`` (normalised -> original), or ''."""
    match = difflib.get_close_matches(wanted, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {choices[match[0]]!r}?)" if match else ""
