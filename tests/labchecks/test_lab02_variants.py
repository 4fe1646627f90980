"""Lab 02: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import cleaning, data
from helpers.labchecks.lab02 import DECISIONS, SITUATIONS, check
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


# --- exercise 6: clean penguins ----------------------------------------------------------------------------

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
