"""Checks for 01_problem_statement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_type, fail, learner_frame
from helpers.framing import buy_or_build, canvas, rules_or_learning

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


# --- decisions judged by helpers.framing: rules or learning, the canvas, buy or build -----------------

def _read_decision(exercise, key, value) -> tuple[str, set[str]] | None:
    """``value`` as (option, reasons) in the exercise's own words, or None when it cannot be read."""
    try:
        return exercise._answer(key, value)
    except (TypeError, ValueError):
        return None


def _decision_mistake(exercise, mistakes: dict, answers, judgement) -> str | None:
    """The name of the typical mistake ``answers`` makes: every case it changes answered with its option, and
    at least one of those cases judged wrong (so a right answer with other reasons is not named)."""
    wrong = {v.key for v in judgement.wrong}
    for name, changes in mistakes.items():
        read = {key: _read_decision(exercise, key, answers[key]) for key in changes}
        if all(read[key] and read[key][0] == exercise.option(option) for key, (option, _) in changes.items()) \
                and wrong & set(changes):
            return name
    return None


def _judge_decision(exercise, mistakes: dict, answers, what: str) -> None:
    """Judge ``answers`` with the framing library; fail naming the first wrong case and the typical mistake."""
    check_type(what, answers, dict, "a dict {case: (choice, {reasons})}")
    try:
        judgement = exercise.judge(answers)
    except (TypeError, ValueError) as error:  # an unknown case, option or reason: the library names the closest
        fail(str(error))
    if not judgement.ok:
        mistake = _decision_mistake(exercise, mistakes, answers, judgement)
        named = f" This is a typical mistake: {mistake}." if mistake else ""
        fail(f"{judgement.summary().rstrip('.')}.{named}")


@check.exercise(
    title="rules or learning",
    hint="per case, ask: is the rule already known and exact, or would nobody be able to write it? Are there "
    "enough past examples with the right answer? Every reason you give must apply to the case.",
    wrong=lambda: [*((rules_or_learning.mistaken_answers(name),) for name in rules_or_learning.MISTAKES),
                   ({k: v for k, v in rules_or_learning.EXERCISE.model_answers().items() if k != "vat"},),
                   ({**rules_or_learning.EXERCISE.model_answers(), "vat": ("rule", set())},),
                   (list(rules_or_learning.EXERCISE.model_answers().values()),)],
)
def rules_or_learning_choices(choices):
    _judge_decision(rules_or_learning.EXERCISE, rules_or_learning.MISTAKES, choices, "choices")


def _read_placement(value) -> set[str] | None:
    try:
        return {canvas.block(v) for v in ([value] if isinstance(value, str) else value)}
    except (TypeError, ValueError):
        return None


@check.exercise(
    title="the business model canvas",
    hint="per scenario, ask what its model improves: what customers get, how they are kept, what the business "
    "does or has, or what it costs and earns? Place it only where a prediction changes that block.",
    wrong=lambda: [*(({**canvas.model_mapping(), **changes},) for changes in canvas.MISTAKES.values()),
                   ({k: v for k, v in canvas.model_mapping().items() if k != "churn"},),
                   ({**canvas.model_mapping(), "churn": "loyalty"},),
                   ({**canvas.model_mapping(), "churn": []},)],
)
def canvas_mapping(mapping):
    check_type("mapping", mapping, dict, "a dict {scenario: block or [blocks]}")
    try:
        judgement = canvas.check_mapping(mapping)
    except (TypeError, ValueError) as error:  # an unknown scenario or block: the library names the closest
        fail(str(error))
    if not judgement.ok:
        wrong = {v.key for v in judgement.wrong}
        mistake = next((name for name, changes in canvas.MISTAKES.items()
                        if wrong & set(changes) and all(_read_placement(mapping[k]) == _read_placement(v)
                                                        for k, v in changes.items())), None)
        named = f" This is a typical mistake: {mistake}." if mistake else ""
        fail(f"{judgement.summary().rstrip('.')}.{named}")


@check.exercise(
    title="buy or build",
    hint="per case, ask: is the task generic (a service knows it), close to one a pre-trained model knows, or "
    "specific to the business? How many own labels, which skills, how soon? Every reason must apply.",
    wrong=lambda: [*((buy_or_build.mistaken_answers(name),) for name in buy_or_build.MISTAKES),
                   ({k: v for k, v in buy_or_build.EXERCISE.model_answers().items() if k != "xray"},),
                   ({**buy_or_build.EXERCISE.model_answers(), "xray": ("deep learning", {"few own labels"})},)],
)
def buy_or_build_choices(choices):
    _judge_decision(buy_or_build.EXERCISE, buy_or_build.MISTAKES, choices, "choices")


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


