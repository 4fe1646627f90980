"""Checks for 10_capstone: the readiness checklist and the flywheel of the problem statement, the review
threshold chosen by cost, the daily review load in SQL over the lake, the threshold decision of the
architecture record, and the monitoring loop of the architecture.

Answers are tried on small seeded cases built here (not the notebook's data), so nothing hard-coded
can pass; the readiness answers and the flywheel are judged against the card-fraud case's findings and
statement (the worked example of section 1).
"""

from __future__ import annotations

import re
import tempfile

import numpy as np
import pandas as pd

from helpers import evaluation
from helpers.architecture import Architecture, ArchitectureError
from helpers.checks import LabChecks, check_callable, check_close, check_columns, check_type, fail

check = LabChecks("10_capstone")


# --- exercise: is the organisation ready? (section 1) ---------------------------------------------

READINESS_HINT = (
    "per item, read its finding and ask: how far is it in place (yes / partly / no), how do you know (the "
    "finding in your words), and would the project fail without it (need) or only be nicer with it (want)?"
)

#: The card-fraud team's findings for the four items the learner answers: item -> (finding, accepted
#: levels, None when any level will do, needed?).
READINESS_FINDINGS: dict[str, tuple[str, tuple[str, ...] | None, bool]] = {
    "labels": ("Labels come from disputes: the fraud team confirms a dispute about a week after the payment. "
               "Fraud that the cardholder never notices is never disputed, so it is never labelled.",
               ("partly",), True),
    "explainability": ("An analyst reviews every flagged payment and decides, with its details on screen; the "
                       "model declines nothing by itself, and no customer or regulator is told why a payment "
                       "was flagged.", None, False),
    "privacy": ("The payments carry customer and terminal ids; the bank's data-protection officer has not "
                "reviewed this use of them yet.", ("no",), True),
    "ml_skills": ("The team: two developers who have called AI services from apps; nobody has trained or "
                  "deployed a model. The plan uses an ML platform (managed training, tuning, endpoints).",
                  ("partly", "no"), True),
}

# Why a level or a need/want is wrong for an item: (item, what was said) -> the reason.
_READINESS_MISTAKES = {
    ("labels", "yes"): "fraud that nobody disputes is never labelled, and the rest arrives a week late: the labels "
                       "are there, but not all of them",
    ("labels", "no"): "confirmed disputes are labels, a week late: they exist, for part of the fraud",
    ("labels", "want"): "a supervised model learns from labels: without them there is nothing to train on, a need",
    ("explainability", "need"): "nobody outside the team must accept the model's decisions: an analyst decides "
                                "every flagged payment with its details on screen, so explaining the score is "
                                "nice to have, a want (it would be a need if the model declined payments itself "
                                "or a regulator asked)",
    ("privacy", "yes"): "nobody has reviewed the use of the customers' data yet",
    ("privacy", "partly"): "nobody has reviewed the use of the customers' data yet: not even partly",
    ("privacy", "want"): "the payments are customers' personal data: the law asks for a review before using them, "
                         "a need, not a want",
    ("ml_skills", "yes"): "the ML platform needs data scientists and ML engineers, and nobody on the team has "
                          "trained a model",
    ("ml_skills", "want"): "someone must build, evaluate and run the model: the skills are a need",
}


def readiness_findings() -> str:
    """The four items the learner answers, with the question and the team's finding, as the notebook prints them."""
    from helpers.framing import readiness

    lines = []
    for item, (finding, _, _) in READINESS_FINDINGS.items():
        area, question = readiness.QUESTIONS[item]
        lines += [f"{item} ({area}): {question}", f"  finding: {finding}"]
    return "\n".join(lines)


def _readiness_model_answers() -> dict:
    return {
        "labels": ("partly", "disputes confirmed a week after the payment; undisputed fraud is never labelled", "need"),
        "explainability": ("partly", "an analyst decides every flagged payment with its details", "want"),
        "privacy": ("no", "the data-protection officer has not reviewed the use of customer ids", "need"),
        "ml_skills": ("no", "two app developers, nobody has trained a model", "need"),
    }


