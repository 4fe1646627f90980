"""helpers.framing.buy_or_build (the stack, pick two, the cases) and automl_demo (measured on a small sample)."""

from __future__ import annotations

import pytest

from helpers.framing import automl_demo
from helpers.framing import buy_or_build as bb


def test_the_stack_runs_from_buy_to_build_and_no_option_wins_all_three():
    table = bb.stack()
    assert list(table.index) == list(bb.OPTIONS)
    assert set(bb.AI_SERVICES) == {"vision", "speech", "language", "forecasting", "personalisation", "fraud"}
    assert not (table[list(bb.CRITERIA)] == 3).all(axis=1).any()   # cost, time, accuracy: pick two
    assert table["time to market"].iloc[0] > table["time to market"].iloc[-1]


def test_pick_two_ranks_on_the_picked_criteria_and_shows_the_one_given_up():
    table = bb.pick_two("time", "cost")
    assert list(table.columns[:3]) == ["time to market", "cost", "accuracy"]
    assert table.index[0] == "AI service" and table["picked"].is_monotonic_decreasing
    assert bb.pick_two("accuracy", "time to market").index[0] == "transfer learning"
    with pytest.raises(ValueError, match="pick two different"):
        bb.pick_two("cost", "price")
    with pytest.raises(ValueError, match="not a criterion"):
        bb.pick_two("cost", "fun")


def test_the_model_answers_pass_and_every_option_is_the_answer_somewhere():
    assert bb.EXERCISE.judge(bb.EXERCISE.model_answers()).ok
    assert {c.answer for c in bb.CASES} >= {"AI service", "transfer learning", "AutoML", "ML platform", "framework"}


def test_the_decision_is_judged_not_the_spelling():
    answers = bb.EXERCISE.model_answers()
    answers["receipts"] = ("AI services", ["Generic task"])
    answers["churn_scores"] = ("auto-ml", {"tabular_data"})
    answers["weld_defects"] = ("fine-tuning", {"few own labels"})
    answers["review_sentiment"] = ("pre-trained model", {"no labelled data"})  # a second accepted option
    assert bb.EXERCISE.judge(answers).ok


def test_building_where_buying_fits_is_wrong_and_says_why():
    answers = bb.EXERCISE.model_answers()
    answers["receipts"] = ("framework", {"accuracy is the edge"})
    verdict = bb.EXERCISE.judge(answers).wrong[0]
    assert verdict.key == "receipts" and "Textract" in verdict.message


FAST = ("LogisticRegression", "DecisionTreeClassifier", "KNeighborsClassifier")  # the quick families, for speed


@pytest.fixture(scope="module")
def small_split():
    return automl_demo.split("maintenance", rows=3000, seed=0)


def test_the_same_budget_buys_the_most_candidates_that_fit():
    n = automl_demo.candidates_within(12.0, 4900)
    assert automl_demo.planned_full_fits(n, 4900) <= 12.0 < automl_demo.planned_full_fits(n + 1, 4900)
    with pytest.raises(ValueError, match="too small"):
        automl_demo.candidates_within(0.1, 4900)


def test_the_hand_tuned_model_uses_four_candidates_on_every_row(small_split):
    result = automl_demo.hand_tuned("logistic regression", small_split)
    assert (result.candidates, result.fits, result.full_fits) == (4, 12, 12.0)
    assert result.family == "LogisticRegression" and "model__C" in result.params
    with pytest.raises(ValueError, match="hand-tuned models are"):
        automl_demo.hand_tuned("svm", small_split)


def test_a_bigger_budget_costs_more_fits_as_planned_and_the_curve_reads_as_text(small_split):
    curve = automl_demo.budget_curve((2, 4), small_split, families=FAST)
    for result, n in zip(curve, (2, 4)):
        assert result.candidates == n and result.family in FAST
        assert result.full_fits == pytest.approx(automl_demo.planned_full_fits(n, len(small_split[0])))
        assert 0.5 <= result.test_auc <= 1.0 and 0.5 <= result.cv_auc <= 1.0
    assert curve[0].fits < curve[1].fits and curve[0].full_fits < curve[1].full_fits
    text = automl_demo.curve_summary(curve)
    assert text.count("candidates") == 2 and ("(+" in text or "(-" in text)


def test_a_search_needs_two_candidates_and_a_known_task():
    with pytest.raises(ValueError, match="at least 2 candidates"):
        automl_demo.automl(1)
    with pytest.raises(ValueError, match="choose among"):
        automl_demo.automl(3, families=("SVC",))
    with pytest.raises(ValueError, match="the tasks are"):
        automl_demo.split("titanic")


@pytest.mark.parametrize("name", list(bb.MISTAKES))
def test_every_typical_mistake_is_rejected_with_a_message_naming_it(name):
    result = bb.EXERCISE.judge(bb.mistaken_answers(name))
    assert not result.ok
    first = result.wrong[0]
    case = next(c for c in bb.CASES if c.key == first.key)
    assert case.why in first.message or "does not apply" in first.message


def test_the_budget_figure_marks_each_budget_and_the_hand_tuned_line():
    import matplotlib

    matplotlib.use("Agg")
    result = automl_demo.SearchResult
    curve = [result("AutoML", n, "RandomForestClassifier", {}, 0.9, auc, 3 * n, fits, 1.0)
             for n, auc, fits in ((3, 0.92, 1.2), (9, 0.94, 5.2), (27, 0.95, 15.6))]
    hand = result("hand-tuned random forest", 4, "RandomForestClassifier", {}, 0.97, 0.958, 12, 12.0, 9.0)
    ax = automl_demo.plot_curve(curve, hand)
    assert [t.get_text() for t in ax.texts] == ["3", "9", "27"]
    line, hand_line = ax.get_lines()
    assert list(line.get_xdata()) == [1.2, 5.2, 15.6] and line.get_marker() == "o"
    assert hand_line.get_linestyle() == "--" and "hand-tuned random forest" in hand_line.get_label()
