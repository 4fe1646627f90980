"""Simulated annotators and labelling jobs: profiles, the long annotation table, the bill, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.labels import annotators, jobs, penguins
from helpers.labels.consolidation import annotator_accuracy

CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


@pytest.fixture(scope="module")
def truth() -> pd.Series:
    """2,000 items with uneven classes, ids that are not positions (so the index must be kept)."""
    rng = np.random.default_rng(5)
    return pd.Series(rng.choice(CLASSES, size=2000, p=[0.45, 0.2, 0.35]), index=np.arange(2000) + 1000)


def test_default_crew_has_the_four_profiles_with_their_accuracies_and_prices():
    crew = annotators.default_crew(CLASSES)
    kinds = [a.kind for a in crew]
    assert {"expert", "careless", "spammer", "biased"} == set(kinds)
    spam = crew[kinds.index("spammer")]
    assert spam.accuracy() == pytest.approx(1 / 3)
    assert np.allclose(spam.confusion.to_numpy(), 1 / 3)  # answers ignore the item
    experts = [a for a in crew if a.kind == "expert"]
    assert all(a.cost_per_label > b.cost_per_label for a in experts for b in crew if b.kind != "expert")
    bias = crew[kinds.index("biased")]
    assert bias.confusion.loc["Chinstrap", "Adelie"] > 0.8 > bias.confusion.loc["Chinstrap", "Chinstrap"]
    assert bias.confusion.loc["Gentoo", "Gentoo"] == pytest.approx(0.95)
    assert np.allclose(bias.confusion.sum(axis=1), 1)


def test_accuracy_weights_the_diagonal_by_the_class_priors():
    bias = annotators.biased("b", CLASSES, confuses="Chinstrap", as_="Adelie", rate=0.8, accuracy=0.9)
    diagonal = np.diag(bias.confusion.to_numpy())
    priors = {"Adelie": 0.5, "Chinstrap": 0.3, "Gentoo": 0.2}
    assert bias.accuracy(priors) == pytest.approx(diagonal @ [0.5, 0.3, 0.2])
    assert bias.accuracy() == pytest.approx(diagonal.mean())


@pytest.mark.parametrize("matrix, fix", [
    ([[0.9, 0.2], [0.1, 0.9]], "sum to 1"),
    ([[1.2, -0.2], [0.0, 1.0]], "between 0 and 1"),
])
def test_a_confusion_matrix_that_is_not_a_probability_table_is_refused_with_the_fix(matrix, fix):
    with pytest.raises(ValueError, match=fix):
        annotators.Annotator("x", pd.DataFrame(matrix, index=["a", "b"], columns=["a", "b"]), 0.1)


def test_a_confusion_matrix_with_different_rows_and_columns_is_refused():
    with pytest.raises(ValueError, match="same two or more classes"):
        annotators.Annotator("x", pd.DataFrame([[1.0, 0.0], [0.0, 1.0]], index=["a", "b"], columns=["b", "a"]), 0.1)
    with pytest.raises(ValueError, match="not one of the classes"):
        annotators.biased("x", CLASSES, confuses="Emperor", as_="Adelie")


def test_the_annotation_table_is_long_one_row_per_answer_with_distinct_annotators_per_item(truth):
    crew = annotators.default_crew(CLASSES)
    table = jobs.simulate_annotations(truth, crew, per_item=3, seed=1)
    assert list(table.columns) == ["item", "annotator", "label"]
    assert table.shape == (3 * len(truth), 3)
    per_item = table.groupby("item")["annotator"].agg(["size", "nunique"])
    assert (per_item["size"] == 3).all() and (per_item["nunique"] == 3).all()
    assert set(table["item"]) == set(truth.index)
    assert set(table["label"]) <= set(CLASSES)
    everyone = jobs.simulate_annotations(truth.iloc[:10], crew, seed=1)
    assert len(everyone) == 10 * len(crew)


def test_the_simulation_is_deterministic_for_a_seed_and_changes_with_it(truth):
    crew = annotators.default_crew(CLASSES)
    first = jobs.simulate_annotations(truth, crew, per_item=2, seed=4)
    pd.testing.assert_frame_equal(first, jobs.simulate_annotations(truth, crew, per_item=2, seed=4))
    assert not first.equals(jobs.simulate_annotations(truth, crew, per_item=2, seed=5))


def test_each_annotator_answers_as_their_confusion_matrix_says(truth):
    crew = annotators.default_crew(CLASSES)
    table = jobs.simulate_annotations(truth, crew, seed=2)
    measured = annotator_accuracy(table, truth)
    priors = truth.value_counts(normalize=True)
    for a in crew:
        assert measured[a.name] == pytest.approx(a.accuracy(priors), abs=0.03), a.name
    biased = table[(table["annotator"] == "biased") & (truth.loc[table["item"]].to_numpy() == "Chinstrap")]
    assert (biased["label"] == "Adelie").mean() == pytest.approx(0.8, abs=0.05)


@pytest.mark.parametrize("kwargs, fix", [
    ({"per_item": 7}, "between 1 and 6"),
    ({"per_item": 0}, "between 1 and 6"),
])
def test_bad_job_settings_are_refused_with_the_fix(truth, kwargs, fix):
    with pytest.raises(ValueError, match=fix):
        jobs.simulate_annotations(truth, annotators.default_crew(CLASSES), **kwargs)


def test_truth_the_crew_cannot_label_is_refused():
    crew = annotators.default_crew(CLASSES)
    with pytest.raises(ValueError, match="does not know: \\['Emperor'\\]"):
        jobs.simulate_annotations(["Adelie", "Emperor"], crew)
    with pytest.raises(ValueError, match="empty"):
        jobs.simulate_annotations([], crew)
    with pytest.raises(ValueError, match="missing classes"):
        jobs.simulate_annotations(["Adelie", None], crew)
    twins = [annotators.expert("same", CLASSES), annotators.careless("same", CLASSES)]
    with pytest.raises(ValueError, match="share a name"):
        jobs.simulate_annotations(["Adelie"], twins)


def test_the_bill_is_answers_times_prices(truth):
    crew = annotators.default_crew(CLASSES)
    table = jobs.simulate_annotations(truth.iloc[:300], crew, per_item=3, seed=0)
    cost = jobs.labelling_cost(table, crew)
    prices = {a.name: a.cost_per_label for a in crew}
    expected = sum(prices[name] for name in table["annotator"])
    assert cost.total == pytest.approx(expected)
    assert (cost.items, cost.labels) == (300, 900)
    assert cost.per_item == pytest.approx(expected / 300) and cost.per_label == pytest.approx(expected / 900)
    assert cost.by_annotator["labels"].sum() == 900
    assert list(cost.by_annotator.index) == [a.name for a in crew]
    assert str(cost).startswith(f"900 labels for 300 items cost ${expected:,.2f}")


def test_a_bill_without_prices_or_columns_is_refused_with_the_fix(truth):
    crew = annotators.default_crew(CLASSES)
    table = jobs.simulate_annotations(truth.iloc[:5], crew, seed=0)
    with pytest.raises(ValueError, match="pass the crew"):
        jobs.labelling_cost(table, crew[:2])
    with pytest.raises(ValueError, match="lacks the column"):
        jobs.labelling_cost(table.drop(columns="label"), crew)


def test_the_example_items_are_the_342_measured_penguins_with_their_species():
    birds = penguins.load()
    assert birds.shape == (342, 5) and list(birds.columns) == [*penguins.FEATURES, "species"]
    assert tuple(sorted(birds["species"].unique())) == penguins.SPECIES
    assert birds[list(penguins.FEATURES)].notna().all().all()
    answers = jobs.simulate_annotations(birds["species"], annotators.default_crew(penguins.SPECIES), per_item=3)
    assert set(answers["item"]) == set(birds.index)  # the birds' row ids are the item ids


def test_repeated_item_ids_are_refused_and_annotators_compare_without_error():
    crew = annotators.default_crew(CLASSES)
    with pytest.raises(ValueError, match="repeats item ids.*reset_index"):
        jobs.simulate_annotations(pd.Series(["Adelie", "Gentoo"], index=[7, 7]), crew)
    assert crew[0] != crew[1] and crew[0] == crew[0]  # no "truth value of a DataFrame is ambiguous"
