"""The capstone kits: frames follow the statement, impossible statements are refused with the fix, the cost
models price known predictions, and the Day-2 milestone passes a good model and fails a leaking one and one
that loses to the baseline, each with its hint."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import capstone
from helpers.capstone import KitError, kits, load_kit
from helpers.capstone.milestone import action_scores, cheapest_threshold

# Small samples keep the two big sets fast: the first rows in time order are enough to frame.
SAMPLES = {"fraud": 20_000, "recommendation": 20_000}


@pytest.fixture(scope="module")
def raw():
    return {name: kit.data().head(SAMPLES.get(name)) if name in SAMPLES else kit.data() for name, kit in kits.items()}


def changed(statement, **values):
    return dataclasses.replace(statement, **values)


def test_the_four_kits_of_the_talks_are_there():
    assert set(kits) == {"fraud", "maintenance", "demand", "recommendation"}
    assert load_kit("demand") is kits["demand"]
    with pytest.raises(KitError, match="did you mean 'maintenance'"):
        load_kit("maintenace")


@pytest.mark.parametrize("name", sorted(kits))
def test_each_kit_frames_its_starter_statement(name, raw):
    kit = kits[name]
    statement = kit.starter_statement()
    assert statement.problems() == []  # a statement a team can save as it is
    frame = kit.frame(statement, data=raw[name])
    assert len(frame.X) > 1000 and frame.X.notna().all().all()
    assert frame.X.index.equals(frame.y.index) and frame.X.index.equals(frame.context.index)
    assert not set(frame.X.columns) & set(kit.leaky_columns), "a starter frame must not hold the label"
    assert frame.y.nunique() >= 2
    assert kit.dataset in kit.datasheet()
    parts = frame.parts()
    assert frame.time[parts["train"]].max() <= frame.time[parts["holdout"]].min()  # split by time


def test_a_changed_statement_changes_the_frame(raw):
    kit = kits["maintenance"]
    starter = kit.starter_statement()
    base = kit.frame(starter, data=raw["maintenance"])
    ahead = kit.frame(changed(starter, how=starter.how.replace("of this process", "within the next 10 processes")),
                      data=raw["maintenance"])
    assert len(ahead.y) == len(base.y) - 10 and ahead.y.mean() > 3 * base.y.mean()  # any failure in the next 10
    fewer = kit.frame(changed(starter, inputs=["tool wear", "torque", "power", "strain"]), data=raw["maintenance"])
    assert list(fewer.X.columns) == ["tool_wear_min", "torque_nm", "power_w", "strain_min_nm"]
    mode = kit.frame(changed(starter, labels="Tool wear failures recorded by the maintenance team."), data=raw["maintenance"])
    assert mode.framing.target == "tool wear failure" and mode.y.sum() < base.y.sum()

    demand = kits["demand"]
    hourly = demand.frame(demand.starter_statement(), data=raw["demand"])
    daily = demand.frame(changed(demand.starter_statement(), how=demand.starter_statement().how.replace(
        "of each hour 24 hours ahead", "of each day 2 days ahead")), data=raw["demand"])
    assert len(daily.X) < len(hourly.X) / 20 and "hr" not in daily.X and "demand_lag_2" in daily.X
    casual = demand.frame(changed(demand.starter_statement(), labels="Casual riders counted per hour."), data=raw["demand"])
    assert casual.y.name == "casual" and casual.y.sum() < hourly.y.sum()

    fraud = kits["fraud"]
    week = fraud.frame(changed(fraud.starter_statement(), how=fraud.starter_statement().how.replace("30 days", "7 days"),
                               labels="Fraud confirmed by a dispute two days after the payment."), data=raw["fraud"])
    assert "terminal_fraud_share_7d" in week.X and "terminal_fraud_share_30d" not in week.X
    assert week.framing.label_delay == 2

    recommendation = kits["recommendation"]
    stars = recommendation.frame(changed(recommendation.starter_statement(), labels="The stars (1 to 5) a user gives."),
                                 data=raw["recommendation"])
    assert stars.framing.target == "rating" and set(stars.y.unique()) <= {1, 2, 3, 4, 5}


PHRASES = [  # how a team writes its horizon and window -> (horizon, window) in hours
    ("A model forecasts rentals of each hour a day ahead from the rentals over the last week.", 24, 168),
    ("A model makes a 48-hour-ahead forecast of the rentals of each hour, from the data days before.", 48, 168),
    ("A model forecasts the rentals of each hour within the next 6 hours from the past 3 days.", 6, 72),
    ("A model forecasts daily rentals two days in advance.", 48, 168),
]


@pytest.mark.parametrize("how, horizon, window", PHRASES)
def test_the_horizon_and_window_are_read_as_teams_write_them(how, horizon, window):
    kit = kits["demand"]
    framing = kit.framing(changed(kit.starter_statement(), how=how))
    assert (framing.horizon, framing.window) == (horizon, window)


IMPOSSIBLE = [
    ("maintenance", {"labels": "Remaining useful life of the machine, from the maintenance log."}, "does not have"),
    ("maintenance", {"labels": "The operator writes a note.", "how": "A model reads the settings of the process."},
     "names a target"),
    ("maintenance", {"inputs": ["torque", "TWF flag"]}, "leaks the label"),
    ("maintenance", {"inputs": ["torque", "vibration sensor"]}, "does not have"),
    ("maintenance", {"how": "A classifier predicts a machine failure within the next 5 days."}, "counts time in processes"),
    ("demand", {"how": "A regression model forecasts the rentals of each hour a year ahead."}, "too little time"),
    ("demand", {"how": "A regression model forecasts the rentals per week, 24 hours ahead."}, "one row per hour or per day"),
    ("demand", {"labels": "Revenue of each hour, from the till."}, "counts rentals, not money"),
    ("demand", {"inputs": ["calendar", "registered users' rentals"]}, "leaks the label"),
    ("fraud", {"inputs": ["amount", "chargebacks of the card"]}, "leaks the label"),
    ("fraud", {"how": "A classifier scores each payment 3 days ahead, from the amount."}, "scored at the moment"),
    ("fraud", {"labels": "Fraud confirmed by the disputes team 0 days after the payment."}, "a dispute takes days"),
    ("recommendation", {"inputs": ["the user's past ratings", "the rating"]}, "leaks the label"),
    ("recommendation", {"how": "A classifier scores each user-item pair over the last 900 ratings."}, "supports 1 to 500"),
]


@pytest.mark.parametrize("name, values, message", IMPOSSIBLE, ids=[f"{n}-{m}" for n, _, m in IMPOSSIBLE])
def test_an_impossible_statement_is_refused_with_the_fix(name, values, message, raw):
    kit = kits[name]
    with pytest.raises(KitError, match=message) as error:
        kit.frame(changed(kit.starter_statement(), **values), data=raw[name])
    field_named = next(iter(values))
    assert f"`{field_named}`" in str(error.value)  # the message names the field to change


def test_a_frame_too_small_or_with_one_target_value_is_refused(raw):
    kit = kits["maintenance"]
    with pytest.raises(KitError, match="too few to train"):
        kit.frame(kit.starter_statement(), data=raw["maintenance"].head(40))
    with pytest.raises(KitError, match="nothing to learn"):
        kit.frame(kit.starter_statement(), data=raw["maintenance"].query("`Machine failure` == 0"))


def test_the_cost_models_price_known_predictions():
    truth, acted = np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])
    # maintenance: caught $300 + false alarm $60 + missed $2,000 + correct no $0
    assert kits["maintenance"].cost_model.cost(truth, acted, pd.DataFrame(index=range(4))) == 2360.0
    # fraud: a review $5 (fraud or not) + a missed fraud's own amount ($30)
    amounts = pd.DataFrame({"amount": [10.0, 20.0, 30.0, 40.0]})
    assert kits["fraud"].cost_model.cost(truth, acted, amounts) == 5 + 5 + 30
    # recommendation: priced by the like (4-5 stars), not the stars: good $0, disliked $0.60, missed like $0.40
    liked = pd.DataFrame({"liked": [1, 0, 1, 0]})
    assert kits["recommendation"].cost_model.cost(np.array([5, 2, 4, 1]), acted, liked) == pytest.approx(1.0)
    # demand: 2 bikes short at $2.50, 3 too many at $0.40
    assert kits["demand"].cost_model.cost([10, 10], [8, 13], pd.DataFrame(index=range(2))) == pytest.approx(6.2)
    with pytest.raises(KitError, match="one prediction per row"):
        kits["demand"].cost_model.cost([10, 10], [8], pd.DataFrame(index=range(2)))


def test_the_threshold_is_the_cheapest_on_the_rows_given():
    kit = kits["maintenance"]  # miss $2,000, false alarm $60, caught $300
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    y = pd.Series([1, 0, 1, 0])
    # Acting on the top 3 costs 300 + 60 + 300 = 660; the top 1: 300 + 2,000; nothing: 4,000.
    assert cheapest_threshold(kit, scores, y, pd.DataFrame(index=range(4))) == 0.7
    assert cheapest_threshold(kit, scores, pd.Series([0, 0, 0, 0]), pd.DataFrame(index=range(4))) == np.inf


class Fixed:
    """A fitted model's stand-in: fixed class probabilities for two rows."""

    def __init__(self, classes, probabilities):
        self.classes_, self.probabilities = np.array(classes), np.array(probabilities)

    def predict_proba(self, X):
        return self.probabilities