def _statement():
    """The capstone's worked problem statement (card fraud), as the notebook writes it."""
    from helpers.problem import ProblemStatement

    return ProblemStatement(
        title="Flag card fraud for review before it is refunded",
        problem="Fraudulent card payments are noticed only when the cardholder disputes them, days or weeks later.",
        why="Every missed fraud is refunded in full; the bank pays it, and the customer loses trust in the card.",
        how="A classifier (supervised learning) scores each payment as it happens, from the amount and the "
            "customer's and terminal's history; payments above a threshold go to an analyst for review.",
        business_metric="Refunds of missed fraud plus $5 per review below $1,000 per week",
        baseline="Today's rule, review every payment above $220, costs about $1,400 per week",
        data_sources=["card payments table (payment switch)", "chargeback records from the disputes team"],
        labels="Disputes confirmed by the fraud team, which arrive about a week after the payment.",
        inputs=["amount", "time of the payment", "customer id and history", "terminal id and history"],
        bias="Fraud patterns move: a compromised terminal can dominate a month and be absent the next; new "
             "customers and terminals have no history.",
    )


@check.exercise(
    title="is the organisation ready",
    hint=READINESS_HINT,
    wrong=lambda: [
        ({**_readiness_model_answers(), "labels": ("yes", "the fraud team confirms disputes", "need")}, _statement()),
        ({**_readiness_model_answers(), "explainability": ("no", "analysts cannot see why", "need")}, _statement()),
        ({**_readiness_model_answers(), "privacy": ("no", "not reviewed", "need")}, _statement()),  # evidence too thin
        ({**_readiness_model_answers(), "privacy": ("no", "the officer has not reviewed it", "want")}, _statement()),
        ({item: "yes" for item in READINESS_FINDINGS}, _statement()),
        ({k: v for k, v in _readiness_model_answers().items() if k != "ml_skills"}, _statement()),
        (list(_readiness_model_answers().values()), _statement()),
    ],
)
def readiness_answers(answers, statement):
    from helpers.framing import readiness
    from helpers.problem import ProblemStatement

    check_type("statement", statement, ProblemStatement, "pass the problem statement of section 1: `statement`")
    if not isinstance(answers, dict):
        fail(f"`my_answers` is a {type(answers).__name__}: make it a dict {{item: (level, evidence, 'need' or "
             "'want')} with the four items printed above as keys.", READINESS_HINT)
    missing = [item for item in READINESS_FINDINGS if item not in answers]
    if missing:
        fail(f"`my_answers` has no answer for {missing}: answer each of the four items printed above "
             f"({', '.join(READINESS_FINDINGS)}).", READINESS_HINT)
    try:
        checklist = readiness.Readiness(statement, answers)
    except (TypeError, ValueError) as error:
        fail(str(error), READINESS_HINT)
    for item in READINESS_FINDINGS:
        found = [p for p in checklist.problems() if p.startswith(f"`{item}`")]
        if found:
            fail(found[0], READINESS_HINT)
    for item, (_, levels, needed) in READINESS_FINDINGS.items():
        answer = checklist.answers[item]
        said_need = "need" if answer.needed else "want"
        if answer.needed != needed:
            fail(f"`{item}` is marked {said_need!r}: {_READINESS_MISTAKES[(item, said_need)]}.", READINESS_HINT)
        if levels is not None and answer.level not in levels:
            fail(f"`{item}` says {answer.level!r}: {_READINESS_MISTAKES[(item, answer.level)]}.", READINESS_HINT)


# --- exercise: the flywheel of the capstone (section 1) -------------------------------------------

