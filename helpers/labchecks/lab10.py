"""Checks for 10_capstone: the review threshold chosen by cost, the daily review load in SQL over the
lake, the threshold decision of the architecture record, and the monitoring loop of the architecture.

Answers are tried on small seeded cases built here (not the notebook's data), so nothing hard-coded
can pass.
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
