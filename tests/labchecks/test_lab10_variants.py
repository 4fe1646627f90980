"""Lab 10: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import evaluation
from helpers.labchecks.lab10 import _cheapest_by_count, _pipeline, _with_decision, check
from variant_harness import accepts, rejects

# --- the review threshold ---------------------------------------------------------------------------


def _cost(y, scores, amounts, review_cost, threshold):
    flagged = scores >= threshold
    return review_cost * flagged.sum() + amounts[(y == 1) & ~flagged].sum()


def test_review_threshold_accepts_helpers_loops_over_grids_and_scores():
    accepts(check.review_threshold, lambda y, s, a, r: float(evaluation.cheapest_threshold(
        evaluation.threshold_costs(y, s, fn_cost=a, fp_cost=r, tp_cost=r))["threshold"]))
    grid = evaluation.DEFAULT_THRESHOLDS
    accepts(check.review_threshold, lambda y, s, a, r: grid[int(np.argmin([_cost(y, s, a, r, t) for t in grid]))])
    accepts(check.review_threshold, lambda y, s, a, r: min(np.unique(s), key=lambda t: _cost(y, s, a, r, t)))
    accepts(check.review_threshold, lambda y, s, a, r: pd.Series({t: _cost(y, s, a, r, t) for t in grid}).idxmin())


def test_review_threshold_names_defaults_counts_rows_and_positions():
    rejects(check.review_threshold, lambda y, s, a, r: 0.5, hint="must minimise refunds of missed fraud")
    rejects(check.review_threshold, _cheapest_by_count, hint="each its amount")
    rejects(check.review_threshold, lambda y, s, a, r: evaluation.cheapest_threshold(
        evaluation.threshold_costs(y, s, fn_cost=a, fp_cost=r, tp_cost=r)), hint="return only its threshold")
    rejects(check.review_threshold, lambda y, s, a, r: float(np.argmin(s) + 2), hint="between 0 and 1")


# --- the daily review load ------------------------------------------------------------------------------

SQL = ("SELECT tx_day, COUNT(*) AS payments, SUM(CAST(flagged AS INTEGER)) AS flagged, "
       "AVG(CAST(flagged AS DOUBLE)) AS flagged_share FROM curated.scored_payments GROUP BY tx_day ORDER BY tx_day")


def test_daily_review_sql_accepts_casts_filters_and_case_expressions():
    accepts(check.daily_review_sql, SQL)
    accepts(check.daily_review_sql, """
        select tx_day, count(*) as payments, count(*) filter (where flagged) as flagged,
               count(*) filter (where flagged) / count(*) as flagged_share
        from curated.scored_payments group by tx_day order by 1""")
    accepts(check.daily_review_sql, """
        SELECT tx_day, COUNT(transaction_id) AS payments, SUM(CASE WHEN flagged THEN 1 ELSE 0 END) AS flagged,
               SUM(CASE WHEN flagged THEN 1 ELSE 0 END) * 1.0 / COUNT(*) AS flagged_share
        FROM curated.scored_payments GROUP BY tx_day""")


def test_daily_review_sql_names_frauds_counts_scores_and_grouping():
    rejects(check.daily_review_sql, SQL.replace("SUM(CAST(flagged AS INTEGER))", "SUM(is_fraud)"),
            hint="not the frauds")
    rejects(check.daily_review_sql, SQL.replace("AVG(CAST(flagged AS DOUBLE))", "SUM(CAST(flagged AS INTEGER))"),
            hint="between 0 and 1")
    rejects(check.daily_review_sql, SQL.replace("AVG(CAST(flagged AS DOUBLE))", "AVG(score)"), hint="flagged_share")
    rejects(check.daily_review_sql, "SELECT COUNT(*) AS payments FROM curated.scored_payments", hint="lacks the column")
    rejects(check.daily_review_sql, "SELECT FROM curated.scored_payments", hint="does not run")
    rejects(check.daily_review_sql, 42, hint="should be a str")


# --- the threshold decision --------------------------------------------------------------------------------


def test_threshold_decision_accepts_formats_of_the_threshold_and_the_money():
    accepts(check.threshold_decision, _with_decision("review payments scoring >= 0.035", "cheapest: $391 vs $1,200"), 0.035)
    accepts(check.threshold_decision, _with_decision("flag when score is at least 0.0350", "lowest cost in USD, 391 vs 1200"),
            0.035)
    accepts(check.threshold_decision, _with_decision("threshold 0.04", "it costs 391 dollars, the least"), np.float64(0.04))


def test_threshold_decision_names_the_topic_the_number_and_the_money():
    rejects(check.threshold_decision, _with_decision("flag scores >= 0.5", "the default, costs $4,000 a week"), 0.035,
            hint="does not state the threshold you chose")
    rejects(check.threshold_decision, _with_decision("flag scores >= 0.035", "best F1 score on validation"), 0.035,
            hint="does not mention the business cost")
    rejects(check.threshold_decision, _with_decision("flag scores >= 0.035", "cheapest: $300", topic="Threshold"), 0.035,
            hint="no decision with the topic 'Review threshold'")
    rejects(check.threshold_decision, "Review threshold: 0.035", 0.035, hint="should be an Architecture")


# --- the monitoring loop -----------------------------------------------------------------------------------


def _with_monitor(source="capture", target="training", kind="monitoring", name="monitor"):
    arch = _pipeline()
    arch.add_component(name, "Model Monitor", kind=kind)
    arch.add_flow(source, name, "captured features")
    if target:
        arch.add_flow(name, target, "drift: retrain")
    return arch


def test_monitoring_loop_accepts_capture_endpoint_and_other_names():
    accepts(check.monitoring_loop, _with_monitor())
    accepts(check.monitoring_loop, _with_monitor(source="endpoint"))
    accepts(check.monitoring_loop, _with_monitor(name="drift_watch"))


def test_monitoring_loop_names_missing_monitors_inputs_and_actions():
    rejects(check.monitoring_loop, _pipeline(), hint="no component of kind 'monitoring'")
    rejects(check.monitoring_loop, _with_monitor(source="training"), hint="from the traffic")
    rejects(check.monitoring_loop, _with_monitor(target=None), hint="nobody acts on")
    rejects(check.monitoring_loop, _with_monitor(kind="processing"), hint="no component of kind 'monitoring'")
    rejects(check.monitoring_loop, "monitor", hint="should be an Architecture")