# --- exercise 5: majority vote over a labelling job's long table ------------------------------------

#: The order that breaks a tie between labels: the commonest species of the colonies first, so that a
#: tie bets on the likelier answer (not alphabetical: Gentoo comes before Chinstrap).
TIE_ORDER = ("Adelie", "Gentoo", "Chinstrap")
VOTE_HINT = ("count the answers per item and label; among an item's most frequent labels, the one listed first "
             "in TIE_ORDER wins")


def _answers(rows: list[tuple]) -> pd.DataFrame:
    """A long annotation table (item, annotator, label), as jobs.simulate_annotations returns it."""
    return pd.DataFrame(rows, columns=["item", "annotator", "label"]).astype({"annotator": str, "label": str})


# Small tables whose ties tell the rules apart: first seen, alphabetical and TIE_ORDER all disagree on some
# item. Item ids are not 0..n-1 (the penguins' ids are rows of penguins_raw), items have 1 to 4 answers,
# and the rows come in no particular order (a service returns answers as they arrive).
_VOTE_TABLES = [
    _answers([(12, "w1", "Chinstrap"), (12, "w2", "Gentoo"), (12, "w3", "Adelie"),  # three-way tie: Adelie
              (40, "w1", "Chinstrap"), (40, "w4", "Gentoo"),  # Chinstrap seen first, first alphabetically: Gentoo
              (7, "w2", "Gentoo"), (7, "w3", "Gentoo"), (7, "w4", "Adelie")]),  # a plain majority
    _answers([(305, "w3", "Gentoo"), (101, "w1", "Chinstrap"), (305, "w2", "Chinstrap"), (101, "w4", "Chinstrap"),
              (220, "w1", "Gentoo"), (305, "w1", "Chinstrap"), (220, "w3", "Adelie"), (9, "w2", "Chinstrap"),
              (305, "w4", "Gentoo"), (220, "w2", "Chinstrap")]),  # 305: 2-2 tie, Gentoo first seen and wins
]


def _notebook_answers(seed: int) -> pd.DataFrame:
    """A job like the notebook's: the 342 penguins, three of the course's crew per bird, rows shuffled."""
    from helpers.labels import annotators, jobs, penguins

    truth = penguins.load()["species"]
    answers = jobs.simulate_annotations(truth, annotators.default_crew(penguins.SPECIES), per_item=3, seed=seed)
    return answers.sample(frac=1, random_state=seed)  # the check's tables arrive in no order


def _expected_votes(answers: pd.DataFrame) -> pd.Series:
    from helpers.labels import consolidation

    return consolidation.majority_vote(answers, classes=TIE_ORDER)


def _tie_break_by(answers: pd.DataFrame, order_of) -> pd.Series:
    """Majority vote with ties broken by ``order_of(item's answers)``: the list of labels in preference order."""
    votes = {}
    for item, labels in answers.groupby("item", sort=False)["label"]:
        counts = labels.value_counts()
        tied = set(counts[counts == counts.max()].index)
        votes[item] = next(label for label in order_of(list(labels)) if label in tied)
    return pd.Series(votes, name="label")


def _first_seen(answers):
    return _tie_break_by(answers, lambda labels: list(dict.fromkeys(labels)))


def _alphabetical(answers):
    return _tie_break_by(answers, sorted)


def _counts_instead(answers):
    return pd.crosstab(answers["item"], answers["label"]).max(axis=1)


def _reset_index(answers):
    return _expected_votes(answers).reset_index(drop=True)


def _ties_dropped(answers):
    counts = pd.crosstab(answers["item"], answers["label"])
    clear = (counts == counts.max(axis=1).to_numpy()[:, None]).sum(axis=1) == 1
    return counts[clear].idxmax(axis=1)


@check.exercise(
    title="majority vote",
    hint=VOTE_HINT,
    wrong=lambda: [
        (lambda answers: answers.groupby("item")["label"].agg(lambda s: s.value_counts().idxmax()),),  # first seen
        (lambda answers: answers.groupby("item")["label"].agg(lambda s: s.mode().iloc[0]),),  # alphabetical
        (lambda answers: answers.groupby("item")["annotator"].agg(lambda s: s.mode().iloc[0]),),  # annotators
        (_counts_instead,),
        (_reset_index,),
        (_ties_dropped,),
        (lambda answers: None,),
    ],
)
def majority_vote(fn):
    check_callable("majority_vote", fn)
    for number, answers in enumerate([*_VOTE_TABLES, _notebook_answers(seed=3)]):
        what = f"table {number + 1} of {len(_VOTE_TABLES) + 1}" + (" (342 penguins, 3 answers each)"
                                                                    if number == len(_VOTE_TABLES) else "")
        votes = fn(answers.copy())  # a copy: a function that edits its input must not change the next table
        _check_votes(votes, answers, what)


