"""Lab 03: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from helpers import features
from helpers.labchecks.lab03 import (
    DAY_PART_EDGES,
    DAY_PART_LABELS,
    PIPELINE_CATEGORICAL,
    PIPELINE_NUMERIC,
    _clean_customers,
    _lesson_pipeline,
    bikeshare_split,
    check,
    day_part_of,
)
from variant_harness import accepts, rejects

# --- exercise 1: the seed table ---------------------------------------------------------------


@pytest.fixture(scope="module")
def clean():
    return _clean_customers()


def seed_by_get_dummies(clean, dtype=int):
    countries = pd.get_dummies(clean["country"], prefix="country", dtype=dtype)
    countries.columns = countries.columns.str.lower().str.replace(" ", "_")
    return countries.assign(is_female=clean["sex"].map({"F": 1, "M": 0}), age=clean["age"],
                            birth_month=clean["dob"].dt.month, birth_dayofweek=clean["dob"].dt.day_of_week,
                            salary=clean["salary"])


def seed_by_loop(clean):
    table = pd.DataFrame(index=clean.index)
    for country in clean["country"].dropna().unique():
        table["country_" + country.lower().replace(" ", "_")] = (clean["country"] == country).astype(int)
    table["is_female"] = np.where(clean["sex"].isna(), np.nan, (clean["sex"] == "F").astype(float))
    table["age"] = clean["age"]
    table["birth_month"] = clean["dob"].dt.month
    table["birth_dayofweek"] = clean["dob"].dt.weekday
    table["salary"] = clean["salary"]
    return table.reset_index(drop=True)


def test_seed_table_accepts_get_dummies_loops_and_dtypes(clean):
    accepts(check.seed_table, seed_by_get_dummies(clean))
    accepts(check.seed_table, seed_by_get_dummies(clean, dtype=bool))
    accepts(check.seed_table, seed_by_loop(clean))
    accepts(check.seed_table, seed_by_get_dummies(clean, dtype=float).astype({"is_female": "Int64"}))


def test_seed_table_names_case_raw_columns_and_codes(clean):
    raw_names = pd.get_dummies(clean["country"], prefix="country", dtype=int).join(
        seed_by_get_dummies(clean).filter(regex="^(?!country_)"))
    rejects(check.seed_table, raw_names, hint=["'country_Canada' should be named 'country_canada'",
                                               "lower-case"])
    rejects(check.seed_table, seed_by_get_dummies(clean).assign(name=clean["name"]), hint=["raw column", "name"])
    rejects(check.seed_table, seed_by_get_dummies(clean).assign(is_female=clean["sex"].map({"F": 0, "M": 1})),
            hint="is_female")
    rejects(check.seed_table, seed_by_get_dummies(clean).assign(birth_dayofweek=clean["dob"].dt.day_of_week + 1),
            hint="birth_dayofweek")
    rejects(check.seed_table, seed_by_get_dummies(clean).assign(age=clean["age"].fillna(clean["age"].mean())),
            hint="leave unknown values missing")


# --- exercise 2: the hour on a circle -------------------------------------------------------------


def test_hour_circle_accepts_numpy_float32_and_math_loops():
    accepts(check.hour_circle, lambda h: (np.sin(2 * np.pi * np.asarray(h) / 24), np.cos(2 * np.pi * np.asarray(h) / 24)))
    accepts(check.hour_circle, lambda h: (np.sin(np.float32(2 * np.pi) * np.asarray(h, np.float32) / 24),
                                          np.cos(np.float32(2 * np.pi) * np.asarray(h, np.float32) / 24)))
    accepts(check.hour_circle, lambda h: ([math.sin(2 * math.pi * x / 24) for x in h],
                                          [math.cos(2 * math.pi * x / 24) for x in h]))
    accepts(check.hour_circle, lambda h: tuple(np.stack([np.sin(np.radians(15 * np.asarray(h))),
                                                          np.cos(np.radians(15 * np.asarray(h)))])))


def test_hour_circle_names_degrees_swaps_and_periods():
    rejects(check.hour_circle, lambda h: (np.sin(15 * np.asarray(h)), np.cos(15 * np.asarray(h))), hint="degrees")
    rejects(check.hour_circle, lambda h: (np.cos(2 * np.pi * h / 24), np.sin(2 * np.pi * h / 24)), hint="swapped")
    rejects(check.hour_circle, lambda h: (np.sin(h / 24), np.cos(h / 24)), hint="factor 2π")
    rejects(check.hour_circle, lambda h: (np.sin(2 * np.pi * h / 12), np.cos(2 * np.pi * h / 12)), hint="not 12")
    rejects(check.hour_circle, lambda h: np.sin(2 * np.pi * h / 24), hint="a pair (sin, cos)")


# --- exercise 3: the pipeline ----------------------------------------------------------------------


def test_pipeline_accepts_named_steps_helpers_selectors_and_imputers():
    accepts(check.pipeline, _lesson_pipeline())
    accepts(check.pipeline, make_pipeline(
        make_column_transformer((StandardScaler(), PIPELINE_NUMERIC),
                                (OneHotEncoder(handle_unknown="ignore"), PIPELINE_CATEGORICAL)),
        Ridge(alpha=3.0)))
    accepts(check.pipeline, Pipeline([
        ("prep", ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), PIPELINE_NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
             make_column_selector(pattern="^(?:hour_x_workingday|weather)$")),
        ], remainder="drop")),
        ("ridge", Ridge()),
    ]))


def test_pipeline_fitted_on_the_training_rows_only_is_fine():
    split = bikeshare_split()
    accepts(check.pipeline, _lesson_pipeline().fit(split.X_train, split.y_train))


def test_pipeline_names_the_skipped_lesson():
    rejects(check.pipeline, _lesson_pipeline(scale=False), hint=["'temp' is not standardised", "Ridge penalises"])
    rejects(check.pipeline, _lesson_pipeline(onehot_numeric=True), hint="'temp' is one-hot encoded")
    rejects(check.pipeline, _lesson_pipeline(model="linear"), hint="ends in LinearRegression")
    rejects(check.pipeline, _lesson_pipeline(leak=True), hint=["fitted on", "a leak"])
    no_ignore = Pipeline([("prepare", ColumnTransformer([("scale", StandardScaler(), PIPELINE_NUMERIC),
                                                         ("onehot", OneHotEncoder(), PIPELINE_CATEGORICAL)])),
                          ("model", Ridge())])
    rejects(check.pipeline, no_ignore, hint="handle_unknown='ignore'")
    only_hour = Pipeline([("prepare", ColumnTransformer([("scale", StandardScaler(), PIPELINE_NUMERIC),
                                                         ("onehot", OneHotEncoder(handle_unknown="ignore"),
                                                          ["hour_x_workingday"])])),
                          ("model", Ridge())])
    rejects(check.pipeline, only_hour, hint="'weather' is not one-hot encoded")
    rejects(check.pipeline, Ridge(), hint="should be a Pipeline")
    rejects(check.pipeline, make_pipeline(StandardScaler(), Ridge()), hint="no ColumnTransformer")
    rejects(check.pipeline, make_pipeline(ColumnTransformer([("s", StandardScaler(), PIPELINE_NUMERIC)]), LinearRegression()),
            hint="ends in LinearRegression")


# --- exercise 4: a chronological split ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bikes_xy():
    from helpers import data

    bikes = data.load("bikeshare")
    return features.bikeshare_features(bikes), bikes["bikers"]


def test_time_split_accepts_the_helper_and_slicing_by_hand(bikes_xy):
    X, y = bikes_xy
    accepts(check.time_split, features.train_val_test_split(X, y, shuffle=False))
    n = len(X)
    a, b = int(0.6 * n), int(0.8 * n)
    accepts(check.time_split, features.Split(X.iloc[:a], X.iloc[a:b], X.iloc[b:], y.iloc[:a], y.iloc[a:b], y.iloc[b:]))
    accepts(check.time_split, features.train_val_test_split(X, y, shuffle=False, seed=7))


def test_time_split_names_shuffling_and_sizes(bikes_xy):
    X, y = bikes_xy
    rejects(check.time_split, features.train_val_test_split(X, y, seed=42), hint=["not in time order", "shuffle=False"])
    n = len(X)
    rejects(check.time_split, features.Split(X.iloc[: n // 2], X.iloc[n // 2: 3 * n // 4], X.iloc[3 * n // 4:],
                                             y.iloc[: n // 2], y.iloc[n // 2: 3 * n // 4], y.iloc[3 * n // 4:]),
            hint="keep 60/20/20")
    rejects(check.time_split, (X, y), hint="should be a Split")


# --- exercise 5: the leak ---------------------------------------------------------------------------


def test_leaky_columns_accepts_any_order_and_container():
    accepts(check.leaky_columns, ["casual", "registered"])
    accepts(check.leaky_columns, ("registered", "casual"))
    accepts(check.leaky_columns, {"casual", "registered"})
    accepts(check.leaky_columns, ["Casual", "Registered"])
    accepts(check.leaky_columns, pd.Index(["casual", "registered"]))


def test_leaky_columns_names_the_target_the_missed_and_the_innocent():
    rejects(check.leaky_columns, ["bikers"], hint="target itself")
    rejects(check.leaky_columns, ["casual"], hint="one more column leaks")
    rejects(check.leaky_columns, ["casual", "registered", "temp"], hint=["['temp']", "do not leak"])
    rejects(check.leaky_columns, [], hint="is empty")
    rejects(check.leaky_columns, ["casual", "registerd"], hint="not a column of `bikes`")
    rejects(check.leaky_columns, "casual, registered", hint="give a list")


# --- exercise 3: the parts of the day ---------------------------------------------------------------

EDGES, PARTS = list(DAY_PART_EDGES), list(DAY_PART_LABELS)


def parts_by_loop(hours):
    labels = []
    for hour in hours:
        if hour < 6:
            labels.append("night")
        elif hour < 10:
            labels.append("morning rush")
        elif hour < 16:
            labels.append("midday")
        elif hour < 20:
            labels.append("evening rush")
        else:
            labels.append("evening")
    return pd.Series(labels, index=hours.index)


def parts_by_select(hours):
    conditions = [hours < 6, hours < 10, hours < 16, hours < 20, hours < 24]
    return pd.Series(np.select(conditions, PARTS, default="?"), index=hours.index, dtype="string")


def parts_by_digitize(hours):
    codes = np.digitize(hours, EDGES) - 1  # every edge given: bin codes count from 1
    return pd.Series(np.array(PARTS)[codes], index=hours.index)


def parts_by_map(hours):
    lookup = {hour: PARTS[i] for i, (start, end) in enumerate(zip(EDGES, EDGES[1:])) for hour in range(start, end)}
    return hours.map(lookup)


def test_day_part_accepts_cut_loops_select_digitize_and_lookups():
    accepts(check.day_part, lambda h: pd.cut(h, bins=EDGES, right=False, labels=PARTS))
    accepts(check.day_part, lambda h: pd.cut(h, bins=[-1, 5, 9, 15, 19, 23], labels=PARTS))  # right-closed, shifted
    accepts(check.day_part, parts_by_loop)
    accepts(check.day_part, parts_by_select)
    accepts(check.day_part, parts_by_digitize)
    accepts(check.day_part, parts_by_map)
    accepts(check.day_part, lambda h: h.apply(day_part_of))
    accepts(check.day_part, lambda h: parts_by_loop(h).sort_index())  # same rows, other order: matched by index


def test_day_part_names_the_wrong_side_the_open_end_codes_and_the_lost_index():
    rejects(check.day_part, lambda h: pd.cut(h, bins=EDGES, labels=PARTS), hint=["hour 0 has no part", "wrong side"])
    rejects(check.day_part, lambda h: pd.cut(h, bins=EDGES, labels=PARTS, include_lowest=True),
            hint=["hour 6 landed in 'night'", "closed on the wrong side"])
    rejects(check.day_part, lambda h: pd.cut(h, bins=EDGES[:-1], right=False, labels=PARTS[:-1]),
            hint=["hours [20, 21, 22, 23] have no part", "last bin"])
    rejects(check.day_part, lambda h: parts_by_loop(h).where(h < 23), hint=["hours [23] have no part", "last bin"])
    rejects(check.day_part, lambda h: pd.cut(h, bins=EDGES, right=False, labels=False),
            hint=["bin codes [0, 1, 2, 3, 4]", "not labels"])
    rejects(check.day_part, lambda h: pd.Series(np.digitize(h, EDGES), index=h.index), hint="bin codes [1, 2, 3, 4, 5]")
    rejects(check.day_part, lambda h: pd.Series(np.array(PARTS)[np.digitize(h, EDGES[1:-1]) - 1], index=h.index),
            hint=["off by one", "hour 0 got 'evening'"])
    rejects(check.day_part, lambda h: parts_by_loop(h).reset_index(drop=True), hint="lost the index")
    rejects(check.day_part, lambda h: parts_by_loop(h).to_numpy(), hint=["returned a ndarray", "pandas Series"])
    rejects(check.day_part, lambda h: parts_by_loop(h).str.title(), hint=["'Evening'", "not parts of the day"])
    rejects(check.day_part, lambda h: parts_by_loop(h).to_frame(), hint="one label per hour")


def test_day_part_refuses_to_change_the_hours_it_is_given():
    def overwrite(hours):
        hours.iloc[:] = 0
        return parts_by_loop(hours)

    rejects(check.day_part, overwrite, hint="changed the hours it was given")


def test_day_part_feeds_the_training_rows_the_notebook_passes_next():
    hours = bikeshare_split().X_train["hour"]
    assert not hours.index.is_monotonic_increasing  # the shuffled order a lost index gets wrong
    only_the_probe = lambda h: parts_by_loop(h) if len(h) == 48 else pd.Series(PARTS[0], index=h.index)  # noqa: E731
    rejects(check.day_part, only_the_probe, hint="training rows' hours")
