"""helpers.explain.bias: Clarify's metrics on hand-computed cases, against fairlearn, and bad configs refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers.explain import bias

# Eight rows worked by hand: three in the sensitive group d, five in a.
D = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
Y = np.array([1, 0, 0, 1, 1, 1, 0, 0], bool)        # q_d = 1/3, q_a = 3/5
YHAT = np.array([1, 1, 0, 1, 1, 0, 0, 1], bool)     # d: TP 1 FP 1 FN 0 TN 1; a: TP 2 FP 1 FN 1 TN 1
STRATA = np.array(["A", "A", "B", "A", "A", "B", "B", "B"])


def test_pre_training_metrics_by_hand():
    assert bias.ci(D) == pytest.approx((5 - 3) / 8)
    assert bias.dpl(D, Y) == pytest.approx(3 / 5 - 1 / 3)
    pa, pd_ = (2 / 5, 3 / 5), (2 / 3, 1 / 3)            # (negative, positive) in a and in d
    assert bias.kl(D, Y) == pytest.approx(pa[0] * math.log(pa[0] / pd_[0]) + pa[1] * math.log(pa[1] / pd_[1]))
    mix = ((pa[0] + pd_[0]) / 2, (pa[1] + pd_[1]) / 2)
    half = 0.5 * sum(p * math.log(p / m) for p, m in zip(pa, mix)) + 0.5 * sum(p * math.log(p / m) for p, m in zip(pd_, mix))
    assert bias.js(D, Y) == pytest.approx(half)
    gap = 3 / 5 - 1 / 3
    assert bias.lp(D, Y) == pytest.approx(math.sqrt(2) * gap)
    assert bias.tvd(D, Y) == pytest.approx(gap)
    assert bias.ks(D, Y) == pytest.approx(gap)
    # Stratum A: d holds 1 of 1 rejected and 1 of 3 accepted; B: 1 of 3 rejected, 0 of 1 accepted.
    assert bias.cdd(D, Y, STRATA) == pytest.approx((4 * (1 - 1 / 3) + 4 * (1 / 3 - 0)) / 8)


def test_post_training_metrics_by_hand():
    assert bias.dppl(D, YHAT) == pytest.approx(3 / 5 - 2 / 3)
    assert bias.di(D, YHAT) == pytest.approx((2 / 3) / (3 / 5))
    assert bias.dca(D, Y, YHAT) == pytest.approx(3 / 3 - 1 / 2)
    assert bias.dcr(D, Y, YHAT) == pytest.approx(2 / 1 - 2 / 2)
    assert bias.rd(D, Y, YHAT) == pytest.approx(2 / 3 - 1 / 1)
    assert bias.sd(D, Y, YHAT) == pytest.approx(1 / 2 - 1 / 2)
    assert bias.dar(D, Y, YHAT) == pytest.approx(2 / 3 - 1 / 2)
    assert bias.drr(D, Y, YHAT) == pytest.approx(1 / 1 - 1 / 2)
    assert bias.ad(D, Y, YHAT) == pytest.approx(3 / 5 - 2 / 3)
    assert bias.te(D, Y, YHAT) == pytest.approx(0 / 1 - 1 / 1)
    benefits = YHAT.astype(int) - Y.astype(int) + 1      # 1 2 1 1 1 0 1 2, mean 9/8
    assert bias.ge(Y, YHAT) == pytest.approx((np.sum(benefits ** 2) / (9 / 8) ** 2 - 8) / (8 * 2))


def test_flip_test_counts_d_refused_where_an_a_lookalike_is_accepted():
    d = np.array([1, 1, 0, 0], bool)
    x = np.array([[0.0], [10.0], [0.1], [10.1]])
    yhat = np.array([0, 1, 1, 1], bool)                # d at 0 refused, its look-alike at 0.1 accepted
    assert bias.ft(d, yhat, x) == pytest.approx((1 - 0) / 2)
    assert bias.ft(d, np.array([1, 0, 0, 0], bool), x) == pytest.approx((0 - 1) / 2)


def test_clarify_conventions_for_empty_ratios():
    d = np.array([1, 1, 0, 0], bool)
    assert bias.di(d, np.array([1, 0, 0, 0], bool)) == math.inf        # a never predicted positive
    assert bias.di(d, np.array([0, 0, 0, 0], bool)) == 0.0             # 0/0 is 0
    assert bias.kl(d, np.array([0, 0, 1, 0], bool)) == math.inf        # a has positives, d none
    with pytest.raises(ValueError, match="two non-empty groups"):
        bias.ci(np.ones(4, bool))


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 600
    sex = rng.choice(["F", "M"], n)
    region = rng.choice(["north", "south", "east"], n)
    label = (rng.random(n) < np.where(sex == "F", 0.3, 0.5)).astype(int)
    predicted = np.where(rng.random(n) < 0.8, label, 1 - label)
    return pd.DataFrame({"sex": sex, "region": region, "income": label, "x": rng.normal(size=n)}), predicted


def _config(**overrides):
    fields = {"label_values_or_threshold": [1], "facet_name": "sex", "facet_values_or_threshold": ["F"]}
    return bias.BiasConfig(**{**fields, **overrides})


def test_metrics_agree_with_fairlearn(people):
    from fairlearn.metrics import (MetricFrame, demographic_parity_difference, demographic_parity_ratio,
                                   equalized_odds_difference, false_positive_rate, selection_rate,
                                   true_positive_rate)
    from sklearn.metrics import accuracy_score

    frame, predicted = people
    y, sex = frame["income"], frame["sex"]
    report = bias.bias_report(frame, bias.DataConfig(label="income"), _config(group_name="region"), predicted)
    by_sex = MetricFrame(metrics={"sel": selection_rate, "acc": accuracy_score, "tpr": true_positive_rate,
                                  "fpr": false_positive_rate}, y_true=y, y_pred=predicted, sensitive_features=sex).by_group
    labels_by_sex = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=sex).by_group
    assert report.value("DPL") == pytest.approx(labels_by_sex["M"] - labels_by_sex["F"])
    assert report.value("DPPL") == pytest.approx(by_sex.loc["M", "sel"] - by_sex.loc["F", "sel"])
    assert abs(report.value("DPPL")) == pytest.approx(demographic_parity_difference(y, predicted, sensitive_features=sex))
    ratio = demographic_parity_ratio(y, predicted, sensitive_features=sex)
    assert min(report.value("DI"), 1 / report.value("DI")) == pytest.approx(ratio)
    assert report.value("AD") == pytest.approx(by_sex.loc["M", "acc"] - by_sex.loc["F", "acc"])
    assert report.value("RD") == pytest.approx(by_sex.loc["M", "tpr"] - by_sex.loc["F", "tpr"])
    # Specificity is 1 - FPR, so SD (d - a) is the FPR gap a - d.
    assert report.value("SD") == pytest.approx(by_sex.loc["M", "fpr"] - by_sex.loc["F", "fpr"])
    assert max(abs(report.value("RD")), abs(report.value("SD"))) == pytest.approx(
        equalized_odds_difference(y, predicted, sensitive_features=sex))


def test_report_is_shaped_like_clarify_analysis_json(people, tmp_path):
    frame, predicted = people
    report = bias.bias_report(frame, bias.DataConfig(label="income"), _config(), predicted,
                              features=frame[["x"]])
    report.save(tmp_path / "analysis.json")
    analysis = json.loads((tmp_path / "analysis.json").read_text())
    pre = analysis["pre_training_bias_metrics"]
    assert pre["label"] == "income" and pre["label_value_or_threshold"] == "1"
    [group] = pre["facets"]["sex"]
    assert group["value_or_threshold"] == "F"
    assert [m["name"] for m in group["metrics"]] == list(bias.PRE_TRAINING)
    cddl = next(m for m in group["metrics"] if m["name"] == "CDDL")
    assert cddl["value"] is None and "group_name" in cddl["error"]          # no strata configured: said so
    post = analysis["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    assert {m["name"] for m in post} == set(bias.POST_TRAINING)
    assert all(set(m) >= {"name", "description", "value"} for m in post)
    assert next(m for m in post if m["name"] == "FT")["value"] is not None
    text = report.text()
    assert "Pre-training bias" in text and "Post-training bias" in text and "Disparate Impact (DI)" in text
    assert f"{report.value('DPL'):.3f}" in text
    assert len(report.table()) == len(bias.PRE_TRAINING) + len(bias.POST_TRAINING)


def test_infinite_values_are_written_as_text(people):
    frame, _ = people
    never_a = np.where(frame["sex"] == "F", 1, 0)
    report = bias.post_training_bias(frame, never_a, bias.DataConfig(label="income"), _config(), methods=["DI"])
    assert json.loads(report.to_json())["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"][0]["value"] == "inf"


def test_each_facet_value_in_turn_and_thresholds(people):
    frame, _ = people
    every = bias.pre_training_bias(frame, bias.DataConfig(label="income"), _config(facet_name="region",
                                   facet_values_or_threshold=None), methods=["CI"])
    assert sorted(every.table()["value_or_threshold"]) == ["east", "north", "south"]
    share = (frame["region"] == "east").mean()
    assert every.value("CI", "east") == pytest.approx(1 - 2 * share)
    above = bias.pre_training_bias(frame, bias.DataConfig(label="income"),
                                   _config(facet_name="x", facet_values_or_threshold=0.5), methods=["DPL"])
    d = frame["x"] > 0.5
    assert above.value("DPL") == pytest.approx(frame["income"][~d].mean() - frame["income"][d].mean())
    labelled = bias.pre_training_bias(frame.assign(score=frame["income"] * 10.0), bias.DataConfig(label="score"),
                                      _config(label_values_or_threshold=5), methods=["DPL"])
    assert labelled.value("DPL") == pytest.approx(above_default := bias.dpl(frame["sex"] == "F", frame["income"] == 1))
    assert above_default > 0


def test_a_model_may_predict_no_positive_but_not_in_another_type(people):
    frame, _ = people
    data = bias.DataConfig(label="income")
    none_positive = bias.post_training_bias(frame, np.zeros(len(frame), int), data, _config(), methods=["DPPL", "DI"])
    assert none_positive.value("DPPL") == 0.0 and none_positive.value("DI") == 0.0      # 0/0 is 0, as in Clarify
    with pytest.raises(bias.BiasConfigError, match=r"applied to the predictions.*another type: did you mean \['1'\]"):
        bias.post_training_bias(frame, np.where(frame["income"] == 1, "1", "0"), data, _config(label_values_or_threshold=[1]))


def test_probabilities_become_labels_above_the_threshold(people):
    frame, predicted = people
    probabilities = np.where(predicted == 1, 0.7, 0.2)
    as_labels = bias.post_training_bias(frame, predicted, bias.DataConfig(label="income"), _config(), methods=["DPPL"])
    as_probabilities = bias.post_training_bias(
        frame, probabilities, bias.DataConfig(label="income"), _config(), methods=["DPPL"],
        predicted_label_config=bias.ModelPredictedLabelConfig(probability_threshold=0.5))
    assert as_probabilities.value("DPPL") == pytest.approx(as_labels.value("DPPL"))


@pytest.mark.parametrize("overrides, data_label, message", [
    ({"facet_name": "gender"}, "income", r"facet_name='gender' is not a column.*set facet_name to one of them"),
    ({"facet_values_or_threshold": ["f"]}, "income", r"\['f'\] matches no row of column 'sex'.*'F'"),
    ({"facet_values_or_threshold": "F"}, "income", r"must be a list of values \(e.g. \['F'\]\)"),
    ({"facet_values_or_threshold": []}, "income", "empty list"),
    ({"facet_values_or_threshold": ["F", "M"]}, "income", "selects every row"),
    ({"facet_values_or_threshold": 3}, "income", "is a threshold but column 'sex' is not numeric"),
    ({"label_values_or_threshold": ["1"]}, "income", r"another type: did you mean \[1\]"),
    ({"label_values_or_threshold": 7}, "income", "no value of 'income' is above it.*lower the threshold"),
    ({}, "salary", r"DataConfig.label='salary' is not a column"),
    ({"facet_name": "income"}, "income", "facet_name and the label are both"),
    ({"group_name": "zone"}, "income", "group_name='zone' is not a column"),
])
def test_bad_configurations_name_the_fix(people, overrides, data_label, message):
    frame, _ = people
    with pytest.raises(bias.BiasConfigError, match=message):
        bias.pre_training_bias(frame, bias.DataConfig(label=data_label), _config(**overrides))


def test_bad_inputs_name_the_fix(people):
    frame, predicted = people
    config, data = _config(), bias.DataConfig(label="income")
    with pytest.raises(bias.BiasConfigError, match="2 missing value.*drop those rows or fill them"):
        bias.pre_training_bias(frame.assign(sex=frame["sex"].mask(frame.index < 2)), data, config)
    with pytest.raises(bias.BiasConfigError, match="599 predictions for 600 rows"):
        bias.post_training_bias(frame, predicted[1:], data, config)
    with pytest.raises(bias.BiasConfigError, match=r"unknown post-training metric\(s\) \['DP'\]"):
        bias.post_training_bias(frame, predicted, data, config, methods=["DP"])
    with pytest.raises(bias.BiasConfigError, match="not probabilities"):
        bias.post_training_bias(frame, predicted * 3, data, config,
                                predicted_label_config=bias.ModelPredictedLabelConfig(probability_threshold=0.5))
    with pytest.raises(bias.BiasConfigError, match="one-hot encode"):
        bias.post_training_bias(frame, predicted, data, config, features=frame[["region"]])
    with pytest.raises(bias.BiasConfigError, match="pass a DataConfig"):
        bias.pre_training_bias(frame, "income", config)