FLYWHEEL_HINT = (
    "follow one flagged payment round the loop: who acts on the flag, what that changes for the bank, what it "
    "records, when its right answer comes back, and when the model learns from it; then ask what could stop that"
)
# How often is "how often": a cadence in words or "every N <unit>", in days. None: not a calendar cadence
# (e.g. "when drift is detected"), which the check leaves alone.
_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "night": 1, "week": 7, "fortnight": 14, "month": 30,
              "quarter": 91, "year": 365}
_NAMED_CADENCE = {"hourly": 1 / 24, "daily": 1, "nightly": 1, "weekly": 7, "fortnightly": 14, "biweekly": 14,
                  "monthly": 30, "quarterly": 91, "yearly": 365, "annually": 365}
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "other": 2}
_EVERY = re.compile(r"\bevery\s+(?:(\d+(?:\.\d+)?|[a-z]+)\s+)?(minute|hour|day|night|week|fortnight|month|quarter|year)s?\b",
                    re.IGNORECASE)
_TIMES_A = re.compile(r"\b(once|twice|\d+ times)\s+(?:a|an|per|each)\s+(day|week|month|quarter|year)\b", re.IGNORECASE)
#: The slowest cadence the card-fraud wheel can afford: its statement says fraud patterns move within a month.
SLOWEST_RETRAIN_DAYS = 31
# A risk of the wheel names a part of it: what could stop the labels, the data, the retraining, or bias them.
_LOOP_WORDS = re.compile(r"label|flag|review|feedback|loop|retrain|bias|drift|disput|miss|data|model|learn|train|"
                         r"unseen|never|only", re.IGNORECASE)


def cadence_days(text: str) -> float | None:
    """How many days between retrainings ``text`` says ("weekly" -> 7, "every 2 weeks" -> 14, "twice a
    month" -> 15); None when it names no calendar cadence. The shortest one named wins."""
    found = [days for word, days in _NAMED_CADENCE.items() if re.search(rf"\b{word}\b", text, re.IGNORECASE)]
    for count, unit in _EVERY.findall(text):
        number = _COUNT_WORDS.get(count.lower()) if count and not count[0].isdigit() else float(count or 1)
        if number is not None:
            found.append(number * _UNIT_DAYS[unit.lower()])
    for times, unit in _TIMES_A.findall(text):
        per = {"once": 1, "twice": 2}.get(times.lower()) or int(times.split()[0])
        found.append(_UNIT_DAYS[unit.lower()] / per)
    return min(found) if found else None


def _wheel(**stages):
    """The capstone's wheel: model, data and labels from the statement, the rest as given."""
    from helpers.framing.flywheel import Flywheel

    wheel = Flywheel.from_statement(_statement())
    for name, value in stages.items():
        setattr(wheel, name, value)
    return wheel


def _flywheel_model_stages() -> dict:
    return {
        "product": "analysts review the flagged payments before they are refunded, so less fraud is paid out",
        "usage": "cheaper fraud losses let the bank offer the card to more customers and terminals",
        "retrain": "every week on the payments whose disputes have arrived; an analyst compares the new model's "
                   "cost with the old one's",
        "risk": "labels come only from disputes and reviewed flags: fraud the model misses and nobody disputes "
                "is never labelled, so the model never learns it",
    }


