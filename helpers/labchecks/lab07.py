"""Checks for 07_tuning: the search ranges, the best-so-far curve, picking the best trial from the
analytics DataFrame, and the cost of a tuning job."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_type, distinct_numbers, fail

check = LabChecks("07_tuning")


# --- exercise: the ranges ----------------------------------------------------------------------

def _ranges(**changes):
    from helpers.platform import ContinuousParameter, IntegerParameter

    ranges = {"eta": ContinuousParameter(0.01, 0.5, scaling_type="Logarithmic"), "max_depth": IntegerParameter(2, 10)}
    ranges.update(changes)
    return {k: v for k, v in ranges.items() if v is not None}


def _wrong_ranges():
    from helpers.platform import CategoricalParameter, ContinuousParameter, IntegerParameter

    return [
        (_ranges(eta=ContinuousParameter(0.01, 0.5)),),  # linear: most draws land above 0.1
        (_ranges(max_depth=ContinuousParameter(2, 10)),),  # depths of 4.7
        (_ranges(max_depth=None),),
        (_ranges(eta=ContinuousParameter(0.2, 0.5, scaling_type="Logarithmic")),),  # misses the small rates
        (_ranges(max_depth=IntegerParameter(8, 20)),),  # only deep trees
        (_ranges(eta=CategoricalParameter([0.01, 0.1, 0.5])),),
        ({"eta": 0.1, "max_depth": 6},),  # values, not ranges
    ]


@check.exercise(
    title="the search ranges",
    hint="eta: ContinuousParameter(low, high, scaling_type='Logarithmic') from 0.03 or less to 0.3 or more; "
         "max_depth: IntegerParameter(low, high) from 3 or less to between 6 and 12",
    wrong=_wrong_ranges,
)
def ranges(answer):
    from helpers.platform import ContinuousParameter, IntegerParameter

    check_type("ranges", answer, dict)
    missing = [name for name in ("eta", "max_depth") if name not in answer]
    if missing:
        fail(f"`ranges` has no range for {', '.join(map(repr, missing))}.")
    extra = sorted(set(answer) - {"eta", "max_depth"})
    if extra:
        fail(f"`ranges` also tunes {', '.join(map(repr, extra))}: tune eta and max_depth only in this exercise.")
    eta, depth = answer["eta"], answer["max_depth"]
    if type(eta) is not ContinuousParameter:
        fail(f"`ranges['eta']` is {eta!r}: the learning rate is a real number, use ContinuousParameter(min, max, ...).")
    if eta.scaling_type != "Logarithmic":
        fail(f"`ranges['eta']` uses scaling_type={eta.scaling_type!r}: the validation curve spans decades, so "
             "sample it with scaling_type='Logarithmic' (as many trials between 0.01 and 0.1 as between 0.1 and 1).")
    if not (eta.min_value <= 0.03 and 0.3 <= eta.max_value <= 1.0):
        fail(f"`ranges['eta']` spans {eta.min_value} to {eta.max_value}: cover the interesting part of the validation "
             "curve, from 0.03 or less up to at least 0.3 (and at most 1, eta's limit).")
    if type(depth) is not IntegerParameter:
        fail(f"`ranges['max_depth']` is {depth!r}: a depth is a whole number, use IntegerParameter(min, max).")
    if not (1 <= depth.min_value <= 3 and 6 <= depth.max_value <= 12):
        fail(f"`ranges['max_depth']` spans {depth.min_value} to {depth.max_value}: include shallow trees (3 or less) "
             "and deep ones (6 to 12).")


# --- exercise: best so far ---------------------------------------------------------------------

def _reference_best_so_far(values, maximize=True) -> np.ndarray:
    out, best = [], math.nan
    for value in np.asarray(values, dtype=float):
        if not math.isnan(value) and (math.isnan(best) or (value > best if maximize else value < best)):
            best = value
        out.append(best)
    return np.array(out)


_CURVES = [
    ([0.91, 0.95, 0.93, 0.97, 0.96], True),
    ([0.9, np.nan, 0.95, 0.94], True),  # a failed trial in the middle
    ([np.nan, 0.8, 0.7], True),  # the first trial failed
    ([0.3, 0.2, 0.25, 0.1], False),  # a loss: lower is better
]


def _running_mean(values, maximize=True):
    v = np.asarray(values, dtype=float)
    return np.cumsum(v) / np.arange(1, len(v) + 1)


@check.exercise(
    title="best objective so far",
    hint="walk through the values keeping the best seen (max when maximizing, min when minimizing); skip NaN",
    wrong=lambda: [
        (lambda values, maximize=True: np.maximum.accumulate(np.asarray(values, dtype=float)),),  # NaN spreads; no min
        (lambda values, maximize=True: np.fmax.accumulate(np.asarray(values, dtype=float)),),  # ignores `maximize`
        (_running_mean,),
        (lambda values, maximize=True: np.asarray(values, dtype=float),),
        (lambda values, maximize=True: None,),
    ],
)
def best_so_far(fn):
    check_callable("best_so_far", fn)
    for values, maximize in _CURVES:
        # A numpy array, as the notebook passes frame["FinalObjectiveValue"].to_numpy() below.
        got = fn(np.array(values, dtype=float), maximize=maximize)
        expected = _reference_best_so_far(values, maximize)
        if got is None:
            fail("`best_so_far` returned None: did it forget to `return` the curve?")
        array = np.asarray(got, dtype=float)
        if array.shape != expected.shape:
            fail(f"`best_so_far({values}, maximize={maximize})` has shape {array.shape}; expected one value per trial "
                 f"{expected.shape}.")
        same = np.allclose(np.nan_to_num(array, nan=-999.0), np.nan_to_num(expected, nan=-999.0))
        where = f"`best_so_far({[float(v) for v in values]}, maximize={maximize})`"
        if not same and np.isnan(array).sum() > np.isnan(expected).sum():
            fail(f"{where} gave {np.round(array, 3).tolist()}: a failed trial (NaN) must not erase the best so far. "
                 "Skip NaN values (np.isnan(value)), or use np.fmax.accumulate / np.fmin.accumulate.")
        if not same and not maximize and np.allclose(array, _reference_best_so_far(values, True), equal_nan=True):
            fail(f"{where} gave {np.round(array, 3).tolist()}, the running maximum: with maximize=False (a loss) the "
                 "best is the lowest value so far.")
        if not same and np.allclose(array, _running_mean(values), equal_nan=True):
            fail(f"{where} gave the running mean: keep the best value seen so far, not the average.")
        if not same:
            fail(f"`best_so_far({[float(v) for v in values]}, maximize={maximize})` gave {np.round(array, 3).tolist()}, "
                 f"expected {expected.tolist()} (NaN only before the first trial with a value).")


# --- exercise: the best trial ------------------------------------------------------------------

def example_trials() -> pd.DataFrame:
    """A small analytics DataFrame of the SDK's shape (one failed trial, one stopped early)."""
    return pd.DataFrame({
        "eta": [0.05, 0.3, 0.01, 0.12, 0.2],
        "max_depth": [4.0, 8.0, 2.0, 6.0, 3.0],
        "TrainingJobName": [f"tune-example-{i:03d}" for i in range(1, 6)],
        "TrainingJobStatus": ["Completed", "Completed", "Failed", "Completed", "Stopped"],
        "FinalObjectiveValue": [0.962, 0.955, np.nan, 0.971, 0.940],
    })


