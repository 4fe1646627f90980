"""Checks for 01_problem_statement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_type, fail, learner_frame

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
    wrong = []  # (scenario, what is wrong)
    for key, (technique, types) in _SCENARIO_ANSWERS.items():
        answer = answers[key]
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            fail(f"answers[{key!r}] is {answer!r}: give a pair (technique, type), e.g. ('regression', 'supervised').")
        given_technique, given_type = map(_norm, answer)
        given_type = given_type.removesuffix(" learning")  # "supervised learning" says the same
        if given_technique not in TECHNIQUES:
            fail(f"answers[{key!r}] names the technique {answer[0]!r}; choose one of {', '.join(TECHNIQUES)}.")
        if given_type not in TYPES:
            fail(f"answers[{key!r}] names the type {answer[1]!r}; choose one of {', '.join(TYPES)}.")
        if given_technique != technique:
            wrong.append((key, f"its technique is not {given_technique}"))
        elif given_type not in types:
            wrong.append((key, f"the technique is right, but it is not {given_type} learning"))
    if wrong:
        key, why = wrong[0]
        fail(f"{len(wrong)} of {len(SCENARIOS)} scenarios are not right yet, e.g. {key!r} ({SCENARIOS[key]}): {why}.")


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
        if _norm(given_verdict) not in ("ml", "not ml"):
            fail(f"verdicts[{case!r}] says {given_verdict!r}: the verdict is 'ML' or 'not ML'.")
        if given_flags is None:
            given_flags = set()
        if isinstance(given_flags, str):  # one flag typed without its set: {"no time"} was meant
            given_flags = {given_flags}
        given_flags = {_norm(f) for f in given_flags}
        unknown = given_flags - set(RED_FLAGS)
        if unknown:
            fail(f"verdicts[{case!r}] lists {sorted(unknown)}; the red flags are {', '.join(RED_FLAGS)}.")
        if given_flags != flags:
            missed, extra = sorted(flags - given_flags), sorted(given_flags - flags)
            why = f"it also has {', '.join(map(repr, missed))}" if missed else f"it does not have {', '.join(map(repr, extra))}"
            fail(f"the red flags of {case!r} are not right yet (you listed {sorted(given_flags) or 'none'}): {why}.")
        if _norm(given_verdict) != _norm(verdict):
            fail(f"the verdict for {case!r} does not follow from its red flags: any red flag makes it 'not ML', "
                 "none makes it 'ML'.")


@check.exercise(
    title="lung-cancer rate per eye colour",
    hint="lung_cancer is True/False, so its mean is the rate; take it per eye colour with groupby",
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
    if isinstance(rates, pd.DataFrame):
        fail(f"`rate_by_eye` is a DataFrame with the column(s) {list(rates.columns)}: select the one column "
             "first, lc.groupby('eye_color')['lung_cancer'].mean(), so that it is a Series.")
    if isinstance(rates, dict):
        fail("`rate_by_eye` is a dict: the next cells use Series methods (.round), so wrap it: pd.Series(your_dict).")
    check_type("rate_by_eye", rates, pd.Series, "group by eye_color and take the mean of lung_cancer")
    if sorted(map(str, rates.index)) != sorted(expected.index):
        fail(f"`rate_by_eye` is indexed by {list(rates.index)}, but the eye colours are {sorted(expected.index)}.")
    got = pd.to_numeric(rates.reindex(expected.index), errors="coerce").astype(float)
    counts = lc.groupby("eye_color")["lung_cancer"].sum()
    if np.allclose(got, 100 * expected):
        fail("`rate_by_eye` is in percent: give the fraction between 0 and 1 (the mean, without * 100).")
    if np.allclose(got, counts) or np.allclose(got, lc["eye_color"].value_counts().reindex(expected.index)):
        fail("`rate_by_eye` holds counts of patients, not rates: divide by the number of patients of each "
             "colour, which the mean of the True/False column does for you.")
    check_close("rate_by_eye", got, expected.astype(float))


_KAPPA_CASES = [
    (["fraud", "genuine", "genuine", "fraud"], ["fraud", "genuine", "fraud", "genuine"]),
    (["a", "b", "a", "b", "a", "a"], ["a", "b", "a", "b", "b", "a"]),
    ([1, 0, 1, 1, 0], [1, 0, 1, 1, 0]),
]


KAPPA_HINT = ("the fraction is the mean of an element-by-element comparison; sklearn.metrics.cohen_kappa_score "
              "computes kappa")


@check.exercise(
    title="agreement and Cohen's kappa",
    hint=KAPPA_HINT,
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
        where = f"for {mine} vs {recorded}"
        expected_fraction = np.mean([a == b for a, b in zip(mine, recorded)])
        expected_kappa = cohen_kappa_score(mine, recorded)
        if np.isclose(float(fraction), expected_fraction * len(mine)) and expected_fraction < 1:
            fail(f"the fraction {where} is {fraction}, the number of agreements: divide by the number of examples.")
        if np.isclose(float(fraction), 100 * expected_fraction) and expected_fraction > 0:
            fail(f"the fraction {where} is {fraction}, a percentage: give it between 0 and 1.")
        check_close(f"the fraction {where}", fraction, expected_fraction)
        if not np.isclose(expected_kappa, expected_fraction) and np.isclose(float(kappa), expected_fraction):
            fail(f"kappa {where} equals the raw agreement ({expected_fraction:.3g}): kappa subtracts the agreement "
                 "expected by chance; sklearn.metrics.cohen_kappa_score(mine, recorded) computes it.")
        check_close(f"kappa {where}", kappa, expected_kappa)


# (y_true, y_pred, cost_fp, cost_fn, expected): y_true reaches the function as the notebook's y_val does,
# a pandas Series of 0/1 whose index is shuffled (train_test_split keeps the original row labels).
_COST_CASES = [
    ([0, 0, 1, 1, 0, 1], [0, 1, 1, 0, 0, 1], 150, 1750, 150 + 1750),
    ([1, 1, 1, 0], [0, 0, 0, 0], 150, 1750, 3 * 1750),
    ([0, 0, 0, 1], [1, 1, 1, 1], 10, 100, 30),
    ([1, 0], [1, 0], 5, 5, 0),
]
# One class only (a small batch of good customers, all predicted good): confusion_matrix without
# labels=[0, 1] sees a single label and returns a 1 x 1 matrix.
_ONE_CLASS = ([0, 0, 0, 0, 0], [0, 0, 0, 0, 0], 150, 1750, 0)
COST_HINT = ("count the false positives and the false negatives (confusion_matrix(..., labels=[0, 1]).ravel() "
             "gives tn, fp, fn, tp) and weigh each by its cost")


def _as_notebook_passes(y_true, seed: int) -> pd.Series:
    """``y_true`` as a pandas Series with a shuffled index, like ``y_val`` in the notebook."""
    index = np.random.default_rng(seed).permutation(np.arange(100, 100 + 3 * len(y_true), 3))
    return pd.Series(y_true, index=index, name="default")


def _loop_by_position(y_true, y_pred, cost_fp, cost_fn):
    # Works on numpy arrays, breaks on a Series whose index is not 0..n-1 (y_true[i] looks up a label).
    cost = 0
    for i in range(len(y_true)):
        if y_pred[i] == 1 and y_true[i] == 0:
            cost += cost_fp
        elif y_pred[i] == 0 and y_true[i] == 1:
            cost += cost_fn
    return cost


def _without_labels(y_true, y_pred, cost_fp, cost_fn):
    from sklearn.metrics import confusion_matrix

    tn, fp, fn, tp = confusion_matrix(y_true, y_pred).ravel()
    return fp * cost_fp + fn * cost_fn


def _swapped_costs(y_true, y_pred, cost_fp, cost_fn):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.sum((y_pred == 1) & (y_true == 0)) * cost_fn + np.sum((y_pred == 0) & (y_true == 1)) * cost_fp


@check.exercise(
    title="the cost of a confusion matrix",
    hint=COST_HINT,
    wrong=lambda: [
        (lambda y_true, y_pred, cost_fp, cost_fn: sum(t != p for t, p in zip(y_true, y_pred)) * cost_fn,),
        (_swapped_costs,),
        (_loop_by_position,),
        (_without_labels,),
        (lambda y_true, y_pred, cost_fp, cost_fn: None,),
    ],
)
def business_cost(fn):
    check_callable("business_cost", fn)
    for seed, (y_true, y_pred, cost_fp, cost_fn, expected) in enumerate([*_COST_CASES, _ONE_CLASS]):
        call = f"business_cost(y_true={y_true}, y_pred={y_pred}, cost_fp={cost_fp}, cost_fn={cost_fn})"
        try:
            value = fn(_as_notebook_passes(y_true, seed), np.array(y_pred), cost_fp, cost_fn)
        except KeyError as error:
            where = learner_frame(error)
            fail(f"{call} raised KeyError {error} when y_true is a pandas Series whose index is not 0..n-1, as "
                 "y_val is below: y_true[i] looks up the row *labelled* i. Loop with zip(y_true, y_pred), or use "
                 "np.asarray(y_true), or the confusion matrix." + (f"\n{where}\n" if where else ""))
        except ValueError as error:
            if y_true == _ONE_CLASS[0] and "unpack" in str(error):
                fail(f"{call} raised ValueError ({error}): when y_true and y_pred hold one class only, "
                     "confusion_matrix returns a 1 x 1 matrix unless you pass labels=[0, 1].")
            raise
        if value is None:
            fail(f"{call} returned None: did the function forget to `return` the cost?")
        if not np.isclose(float(value), expected):
            swapped = _swapped_costs(y_true, y_pred, cost_fp, cost_fn)
            if np.isclose(float(value), swapped):
                fail(f"{call} is {float(value):g}, but {expected:g} is expected: the two costs are swapped. A false "
                     "positive (predicted 1, truly 0) costs cost_fp; a false negative (predicted 0, truly 1) cost_fn.")
        check_close(call, value, expected)


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
