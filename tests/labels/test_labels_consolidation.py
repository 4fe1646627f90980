"""Majority vote and Dawid-Skene: the answers they give, what DS recovers, when each wins, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.labels import annotators, consolidation, designs, jobs

CLASSES = ["Adelie", "Chinstrap", "Gentoo"]
SEEDS = (0, 1, 2)


def make_truth(n: int, classes, seed: int, p=None) -> pd.Series:
    return pd.Series(np.random.default_rng(seed).choice(classes, size=n, p=p))


def table(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


def test_majority_vote_takes_the_most_frequent_answer_and_breaks_ties_by_class_order():
    answers = table([(1, "ann", "b"), (1, "bob", "b"), (1, "cy", "a"),   # clear majority: b
                     (2, "ann", "a"), (2, "bob", "b")])                 # a tie
    assert consolidation.majority_vote(answers).to_dict() == {1: "b", 2: "a"}  # default order: sorted, a first
    assert consolidation.majority_vote(answers, classes=["b", "a"]).to_dict() == {1: "b", 2: "b"}
    counts = consolidation.vote_counts(answers, classes=["a", "b", "c"])
    assert counts.shape == (2, 3) and counts.loc[1].tolist() == [1, 2, 0]


def test_dawid_skene_returns_consistent_shapes_and_probabilities():
    truth = make_truth(200, CLASSES, seed=0)
    crew = annotators.default_crew(CLASSES)
    answers = jobs.simulate_annotations(truth, crew, per_item=4, seed=0)
    ds = consolidation.dawid_skene(answers, CLASSES)
    assert ds.posteriors.shape == (200, 3) and list(ds.posteriors.columns) == CLASSES
    assert np.allclose(ds.posteriors.sum(axis=1), 1) and ((ds.posteriors >= 0) & (ds.posteriors <= 1)).all().all()
    assert (ds.labels == ds.posteriors.idxmax(axis=1)).all() and ds.labels.index.equals(ds.posteriors.index)
    assert ds.priors.sum() == pytest.approx(1)
    assert set(ds.confusion) == {a.name for a in crew} == set(ds.accuracy.index)
    for matrix in ds.confusion.values():
        assert matrix.shape == (3, 3) and np.allclose(matrix.sum(axis=1), 1)
    assert 1 <= ds.iterations <= 500 and ds.converged == (ds.iterations < 500)


@pytest.mark.parametrize("seed", SEEDS)
def test_dawid_skene_recovers_each_annotators_accuracy_from_the_answers_alone(seed):
    truth = make_truth(600, CLASSES, seed=seed, p=[0.45, 0.2, 0.35])
    answers = jobs.simulate_annotations(truth, annotators.default_crew(CLASSES), per_item=4, seed=seed)
    measured = consolidation.annotator_accuracy(answers, truth)  # needs the answer key; DS does not
    estimated = consolidation.dawid_skene(answers, CLASSES).accuracy
    assert (estimated - measured.loc[estimated.index]).abs().max() < 0.06
    assert estimated.idxmin() == "spammer" and estimated.idxmax() == "expert_a"


@pytest.mark.parametrize("seed", SEEDS)
def test_dawid_skene_beats_majority_vote_when_a_spammer_and_a_biased_annotator_are_in_the_crew(seed):
    truth = make_truth(600, CLASSES, seed=seed, p=[0.45, 0.2, 0.35])
    answers = jobs.simulate_annotations(truth, annotators.default_crew(CLASSES), per_item=3, seed=seed)
    vote = consolidation.accuracy(consolidation.majority_vote(answers, CLASSES), truth)
    ds = consolidation.accuracy(consolidation.dawid_skene(answers, CLASSES).labels, truth)
    assert ds > vote + 0.02


@pytest.mark.parametrize("seed", SEEDS)
def test_majority_vote_wins_or_ties_when_every_annotator_is_equally_good(seed):
    classes = ["cat", "dog"]
    truth = make_truth(600, classes, seed=seed)
    crew = [annotators.careless(f"worker_{i}", classes, accuracy=0.75) for i in range(5)]
    answers = jobs.simulate_annotations(truth, crew, seed=seed)
    vote = consolidation.accuracy(consolidation.majority_vote(answers), truth)
    ds = consolidation.accuracy(consolidation.dawid_skene(answers).labels, truth)
    assert vote >= ds


def test_dawid_skene_stops_at_max_iter_and_says_it_did_not_converge():
    truth = make_truth(100, CLASSES, seed=3)
    answers = jobs.simulate_annotations(truth, annotators.default_crew(CLASSES), per_item=3, seed=3)
    ds = consolidation.dawid_skene(answers, max_iter=2)
    assert ds.iterations == 2 and not ds.converged


GOOD = table([(1, "ann", "a"), (1, "bob", "b"), (2, "ann", "b")])


@pytest.mark.parametrize("bad, fix", [
    (GOOD.drop(columns="annotator"), "lacks the column.*long format"),
    (GOOD.iloc[:0], "empty"),
    (pd.concat([GOOD, GOOD.iloc[[0]]]), "more than once.*drop_duplicates"),
    (GOOD.assign(label=["a", None, "b"]), "missing values.*dropna"),
    (GOOD.assign(label="a"), "only one class.*classes="),
    ([("1", "ann", "a")], "must be a DataFrame"),
])
def test_bad_annotation_tables_are_refused_with_the_fix(bad, fix):
    for consolidate in (consolidation.majority_vote, consolidation.dawid_skene):
        with pytest.raises((ValueError, TypeError), match=fix):
            consolidate(bad)


def test_answers_outside_the_given_classes_and_bad_settings_are_refused():
    with pytest.raises(ValueError, match="add them to classes"):
        consolidation.majority_vote(GOOD, classes=["a"])
    with pytest.raises(ValueError, match="at least one iteration"):
        consolidation.dawid_skene(GOOD, max_iter=0)
    with pytest.raises(ValueError, match="positive smoothing"):
        consolidation.dawid_skene(GOOD, smoothing=0)
    with pytest.raises(ValueError, match="no true label"):
        consolidation.accuracy(consolidation.majority_vote(GOOD), pd.Series(["a"], index=[1]))


def test_compare_designs_gives_each_designs_cost_and_accuracy_on_the_same_items():
    truth = make_truth(300, CLASSES, seed=7, p=[0.45, 0.2, 0.35])
    crew = annotators.default_crew(CLASSES)
    table = designs.compare_designs(truth, {"one expert": (crew[:1], None), "three of six": (crew, 3),
                                            "everyone": (crew, None)}, seeds=range(2))
    assert list(table.index) == ["one expert", "three of six", "everyone"]
    assert table["labels_per_item"].tolist() == [1, 3, 6]
    assert table.loc["one expert", "cost_per_item"] == pytest.approx(crew[0].cost_per_label)
    assert table.loc["everyone", "cost_per_item"] == pytest.approx(sum(a.cost_per_label for a in crew))
    assert np.isnan(table.loc["one expert", "dawid_skene"])  # one answer per item: nothing to weigh
    crowd = table.loc[["three of six", "everyone"]]
    assert (crowd["dawid_skene"] > crowd["majority_vote"]).all()
    assert (crowd["dawid_skene_min"] <= crowd["dawid_skene"]).all()
    with pytest.raises(ValueError, match="at least one design"):
        designs.compare_designs(truth, {})


def test_the_measured_annotator_accuracy_needs_the_truth_of_every_item():
    assert consolidation.annotator_accuracy(GOOD, pd.Series(["a", "b"], index=[1, 2])).to_dict() == {"ann": 1.0, "bob": 0.0}
    with pytest.raises(ValueError, match="no true label"):
        consolidation.annotator_accuracy(GOOD, pd.Series(["a"], index=[1]))
