"""Lab 02: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import cleaning, data
from helpers.labchecks.lab02 import DECISIONS, SITUATIONS, _privacy_model_answers, check
from variant_harness import accepts, rejects

# --- exercise 1: country spellings ---------------------------------------------------------------


@pytest.fixture(scope="module")
def raw():
    return data.load("messy_customers")


@pytest.fixture(scope="module")
def lake(lab_home):
    from helpers.lake import Lake

    lake = Lake()
    lake.ingest("messy_customers", table="customers", overwrite=True)
    return lake


@pytest.fixture(scope="module")
def lab_home(tmp_path_factory, monkeypatch_module):
    """One temporary Flywheel home for the module (the shared fixture is per test)."""
    home = tmp_path_factory.mktemp("flywheel-home")
    monkeypatch_module.setenv("FLYWHEEL_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_country_spellings_accept_sql_and_pandas(raw, lake):
    accepts(check.country_spellings,
            lake.query("SELECT country, count(*) AS n FROM raw.customers GROUP BY country ORDER BY n DESC"))
    accepts(check.country_spellings,
            lake.query("SELECT country, COUNT(1) AS n FROM raw.customers GROUP BY 1 ORDER BY 2 DESC, 1"))
    accepts(check.country_spellings, raw["country"].value_counts(dropna=False).rename_axis("country").reset_index(name="n"))
    accepts(check.country_spellings, raw.groupby("country", dropna=False).size().reset_index(name="n")
            .sort_values("n", ascending=False))


def test_country_spellings_name_the_null_group_limit_order_and_names(raw, lake):
    rejects(check.country_spellings, raw["country"].value_counts().rename_axis("country").reset_index(name="n"),
            hint="dropna=False")
    rejects(check.country_spellings,
            lake.query("SELECT country, count(*) AS n FROM raw.customers GROUP BY country ORDER BY n DESC LIMIT 10"),
            hint="a LIMIT or head()")
    rejects(check.country_spellings, lake.query("SELECT country, count(*) AS n FROM raw.customers GROUP BY country ORDER BY n"),
            hint="ORDER BY n DESC")
    rejects(check.country_spellings, lake.query("SELECT country, count(*) FROM raw.customers GROUP BY country"),
            hint="AS n")


# --- exercise 2: splitting names ------------------------------------------------------------------


def split_with_regex(text):
    text = re.sub(r"\s+", " ", text).strip().title()
    match = re.fullmatch(r"(?:\w+\. )?(\w+)(?: (\w+))?", text) if "," not in text else None
    if match:
        return match.group(1), match.group(2)
    last, first = [part.strip() for part in text.split(",")]
    return first, last


def split_with_lists(text):
    words = text.replace(",", " , ").split()
    words = [w.capitalize() for w in words if not w.endswith(".")]
    if "," in words:
        at = words.index(",")
        return [" ".join(words[at + 1:]), " ".join(words[:at])]
    return [words[0], words[-1]]


def split_as_solved(text):
    text = " ".join(text.split()).title()
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        return first, last
    words = text.split(" ")
    if words[0].endswith("."):
        words = words[1:]
    return " ".join(words[:-1]), words[-1]


def test_split_name_accepts_str_methods_regex_and_lists():
    def split_with_partition(text):
        text = " ".join(text.split()).title()
        last, comma, first = text.partition(", ")
        if comma:
            return first, last
        first, _, last = text.removeprefix("Mrs. ").removeprefix("Dr. ").removeprefix("Mr. ").rpartition(" ")
        return first, last

    accepts(check.split_name, split_as_solved)
    accepts(check.split_name, split_with_regex)
    accepts(check.split_name, split_with_lists)
    accepts(check.split_name, split_with_partition)


def test_split_name_names_the_form_it_gets_wrong():
    rejects(check.split_name, lambda t: tuple(t.split(" ", 1)), hint="a comma means 'Last, First'")
    no_title = lambda t: split_as_solved(t) if not t.split()[0].endswith(".") else tuple(" ".join(t.split()).split(" ", 1))  # noqa: E731
    rejects(check.split_name, no_title, hint="is a title: drop it")
    def keeps_the_case(text):
        words = [w for w in text.split() if not w.endswith(".")]
        return (words[1].rstrip(","), words[0].rstrip(",")) if "," in text else (words[0], words[-1])

    rejects(check.split_name, keeps_the_case, hint="Title Case")
    rejects(check.split_name, lambda t: split_as_solved(t)[0], hint="return a pair")
    rejects(check.split_name, lambda t: None, hint="forget to `return`")


# --- exercise 3: sex codes ----------------------------------------------------------------------------


def test_sex_codes_accept_literals_comprehensions_and_any_key_case():
    accepts(check.sex_codes, {"m": "M", "male": "M", "f": "F", "female": "F"})
    accepts(check.sex_codes, {spelling: spelling[0].upper() for spelling in ("m", "male", "f", "female")})
    accepts(check.sex_codes, {"M": "M", "Male": "M", "F": "F", "FEMALE": "F"})
    accepts(check.sex_codes, dict(zip(["female", "f", "male", "m"], "FFMM")))


def test_sex_codes_name_missing_spellings_markers_and_swaps():
    rejects(check.sex_codes, {"m": "M", "f": "F"}, hint="no entry for the spelling 'female'")
    rejects(check.sex_codes, {"m": "M", "male": "M", "f": "F", "female": "F", "?": "F"}, hint="missing marker '?'")
    rejects(check.sex_codes, {"m": "F", "male": "F", "f": "M", "female": "M"}, hint="not the right code")
    rejects(check.sex_codes, [("m", "M")], hint="should be a dict")


# --- exercise 4: dayfirst per row -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def countries():
    step = cleaning.normalise_values(cleaning.standardise_missing(cleaning.strip_whitespace(data.load("messy_customers"))),
                                     "country", cleaning.COUNTRY_ALIASES, guesses=cleaning.CITIES)
    return step["country"]


def test_dayfirst_accepts_isin_apply_and_comparisons(countries):
    accepts(check.dayfirst, ~countries.isin(["United States", "Canada"]), countries)
    accepts(check.dayfirst, countries.apply(lambda c: c not in ("United States", "Canada")), countries)
    accepts(check.dayfirst, (countries != "United States") & (countries != "Canada"), countries)
    accepts(check.dayfirst, pd.Series(np.where(countries.isin(["United States", "Canada"]), False, True),
                                      index=countries.index), countries)


def test_dayfirst_names_arrays_indexes_missing_and_the_unknown_rows(countries):
    rejects(check.dayfirst, np.where(countries.isin(["United States", "Canada"]), False, True), countries,
            hint="should be a Series")
    filtered = countries.set_axis(countries.index + 1)  # a table whose rows are not numbered from 0
    rejects(check.dayfirst, pd.Series((~filtered.isin(["United States", "Canada"])).to_list()), filtered,
            hint="another index")
    rejects(check.dayfirst, countries.map({"United States": False, "Canada": False}).fillna(True).astype(object),
            countries, hint="True/False")
    rejects(check.dayfirst, countries.map(lambda c: None if c is None or c != c else c not in ("United States", "Canada")),
            countries, hint="missing values")
    rejects(check.dayfirst, countries.notna() & ~countries.isin(["United States", "Canada"]), countries,
            hint="is False for a row whose country is nan")


# --- exercise 5: fix, impute, flag or drop --------------------------------------------------------------


def test_decisions_accept_literals_zip_case_and_either_reading_of_the_uk_date():
    accepts(check.decisions, dict(DECISIONS))
    accepts(check.decisions, dict(zip(SITUATIONS, ["drop", "fix", "impute", "flag", "drop", "flag", "fix"])))
    accepts(check.decisions, {k: v.upper() for k, v in DECISIONS.items()})
    accepts(check.decisions, {**DECISIONS, "dob '04/03/1970' for a customer in the UK": "flag"})


def test_decisions_say_why_the_target_and_the_typed_age_are_what_they_are():
    rejects(check.decisions, {**DECISIONS, "salary is missing": "impute"}, hint="salary is the target")
    rejects(check.decisions, {**DECISIONS, "dob is '47', an age typed where a date belongs": "drop"},
            hint="the age is real information")
    rejects(check.decisions, {**DECISIONS, "the same row appears twice, identical": "flag"}, hint="copy adds nothing")
    rejects(check.decisions, {**DECISIONS, "country typed as 'U.S.'": "correct"}, hint="not an action")
    rejects(check.decisions, list(DECISIONS.values()), hint="dict(zip(SITUATIONS")
    rejects(check.decisions, {"salary": "drop"}, hint="copied exactly")


# --- exercise 9: clean penguins ----------------------------------------------------------------------------

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
RENAME = {"Species": "species", "Sex": "sex", "Culmen Length (mm)": "bill_length_mm", "Culmen Depth (mm)": "bill_depth_mm",
          "Flipper Length (mm)": "flipper_length_mm", "Body Mass (g)": "body_mass_g"}


@pytest.fixture(scope="module")
def penguins_raw():
    return data.load("penguins_raw")


def test_penguins_accept_chains_masks_and_extracts(penguins_raw):
    renamed = penguins_raw.rename(columns=RENAME)
    accepts(check.penguins, renamed.assign(species=renamed["species"].str.split(" ").str[0],
                                           sex=renamed["sex"].map({"FEMALE": "F", "MALE": "M"}))
            .dropna(subset=MEASUREMENTS, how="all").reset_index(drop=True))
    measured = renamed[~renamed[MEASUREMENTS].isna().all(axis=1)]
    accepts(check.penguins, measured.assign(species=measured["species"].str.extract(r"^(\w+)", expand=False),
                                            sex=measured["sex"].str[0]))
    slim = renamed[["species", "sex", *MEASUREMENTS]].dropna(thresh=3)
    accepts(check.penguins, slim.assign(species=slim["species"].map(lambda s: s.split()[0]),
                                        sex=slim["sex"].replace({"FEMALE": "F", "MALE": "M"})))


def test_penguins_name_dropped_birds_species_and_guessed_sex(penguins_raw):
    renamed = penguins_raw.rename(columns=RENAME)
    good = renamed.assign(species=renamed["species"].str.split(" ").str[0], sex=renamed["sex"].map({"FEMALE": "F", "MALE": "M"}))
    rejects(check.penguins, good.dropna(subset=[*MEASUREMENTS, "sex"]), hint="how='all'")
    rejects(check.penguins, good, hint="drop the birds with none")
    rejects(check.penguins, good.dropna(subset=MEASUREMENTS, how="all").assign(species=lambda f: renamed["species"]),
            hint=".str.split(' ').str[0]")
    rejects(check.penguins, good.dropna(subset=MEASUREMENTS, how="all").assign(sex=lambda f: f["sex"].fillna("M")),
            hint="do not guess")
    rejects(check.penguins, good.dropna(subset=MEASUREMENTS, how="all").assign(sex=lambda f: f["sex"].str.lower()),
            hint="use 'F' and 'M'")
    rejects(check.penguins, penguins_raw.dropna(subset=["Body Mass (g)"]), hint="rename 'Culmen Length (mm)'")


# --- exercise 6: the numbers behind a box plot -------------------------------------------------------------


def fences_with_groupby(values, groups):
    by_country = values.groupby(groups)
    q1, q3 = by_country.quantile(0.25), by_country.quantile(0.75)
    return q3 + 1.5 * (q3 - q1)


def fences_with_a_loop_and_numpy(values, groups):
    fences = {}
    for country in groups.dropna().unique():
        salaries = values[groups == country].dropna().to_numpy()
        q1, q3 = np.percentile(salaries, [25, 75])
        fences[country] = q3 + 1.5 * (q3 - q1)
    return fences  # a dict: the check reads it as a Series


def fences_with_describe(values, groups):
    table = pd.DataFrame({"salary": values.astype("float32"), "country": groups})
    stats = table.groupby("country")["salary"].describe()
    return (stats["75%"] + 1.5 * (stats["75%"] - stats["25%"])).astype("float64")


def test_upper_fences_accept_groupby_loops_numpy_dicts_and_describe():
    accepts(check.upper_fences, fences_with_groupby)
    accepts(check.upper_fences, fences_with_a_loop_and_numpy)
    accepts(check.upper_fences, fences_with_describe)
    accepts(check.upper_fences, lambda values, groups: values.groupby(groups).apply(
        lambda s: s.quantile(0.75) + 1.5 * (s.quantile(0.75) - s.quantile(0.25))))


def test_upper_fences_name_the_whole_table_the_factor_a_z_rule_and_the_largest_point():
    def whole_table(values, groups):
        q1, q3 = values.quantile(0.25), values.quantile(0.75)
        return pd.Series(q3 + 1.5 * (q3 - q1), index=groups.dropna().unique())

    rejects(check.upper_fences, whole_table, hint="every country gets the same fence")
    rejects(check.upper_fences, lab02._q3_plus_iqr, hint="the factor 1.5 is missing")
    rejects(check.upper_fences, lambda v, g: v.groupby(g).mean() + 3 * v.groupby(g).std(), hint="a z-score rule")
    rejects(check.upper_fences, lambda v, g: v.groupby(g).max(), hint="not the last point")
    # positions instead of labels: the groups' order no longer matches the salaries (rows are shuffled)
    rejects(check.upper_fences, lambda v, g: v.groupby(g.sort_index().to_numpy()).quantile(0.75) * 1.0
            + 1.5 * (v.groupby(g.sort_index().to_numpy()).quantile(0.75) - v.groupby(g.sort_index().to_numpy()).quantile(0.25)),
            hint="expected Q3 + 1.5 x (Q3 - Q1) of that country's salaries")
    rejects(check.upper_fences, lambda v, g: fences_with_groupby(v, g).to_numpy(), hint="return a pandas Series")
    rejects(check.upper_fences, lambda v, g: fences_with_groupby(v, g.fillna("unknown")), hint="a missing country is no group")
    rejects(check.upper_fences, lambda v, g: None, hint="forget to `return`")


# --- exercise 7: keep, cap, drop or investigate ---------------------------------------------------------

from helpers.labchecks import lab02  # noqa: E402  (the exercise's cases and the facts the check reads)

OUTLIER_ANSWERS = {
    121: ("investigate", {"breaks a rule", "ask the source"}),
    48: ("investigate", {"breaks a rule", "ask the source"}),
    7: ("investigate", {"breaks a rule", "ask the source"}),
    798: ("keep", {"rare but possible", "salary is the target"}),
    137: ("keep", {"rare but possible", "salary is the target"}),
    476: ("keep", {"one detector, plausible row"}),
    415: ("drop", {"a copy"}),
    "798 as an input": ("cap", {"rare but possible", "extremes pull this model"}),
}


def test_outlier_decisions_accept_pairs_dicts_string_keys_aliases_and_drop_for_impossible_rows():
    accepts(check.outlier_decisions, OUTLIER_ANSWERS)
    # drop is as right as investigate for an impossible value; one reason as a bare string, lists of reasons
    accepts(check.outlier_decisions, {**OUTLIER_ANSWERS, 121: ("drop", "breaks a rule"), 48: ["drop", ["breaks a rule"]]})
    # string keys ("row 121"), upper case, aliases (remove, clip, flag) and dicts per row
    styled = {f"row {key}" if isinstance(key, int) else key: {"decision": decision.upper(), "reasons": sorted(reasons)}
              for key, (decision, reasons) in OUTLIER_ANSWERS.items()}
    accepts(check.outlier_decisions, styled)
    aliased = {**OUTLIER_ANSWERS, 415: ("remove", {"a copy"}), 7: ("flag", {"breaks a rule"}),
               "798 as an input": ("clip", {"extremes pull this model"})}
    accepts(check.outlier_decisions, aliased)
    # built from a table, as a learner with pandas might
    table = pd.DataFrame({"row": [str(k) for k in OUTLIER_ANSWERS], "decision": [d for d, _ in OUTLIER_ANSWERS.values()],
                          "reasons": [r for _, r in OUTLIER_ANSWERS.values()]})
    accepts(check.outlier_decisions, {row.row: (row.decision, row.reasons) for row in table.itertuples()})


def test_outlier_decisions_name_each_typical_mistake():
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 121: ("cap", {"breaks a rule"})},
            hint="capping an impossible value replaces an error by a made-up value")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 48: ("keep", {"breaks a rule"})}, hint="keeps an error")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 798: ("drop", {"rare but possible"})},
            hint="dropping a rare but real salary")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 137: ("cap", {"rare but possible"})}, hint="capping the target")
    rejects(check.outlier_decisions, {key: ("investigate", {"ask the source"}) for key in OUTLIER_ANSWERS},
            hint="investigating every flag")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 476: ("drop", {"one detector, plausible row"})},
            hint="because one detector flags it")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 415: ("keep", {"rare but possible"})},
            hint="counts the same customer twice")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, "798 as an input": ("keep", {"rare but possible"})},
            hint="pulls the fitted line")
    # the right decision for a reason that does not fit the row
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 798: ("keep", {"breaks a rule"})},
            hint="'breaks a rule' does not apply to this row")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 798: ("keep", set())}, hint="at least one reason")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 798: ("winsor", {"rare but possible"})},
            hint="not an option")
    rejects(check.outlier_decisions, {k: v for k, v in OUTLIER_ANSWERS.items() if k != 415}, hint="no answer for '415'")
    rejects(check.outlier_decisions, list(OUTLIER_ANSWERS.values()), hint="make it a dict {row: (decision, reasons)}")
    rejects(check.outlier_decisions, {**OUTLIER_ANSWERS, 798: "keep"}, hint="give a pair (decision, reasons)")


def test_the_exercise_rows_are_what_the_flag_table_says_they_are():
    """The kinds behind the check match the notebook's flag table: an impossible row breaks a rule, the
    others are possible and flagged, row 415 is an exact copy of an earlier row."""
    from helpers.data_quality import outliers

    raw_table = data.load("messy_customers")
    people = outliers.customer_measurements(raw_table)
    flags = outliers.flag_table(people, ["age", "salary"], outliers.CUSTOMER_RULES, by="country")
    assert set(lab02.OUTLIER_CASE_ROWS) <= set(flags.index)
    for key, kind, accepted, _ in lab02._OUTLIER_ROWS:
        if not key.isdigit():
            continue
        row = int(key)
        assert (flags.at[row, "kind"] == "impossible") == (kind == "impossible"), key
        if kind == "impossible":
            assert set(accepted) <= {"drop", "investigate"}, key
    assert raw_table.duplicated().at[415] and raw_table.loc[192].equals(raw_table.loc[415])
    assert flags.at[476, "n_methods"] == 1 and flags.at[476, "isolation"]


# --- exercise 8: pick an imputer, and say why -------------------------------------------------------------


@pytest.fixture(scope="module")
def imputation_scores():
    return lab02._boston_scores()


def test_imputer_choice_accepts_every_run_within_noise_with_true_reasons(imputation_scores):
    accepts(check.imputer_choice, {"strategy": "knn", "indicator": True,
                                   "reasons": {"lowest error", "within noise of complete data", "the indicator helps"}},
            imputation_scores)
    accepts(check.imputer_choice, ("iterative", True, ["within noise of complete data", "uses the other columns"]),
            imputation_scores)
    accepts(check.imputer_choice, {"strategy": "KNN", "indicator": np.True_, "reasons": "within noise of the best"},
            imputation_scores)
    # cheap and no measurably worse: a defensible engineering choice
    accepts(check.imputer_choice, {"strategy": "Mean", "indicator": 1, "reasons": {"cheapest", "within noise of the best"}},
            imputation_scores)
    accepts(check.imputer_choice, ["knn", False, ("within noise of complete data",)], imputation_scores)


def test_imputer_choice_names_the_typical_mistakes(imputation_scores):
    rejects(check.imputer_choice, {"strategy": "mean", "indicator": False, "reasons": {"cheapest"}}, imputation_scores,
            hint="beyond the noise of the best run")
    rejects(check.imputer_choice, {"strategy": "median", "indicator": False, "reasons": {"within noise of the best"}},
            imputation_scores, hint="without the indicator hides that a value was missing")
    rejects(check.imputer_choice, {"strategy": "iterative", "indicator": True, "reasons": {"lowest error"}},
            imputation_scores, hint="'lowest error' is not true of iterative")
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": False, "reasons": {"the indicator helps"}},
            imputation_scores, hint="'the indicator helps' is not true of knn without the indicator")
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": True, "reasons": {"cheapest"}}, imputation_scores,
            hint="'cheapest' is not true of knn")
    rejects(check.imputer_choice, {"strategy": "median", "indicator": True, "reasons": {"cheapest"}}, imputation_scores,
            hint="says only what it costs")
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": True, "reasons": set()}, imputation_scores,
            hint="at least one reason")
    rejects(check.imputer_choice, {"strategy": "complete data", "indicator": False, "reasons": {"lowest error"}},
            imputation_scores, hint="the reference, not an option")
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": "yes", "reasons": {"lowest error"}}, imputation_scores,
            hint="True (with the missing indicator) or False")
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": True, "reasons": {"best"}}, imputation_scores,
            hint="not one of the printed reasons")
    rejects(check.imputer_choice, {"strategy": "knn", "reasons": {"lowest error"}}, imputation_scores, hint="no 'indicator'")


def test_imputer_choice_reads_the_table_it_is_given(imputation_scores):
    """The verdict follows the measured table, not a stored answer: in a table where the mean without the
    indicator were best, it would be the sound choice and knn + indicator would not be 'lowest error'."""
    doctored = imputation_scores.copy()
    plain_mean = (doctored["strategy"] == "mean") & ~doctored["indicator"]
    doctored.loc[plain_mean, "score"] -= 1.0
    accepts(check.imputer_choice, {"strategy": "mean", "indicator": False, "reasons": {"lowest error"}}, doctored)
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": True, "reasons": {"lowest error"}}, doctored,
            hint=["beyond the noise of the best run (mean without the indicator)", "measurably worse"])
    rejects(check.imputer_choice, {"strategy": "knn", "indicator": True, "reasons": {"lowest error"}},
            imputation_scores[imputation_scores["strategy"] != "complete data (no gaps)"], hint="no row for the complete data")


# --- exercise 10: what the churn model may see -------------------------------------------------------------

PRIVACY = _privacy_model_answers()


def test_privacy_decisions_accept_spellings_series_pairs_and_the_other_right_choices():
    accepts(check.privacy_decisions, PRIVACY)
    accepts(check.privacy_decisions, {"customer_id": "Pseudonymize", "name": "remove", "title": "Drop", "sex": "audit",
                                      "dob": "age band", "age": "band", "country": "keep", "salary": "input"})
    accepts(check.privacy_decisions, pd.Series({**PRIVACY, "sex": "drop", "dob": "coarsen"}))
    accepts(check.privacy_decisions, {column: (decision, "the reason, in words") for column, decision in PRIVACY.items()})


def test_privacy_decisions_name_identifiers_as_features_lost_join_keys_and_proxies():
    rejects(check.privacy_decisions, {column: "feature" for column in PRIVACY}, hint="memorise individuals")
    rejects(check.privacy_decisions, {**PRIVACY, "customer_id": "drop"}, hint="without a key nothing can be joined")
    rejects(check.privacy_decisions, {**PRIVACY, "name": "pseudonymise"}, hint="one join key is enough")
    rejects(check.privacy_decisions, {**PRIVACY, "title": "feature"}, hint="reveals sex")
    rejects(check.privacy_decisions, {**PRIVACY, "sex": "feature"}, hint="learns the table's gender gap")


def test_privacy_decisions_name_exact_ages_birth_dates_and_lost_inputs():
    rejects(check.privacy_decisions, {**PRIVACY, "age": "feature"}, hint="a 10-year band")
    rejects(check.privacy_decisions, {**PRIVACY, "dob": "feature"}, hint="singles out most customers")
    rejects(check.privacy_decisions, {**PRIVACY, "salary": "pseudonymise"}, hint="replaces an identity, not a number")
    rejects(check.privacy_decisions, {**PRIVACY, "country": "drop"}, hint="the churn model needs it")


def test_privacy_decisions_name_missing_unknown_and_malformed_answers():
    rejects(check.privacy_decisions, {k: v for k, v in PRIVACY.items() if k != "dob"}, hint="no decision for ['dob']")
    rejects(check.privacy_decisions, {**PRIVACY, "first_name": "drop"}, hint="follow name")
    rejects(check.privacy_decisions, {**PRIVACY, "sex": "hash"}, hint="is not a decision")
    rejects(check.privacy_decisions, list(PRIVACY.values()), hint="make it a dict")
