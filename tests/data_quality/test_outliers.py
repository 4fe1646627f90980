"""Outlier detectors and impossible-value rules, on seeded tables with planted values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import data
from helpers.data_quality import outliers
from helpers.data_quality.outliers import Rule


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """200 normal heights (cm) and weights (kg), three planted outliers and two impossible heights."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"height": rng.normal(170, 8, 200), "weight": rng.normal(70, 9, 200)})
    frame.loc[10, "height"] = 230.0  # tall but possible: an outlier
    frame.loc[20, "weight"] = 160.0  # heavy but possible: an outlier
    frame.loc[30, ["height", "weight"]] = [150.0, 110.0]  # unusual only as a pair: isolation's job
    frame.loc[40, "height"] = -170.0  # impossible (sign lost) and far out
    frame.loc[50, "height"] = 0.0  # impossible and far out
    return frame


HEIGHT_RULES = (Rule("height_not_positive", "height", lambda f: f["height"] <= 0, "a height of zero or less"),)


# ----------------------------------------------------------------------------------- detectors
def test_iqr_and_robust_z_find_the_planted_values(planted):
    for detect in (outliers.iqr_outliers, outliers.robust_z_outliers):
        height, weight = detect(planted["height"]), detect(planted["weight"])
        assert {10, 40, 50} <= set(height.index[height]) and 20 in set(weight.index[weight])
        assert height.sum() + weight.sum() <= 10  # a handful, not a share of the normal rows
        assert height.index.equals(planted.index) and height.dtype == bool


def test_iqr_fences_follow_tukeys_definition():
    values = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 100])
    q1, q3 = values.quantile([0.25, 0.75])
    assert outliers.iqr_fences(values) == (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1))
    assert outliers.iqr_outliers(values).tolist() == [False] * 8 + [True]
    assert outliers.cap_to_fences(values).iloc[-1] == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert outliers.cap_to_fences(values).iloc[:-1].tolist() == values.iloc[:-1].tolist()


def test_robust_z_is_not_dragged_by_the_outlier_it_looks_for():
    values = pd.Series([10.0, 11, 9, 10, 12, 8, 10, 1000])
    classic = (values - values.mean()) / values.std()
    assert abs(classic.iloc[-1]) < 3  # the outlier inflates the standard deviation and hides itself
    assert outliers.robust_z(values).iloc[-1] > 100
    assert outliers.robust_z(values).iloc[0] == 0  # the median scores 0


def test_detectors_within_groups_judge_each_group_on_its_own_scale():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"country": ["India"] * 60 + ["US"] * 60,
                          "salary": np.r_[rng.normal(15_000, 2_000, 60), rng.normal(70_000, 9_000, 60)]})
    frame.loc[0, "salary"] = 40_000.0  # ordinary in the US, extreme in India
    assert not outliers.iqr_outliers(frame["salary"])[0]
    assert outliers.iqr_outliers(frame["salary"], by=frame["country"])[0]
    assert outliers.robust_z_outliers(frame["salary"], by=frame["country"])[0]


def test_isolation_ranks_the_unusual_pair_high_and_is_seeded(planted):
    possible = planted.drop(index=[40, 50])
    scores = outliers.isolation_scores(possible, ["height", "weight"], seed=3)
    assert scores.rank(ascending=False)[[10, 20, 30]].max() <= 6
    flagged = outliers.isolation_outliers(possible, ["height", "weight"], share=0.02, seed=3)
    # Same seed, same forest: the rows flagged are exactly the four top scores of the first fit.
    assert set(flagged.index[flagged]) == set(scores.nlargest(4).index) and flagged[[10, 20]].all()


def test_missing_values_are_never_outliers_and_keep_their_row():
    frame = pd.DataFrame({"x": [1.0, 2, 3, np.nan, 4, 5, 6, 7, 8, 9, 10, 200]})
    frame["y"] = frame["x"] * 2
    assert not outliers.iqr_outliers(frame["x"])[3] and not outliers.robust_z_outliers(frame["x"])[3]
    assert np.isnan(outliers.isolation_scores(frame, ["x", "y"])[3])


# ------------------------------------------------------------------------------ rules and table
def test_impossible_values_are_never_confused_with_outliers(planted):
    table = outliers.flag_table(planted, ["height", "weight"], HEIGHT_RULES)
    kinds = table["kind"].to_dict()
    assert kinds[40] == kinds[50] == "impossible"
    assert table.loc[[40, 50], "impossible"].eq("a height of zero or less").all()
    # Their heights are hidden from the detectors (row 50's weight, 40.7 kg, is a chance outlier of its own).
    assert not table.loc[[40, 50], "detail"].str.contains("height").any()
    assert not table.loc[40, ["iqr", "robust_z", "isolation"]].any()
    assert kinds[10] == kinds[20] == "outlier" and table.loc[[10, 20], "impossible"].eq("").all()
    # The impossible values do not move the fences: the table's note quotes the possible rows' fence.
    _, high = outliers.iqr_fences(planted["height"].drop(index=[40, 50]))
    assert f"> fence {high:,.0f}" in table.loc[10, "detail"]
    assert list(table["kind"]).index("outlier") == 2  # impossible rows first: fix them before judging


def test_without_rules_the_impossible_values_pass_for_outliers(planted):
    """The lesson in one assertion: statistics alone cannot tell an error from a rare value."""
    table = outliers.flag_table(planted, ["height", "weight"], methods=["iqr"])
    assert set(table.loc[table["iqr"]].index) >= {40, 50} and (table["kind"] == "outlier").all()


