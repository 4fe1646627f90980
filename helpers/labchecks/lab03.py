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
        (_wrong_seed().rename(columns={"country_united_states": "country_United States"}),),
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
    raw = [c for c in ("name", "country", "sex", "dob") if c in table.columns]
    if raw:
        fail(f"`table` still has the raw column(s) {raw}: the name identifies a person (not a feature), and "
             "country, sex and dob are replaced by the columns built from them. Drop them.")
    normalised = {str(c).lower().replace(" ", "_"): c for c in countries}
    for column in wanted:
        if column not in table.columns:
            if column in normalised:
                fail(f"the column {normalised[column]!r} should be named {column!r}: lower-case the names and replace "
                     "spaces by _ (columns.str.lower().str.replace(' ', '_')).")
            fail(f"no column for {column!r} (you have {countries}).")
        check_close(column, table[column].reset_index(drop=True).astype(float), expected[column].astype(float))
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
    hint="a day is one turn of the circle, 2π radians, so the angle is 2π · hour / 24; return its sine, then its "
         "cosine",
    wrong=lambda: [
        (lambda hours: (np.sin(np.asarray(hours) / 24), np.cos(np.asarray(hours) / 24)),),  # forgot 2 pi
        (lambda hours: (np.cos(2 * np.pi * np.asarray(hours) / 24), np.sin(2 * np.pi * np.asarray(hours) / 24)),),
        (lambda hours: np.sin(2 * np.pi * np.asarray(hours) / 24),),
    ],
)
def hour_circle(fn):
    check_callable("hour_circle", fn)
    result = fn(_HOURS.copy())
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail("hour_circle should return a pair (sin, cos) of arrays.")
    angle = 2 * np.pi * _HOURS / 24
    sin, cos = (np.asarray(part, dtype=float) if np.shape(part) == _HOURS.shape else part for part in result)
    slips = {
        "sin and cos are swapped: return (np.sin(angle), np.cos(angle)), in that order": (np.cos(angle), np.sin(angle)),
        "the angle is in degrees: np.sin and np.cos take radians, 2 * np.pi * hours / 24": (
            np.sin(360 * _HOURS / 24), np.cos(360 * _HOURS / 24)),
        "the angle misses the factor 2π: a full day is one turn, 2 * np.pi * hours / 24": (
            np.sin(_HOURS / 24), np.cos(_HOURS / 24)),
        "the day has 24 hours, not 12: angle = 2 * np.pi * hours / 24": (
            np.sin(2 * np.pi * _HOURS / 12), np.cos(2 * np.pi * _HOURS / 12)),
    }
    for slip, (slip_sin, slip_cos) in slips.items():
        if np.shape(sin) == _HOURS.shape and np.allclose(sin, slip_sin) and np.allclose(cos, slip_cos):
            fail(f"hour_circle({_HOURS.tolist()}) is not on the right circle: {slip}.")
    check_close(f"the sin part for hours {_HOURS.tolist()}", sin, np.sin(angle))
    check_close(f"the cos part for hours {_HOURS.tolist()}", cos, np.cos(angle))


#: The parts of a day (hours), left-closed: [0, 6) night, [6, 10) morning rush, ... (= binning.DAY_PARTS).
DAY_PART_EDGES = (0, 6, 10, 16, 20, 24)
DAY_PART_LABELS = ("night", "morning rush", "midday", "evening rush", "evening")
DAY_PART_HINT = ("a part of the day includes the hour it starts at and stops before the next part's first hour "
                 "([6, 10) holds 6, not 10); return one label of PARTS per hour, in a Series with the index of `hours`")


def day_part_of(hour: int) -> str:
    """The label of ``hour`` (0-23) with the left-closed edges :data:`DAY_PART_EDGES`."""
    return DAY_PART_LABELS[int(np.searchsorted(DAY_PART_EDGES, hour, side="right")) - 1]


def hours_probe() -> pd.Series:
    """Every hour of the day twice, shuffled, under an index that is not 0..n-1 (as the random split's rows are)."""
    rng = np.random.default_rng(3)
    hours = np.tile(np.arange(24), 2)
    rng.shuffle(hours)
    index = pd.Index(rng.choice(np.arange(100, 10_000), size=hours.size, replace=False))
    return pd.Series(hours, index=index, name="hour", dtype="int64")


