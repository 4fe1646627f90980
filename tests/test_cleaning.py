"""Cleaning steps and the change report, on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import cleaning
from helpers.cleaning import CleaningReport


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns).astype({k: "str" for k, v in columns.items() if isinstance(v[0], str) or v[0] is None})


# -------------------------------------------------------------------------------------- report
def test_report_keeps_dropped_rows_with_their_reason():
    report = CleaningReport()
    table = pd.DataFrame({"x": [1, 2, 3]})
    kept = report.drop(table, pd.Series([False, True, False]), "step", "x", "because")
    assert kept["x"].tolist() == [1, 3]
    assert report.dropped.to_dict("records") == [{"x": 2, "reason": "because"}]
    assert report.to_frame().to_dict("records") == [
        {"step": "step", "column": "x", "action": "drop", "rows": 1, "detail": "because"}
    ]
    assert report.rows_changed("drop") == 1


def test_report_ignores_steps_that_changed_nothing_and_rejects_unknown_actions():
    report = CleaningReport()
    report.add("s", "c", "fix", 0, "nothing")
    assert report.changes == [] and str(report) == "no changes"
    with pytest.raises(ValueError, match="use one of fix, impute, flag, drop"):
        report.add("s", "c", "delete", 3, "")


# ------------------------------------------------------------------------------- text and names
def test_whitespace_and_missing_markers():
    raw = frame(name=["  Mary   Major ", "N/A", "?", " ", None, "Roe"])
    report = CleaningReport()
    out = cleaning.standardise_missing(cleaning.strip_whitespace(raw, report=report), report=report)
    assert out["name"].tolist()[:1] == ["Mary Major"]
    assert out["name"].isna().tolist() == [False, True, True, True, True, False]
    assert raw["name"].iloc[0] == "  Mary   Major "  # the input is not modified
    steps = {(c.step, c.column): c.rows for c in report.changes}
    assert steps == {("strip whitespace", "name"): 2, ("missing markers", "name"): 3}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Richard Roe", (None, "Richard", "Roe")),
        ("Desai, Arnav", (None, "Arnav", "Desai")),
        ("Mrs. Mary Major", ("Mrs", "Mary", "Major")),
        ("ROE, RICHARD", (None, "Richard", "Roe")),
        ("olivia a. taylor", (None, "Olivia", "Taylor")),
        ("Roe, Mr. Richard", ("Mr", "Richard", "Roe")),
        ("Mary Ann Major", (None, "Mary Ann", "Major")),
        ("Madonna", (None, None, "Madonna")),
        (None, (None, None, None)),
        (np.nan, (None, None, None)),
    ],
)
def test_parse_name_forms(text, expected):
    assert cleaning.parse_name(text) == expected


def test_parse_name_rejects_non_text():
    with pytest.raises(TypeError, match="astype\\('str'\\)"):
        cleaning.parse_name(42)


def test_normalise_names_adds_parts_and_reports():
    report = CleaningReport()
    out = cleaning.normalise_names(frame(name=["Desai, Arnav", "Arnav Desai", None]), "name", report=report)
    assert out["name"].tolist()[:2] == ["Arnav Desai", "Arnav Desai"] and pd.isna(out["name"].iloc[2])
    assert out["last_name"].tolist()[:2] == ["Desai", "Desai"]
    assert report.changes[0].rows == 1


def test_normalise_values_maps_spellings_reports_guesses_and_unknowns():
    raw = frame(country=["USA", "U.S.", " united states", "Chicago", "Atlantis", None, "UK"])
    report = CleaningReport()
    out = cleaning.normalise_values(raw, "country", cleaning.COUNTRY_ALIASES, guesses=cleaning.CITIES, report=report)
    assert out["country"].tolist()[:4] == ["United States"] * 4
    assert pd.isna(out["country"].iloc[4]) and pd.isna(out["country"].iloc[5])
    assert out["country"].iloc[6] == "United Kingdom"
    by_action = {(c.action, c.detail.split(":")[0]): c.rows for c in report.changes}
    assert by_action[("flag", "no known spelling")] == 1
    assert by_action[("fix", "mapped from a guess (e.g. a city)")] == 1
    assert "'Atlantis'" in report.changes[-1].detail


def test_sex_codes():
    out = cleaning.normalise_values(frame(sex=["M", "male", "F", "f", "Female", "x"]), "sex", cleaning.SEX_ALIASES)
    assert out["sex"].tolist()[:5] == ["M", "M", "F", "F", "F"] and pd.isna(out["sex"].iloc[5])


# ------------------------------------------------------------------------------------------ dates
def test_infer_dayfirst_counts_the_evidence():
    evidence = cleaning.infer_dayfirst(pd.Series(["31/12/1980", "25/01/1990", "12/31/1980", "04/03/1970", "1970-03-04"]))
    assert (evidence.day_first, evidence.month_first, evidence.ambiguous) == (2, 1, 1)
    assert evidence.decision is True
    assert cleaning.infer_dayfirst(pd.Series(["04/03/1970"])).decision is None


def test_parse_dates_handles_every_form():
    raw = frame(dob=["1970-03-04", "1970/03/04", "04/03/1970", "March 4, 1970", "31/12/1980", "47",
                     "1967-02-30", "2077-04-10", "1850-01-01", "04/03/70", None])
    report = CleaningReport()
    out = cleaning.parse_dates(raw, "dob", dayfirst=True, reference="2024-01-01", report=report)
    got = out["dob"].dt.strftime("%Y-%m-%d").tolist()
    assert got[:5] == ["1970-03-04"] * 4 + ["1980-12-31"]  # ISO stays year-first even with dayfirst=True
    assert pd.isna(out["dob"].iloc[5]) and out["age_typed"].iloc[5] == 47
    assert out["dob"].iloc[6:9].isna().all()  # 30 February, the future, before 1900
    assert got[9] == "1970-03-04"  # two-digit year 2070 -> 1970
    assert out["dob_ambiguous"].tolist() == [False, False, True, False, False, False, False, False, False, True, False]
    details = " | ".join(c.detail for c in report.changes)
    for expected in ("not a date: '1967-02-30'", "after 2024-01-01: '2077-04-10'", "before 1900-01-01",
                     "an age typed instead of a date: '47'", "moved back 100 years: '04/03/70'"):
        assert expected in details


def test_parse_dates_dayfirst_per_row():
    raw = frame(dob=["04/03/1970", "04/03/1970"], country=["United Kingdom", "United States"])
    dayfirst = cleaning.customers_dayfirst(raw["country"])
    out = cleaning.parse_dates(raw, "dob", dayfirst=dayfirst, reference="2024-01-01")
    assert out["dob"].dt.strftime("%Y-%m-%d").tolist() == ["1970-03-04", "1970-04-03"]


def test_parse_dates_bad_dayfirst():
    raw = frame(dob=["04/03/1970"])
    with pytest.raises(TypeError, match="infer_dayfirst"):
        cleaning.parse_dates(raw, "dob", dayfirst="yes", reference="2024-01-01")
    with pytest.raises(ValueError, match="boolean Series with the frame's index"):
        cleaning.parse_dates(raw, "dob", dayfirst=pd.Series([True, False]), reference="2024-01-01")


# ----------------------------------------------------------------------------- numbers and rows
def test_out_of_range_to_missing_or_dropped():
    raw = pd.DataFrame({"age": [30.0, -2.0, 150.0, np.nan]})
    report = CleaningReport()
    out = cleaning.flag_out_of_range(raw, "age", low=0, high=120, report=report)
    assert out["age"].isna().tolist() == [False, True, True, True]
    dropped = cleaning.flag_out_of_range(raw, "age", low=0, high=120, action="drop", report=report)
    assert dropped.index.tolist() == [0, 3]
    assert len(report.dropped) == 2
    with pytest.raises(ValueError, match="use 'missing'"):
        cleaning.flag_out_of_range(raw, "age", low=0, action="clip")
    with pytest.raises(ValueError, match="give low, high or both"):
        cleaning.flag_out_of_range(raw, "age")


def test_impute_fills_and_flags():
    raw = pd.DataFrame({"mass": [3.0, np.nan, 5.0, 100.0], "sex": pd.Series(["F", None, "F", "M"], dtype="str")})
    report = CleaningReport()
    out = cleaning.impute(raw, "mass", "median", report=report)
    assert out["mass"].tolist() == [3.0, 5.0, 5.0, 100.0]
    assert out["mass_imputed"].tolist() == [False, True, False, False]
    assert cleaning.impute(raw, "sex", "mode")["sex"].tolist() == ["F", "F", "F", "M"]
    assert cleaning.impute(raw, "mass", 0.0, flag=False)["mass"].iloc[1] == 0.0
    assert report.changes[0].action == "impute" and "5.0" in report.changes[0].detail
    with pytest.raises(TypeError, match="use strategy='mode'"):
        cleaning.impute(raw, "sex", "median")
    with pytest.raises(ValueError, match="drop the column"):
        cleaning.impute(pd.DataFrame({"x": [np.nan, np.nan]}), "x", "mode")


def test_drop_missing_any_or_all():
    raw = pd.DataFrame({"a": [1, np.nan, np.nan], "b": [1, 2, np.nan]})
    assert cleaning.drop_missing(raw, ["a", "b"]).index.tolist() == [0]
    report = CleaningReport()
    assert cleaning.drop_missing(raw, ["a", "b"], how="all", report=report).index.tolist() == [0, 1]
    assert report.dropped["reason"].tolist() == ["missing all of ['a', 'b']"]


def test_drop_duplicates_exact_near_and_merge():
    raw = pd.DataFrame({
        "name": pd.Series(["Arnav Desai", "ARNAV  DESAI", "Mary Major", "Arnav Desai", None, None], dtype="str"),
        "dob": ["1970-01-01", "1970-01-01", "1980-01-01", "1970-01-01", "1990-01-01", "1990-01-01"],
        "country": pd.Series([None, "India", "UK", None, "UK", "UK"], dtype="str"),
    })
    report = CleaningReport()
    out = cleaning.drop_duplicates(raw, ["name", "dob"], key=cleaning.comparison_key, merge=True, report=report)
    # Rows 1 and 3 repeat row 0; the unnamed rows 4 and 5 are never called duplicates (unknown name).
    assert out.index.tolist() == [0, 2, 4, 5]
    assert out.loc[0, "country"] == "India"  # filled from the dropped near-duplicate
    assert len(report.dropped) == 2
    assert [c.action for c in report.changes] == ["fix", "drop"]
    plain = cleaning.drop_duplicates(raw, ["name", "dob"])
    assert plain.index.tolist() == [0, 1, 2, 4, 5]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: cleaning.strip_whitespace(t, ["nmae"]),
        lambda t: cleaning.normalise_names(t, "Name"),
        lambda t: cleaning.parse_dates(t, "date", dayfirst=True, reference="2024-01-01"),
        lambda t: cleaning.impute(t, "salary"),
        lambda t: cleaning.drop_duplicates(t, ["id"]),
        lambda t: cleaning.clean_customers(t),
    ],
)
def test_missing_columns_are_named_with_the_columns_that_exist(call):
    table = frame(name=["Roe"], dob=["1970-01-01"])
    with pytest.raises(KeyError, match="it has \\['name', 'dob'\\]|the table has"):
        call(table)


def test_steps_need_a_dataframe():
    with pytest.raises(TypeError, match="needs a pandas DataFrame, got a list"):
        cleaning.strip_whitespace([1, 2], ["a"])


# ----------------------------------------------------------------------------- the course tables
def messy_customers() -> pd.DataFrame:
    rows = [
        ("C1", "Desai, Arnav", "IND", "m", "25/12/1980", "30,000"),
        ("C1", "Desai, Arnav", "IND", "m", "25/12/1980", "30,000"),  # exact duplicate
        ("C2", " Mrs. Mary Major", "U.S.", "?", "04/03/1970", "52000"),  # US: month first
        ("C3", "Richard Roe", "London", "male", "47", "48000"),  # a city; an age as dob
        ("C4", "Arnav Desai", "India", "M", "1980-12-25", "30000"),  # near-duplicate of C1
        ("C5", "Jonas Meyer", "N/A", "M", "1967-02-30", "N/A"),  # no salary
        ("C6", "jonas schmidt", "Deutschland", "M", "2099-01-01", "0"),  # salary 0
    ]
    return pd.DataFrame(rows, columns=["customer_id", "name", "country", "sex", "dob", "salary"]).astype("str")


def test_clean_customers_end_to_end():
    raw = messy_customers()
    clean, report = cleaning.clean_customers(raw, as_of="2024-01-01")
    assert clean["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert clean["name"].tolist() == ["Arnav Desai", "Mary Major", "Richard Roe"]
    assert clean["country"].tolist() == ["India", "United States", "United Kingdom"]
    assert clean["sex"].tolist() == ["M", "F", "M"] and clean["sex_imputed"].tolist() == [False, True, False]
    assert clean["dob"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["1980-12-25", "1970-04-03"]
    assert clean["age"].tolist() == [43, 53, 47]
    assert clean["salary"].tolist() == [30000.0, 52000.0, 48000.0]
    assert (report.rows_in, report.rows_out, len(report.dropped)) == (7, 3, 4)
    reasons = sorted(report.dropped["reason"])
    assert reasons == sorted(["exact duplicate of an earlier row", "no salary: nothing to learn from",
                              "salary <= 0 is impossible", "near-duplicate: same name and dob as an earlier row"])
    assert raw.equals(messy_customers())  # nothing modified in place
    assert str(report).startswith("7 rows in, 3 rows out (4 dropped, kept in report.dropped).")


def penguins_raw() -> pd.DataFrame:
    return pd.DataFrame({
        "studyName": ["PAL0708"] * 3, "Sample Number": [1, 2, 3],
        "Species": ["Adelie Penguin (Pygoscelis adeliae)", "Gentoo penguin (Pygoscelis papua)", "Adelie Penguin (Pygoscelis adeliae)"],
        "Clutch Completion": ["Yes", "No", "Yes"],
        "Date Egg": pd.to_datetime(["2007-11-11", "2007-11-16", "2007-11-16"]),
        "Culmen Length (mm)": [39.1, 46.1, np.nan], "Culmen Depth (mm)": [18.7, 13.2, np.nan],
        "Flipper Length (mm)": [181.0, 211.0, np.nan], "Body Mass (g)": [3750.0, 4500.0, np.nan],
        "Sex": pd.Series(["MALE", ".", None], dtype="str"),
    })


def test_clean_penguins():
    clean, report = cleaning.clean_penguins(penguins_raw())
    assert list(clean.columns[:3]) == ["study", "sample", "species"]
    assert clean["species"].tolist() == ["Adelie", "Gentoo"]
    assert clean["sex"].iloc[0] == "M" and pd.isna(clean["sex"].iloc[1])
    assert clean["clutch_completion"].tolist() == [True, False]
    assert (report.rows_in, report.rows_out) == (3, 2)
    assert report.dropped["reason"].tolist() == [
        "missing all of ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']"
    ]
