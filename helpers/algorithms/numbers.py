"""Numbers written as text, read the way SageMaker's built-in algorithm containers read them.

Python's ``float()`` and ``int()`` accept more than those containers do: any Unicode decimal digit
(``"١٢"`` Arabic-Indic, ``"１２"`` fullwidth), digit-group underscores (``"1_0"`` reads as 10) and
Unicode spaces. The kit accepts exactly the ASCII syntax: an optional sign, digits with an optional
decimal point (``"1"``, ``"1."``, ``".5"``), an optional exponent (``"2e-3"``), and the spellings of
NaN and infinity (``"nan"``, ``"inf"``, ``"Infinity"``, any case) so a missing value gets its own
message; surrounding ASCII spaces and tabs are ignored.
"""

from __future__ import annotations

import re

__all__ = ["FLOAT", "INTEGER", "is_number", "parse_float", "parse_int"]

FLOAT = re.compile(r"[ \t]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)[ \t]*",
                   re.IGNORECASE)
INTEGER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")


def is_number(text: str) -> bool:
    """True when ``text`` is a number in the containers' ASCII syntax (NaN and infinity included)."""
    return FLOAT.fullmatch(text) is not None


def parse_float(text: str) -> float | None:
    """``text`` as a float (NaN and infinity included), or None when it is not in the ASCII syntax."""
    return float(text) if FLOAT.fullmatch(text) is not None else None


def parse_int(text: str) -> int | None:
    """``text`` as an int (ASCII digits, optional sign), or None."""
    return int(text) if INTEGER.fullmatch(text) is not None else None
