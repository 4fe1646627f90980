"""Lab 01: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from helpers import data
from helpers.labchecks.lab01 import _SOLVED_SCENARIOS, check
from helpers.problem import ProblemStatement
from variant_harness import accepts, rejects

# --- exercise 1: the eight scenarios -----------------------------------------------------------


def test_scenarios_accept_tuples_lists_and_any_case():
    accepts(check.scenarios, dict(_SOLVED_SCENARIOS))
    accepts(check.scenarios, {k: [t, ty] for k, (t, ty) in _SOLVED_SCENARIOS.items()})
    accepts(check.scenarios, {k: (t.title(), ty.upper()) for k, (t, ty) in _SOLVED_SCENARIOS.items()})
    accepts(check.scenarios, {k: (t.replace(" ", "_"), ty) for k, (t, ty) in _SOLVED_SCENARIOS.items()})
    accepts(check.scenarios, {**_SOLVED_SCENARIOS, "book_recommendation": ("collaborative filtering", "unsupervised")})
    accepts(check.scenarios, {k: (t, f"{ty} learning") for k, (t, ty) in _SOLVED_SCENARIOS.items()})


def test_scenarios_name_the_wrong_half_of_the_pair():
    rejects(check.scenarios, {**_SOLVED_SCENARIOS, "museum_visitors": ("classification", "supervised")},
            hint=["museum_visitors", "technique is not classification"])
    rejects(check.scenarios, {**_SOLVED_SCENARIOS, "customer_segments": ("clustering", "supervised")},
            hint=["customer_segments", "technique is right", "not supervised"])
    rejects(check.scenarios, {**_SOLVED_SCENARIOS, "logos": ("classification", "time series")},
            hint="choose one of supervised")
    rejects(check.scenarios, {k: v for k, v in _SOLVED_SCENARIOS.items() if k != "trading_bot"},
            hint="no entry for 'trading_bot'")
    rejects(check.scenarios, list(_SOLVED_SCENARIOS.values()), hint="should be a dict")


# --- exercise 2: is ML a good idea? ------------------------------------------------------------

VERDICTS = {
    "card_fraud": ("ML", set()),
    "drug_dose": ("not ML", {"no tolerance for mistakes"}),
    "campaign_tomorrow": ("not ML", {"no time", "no labels"}),
}


def test_ml_fit_accepts_sets_lists_tuples_and_case():
    accepts(check.ml_fit, VERDICTS)
    accepts(check.ml_fit, {k: [v, sorted(f)] for k, (v, f) in VERDICTS.items()})
    accepts(check.ml_fit, {"card_fraud": ("ml", ()), "drug_dose": ("Not ML", ("No tolerance for mistakes",)),
                           "campaign_tomorrow": ("NOT ML", frozenset({"no labels", "no time"}))})
    accepts(check.ml_fit, {**VERDICTS, "drug_dose": ("not ML", "no tolerance for mistakes")})  # one flag, no set


def test_ml_fit_names_the_missed_or_extra_flag():
    rejects(check.ml_fit, {**VERDICTS, "campaign_tomorrow": ("not ML", {"no time"})},
            hint=["campaign_tomorrow", "also has 'no labels'"])
    rejects(check.ml_fit, {**VERDICTS, "drug_dose": ("ML", set())}, hint=["drug_dose", "no tolerance for mistakes"])
    rejects(check.ml_fit, {**VERDICTS, "card_fraud": ("ML", {"no data"})}, hint="does not have 'no data'")
    rejects(check.ml_fit, {**VERDICTS, "card_fraud": ("not ML", set())}, hint="any red flag makes it 'not ML'")
    rejects(check.ml_fit, {**VERDICTS, "card_fraud": ("maybe", set())}, hint="'ML' or 'not ML'")


# --- exercise 3: cancer rate per eye colour ------------------------------------------------------

@pytest.fixture(scope="module")
def lc():
    return data.load("lung_cancer")


def test_rate_by_eye_accepts_groupby_pivot_and_loops(lc):
    accepts(check.rate_by_eye, lc.groupby("eye_color")["lung_cancer"].mean())
    accepts(check.rate_by_eye, lc.pivot_table(index="eye_color", values="lung_cancer", aggfunc="mean")["lung_cancer"])
    accepts(check.rate_by_eye, pd.Series({c: lc.loc[lc.eye_color == c, "lung_cancer"].mean() for c in lc.eye_color.unique()}))
    accepts(check.rate_by_eye, (lc[lc.lung_cancer].eye_color.value_counts() / lc.eye_color.value_counts()).fillna(0))
    accepts(check.rate_by_eye, lc.groupby("eye_color")["lung_cancer"].mean().astype(np.float32))


def test_rate_by_eye_names_counts_percent_and_frames(lc):
    rejects(check.rate_by_eye, lc.groupby("eye_color")["lung_cancer"].sum(), hint="counts of patients")
    rejects(check.rate_by_eye, lc.groupby("eye_color")["lung_cancer"].count(), hint="counts of patients")
    rejects(check.rate_by_eye, 100 * lc.groupby("eye_color")["lung_cancer"].mean(), hint="percent")
    rejects(check.rate_by_eye, lc.groupby("eye_color")[["lung_cancer"]].mean(), hint="select the one column")
    rejects(check.rate_by_eye, lc.groupby("eye_color")["lung_cancer"].mean().to_dict(), hint="pd.Series(")
    rejects(check.rate_by_eye, lc.groupby("smoker")["lung_cancer"].mean(), hint="the eye colours are")


# --- exercise 4: agreement and kappa -------------------------------------------------------------

def _agreement_loop(mine, recorded):
    same = 0
    for a, b in zip(mine, recorded):
        same += a == b
    return same / len(mine), cohen_kappa_score(mine, recorded)


def _agreement_by_hand(mine, recorded):
    mine, recorded = pd.Series(mine), pd.Series(recorded)
    observed = (mine == recorded).mean()
    share_mine, share_recorded = mine.value_counts(normalize=True), recorded.value_counts(normalize=True)
    chance = (share_mine * share_recorded.reindex(share_mine.index, fill_value=0)).sum()
    return observed, (observed - chance) / (1 - chance) if chance < 1 else 1.0


def test_agreement_accepts_numpy_loops_sklearn_and_by_hand():
    from sklearn.metrics import accuracy_score

    accepts(check.agreement_stats, lambda m, r: (float(np.mean(np.array(m) == np.array(r))), cohen_kappa_score(m, r)))
    accepts(check.agreement_stats, _agreement_loop)
    accepts(check.agreement_stats, lambda m, r: [accuracy_score(r, m), cohen_kappa_score(r, m)])
    accepts(check.agreement_stats, _agreement_by_hand)


def test_agreement_names_raw_kappa_counts_and_percent():
    rejects(check.agreement_stats, lambda m, r: (np.mean(np.array(m) == np.array(r)),) * 2,
            hint="equals the raw agreement")
    rejects(check.agreement_stats, lambda m, r: (sum(a == b for a, b in zip(m, r)), cohen_kappa_score(m, r)),
            hint="divide by the number of examples")
    rejects(check.agreement_stats, lambda m, r: (100 * np.mean(np.array(m) == np.array(r)), cohen_kappa_score(m, r)),
            hint="percentage")
    rejects(check.agreement_stats, lambda m, r: np.mean(np.array(m) == np.array(r)), hint="return a pair")


# --- exercise 5: the cost of a confusion matrix ----------------------------------------------------

def _cost_confusion(y_true, y_pred, cost_fp, cost_fn):
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return fp * cost_fp + fn * cost_fn


def _cost_zip_loop(y_true, y_pred, cost_fp, cost_fn):
    total = 0
    for truth, guess in zip(y_true, y_pred):
        if guess == 1 and truth == 0:
            total += cost_fp
        elif guess == 0 and truth == 1:
            total += cost_fn
    return total


def _cost_masks(y_true, y_pred, cost_fp, cost_fn):
    y_true = np.asarray(y_true)
    return cost_fp * np.sum((y_pred == 1) & (y_true == 0)) + cost_fn * np.sum((y_pred == 0) & (y_true == 1))


def _cost_positional_loop(y_true, y_pred, cost_fp, cost_fn):
    y_true, y_pred = list(y_true), list(y_pred)
    return sum(cost_fp if y_pred[i] > y_true[i] else cost_fn if y_pred[i] < y_true[i] else 0
               for i in range(len(y_true)))


def test_business_cost_accepts_confusion_matrix_loops_and_masks():
    accepts(check.business_cost, _cost_confusion)
    accepts(check.business_cost, _cost_zip_loop)
    accepts(check.business_cost, _cost_masks)
    accepts(check.business_cost, _cost_positional_loop)
    accepts(check.business_cost, lambda t, p, cfp, cfn: float(
        (np.asarray(p) > np.asarray(t)).astype(np.float32).sum() * cfp + (np.asarray(p) < np.asarray(t)).sum() * cfn))


def test_business_cost_names_the_missing_labels_the_index_and_the_swap():
    def no_labels(y_true, y_pred, cost_fp, cost_fn):
        tn, fp, fn, tp = confusion_matrix(y_true, y_pred).ravel()
        return fp * cost_fp + fn * cost_fn

    def by_label(y_true, y_pred, cost_fp, cost_fn):
        return sum(cost_fp if y_pred[i] > y_true[i] else cost_fn if y_pred[i] < y_true[i] else 0
                   for i in range(len(y_true)))

    rejects(check.business_cost, no_labels, hint="labels=[0, 1]")
    message = rejects(check.business_cost, by_label, hint=["KeyError", "zip(y_true, y_pred)"])
    assert f'File "{__file__}"' in message and "y_pred[i] > y_true[i]" in message  # the learner's own line
    rejects(check.business_cost, lambda t, p, cfp, cfn: _cost_masks(t, p, cfn, cfp), hint="swapped")
    rejects(check.business_cost, lambda t, p, cfp, cfn: cfn * np.sum(np.asarray(t) != p), hint="is expected")
    rejects(check.business_cost, lambda t, p, cfp, cfn: None, hint="forget to `return`")


def test_business_cost_check_feeds_what_the_notebook_passes():
    # The notebook calls business_cost(y_val, predictions, ...): y_val is a Series with a shuffled index.
    calls = []

    def spy(y_true, y_pred, cost_fp, cost_fn):
        calls.append((type(y_true), list(y_true.index) if hasattr(y_true, "index") else None))
        return _cost_masks(y_true, y_pred, cost_fp, cost_fn)

    accepts(check.business_cost, spy)
    assert all(kind is pd.Series for kind, _ in calls)
    assert any(index != sorted(index) for _, index in calls)


# --- exercise 6: the problem statement -------------------------------------------------------------

def statement(**changes) -> ProblemStatement:
    values = dict(
        title="Act early on credit-card defaults",
        problem="About 3% of our credit-card customers default each year and we notice only after they stop paying.",
        why="Each default writes off about $1,750 of balance; a call or a lower limit in time prevents part of it.",
        how="A classifier scores every customer monthly on balance, income and student status; the riskiest get a call.",
        business_metric="Cost of defaults plus interventions below $50,000 per 3,000 customers a year",
        baseline="The rule 'balance of $1,400 or more' costs about $59,000 per 3,000 customers a year",
        data_sources=["card balances from the core banking system", "income from the credit application"],
        labels="Historical records: whether each customer defaulted within twelve months of the snapshot.",
        inputs=["current balance", "stated income", "student status"],
        bias="Income is self-reported at application and may be outdated; students are a small group.",
    )
    values.update(changes)
    return ProblemStatement(**values)


@pytest.mark.parametrize("metric", [
    "Write-offs plus call costs on 3000 validation customers (USD), below the rule's 59200",
    "Write-offs plus call costs below 54,000 in $ per 3,000 validation customers",
    "Cost of defaults and calls under 50000 $ per month",
    "Default losses below 1.5% of the card balances each quarter",
])
def test_problem_statement_accepts_metrics_with_a_unit_anywhere(metric):
    accepts(check.problem_statement, statement(business_metric=metric))


def test_problem_statement_accepts_the_default_case_an_own_problem_and_tuples():
    accepts(check.problem_statement, statement())
    accepts(check.problem_statement, statement(
        title="Find card fraud before the chargeback",
        problem="Fraudulent card payments are found weeks later, when customers complain and charge them back.",
        why="Chargebacks cost us about $40,000 a month, and each complaint costs a customer's trust as well.",
        how="A classifier (supervised) scores every payment in real time from amount, terminal and customer history.",
        business_metric="Chargeback losses below $20,000 per month without more than 50 good payments declined a day",
        baseline="Manual review by 40 analysts lets about $40,000 of fraud through per month",
        data_sources=["two years of card payments", "the chargeback records of operations"],
        labels="Operations record every chargeback; a payment charged back as fraud is labelled fraud.",
        inputs=["amount", "terminal id", "the customer's usual amount", "hour of the payment"],
        bias="Fraud nobody charged back is labelled genuine, so quiet fraud is under-counted in the labels.",
    ))
    accepts(check.problem_statement, statement(data_sources=("card balances", "stated income"),
                                               inputs=("current balance", "stated income", "student status")))


def test_problem_statement_names_the_vague_field():
    rejects(check.problem_statement, statement(business_metric="Better accuracy than 0.9"), hint="model metric")
    rejects(check.problem_statement, statement(baseline="Reduce the problem to 3 next year"), hint="no unit")
    rejects(check.problem_statement, statement(why="TBD"), hint="placeholder")
    rejects(check.problem_statement, statement(bias="none"), hint="`bias` says there is none")
    rejects(check.problem_statement, {"title": "Defaults"}, hint="ProblemStatement(title=")
