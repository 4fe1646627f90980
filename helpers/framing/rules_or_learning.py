"""Classical programming or machine learning: when a hand-written rule wins, as a decision exercise.

Classical programming: people write the rules, the computer applies them to data to give answers.
Machine learning: the computer is given data *and the answers* (labels) and learns the rules. A rule
wins when it is known and exact (a tax rate, a spec), when it must be audited line by line, when there
are too few labelled examples to learn from, or when no error is tolerable. Learning wins when the
rule is too complex to write down, changes as the world does, or differs for every user, and there
are plenty of labelled examples.

    from helpers.framing import rules_or_learning as rl
    print(rl.EXERCISE.printable())              # the options, the reasons, the cases
    result = rl.EXERCISE.judge({"vat": ("rule", {"known exact rule"}), ...})
    print(result.summary())

The measured side of the lesson, a rule against a learned model on shipped data, is in
:mod:`helpers.framing.rules_demo`.
"""

from __future__ import annotations

from helpers.framing.decisions import Case, Exercise

__all__ = ["OPTIONS", "REASONS", "CASES", "EXERCISE", "MISTAKES", "mistaken_answers"]

#: The two choices of the exercise.
OPTIONS = ("rule", "learning")

#: The reasons a learner may give, key -> what it means.
REASONS: dict[str, str] = {
    "known exact rule": "the rule is known and exact (a law, a price list, a physical limit)",
    "must be auditable": "every decision must be explained or audited line by line",
    "few labelled examples": "there are too few past examples with the right answer to learn from",
    "no tolerance for errors": "a wrong answer is unacceptable, and a learned model always makes some",
    "too complex to write down": "nobody can write the rule: too many inputs interact (pixels, words, behaviour)",
    "patterns change": "the right answer drifts over time (new tricks, new fashions), so rules would need constant rewriting",
    "personal to each user": "the answer differs for every user, so one rule cannot fit all",
    "plenty of labelled examples": "many past examples come with the right answer",
}

#: The cases, in the order they are printed. Each names every reason that applies to it.
CASES: tuple[Case, ...] = (
    Case("vat", "A shop adds VAT to each invoice at the rate fixed in law.",
         "rule", {"known exact rule", "must be auditable", "no tolerance for errors"},
         "the rate is fixed in law: a learned model would only approximate a rule that is already known exactly."),
    Case("spam", "An e-mail provider filters spam; spammers change their wording every week, and users click "
                 "'report spam' millions of times a day.",
         "learning", {"too complex to write down", "patterns change", "plenty of labelled examples"},
         "spammers adapt faster than anyone can rewrite rules, and user reports are a stream of labels."),
    Case("age_check", "A till refuses to sell alcohol when the birth date on the scanned ID says the buyer is under 18.",
         "rule", {"known exact rule", "must be auditable", "no tolerance for errors"},
         "the legal age is a fixed threshold on a date already read from the ID: compute it, do not learn it."),
    Case("card_fraud", "A bank scores card payments for fraud; fraudsters change tactics, and chargebacks label "
                       "past payments.",
         "learning", {"too complex to write down", "patterns change", "plenty of labelled examples"},
         "fraud hides in combinations of amount, place, time and history that drift; chargebacks give labels."),
    Case("shipping", "A web shop charges shipping by parcel weight and destination zone from the carrier's price table.",
         "rule", {"known exact rule", "must be auditable"},
         "the carrier's price table is the rule: look it up."),
    Case("recommendations", "A book shop suggests the next book to each of its two million readers from what they "
                            "bought and rated.",
         "learning", {"personal to each user", "too complex to write down", "plenty of labelled examples"},
         "tastes differ per reader and millions of ratings exist: collaborative filtering learns what no rule could say."),
    Case("machine_stop", "A milling machine must stop when its spindle power leaves the manufacturer's safe range "
                         "of 3,500 to 9,000 W.",
         "rule", {"known exact rule", "no tolerance for errors"},
         "the safe range is a published physical limit; a rule computes it exactly (rules_demo measures a "
         "learned model missing failures that the datasheet's heat rule catches)."),
    Case("new_product", "A shop wants to forecast the demand for a product launched last week, with 20 sales so far "
                        "and nothing like it in the catalogue.",
         "rule", {"few labelled examples"},
         "20 sales are too few to learn from: start with a simple rule (a planner's estimate) and learn later."),
    Case("defect_photos", "A factory wants to spot scratches in photos of its parts; inspectors have marked 50,000 "
                          "photos as good or scratched.",
         "learning", {"too complex to write down", "plenty of labelled examples"},
         "nobody can write rules over pixels; 50,000 labelled photos are plenty to learn (or fine-tune) from."),
)

#: The exercise, ready to print and to judge answers. "ML" and "machine learning" mean "learning".
EXERCISE = Exercise(
    "rules or learning",
    OPTIONS,
    REASONS,
    CASES,
    aliases={"ml": "learning", "machine learning": "learning", "learn": "learning", "learned": "learning",
             "model": "learning", "rules": "rule", "hand written rule": "rule", "classical programming": "rule",
             "write a rule": "rule"},
)

#: Typical mistakes, for the exercise's check and its tests: name -> changes to the model answers.
MISTAKES: dict[str, dict[str, tuple[str, set[str]]]] = {
    "everything is learned": {c.key: ("learning", {"plenty of labelled examples"}) for c in CASES},
    "a known rule learned": {"vat": ("learning", {"plenty of labelled examples"})},
    "the right choice for a wrong reason": {"age_check": ("rule", {"few labelled examples"})},
    "twenty sales treated as plenty": {"new_product": ("learning", {"plenty of labelled examples"})},
}


def mistaken_answers(name: str) -> dict[str, tuple[str, set[str]]]:
    """The model answers with the typical mistake ``name`` of :data:`MISTAKES` made."""
    return {**EXERCISE.model_answers(), **MISTAKES[name]}