def _as_row(best) -> pd.Series:
    if isinstance(best, pd.DataFrame):
        if len(best) != 1:
            fail(f"`best` is a DataFrame of {len(best)} rows: pick one row, e.g. df.loc[df['FinalObjectiveValue'].idxmax()].")
        fail("`best` is a DataFrame of one row (from a filter, head(1) or nlargest(1)): the next cells read "
             "best['TrainingJobName'] as one value, so take the row itself, a Series: .iloc[0] or df.loc[label].")
    if isinstance(best, (str, float, int, np.number)):
        fail(f"`best` is {best!r}, one value: select the trial's whole row (a Series with its hyperparameters, status "
             "and objective), df.loc[label].")
    check_type("best", best, pd.Series, "one row of the DataFrame: df.loc[label]")
    return best


@check.exercise(
    title="the best trial",
    hint="among the Completed trials only, the whole row (a Series) with the largest FinalObjectiveValue",
    wrong=lambda: [
        (example_trials(), example_trials().iloc[0]),  # the first trial
        (example_trials(), example_trials().loc[example_trials()["FinalObjectiveValue"].idxmin()]),  # the worst
        (example_trials(), example_trials().iloc[2]),  # the failed one
        (example_trials(), example_trials().iloc[[1, 3]]),  # two rows
        (example_trials(), example_trials()["FinalObjectiveValue"]),  # a column, not a row
    ],
)
def best_trial(df, best):
    check_type("df", df, pd.DataFrame)
    row = _as_row(best)
    for column in ("TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue"):
        if column not in row.index:
            fail(f"`best` has no {column!r}: take a whole row of the analytics DataFrame.")
    completed = df[(df["TrainingJobStatus"] == "Completed") & df["FinalObjectiveValue"].notna()]
    if completed.empty:
        fail("`df` has no Completed trial with an objective value.")
    expected = completed.loc[completed["FinalObjectiveValue"].idxmax()]
    if row["TrainingJobStatus"] != "Completed":
        fail(f"`best` is a {row['TrainingJobStatus']} trial: only Completed trials left a model to deploy.")
    # Trials tied on the best value are all right; the message shows as many digits as tell two values apart.
    got, best_value = float(row["FinalObjectiveValue"]), float(expected["FinalObjectiveValue"])
    if not np.isclose(got, best_value, rtol=0, atol=1e-12):
        shown_got, shown_best = distinct_numbers(got, best_value)
        worst = completed["FinalObjectiveValue"].min()
        why = " (that is the lowest: the objective is maximized, use idxmax)" if np.isclose(got, worst) else ""
        fail(f"`best` has FinalObjectiveValue {shown_got}, but another Completed trial reached {shown_best}{why}.")