@check.exercise(
    title="the flywheel of the capstone",
    hint=FLYWHEEL_HINT,
    wrong=lambda: [
        (_wheel(**{**_flywheel_model_stages(), "retrain": "TBD"}),),
        (_wheel(**{**_flywheel_model_stages(), "retrain": "retrain it on the new data with the analysts"}),),
        (_wheel(**{**_flywheel_model_stages(), "retrain": "once a year, when the budget is approved by finance"}),),
        (_wheel(**{**_flywheel_model_stages(), "risk": "the project could run over its budget and its deadline"}),),
        (_wheel(**{**_flywheel_model_stages(), "labels": ""}),),
        (_wheel(),),
        ("analysts review, then we retrain",),
    ],
)
def flywheel(wheel):
    from helpers.framing.flywheel import STAGES, Flywheel

    if isinstance(wheel, dict):  # the stages as a dict is a wheel too
        unknown = [k for k in wheel if k not in (*STAGES, "risk", "title")]
        if unknown:
            fail(f"{unknown} are not stages of the flywheel: the stages are {[*STAGES, 'risk']}.", FLYWHEEL_HINT)
        wheel = Flywheel(**wheel)
    check_type("wheel", wheel, Flywheel, "start from Flywheel.from_statement(statement) and fill the stages")
    for name in (*STAGES, "risk"):
        value = getattr(wheel, name)
        if value is not None and not isinstance(value, str):
            fail(f"`wheel.{name}` is a {type(value).__name__} ({value!r}): answer each stage in words, a str.",
                 FLYWHEEL_HINT)
    wheel = Flywheel(**{name: getattr(wheel, name) or "" for name in ("title", *STAGES, "risk")})  # trimmed, re-read
    problems = wheel.problems()
    if problems:
        fail(problems[0], FLYWHEEL_HINT)
    days = cadence_days(wheel.retrain)
    if days is not None and days > SLOWEST_RETRAIN_DAYS:
        fail(f"`retrain` turns the wheel every {days:.0f} days: the statement says fraud patterns move within a month "
             "(a compromised terminal dominates one month and is gone the next), so the model would learn last "
             "season's fraud. Retrain at least monthly, or when drift is detected.", FLYWHEEL_HINT)
    if not _LOOP_WORDS.search(wheel.risk):
        fail(f"`risk` ({wheel.risk!r}) names no part of the loop: a budget or a deadline is a project risk; the "
             "wheel's risk is what stops or biases it, e.g. labels only for what was flagged or disputed.",
             FLYWHEEL_HINT)


# --- exercise: the review threshold chosen by cost -------------------------------------------------

THRESHOLD_HINT = (
    "evaluation.threshold_costs(y_true, scores, fn_cost=amounts, fp_cost=review_cost, tp_cost=review_cost) "
    "costs every threshold; evaluation.cheapest_threshold(curve)['threshold'] picks the cheapest"
)