def _day_part_slips():
    """Typical wrong day_part functions (for the check's wrong answers and the variant tests)."""
    edges, labels = list(DAY_PART_EDGES), list(DAY_PART_LABELS)
    return {
        "right-closed": lambda h: pd.cut(h, bins=edges, labels=labels),  # pd.cut's default: (0, 6]
        "no last edge": lambda h: pd.cut(h, bins=edges[:-1], right=False, labels=labels[:-1]),
        "codes": lambda h: pd.cut(h, bins=edges, right=False, labels=False),
        "lost index": lambda h: pd.Series(np.array(labels)[np.digitize(h, edges) - 1]),
        "off by one": lambda h: pd.Series(np.array(labels)[np.digitize(h, edges[1:-1]) - 1], index=h.index),
    }


def _aligned(result, hours: pd.Series) -> tuple[pd.Series, bool]:
    """The result's labels in the order of ``hours``, and whether its index is that of ``hours``."""
    if isinstance(result, pd.Series) and result.index.sort_values().equals(hours.index.sort_values()):
        return result.reindex(hours.index), True
    values = result.to_numpy() if isinstance(result, (pd.Series, pd.Index)) else np.asarray(result, dtype=object)
    return pd.Series(values, index=hours.index), False


def _day_part_mistake(got: pd.Series, hours: pd.Series) -> str | None:
    """Name what is off with the labels ``got`` of ``hours`` (aligned), or None when each is right."""
    want = hours.map(day_part_of)
    missing = sorted(set(hours[got.isna()]))
    if missing == [0] or (missing and min(missing) == 0 and max(missing) < 6):
        return ("hour 0 has no part (missing): with bins closed on the right, (0, 6] leaves 0 out. The edges are "
                "closed on the wrong side: a part starts at its edge, [0, 6) holds 0 (pd.cut(..., right=False)).")
    if missing and max(missing) == 23:
        return (f"hours {missing} have no part (missing): the last bin is left open or missing. The last part, "
                "evening, is [20, 24): the largest hour, 23, must land in it (the last edge is 24).")
    if missing:
        return f"hours {missing} have no part (missing): every hour 0-23 falls in exactly one part."
    numeric = pd.api.types.is_numeric_dtype(got) or (
        isinstance(got.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(got.cat.categories))
    if numeric or all(isinstance(v, (int, float, np.number)) for v in got):
        codes = sorted({int(code) for code in got.astype(float)})
        return (f"day_part returned numbers (bin codes {codes}), not labels: "
                f"return the part's name, one of {list(DAY_PART_LABELS)} (pd.cut's labels=PARTS, or PARTS[code]).")
    text = got.astype(object).map(str)
    unknown = sorted(set(text) - set(DAY_PART_LABELS))
    if unknown:
        return f"the labels {unknown[:4]} are not parts of the day: use exactly the labels of PARTS, {list(DAY_PART_LABELS)}."
    wrong = text != want
    if not wrong.any():
        return None
    position = {label: i for i, label in enumerate(DAY_PART_LABELS)}
    shift = (text.map(position) - want.map(position)) % len(DAY_PART_LABELS)
    if wrong.all() and shift.nunique() == 1 and shift.iloc[0] in (1, len(DAY_PART_LABELS) - 1):
        ahead = "next" if shift.iloc[0] == 1 else "previous"
        return (f"the labels are off by one: every hour got the {ahead} part's label (hour 0 got "
                f"{text[hours == 0].iloc[0]!r}, not 'night'). np.digitize counts the bins from 1 when given every edge, "
                "from 0 when given the inner edges only: check which label bin code 0 gets.")
    boundary = sorted(set(hours[wrong]))
    if set(boundary) <= set(DAY_PART_EDGES[1:-1]):
        hour = boundary[0]
        return (f"hour {hour} landed in {text[hours == hour].iloc[0]!r}, but it starts the part {day_part_of(hour)!r}: the "
                "edges are closed on the wrong side. A part includes its first hour and stops before the next part's "
                "([6, 10) holds 6, not 10): pd.cut(..., right=False), or `hour < edge` against the next edge.")
    hour = boundary[0]
    return f"hour {hour} should be {day_part_of(hour)!r}, got {text[hours == hour].iloc[0]!r} (hours {boundary} are off)."


@check.exercise(
    title="the parts of the day",
    hint=DAY_PART_HINT,
    wrong=lambda: [(slip,) for slip in _day_part_slips().values()],
)
def day_part(fn):
    check_callable("day_part", fn)
    probe = hours_probe()
    given = probe.copy()
    result = fn(given)
    if not given.equals(probe):
        fail("day_part changed the hours it was given: return a new Series and leave `hours` as it is.")
    if isinstance(result, pd.DataFrame) or np.ndim(result) != 1 or len(result) != len(probe):
        fail(f"day_part({len(probe)} hours) should return one label per hour ({len(probe)} of them) as a pandas Series; "
             f"it returned {type(result).__name__} of shape {np.shape(result)}.")
    got, same_index = _aligned(result, probe)
    mistake = _day_part_mistake(got, probe)
    if mistake:
        fail(f"on the hours 0-23: {mistake}")
    if not isinstance(result, pd.Series):
        fail(f"day_part returned a {type(result).__name__}: return a pandas Series with the index of `hours`, so "
             "that each label stays with its row (the next cell groups the training rows' targets by it).",
             "pd.cut keeps the index; otherwise pd.Series(labels, index=hours.index)")
    if not same_index:
        fail(f"day_part lost the index: its result is numbered {', '.join(map(str, result.index[:3]))}... while `hours` "
             f"comes shuffled, as the random split's rows do (index {', '.join(map(str, probe.index[:3]))}...). Matched "
             "by index, the labels land on the wrong rows: build the Series with index=hours.index (pd.cut keeps it).")
    # What the notebook passes next: the training rows' hours of the random split.
    hours = bikeshare_split().X_train["hour"]
    got, same_index = _aligned(fn(hours.copy()), hours)
    mistake = _day_part_mistake(got, hours)
    if mistake or not same_index:
        fail(f"on the training rows' hours (split.X_train['hour']): {mistake or 'the index is lost'}")


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


PIPELINE_NUMERIC = ["temp", "hum", "windspeed"]
PIPELINE_CATEGORICAL = ["hour_x_workingday", "weather"]
PIPELINE_HINT = ("a Pipeline of two (name, step) pairs: a ColumnTransformer with one (name, transformer, columns) "
                 "entry per group (StandardScaler for the numbers, OneHotEncoder(handle_unknown='ignore') for the "
                 "categories), then Ridge()")


def _steps(transformer) -> list:
    """The estimators a ColumnTransformer entry applies, a nested Pipeline unrolled."""
    from sklearn.pipeline import Pipeline

    if isinstance(transformer, Pipeline):
        return [step for _, inner in transformer.steps for step in _steps(inner)]
    return [transformer]


def _column_steps(prepare, X: pd.DataFrame) -> dict[str, list]:
    """Which estimators the ColumnTransformer ``prepare`` applies to each column of ``X`` (by name)."""
    applied: dict[str, list] = {}
    for _, transformer, columns in prepare.transformers:
        for name in _column_names(columns, X):
            applied.setdefault(name, []).extend(_steps(transformer))
    return applied


def _column_names(columns, X: pd.DataFrame) -> list[str]:
    """A ColumnTransformer's column spec (names, positions, a mask, a slice, a selector) as names."""
    if callable(columns):
        columns = columns(X)
    if isinstance(columns, slice):
        return list(X.columns[columns])
    if isinstance(columns, (str, int, np.integer)):
        columns = [columns]
    array = np.asarray(list(columns))
    if array.dtype == bool:
        return list(X.columns[array])
    return [X.columns[c] if isinstance(c, (int, np.integer)) else c for c in array.tolist()]


def _fitted_scalers(model) -> list:
    """StandardScalers inside ``model`` that were already fitted (``n_samples_seen_`` is set)."""
    from sklearn.preprocessing import StandardScaler

    found = []
    for prepare in _column_transformers(model):
        for _, transformer, _ in getattr(prepare, "transformers_", prepare.transformers):
            found += [s for s in _steps(transformer) if isinstance(s, StandardScaler) and hasattr(s, "n_samples_seen_")]
    return found


def _column_transformers(model) -> list:
    from sklearn.compose import ColumnTransformer

    return [step for _, step in model.steps if isinstance(step, ColumnTransformer)]


@check.exercise(
    title="a pipeline with a ColumnTransformer",
    hint=PIPELINE_HINT,
    wrong=lambda: [(_bare_regression(),), (_numeric_only_model(),), ("Pipeline",), (_lesson_pipeline(scale=False),),
                   (_lesson_pipeline(onehot_numeric=True),), (_lesson_pipeline(model="linear"),),
                   (_lesson_pipeline(leak=True),)],
)
def pipeline(model):
    from sklearn.base import clone
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    check_type("model", model, Pipeline, "wrap the steps in sklearn.pipeline.Pipeline([...])")
    prepares = _column_transformers(model)
    if not prepares:
        fail("the pipeline has no ColumnTransformer step: scale the numbers and one-hot encode the categories in one.")
    final = model.steps[-1][1]
    if not isinstance(final, Ridge):
        fail(f"the pipeline ends in {type(final).__name__}, but the exercise asks for Ridge: its penalty on large "
             "weights is why the numbers must be on one scale.")
    split = bikeshare_split()
    leaked = [s.n_samples_seen_ for s in _fitted_scalers(model) if np.any(s.n_samples_seen_ != len(split.X_train))]
    if leaked:
        fail(f"the scaler in `model` was fitted on {int(np.max(leaked))} rows, not on the {len(split.X_train)} training "
             "rows: its mean and standard deviation saw validation and test rows (a leak). Give the check the "
             "pipeline unfitted, or fit it on split.X_train only.")
    applied = _column_steps(prepares[0], split.X_train)
    for column in PIPELINE_NUMERIC:
        steps = applied.get(column, [])
        if any(isinstance(step, OneHotEncoder) for step in steps):
            fail(f"the numeric column {column!r} is one-hot encoded: every distinct value becomes a column of its own "
                 "and the model cannot use the order of the numbers. Scale it with StandardScaler instead.")
        if not any(isinstance(step, StandardScaler) for step in steps):
            fail(f"the numeric column {column!r} is not standardised: put it in the StandardScaler's list "
                 f"({PIPELINE_NUMERIC}); Ridge penalises every weight alike, so the inputs need one scale.")
    for column in PIPELINE_CATEGORICAL:
        encoders = [step for step in applied.get(column, []) if isinstance(step, OneHotEncoder)]
        if not encoders:
            fail(f"the categorical column {column!r} is not one-hot encoded: put it in the OneHotEncoder's list "
                 f"({PIPELINE_CATEGORICAL}).")
        if encoders[0].handle_unknown == "error":
            fail(f"the OneHotEncoder of {column!r} raises on a category it never saw in training (a new value in "
                 "production would crash predict): OneHotEncoder(handle_unknown='ignore').")
    fitted = clone(model).fit(split.X_train, split.y_train)
    score = fitted.score(split.X_val, split.y_val)
    if score < 0.6:
        fail(f"the pipeline reaches R² = {score:.2f} on the validation rows; one-hot encoding the hour on working "
             "days (`hour_x_workingday`) and the weather should take it above 0.6.")


def _lesson_pipeline(*, scale=True, onehot_numeric=False, model="ridge", leak=False):
    """The exercise's pipeline, or one of the typical slips (for the wrong answers and the tests)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric_step = (OneHotEncoder(handle_unknown="ignore") if onehot_numeric
                    else StandardScaler() if scale else "passthrough")
    built = Pipeline([
        ("prepare", ColumnTransformer([
            ("scale", numeric_step, PIPELINE_NUMERIC),
            ("onehot", OneHotEncoder(handle_unknown="ignore"), PIPELINE_CATEGORICAL),
        ])),
        ("model", Ridge() if model == "ridge" else LinearRegression()),
    ])
    if leak:
        from helpers import data, features

        bikes = data.load("bikeshare")
        built.fit(features.bikeshare_features(bikes), bikes["bikers"])  # every row: validation and test too
    return built


def _bare_regression():
    from sklearn.linear_model import LinearRegression

    return LinearRegression()


@check.exercise(
    title="a chronological split",
    hint="the rows are in time order; the split helper keeps that order when told not to shuffle "
         "(help(features.train_val_test_split)): the first 60% of the hours train, the last 20% test",
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
    if isinstance(columns, str):
        fail(f"`leaky_columns` is the string {columns!r}: give a list of column names, e.g. ['a', 'b'].")
    check_type("leaky_columns", columns, (list, tuple, set, pd.Index), "a list of column names")
    given = {str(c).strip().lower() for c in columns}
    leaks = {"casual", "registered"}
    if "bikers" in given:
        fail("`bikers` is the target itself, not a feature that leaks it.")
    from helpers import data

    unknown = sorted(given - set(data.load("bikeshare").columns))
    if unknown:
        fail(f"{unknown} is not a column of `bikes`; its columns are {list(data.load('bikeshare').columns)}.")
    if not given:
        fail("`leaky_columns` is empty, but two columns of `bikes` add up to the target in every row.")
    extra, missed = sorted(given - leaks), sorted(leaks - given)
    if extra:
        fail(f"{extra} can be known before the hour is over (the calendar, the weather forecast): they do not leak. "
             "Look for the columns that add up to the target.")
    if missed:
        fail(f"one more column leaks: {sorted(given)} plus another one make up `bikers` in every row.")