def _check_votes(votes, answers: pd.DataFrame, what: str) -> None:
    expected = _expected_votes(answers)
    if votes is None:
        fail(f"majority_vote returned None for {what}: did the function forget to `return` the votes?")
    if isinstance(votes, dict):
        fail(f"majority_vote returned a dict for {what}: the next cells read a pandas Series indexed by item; "
             "wrap it: pd.Series(votes).")
    if isinstance(votes, pd.DataFrame):
        columns = [str(c) for c in votes.columns]
        if set(columns) >= {"item", "label"}:
            fail(f"majority_vote returned a DataFrame with columns {columns} for {what}: return a Series of labels "
                 "indexed by item id, e.g. frame.set_index('item')['label'].")
        if set(columns) <= set(TIE_ORDER):
            fail(f"majority_vote returned the table of counts (items x labels) for {what}: return the winning "
                 "label of each item, not how many gave each label.")
        fail(f"majority_vote returned a DataFrame (columns {columns}) for {what}: return a Series, one label "
             "per item, e.g. by selecting the label column.")
    check_type("majority_vote(answers)", votes, pd.Series, "one label per item, indexed by item id")
    values = set(map(str, votes.dropna().unique()))
    if values and values <= set(map(str, answers["annotator"])):
        fail(f"majority_vote returned annotator names ({sorted(values)[:3]}...) for {what}: the vote counts the "
             "labels each item received (the `label` column); the annotators only say who gave them.")
    if pd.api.types.is_numeric_dtype(votes.dtype):
        fail(f"majority_vote returned numbers ({votes.iloc[:3].tolist()}...) for {what}: counts of the winning "
             "label, not the label itself; return the label that got the most answers.")
    _check_items(votes, expected, answers, what)
    got = votes.reindex(expected.index).astype(str)
    wrong = expected.index[got.to_numpy() != expected.astype(str).to_numpy()]
    if len(wrong):
        _explain_wrong_votes(votes, answers, wrong, what)


def _check_items(votes: pd.Series, expected: pd.Series, answers: pd.DataFrame, what: str) -> None:
    """The index must be the item ids, each once, all of them."""
    if votes.index.has_duplicates:
        fail(f"majority_vote's result repeats item ids for {what} (e.g. {votes.index[votes.index.duplicated()][0]!r}): "
             "return one label per item.")
    items = set(expected.index)
    index = set(votes.index)
    if index != items and index == set(range(len(votes))):
        fail(f"majority_vote's index for {what} is the positions 0..{len(votes) - 1}, not the item ids "
             f"({sorted(items)[:4]}...): keep `item` as the index (no reset_index, no list of labels alone), so each "
             "label stays attached to its item.")
    lost = sorted(items - index)
    if lost:
        labels = answers.loc[answers["item"] == lost[0], "label"].tolist()
        fail(f"majority_vote lost {len(lost)} of the {len(items)} items of {what}, e.g. item {lost[0]} (answers "
             f"{labels}): every item gets a label, ties and single answers included.")
    extra = sorted(index - items, key=str)
    if extra:
        fail(f"majority_vote's index for {what} holds {extra[:3]}, which are not item ids: index the result by the "
             "`item` column's values.")


def _explain_wrong_votes(votes: pd.Series, answers: pd.DataFrame, wrong: pd.Index, what: str) -> None:
    """Name the tie rule the learner used when it is one of the usual ones, else show one wrong item."""
    expected = _expected_votes(answers)
    got = votes.reindex(expected.index).astype(str)
    for rule, why in ((_first_seen, "by the label seen first (value_counts().idxmax() keeps that order)"),
                      (_alphabetical, "alphabetically (mode() sorts the labels)")):
        if got.equals(rule(answers).reindex(expected.index).astype(str)):
            fail(f"majority vote wrong on {len(wrong)} tied item(s) of {what}: the ties are broken {why}. Break "
                 f"them by TIE_ORDER = {TIE_ORDER}: among the most frequent labels, the one listed first wins.")
    item = wrong[0]
    labels = answers.loc[answers["item"] == item, "label"].tolist()
    fail(f"majority vote wrong on {len(wrong)} item(s) of {what}, e.g. item {item!r}: answers {labels}, expected "
         f"{expected[item]!r}, got {got[item]!r}. The most frequent label wins; a tie goes to the label listed "
         f"first in TIE_ORDER = {TIE_ORDER}.")