def _threshold_cases(seed: int = 1010) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """(y_true, scores, amounts, review_cost): rare positives with informative scores and varied amounts."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, rate, review_cost in ((4000, 0.01, 5.0), (2500, 0.03, 20.0), (3000, 0.005, 2.0)):
        y = (rng.random(n) < rate).astype(int)
        scores = np.clip(rng.beta(1, 30, n) + y * rng.beta(2, 3, n), 0, 1)
        # Most frauds are small, a few very large: a count-based threshold and a money-based one differ.
        amounts = np.round(np.where(y == 1, rng.lognormal(3.5, 1.2, n), rng.lognormal(3.0, 0.8, n)), 2)
        cases.append((y, scores, amounts, review_cost))
    return cases


def _cost(y, scores, amounts, review_cost, threshold) -> float:
    return evaluation.cost_of_predictions(y, scores >= threshold, fn_cost=amounts, fp_cost=review_cost,
                                          tp_cost=review_cost)


def _cheapest_by_count(y, scores, amounts, review_cost):  # ignores the amounts: every fraud costs $100
    curve = evaluation.threshold_costs(y, scores, fn_cost=100.0, fp_cost=review_cost, tp_cost=review_cost)
    return float(evaluation.cheapest_threshold(curve)["threshold"])


def _best_f1(y, scores, amounts, review_cost):  # a model metric instead of the business's money
    curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=review_cost)
    f1 = 2 * curve["precision"] * curve["recall"] / (curve["precision"] + curve["recall"]).replace(0, np.nan)
    return float(curve.loc[f1.idxmax(), "threshold"])


@check.exercise(
    title="the review threshold chosen by cost",
    hint=THRESHOLD_HINT,
    wrong=lambda: [
        (lambda y, scores, amounts, review_cost: 0.5,),  # the default of predict()
        (lambda y, scores, amounts, review_cost: 0.0,),  # review everything
        (_cheapest_by_count,),
        (_best_f1,),
        (lambda y, scores, amounts, review_cost: float(np.argmin(scores)),),  # a position, not a threshold
    ],
)
def review_threshold(fn):
    check_callable("choose_threshold", fn)
    for y, scores, amounts, review_cost in _threshold_cases():
        threshold = fn(y.copy(), scores.copy(), amounts.copy(), review_cost)
        if isinstance(threshold, (pd.Series, pd.DataFrame)):
            fail("`choose_threshold` returned a pandas row or table: return only its threshold, a number.",
                 "evaluation.cheapest_threshold(curve)['threshold']")
        value = float(np.asarray(threshold, dtype=float).reshape(-1)[0]) if np.size(threshold) == 1 else None
        if value is None or not 0.0 <= value <= 1.0:
            fail(f"`choose_threshold` returned {threshold!r}: a threshold is one score between 0 and 1.", THRESHOLD_HINT)
        curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=review_cost, tp_cost=review_cost)
        best = evaluation.cheapest_threshold(curve)
        cost = _cost(y, scores, amounts, review_cost, value)
        if cost > float(best["cost"]) + 1e-6:
            fail(f"with a review cost of ${review_cost:g}, flagging scores >= {value:.4g} costs ${cost:,.2f}, but the "
                 f"threshold {float(best['threshold']):.4g} costs ${float(best['cost']):,.2f}: the threshold must "
                 "minimise refunds of missed fraud (each its amount) plus the reviews.", THRESHOLD_HINT)


# --- exercise: the daily review load, in SQL over the lake ----------------------------------------

SQL_HINT = (  # a closer hint, not the query: the lab shows the answer only on request
    "GROUP BY tx_day ORDER BY tx_day, COUNT(*) for the payments; the boolean flagged counts as 0/1 once CAST to "
    "INTEGER (SUM: how many) or to DOUBLE (AVG: the share); name the columns with AS"
)


def _scored_payments(seed: int = 1011) -> pd.DataFrame:
    """A small table shaped like the notebook's curated.scored_payments."""
    rng = np.random.default_rng(seed)
    n = 900
    day = np.sort(rng.integers(50, 56, n))
    flagged = rng.random(n) < np.where(day % 2 == 0, 0.02, 0.06)
    is_fraud = (flagged & (rng.random(n) < 0.4)) | (rng.random(n) < 0.002)
    return pd.DataFrame({
        "transaction_id": np.arange(n, dtype=np.int64),
        "tx_day": day.astype(np.int64),
        "amount": np.round(rng.lognormal(3.5, 0.8, n), 2),
        "score": np.round(np.where(flagged, rng.uniform(0.3, 1, n), rng.uniform(0, 0.3, n)), 4),
        "flagged": flagged,
        "is_fraud": is_fraud.astype(np.int64),
    })


def _expected_daily(frame: pd.DataFrame) -> pd.DataFrame:
    daily = frame.groupby("tx_day")["flagged"].agg(payments="size", flagged="sum", flagged_share="mean")
    return daily.reset_index()


