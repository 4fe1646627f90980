"""Checks for 08_deployment: the CSV body of one request, reading a linear-learner answer, naming the
drifted feature of a monitoring report, and the cost of an endpoint left running."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_equal, check_type, fail

check = LabChecks("08_deployment")

FEATURES = ["student", "balance", "income"]


# --- exercise: the request body ----------------------------------------------------------------

def _customer(default: bool, student: bool, balance: float, income: float) -> pd.Series:
    return pd.Series({"default": default, "student": student, "balance": balance, "income": income}, dtype=object)


_CUSTOMERS = [_customer(False, True, 1500.25, 30000.5), _customer(True, False, 2210.0, 41250.75),
              _customer(False, False, 0.0, 12000.0)]


def _expected_row(customer: pd.Series) -> list[float]:
    return [float(customer[name]) for name in FEATURES]


@check.exercise(
    title="the CSV body of one request",
    hint="drop the label, keep student, balance, income in that order, booleans as 0/1: "
         "','.join(str(value) for value in ...) with no header and no trailing index",
    wrong=lambda: [
        (lambda row: ",".join(str(v) for v in row.to_numpy()),),  # label left in, booleans as True/False
        (lambda row: ",".join(str(float(v)) for v in row.to_numpy()),),  # label left in
        (lambda row: "student,balance,income\n" + ",".join(str(float(row[c])) for c in FEATURES),),  # header
        (lambda row: ",".join(str(row[c]) for c in FEATURES),),  # True/False, not numbers
        (lambda row: ",".join(str(float(row[c])) for c in reversed(FEATURES)),),  # wrong order
        (lambda row: row.drop("default").to_frame().T.to_csv(),),  # header and index
    ],
)
def csv_payload(fn):
    check_callable("csv_payload", fn)
    for customer in _CUSTOMERS:
        body = fn(customer.copy())
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        check_type("csv_payload(row)", body, str)
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) != 1:
            fail(f"`csv_payload(row)` has {len(lines)} lines: the body for one customer is one line of numbers, "
                 f"with no header row (the endpoint would read a header as a customer).")
        fields = lines[0].split(",")
        if len(fields) != len(FEATURES):
            fail(f"`csv_payload(row)` has {len(fields)} values ({lines[0]!r}), but the model reads "
                 f"{len(FEATURES)} features: student, balance, income (no label, no index).")
        try:
            values = [float(field) for field in fields]
        except ValueError:
            fail(f"`csv_payload(row)` is {lines[0]!r}: every value must be a number (booleans as 0/1).")
        check_close(f"the values of csv_payload(row) for {customer.to_dict()}", values, _expected_row(customer),
                    rtol=1e-9, hint="the features in the training order: student, balance, income")


# --- exercise: the answer ----------------------------------------------------------------------

_ANSWER = {"predictions": [{"score": 0.91, "predicted_label": 1}, {"score": 0.02, "predicted_label": 0},
                           {"score": 0.43, "predicted_label": 1}, {"score": 0.51, "predicted_label": 0}]}


@check.exercise(
    title="the predicted labels",
    hint="json.loads(body)['predictions'] is a list of {'score': ..., 'predicted_label': ...}: "
         "keep int(p['predicted_label']) of each",
    wrong=lambda: [
        (lambda body: [p["score"] for p in json.loads(body)["predictions"]],),
        (lambda body: [round(p["score"]) for p in json.loads(body)["predictions"]],),  # own 0.5 threshold
        (lambda body: json.loads(body)["predictions"],),
        (lambda body: [p["predicted_label"] for p in json.loads(body)["predictions"]][:1],),
    ],
)
def predicted_labels(fn):
    check_callable("predicted_labels", fn)
    body = json.dumps(_ANSWER).encode()
    labels = fn(body)
    if isinstance(labels, pd.Series):
        fail("`predicted_labels(body)` is a pandas Series, which carries its own index 0, 1, ...: the next cell "
             "assigns the labels to customers indexed by their row number, so they would land on the wrong rows "
             "(or NaN). Return a list: .tolist().")
    check_type("predicted_labels(body)", labels, (list, tuple, np.ndarray))
    labels = list(labels)
    if labels and isinstance(labels[0], dict):
        fail("`predicted_labels(body)` returns the prediction records: keep only each one's 'predicted_label'.")
    expected = [p["predicted_label"] for p in _ANSWER["predictions"]]
    if len(labels) != len(expected):
        fail(f"`predicted_labels(body)` has {len(labels)} labels for {len(expected)} predictions.")
    if any(float(label) not in (0.0, 1.0) for label in labels):
        fail(f"`predicted_labels(body)` is {labels}: labels are 0 or 1, the scores are probabilities.")
    check_equal("predicted_labels(body)", [int(label) for label in labels], expected,
                hint="use the model's predicted_label: its threshold is not always 0.5")


# --- exercise: the drifted feature -------------------------------------------------------------

_VIOLATIONS = [
    {"feature_name": "_c0", "constraint_check_type": "completeness_check", "description": "..."},
    {"feature_name": "_c2", "constraint_check_type": "baseline_drift_check", "description": "..."},
    {"feature_name": "_c3", "constraint_check_type": "baseline_drift_check", "description": "..."},
    {"feature_name": "", "constraint_check_type": "missing_column_check", "description": "..."},
]
_NAMES = ["age", "tenure", "balance", "income", "calls"]


@check.exercise(
    title="the drifted features",
    hint="keep the violations whose constraint_check_type is 'baseline_drift_check'; '_c2' is column 2 "
         "(0-based) of the features: feature_names[int(name[2:])]",
    wrong=lambda: [
        (lambda violations, names: [v["feature_name"] for v in violations
                                    if v["constraint_check_type"] == "baseline_drift_check"],),  # _c names
        (lambda violations, names: [names[int(v["feature_name"][2:])] for v in violations if v["feature_name"]],),
        (lambda violations, names: [names[int(v["feature_name"][2:]) - 1] for v in violations
                                    if v["constraint_check_type"] == "baseline_drift_check"],),  # 1-based
        (lambda violations, names: [names[int(v["feature_name"][2:]) + 1] for v in violations
                                    if v["constraint_check_type"] == "baseline_drift_check"],),  # label counted
    ],
)
def drifted_features(fn):
    check_callable("drifted_features", fn)
    answer = fn([dict(v) for v in _VIOLATIONS], list(_NAMES))
    check_type("drifted_features(violations, names)", answer, (list, tuple, set, pd.Series, np.ndarray))
    answer = [str(name) for name in answer]
    call = f"`drifted_features(violations, names)` is {answer}"
    if any(name.startswith("_c") for name in answer):
        fail(f"{call}: '_c2' is the monitor's name for column 2; return the feature's own name, "
             "feature_names[int(name[2:])].")
    if sorted(answer) in (["income", "tenure"], ["balance", "tenure"], ["balance", "calls"], ["calls", "income"]):
        fail(f"{call}: off by one. '_cN' counts from 0 over the features the endpoint receives (no label), "
             "so '_c2' is feature_names[2].")
    if "age" in answer:
        fail(f"{call}: 'age' has a completeness violation (missing values), not drift; keep only the "
             "violations whose constraint_check_type is 'baseline_drift_check'.")
    check_equal("drifted_features(violations, names)", sorted(answer), ["balance", "income"])
    check_equal("drifted_features([], names)", list(fn([], list(_NAMES))), [])


# --- exercise: the cost ------------------------------------------------------------------------

_COST_CASES = [(0.115, 1, 30), (0.23, 2, 7), (1.408, 3, 1.5)]


@check.exercise(
    title="the cost of an endpoint left running",
    hint="an endpoint bills every hour it is InService, for every instance: price x instances x 24 x days",
    wrong=lambda: [
        (lambda price_per_hour, instance_count, days: price_per_hour * days * 24,),  # one instance
        (lambda price_per_hour, instance_count, days: price_per_hour * instance_count * days,),  # per day
        (lambda price_per_hour, instance_count, days: price_per_hour * instance_count * days * 8,),  # office hours
        (lambda price_per_hour, instance_count, days: price_per_hour * instance_count * 24 * 30,),  # a month
    ],
)
def endpoint_cost(fn):
    check_callable("endpoint_cost", fn)
    for price, instances, days in _COST_CASES:
        call = f"endpoint_cost({price}, {instances}, {days})"
        expected = price * instances * 24 * days
        got = fn(price, instances, days)
        if got is None:
            fail(f"{call} returned None: did the function forget to `return` the cost?")
        slips = {
            "every instance is billed: multiply by instance_count": expected / instances,
            "the price is per hour, and a day has 24 billed hours": expected / 24,
            "an endpoint bills all 24 hours of a day, not office hours": expected / 3,
            "multiply by `days`, the time it was left running (not a fixed month)": price * instances * 24 * 30,
        }
        for slip, value in slips.items():
            if not np.isclose(value, expected) and np.isclose(float(np.asarray(got, dtype=float)), value):
                fail(f"{call} is {float(got):g}, but {expected:g} dollars are expected: {slip}.")
        # Rounded to the cent is a fine answer for dollars.
        check_close(call, got, expected, rtol=1e-6, atol=0.005)