def test_scores_rise_with_the_case_to_act_on():
    # Two classes: the larger one's probability, whatever the order of classes_ (True after False, 1 after 0).
    assert list(action_scores(Fixed([True, False], [[0.8, 0.2], [0.3, 0.7]]), None)) == [0.8, 0.3]
    # Stars 1-5 from a classifier: the expected stars, not P(1 star).
    stars = action_scores(Fixed([1, 2, 3, 4, 5], [[1, 0, 0, 0, 0], [0, 0, 0, 0.5, 0.5]]), None)
    assert list(stars) == [1.0, 4.5]


@pytest.fixture(scope="module")
def maintenance():
    kit = kits["maintenance"]
    statement = changed(kit.starter_statement(), inputs=kit.starter_statement().inputs + ["power", "strain"])
    return kit, statement, kit.frame(statement)


def good_model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))


def test_the_milestone_passes_a_good_model(maintenance, capsys):
    kit, statement, _ = maintenance
    report = kit.check_milestone(good_model(), statement)
    assert report.passed, str(report)
    assert report.model_cost < report.baseline_cost < report.nothing_cost
    assert report.saving == report.baseline_cost - report.model_cost and 0 < report.threshold < 1
    printed = capsys.readouterr().out
    assert "passed" in printed.splitlines()[0] and printed.count("✔") == 4 and "✘" not in printed