@check.exercise(
    title="the daily review load",
    hint=SQL_HINT,
    wrong=lambda: [
        ("SELECT tx_day, COUNT(*) AS payments, SUM(is_fraud) AS flagged, AVG(is_fraud) AS flagged_share "
         "FROM curated.scored_payments GROUP BY tx_day ORDER BY tx_day",),  # frauds, not reviews
        ("SELECT tx_day, COUNT(*) AS payments, SUM(CAST(flagged AS INTEGER)) AS flagged, "
         "SUM(CAST(flagged AS INTEGER)) AS flagged_share FROM curated.scored_payments GROUP BY tx_day ORDER BY tx_day",),
        ("SELECT COUNT(*) AS payments, AVG(CAST(flagged AS DOUBLE)) AS flagged_share FROM curated.scored_payments",),
        ("SELECT tx_day, COUNT(*) AS payments, SUM(CAST(flagged AS INTEGER)) AS flagged, AVG(score) AS flagged_share "
         "FROM curated.scored_payments GROUP BY tx_day ORDER BY tx_day",),
        ("SELECT FROM curated.scored_payments",),  # not SQL
        (42,),
    ],
)
def daily_review_sql(sql):
    from helpers.lake import Lake, LakeError

    check_type("DAILY_REVIEW_SQL", sql, str, SQL_HINT)
    frame = _scored_payments()
    with tempfile.TemporaryDirectory(prefix="flywheel-check-") as root:
        lake = Lake(root=root)
        lake.write(frame, "curated", "scored_payments")
        try:
            result = lake.query(sql)
        except (LakeError, Exception) as error:  # noqa: BLE001 - any SQL error is the learner's to fix
            first = str(error).splitlines()[0]
            fail(f"the query does not run: {type(error).__name__}: {first}", SQL_HINT)
    check_columns("the query's result", result, ["tx_day", "payments", "flagged", "flagged_share"], SQL_HINT)
    expected = _expected_daily(frame)
    if len(result) != len(expected):
        fail(f"the query returns {len(result)} rows, but there are {len(expected)} days: one row per tx_day "
             "(GROUP BY tx_day).", SQL_HINT)
    result = result.sort_values("tx_day").reset_index(drop=True)
    check_close("tx_day", result["tx_day"].to_numpy(dtype=float), expected["tx_day"].to_numpy(dtype=float), hint=SQL_HINT)
    check_close("payments per day", result["payments"].to_numpy(dtype=float),
                expected["payments"].to_numpy(dtype=float), hint="COUNT(*) per day")
    check_close("flagged per day", result["flagged"].to_numpy(dtype=float), expected["flagged"].to_numpy(dtype=float),
                hint="count the flagged payments, not the frauds: SUM(CAST(flagged AS INTEGER))")
    check_close("flagged_share per day", result["flagged_share"].to_numpy(dtype=float),
                expected["flagged_share"].to_numpy(dtype=float),
                hint="the share of the day's payments that are flagged, between 0 and 1: AVG(CAST(flagged AS DOUBLE))")


# --- exercise: the threshold decision -------------------------------------------------------------

DECISION_HINT = (
    "architecture.decide('Review threshold', choice=f'flag scores >= {threshold:g}', "
    "reason='cheapest on the validation days: $... of refunds and reviews against $... for ...')"
)
_MONEY = re.compile(r"\$\s?\d|\d[\d,.]*\s*(dollars?|usd)\b|\bcost", re.IGNORECASE)


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d*\.\d+|\d+", text.replace(",", ""))]


def _with_decision(choice: str, reason: str, topic: str = "Review threshold") -> Architecture:
    arch = Architecture(title="Card-fraud detection")
    arch.decide(topic, choice, reason)
    return arch


@check.exercise(
    title="the threshold decision",
    hint=DECISION_HINT,
    wrong=lambda: [
        (_with_decision("flag scores >= 0.5", "the default threshold of predict(), costs $4,000 a week"), 0.035),
        (_with_decision("flag scores >= 0.035", "it looked right"), 0.035),
        (_with_decision("flag scores >= 0.035", "best F1 score on validation"), 0.035),
        (_with_decision("flag scores >= 0.035", "cheapest on validation: $300", topic="Threshold"), 0.035),
        (Architecture(title="Card-fraud detection"), 0.035),
        ("Review threshold: 0.035 because it is cheapest at $300", 0.035),
    ],
)
def threshold_decision(architecture, threshold):
    check_type("architecture", architecture, Architecture, "build it with Architecture.from_problem(statement)")
    try:
        decision = architecture.decision("Review threshold")
    except ArchitectureError:
        topics = [d.topic for d in architecture.decisions]
        fail(f"the architecture has no decision with the topic 'Review threshold' (topics: {topics or 'none'}).",
             DECISION_HINT)
    threshold = float(threshold)
    if not any(np.isclose(number, threshold, rtol=1e-3, atol=1e-9) for number in _numbers(decision.choice)):
        fail(f"the choice {decision.choice!r} does not state the threshold you chose ({threshold:g}): the record must "
             "say exactly which scores are sent for review.", DECISION_HINT)
    if not _MONEY.search(decision.reason):
        fail(f"the reason {decision.reason!r} does not mention the business cost: the threshold was chosen by money "
             "(refunds plus reviews), so the reason quotes it.", DECISION_HINT)


