"""Checks for 03_feature_engineering."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_columns, check_type, fail

check = LabChecks("03_feature_engineering")

SEED_COLUMNS = ["is_female", "age", "birth_month", "birth_dayofweek", "salary"]


@lru_cache(maxsize=1)
def _clean_customers() -> pd.DataFrame:
    from helpers import data
    from helpers.cleaning import clean_customers

    return clean_customers(data.load("messy_customers"))[0]


def _expected_seed() -> pd.DataFrame:
    from helpers.cleaning import CUSTOMERS_AS_OF
    from helpers.features import seed_table

    return seed_table(_clean_customers(), as_of=CUSTOMERS_AS_OF)


def _wrong_seed(**changes) -> pd.DataFrame:
    table = _expected_seed()
    for column, value in changes.items():
        table[column] = value(table) if callable(value) else value
    return table


@check.exercise(
    title="the seed table",
    hint="pd.get_dummies(clean['country'], prefix='country', dtype=int); sex.map({'F': 1, 'M': 0}); "
    "dob.dt.month and dob.dt.day_of_week; age and salary as they are",
    wrong=lambda: [
        (_wrong_seed(is_female=lambda t: 1 - t["is_female"]),),  # coded the other way round
        (_wrong_seed(birth_dayofweek=lambda t: t["birth_dayofweek"] + 1),),  # 1 = Monday
        (_wrong_seed().drop(columns="country_india"),),
        (_wrong_seed().drop(columns="salary"),),
        (_clean_customers(),),  # the clean table itself
    ],
)
def seed_table(table):
    expected = _expected_seed()
    check_columns("table", table, SEED_COLUMNS)
    if len(table) != len(expected):
        fail(f"`table` has {len(table)} rows; the clean customer table has {len(expected)}: one row per customer.")
    countries = sorted(c for c in table.columns if str(c).startswith("country_"))
    wanted = sorted(c for c in expected.columns if c.startswith("country_"))
    if len(countries) != len(wanted):
        fail(f"`table` has {len(countries)} country columns ({countries}); there are {len(wanted)} countries.",
             "one 0/1 column per country: pd.get_dummies(clean['country'], prefix='country', dtype=int)")
    normalised = {str(c).lower().replace(" ", "_"): c for c in countries}
    for column in wanted:
        if column not in normalised:
            fail(f"no column for {column!r} (you have {countries}).")
        check_close(column, table[normalised[column]].reset_index(drop=True).astype(float),
                    expected[column].astype(float))
    for column in SEED_COLUMNS:
        got = pd.to_numeric(table[column].reset_index(drop=True), errors="coerce").astype("Float64")
        want = expected[column].astype("Float64")
        if not got.isna().equals(want.isna()):
            fail(f"`{column}` is missing in {int(got.isna().sum())} rows, but in {int(want.isna().sum())} rows of the "
                 "clean table: leave unknown values missing (the pipeline imputes them later).")
        known = want.notna()
        check_close(column, got[known].astype(float).to_numpy(), want[known].astype(float).to_numpy())


_HOURS = np.array([0, 3, 6, 12, 18, 23])


@check.exercise(
    title="the hour on a circle",
    hint="angle = 2 * np.pi * hours / 24; return np.sin(angle), np.cos(angle)",
    wrong=lambda: [
        (lambda hours: (np.sin(np.asarray(hours) / 24), np.cos(np.asarray(hours) / 24)),),  # forgot 2 pi
        (lambda hours: (np.cos(2 * np.pi * np.asarray(hours) / 24), np.sin(2 * np.pi * np.asarray(hours) / 24)),),
        (lambda hours: np.sin(2 * np.pi * np.asarray(hours) / 24),),
    ],
)
def hour_circle(fn):
    check_callable("hour_circle", fn)
    result = fn(_HOURS)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail("hour_circle should return a pair (sin, cos) of arrays.")
    angle = 2 * np.pi * _HOURS / 24
    check_close(f"the sin part for hours {_HOURS.tolist()}", result[0], np.sin(angle))
    check_close(f"the cos part for hours {_HOURS.tolist()}", result[1], np.cos(angle))


@lru_cache(maxsize=1)
def bikeshare_split():
    """Bikeshare features and target, split 60/20/20 at random with seed 42 (as in the notebook)."""
    from helpers import data, features

    bikes = data.load("bikeshare")
    return features.train_val_test_split(features.bikeshare_features(bikes), bikes["bikers"], seed=42)


def _numeric_only_model():
    from sklearn.linear_model import LinearRegression

    from helpers.features import make_model, make_preprocessor

    return make_model(make_preprocessor(numeric=["hour", "temp", "hum", "windspeed"]), LinearRegression())


@check.exercise(
    title="a pipeline with a ColumnTransformer",
    hint="Pipeline([('prepare', ColumnTransformer([('scale', StandardScaler(), numeric), "
    "('onehot', OneHotEncoder(handle_unknown='ignore'), categorical)])), ('model', Ridge())])",
    wrong=lambda: [(_bare_regression(),), (_numeric_only_model(),), ("Pipeline",)],
)
def pipeline(model):
    from sklearn.base import clone
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    check_type("model", model, Pipeline, "wrap the steps in sklearn.pipeline.Pipeline([...])")
    if not any(isinstance(step, ColumnTransformer) for _, step in model.steps):
        fail("the pipeline has no ColumnTransformer step: scale the numbers and one-hot encode the categories in one.")
    split = bikeshare_split()
    fitted = clone(model).fit(split.X_train, split.y_train)
    score = fitted.score(split.X_val, split.y_val)
    if score < 0.6:
        fail(f"the pipeline reaches R² = {score:.2f} on the validation rows; one-hot encoding the hour on working "
             "days (`hour_x_workingday`) and the weather should take it above 0.6.")


def _bare_regression():
    from sklearn.linear_model import LinearRegression

    return LinearRegression()


@check.exercise(
    title="a chronological split",
    hint="features.train_val_test_split(X, y, shuffle=False): the first 60% of the hours train, the last 20% test",
    wrong=lambda: [
        (bikeshare_split(),),  # the random split
        (_reversed_split(),),
    ],
)
def time_split(split):
    from helpers.features import Split

    check_type("split", split, Split, "use helpers.features.train_val_test_split(..., shuffle=False)")
    sizes = split.sizes()
    total = sum(sizes.values())
    if abs(sizes["train"] / total - 0.6) > 0.01 or abs(sizes["test"] / total - 0.2) > 0.01:
        fail(f"the parts have {sizes}; keep 60/20/20.")
    train, val, test = split.X_train.index, split.X_val.index, split.X_test.index
    if not (train.max() < val.min() and val.max() < test.min()):
        fail("some validation or test hours come before training hours: the split is not in time order.",
             "pass shuffle=False so the rows keep their order")


def _reversed_split():
    from helpers.features import Split

    s = bikeshare_split()
    X = pd.concat([s.X_train, s.X_val, s.X_test]).sort_index()
    y = pd.concat([s.y_train, s.y_val, s.y_test]).sort_index()
    n = len(X)
    a, b = int(0.2 * n), int(0.4 * n)
    return Split(X.iloc[b:], X.iloc[a:b], X.iloc[:a], y.iloc[b:], y.iloc[a:b], y.iloc[:a])


@check.exercise(
    title="the leaky columns",
    hint="which columns could only be known once the hour is over, and add up to the target?",
    wrong=lambda: [(["bikers"],), (["casual"],), ([],), (["casual", "registered", "temp"],)],
)
def leaky_columns(columns):
    check_type("leaky", columns, (list, tuple, set), "a list of column names")
    given = set(columns)
    if given != {"casual", "registered"}:
        if "bikers" in given:
            fail("`bikers` is the target itself, not a feature that leaks it.")
        fail(f"you listed {sorted(given)}; look for the columns that together make up the target.")
