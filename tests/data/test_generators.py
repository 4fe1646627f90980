"""The synthetic datasets: byte-identical regeneration and the properties their datasheets promise."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from helpers import data
from helpers.data import maintenance as maintenance_module
from helpers.data.catalog import CATALOG

SYNTHETIC = data.synthetic_names()


@pytest.mark.parametrize("name", SYNTHETIC)
def test_regenerating_gives_the_shipped_bytes(name: str, tmp_path: Path):
    written = data.write(name, tmp_path)
    assert written.read_bytes() == data.path(name).read_bytes(), (
        f"{name}: the generator no longer reproduces datasets/{written.name}")


@pytest.mark.parametrize("name", SYNTHETIC)
def test_generate_returns_what_load_reads(name: str):
    pd.testing.assert_frame_equal(data.generate(name), data.load(name))


def test_the_seed_matters_and_is_honoured():
    a, b = data.generate("maintenance", seed=1), data.generate("maintenance", seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(data.generate("maintenance", seed=2))


def test_real_sets_have_no_generator():
    with pytest.raises(data.DatasetError, match="git checkout -- datasets/boston.csv"):
        data.generate("boston")


# --- messy customers ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def messy() -> pd.DataFrame:
    return data.load("messy_customers")


def test_messy_names_come_in_several_forms(messy):
    names = messy["name"].dropna()
    assert names.str.fullmatch(r"[A-ZÀ-ÿ][a-zà-ÿ]+ [A-ZÀ-ÿ][a-zà-ÿ]+").any()           # Richard Roe
    assert names.str.fullmatch(r"[A-ZÀ-ÿ][a-zà-ÿ]+, [A-ZÀ-ÿ][a-zà-ÿ]+").any()          # Desai, Arnav
    assert names.str.match(r"(Mrs|Mr|Ms|Dr)\. ").any()                                 # Mrs. Mary Major
    assert (names != names.str.strip()).any() and names.str.contains("  ").any()      # stray whitespace
    assert names.str.isupper().any() and names.str.islower().any()


def test_messy_countries_sexes_and_missing_markers(messy):
    countries = set(messy["country"].dropna())
    assert {"USA", "U.S.", " united states", "UK"} <= countries
    assert countries & {"London", "New York", "Mumbai", "Berlin", "Toronto"}  # a city in the country column
    assert {"M", "male", "F", "f", "?"} <= set(messy["sex"].dropna())
    for column in ("name", "country", "sex", "dob", "salary"):
        assert messy[column].isna().any() and messy[column].eq("N/A").any(), column


def test_messy_birth_dates_mix_formats_ages_and_impossible_dates(messy):
    dob = messy["dob"].dropna()
    assert dob.str.fullmatch(r"\d{4}-\d\d-\d\d").sum() > 100
    slashed = dob[dob.str.fullmatch(r"\d\d/\d\d/\d{4}")].str.split("/", expand=True).astype(int)
    assert (slashed[0] > 12).any() and (slashed[1] > 12).any()  # both dd/mm/yyyy and mm/dd/yyyy
    assert dob.str.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}").any()  # "March 4, 1970"
    assert dob.str.fullmatch(r"\d{2}").any()  # an age typed instead of a date
    parsed = pd.to_datetime(dob[dob.str.fullmatch(r"\d{4}-\d\d-\d\d")], format="%Y-%m-%d", errors="coerce")
    assert parsed.isna().any() or (parsed.dt.year > 2024).any()  # impossible or future dates
    assert dob.str.contains("-02-30|31/04/").any()


def test_messy_has_exact_and_near_duplicates(messy):
    assert messy.duplicated().sum() == 30  # 3% of 1,000 people typed twice, same id
    assert messy["customer_id"].nunique() == 1000 + 40  # 4% re-registered under a new id
    assert len(data.generate("messy_customers", n_people=100, near_duplicates=0.0, exact_duplicates=0.0)) == 100


# --- lung cancer -------------------------------------------------------------------------------

def test_lung_cancer_is_the_13_row_toy_table_where_eye_colour_carries_no_signal():
    table = data.load("lung_cancer")
    assert len(table) == 13 and table["lung_cancer"].sum() >= 3
    rates = table.groupby("eye_color")["lung_cancer"].mean()
    assert len(rates) == 3 and rates.max() - rates.min() <= 0.15
    assert chi2_contingency(pd.crosstab(table["eye_color"], table["lung_cancer"]))[1] > 0.9
    by_smoking = table.groupby("smoker")["lung_cancer"].mean()
    assert by_smoking[True] - by_smoking[False] >= 0.5  # smoking is the signal


def test_lung_cancer_process_keeps_eye_colour_independent_at_any_size():
    big = data.generate("lung_cancer", n_rows=3000)
    rates = big.groupby("eye_color")["lung_cancer"].mean()
    assert rates.max() - rates.min() < 0.01  # dealt after the outcome, by construction
    by_smoking = big.groupby("smoker")["lung_cancer"].mean()
    assert by_smoking[True] > 3 * by_smoking[False]


# --- card transactions -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cards() -> pd.DataFrame:
    return data.load("card_transactions")


def test_card_fraud_is_rare_and_comes_from_three_scenarios(cards):
    assert 50_000 <= len(cards) <= 100_000
    assert 0.0015 <= cards["is_fraud"].mean() <= 0.003  # well under 1%, like the ULB set's 0.17%
    assert set(cards["fraud_scenario"]) == {0, 1, 2, 3}
    assert (cards["is_fraud"] == (cards["fraud_scenario"] > 0)).all()
    genuine = cards[cards["is_fraud"] == 0]
    assert genuine["amount"].max() <= 220 < cards.loc[cards["fraud_scenario"] == 1, "amount"].min()
    assert cards["tx_datetime"].is_monotonic_increasing and cards["transaction_id"].is_unique


def test_card_compromised_terminals_and_cards_are_grouped_in_time(cards):
    terminals = cards[cards["fraud_scenario"] == 2].groupby("terminal_id")["tx_time_days"]
    assert (terminals.max() - terminals.min()).max() < 28
    compromised_cards = cards[cards["fraud_scenario"] == 3].groupby("customer_id")
    spans = compromised_cards["tx_time_days"].agg(lambda d: d.max() - d.min())
    assert (spans < 14).mean() >= 0.8  # one 14-day window per card, unless struck twice
    # a compromised card spends far more than its owner usually does
    usual = cards[cards["is_fraud"] == 0].groupby("customer_id")["amount"].mean()
    stolen = compromised_cards["amount"].mean()
    assert (stolen > 2 * usual[stolen.index]).mean() > 0.8


def test_card_customers_follow_their_rates():
    small = data.generate("card_transactions", n_customers=200, n_terminals=400, n_days=30)
    per_day = small.groupby("customer_id").size() / 30
    assert per_day.max() < 6 and 1.5 < per_day.mean() < 2.6  # rates ~ U(0, 4): mean 2 a day


def test_card_fraud_rate_is_settable():
    rows = data.generate("card_transactions", n_customers=200, n_terminals=400, n_days=30, fraud_rate=0.02)
    assert 0.02 <= rows["is_fraud"].mean() <= 0.03
    with pytest.raises(ValueError, match="fraud_rate"):
        data.generate("card_transactions", fraud_rate=1.5)


# --- maintenance ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def machines() -> pd.DataFrame:
    return data.load("maintenance")


def test_maintenance_has_the_ai4i_shape_and_failure_rate(machines):
    assert len(machines) == 10_000
    assert 0.030 <= machines["Machine failure"].mean() <= 0.038  # AI4I 2020: 3.39%
    modes = machines[["TWF", "HDF", "PWF", "OSF", "RNF"]]
    assert (modes.sum() > 0).all()
    assert (machines["Machine failure"] == modes.max(axis=1)).all()
    shares = machines["Type"].value_counts(normalize=True)
    assert abs(shares["L"] - 0.5) < 0.02 and abs(shares["M"] - 0.3) < 0.02 and abs(shares["H"] - 0.2) < 0.02
    assert machines["Product ID"].str[0].equals(machines["Type"])


def test_maintenance_temperatures_torque_and_speed(machines):
    air, process = machines["Air temperature [K]"], machines["Process temperature [K]"]
    assert abs(air.mean() - 300) < 0.1 and abs(air.std() - 2) < 0.1
    assert abs((process - air).mean() - 10) < 0.1
    torque = machines["Torque [Nm]"]
    assert torque.min() > 0 and abs(torque.mean() - 40) < 0.5 and abs(torque.std() - 10) < 0.5
    assert np.corrcoef(torque, machines["Rotational speed [rpm]"])[0, 1] < -0.8  # speed falls as load rises


def test_maintenance_failure_modes_follow_the_published_rules(machines):
    air, process = machines["Air temperature [K]"], machines["Process temperature [K]"]
    rpm, torque, wear = machines["Rotational speed [rpm]"], machines["Torque [Nm]"], machines["Tool wear [min]"]
    assert machines["HDF"].astype(bool).equals((process - air < 8.6) & (rpm < 1380))
    power = torque * rpm * 2 * np.pi / 60
    assert machines["PWF"].astype(bool).equals((power < 3500) | (power > 9000))
    limit = machines["Type"].map(maintenance_module.OVERSTRAIN)
    assert machines["OSF"].astype(bool).equals(wear * torque > limit)
    assert wear[machines["TWF"] == 1].between(200, 245).all()
    assert machines["RNF"].mean() < 0.003


def test_maintenance_tool_wear_grows_by_quality_until_the_tool_is_changed(machines):
    step = machines["Tool wear [min]"].diff().iloc[1:]
    added = machines["Type"].map(maintenance_module.WEAR_PER_PROCESS).iloc[1:]
    same_tool = step > 0
    assert (step[same_tool] == added[same_tool]).all()
    assert 100 < (~same_tool).sum() < 200  # tools last 200-240 min: ~70 processes each


# --- ratings -------------------------------------------------------------------------------------

def test_ratings_are_shaped_like_movielens_100k():
    ratings = data.load("ratings")
    assert len(ratings) == 100_000 and not ratings.duplicated(["user_id", "item_id"]).any()
    assert ratings["user_id"].nunique() == 943 and ratings["user_id"].between(1, 943).all()
    assert ratings["item_id"].nunique() == 1682 and ratings["item_id"].between(1, 1682).all()
    assert set(ratings["rating"]) == {1, 2, 3, 4, 5} and 3.3 < ratings["rating"].mean() < 3.8
    assert ratings.groupby("user_id").size().min() == 20
    assert round(len(ratings) / (943 * 1682), 3) == 0.063
    popularity = ratings.groupby("item_id").size().sort_values(ascending=False)
    assert popularity.iloc[:168].sum() / len(ratings) > 0.3  # the top 10% of items: a long tail
    assert (popularity < 5).sum() >= 50 and popularity.max() > 400


def test_ratings_carry_user_and_item_signal():
    ratings = data.load("ratings")
    # item means differ far more than the noise of their sample sizes would explain
    item_means = ratings.groupby("item_id")["rating"].agg(["mean", "size"])
    popular = item_means[item_means["size"] >= 50]
    assert popular["mean"].std() > 2 * ratings["rating"].std() / np.sqrt(50)


def test_ratings_generator_refuses_an_impossible_minimum():
    with pytest.raises(ValueError, match="at least"):
        data.generate("ratings", n_ratings=1000)


# --- museum visitors -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def museums() -> pd.DataFrame:
    return data.load("museum_visitors")


def test_museums_are_related_complete_daily_series(museums):
    series = museums.groupby("museum_id")
    assert 20 <= series.ngroups <= 30
    assert (series.size() == 1096).all()  # 2022-01-01 .. 2024-12-31, no gaps
    assert (series["date"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert (series[["city", "type", "size"]].nunique() == 1).all().all()  # static categories
    assert museums["city"].nunique() >= 4 and museums["type"].nunique() == 5


def test_museum_closures_holidays_and_counts(museums):
    assert (museums.loc[~museums["is_open"], "visitors"] == 0).all()
    christmas = museums[(museums["date"].dt.month == 12) & (museums["date"].dt.day == 25)]
    assert not christmas["is_open"].any()
    assert museums.loc[museums["museum_id"] == "M01", "is_holiday"].sum() == 27  # bank holidays 2022-24
    closed_mondays = museums[museums["date"].dt.weekday == 0].groupby("museum_id")["is_open"].mean() < 0.1
    assert 4 <= closed_mondays.sum() <= 12
    long_closures = museums[~museums["is_open"]].groupby("museum_id").size()
    assert (long_closures > 20).sum() >= 3


def test_museum_series_show_weekly_and_yearly_seasonality_and_trend(museums):
    open_days = museums[museums["is_open"] & ~museums["is_holiday"]].copy()
    open_days["ratio"] = open_days["visitors"] / open_days.groupby("museum_id")["visitors"].transform("mean")
    weekday = open_days.groupby(open_days["date"].dt.weekday)["ratio"].mean()
    assert weekday[5] > 1.3 * weekday[1]  # Saturdays busier than Tuesdays
    month = open_days.groupby(open_days["date"].dt.month)["ratio"].mean()
    assert month[8] > 1.2 * month[1]  # summer peak
    year = open_days.groupby(open_days["date"].dt.year)["ratio"].mean()
    assert year[2022] < year[2023] < year[2024]  # recovery and growth


def test_museum_counts_are_overdispersed(museums):
    # within one museum, weekday and month, a Poisson count would have variance == mean
    open_days = museums[museums["is_open"] & ~museums["is_holiday"]]
    cells = open_days.groupby(["museum_id", open_days["date"].dt.weekday, open_days["date"].dt.month])["visitors"]
    assert (cells.var() / cells.mean()).median() > 3


# --- customer churn --------------------------------------------------------------------------------

def test_churn_rate_contracts_and_tenure():
    churn = data.load("customer_churn")
    assert 0.24 <= churn["churn"].mean() <= 0.28
    by_contract = churn.groupby("contract")["churn"].mean()
    assert by_contract["month-to-month"] > by_contract["one year"] > by_contract["two year"]
    short = churn.loc[churn["tenure_months"] < 12, "churn"].mean()
    assert short > 1.5 * churn.loc[churn["tenure_months"] >= 24, "churn"].mean()
    assert churn["total_charges"].isna().equals(churn["tenure_months"] == 0)
    assert churn["customer_id"].is_unique and churn["customer_id"].str.fullmatch(r"\d{5}-[A-Z]{4}").all()


def test_churn_rate_is_settable():
    assert abs(data.generate("customer_churn", n_rows=4000, churn_rate=0.1)["churn"].mean() - 0.1) < 0.02
    with pytest.raises(ValueError, match="churn_rate"):
        data.generate("customer_churn", churn_rate=1.2)


def test_every_generator_documents_its_seed_in_the_catalog():
    for name in SYNTHETIC:
        module = __import__(f"helpers.data.{CATALOG[name].generator}", fromlist=["SEED"])
        assert re.search(rf"\(seed {module.SEED}\)", CATALOG[name].source), name