def test_customer_rules_separate_impossible_birth_dates_from_salary_outliers():
    people = outliers.customer_measurements(data.load("messy_customers"))
    table = outliers.flag_table(people, ["age", "salary"], outliers.CUSTOMER_RULES, by="country",
                                show=["customer_id", "dob_typed"], methods=["iqr", "robust_z"])
    impossible = table[table["kind"] == "impossible"]
    typed = impossible["dob_typed"]
    assert typed.notna().all() and len(impossible) >= 20
    after_export = impossible["age"] < 0
    assert (pd.to_datetime(typed[after_export], format="ISO8601") > pd.Timestamp(outliers.CUSTOMERS_AS_OF)).all()
    assert (impossible["age"].dropna().lt(0) | impossible["age"].dropna().gt(outliers.OLDEST_AGE)).all()
    found = table[table["kind"] == "outlier"]
    assert found["age"].dropna().between(0, outliers.OLDEST_AGE).all()
    assert found["detail"].str.startswith("salary").all()  # only salaries are unusual once the errors are out


def test_customer_measurements_keep_what_clean_customers_hides():
    raw = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4", "C5"], "country": ["UK", "USA", "DE", "IN", " uk"],
                        "dob": ["2090-01-01", "1850-06-01", "30/02/1980", "52", "03/04/1970"],
                        "salary": ["50,000", "N/A", "41000", "9000", "38000"]})
    people = outliers.customer_measurements(raw)
    assert people["age"].tolist()[:2] == [-67, 173] and np.isnan(people["age"][2]) and people["age"][3] == 52
    assert people["dob"][4] == pd.Timestamp("1970-04-03")  # day first in the UK
    assert people["salary"].tolist()[0] == 50_000 and np.isnan(people["salary"][1])
    broken = outliers.impossible_values(people, outliers.CUSTOMER_RULES)
    assert broken.sum().to_dict() == {"not_a_date": 1, "born_after_export": 1, "older_than_anyone": 1,
                                      "salary_not_positive": 0}


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, error, fix", [
    (lambda: outliers.iqr_outliers(pd.Series(["52,300", "41,000", "1", "2"])), TypeError, "pd.to_numeric"),
    (lambda: outliers.iqr_outliers(pd.DataFrame({"a": [1, 2]})), TypeError, r"frame\['column'\]"),
    (lambda: outliers.iqr_outliers([1.0, 2.0, np.inf, 3.0, 4.0]), ValueError, "make them missing"),
    (lambda: outliers.iqr_fences([1.0, 2.0, 3.0]), ValueError, "at least 4 known values"),
    (lambda: outliers.iqr_fences([1.0, 2.0, 3.0, 4.0], k=0), ValueError, "1.5 is Tukey"),
    (lambda: outliers.robust_z([5.0, 5, 5, 5, 9]), ValueError, "use iqr_outliers"),
    (lambda: outliers.robust_z_outliers([1.0, 2, 3], threshold=-1), ValueError, "3.5 is usual"),
    (lambda: outliers.robust_z([1.0, 2, 3], by=["a", "b"]), ValueError, "one group label per value"),
    (lambda: outliers.isolation_outliers(pd.DataFrame({"x": range(20)}), ["x"], share=0.7), ValueError, "e.g. 0.02"),
    (lambda: outliers.isolation_scores(pd.DataFrame({"x": range(20)}), ["y"]), KeyError, "check the spelling"),
    (lambda: outliers.flag_table(pd.DataFrame({"x": range(20)}), ["x"], methods=["zscore"]), ValueError, "choose from"),
    (lambda: outliers.impossible_values(pd.DataFrame({"x": [1]}), [lambda f: f["x"] < 0]), TypeError, "Rule\\(name"),
])
def test_bad_input_names_the_fix(call, error, fix):
    with pytest.raises(error, match=fix):
        call()


def test_without_impossible_hides_only_the_broken_cells(planted):
    hidden = outliers.without_impossible(planted, HEIGHT_RULES)
    assert hidden["height"].isna().sum() == 2 and hidden.loc[[40, 50], "height"].isna().all()
    assert hidden["weight"].equals(planted["weight"]) and planted["height"].notna().all()


def test_apply_decisions_caps_drops_and_marks_and_reports_each(planted):
    table = outliers.flag_table(planted, ["height", "weight"], HEIGHT_RULES)
    decisions = {10: "cap", 20: "keep", 30: "investigate", 40: "drop", 50: "drop"}
    assert set(decisions) <= set(table.index)
    out, report = outliers.apply_decisions(planted, decisions, ["height", "weight"], HEIGHT_RULES)
    _, high = outliers.iqr_fences(planted["height"].drop(index=[40, 50]))
    assert out.loc[10, "height"] == pytest.approx(high) and out.loc[10, "weight"] == planted.loc[10, "weight"]
    assert out.loc[20, "weight"] == 160.0 and bool(out.loc[30, "to_investigate"]) and out["to_investigate"].sum() == 1
    assert 40 not in out.index and 50 not in out.index and len(out) == len(planted) - 2
    assert set(report.dropped.index) == {40, 50} and report.rows_changed("fix") == 1 and report.rows_changed("flag") == 1
    assert planted.loc[10, "height"] == 230.0  # the input is not modified


@pytest.mark.parametrize("decision", ["keep", "cap"])
def test_an_impossible_value_can_only_be_dropped_or_investigated(planted, decision):
    with pytest.raises(ValueError, match="decide 'drop'"):
        outliers.apply_decisions(planted, {40: decision}, ["height"], HEIGHT_RULES)


@pytest.mark.parametrize("decisions, error, fix", [
    ({10: "delete"}, ValueError, "keep, cap, drop, investigate"),
    ({9999: "drop"}, KeyError, "flag_table's index"),
])
def test_apply_decisions_bad_input_names_the_fix(planted, decisions, error, fix):
    with pytest.raises(error, match=fix):
        outliers.apply_decisions(planted, decisions, ["height"], HEIGHT_RULES)
