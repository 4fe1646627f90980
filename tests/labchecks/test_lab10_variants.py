"""Lab 10: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers import evaluation
from helpers.framing import readiness
from helpers.framing.flywheel import Flywheel
from helpers.labchecks.lab10 import (_cheapest_by_count, _flywheel_model_stages, _pipeline, _readiness_model_answers,
                                     _statement, _wheel, _with_decision, cadence_days, check)
from helpers.problem import ProblemStatement
from variant_harness import accepts, rejects

# --- is the organisation ready? (section 1) ---------------------------------------------------------------

READY = _readiness_model_answers()


def test_readiness_answers_accept_tuples_dicts_answers_and_booleans():
    accepts(check.readiness_answers, READY, _statement())
    accepts(check.readiness_answers, {  # dicts, capitals, True / False for the need, another accepted level
        item: {"level": level.upper(), "evidence": evidence, "needed": need == "need"}
        for item, (level, evidence, need) in {**READY, "ml_skills": ("partly", "two developers, no model ever trained", "need")}.items()
    }, _statement())
    accepts(check.readiness_answers, {  # lists, Answer objects, other items answered too
        **{item: list(answer) for item, answer in READY.items()},
        "explainability": readiness.Answer("no", "nobody is told why a payment was flagged", needed=False),
        "tools": ("yes", "the ML platform with built-in XGBoost", "need"),
    }, _statement())


def test_readiness_answers_name_optimism_wants_taken_for_needs_and_thin_evidence():
    rejects(check.readiness_answers, {**READY, "labels": ("yes", "the fraud team confirms disputes", "need")},
            _statement(), hint="never labelled")
    rejects(check.readiness_answers, {**READY, "labels": ("no", "they arrive a week late", "need")},
            _statement(), hint="they exist, for part of the fraud")
    rejects(check.readiness_answers, {**READY, "explainability": ("no", "analysts cannot see why", "need")},
            _statement(), hint="a want")
    rejects(check.readiness_answers, {**READY, "privacy": ("partly", "ids are only ids, mostly fine", "need")},
            _statement(), hint="not even partly")
    rejects(check.readiness_answers, {**READY, "privacy": ("no", "the officer has not looked", "want")},
            _statement(), hint="a need, not a want")
    rejects(check.readiness_answers, {**READY, "ml_skills": ("yes", "our developers can learn it", "need")},
            _statement(), hint="nobody on the team has trained a model")
    rejects(check.readiness_answers, {**READY, "privacy": ("no", "not reviewed", "need")}, _statement(),
            hint="without evidence")


def test_readiness_answers_name_a_yes_the_statement_contradicts_and_malformed_answers():
    vague = ProblemStatement(**{**_statement().to_dict(), "labels": "we will see"})
    rejects(check.readiness_answers, {**READY, "labels": ("yes", "the fraud team confirms every dispute", "need")},
            vague, hint="fix the problem statement first")
    rejects(check.readiness_answers, {**READY, "lables": READY["labels"]}, _statement(), hint="did you mean 'labels'")
    rejects(check.readiness_answers, {k: v for k, v in READY.items() if k != "privacy"}, _statement(),
            hint="no answer for ['privacy']")
    rejects(check.readiness_answers, {**READY, "privacy": ("maybe", "nobody knows yet at all", "need")}, _statement(),
            hint="use one of")
    rejects(check.readiness_answers, {**READY, "privacy": ("no", "the officer has not reviewed it", "must have")},
            _statement(), hint="say 'need'")
    rejects(check.readiness_answers, list(READY.values()), _statement(), hint="make it a dict")


# --- the flywheel (section 1) ---------------------------------------------------------------------------------

STAGES = _flywheel_model_stages()


def _assigned():
    wheel = Flywheel.from_statement(_statement())
    for name, value in STAGES.items():
        setattr(wheel, name, value)
    return wheel


def test_flywheel_accepts_assignment_replace_dicts_and_other_cadences():
    accepts(check.flywheel, _assigned())
    accepts(check.flywheel, dataclasses.replace(Flywheel.from_statement(_statement()), **{
        **STAGES, "retrain": "monthly, when an analyst has checked the new model's cost against the old one"}))
    accepts(check.flywheel, {**Flywheel.from_statement(_statement()).to_dict(), **STAGES,
                             "retrain": "  whenever the monitor detects drift, checked by the fraud analysts  "})
    accepts(check.flywheel, _wheel(**{**STAGES, "retrain": "every 2 weeks by the ML engineer, compared on cost",
                                      "risk": "a wave of fraud at one terminal could dominate the data and bias it"}))
    accepts(check.flywheel, _wheel(**{**STAGES, "retrain": "twice a month, compared with the deployed model"}))


def test_flywheel_names_placeholders_missing_cadences_slow_wheels_and_project_risks():
    rejects(check.flywheel, _wheel(**{**STAGES, "retrain": "TBD"}), hint="placeholder")
    rejects(check.flywheel, _wheel(**{**STAGES, "product": "better"}), hint="too short")
    rejects(check.flywheel, _wheel(**{**STAGES, "retrain": "retrain it on the new data with the analysts"}),
            hint="does not say how often")
    rejects(check.flywheel, _wheel(**{**STAGES, "retrain": "once a year, when finance approves the budget"}),
            hint="fraud patterns move within a month")
    rejects(check.flywheel, _wheel(**{**STAGES, "retrain": "every quarter, checked by the team lead"}),
            hint="every 91 days")
    rejects(check.flywheel, _wheel(**{**STAGES, "risk": "the project could run over its budget and its deadline"}),
            hint="names no part of the loop")
    rejects(check.flywheel, _wheel(**{**STAGES, "labels": "the fraud team confirms disputes from cardholders"}),
            hint="how long the right answers take")
    rejects(check.flywheel, _wheel(**{**STAGES, "labels": ""}), hint="`labels` is missing")


def test_flywheel_names_wrong_types_and_unknown_stages():
    rejects(check.flywheel, _wheel(**{**STAGES, "retrain": 7}), hint="answer each stage in words")
    rejects(check.flywheel, {**STAGES, "retraining": "weekly"}, hint="not stages of the flywheel")
    rejects(check.flywheel, "analysts review, then we retrain", hint="should be a Flywheel")


def test_cadence_days_reads_words_counts_and_times():
    assert [cadence_days(t) for t in ("weekly", "every 2 weeks", "every other week", "twice a month", "once a quarter",
                                      "every six weeks", "when drift is detected", "daily, or weekly at the latest")] == [
        7, 14, 14, 15, 91, 42, None, 1]


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


# --- approve only if it beats the current model (retrain on drift) ----------------------------------------------


def test_approval_status_accepts_ifs_a_ternary_a_saving_and_numpy():
    def with_ifs(candidate_cost, approved_cost, margin):
        if approved_cost is None:
            return "Approved"
        if candidate_cost <= approved_cost - margin:
            return "Approved"
        return "Rejected"

    def by_saving(new, current, margin):
        cheaper = current is None or current - new >= margin - 1e-9
        return "Approved" if cheaper else "Rejected"

    def with_numpy(new, current, margin):
        ceiling = np.inf if current is None else np.float32(current) - np.float32(margin)
        return ["Rejected", "Approved"][int(np.float32(new) <= ceiling)]

    accepts(check.approval_status, with_ifs)
    accepts(check.approval_status, lambda n, a, m: "Approved" if a is None or n <= a - m else "Rejected")
    accepts(check.approval_status, by_saving)
    accepts(check.approval_status, with_numpy)
    accepts(check.approval_status, lambda n, a, m: "approved" if a is None or n + m <= a else "rejected")  # any case


def test_approval_status_names_direction_first_model_margin_booleans_and_strict_comparison():
    rejects(check.approval_status, lambda n, a, m: "Approved" if a is None or n >= a + m else "Rejected",
            hint="lower-is-better")  # higher-is-better, as for an AUC
    rejects(check.approval_status, lambda n, a, m: "Approved" if n <= a - m else "Rejected",
            hint="nothing to beat")  # crashes on None
    rejects(check.approval_status, lambda n, a, m: "Rejected" if a is None or n > a - m else "Approved",
            hint="the first model has nothing to beat")
    rejects(check.approval_status, lambda n, a, m: "Approved" if a is None or n < a else "Rejected",
            hint="saves less than the margin")  # no margin
    rejects(check.approval_status, lambda n, a, m: "Approved" if a is None or n <= a + m else "Rejected",
            hint="subtracted from the approved cost, not added")  # a slightly dearer model would pass
    rejects(check.approval_status, lambda n, a, m: a is None or n <= a - m, hint="not True or False")
    rejects(check.approval_status, lambda n, a, m: "Approved" if a is None or n < a - m else "Rejected",
            hint="<= not <")
