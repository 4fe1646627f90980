"""Lab 08: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from helpers.labchecks.lab08 import FEATURES, check
from variant_harness import accepts, rejects

# --- the request body ------------------------------------------------------------------------------


def test_csv_payload_accepts_joins_to_csv_ints_and_bytes():
    accepts(check.csv_payload, lambda row: ",".join(str(float(v)) for v in row.drop("default")))
    accepts(check.csv_payload, lambda row: row.drop("default").astype(float).to_frame().T.to_csv(header=False, index=False))
    accepts(check.csv_payload, lambda row: f"{int(row['student'])},{row['balance']},{row['income']}")
    accepts(check.csv_payload, lambda row: ",".join(map(str, np.asarray(row[FEATURES], dtype=float))).encode())

    def with_csv_module(row):
        import csv

        buffer = io.StringIO()
        csv.writer(buffer).writerow([float(row[c]) for c in FEATURES])
        return buffer.getvalue()

    accepts(check.csv_payload, with_csv_module)


def test_csv_payload_names_labels_headers_booleans_and_order():
    rejects(check.csv_payload, lambda row: ",".join(str(float(v)) for v in row), hint="no label")
    rejects(check.csv_payload, lambda row: "student,balance,income\n" + ",".join(str(float(row[c])) for c in FEATURES),
            hint="no header row")
    rejects(check.csv_payload, lambda row: ",".join(str(row[c]) for c in FEATURES), hint="booleans as 0/1")
    rejects(check.csv_payload, lambda row: ",".join(str(float(row[c])) for c in reversed(FEATURES)), hint="training order")
    rejects(check.csv_payload, lambda row: row.drop("default").astype(float).to_csv(header=False, index=False),
            hint="3 lines")


# --- the answer ------------------------------------------------------------------------------------


def test_predicted_labels_accepts_comprehensions_pandas_and_arrays():
    accepts(check.predicted_labels, lambda body: [int(p["predicted_label"]) for p in json.loads(body)["predictions"]])
    accepts(check.predicted_labels,
            lambda body: pd.DataFrame(json.loads(body.decode())["predictions"])["predicted_label"].tolist())
    accepts(check.predicted_labels, lambda body: np.array([p["predicted_label"] for p in json.loads(body)["predictions"]]))
    accepts(check.predicted_labels, lambda body: list(map(lambda p: p["predicted_label"], json.loads(body)["predictions"])))


def test_predicted_labels_names_scores_own_thresholds_and_records():
    rejects(check.predicted_labels, lambda body: [p["score"] for p in json.loads(body)["predictions"]],
            hint="the scores are probabilities")
    rejects(check.predicted_labels, lambda body: [round(p["score"]) for p in json.loads(body)["predictions"]],
            hint="its threshold is not always 0.5")
    rejects(check.predicted_labels, lambda body: json.loads(body)["predictions"], hint="keep only each one's")
    # ✔ then wrong rows: the next cell does risky.assign(predicted=...), and a Series aligns on its index.
    rejects(check.predicted_labels, lambda body: pd.DataFrame(json.loads(body)["predictions"])["predicted_label"],
            hint=["pandas Series", ".tolist()"])


# --- predict a table of customers (design) -------------------------------------------------------------


def _invoke(runtime, name, body, content_type="text/csv", accept="application/json"):
    return runtime.invoke_endpoint(EndpointName=name, ContentType=content_type, Accept=accept, Body=body)


def _labels(response):
    return [int(p["predicted_label"]) for p in json.loads(response["Body"].read())["predictions"]]


def _csv(frame):
    return frame.astype(float).to_csv(header=False, index=False)


def _one_request(runtime, endpoint_name, frame):
    return _labels(_invoke(runtime, endpoint_name, _csv(frame[FEATURES])))


def _row_by_row(runtime, endpoint_name, frame):
    labels = []
    for _, row in frame.iterrows():
        line = ",".join(str(float(row[c])) for c in FEATURES)
        labels += _labels(_invoke(runtime, endpoint_name, line.encode()))
    return labels


def _json_instances(runtime, endpoint_name, frame):
    body = json.dumps({"instances": [{"features": [float(v) for v in row]} for row in frame[FEATURES].to_numpy()]})
    response = _invoke(runtime, endpoint_name, body, content_type="application/json")
    return np.array([p["predicted_label"] for p in json.loads(response["Body"].read())["predictions"]])


def _jsonlines_answer_series(runtime, endpoint_name, frame):
    features = frame[FEATURES].astype({"student": int})  # booleans as 0/1 ints, the notebook's as_csv
    response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv", Accept="application/jsonlines",
                                       Body=features.to_csv(header=False, index=False))
    lines = response["Body"].read().decode().splitlines()
    return pd.Series([json.loads(line)["predicted_label"] for line in lines], index=frame.index)


def _no_accept_header(runtime, endpoint_name, frame):
    response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv", Body=_csv(frame[FEATURES]))
    return pd.DataFrame(json.loads(response["Body"].read())["predictions"])["predicted_label"].tolist()


def test_predict_rows_accepts_one_request_row_by_row_json_jsonlines_and_no_accept():
    accepts(check.predict_rows, _one_request)
    accepts(check.predict_rows, _row_by_row)
    accepts(check.predict_rows, _json_instances)
    accepts(check.predict_rows, _jsonlines_answer_series)
    accepts(check.predict_rows, _no_accept_header)


def test_predict_rows_names_the_label_content_type_stream_and_order():
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, _csv(frame.drop(columns=[], errors="ignore")))),
            hint=["4 values per customer", "label `default` is in it"])
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, _csv(frame[FEATURES]), "application/csv")),
            hint="ContentType='text/csv'")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, _csv(frame[FEATURES]), "csv")),
            hint="ContentType 'csv' is not a format")
    rejects(check.predict_rows, lambda rt, name, frame: [p["predicted_label"] for p in json.loads(
        _invoke(rt, name, _csv(frame[FEATURES]))["Body"])["predictions"]], hint="StreamingBody")

    def read_twice(rt, name, frame):
        response = _invoke(rt, name, _csv(frame[FEATURES]))
        print(len(response["Body"].read()), "bytes")
        return _labels(response)

    rejects(check.predict_rows, read_twice, hint="read only once")
    rejects(check.predict_rows, lambda rt, name, frame: _one_request(rt, name, frame.sort_index()), hint="in another order")
    rejects(check.predict_rows, lambda rt, name, frame: pd.Series(_one_request(rt, name, frame)),
            hint=["pandas Series indexed 0, 1", "wrong rows"])


def test_predict_rows_names_scores_thresholds_headers_booleans_and_the_endpoint():
    def scores(rt, name, frame):
        return [p["score"] for p in json.loads(_invoke(rt, name, _csv(frame[FEATURES]))["Body"].read())["predictions"]]

    rejects(check.predict_rows, scores, hint="those are the scores")
    rejects(check.predict_rows, lambda rt, name, frame: [round(s) for s in scores(rt, name, frame)], hint="not 0.5")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, _csv(frame[FEATURES]), accept="text/csv")),
            hint="Accept 'text/csv' is not a format")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(
        rt, name, frame[FEATURES].astype(float).to_csv(index=False))), hint="header row")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(
        rt, name, frame[FEATURES].to_csv(header=False, index=False))), hint="True/False")
    rejects(check.predict_rows, lambda rt, name, frame: _one_request(rt, name, frame.drop(columns="default")),
            hint="no `default` column here")
    rejects(check.predict_rows, lambda rt, name, frame: _one_request(rt, "credit-default", frame),
            hint="not the `endpoint_name` it was given")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, _csv(frame[FEATURES[::-1]]))),
            hint="another order: the model reads them in the training order")
    rejects(check.predict_rows, lambda rt, name, frame: [1] * len(frame), hint="made no request")
    rejects(check.predict_rows, lambda rt, name, frame: _labels(_invoke(rt, name, frame[FEATURES])),
            hint=["boto3 refused the call", "not a DataFrame"])


# --- the drifted features ------------------------------------------------------------------------------


def test_drifted_features_accepts_comprehensions_loops_and_pandas():
    accepts(check.drifted_features, lambda vs, names: [names[int(v["feature_name"][2:])] for v in vs
                                                        if v["constraint_check_type"] == "baseline_drift_check"])

    def loop(violations, names):
        out = []
        for v in violations:
            if "drift" in v["constraint_check_type"]:
                out.append(names[int(v["feature_name"].replace("_c", ""))])
        return out

    def with_pandas(violations, names):
        frame = pd.DataFrame(violations, columns=["feature_name", "constraint_check_type", "description"])
        drift = frame[frame["constraint_check_type"] == "baseline_drift_check"]
        return [names[int(n.lstrip("_c"))] for n in drift["feature_name"]]

    accepts(check.drifted_features, loop)
    accepts(check.drifted_features, with_pandas)


def test_drifted_features_names_c_names_off_by_one_and_other_checks():
    drift = lambda vs: [v for v in vs if v["constraint_check_type"] == "baseline_drift_check"]  # noqa: E731
    rejects(check.drifted_features, lambda vs, names: [v["feature_name"] for v in drift(vs)], hint="feature_names[int(name[2:])]")
    rejects(check.drifted_features, lambda vs, names: [names[int(v["feature_name"][2:]) - 1] for v in drift(vs)], hint="off by one")
    rejects(check.drifted_features, lambda vs, names: [names[int(v["feature_name"][2:]) + 1] for v in drift(vs)], hint="off by one")
    rejects(check.drifted_features, lambda vs, names: [names[int(v["feature_name"][2:])] for v in vs if v["feature_name"]],
            hint="completeness violation")


# --- the cost ------------------------------------------------------------------------------------------


def test_endpoint_cost_accepts_formulas_hours_and_cents():
    accepts(check.endpoint_cost, lambda price, n, days: price * n * 24 * days)
    accepts(check.endpoint_cost, lambda price, n, days: days * 24 * n * price)
    accepts(check.endpoint_cost, lambda price, n, days: round(price * n * days * 24, 2))
    accepts(check.endpoint_cost, lambda price, n, days: sum(price * n for _ in range(int(days * 24))))


def test_endpoint_cost_names_instances_hours_office_hours_and_months():
    rejects(check.endpoint_cost, lambda price, n, days: price * days * 24, hint="instance_count")
    rejects(check.endpoint_cost, lambda price, n, days: price * n * days, hint="24 billed hours")
    rejects(check.endpoint_cost, lambda price, n, days: price * n * days * 8, hint="not office hours")
    rejects(check.endpoint_cost, lambda price, n, days: price * n * 24 * 30, hint="not a fixed month")


# --- always-on, autoscaled, serverless or batch ------------------------------------------------------

RIGHT = {"HR assistant": ("serverless", ["idle", "wait-ok"]), "card payments": ("always-on", ["steady", "instant"]),
         "shop recommendations": ("autoscaled", ["swings", "instant"]), "nightly churn scores": ("batch transform", ["offline"])}


def with_entry(name, entry):
    return {**RIGHT, name: entry}


def test_scaling_decisions_accepts_pairs_dicts_tables_and_loose_spelling():
    accepts(check.scaling_decisions, RIGHT)
    accepts(check.scaling_decisions, {name: {"option": option, "reasons": set(reasons)} for name, (option, reasons) in RIGHT.items()})
    accepts(check.scaling_decisions, pd.DataFrame({"option": [o for o, _ in RIGHT.values()],
                                                   "reasons": [r for _, r in RIGHT.values()]}, index=list(RIGHT)))
    accepts(check.scaling_decisions, {name: [option.upper(), tuple(reasons)] for name, (option, reasons) in RIGHT.items()})
    # One decisive reason is enough; a single reason may be a string; order of the scenarios does not matter.
    accepts(check.scaling_decisions, dict(reversed([(name, (option, reasons[0])) for name, (option, reasons) in RIGHT.items()])))


def test_scaling_decisions_names_each_wrong_choice_by_its_cost_or_its_user():
    rejects(check.scaling_decisions, with_entry("HR assistant", ("always-on", ["idle"])), hint="bills 24 hours a day")
    rejects(check.scaling_decisions, with_entry("HR assistant", ("autoscaled", ["idle"])), hint="never goes below MinCapacity")
    rejects(check.scaling_decisions, with_entry("card payments", ("serverless", ["steady"])), hint="cold start")
    rejects(check.scaling_decisions, with_entry("card payments", ("autoscaled", ["steady"])), hint="nothing to follow")
    rejects(check.scaling_decisions, with_entry("shop recommendations", ("always-on", ["swings"])),
            hint="sized for the advert's peak")
    rejects(check.scaling_decisions, with_entry("shop recommendations", ("serverless", ["swings"])), hint="cold starts")
    rejects(check.scaling_decisions, with_entry("nightly churn scores", ("serverless", ["offline"])),
            hint="nobody waits for these answers")
    rejects(check.scaling_decisions, with_entry("HR assistant", ("batch transform", ["idle"])), hint="staff wait")


def test_scaling_decisions_names_false_missing_and_unknown_reasons():
    rejects(check.scaling_decisions, with_entry("card payments", ("always-on", ["steady", "idle"])),
            hint="'idle' (the endpoint would sit idle most of the day) is not true of 'card payments'")
    rejects(check.scaling_decisions, with_entry("shop recommendations", ("autoscaled", ["instant"])),
            hint="miss the fact that decides it")
    rejects(check.scaling_decisions, with_entry("HR assistant", ("serverless", [])), hint="no reasons")
    rejects(check.scaling_decisions, with_entry("HR assistant", ("serverless", ["cheap"])), hint="not in the printed list")


def test_scaling_decisions_names_shapes_it_cannot_read():
    rejects(check.scaling_decisions, {name: RIGHT[name] for name in list(RIGHT)[:3]}, hint="decide all 4 scenarios")
    rejects(check.scaling_decisions, {**RIGHT, "HR bot": RIGHT["HR assistant"]}, hint="not a scenario")
    rejects(check.scaling_decisions, with_entry("HR assistant", ("lambda", ["idle"])), hint="not one of the options")
    rejects(check.scaling_decisions, with_entry("HR assistant", "serverless"), hint="give a pair (option, [reasons])")
    rejects(check.scaling_decisions, with_entry("HR assistant", {"option": "serverless"}), hint="without 'reasons'")
    rejects(check.scaling_decisions, list(RIGHT.items()), hint="a dict keyed by the scenario names")


# --- does the device agree with the model it replaces? ------------------------------------------------


def test_compare_models_accepts_numpy_predict_loops_pandas_and_float32():
    def with_numpy(reference, candidate, X):
        expected, got = reference.predict_proba(X), candidate.predict_proba(X)
        return float(np.mean(expected.argmax(axis=1) == got.argmax(axis=1))), float(np.abs(expected - got).max())

    def with_predict(reference, candidate, X):  # predict() gives the labels; a list as the pair
        agreement = (reference.predict(X) == candidate.predict(X)).mean()
        return [agreement, np.max(np.abs(reference.predict_proba(X) - candidate.predict_proba(X)))]

    def row_by_row(reference, candidate, X):  # as a device scores readings: one call per row
        same, worst = 0, 0.0
        for i in range(len(X)):
            a, b = reference.predict_proba(X[i:i + 1])[0], candidate.predict_proba(X[i:i + 1])[0]
            same += int(a.argmax() == b.argmax())
            worst = max(worst, *(abs(x - y) for x, y in zip(a, b)))
        return same / len(X), worst

    def with_pandas_and_a_threshold(reference, candidate, X):  # two classes: P(failure) > 0.5 is the argmax
        frame = pd.DataFrame({"ref": reference.predict_proba(X)[:, 1], "cand": candidate.predict_proba(X)[:, 1]})
        return ((frame["ref"] > 0.5) == (frame["cand"] > 0.5)).mean(), (frame["ref"] - frame["cand"]).abs().max()

    def in_float32(reference, candidate, X):
        expected = reference.predict_proba(X).astype(np.float32)
        got = candidate.predict_proba(X).astype(np.float32)
        return np.float32(np.mean(np.argmax(expected, 1) == np.argmax(got, 1))), np.float32(np.abs(expected - got).max())

    for style in (with_numpy, with_predict, row_by_row, with_pandas_and_a_threshold, in_float32):
        accepts(check.compare_models, style)


def _labels_agree(reference, candidate, X):
    return np.mean(reference.predict(X) == candidate.predict(X))


def _abs_diff(reference, candidate, X):
    return np.abs(reference.predict_proba(X).astype(float) - candidate.predict_proba(X))


def test_compare_models_names_counts_percentages_disagreement_and_the_wrong_axis():
    rejects(check.compare_models, lambda r, c, X: (_labels_agree(r, c, X) * len(X), _abs_diff(r, c, X).max()),
            hint="a count of rows")
    rejects(check.compare_models, lambda r, c, X: (100 * _labels_agree(r, c, X), _abs_diff(r, c, X).max()),
            hint="a percentage")
    rejects(check.compare_models, lambda r, c, X: (1 - _labels_agree(r, c, X), _abs_diff(r, c, X).max()),
            hint="whose labels differ")
    rejects(check.compare_models,
            lambda r, c, X: (np.mean(r.predict_proba(X).argmax(axis=0) == c.predict_proba(X).argmax(axis=0)),
                             _abs_diff(r, c, X).max()),
            hint="axis=1")


def test_compare_models_names_signed_and_averaged_differences():
    rejects(check.compare_models,
            lambda r, c, X: (_labels_agree(r, c, X), (r.predict_proba(X)[:, 1] - c.predict_proba(X)[:, 1]).max()),
            hint="a signed difference")
    rejects(check.compare_models,  # P(failure) only: with both columns the signed maximum is the absolute one
            lambda r, c, X: (_labels_agree(r, c, X), (c.predict_proba(X)[:, 1] - r.predict_proba(X)[:, 1]).max()),
            hint="absolute value before the maximum")
    rejects(check.compare_models, lambda r, c, X: (_labels_agree(r, c, X), _abs_diff(r, c, X).mean()),
            hint="an average")
    rejects(check.compare_models, lambda r, c, X: (_labels_agree(r, c, X), _abs_diff(r, c, X)[:, 1].mean()),
            hint="an average")


def test_compare_models_names_shapes_it_cannot_read():
    rejects(check.compare_models,
            lambda r, c, X: {"agreement": _labels_agree(r, c, X), "worst": _abs_diff(r, c, X).max()},
            hint="return a pair (agreement, worst)")
    rejects(check.compare_models, lambda r, c, X: _labels_agree(r, c, X), hint="return a pair")
    rejects(check.compare_models, lambda r, c, X: (_labels_agree(r, c, X), "worst"), hint="two numbers")
    rejects(check.compare_models,  # a row passed as a 1-D array: what ONNX Runtime refuses too
            lambda r, c, X: (np.mean([r.predict_proba(x).argmax() == c.predict_proba(x).argmax() for x in X]), 0.0),
            hint="for one row pass X[i:i + 1]")