# --- exercise: the cost ------------------------------------------------------------------------

_COST_CASES = [(20, 180, 0.23, 1), (4, 60, 0.46, 2), (50, 600, 1.0, 1)]


@check.exercise(
    title="the cost of a tuning job",
    hint="the cost is instance-hours x price: seconds / 3600 are hours, and every job and every instance is billed",
    wrong=lambda: [
        (lambda n_jobs, seconds_per_job, price_per_hour, instance_count=1: n_jobs * seconds_per_job * price_per_hour,),
        (lambda n_jobs, seconds_per_job, price_per_hour, instance_count=1:
         n_jobs * seconds_per_job / 3600 * price_per_hour,),  # forgot the instances
        (lambda n_jobs, seconds_per_job, price_per_hour, instance_count=1:
         seconds_per_job / 3600 * price_per_hour * instance_count,),  # one job only
        (lambda n_jobs, seconds_per_job, price_per_hour, instance_count=1:
         n_jobs * seconds_per_job / 60 * price_per_hour * instance_count,),  # minutes, not hours
    ],
)
def tuning_cost(fn):
    check_callable("tuning_cost", fn)
    for n_jobs, seconds, price, instances in _COST_CASES:
        got = fn(n_jobs, seconds, price, instance_count=instances)
        call = f"tuning_cost({n_jobs}, {seconds}, {price}, instance_count={instances})"
        expected = n_jobs * seconds / 3600 * price * instances
        if got is None:
            fail(f"{call} returned None: did the function forget to `return` the cost?")
        slips = {
            "the seconds were not turned into hours: divide by 3600": expected * 3600,
            "dividing by 60 gives minutes; the price is per hour: divide the seconds by 3600": expected * 60,
            "every instance is billed: multiply by instance_count": expected / instances,
            "every job is billed: multiply by n_jobs": expected / n_jobs,
        }
        for slip, value in slips.items():
            if not np.isclose(value, expected) and np.isclose(float(np.asarray(got, dtype=float)), value):
                fail(f"{call} is {float(got):g}, but {expected:g} dollars are expected: {slip}.")
        # Rounded to the cent is a fine answer for dollars.
        check_close(call, got, expected, rtol=1e-6, atol=0.005)
