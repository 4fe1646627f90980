"""Feature builders: from clean rows to model inputs.

- :func:`seed_table` turns cleaned customers (name, country, sex, dob -> salary) into the seed
  table: one-hot country, binary sex, age, birth month, day of week of birth, target.
- :func:`bikeshare_features` turns Bikeshare's hourly rows into date parts, a cyclical hour,
  weather categories and interactions.
- :func:`make_preprocessor` / :func:`make_model` build scikit-learn ``ColumnTransformer`` /
  ``Pipeline`` objects, so every learned transformation (scaling, binning, encoding) is fitted on
  training rows only; :func:`train_val_test_split` makes the three splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "seed_table",
    "cyclical",
    "bikeshare_timestamp",
    "bikeshare_features",
    "WEATHER_CATEGORIES",
    "make_preprocessor",
    "make_model",
    "Split",
    "train_val_test_split",
]


def _need_columns(frame, columns: Iterable[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where} needs a pandas DataFrame, got a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{where}: no column {', '.join(map(repr, missing))} (the table has {list(frame.columns)}).")


# ---------------------------------------------------------------------------------- seed table
def seed_table(clean: pd.DataFrame, *, as_of: str | pd.Timestamp, target: str = "salary",
               countries: Sequence[str] | None = None) -> pd.DataFrame:
    """The model-ready customer table, one row per customer.

    Parameters
    ----------
    clean:
        Cleaned customers with ``country`` (canonical names), ``sex`` ("F"/"M"), ``dob``
        (datetime64) and ``target``; an ``age`` column, when present, fills ages whose dob is unknown.
    as_of:
        The date ages are computed at (years, rounded down).
    countries:
        The one-hot columns to make, in order (default: the countries present, sorted). Pass the
        training set's list when building validation/test rows so the columns match.

    Returns
    -------
    DataFrame with ``country_<name>`` (0/1 per country; all 0 when unknown), ``is_female`` (0/1,
    missing when sex is unknown), ``age`` (years), ``birth_month`` (1-12), ``birth_dayofweek``
    (0 = Monday ... 6 = Sunday) and the target. Dates of birth that are unknown give missing month
    and day of week.
    """
    _need_columns(clean, ["country", "sex", "dob", target], "seed_table")
    if not pd.api.types.is_datetime64_any_dtype(clean["dob"]):
        raise TypeError(
            "seed_table: `dob` holds text, not dates: parse it first "
            "(helpers.cleaning.parse_dates or clean_customers)."
        )
    unknown_sex = sorted(set(clean["sex"].dropna()) - {"F", "M"})
    if unknown_sex:
        raise ValueError(f"seed_table: sex codes {unknown_sex} are not 'F' or 'M': normalise the column first.")
    as_of = pd.Timestamp(as_of)
    countries = sorted(clean["country"].dropna().unique()) if countries is None else list(countries)
    out = pd.DataFrame(index=clean.index)
    for country in countries:
        out[f"country_{country.lower().replace(' ', '_')}"] = (clean["country"] == country).fillna(False).astype("int64")
    out["is_female"] = clean["sex"].map({"F": 1, "M": 0}).astype("Int64")
    age = np.floor((as_of - clean["dob"]).dt.days / 365.2425).astype("Float64")
    if "age" in clean.columns:
        age = age.fillna(clean["age"].astype("Float64"))
    out["age"] = age
    out["birth_month"] = clean["dob"].dt.month.astype("Int64")
    out["birth_dayofweek"] = clean["dob"].dt.day_of_week.astype("Int64")
    out[target] = clean[target]
    return out


# ----------------------------------------------------------------------------------- bikeshare
#: Bikeshare's four weather situations -> three categories ("heavy rain/snow" is a handful of hours:
#: too rare to learn from alone, so it joins the light rain/snow hours).
WEATHER_CATEGORIES = {"clear": "clear", "cloudy/misty": "cloudy", "light rain/snow": "rain/snow",
                      "heavy rain/snow": "rain/snow"}


def cyclical(values: pd.Series | np.ndarray, period: float) -> pd.DataFrame:
    """Encode a periodic quantity (hour of day, month) as sin and cos on the unit circle.

    Hour 23 and hour 0 are neighbours on the circle, while as plain numbers they are 23 apart.
    Returns a DataFrame with columns ``sin`` and ``cos`` (same index as ``values`` when a Series).
    """
    if not np.isscalar(period) or period <= 0:
        raise ValueError(f"period must be a positive number (24 for hours, 12 for months), got {period!r}.")
    index = values.index if isinstance(values, pd.Series) else None
    array = np.asarray(values, dtype=float)
    angle = 2 * np.pi * array / period
    return pd.DataFrame({"sin": np.sin(angle), "cos": np.cos(angle)}, index=index)


def bikeshare_timestamp(frame: pd.DataFrame, year: int = 2011) -> pd.Series:
    """Rebuild each row's date and hour: ``day`` counts days from 1 January of ``year``, ``hr`` is 0-23."""
    _need_columns(frame, ["day", "hr"], "bikeshare_timestamp")
    start = pd.Timestamp(year=year, month=1, day=1)
    return start + pd.to_timedelta(frame["day"] - 1, unit="D") + pd.to_timedelta(frame["hr"], unit="h")


