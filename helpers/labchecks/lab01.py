"""Checks for 01_problem_statement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_type, fail

check = LabChecks("01_problem_statement")

TECHNIQUES = ("classification", "regression", "collaborative filtering", "clustering", "dimensionality reduction",
              "reinforcement learning")
TYPES = ("supervised", "unsupervised", "reinforcement")
SCENARIOS = {
    "logos": "identify logos in pictures",
    "house_price": "estimate a house's sale price",
    "museum_visitors": "forecast tomorrow's museum visitors",
    "book_recommendation": "recommend a book to a reader",
    "customer_segments": "segment customers into groups nobody has defined yet",
    "decorrelate_features": "turn 50 correlated features into a few uncorrelated ones",
    "robot_pickup": "a robot learns to pick up objects by trying",
    "trading_bot": "a trading bot learns when to buy and sell from its gains and losses",
}
_SCENARIO_ANSWERS = {
    "logos": ("classification", {"supervised"}),
    "house_price": ("regression", {"supervised"}),
    "museum_visitors": ("regression", {"supervised"}),
    # Learned from past ratings (labels) it is supervised; from co-purchases alone, unsupervised.
    "book_recommendation": ("collaborative filtering", {"supervised", "unsupervised"}),
    "customer_segments": ("clustering", {"unsupervised"}),
    "decorrelate_features": ("dimensionality reduction", {"unsupervised"}),
    "robot_pickup": ("reinforcement learning", {"reinforcement"}),
    "trading_bot": ("reinforcement learning", {"reinforcement"}),
}
_SOLVED_SCENARIOS = {k: (technique, sorted(types)[0]) for k, (technique, types) in _SCENARIO_ANSWERS.items()}


def _norm(text) -> str:
    return " ".join(str(text).lower().replace("_", " ").replace("-", " ").split())


@check.exercise(
    title="the eight scenarios",
    hint="ask two questions: is there a known right answer to learn from (supervised), is the answer a "
    "category or a number, or does an agent learn from rewards (reinforcement)?",
    wrong=lambda: [
        ({k: ("classification", "supervised") for k in SCENARIOS},),
        ({**_SOLVED_SCENARIOS, "museum_visitors": ("classification", "supervised")},),
        ({**_SOLVED_SCENARIOS, "customer_segments": ("clustering", "supervised")},),
        ({k: v for k, v in _SOLVED_SCENARIOS.items() if k != "trading_bot"},),
        ({**_SOLVED_SCENARIOS, "logos": "classification"},),
        (list(_SOLVED_SCENARIOS.values()),),
    ],
)
def scenarios(answers):
    check_type("answers", answers, dict, "a dict {scenario: (technique, type)}")
    missing = [k for k in SCENARIOS if k not in answers]
    if missing:
        fail(f"`answers` has no entry for {', '.join(map(repr, missing))}.", "give one (technique, type) per scenario.")
    unknown = [k for k in answers if k not in SCENARIOS]
    if unknown:
        fail(f"`answers` has unknown scenario(s) {unknown}; the keys are {list(SCENARIOS)}.")
    wrong = []
    for key, (technique, types) in _SCENARIO_ANSWERS.items():
        answer = answers[key]
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            fail(f"answers[{key!r}] is {answer!r}: give a pair (technique, type), e.g. ('regression', 'supervised').")
        given_technique, given_type = map(_norm, answer)
        if given_technique not in TECHNIQUES:
            fail(f"answers[{key!r}] names the technique {answer[0]!r}; choose one of {', '.join(TECHNIQUES)}.")
        if given_type not in TYPES:
            fail(f"answers[{key!r}] names the type {answer[1]!r}; choose one of {', '.join(TYPES)}.")
        if given_technique != technique or given_type not in types:
            wrong.append(key)
    if wrong:
        fail(f"{len(wrong)} of {len(SCENARIOS)} scenarios are not right yet, e.g. {wrong[0]!r} ({SCENARIOS[wrong[0]]}).")


RED_FLAGS = ("no data", "no labels", "no time", "no tolerance for mistakes")
_CASES = {
    "card_fraud": ("ML", set()),
    "drug_dose": ("not ML", {"no tolerance for mistakes"}),
    "campaign_tomorrow": ("not ML", {"no time", "no labels"}),
}


@check.exercise(
    title="is ML a good idea?",
    hint="read each case for the four red flags: is there data, are there labels, is there time, "
    "can the business live with some wrong answers?",
    wrong=lambda: [
        ({k: ("ML", set()) for k in _CASES},),
        ({**_CASES, "drug_dose": ("ML", set())},),
        ({**_CASES, "campaign_tomorrow": ("not ML", {"no time"})},),
        ({**_CASES, "card_fraud": ("maybe", set())},),
        ({k: v for k, v in _CASES.items() if k != "card_fraud"},),
    ],
)
def ml_fit(verdicts):
    check_type("verdicts", verdicts, dict, "a dict {case: (verdict, {red flags})}")
    missing = [k for k in _CASES if k not in verdicts]
    if missing:
        fail(f"`verdicts` has no entry for {', '.join(map(repr, missing))}.")
    for case, (verdict, flags) in _CASES.items():
        answer = verdicts[case]
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            fail(f"verdicts[{case!r}] is {answer!r}: give a pair (verdict, set of red flags).")
        given_verdict, given_flags = answer
        if given_verdict not in ("ML", "not ML"):
            fail(f"verdicts[{case!r}] says {given_verdict!r}: the verdict is 'ML' or 'not ML'.")
        given_flags = {_norm(f) for f in given_flags}
        unknown = given_flags - set(RED_FLAGS)
        if unknown:
            fail(f"verdicts[{case!r}] lists {sorted(unknown)}; the red flags are {', '.join(RED_FLAGS)}.")
        if given_flags != flags:
            fail(f"the red flags of {case!r} are not right yet (you listed {sorted(given_flags) or 'none'}).")
        if given_verdict != verdict:
            fail(f"the verdict for {case!r} does not follow from its red flags.")


@check.exercise(
    title="lung-cancer rate per eye colour",
    hint="lung_cancer is True/False, so its mean is the rate: lc.groupby('eye_color')['lung_cancer'].mean()",
    wrong=lambda: [
        (pd.Series({"blue": 2, "brown": 2, "green": 2}),),  # counts, not rates
        (pd.Series({"False": 0.0, "True": 1.0}),),
        (0.46,),
    ],
)
def rate_by_eye(rates):
    from helpers import data

    lc = data.load("lung_cancer")
    expected = lc.groupby("eye_color")["lung_cancer"].mean()
    check_type("rate_by_eye", rates, pd.Series, "group by eye_color and take the mean of lung_cancer")
    if sorted(map(str, rates.index)) != sorted(expected.index):
        fail(f"`rate_by_eye` is indexed by {list(rates.index)}, but the eye colours are {sorted(expected.index)}.")
    check_close("rate_by_eye", rates.reindex(expected.index).astype(float), expected.astype(float))


_KAPPA_CASES = [
    (["fraud", "genuine", "genuine", "fraud"], ["fraud", "genuine", "fraud", "genuine"]),
    (["a", "b", "a", "b", "a", "a"], ["a", "b", "a", "b", "b", "a"]),
    ([1, 0, 1, 1, 0], [1, 0, 1, 1, 0]),
]


@check.exercise(
    title="agreement and Cohen's kappa",
    hint="fraction = mean of (mine == recorded); kappa = sklearn.metrics.cohen_kappa_score(mine, recorded)",
    wrong=lambda: [
        (lambda mine, recorded: (np.mean(np.array(mine) == np.array(recorded)),) * 2,),  # kappa = raw agreement
        (lambda mine, recorded: (sum(a == b for a, b in zip(mine, recorded)), 0.0),),  # a count
        (lambda mine, recorded: None,),
    ],
)
def agreement_stats(fn):
    from sklearn.metrics import cohen_kappa_score

    check_callable("agreement_stats", fn)
    for mine, recorded in _KAPPA_CASES:
        result = fn(list(mine), list(recorded))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(f"agreement_stats({mine}, {recorded}) returned {result!r}; return a pair (fraction, kappa).")
        fraction, kappa = result
        check_close(f"the fraction for {mine} vs {recorded}", fraction,
                    np.mean([a == b for a, b in zip(mine, recorded)]))
        check_close(f"kappa for {mine} vs {recorded}", kappa, cohen_kappa_score(mine, recorded))


_COST_CASES = [
    ([0, 0, 1, 1, 0, 1], [0, 1, 1, 0, 0, 1], 150, 1750, 150 + 1750),
    ([1, 1, 1, 0], [0, 0, 0, 0], 150, 1750, 3 * 1750),
    ([0, 0, 0, 1], [1, 1, 1, 1], 10, 100, 30),
    ([1, 0], [1, 0], 5, 5, 0),
]


@check.exercise(
    title="the cost of a confusion matrix",
    hint="tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel(); cost = fp * cost_fp + fn * cost_fn",
    wrong=lambda: [
        (lambda y_true, y_pred, cost_fp, cost_fn: sum(t != p for t, p in zip(y_true, y_pred)) * cost_fn,),
        (lambda y_true, y_pred, cost_fp, cost_fn: sum(p > t for t, p in zip(y_true, y_pred)) * cost_fn
         + sum(t > p for t, p in zip(y_true, y_pred)) * cost_fp,),  # costs swapped
        (lambda y_true, y_pred, cost_fp, cost_fn: None,),
    ],
)
def business_cost(fn):
    check_callable("business_cost", fn)
    for y_true, y_pred, cost_fp, cost_fn, expected in _COST_CASES:
        value = fn(np.array(y_true), np.array(y_pred), cost_fp, cost_fn)
        check_close(f"business_cost(y_true={y_true}, y_pred={y_pred}, cost_fp={cost_fp}, cost_fn={cost_fn})",
                    value, expected)


def _vague_statement():
    from helpers.problem import ProblemStatement

    return ProblemStatement(title="Defaults", problem="Customers default.", why="TBD",
                            how="Use machine learning to predict it.", business_metric="better accuracy",
                            baseline="none", data_sources=["data"], labels="the labels", inputs=["everything"],
                            bias="no")


@check.exercise(
    title="the problem statement",
    hint="print(statement.problems()) lists what to fix, one field at a time",
    wrong=lambda: [(_vague_statement(),), ({"title": "Defaults"},), (None,)],
)
def problem_statement(statement):
    from helpers.problem import ProblemStatement

    check_type("statement", statement, ProblemStatement, "build it with ProblemStatement(title=..., problem=..., ...)")
    problems = statement.problems()
    if problems:
        fail(f"the statement is not complete yet ({len(problems)} point(s)); the first: {problems[0]}")
