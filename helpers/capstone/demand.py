"""Kit: demand forecasting for a bike-share (dataset ``bikeshare``: hourly rentals in Washington DC, 2011).

One row per hour (or per day), in time order. The forecast is made ``horizon`` hours ahead, so the
rentals it may look at ("recent demand") end ``horizon`` hours before the hour forecast; calendar and
weather are known in advance (the weather columns stand in for the forecast a planner would use). The
cost model prices bikes stocked from the forecast: a rental lost to an empty dock, a bike moved for
nothing; the baseline is the seasonal naive forecast, the same hour one week (or more) earlier.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.capstone.framing import Framing, Vocabulary
from helpers.capstone.kit import Frame, Kit, QuantityCost, columns_for

__all__ = ["DemandKit"]

_WEATHER = {"clear": 0, "cloudy/misty": 1, "light rain/snow": 2, "heavy rain/snow": 3}
_COUNTS = "the rentals of the hour being forecast are counted only after it"


class DemandKit(Kit):
    name = "demand"
    title = "Demand forecasting: how many bikes each hour needs"
    dataset = "bikeshare"
    vocabulary = Vocabulary(
        unit="hour",
        targets={"casual": r"casual(?: users?| riders?| rentals?)?",
                 "registered": r"registered(?: users?| riders?| rentals?)?",
                 "bikers": r"bikers|(?:total |all )?rentals|demand|bikes rented|riders"},
        absent_targets={r"revenue|income|profit": "the data counts rentals, not money: forecast rentals and price "
                        "them with the kit's cost model.",
                        r"(?:per|each|every|by|at each) (?:station|dock)s?|station[- ]level":
                        "the data is the whole city's rentals per hour, with no station: forecast "
                        "the city's rentals."},
        features={"calendar": r"calendar|hour of (?:the )?day|time of day|weekdays?|day of (?:the )?week|holidays?|"
                              r"working ?days?|seasons?|months?",
                  "weather": r"weather(?: forecast)?|temperatures?|humidity|wind(?:speed)?|rain",
                  "recent demand": r"recent|past|previous|lag(?:ged)?|history|rentals (?:of|in|over) the last"},
        leaks={r"casual|registered|bikers|(?:rentals|demand) (?:this|that|of the same) hour|current (?:rentals|demand)|"
               r"actual (?:rentals|demand)": _COUNTS},
        units={r"hours?|h": 1, r"days?": 24, r"weeks?": 168, r"months?": 730, r"years?": 8760},
        granularities={"hour": r"(?:per|each|every) hour|hourly", "day": r"(?:per|each|every) day|daily"},
        default_target="bikers", default_horizon=24, default_window=168, max_horizon=720, max_window=720,
        example_inputs=("calendar", "weather forecast", "recent rentals"),
    )
    cost_model = QuantityCost(short=2.50, over=0.40, unit="bike",
                              baseline_name="the same hour (day) one week earlier: seasonal naive")
    leaky_columns = {name: _COUNTS for name in ("casual", "registered", "bikers")}
    improve_hint = ("a lost rental costs 6 times a spare bike: forecast high rather than low (a quantile loss, e.g. "
                    "HistGradientBoostingRegressor(loss='quantile', quantile=0.85)), and give the model the calendar "
                    "(hour of day, working day) and recent demand.")

    def starter_statement(self):
        from helpers.problem import ProblemStatement

        return ProblemStatement(
            title="Stock the bike docks for tomorrow's demand",
            problem="Docks run empty at rush hour while bikes stand idle elsewhere, because stock is planned by hand.",
            why="Each rental lost to an empty dock costs about $2.50, and each bike moved for nothing costs a van trip.",
            how="A regression model forecasts the total rentals of each hour 24 hours ahead, from the calendar, the "
                "weather forecast and the rentals over the last 7 days; the van crews stock bikes to the forecast.",
            business_metric="Lost rentals and idle bikes below $30,000 per month",
            baseline="Stocking what the same hour rented a week earlier costs about $44,000 per month",
            data_sources=["trip records of the bike-share system", "weather service forecasts"],
            labels="The bikers counted per hour by the docks (casual plus registered), known when the hour ends.",
            inputs=["calendar (hour, weekday, holiday)", "weather forecast", "recent rentals"],
            bias="One year of one city: 2011's weather and events stand for every year; closed-dock hours are missing.",
        )

    def _build(self, raw: pd.DataFrame, framing: Framing) -> Frame:
        raw = raw.assign(time=pd.Timestamp("2011-01-01") + pd.to_timedelta(raw["day"] - 1, unit="D")
                         + pd.to_timedelta(raw["hr"], unit="h"))
        raw["weather_code"] = raw["weathersit"].map(_WEATHER).astype(float)
        raw["month"] = raw["time"].dt.month
        if framing.granularity == "day":
            raw = raw.assign(time=raw["time"].dt.floor("D")).groupby("time", as_index=False).agg(
                season=("season", "first"), month=("month", "first"), weekday=("weekday", "first"),
                workingday=("workingday", "first"), holiday=("holiday", "first"), weather_code=("weather_code", "max"),
                temp=("temp", "mean"), atemp=("atemp", "mean"), hum=("hum", "mean"), windspeed=("windspeed", "mean"),
                casual=("casual", "sum"), registered=("registered", "sum"), bikers=("bikers", "sum"))
            step, week = 24, 7
        else:
            step, week = 1, 168
        # Lags count steps of a full calendar (hours the source lacks are gaps, not shifts of the rows).
        full = raw.set_index("time")[framing.target].astype(float).asfreq(f"{step}h")
        h, window = max(1, math.ceil(framing.horizon / step)), max(1, framing.window // step)
        seasonal = week * math.ceil(h / week)  # the same hour (day) of the week, at least h steps back
        daily = math.ceil(h * step / 24) * 24 // step  # the same hour of the day, at least h steps back
        lags = {f"demand_lag_{lag}": full.shift(lag) for lag in sorted({h, daily, seasonal})}
        lags[f"demand_mean_{window}_before"] = full.shift(h).rolling(window, min_periods=max(1, window // 2)).mean()
        recent = pd.DataFrame(lags).loc[raw["time"]].reset_index(drop=True)
        table = pd.concat([raw.reset_index(drop=True), recent], axis=1)
        groups = {"calendar": (["hr"] if framing.granularity == "hour" else []) + ["weekday", "workingday", "holiday",
                                                                                  "season", "month"],
                  "weather": ["weather_code", "temp", "atemp", "hum", "windspeed"],
                  "recent demand": list(recent.columns)}
        X = table[columns_for(groups, framing)].astype(float)
        baseline = table[f"demand_lag_{seasonal}"]
        keep = (X.notna().all(axis=1) & baseline.notna()).to_numpy()
        return Frame(X=X[keep], y=table.loc[keep, framing.target].astype(float).rename(framing.target),
                     time=table.loc[keep, "time"], context=pd.DataFrame({"baseline": baseline[keep]}),
                     framing=framing)