# --- exercise 6: which labelling-job design? ---------------------------------------------------------

#: The designs of notebook 01's table (helpers.labels.designs.compare_designs), in its order.
JOB_DESIGNS = ("one expert", "two experts", "three of our crew (the job above)", "our whole crew",
               "five screened crowd workers", "nine screened crowd workers")
JOB_REASONS = ("within the budget", "reaches the accuracy target", "several answers per item", "cheapest design",
               "most accurate design", "experts are worth their price")
_JOB_CHOICE = ("nine screened crowd workers", {"within the budget", "reaches the accuracy target",
                                               "several answers per item"})
# Why each other design is not the one, as the table shows it (budget $0.50 per bird, target 95%, and the
# team must see annotator quality as the job runs).
_NOT_THIS_DESIGN = {
    "one expert": "it fits the budget and reaches the target, but with one answer per bird nothing shows when the "
                  "expert errs: no disagreement to see, and Dawid-Skene cannot estimate quality (its column is NaN); "
                  "the team wants to watch quality as the job runs",
    "two experts": "it costs $0.80 a bird, over the $0.50 budget (and two answers tie whenever they disagree)",
    "three of our crew (the job above)": "its consolidated labels stay below the 95% target, even with Dawid-Skene",
    "our whole crew": "it is the most accurate, but at $1.00 a bird it costs twice the budget",
    "five screened crowd workers": "it is the cheapest, but its labels stay below the 95% target",
}
_NOT_THIS_REASON = {
    "cheapest design": "five screened crowd workers cost less",
    "most accurate design": "our whole crew is more accurate (over budget)",
    "experts are worth their price": "the design has no expert in it",
}
DESIGN_HINT = ("keep the designs that fit the budget, then those whose consolidated labels reach the target, then "
               "ask which of them lets you see annotator quality; the reasons are the filters it passed")


@check.exercise(
    title="which labelling-job design?",
    hint=DESIGN_HINT,
    wrong=lambda: [
        ("one expert", {"within the budget", "reaches the accuracy target"}),
        ("our whole crew", {"reaches the accuracy target", "most accurate design"}),
        ("nine screened crowd workers", {"within the budget", "reaches the accuracy target"}),
        ("nine screened crowd workers", {"within the budget", "reaches the accuracy target",
                                         "several answers per item", "cheapest design"}),
        ("nine screened crowd workers", {"good value"}),
        ("the crowd", set()),
    ],
)
def job_design(design, reasons):
    check_type("design", design, str, "one of the table's row names, e.g. 'one expert'")
    chosen = _norm(design)
    if chosen not in map(_norm, JOB_DESIGNS):
        fail(f"design = {design!r} is not a row of the table; choose one of {', '.join(map(repr, JOB_DESIGNS))}.")
    if isinstance(reasons, str):  # one reason typed without its set
        reasons = {reasons}
    if reasons is None or not isinstance(reasons, (set, frozenset, list, tuple)):
        fail(f"reasons is {reasons!r}: give a set of reasons from JOB_REASONS, e.g. {{'within the budget'}}.")
    given = {_norm(r) for r in reasons}
    unknown = sorted(given - set(map(_norm, JOB_REASONS)))
    if unknown:
        fail(f"reasons lists {unknown}, which are not in JOB_REASONS; choose from {', '.join(map(repr, JOB_REASONS))}.")
    expected_design, expected_reasons = _JOB_CHOICE
    if chosen != expected_design:
        original = next(d for d in JOB_DESIGNS if _norm(d) == chosen)
        fail(f"not {original!r}: {_NOT_THIS_DESIGN[original]}.")
    missed = sorted(expected_reasons - given)
    if missed:
        fail(f"the design is right; the reasons miss {', '.join(map(repr, missed))}: each filter it passed is a reason "
             "(budget, target, and seeing quality).")
    extra = sorted(given - expected_reasons)
    if extra:
        fail(f"the design is right, but {extra[0]!r} does not hold for it: {_NOT_THIS_REASON[extra[0]]}.")


# --- exercise 7: the least confident items -----------------------------------------------------------

CONFIDENT_HINT = ("an item's confidence is its highest class probability; the items to label next have the lowest, "
                  "least confident first")


def _probabilities(seed: int, items: int, classes: int) -> np.ndarray:
    """Rows that sum to 1, like predict_proba's (items, classes)."""
    raw = np.random.default_rng(seed).dirichlet(np.full(classes, 0.7), size=items)
    return raw / raw.sum(axis=1, keepdims=True)