def test_the_milestone_fails_a_model_that_leaks_the_label(maintenance):
    kit, statement, frame = maintenance
    leaky = frame.X.assign(TWF=kit.data()["TWF"].to_numpy())
    model = good_model().fit(leaky, frame.y)
    report = kit.check_milestone(model, statement, quiet=True)
    item = report.item("features")
    assert not report.passed and not item.passed
    assert "'TWF'" in item.message and "leaks the label" in item.message and "frame(statement).X" in item.hint


def test_the_milestone_fails_a_feature_the_statement_does_not_give(maintenance):
    kit, statement, frame = maintenance
    narrow = changed(statement, inputs=["tool wear", "torque"])
    model = good_model().fit(frame.X[["tool_wear_min", "torque_nm", "power_w"]], frame.y)
    item = kit.check_milestone(model, narrow, quiet=True).item("features")
    assert not item.passed and "'power_w'" in item.message and "`inputs`" in item.hint


def test_the_milestone_fails_a_model_that_loses_to_the_baseline(maintenance):
    kit, statement, _ = maintenance
    report = kit.check_milestone(DummyClassifier(strategy="prior"), statement, quiet=True)
    item = report.item("beats baseline")
    assert report.item("trains").passed and not item.passed
    assert report.model_cost >= report.baseline_cost and item.hint == kit.improve_hint and "strain" in item.hint


def test_the_milestone_fails_what_does_not_train_and_a_statement_without_a_frame(maintenance):
    kit, statement, _ = maintenance
    item = kit.check_milestone("my model", statement, quiet=True).item("trains")
    assert not item.passed and "no fit and predict" in item.message
    broken = kit.check_milestone(LogisticRegression(solver="no-such-solver"), statement, quiet=True).item("trains")
    assert not broken.passed and "failed" in broken.message
    framed = kit.check_milestone(good_model(), changed(statement, inputs=["torque", "TWF"]), quiet=True)
    assert not framed.passed and "leaks the label" in framed.item("statement").hint


def test_the_rubric_has_every_level_for_every_criterion(tmp_path):
    rubric = capstone.rubric()
    assert rubric["levels"] == ["missing", "emerging", "proficient", "exemplary"]
    assert sum(c["weight"] for c in rubric["criteria"]) == 10
    assert "Working model against the baseline" in capstone.rubric_markdown()
    bad = tmp_path / "rubric.yaml"
    bad.write_text("levels: [low, high]\ncriteria:\n  - name: X\n    weight: 1\n    levels: {low: a}\n    evidence: e\n")
    with pytest.raises(KitError, match="not the rubric's"):
        capstone.rubric(bad)


def test_the_command_lists_the_kits_frames_a_team_statement_and_prints_the_rubric(tmp_path, capsys):
    from helpers.capstone.cli import main

    assert main([]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in kits)
    kit = kits["demand"]
    mine = changed(kit.starter_statement(), how=kit.starter_statement().how.replace("each hour", "each day"))
    assert main(["demand", "--statement", str(mine.save(tmp_path / "ours.md"))]) == 0
    assert "ours.md: one row per day" in capsys.readouterr().out
    leaky = changed(mine, inputs=["registered users' rentals"])
    assert main(["demand", "--statement", str(leaky.save(tmp_path / "leaky.json"))]) == 1
    assert "✘" in (out := capsys.readouterr().out) and "leaks the label" in out
    assert main(["--rubric"]) == 0 and "| exemplary |" in capsys.readouterr().out
