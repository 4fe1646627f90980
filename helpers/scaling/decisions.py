"""Four endpoints to size: the scenarios, the options and the reasons a learner chooses from (notebook 08)."""

from __future__ import annotations

import textwrap

from helpers.scaling.traffic import PROFILES, per_second

__all__ = ["OPTIONS", "REASONS", "SCENARIOS", "menu"]

OPTIONS = ("always-on", "autoscaled", "serverless", "batch transform")

REASONS = {
    "idle": "the endpoint would sit idle most of the day",
    "steady": "the traffic is about the same at every hour, day and night",
    "swings": "the traffic swings several-fold within a day, with a sudden peak",
    "instant": "every answer is needed within a fraction of a second, even after a quiet spell",
    "wait-ok": "a few seconds' wait after a quiet spell is acceptable",
    "offline": "nobody waits for the answers: they are needed by the morning",
}

_STEADY, _SHOP = PROFILES["steady"], PROFILES["spiky"]
SCENARIOS = {
    "HR assistant": "Staff ask an internal HR model a question now and then: about 300 requests a day, in office "
                    "hours, none at night. A few seconds' wait on the first question of the morning is fine.",
    "card payments": f"Every card payment is scored for fraud: about {per_second((_STEADY['night'] + _STEADY['evening']) / 2)}, "
                     "day and night, each answer needed within 100 ms (the payment waits for it).",
    "shop recommendations": f"A shop's recommendations: {per_second(_SHOP['night'])} at night, "
                            f"{per_second(_SHOP['evening']).split(' requests')[0]} in the afternoon, and an advert at "
                            "20:00 that triples the traffic for 20 minutes; answers within 100 ms.",
    "nightly churn scores": "Every night, a churn score for each of 2 million customers, which the call centre "
                            "reads in the morning.",
}


def menu(width: int = 110) -> str:
    """The scenarios, the options and the reasons, as text to print before the decision."""
    lines = ["Scenarios:"]
    for name, text in SCENARIOS.items():
        lines += textwrap.wrap(f"{name!r}: {text}", width, initial_indent="  ", subsequent_indent="    ")
    lines += ["", "Options: " + ", ".join(repr(option) for option in OPTIONS), "", "Reasons:"]
    lines += [f"  {key!r:11} {text}" for key, text in REASONS.items()]
    return "\n".join(lines)
