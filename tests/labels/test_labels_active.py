"""Active learning on the shipped penguins: the loop, the strategies, the measured saving, the figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from helpers.labels import active, curves  # noqa: E402
from helpers.plots import PALETTE  # noqa: E402

SEEDS = range(6)


@pytest.fixture(scope="module")
def task() -> active.Task:
    return active.penguin_task()


@pytest.fixture(scope="module")
def result(task) -> active.ActiveLearningResult:
    """Both strategies, six seeds, one label at a time up to 20 labels (about a second of fitting)."""
    return active.compare_strategies(task, seeds=SEEDS, budget=20)


def test_the_penguin_task_is_a_standardised_pool_and_a_stratified_test_set(task):
    assert (len(task.y_pool), len(task.y_test)) == (239, 103)
    assert task.X_pool.shape == (239, 4) and task.X_test.shape == (103, 4)
    assert task.classes == ("Adelie", "Chinstrap", "Gentoo") and len(task.features) == 4
    assert np.allclose(task.X_pool.mean(axis=0), 0) and np.allclose(task.X_pool.std(axis=0), 1)
    shares = [pd.Series(y).value_counts(normalize=True).sort_index() for y in (task.y_pool, task.y_test)]
    assert (shares[0] - shares[1]).abs().max() < 0.02


def test_uncertainty_sampling_reaches_the_target_with_fewer_labels_than_random_sampling(result):
    medians = result.median_labels_needed()
    assert medians["uncertainty"] < medians["random"]
    # Not one lucky threshold: over the whole curve, the model that chose its labels is more accurate.
    assert result.mean_curves()["uncertainty"].mean() > result.mean_curves()["random"].mean()
    needed = result.labels_needed()
    assert (needed["uncertainty"].fillna(999) <= needed["random"].fillna(999)).sum() > len(SEEDS) / 2


def test_the_result_holds_every_run_and_judges_them_by_one_target(result, task):
    assert list(result.curves.columns) == ["strategy", "seed", "labels", "accuracy"]
    assert result.labels_needed().shape == (len(SEEDS), 2) and result.strategies == ["uncertainty", "random"]
    assert result.target == pytest.approx(result.full_accuracy - 0.02)
    assert result.budget == 20 and result.pool_size == len(task.y_pool)
    first = result.curves[result.curves["labels"] == 3].set_index(["seed", "strategy"])["accuracy"].unstack()
    assert (first["uncertainty"] == first["random"]).all()  # same start for both: only the strategy differs
    text = result.summary()
    assert f"{result.target:.0%}" in text and "uncertainty: median" in text and "random: median" in text


def test_a_learning_curve_buys_batch_labels_per_round_up_to_the_budget_and_is_deterministic(task):
    curve = active.learning_curve(task, "uncertainty", start=3, batch=3, budget=10, seed=1)
    assert curve["labels"].tolist() == [3, 6, 9, 10]
    assert curve["accuracy"].between(0, 1).all()
    pd.testing.assert_frame_equal(curve, active.learning_curve(task, "uncertainty", start=3, batch=3, budget=10, seed=1))


class Confidence:
    """A stand-in fitted model whose top-class probability per row is given."""

    def __init__(self, top):
        self.top = np.asarray(top, dtype=float)

    def predict_proba(self, X):
        return np.c_[self.top, 1 - self.top]


def test_uncertainty_sampling_picks_the_least_confident_items_ties_in_pool_order():
    model = Confidence([0.9, 0.55, 0.99, 0.55, 0.6])
    rng = np.random.default_rng(0)
    assert active.choose("uncertainty", model, np.zeros((5, 1)), 3, rng).tolist() == [1, 3, 4]
    picked = active.choose("random", model, np.zeros((5, 1)), 3, rng)
    assert len(set(picked.tolist())) == 3 and set(picked.tolist()) <= set(range(5))


def test_labels_needed_is_the_first_point_at_the_target_or_none():
    curve = pd.DataFrame({"labels": [3, 4, 5, 6], "accuracy": [0.8, 0.95, 0.9, 0.97]})
    assert active.labels_needed(curve, 0.95) == 4
    assert active.labels_needed(curve, 0.99) is None


@pytest.mark.parametrize("kwargs, fix", [
    ({"strategy": "margin"}, "choose one of"),
    ({"start": 1}, "at least 2 labels"),
    ({"budget": 500}, "pool holds only 239"),
])
def test_bad_settings_are_refused_with_the_fix(task, kwargs, fix):
    settings = {"strategy": "random", "start": 3, "budget": 10, **kwargs}
    with pytest.raises(ValueError, match=fix):
        active.learning_curve(task, settings.pop("strategy"), **settings)


def test_bad_data_and_targets_are_refused_with_the_fix(task):
    with pytest.raises(ValueError, match="missing values"):
        active.make_task([[1.0], [np.nan]], [0, 1])
    with pytest.raises(ValueError, match="non-numeric column.*get_dummies"):
        active.make_task(pd.DataFrame({"island": ["Dream", "Biscoe"]}), [0, 1])
    with pytest.raises(ValueError, match="single class"):
        active.make_task([[1.0], [2.0]], [0, 0])
    with pytest.raises(ValueError, match="one class per item"):
        active.make_task([[1.0], [2.0]], [0, 1, 1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        active.compare_strategies(task, seeds=[0], budget=4, target=97)


def test_the_figure_draws_each_strategy_with_its_own_colour_and_style_and_returns_the_summary(result):
    fig, ax = plt.subplots()
    text = curves.plot_learning_curves(result, ax)
    strategy_lines = [line for line in ax.get_lines() if line.get_label().split(" ")[0] in result.strategies]
    assert len(strategy_lines) == 2
    assert [to_hex(line.get_color()) for line in strategy_lines] == [to_hex(c) for c in PALETTE[:2]]
    assert strategy_lines[0].get_linestyle() != strategy_lines[1].get_linestyle()
    assert strategy_lines[0].get_marker() != strategy_lines[1].get_marker()
    assert any(line.get_label().startswith("target") for line in ax.get_lines())
    assert ax.get_xlabel() == "labels bought" and ax.get_ylabel() == "test accuracy"
    assert text == result.summary()
    plt.close(fig)


def test_ask_returns_unlabelled_pool_positions_and_learns_from_the_labels_given(task):
    labelled = [int(np.flatnonzero(task.y_pool == c)[0]) for c in task.classes]  # one bird of each species
    picked = active.ask(task, labelled, 5)
    assert len(picked) == 5 and not set(picked.tolist()) & set(labelled)
    assert len(task.pool_items.iloc[picked]) == 5 and list(task.pool_items.columns) == list(task.features)
    wrong = ["Adelie", "Adelie", "Gentoo"]  # a labeller who took the Chinstrap for an Adelie
    assert active.ask(task, labelled, 5, labels=wrong).tolist() != picked.tolist()
    with pytest.raises(ValueError, match="one label per position"):
        active.ask(task, labelled, 5, labels=["Adelie"])
    with pytest.raises(ValueError, match="fewer than two classes"):
        active.ask(task, labelled[:1], 5)


def test_a_round_of_active_learning_can_be_labelled_with_the_labelling_widget(task):
    from helpers.widgets.labelling import LabellingWidget

    labelled = [int(np.flatnonzero(task.y_pool == c)[0]) for c in task.classes]
    picked = active.ask(task, labelled, 4)
    widget = LabellingWidget(task.pool_items.iloc[picked], choices=list(task.classes), recorded=task.y_pool[picked])
    for answer in task.y_pool[picked]:  # a labeller who gets every bird right
        widget.label(answer)
    assert widget.agreement().fraction == 1
    following = active.ask(task, labelled + picked.tolist(), 4, labels=[*task.y_pool[labelled], *widget.labels])
    assert not set(following.tolist()) & set(labelled + picked.tolist())
