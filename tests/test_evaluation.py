"""helpers.evaluation and helpers.evaluation_plots: counts, money, baselines and curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # tests draw off-screen

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, mean_absolute_error, precision_score, recall_score
from sklearn.tree import DecisionTreeRegressor

from helpers import evaluation, evaluation_plots


@pytest.fixture
def scored() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """300 rows, ~10% positive, informative scores in [0, 1], amounts in dollars."""
    rng = np.random.default_rng(6)
    y = (rng.random(300) < 0.1).astype(int)
    scores = np.clip(0.2 + 0.4 * y + rng.normal(0, 0.2, 300), 0, 1)
    amounts = rng.gamma(2.0, 50.0, 300)
    return y, scores, amounts


def brute_force_cost(y, scores, threshold, fn_cost, fp_cost, tp_cost=0.0, tn_cost=0.0) -> float:
    """The definition, row by row: the slow reference the vectorised code must match."""
    n = len(y)
    per_row = [np.broadcast_to(np.asarray(c, float), (n,)) for c in (fn_cost, fp_cost, tp_cost, tn_cost)]
    total = 0.0
    for i in range(n):
        flagged = scores[i] >= threshold
        if y[i] == 1:
            total += per_row[2][i] if flagged else per_row[0][i]
        else:
            total += per_row[1][i] if flagged else per_row[3][i]
    return total


# ------------------------------------------------------------------------------------ confusion
def test_confusion_matches_sklearn_layout(scored):
    y, scores, _ = scored
    predicted = (scores >= 0.5).astype(int)
    counts = evaluation.confusion(y, predicted)
    assert counts.as_frame().to_numpy().tolist() == confusion_matrix(y, predicted).tolist()
    assert counts.precision == pytest.approx(precision_score(y, predicted))
    assert counts.recall == pytest.approx(recall_score(y, predicted))
    assert counts.accuracy == pytest.approx(np.mean(y == predicted))


def test_confusion_accepts_booleans_and_series_and_handles_no_alerts():
    counts = evaluation.confusion(pd.Series([True, False, True]), np.zeros(3, dtype=int))
    assert (counts.tn, counts.fp, counts.fn, counts.tp) == (1, 0, 2, 0)
    assert counts.precision == 0.0 and counts.recall == 0.0  # nothing flagged: no division by zero


# ---------------------------------------------------------------------------------------- money
def test_cost_of_predictions_with_per_row_and_flat_costs(scored):
    y, scores, amounts = scored
    predicted = (scores >= 0.4).astype(int)
    cost = evaluation.cost_of_predictions(y, predicted, fn_cost=amounts, fp_cost=5.0, tp_cost=5.0)
    assert cost == pytest.approx(brute_force_cost(y, scores, 0.4, amounts, 5.0, 5.0))
    # by hand: 5 per alert plus the amounts of the missed positives
    assert cost == pytest.approx(5.0 * predicted.sum() + amounts[(y == 1) & (predicted == 0)].sum())


def test_threshold_costs_match_the_row_by_row_definition(scored):
    y, scores, amounts = scored
    grid = [0.0, 0.1, 0.37, 0.5, 0.9, 1.0]
    curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=3.0, tp_cost=1.0, tn_cost=0.01, thresholds=grid)
    assert curve["threshold"].tolist() == grid
    for row in curve.itertuples():
        assert row.cost == pytest.approx(brute_force_cost(y, scores, row.threshold, amounts, 3.0, 1.0, 0.01))
        flagged = scores >= row.threshold
        assert row.alerts == flagged.sum() and row.tp == np.sum(flagged & (y == 1))
        assert row.fn == np.sum(~flagged & (y == 1)) and row.tn == np.sum(~flagged & (y == 0))
    assert curve.loc[0, "recall"] == 1.0  # threshold 0 flags every row


def test_threshold_costs_flag_scores_equal_to_the_threshold():
    curve = evaluation.threshold_costs([1, 0], [0.5, 0.2], fn_cost=100, fp_cost=1, thresholds=[0.5])
    assert curve.loc[0, "tp"] == 1 and curve.loc[0, "cost"] == 0.0


def test_cheapest_threshold_is_the_minimum_and_breaks_ties_towards_fewer_alerts(scored):
    y, scores, amounts = scored
    curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=5.0, tp_cost=5.0)
    best = evaluation.cheapest_threshold(curve)
    assert best["cost"] == curve["cost"].min()
    ties = curve[np.isclose(curve["cost"], best["cost"])]
    assert best["threshold"] == ties["threshold"].max()
    # a cheap review makes flagging more worthwhile: the threshold cannot rise
    cheaper = evaluation.cheapest_threshold(evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=0.5, tp_cost=0.5))
    assert cheaper["threshold"] <= best["threshold"]


# ------------------------------------------------------------------------------------ baselines
def test_compare_classifiers_shows_that_accuracy_misleads(scored):
    y, scores, amounts = scored
    table = evaluation.compare_classifiers(
        y, {"always 0": np.zeros_like(y), "model": (scores >= 0.4).astype(int)}, fn_cost=amounts, fp_cost=5.0, tp_cost=5.0,
    )
    assert list(table.index) == ["always 0", "model"]
    assert table.loc["always 0", "accuracy"] == pytest.approx(1 - y.mean())
    assert table.loc["always 0", "recall"] == 0.0 and table.loc["always 0", "alerts"] == 0
    assert table.loc["always 0", "cost"] == pytest.approx(amounts[y == 1].sum())
    assert table.loc["model", "cost"] < table.loc["always 0", "cost"]


def test_compare_regressors_against_sklearn():
    y = np.array([3.0, 5.0, 2.0, 8.0])
    table = evaluation.compare_regressors(y, {"mean": np.full(4, y.mean()), "model": y + [1, -1, 2, 0]})
    assert table.loc["mean", "R²"] == pytest.approx(0.0)
    assert table.loc["model", "RMSE"] == pytest.approx(np.sqrt(6 / 4))
    assert table.loc["model", "MAE"] == pytest.approx(mean_absolute_error(y, y + [1, -1, 2, 0]))


# ----------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: evaluation.confusion([0, 1, 1], [0, 1]), ["mismatched lengths", "y_true has 3", "y_pred has 2", "same rows"]),
        (lambda: evaluation.confusion(["No", "Yes"], [0, 1]), ["0/1 labels", "'No'", "'Yes'", "(y == 'Yes').astype(int)"]),
        (lambda: evaluation.confusion([0, 1], [0.2, 0.9]), ["y_pred", "0/1 labels", "(scores >= threshold)"]),
        (lambda: evaluation.confusion([0, 2, 1], [0, 1, 1]), ["0/1 labels", "2"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, 1.7], fn_cost=1, fp_cost=1), ["probabilities in [0, 1]", "max 1.7", "predict_proba"]),
        (lambda: evaluation.threshold_costs([0, 1], [-0.3, 0.5], fn_cost=1, fp_cost=1), ["probabilities in [0, 1]", "min -0.3"]),
        (lambda: evaluation.threshold_costs([0, 1], np.array([[0.8, 0.2], [0.1, 0.9]]), fn_cost=1, fp_cost=1), ["predict_proba(X)[:, 1]"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, np.nan], fn_cost=1, fp_cost=1), ["NaN"]),
        (lambda: evaluation.threshold_costs([0, 1, 1], [0.2, 0.5], fn_cost=1, fp_cost=1), ["mismatched lengths", "scores has 2"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, 0.5], fn_cost=1, fp_cost=-5), ["fp_cost", ">= 0", "negative", "positive amount"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, 0.5], fn_cost=[10, -1], fp_cost=5), ["fn_cost", "negative"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, 0.5], fn_cost=[10, 1, 4], fp_cost=5), ["fn_cost", "one cost per row (2 values)"]),
        (lambda: evaluation.threshold_costs([0, 1], [0.2, 0.5], fn_cost=1, fp_cost=1, thresholds=[0.5, 50]), ["thresholds", "[0, 1]"]),
        (lambda: evaluation.cost_of_predictions([0, 1], [1, 1], fn_cost=1, fp_cost=float("nan")), ["fp_cost", "missing"]),
        (lambda: evaluation.confusion([], []), ["empty"]),
        (lambda: evaluation.compare_classifiers([0, 1], {}), ["dict"]),
        (lambda: evaluation.compare_classifiers([0, 1], {"m": [0, 1]}, fn_cost=1), ["both fn_cost and fp_cost"]),
        (lambda: evaluation.compare_regressors([1.0, 2.0], {"m": [1.0]}), ["mismatched lengths"]),
        (lambda: evaluation.cheapest_threshold(pd.DataFrame({"x": [1]})), ["threshold_costs"]),
    ],
)
def test_bad_input_names_the_problem_and_the_fix(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"


def test_bad_input_leaves_the_inputs_unchanged():
    y, scores, costs = np.array([0, 1, 1]), np.array([0.1, 0.8, 1.5]), np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        evaluation.threshold_costs(y, scores, fn_cost=costs, fp_cost=1)
    assert y.tolist() == [0, 1, 1] and scores.tolist() == [0.1, 0.8, 1.5] and costs.tolist() == [1.0, 2.0, 3.0]


# --------------------------------------------------------------------------------------- curves
@pytest.fixture
def regression_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.uniform(-3, 3, size=(240, 2))
    y = np.sin(X[:, 0]) * 3 + X[:, 1] + rng.normal(0, 0.3, 240)
    return X, y


def test_learning_curve_frame_is_tidy_and_diagnoses_a_memorising_tree(regression_data):
    X, y = regression_data
    frame = evaluation.learning_curve_frame(DecisionTreeRegressor(random_state=0), X, y, train_sizes=[0.3, 1.0],
                                            cv=3, scoring="neg_root_mean_squared_error")
    assert list(frame.columns) == ["train_size", "fold", "split", "metric", "score"]
    assert len(frame) == 2 * 2 * 3  # sizes x splits x folds
    assert set(frame["metric"]) == {"root_mean_squared_error"}
    summary = evaluation.summarise_curve(frame)
    train = summary[summary["split"] == "train"]["mean"]
    validation = summary[summary["split"] == "validation"]["mean"]
    assert (train < 1e-9).all()  # a fully grown tree memorises its rows: zero training error ...
    assert (validation > 0.2).all()  # ... and errors (positive, in y's unit) on the rows it did not see


def test_validation_curve_frame_shows_depth_trading_bias_for_variance(regression_data):
    X, y = regression_data
    frame = evaluation.validation_curve_frame(DecisionTreeRegressor(random_state=0), X, y, param_name="max_depth",
                                              param_range=[1, 4, None], cv=3, scoring="neg_mean_absolute_error")
    summary = evaluation.summarise_curve(frame)
    train = summary[summary["split"] == "train"].set_index("value")["mean"]
    assert train.iloc[0] > train.iloc[1] > train.iloc[2]  # deeper trees fit their rows better
    assert summary["value"].tolist()[:3] == [1, 4, None]


def test_curves_refuse_unknown_scorers_and_parameters(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="not a scikit-learn scorer"):
        evaluation.learning_curve_frame(DecisionTreeRegressor(), X, y, scoring="rmse")
    with pytest.raises(ValueError, match="scorer name"):
        evaluation.learning_curve_frame(DecisionTreeRegressor(), X, y, scoring=None)
    with pytest.raises(ValueError, match="'depth' is not a parameter"):
        evaluation.validation_curve_frame(DecisionTreeRegressor(), X, y, param_name="depth", param_range=[1], scoring="r2")


# ---------------------------------------------------------------------------------------- plots
def test_plots_draw_the_curves(scored, regression_data):
    y, scores, amounts = scored
    curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=5.0, tp_cost=5.0)
    ax = evaluation_plots.cost_vs_threshold(curve, marks={"default 0.5": 0.5})
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    assert "cheapest" in ax.get_legend().get_texts()[1].get_text()
    X, yr = regression_data
    frame = evaluation.validation_curve_frame(DecisionTreeRegressor(random_state=0), X, yr, param_name="max_depth",
                                              param_range=[1, 3, None], cv=3, scoring="neg_root_mean_squared_error")
    ax = evaluation_plots.validation_curve(frame, xlabel="max_depth")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3", "None"]
    assert ax.get_ylabel() == "root mean squared error"
    with pytest.raises(ValueError, match="learning_curve_frame"):
        evaluation_plots.learning_curve(frame)
    plt.close("all")


def test_curves_and_marks_differ_by_marker_or_line_style_not_only_by_colour(scored, regression_data):
    y, scores, amounts = scored
    curve = evaluation.threshold_costs(y, scores, fn_cost=amounts, fp_cost=5.0)
    ax = evaluation_plots.cost_vs_threshold(curve, marks={"default 0.5": 0.5, "cautious 0.2": 0.2})
    assert ax.lines[-1].get_linestyle() != ax.lines[-2].get_linestyle()
    X, yr = regression_data
    frame = evaluation.validation_curve_frame(DecisionTreeRegressor(random_state=0), X, yr, param_name="max_depth",
                                              param_range=[1, 3], cv=3, scoring="r2")
    train, validation = evaluation_plots.validation_curve(frame).lines[:2]
    assert train.get_marker() != validation.get_marker()
    plt.close("all")


def test_the_learning_curve_summary_states_the_scores_and_the_gap(regression_data):
    X, y = regression_data
    frame = evaluation.learning_curve_frame(DecisionTreeRegressor(random_state=0), X, y, train_sizes=[0.3, 1.0],
                                            cv=3, scoring="neg_root_mean_squared_error")
    end = evaluation.summarise_curve(frame).query("train_size == train_size.max()").set_index("split")["mean"]
    rows = int(frame["train_size"].max())
    assert evaluation_plots.learning_curve_summary(frame, "deep tree") == (
        f"deep tree: with {rows:,} training rows, root mean squared error {end['train']:.3g} on the training folds "
        f"and {end['validation']:.3g} on validation (gap {end['validation'] - end['train']:.3g})")
    with pytest.raises(ValueError, match="learning_curve_frame"):
        evaluation_plots.learning_curve_summary(frame.drop(columns="train_size"))


# ---------------------------------------------------------------------------------- error analysis
def test_miss_table_counts_rates_and_shares_by_group_most_misses_first():
    index = [40, 7, 13, 2, 99, 5, 61]  # validation rows keep their own labels: not 0..n-1
    missed = pd.Series([True, False, True, True, False, False, True], index=index)
    groups = pd.Series(["b", "a", "b", "c", "c", "a", "b"], index=index)
    table = evaluation.miss_table(missed, groups)
    assert list(table.columns) == list(evaluation.MISS_COLUMNS)
    assert list(table.index) == ["b", "c", "a"]  # 3, 1 and 0 misses: the group without a miss stays
    assert table.loc["b"].tolist() == [3, 3, 1.0, 0.75]
    assert table.loc["c"].tolist() == [2, 1, 0.5, 0.25]
    assert table.loc["a"].tolist() == [2, 0, 0.0, 0.0]


def test_miss_table_refuses_scores_and_mismatched_lengths():
    with pytest.raises(ValueError, match="True/False"):
        evaluation.miss_table([0.2, 0.9], ["a", "b"])
    with pytest.raises(ValueError, match="mismatched lengths"):
        evaluation.miss_table([True, False], ["a", "b", "c"])


def test_misses_before_after_draws_hatched_labelled_bars_and_says_them_in_words():
    groups = pd.Series(["terminal"] * 5 + ["card"] * 3)
    before = evaluation.miss_table(pd.Series([True] * 4 + [False] + [True, False, False]), groups)
    after = evaluation.miss_table(pd.Series([True, False, False, False, False, True, False, False]), groups)
    ax = evaluation_plots.misses_before_after(before, after, title="fix")
    bars = [patch for patch in ax.patches]
    assert [bar.get_width() for bar in bars] == [4, 1, 1, 1]
    assert {bar.get_hatch() for bar in bars[:2]} == {"//"} and not bars[2].get_hatch()  # not colour alone
    assert [t.get_text() for t in ax.get_yticklabels()] == ["terminal", "card"]
    plt.close(ax.figure)
    assert evaluation_plots.misses_before_after_summary(before, after).splitlines() == [
        "terminal: 4 missed before the fix, 1 after",
        "card: 1 missed before the fix, 1 after",
        "all groups: 5 missed before the fix, 2 after",
    ]
    with pytest.raises(ValueError, match="different groups"):
        evaluation_plots.misses_before_after(before, after.drop(index="card"))
