"""Feature builders, preprocessing pipelines and the three-way split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from helpers import features


# ---------------------------------------------------------------------------------- seed table
@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame({
        "name": pd.Series(["Arnav Desai", "Mary Major", "Richard Roe", "Anna Weber"], dtype="str"),
        "country": pd.Series(["India", "United States", None, "Germany"], dtype="str"),
        "sex": pd.Series(["M", "F", "M", None], dtype="str"),
        "dob": pd.to_datetime(["1980-12-25", "1970-04-03", None, "2000-01-01"]),
        "age": pd.array([43, 53, 47, 24], dtype="Float64"),
        "salary": [30000.0, 52000.0, 48000.0, 41000.0],
    })


def test_seed_table_columns_and_values(customers):
    table = features.seed_table(customers, as_of="2024-01-01")
    assert list(table.columns) == ["country_germany", "country_india", "country_united_states", "is_female",
                                   "age", "birth_month", "birth_dayofweek", "salary"]
    assert table["country_india"].tolist() == [1, 0, 0, 0]
    assert table.filter(like="country_").iloc[2].tolist() == [0, 0, 0]  # unknown country: all zeros
    assert table["is_female"].tolist()[:3] == [0, 1, 0] and pd.isna(table["is_female"].iloc[3])
    assert table["age"].tolist() == [43, 53, 47, 24]  # Richard's age comes from the typed age
    assert table["birth_month"].tolist()[:2] == [12, 4] and pd.isna(table["birth_month"].iloc[2])
    assert table["birth_dayofweek"].iloc[0] == pd.Timestamp("1980-12-25").day_of_week == 3  # a Thursday
    assert table["salary"].tolist() == customers["salary"].tolist()


def test_seed_table_keeps_the_training_countries(customers):
    table = features.seed_table(customers.iloc[:1], as_of="2024-01-01", countries=["India", "Canada"])
    assert list(table.filter(like="country_").columns) == ["country_india", "country_canada"]


def test_seed_table_bad_input(customers):
    with pytest.raises(TypeError, match="`dob` holds text.*parse it first"):
        features.seed_table(customers.assign(dob=customers["dob"].astype("str")), as_of="2024-01-01")
    with pytest.raises(ValueError, match=r"sex codes \['male'\]"):
        features.seed_table(customers.assign(sex=["male", "F", "M", "F"]), as_of="2024-01-01")
    with pytest.raises(KeyError, match="no column 'salary'"):
        features.seed_table(customers.drop(columns="salary"), as_of="2024-01-01")


# ----------------------------------------------------------------------------------- bikeshare
@pytest.fixture
def bikes() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 24 * 14
    hours = np.arange(n) % 24
    day = np.arange(n) // 24 + 1
    weekday = (day + 5) % 7  # 1 January 2011 was a Saturday (Bikeshare: 0 = Sunday)
    workingday = ((weekday >= 1) & (weekday <= 5)).astype(int)
    frame = pd.DataFrame({
        "day": day, "hr": hours, "workingday": workingday, "holiday": 0,
        "weathersit": rng.choice(["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"], n, p=[0.6, 0.3, 0.09, 0.01]),
        "temp": rng.uniform(0.1, 0.9, n), "hum": rng.uniform(0.2, 1.0, n), "windspeed": rng.uniform(0, 0.5, n),
    })
    peaks = np.where(workingday == 1, 100 * (np.isin(hours, [8, 17, 18])), 40 * ((hours > 10) & (hours < 18)))
    frame["bikers"] = 10 + peaks + 50 * frame["temp"] + rng.normal(0, 5, n)
    return frame


def test_cyclical_puts_midnight_next_to_23h():
    circle = features.cyclical(pd.Series([0, 6, 12, 23]), 24)
    assert circle.loc[0].tolist() == pytest.approx([0.0, 1.0])
    assert circle.loc[1].tolist() == pytest.approx([1.0, 0.0])
    gap = np.hypot(*(circle.loc[3] - circle.loc[0]))
    assert gap < 0.3  # 23h and 0h are close on the circle...
    assert np.hypot(*(circle.loc[2] - circle.loc[0])) == pytest.approx(2.0)  # ...noon is opposite
    with pytest.raises(ValueError, match="positive number"):
        features.cyclical([1, 2], 0)


def test_bikeshare_timestamp_and_date_parts(bikes):
    stamp = features.bikeshare_timestamp(bikes)
    assert stamp.iloc[0] == pd.Timestamp("2011-01-01 00:00") and stamp.iloc[25] == pd.Timestamp("2011-01-02 01:00")
    table = features.bikeshare_features(bikes)
    assert table["dayofweek"].iloc[0] == 5 and table["is_weekend"].iloc[0] == 1  # a Saturday
    assert set(table["weather"]) == {"clear", "cloudy", "rain/snow"}
    assert table.loc[8, "hour_x_workingday"] == "off 8" and table.loc[24 * 2 + 8, "hour_x_workingday"] == "work 8"
    assert table["temp_x_hum"].equals(table["temp"] * table["hum"])
    assert "bikers" not in table.columns
    plain = features.bikeshare_features(bikes, cyclical_hour=False, interactions=False)
    assert not {"hour_sin", "hour_cos", "temp_x_hum", "hour_x_workingday"} & set(plain.columns)


def test_bikeshare_features_bad_input(bikes):
    with pytest.raises(ValueError, match=r"unknown weather \['sunny'\]"):
        features.bikeshare_features(bikes.assign(weathersit="sunny"))
    with pytest.raises(KeyError, match="no column 'weathersit'"):
        features.bikeshare_features(bikes.drop(columns="weathersit"))


def test_features_buy_accuracy_on_a_linear_model(bikes):
    table = features.bikeshare_features(bikes)
    split = features.train_val_test_split(table, bikes["bikers"], seed=0)
    raw = features.make_model(features.make_preprocessor(numeric=["hour", "temp", "hum"]), LinearRegression())
    rich = features.make_model(
        features.make_preprocessor(numeric=["temp", "hum"], categorical=["hour_x_workingday", "weather"]),
        LinearRegression(),
    )
    scores = [m.fit(split.X_train, split.y_train).score(split.X_val, split.y_val) for m in (raw, rich)]
    assert scores[1] > scores[0] + 0.3


# ------------------------------------------------------------------------------------ pipelines
def test_preprocessor_learns_only_from_the_rows_it_is_fitted_on():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan], "c": pd.Series(["a", "b", "a", None], dtype="str"),
                          "z": [1.0, 2.0, 3.0, 4.0], "keep": [7, 8, 9, 10]})
    prep = features.make_preprocessor(numeric=["x"], categorical=["c"], binned=["z"], passthrough=["keep"], n_bins=2)
    out = prep.fit_transform(train)
    names = list(prep.get_feature_names_out())
    assert names[:3] == ["numeric__x", "categorical__c_a", "categorical__c_b"]
    assert names[-1] == "passthrough__keep" and len(names) == 6
    assert out[:, 0].mean() == pytest.approx(0.0) and out[3, 0] == pytest.approx(0.0)  # median-imputed, centred
    unseen = prep.transform(pd.DataFrame({"x": [2.0], "c": ["zzz"], "z": [100.0], "keep": [1]}))
    assert unseen[0, 1:3].tolist() == [0.0, 0.0]  # an unknown category is all zeros, not an error


def test_preprocessor_bad_input():
    with pytest.raises(ValueError, match="at least one column"):
        features.make_preprocessor()
    with pytest.raises(ValueError, match=r"\['x'\] are listed in two groups"):
        features.make_preprocessor(numeric=["x"], binned=["x"])
    with pytest.raises(ValueError, match="n_bins must be an integer >= 2"):
        features.make_preprocessor(binned=["x"], n_bins=1)


def test_split_sizes_disjoint_and_reproducible():
    X = pd.DataFrame({"a": range(100)})
    y = pd.Series([0] * 90 + [1] * 10)
    split = features.train_val_test_split(X, y, stratify=True, seed=1)
    assert split.sizes() == {"train": 60, "validation": 20, "test": 20}
    parts = [split.X_train.index, split.X_val.index, split.X_test.index]
    assert sorted(np.concatenate(parts)) == list(range(100))
    assert [split.y_train.sum(), split.y_val.sum(), split.y_test.sum()] == [6, 2, 2]
    again = features.train_val_test_split(X, y, stratify=True, seed=1)
    assert again.X_test.index.equals(split.X_test.index)
    ordered = features.train_val_test_split(X, y, shuffle=False)
    assert ordered.X_test.index.tolist() == list(range(80, 100))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sizes": (0.5, 0.5)}, "three positive fractions"),
        ({"sizes": (0.6, 0.3, 0.3)}, "add up to 1"),
        ({"shuffle": False, "stratify": True}, "stratify needs shuffle=True"),
    ],
)
def test_split_bad_input(kwargs, message):
    X, y = pd.DataFrame({"a": range(10)}), pd.Series(range(10))
    with pytest.raises(ValueError, match=message):
        features.train_val_test_split(X, y, **kwargs)
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        features.train_val_test_split(X, y.iloc[:9])