_PROBA_CASES = [
    # (probabilities, n): the penguins' three species; a shared top probability; two classes; n = 1
    (_probabilities(0, 12, 3), 4),
    (np.array([[0.9, 0.05, 0.05], [0.5, 0.4, 0.1], [0.4, 0.35, 0.25], [0.34, 0.33, 0.33], [0.5, 0.1, 0.4],
               [0.1, 0.1, 0.8]]), 3),  # row 4 has the smallest min but is confident; rows 1 and 4 tie
    (_probabilities(1, 30, 2), 5),
    (_probabilities(2, 200, 3), 1),
]


def _top_confidence(proba) -> np.ndarray:
    return np.asarray(proba, dtype=float).max(axis=1)


@check.exercise(
    title="the least confident items",
    hint=CONFIDENT_HINT,
    wrong=lambda: [
        (lambda proba, n: np.argsort(proba.max(axis=1))[::-1][:n],),  # the most confident
        (lambda proba, n: np.argsort(proba.min(axis=1))[:n],),  # the smallest class probability
        (lambda proba, n: np.sort(proba.max(axis=1))[:n],),  # probabilities, not positions
        (lambda proba, n: np.argsort(proba.max(axis=1))[:n + 1],),
        (lambda proba, n: None,),
    ],
)
def least_confident(fn):
    check_callable("least_confident", fn)
    for proba, n in _PROBA_CASES:
        call = f"least_confident(proba of shape {proba.shape}, n={n})"
        picked = fn(proba.copy(), n)
        if picked is None:
            fail(f"{call} returned None: did the function forget to `return` the positions?")
        picked = np.asarray(picked)
        if picked.ndim != 1 or len(picked) != n:
            fail(f"{call} returned {picked.shape[0] if picked.ndim else 'one value'} item(s) "
                 f"(shape {picked.shape}): return exactly n positions, one per item to label.")
        if not np.issubdtype(picked.dtype, np.integer):
            if np.issubdtype(picked.dtype, np.floating) and np.all((picked > 0) & (picked <= 1)) and \
                    not np.allclose(picked, np.round(picked)):
                fail(f"{call} returned probabilities ({np.round(picked[:3], 3).tolist()}...): return the items' "
                     "positions (row numbers of proba), e.g. from np.argsort, not their confidence.")
            if not np.allclose(picked, np.round(picked)):
                fail(f"{call} returned {picked.tolist()}: return integer positions (row numbers of proba).")
            picked = picked.astype(int)
        if picked.min() < 0 or picked.max() >= len(proba) or len(set(picked.tolist())) != n:
            fail(f"{call} returned {picked.tolist()}: give {n} different row numbers between 0 and {len(proba) - 1}.")
        _check_least_confident(call, picked, proba, n)


def _check_least_confident(call: str, picked: np.ndarray, proba: np.ndarray, n: int) -> None:
    confidence = _top_confidence(proba)
    lowest = np.sort(confidence)[:n]
    if np.allclose(np.sort(confidence[picked]), lowest):
        if np.any(np.diff(confidence[picked]) < -1e-12):
            fail(f"{call} picked the right items in the wrong order: least confident first (the smallest top "
                 "probability leads), as the annotators will see them.")
        return
    if np.allclose(np.sort(confidence[picked]), np.sort(confidence)[len(confidence) - n:]):
        fail(f"{call} picked the MOST confident items (top probabilities {np.round(confidence[picked], 2).tolist()}): "
             "those teach the model least; take the smallest top probabilities.")
    smallest = np.asarray(proba, dtype=float).min(axis=1)
    if np.allclose(np.sort(smallest[picked]), np.sort(smallest)[:n]):
        fail(f"{call} ranked the items by their smallest class probability: an item can have one tiny probability "
             "and still be sure of its top class (e.g. [0.9, 0.05, 0.05]); rank by the highest class probability, "
             "the model's confidence in its answer.")
    probs = np.clip(np.asarray(proba, dtype=float), 1e-12, 1)
    entropy = -(probs * np.log(probs)).sum(axis=1)
    if np.allclose(np.sort(entropy[picked]), np.sort(entropy)[len(entropy) - n:]):
        fail(f"{call} ranked the items by entropy, another uncertainty measure; this exercise asks for least "
             "confidence: the smallest highest-class probability.")
    fail(f"{call} returned positions {picked.tolist()} with top probabilities {np.round(confidence[picked], 3).tolist()}; "
         f"the {n} least confident have {np.round(lowest, 3).tolist()}.")