# --- exercise: the monitoring loop ----------------------------------------------------------------

LOOP_HINT = (
    "architecture.add_component('monitor', 'Model Monitor', kind='monitoring'); "
    "architecture.add_flow('capture', 'monitor', 'captured features'); "
    "architecture.add_flow('monitor', 'training', 'drift alert: retrain')"
)


def _pipeline() -> Architecture:
    """A small fraud pipeline without monitoring, as the notebook's is before the exercise."""
    arch = Architecture(title="Card-fraud detection")
    arch.add_component("lake", "Data lake", kind="data")
    arch.add_component("training", "Training job", kind="training")
    arch.add_component("endpoint", "Endpoint", kind="serving")
    arch.add_component("capture", "Data capture", kind="data")
    arch.add_flow("lake", "training", "training data")
    arch.add_flow("training", "endpoint", "model")
    arch.add_flow("endpoint", "capture", "requests and answers")
    arch.decide("Serving", "a real-time endpoint", "a payment must be scored before it is approved")
    return arch


def _monitor_fed_by(source: str, target: str | None = "training") -> Architecture:
    arch = _pipeline()
    arch.add_component("monitor", "Model Monitor", kind="monitoring")
    arch.add_flow(source, "monitor", "data")
    if target:
        arch.add_flow("monitor", target, "alert")
    return arch


def _monitor_wrong_kind() -> Architecture:
    arch = _pipeline()
    arch.add_component("monitor", "Model Monitor", kind="processing")
    arch.add_flow("capture", "monitor", "captured features")
    arch.add_flow("monitor", "training", "retrain")
    return arch


@check.exercise(
    title="the monitoring loop",
    hint=LOOP_HINT,
    wrong=lambda: [
        (_pipeline(),),
        (_monitor_fed_by("training"),),  # watches the training job, not the traffic
        (_monitor_fed_by("capture", None),),  # sees drift, tells no one
        (_monitor_wrong_kind(),),
        ("monitor",),
    ],
)
def monitoring_loop(architecture):
    check_type("architecture", architecture, Architecture, "pass the Architecture you built above")
    monitors = [c for c in architecture.components if c.kind == "monitoring"]
    if not monitors:
        fail("the architecture has no component of kind 'monitoring'.", LOOP_HINT)
    kinds = {c.name: c.kind for c in architecture.components}
    for monitor in monitors:
        inputs = [f.source for f in architecture.flows if f.target == monitor.name]
        outputs = [f.target for f in architecture.flows if f.source == monitor.name]
        # What the endpoint saw: the captured traffic (a data store) or the endpoint itself.
        fed = [name for name in inputs if kinds[name] in ("data", "serving")]
        acts = [name for name in outputs if kinds[name] in ("training", "application")]
        if not fed:
            fail(f"nothing flows into {monitor.name!r} from the traffic: the monitor compares what the endpoint "
                 f"received (the data capture) with the training baseline (inputs now: {inputs or 'none'}).", LOOP_HINT)
        if not acts:
            fail(f"{monitor.name!r} has no flow to a training job or to people: drift that nobody acts on changes "
                 f"nothing (outputs now: {outputs or 'none'}).", LOOP_HINT)
    problems = architecture.problems()
    if problems:
        fail(f"the architecture is not complete yet: {problems[0]}", LOOP_HINT)


# --- exercise: approve a retrained model only if it beats the approved one (retrain on drift) ------