def bikeshare_features(frame: pd.DataFrame, *, cyclical_hour: bool = True, interactions: bool = True,
                       year: int = 2011) -> pd.DataFrame:
    """Model inputs for Bikeshare's hourly rows (the target and its parts are not included).

    Columns: date parts (``month`` 1-12, ``dayofweek`` 0 = Monday, ``is_weekend``), ``hour``
    (0-23), ``hour_sin``/``hour_cos`` (when ``cyclical_hour``), ``workingday``, ``holiday``,
    ``weather`` (clear / cloudy / rain/snow), ``temp``/``hum``/``windspeed`` (as normalised in the
    source: temperature / 41 °C, humidity / 100, wind / 67), and with ``interactions``:
    ``temp_x_hum`` and ``hour_x_workingday`` ("work 8", "off 8", ...: the hour, separately for
    working and other days, a category that lets a linear model draw both daily curves).
    """
    _need_columns(frame, ["day", "hr", "workingday", "holiday", "weathersit", "temp", "hum", "windspeed"],
                  "bikeshare_features")
    unknown = sorted(set(frame["weathersit"].dropna()) - set(WEATHER_CATEGORIES))
    if unknown:
        raise ValueError(f"bikeshare_features: unknown weather {unknown}; known: {sorted(WEATHER_CATEGORIES)}.")
    stamp = bikeshare_timestamp(frame, year)
    out = pd.DataFrame(index=frame.index)
    out["month"] = stamp.dt.month
    out["dayofweek"] = stamp.dt.day_of_week
    out["is_weekend"] = (out["dayofweek"] >= 5).astype("int64")
    out["hour"] = frame["hr"].astype("int64")
    if cyclical_hour:
        circle = cyclical(frame["hr"], 24)
        out["hour_sin"], out["hour_cos"] = circle["sin"], circle["cos"]
    out["workingday"] = frame["workingday"].astype("int64")
    out["holiday"] = frame["holiday"].astype("int64")
    out["weather"] = frame["weathersit"].map(WEATHER_CATEGORIES).astype("str")
    for column in ("temp", "hum", "windspeed"):
        out[column] = frame[column].astype("float64")
    if interactions:
        out["temp_x_hum"] = out["temp"] * out["hum"]
        day_kind = np.where(out["workingday"] == 1, "work ", "off ")
        out["hour_x_workingday"] = pd.Series(day_kind, index=out.index, dtype="str") + out["hour"].astype("str")
    return out


# ------------------------------------------------------------------------------------ pipelines
def make_preprocessor(*, numeric: Sequence[str] = (), categorical: Sequence[str] = (),
                      binned: Sequence[str] = (), passthrough: Sequence[str] = (), n_bins: int = 5,
                      scale: bool = True):
    """A ``ColumnTransformer``: numeric columns imputed (median) and standardised, categorical ones
    imputed (most frequent) and one-hot encoded (unknown categories ignored), ``binned`` ones cut
    into ``n_bins`` quantile bins (one-hot), ``passthrough`` ones kept as they are.

    Every step learns from the rows it is fitted on (medians, means, bin edges, categories): fit it
    on training rows only, which a ``Pipeline`` does for you.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, StandardScaler

    groups = {"numeric": list(numeric), "categorical": list(categorical), "binned": list(binned),
              "passthrough": list(passthrough)}
    every = [c for cols in groups.values() for c in cols]
    if not every:
        raise ValueError("make_preprocessor needs at least one column: pass numeric=[...], categorical=[...] ...")
    repeated = sorted({c for c in every if every.count(c) > 1})
    if repeated:
        raise ValueError(f"column(s) {repeated} are listed in two groups: give each column one treatment.")
    if not isinstance(n_bins, int) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}.")
    transformers = []
    if groups["numeric"]:
        steps = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
        transformers.append(("numeric", make_pipeline(*steps), groups["numeric"]))
    if groups["categorical"]:
        transformers.append(("categorical", make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False)), groups["categorical"]))
    if groups["binned"]:
        transformers.append(("binned", make_pipeline(
            SimpleImputer(strategy="median"),
            KBinsDiscretizer(n_bins=n_bins, encode="onehot-dense", strategy="quantile",
                             quantile_method="averaged_inverted_cdf")), groups["binned"]))
    if groups["passthrough"]:
        transformers.append(("passthrough", "passthrough", groups["passthrough"]))
    return ColumnTransformer(transformers, verbose_feature_names_out=True)


def make_model(preprocessor, estimator):
    """``Pipeline([("prepare", preprocessor), ("model", estimator)])``: one object to fit and predict."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("prepare", preprocessor), ("model", estimator)])


@dataclass
class Split:
    """Three disjoint parts of a table: fit on train, choose on validation, report on test (once)."""

    X_train: pd.DataFrame
    X_val: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_val: pd.Series
    y_test: pd.Series

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.X_train), "validation": len(self.X_val), "test": len(self.X_test)}


def train_val_test_split(X: pd.DataFrame, y: pd.Series, *, sizes: tuple[float, float, float] = (0.6, 0.2, 0.2),
                         shuffle: bool = True, stratify: bool = False, seed: int = 42) -> Split:
    """Split rows into train / validation / test with the given fractions.

    ``shuffle=False`` keeps the row order (the last rows become the test set): the honest split for
    data ordered in time, where a random split lets the model peek at neighbouring hours.
    ``stratify=True`` keeps the class proportions of ``y`` in every part (classification).
    """
    from sklearn.model_selection import train_test_split

    if len(sizes) != 3 or any(s <= 0 for s in sizes) or not np.isclose(sum(sizes), 1.0):
        raise ValueError(f"sizes must be three positive fractions that add up to 1, e.g. (0.6, 0.2, 0.2); got {sizes}.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must describe the same rows.")
    if stratify and not shuffle:
        raise ValueError("stratify needs shuffle=True (an ordered split cannot also balance the classes).")
    train, val, test = sizes
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, train_size=train, shuffle=shuffle, random_state=seed if shuffle else None,
        stratify=y if stratify else None,
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, train_size=val / (val + test), shuffle=shuffle, random_state=seed if shuffle else None,
        stratify=y_rest if stratify else None,
    )
    return Split(X_train, X_val, X_test, y_train, y_val, y_test)
