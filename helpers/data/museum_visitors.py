"""Museum visitors: daily visitor counts of many related museums (for DeepAR-style forecasting).

Generating process (seeded; published in datasets/README.md). For museum m on day t the expected
count is

    mu[m, t] = base[m] * recovery[t] * growth[m]^(years since start) * weekly[type, weekday]
               * yearly[m, day of year] * holiday[type] * summer[type] * weather[city, t]

* base: by size, small ~150, medium ~600, large ~2,500 visitors a day, times log-normal(0, 0.2).
* recovery: all museums start 2022 at 65% of normal and recover with a 200-day time constant (shared).
* growth: a yearly trend per museum ~ N(+4%, 4%).
* weekly: a weekday profile per type (weekends busier; much busier at children's museums).
* yearly: 1 + amplitude x cos(2 pi (day of year - 200) / 365.25), amplitude per type (0.10-0.35) x U(0.8, 1.2).
* holiday: England and Wales bank holidays x1.4 (x1.6 at children's and science museums).
* summer: school summer holidays (22 July - 31 August) x1.3 at children's and science museums.
* weather: a shared AR(1) factor per city on the log scale (phi 0.7, sd 0.08): rainy days fill
  every museum in that city.

Counts are negative binomial with mean mu and dispersion (size) 15 (variance mu + mu^2/15). Closed days
have 0 visitors and ``is_open`` False: Christmas Day, Boxing Day and New Year's Day everywhere; Mondays (except
bank holidays) at about a third of the museums; and a renovation closure of 2-8 weeks at three museums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 11
START, END = "2022-01-01", "2024-12-31"
CITIES = ["London", "London", "London", "Manchester", "Birmingham", "Liverpool", "Bristol", "York"]
TYPES = ["art", "science", "history", "natural_history", "children"]
SIZES = {"small": 150, "medium": 600, "large": 2500}
WEEKLY = {  # Monday .. Sunday, relative to an average day
    "art": [0.75, 0.8, 0.85, 0.9, 1.0, 1.45, 1.3],
    "science": [0.7, 0.75, 0.8, 0.8, 0.95, 1.6, 1.45],
    "history": [0.8, 0.85, 0.85, 0.9, 1.0, 1.35, 1.2],
    "natural_history": [0.75, 0.8, 0.8, 0.85, 1.0, 1.5, 1.4],
    "children": [0.55, 0.6, 0.65, 0.65, 0.8, 2.0, 1.85],
}
YEARLY_AMPLITUDE = {"art": 0.10, "science": 0.25, "history": 0.25, "natural_history": 0.3, "children": 0.35}
FAMILY_TYPES = {"children", "science"}
# England and Wales bank holidays 2022-2024 (gov.uk), including the 2022 Jubilee, the State Funeral
# of 19 September 2022 and the 2023 Coronation.
BANK_HOLIDAYS = pd.to_datetime([
    "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
    "2022-09-19", "2022-12-26", "2022-12-27",
    "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
    "2023-12-25", "2023-12-26",
    "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
    "2024-12-26",
])
DISPERSION = 15.0


def _museums(rng: np.random.Generator, n: int) -> pd.DataFrame:
    city = [CITIES[i] for i in rng.integers(0, len(CITIES), n)]
    kind = [TYPES[i % len(TYPES)] for i in rng.permutation(n)]  # every type about equally often
    size = [list(SIZES)[i] for i in rng.choice(3, n, p=[0.4, 0.4, 0.2])]
    return pd.DataFrame({
        "museum_id": [f"M{i + 1:02d}" for i in range(n)], "city": city, "type": kind, "size": size,
        "base": [SIZES[s] for s in size] * rng.lognormal(0, 0.2, n),
        "growth": 1 + rng.normal(0.04, 0.04, n),
        "amplitude": [YEARLY_AMPLITUDE[k] for k in kind] * rng.uniform(0.8, 1.2, n),
        "closed_mondays": rng.random(n) < 1 / 3,
    })


def _weather(rng: np.random.Generator, cities: list[str], n_days: int) -> dict[str, np.ndarray]:
    factors = {}
    for city in sorted(set(cities)):
        shocks = rng.normal(0, 0.08 * np.sqrt(1 - 0.7**2), n_days)
        walk = np.zeros(n_days)
        for t in range(1, n_days):
            walk[t] = 0.7 * walk[t - 1] + shocks[t]
        factors[city] = np.exp(walk)
    return factors


def generate(seed: int = SEED, n_museums: int = 24, start: str = START, end: str = END) -> pd.DataFrame:
    """Long format, one row per museum and day, sorted by museum then date. Columns: museum_id, date,
    visitors (count), is_open, is_holiday (England and Wales bank holiday), city, type, size."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D", unit="us")
    n_days = len(dates)
    museums = _museums(rng, n_museums)
    weather = _weather(rng, list(museums.city), n_days)
    holiday = dates.isin(BANK_HOLIDAYS)
    years = np.arange(n_days) / 365.25
    recovery = 1 - 0.35 * np.exp(-np.arange(n_days) / 200)
    season_angle = 2 * np.pi * (dates.dayofyear.to_numpy() - 200) / 365.25
    summer = (dates.month == 8) | ((dates.month == 7) & (dates.day >= 22))
    closed_everywhere = ((dates.month == 12) & dates.day.isin([25, 26])) | ((dates.month == 1) & (dates.day == 1))
    renovated = set(rng.choice(n_museums, min(3, n_museums), replace=False).tolist())

    frames = []
    for m, museum in museums.iterrows():
        family = museum.type in FAMILY_TYPES
        mu = (museum.base * recovery * museum.growth**years
              * np.asarray(WEEKLY[museum.type])[dates.weekday]
              * (1 + museum.amplitude * np.cos(season_angle))
              * np.where(holiday, 1.6 if family else 1.4, 1.0)
              * np.where(summer, 1.3 if family else 1.0, 1.0)
              * weather[museum.city])
        is_open = ~closed_everywhere.copy()
        if museum.closed_mondays:
            is_open &= (dates.weekday != 0) | holiday  # but open on bank-holiday Mondays
        if m in renovated:
            first = rng.integers(0, n_days - 60)
            is_open[first: first + 7 * rng.integers(2, 9)] = False
        counts = rng.negative_binomial(DISPERSION, DISPERSION / (DISPERSION + mu))
        frames.append(pd.DataFrame({
            "museum_id": museum.museum_id, "date": dates, "visitors": np.where(is_open, counts, 0).astype(np.int64),
            "is_open": is_open, "is_holiday": holiday, "city": museum.city, "type": museum.type, "size": museum["size"],
        }))
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype({"museum_id": "str", "city": "str", "type": "str", "size": "str"})