APPROVAL_HINT = (
    "the cost is in dollars, so lower is better; the first model (approved_cost None) has nothing to beat: approve "
    "it; a later one is approved only when candidate_cost <= approved_cost - margin, otherwise rejected; return "
    "the words 'Approved' or 'Rejected'"
)

#: (candidate_cost, approved_cost, margin) in US dollars -> the status the rule gives.
_APPROVAL_CASES = [
    ((1200.0, None, 20.0), "Approved"),   # the first model: nothing to beat
    ((3000.0, None, 50.0), "Approved"),
    ((1010.0, 1000.0, 20.0), "Rejected"),  # dearer, though within the margin: adding the margin would pass it
    ((900.0, 1000.0, 20.0), "Approved"),  # clearly cheaper
    ((980.0, 1000.0, 20.0), "Approved"),  # cheaper by exactly the margin
    ((990.0, 1000.0, 20.0), "Rejected"),  # cheaper, but by less than the margin: noise
    ((1000.0, 1000.0, 0.0), "Approved"),  # no margin asked: a tie does not make it worse
    ((1100.0, 1000.0, 20.0), "Rejected"),  # dearer
    ((1100.0, 1000.0, 0.0), "Rejected"),
]


@check.exercise(
    title="approve only if it beats the current model",
    hint=APPROVAL_HINT,
    wrong=lambda: [
        (lambda new, approved, margin: "Approved" if new < approved else "Rejected",),  # crashes on None
        (lambda new, approved, margin: "Approved" if approved is None or new < approved else "Rejected",),  # no margin
        (lambda new, approved, margin: "Approved" if approved is None or new <= approved + margin else "Rejected",),
        (lambda new, approved, margin: "Approved" if approved is None or new >= approved + margin else "Rejected",),
        (lambda new, approved, margin: approved is None or new <= approved - margin,),  # a bool, not a status
        (lambda new, approved, margin: "Rejected" if approved is None or new > approved - margin else "Approved",),
    ],
)
def approval_status(fn):
    check_callable("approval_status", fn)
    for (candidate, approved, margin), expected in _APPROVAL_CASES:
        try:
            got = fn(candidate, approved, margin)
        except TypeError as error:
            if approved is None:
                fail(f"approval_status({candidate}, None, {margin}) raised TypeError ({error}): when no version is "
                     "approved yet (approved_cost is None) there is nothing to beat; handle that first.", APPROVAL_HINT)
            raise
        if isinstance(got, (bool, np.bool_)):
            fail(f"approval_status returned {got!r}: return the registry's status, the word 'Approved' or "
                 "'Rejected', not True or False.", APPROVAL_HINT)
        status = str(got).strip().capitalize() if isinstance(got, str) else got
        if status == expected:
            continue
        if approved is None:
            why = "when nothing is approved yet (approved_cost is None) the first model has nothing to beat: approve it"
        elif expected == "Rejected" and candidate > approved:
            why = (f"${candidate:,.2f} costs more than the approved ${approved:,.2f}: a cost is lower-is-better (not "
                   "higher-is-better like an AUC), and the margin is subtracted from the approved cost, not added")
        elif expected == "Rejected":
            why = (f"${candidate:,.2f} saves less than the margin ${margin:,.2f} on ${approved:,.2f}: a saving within "
                   "the noise is not worth a deployment, so reject it (compare with approved_cost - margin)")
        elif candidate < approved:
            why = (f"${candidate:,.2f} is at least the margin ${margin:,.2f} cheaper than ${approved:,.2f}: cheaper by "
                   "the margin (or more) must be approved, <= not <; a cost is lower-is-better")
        else:
            why = (f"${candidate:,.2f} ties the approved ${approved:,.2f} with no margin asked: a tie does not make it "
                   "worse, so approve it (<= not <)")
        fail(f"approval_status({candidate}, {approved}, {margin}) returned {got!r}, expected {expected!r}: {why}.",
             APPROVAL_HINT)
