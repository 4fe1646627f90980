"""Lab 01: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from helpers import data
from helpers.framing import buy_or_build, canvas, rules_or_learning
from helpers.labchecks.lab01 import _SOLVED_SCENARIOS, JOB_DESIGNS, JOB_REASONS, TIE_ORDER, check
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


# --- exercise 3: rules or learning (judged by helpers.framing.rules_or_learning) --------------------------

RULES = rules_or_learning.EXERCISE.model_answers()


def test_rules_or_learning_accepts_sets_lists_subsets_aliases_and_dicts():
    accepts(check.rules_or_learning_choices, RULES)
    accepts(check.rules_or_learning_choices, {k: [option, sorted(reasons)] for k, (option, reasons) in RULES.items()})
    accepts(check.rules_or_learning_choices,  # one applying reason each, as a bare string; ML for learning
            {k: ("ML" if option == "learning" else "Rule", sorted(reasons)[0]) for k, (option, reasons) in RULES.items()})
    accepts(check.rules_or_learning_choices,  # case, spacing, hyphens and underscores forgiven
            {k: (f" {option.upper()} ", {r.replace(" ", "_").title() for r in reasons}) for k, (option, reasons) in RULES.items()})
    accepts(check.rules_or_learning_choices,
            {k: {"choice": option, "reasons": tuple(reasons)} for k, (option, reasons) in RULES.items()})


@pytest.mark.parametrize("name", list(rules_or_learning.MISTAKES))
def test_rules_or_learning_names_each_typical_mistake(name):
    case = next(iter(rules_or_learning.MISTAKES[name]))
    rejects(check.rules_or_learning_choices, rules_or_learning.mistaken_answers(name),
            hint=[f"typical mistake: {name}", repr(case) if len(rules_or_learning.MISTAKES[name]) == 1 else "cases right"])


def test_rules_or_learning_names_a_misfit_reason_a_missing_case_and_a_typo():
    rejects(check.rules_or_learning_choices, {**RULES, "spam": ("learning", {"known exact rule"})},
            hint=["'spam'", "'known exact rule' does not apply"])
    rejects(check.rules_or_learning_choices, {**RULES, "vat": ("rule", set())}, hint="give at least one reason")
    rejects(check.rules_or_learning_choices, {k: v for k, v in RULES.items() if k != "vat"}, hint="no answer for ['vat']")
    rejects(check.rules_or_learning_choices, {**RULES, "vat": ("rulez", {"known exact rule"})}, hint="did you mean 'rule'")
    rejects(check.rules_or_learning_choices, {**RULES, "vat": "rule"}, hint="give a pair (choice, reasons)")
    rejects(check.rules_or_learning_choices, list(RULES.values()), hint="should be a dict")


# --- exercise 4: the business model canvas (judged by helpers.framing.canvas) ------------------------------

PLACED = canvas.model_mapping()


def test_canvas_accepts_one_block_lists_every_block_and_short_forms():
    accepts(check.canvas_mapping, PLACED)
    accepts(check.canvas_mapping, {s.key: list(s.blocks) for s in canvas.SCENARIOS})  # every block that applies
    accepts(check.canvas_mapping, {s.key: tuple(b.upper() for b in s.blocks[:2]) for s in canvas.SCENARIOS})
    accepts(check.canvas_mapping, {**PLACED, "credit_default": "costs", "logos": "Value-Proposition",
                                   "churn": {"relationships", "revenue"}})


@pytest.mark.parametrize("name", list(canvas.MISTAKES))
def test_canvas_names_each_typical_mistake(name):
    rejects(check.canvas_mapping, {**PLACED, **canvas.MISTAKES[name]}, hint=f"typical mistake: {name}")


def test_canvas_names_the_wrong_block_a_missing_scenario_and_a_typo():
    rejects(check.canvas_mapping, {**PLACED, "maintenance": "channels"},
            hint=["'maintenance'", "'channels' is not where this model adds value"])
    rejects(check.canvas_mapping, {k: v for k, v in PLACED.items() if k != "churn"}, hint="no placement for ['churn']")
    rejects(check.canvas_mapping, {**PLACED, "churn": "customer relationshps"}, hint="did you mean 'customer relationships'")
    rejects(check.canvas_mapping, {**PLACED, "churn": []}, hint="at least one block")


# --- exercise 5: buy or build (judged by helpers.framing.buy_or_build) ---------------------------------------

PICKS = buy_or_build.EXERCISE.model_answers()


def test_buy_or_build_accepts_sets_lists_other_accepted_options_and_aliases():
    accepts(check.buy_or_build_choices, PICKS)
    accepts(check.buy_or_build_choices, {k: (option.lower(), sorted(reasons)) for k, (option, reasons) in PICKS.items()})
    accepts(check.buy_or_build_choices,  # the second accepted option where a case has two; one reason each
            {c.key: (c.accepted[-1], sorted(c.reasons)[0]) for c in buy_or_build.CASES})
    accepts(check.buy_or_build_choices, {**PICKS, "weld_defects": ("fine-tuning", {"few own labels"}),
                                         "churn_scores": ("Auto ML", ["Tabular_Data"]),
                                         "receipts": ("api", ("generic task",))})


@pytest.mark.parametrize("name", list(buy_or_build.MISTAKES))
def test_buy_or_build_names_each_typical_mistake(name):
    rejects(check.buy_or_build_choices, buy_or_build.mistaken_answers(name), hint=f"typical mistake: {name}")


def test_buy_or_build_names_the_misfit_reason_and_an_unknown_option():
    rejects(check.buy_or_build_choices, {**PICKS, "xray": ("transfer learning", {"plenty of own labels"})},
            hint=["'xray'", "'plenty of own labels' does not apply"])
    rejects(check.buy_or_build_choices, {**PICKS, "xray": ("deep learning", {"few own labels"})},
            hint="did you mean 'transfer learning'")
    rejects(check.buy_or_build_choices, {**PICKS, "bank_models": ("framework", {"many models to run"})},
            hint=["'bank_models'", "need a platform"])


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


# --- exercise 5: majority vote ----------------------------------------------------------------------

def _vote_crosstab(answers):
    counts = pd.crosstab(answers["item"], answers["label"]).reindex(columns=list(TIE_ORDER), fill_value=0)
    return counts.idxmax(axis=1)  # the first column holding the maximum: TIE_ORDER breaks ties


def _vote_value_counts(answers):
    votes = {}
    for item, labels in answers.groupby("item")["label"]:
        counts = labels.value_counts()
        tied = counts[counts == counts.max()].index
        votes[item] = min(tied, key=TIE_ORDER.index)
    return pd.Series(votes)


def _vote_counter(answers):
    from collections import Counter, defaultdict

    per_item = defaultdict(Counter)
    for item, label in zip(answers["item"], answers["label"]):
        per_item[item][label] += 1
    # highest count first; among equal counts, the earlier label in TIE_ORDER
    return pd.Series({item: max(TIE_ORDER, key=lambda label: (counts[label], -TIE_ORDER.index(label)))
                      for item, counts in per_item.items()}, name="label")


def _vote_pivot(answers):
    table = answers.pivot_table(index="item", columns="label", values="annotator", aggfunc="count", fill_value=0)
    return table[list(TIE_ORDER)].idxmax(axis=1)


def _vote_sorted(answers):
    counts = answers.groupby(["item", "label"]).size().rename("n").reset_index()
    counts["rank"] = counts["label"].map(TIE_ORDER.index)
    best = counts.sort_values(["n", "rank"], ascending=[False, True]).drop_duplicates("item")
    return best.set_index("item")["label"]


def _vote_categorical(answers):
    labels = answers["label"].astype(pd.CategoricalDtype(TIE_ORDER))
    return labels.groupby(answers["item"]).agg(lambda s: s.value_counts(sort=False).idxmax())


def _vote_numpy(answers):
    items, item_codes = np.unique(answers["item"].to_numpy(), return_inverse=True)
    label_codes = np.array([TIE_ORDER.index(label) for label in answers["label"]])
    counts = np.zeros((len(items), len(TIE_ORDER)), dtype=np.int32)
    np.add.at(counts, (item_codes, label_codes), 1)
    return pd.Series(np.array(TIE_ORDER)[counts.argmax(axis=1)], index=items)


@pytest.mark.parametrize("style", [_vote_crosstab, _vote_value_counts, _vote_counter, _vote_pivot, _vote_sorted,
                                   _vote_categorical, _vote_numpy], ids=lambda f: f.__name__)
def test_majority_vote_accepts_crosstab_groupby_counter_pivot_sort_categorical_numpy(style):
    accepts(check.majority_vote, style)


def test_majority_vote_names_the_tie_rule_the_columns_and_the_index():
    rejects(check.majority_vote, lambda a: a.groupby("item")["label"].agg(lambda s: s.value_counts().idxmax()),
            hint=["broken by the label seen first", "TIE_ORDER"])
    rejects(check.majority_vote, lambda a: a.groupby("item")["label"].agg(lambda s: s.mode().iloc[0]),
            hint=["broken alphabetically"])
    rejects(check.majority_vote, lambda a: a.groupby("item")["label"].agg(lambda s: s.mode().iloc[-1]),
            hint=["expected 'Adelie', got 'Gentoo'"])
    rejects(check.majority_vote, lambda a: a.groupby("item")["annotator"].agg(lambda s: s.mode().iloc[0]),
            hint="returned annotator names")
    rejects(check.majority_vote, lambda a: pd.crosstab(a["item"], a["label"]).max(axis=1), hint="returned numbers")
    rejects(check.majority_vote, lambda a: pd.crosstab(a["item"], a["label"]), hint="table of counts")
    rejects(check.majority_vote, lambda a: _vote_crosstab(a).reset_index(drop=True), hint="not the item ids")
    rejects(check.majority_vote, lambda a: _vote_crosstab(a).rename_axis("item").reset_index(name="label"),
            hint="set_index('item')")
    rejects(check.majority_vote, lambda a: _vote_crosstab(a).to_dict(), hint="pd.Series(votes)")
    rejects(check.majority_vote, lambda a: _vote_crosstab(a).drop_duplicates(), hint=["lost", "ties and single answers"])
    rejects(check.majority_vote, lambda a: None, hint="forget to `return`")


def test_majority_vote_names_lost_ties():
    def strict_majority_only(answers):  # drops the items whose top count is shared
        counts = pd.crosstab(answers["item"], answers["label"])
        top = counts.max(axis=1)
        clear = counts.eq(top, axis=0).sum(axis=1) == 1
        return counts[clear].idxmax(axis=1)

    rejects(check.majority_vote, strict_majority_only, hint=["lost", "e.g. item 12"])


def test_majority_vote_check_feeds_what_the_notebook_passes():
    # The notebook calls majority_vote(answers): the long table of jobs.simulate_annotations, penguin ids.
    seen = []

    def spy(answers):
        seen.append(answers)
        return _vote_crosstab(answers)

    accepts(check.majority_vote, spy)
    assert all(list(a.columns) == ["item", "annotator", "label"] for a in seen)
    penguins_table = seen[-1]
    assert penguins_table["item"].nunique() == 342 and len(penguins_table) == 3 * 342
    assert list(penguins_table["item"]) != sorted(penguins_table["item"])  # rows in no particular order
    ties = penguins_table.groupby("item")["label"].nunique().eq(3).sum()
    assert ties > 10, "the penguin job has three-way ties, where the tie rule decides"


# --- exercise 6: which labelling-job design? ---------------------------------------------------------

CHOICE = ("nine screened crowd workers", {"within the budget", "reaches the accuracy target", "several answers per item"})


def test_job_design_accepts_sets_lists_case_and_the_table_row():
    design, reasons = CHOICE
    accepts(check.job_design, design, reasons)
    accepts(check.job_design, design.title(), sorted(reasons))
    accepts(check.job_design, f"  {design.upper()} ", tuple(r.capitalize() for r in reasons))
    accepts(check.job_design, JOB_DESIGNS[-1], frozenset(JOB_REASONS[:3]))


def test_job_design_names_why_the_other_designs_fail_and_the_wrong_reasons():
    design, reasons = CHOICE
    rejects(check.job_design, "one expert", reasons - {"several answers per item"},
            hint=["one answer per bird", "nothing shows when the expert errs"])
    rejects(check.job_design, "our whole crew", {"reaches the accuracy target"}, hint="twice the budget")
    rejects(check.job_design, "five screened crowd workers", {"within the budget", "cheapest design"},
            hint="below the 95% target")
    rejects(check.job_design, "two experts", {"experts are worth their price"}, hint="over the $0.50 budget")
    rejects(check.job_design, design, reasons - {"several answers per item"}, hint="miss 'several answers per item'")
    rejects(check.job_design, design, reasons | {"cheapest design"}, hint="five screened crowd workers cost less")
    rejects(check.job_design, design, {"good value"}, hint="not in JOB_REASONS")
    rejects(check.job_design, "the crowd", reasons, hint="not a row of the table")


# --- exercise 7: the least confident items -----------------------------------------------------------

def _least_confident_loop(proba, n):
    confidence = [max(row) for row in proba]
    order = sorted(range(len(confidence)), key=lambda i: confidence[i])
    return order[:n]


def _least_confident_pandas(proba, n):
    return pd.DataFrame(proba).max(axis=1).sort_values().index[:n].to_numpy()


def _least_confident_heap(proba, n):
    import heapq

    return heapq.nsmallest(n, range(len(proba)), key=lambda i: proba[i].max())


@pytest.mark.parametrize("style", [
    lambda proba, n: np.argsort(proba.max(axis=1), kind="stable")[:n],
    lambda proba, n: np.argsort(proba.max(axis=1))[:n],  # quicksort: ties in any order are fine
    lambda proba, n: np.argsort(1 - proba.astype(np.float32).max(axis=1))[::-1][:n],  # "uncertainty", descending
    _least_confident_loop, _least_confident_pandas, _least_confident_heap,
], ids=["argsort-stable", "argsort", "one-minus-float32", "loop", "pandas", "heapq"])
def test_least_confident_accepts_argsort_loops_pandas_and_heaps(style):
    accepts(check.least_confident, style)


def test_least_confident_names_the_wrong_ranking_and_the_wrong_output():
    rejects(check.least_confident, lambda proba, n: np.argsort(proba.max(axis=1))[::-1][:n], hint="MOST confident")
    rejects(check.least_confident, lambda proba, n: np.argsort(proba.min(axis=1))[:n],
            hint="smallest class probability")
    rejects(check.least_confident, lambda proba, n: np.argsort((proba * np.log(proba)).sum(axis=1))[:n],
            hint="entropy")
    rejects(check.least_confident, lambda proba, n: np.argsort(proba.max(axis=1))[:n][::-1], hint="wrong order")
    rejects(check.least_confident, lambda proba, n: np.sort(proba.max(axis=1))[:n], hint="returned probabilities")
    rejects(check.least_confident, lambda proba, n: np.argsort(proba.max(axis=1))[:n + 1], hint="exactly n positions")
    rejects(check.least_confident, lambda proba, n: None, hint="forget to `return`")


def test_least_confident_check_feeds_what_the_notebook_passes():
    # The notebook passes model.predict_proba(...): a float numpy array (items, classes) whose rows sum to 1.
    seen = []

    def spy(proba, n):
        seen.append((proba, n))
        return np.argsort(proba.max(axis=1), kind="stable")[:n]

    accepts(check.least_confident, spy)
    assert all(isinstance(p, np.ndarray) and p.ndim == 2 and np.allclose(p.sum(axis=1), 1) for p, _ in seen)
    assert {p.shape[1] for p, _ in seen} == {2, 3}


# --- exercise 8: the cost of a confusion matrix ----------------------------------------------------

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


# --- exercise 9: the problem statement -------------------------------------------------------------

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
