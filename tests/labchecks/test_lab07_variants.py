"""Lab 07: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.labchecks.lab07 import check, example_trials
from helpers.platform import CategoricalParameter, ContinuousParameter, IntegerParameter
from variant_harness import accepts, rejects

# --- exercise 1: the ranges ---------------------------------------------------------------------


def test_ranges_accept_literals_keywords_and_other_sound_bounds():
    accepts(check.ranges, {"eta": ContinuousParameter(0.01, 0.5, scaling_type="Logarithmic"),
                           "max_depth": IntegerParameter(2, 10)})
    accepts(check.ranges, dict(eta=ContinuousParameter(min_value=0.001, max_value=1.0, scaling_type="Logarithmic"),
                               max_depth=IntegerParameter(min_value=1, max_value=12)))
    accepts(check.ranges, {"max_depth": IntegerParameter(3, 6, scaling_type="Linear"),
                           "eta": ContinuousParameter(0.03, 0.3, scaling_type="Logarithmic")})


def test_ranges_name_the_scale_the_type_and_the_span():
    log_eta = ContinuousParameter(0.01, 0.5, scaling_type="Logarithmic")
    rejects(check.ranges, {"eta": ContinuousParameter(0.01, 0.5), "max_depth": IntegerParameter(2, 10)},
            hint="scaling_type='Logarithmic'")
    rejects(check.ranges, {"eta": log_eta, "max_depth": ContinuousParameter(2, 10)}, hint="whole number")
    rejects(check.ranges, {"eta": CategoricalParameter([0.01, 0.1, 0.5]), "max_depth": IntegerParameter(2, 10)},
            hint="real number")
    rejects(check.ranges, {"eta": ContinuousParameter(0.2, 0.5, scaling_type="Logarithmic"),
                           "max_depth": IntegerParameter(2, 10)}, hint="from 0.03 or less")
    rejects(check.ranges, {"eta": log_eta, "max_depth": IntegerParameter(8, 20)}, hint="shallow trees")
    rejects(check.ranges, {"eta": 0.1, "max_depth": 6}, hint="ContinuousParameter(min, max")
    rejects(check.ranges, {"eta": log_eta}, hint="no range for 'max_depth'")
    rejects(check.ranges, {"eta": log_eta, "max_depth": IntegerParameter(2, 10), "gamma": ContinuousParameter(0, 1)},
            hint="tune eta and max_depth only")


# --- exercise 2: best so far ---------------------------------------------------------------------


def _loop(values, maximize=True):
    best, out = math.nan, []
    for value in values:
        if not math.isnan(value) and (math.isnan(best) or (value > best if maximize else value < best)):
            best = value
        out.append(best)
    return out


def _fmax(values, maximize=True):
    values = np.asarray(values, dtype=float)
    return np.fmax.accumulate(values) if maximize else np.fmin.accumulate(values)


def _pandas(values, maximize=True):
    series = pd.Series(values, dtype=float)
    return (series.cummax() if maximize else series.cummin()).ffill().to_numpy()


def _sign_flip(values, maximize=True):
    sign = 1.0 if maximize else -1.0
    return sign * np.fmax.accumulate(sign * np.asarray(values, dtype=float))


def test_best_so_far_accepts_loops_fmax_pandas_and_sign_flips():
    accepts(check.best_so_far, _loop)
    accepts(check.best_so_far, _fmax)
    accepts(check.best_so_far, _pandas)
    accepts(check.best_so_far, _sign_flip)


def test_best_so_far_names_nan_spreading_ignored_maximize_and_means():
    rejects(check.best_so_far, lambda v, maximize=True: np.maximum.accumulate(np.asarray(v, dtype=float)),
            hint="must not erase the best so far")
    rejects(check.best_so_far, lambda v, maximize=True: np.fmax.accumulate(np.asarray(v, dtype=float)),
            hint="the best is the lowest")
    rejects(check.best_so_far, lambda v, maximize=True: pd.Series(v).cummax().to_numpy() if maximize
            else pd.Series(v).cummin().to_numpy(), hint="must not erase")
    rejects(check.best_so_far, lambda v, maximize=True: np.cumsum(v) / np.arange(1, len(v) + 1), hint="running mean")
    rejects(check.best_so_far, lambda v, maximize=True: None, hint="forget to `return`")


# --- exercise 3: the best trial ----------------------------------------------------------------------


def test_best_trial_accepts_idxmax_sorting_query_and_nlargest():
    df = example_trials()
    completed = df[df["TrainingJobStatus"] == "Completed"]
    accepts(check.best_trial, df, completed.loc[completed["FinalObjectiveValue"].idxmax()])
    accepts(check.best_trial, df, completed.sort_values("FinalObjectiveValue", ascending=False).iloc[0])
    accepts(check.best_trial, df, df.query("TrainingJobStatus == 'Completed'").nlargest(1, "FinalObjectiveValue").iloc[0])
    accepts(check.best_trial, df, df.dropna(subset=["FinalObjectiveValue"]).sort_values("FinalObjectiveValue").iloc[-1])


def test_best_trial_accepts_either_of_two_tied_trials():
    df = example_trials()
    df.loc[0, "FinalObjectiveValue"] = 0.971  # tied with trial 4
    accepts(check.best_trial, df, df.iloc[0])
    accepts(check.best_trial, df, df.iloc[3])


def test_best_trial_names_frames_strings_status_and_the_worst():
    df = example_trials()
    completed = df[df["TrainingJobStatus"] == "Completed"]
    rejects(check.best_trial, df, completed.nlargest(1, "FinalObjectiveValue"), hint=["one row", ".iloc[0]"])
    rejects(check.best_trial, df, completed.loc[completed["FinalObjectiveValue"].idxmax(), "TrainingJobName"],
            hint="select the trial's whole row")
    stopped_high = df.assign(FinalObjectiveValue=[0.962, 0.955, np.nan, 0.971, 0.99])
    rejects(check.best_trial, stopped_high, stopped_high.loc[stopped_high["FinalObjectiveValue"].idxmax()],
            hint="a Stopped trial")
    rejects(check.best_trial, df, completed.loc[completed["FinalObjectiveValue"].idxmin()], hint="use idxmax")
    rejects(check.best_trial, df, df.iloc[2], hint="a Failed trial")
    rejects(check.best_trial, df, df["FinalObjectiveValue"], hint="no 'TrainingJobName'")


def test_best_trial_message_never_shows_two_equal_values_as_different():
    df = example_trials()
    df.loc[0, "FinalObjectiveValue"] = 0.97700
    df.loc[3, "FinalObjectiveValue"] = 0.97704
    rejects(check.best_trial, df, df.iloc[0], hint="FinalObjectiveValue 0.977, but another Completed trial reached 0.97704")


# --- exercise 4: the cost ------------------------------------------------------------------------------


def test_tuning_cost_accepts_formulas_minutes_and_cents():
    accepts(check.tuning_cost, lambda n, s, p, instance_count=1: n * s / 3600 * p * instance_count)
    accepts(check.tuning_cost, lambda n, s, p, instance_count=1: (s / 60) / 60 * p * n * instance_count)
    accepts(check.tuning_cost, lambda n, s, p, instance_count=1: round(n * instance_count * s * p / 3600, 2))
    accepts(check.tuning_cost, lambda n, s, p, instance_count=1: float(np.float32(n * s * instance_count) / 3600 * p))


def test_tuning_cost_names_seconds_minutes_instances_and_jobs():
    rejects(check.tuning_cost, lambda n, s, p, instance_count=1: n * s * p * instance_count, hint="divide by 3600")
    rejects(check.tuning_cost, lambda n, s, p, instance_count=1: n * s / 60 * p * instance_count, hint="minutes")
    rejects(check.tuning_cost, lambda n, s, p, instance_count=1: n * s / 3600 * p, hint="instance_count")
    rejects(check.tuning_cost, lambda n, s, p, instance_count=1: s / 3600 * p * instance_count, hint="multiply by n_jobs")
    rejects(check.tuning_cost, lambda n, s, p, instance_count=1: None, hint="forget to `return`")
