"""Feed a lab check the answers learners write: ``accepts`` for a valid answer in any style, ``rejects``
for a typical mistake, whose message must name it (``hint`` fragments, compared case-insensitively).

Each ``tests/labchecks/test_labNN_variants.py`` imports these two; the checks' own ``wrong=`` lists
(tests/labchecks/test_labchecks.py) only prove that a check can fail, these prove what it says and what it lets
through.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import pytest

from helpers.checks import CheckFailed, Exercise

RECORD = "FLYWHEEL_VARIANT_RECORD"  # when set, a file where every accepts/rejects call is written (one JSON line)
MIN_VALID_STYLES = 3


def _record(kind: str, check: Callable[..., None], fragments: list[str] = ()) -> None:
    path = os.environ.get(RECORD)
    if path:
        line = {"kind": kind, "check": f"{check.__module__}.{check.__name__}", "fragments": list(fragments)}
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(line) + "\n")


@dataclass(frozen=True)
class Shortfall:
    """An exercise whose suite does not yet show what a check must: valid styles, named mistakes."""

    check: str
    accepted: int
    named_rejections: int

    def __str__(self) -> str:
        return (f"{self.check}: {self.accepted} valid answers accepted (at least {MIN_VALID_STYLES}), "
                f"{self.named_rejections} mistakes rejected by name (at least 1)")


def shortfalls(records: Iterable[dict], exercises: Iterable[Exercise]) -> list[Shortfall]:
    """The exercises whose variant suite has too few valid styles or no mistake rejected by name.

    A rejection counts only when its hint fragments are not all in the exercise's title and standing
    hint, which every failure of that check repeats: it must name *this* mistake.
    """
    records = list(records)
    found = []
    for exercise in exercises:
        key = f"{exercise.function.__module__}.{exercise.name}"
        standing = f"{exercise.title} {exercise.hint}".lower()
        mine = [r for r in records if r["check"] == key]
        accepted = sum(r["kind"] == "accepts" for r in mine)
        named = sum(
            r["kind"] == "rejects" and any(f.lower() not in standing for f in r["fragments"]) for r in mine
        )
        if accepted < MIN_VALID_STYLES or named < 1:
            found.append(Shortfall(key, accepted, named))
    return found


def accepts(check: Callable[..., None], *args: Any, **kwargs: Any) -> str:
    """Assert that ``check(*args)`` passes (prints its ✔ line); return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            check(*args, **kwargs)
        except CheckFailed as error:
            pytest.fail(f"a valid answer was rejected: {error}", pytrace=False)
    assert printed.getvalue().startswith("✔"), printed.getvalue()
    _record("accepts", check)
    return printed.getvalue()


def rejects(check: Callable[..., None], *args: Any, hint: str | list[str], **kwargs: Any) -> str:
    """Assert that ``check(*args)`` fails with a message containing every fragment of ``hint``."""
    fragments = [hint] if isinstance(hint, str) else hint
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    missing = [f for f in fragments if f.lower() not in message.lower()]
    assert not missing, f"the message does not name the mistake ({missing} not in it):\n{message}"
    _record("rejects", check, fragments)
    return message
