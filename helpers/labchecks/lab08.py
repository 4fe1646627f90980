"""Checks for 08_deployment: the CSV body of one request, reading a linear-learner answer, predicting a table
of customers through boto3 (against a stand-in endpoint answered in-process), naming the drifted feature of a
monitoring report, the cost of an endpoint left running, and choosing always-on, autoscaled, serverless or
batch for four scenarios (with reasons from a printed list), and comparing a quantized edge model with the
model it replaces (label agreement, worst probability difference)."""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd

from helpers.checks import LabChecks, check_callable, check_close, check_equal, check_type, fail
from helpers.scaling.decisions import OPTIONS, REASONS, SCENARIOS

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


# --- exercise: predict a table of customers (design) ---------------------------------------------

PREDICT_HINT = (
    "select the features in the training order (the frame may or may not hold the label), make a CSV body, "
    "call runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType='text/csv', Accept='application/json', "
    "Body=...), .read() the answer's Body once and keep each prediction's predicted_label, in row order"
)
_STAND_IN_THRESHOLD = 0.3  # not 0.5: rounding the score is a different model
CHECK_ENDPOINT = "credit-default-check"  # the stand-in endpoint's name; any other name is not found


def _stand_in_scores(features: np.ndarray) -> np.ndarray:
    """P(default) of the stand-in model, from (n, 3) rows of student, balance, income."""
    student, balance, income = features[:, 0], features[:, 1], features[:, 2]
    logit = 0.006 * (balance - 1500.0) - 0.8 * student + 0.00002 * (income - 30000.0)
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))  # clipped: a wrong column order gives huge logits


def _customers_frame(seed: int, n: int, with_label: bool) -> pd.DataFrame:
    """Customers shaped like the notebook's `credit` (booleans for default and student), with a shuffled index.

    Sorted by balance, largest first, as the notebook's `risky` is: row order and index order differ.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "default": rng.random(n) < 0.3,
        "student": rng.random(n) < 0.4,
        "balance": np.round(rng.uniform(900.0, 2300.0, n), 2),
        "income": np.round(rng.uniform(8000.0, 60000.0, n), 2),
    }, index=rng.permutation(np.arange(100, 100 + n)))
    frame = frame.sort_values("balance", ascending=False)
    return frame if with_label else frame[FEATURES]


def _expected_labels(frame: pd.DataFrame) -> list[int]:
    scores = _stand_in_scores(frame[FEATURES].to_numpy(dtype=float))
    return (scores > _STAND_IN_THRESHOLD).astype(int).tolist()


class _StandInEndpoint:
    """A boto3 sagemaker-runtime client whose InvokeEndpoint is answered here, as the notebook's endpoint would.

    The client is boto3's own (its parameter checks, its StreamingBody, its ModelError and ValidationError);
    a ``before-call`` hook answers instead of the network, reading the request with linear-learner's own
    request parser and answering in its formats. Every request is kept in ``requests`` for the check to judge.
    """

    def __init__(self):
        import boto3

        self.client = boto3.session.Session(aws_access_key_id="check", aws_secret_access_key="check",
                                            region_name="us-east-1").client("sagemaker-runtime")
        self.requests: list[dict] = []
        self.client.meta.events.register("before-call.sagemaker-runtime", self._answer)

    def _answer(self, params, model, **_):
        from botocore.response import StreamingBody

        from helpers.algorithms.errors import InferenceError
        from helpers.algorithms.linear_learner import LinearLearner
        from helpers.algorithms.payloads import check_features

        if model.name != "InvokeEndpoint":
            return self._error(400, "ValidationError", f"the check's stand-in answers InvokeEndpoint only, not {model.name}.")
        headers = {key.lower(): value for key, value in params["headers"].items()}
        body = params["body"]
        body = body.read() if hasattr(body, "read") else body
        body = body.encode() if isinstance(body, str) else bytes(body)
        name = params["url_path"].split("/")[2] if params["url_path"].count("/") >= 3 else ""
        request = {"endpoint": name, "content_type": headers.get("content-type"), "accept": headers.get("accept"),
                   "body": body, "rows": None, "status": 200}
        self.requests.append(request)
        if name != CHECK_ENDPOINT:
            request["status"] = 400
            return self._error(400, "ValidationError", f"Endpoint {name} of account 000000000000 not found.")
        algorithm = LinearLearner()
        try:
            features = algorithm.input_fn(body, request["content_type"])
            request["rows"] = features
            features = check_features(features, len(FEATURES))
            scores = _stand_in_scores(features)
            records = [{"score": float(s), "predicted_label": int(s > _STAND_IN_THRESHOLD)} for s in scores]
            answer, mime = algorithm.output_fn(records, request["accept"])
        except InferenceError as error:
            request["status"] = error.status_code
            message = f'Received client error ({error.status_code}) from primary with message "{error}".'
            return self._error(424, "ModelError", message, OriginalStatusCode=error.status_code, OriginalMessage=str(error))
        return SimpleNamespace(status_code=200, headers={}), {
            "Body": StreamingBody(io.BytesIO(answer), len(answer)), "ContentType": mime,
            "InvokedProductionVariant": "AllTraffic", "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}},
        }

    @staticmethod
    def _error(status: int, code: str, message: str, **fields):
        return SimpleNamespace(status_code=status, headers={}), {
            "Error": {"Code": code, "Message": message}, **fields,
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
        }


def _request_mistake(requests: list[dict], frame: pd.DataFrame) -> str | None:
    """What the requests sent for ``frame`` got wrong, in the learner's terms; None when they look right."""
    if not requests:
        return ("it made no request through the client it was given: call runtime.invoke_endpoint(...) "
                "on the `runtime` argument (do not make a client of your own).")
    for request in requests:
        if request["endpoint"] != CHECK_ENDPOINT:
            return (f"it called the endpoint {request['endpoint']!r}, not the `endpoint_name` it was given "
                    f"({CHECK_ENDPOINT!r}): use the argument, not a name from elsewhere in the notebook.")
        if request["status"] == 415:
            return (f"ContentType {request['content_type']!r} is not a format the endpoint reads: a CSV body is "
                    "sent with ContentType='text/csv'.")
        if request["status"] == 406:
            return (f"Accept {request['accept']!r} is not a format linear-learner writes: ask for "
                    "'application/json' (or 'application/jsonlines').")
        text = request["body"].decode("utf-8", "replace")
        if request["status"] == 400 and any(name in text for name in FEATURES + ["default"]):
            return "the body has a header row: the endpoint reads every line as a customer (to_csv(header=False))."
        if request["status"] == 400 and any(word in text for word in ("True", "False")):
            return "the body holds True/False: the model reads numbers, booleans as 0/1."
        rows = request["rows"]
        if rows is not None and rows.ndim == 2 and rows.shape[1] == len(FEATURES) + 1:
            return (f"the body has {rows.shape[1]} values per customer: the label `default` is in it. Send the "
                    "features only, frame[FEATURES] (the frame may or may not hold the label).")
        if request["status"] == 400 and rows is not None and rows.ndim == 2 and rows.shape[1] > len(FEATURES):
            return (f"the body has {rows.shape[1]} values per customer, but the model reads {len(FEATURES)}: "
                    "the index is in it? (to_csv(index=False))")
        if request["status"] != 200:
            return f"the endpoint could not read a request (status {request['status']}): {text[:80]!r}."
    sent = np.concatenate([r["rows"] for r in requests])
    expected = frame[FEATURES].to_numpy(dtype=float)
    if sent.shape == expected.shape and not np.allclose(sent, expected):
        for order in ([2, 1, 0], [1, 0, 2], [0, 2, 1], [1, 2, 0], [2, 0, 1]):
            if np.allclose(sent, expected[:, order]):
                return "the features are in another order: the model reads them in the training order, FEATURES."
    return None


@check.exercise(
    title="predict a table of customers",
    hint=PREDICT_HINT,
    wrong=lambda: [
        (lambda runtime, endpoint_name, frame: [0] * len(frame),),  # no request at all
        (lambda runtime, endpoint_name, frame: predicted_labels_from(runtime.invoke_endpoint(
            EndpointName=endpoint_name, ContentType="text/csv", Accept="application/json",
            Body=frame.astype(float).to_csv(header=False, index=False))),),  # the label left in
        (lambda runtime, endpoint_name, frame: predicted_labels_from(runtime.invoke_endpoint(
            EndpointName=endpoint_name, ContentType="application/csv", Accept="application/json",
            Body=frame[FEATURES].astype(float).to_csv(header=False, index=False))),),  # wrong ContentType
        (lambda runtime, endpoint_name, frame: [p["predicted_label"] for p in json.loads(runtime.invoke_endpoint(
            EndpointName=endpoint_name, ContentType="text/csv", Accept="application/json",
            Body=frame[FEATURES].astype(float).to_csv(header=False, index=False))["Body"])["predictions"]],),
        (lambda runtime, endpoint_name, frame: predicted_labels_from(runtime.invoke_endpoint(
            EndpointName=endpoint_name, ContentType="text/csv", Accept="application/json",
            Body=frame[FEATURES].sort_index().astype(float).to_csv(header=False, index=False))),),  # order lost
    ],
)
def predict_rows(fn):
    check_callable("predict_rows", fn)
    cases = [("8 customers, label included, sorted by balance (like `risky`)", _customers_frame(801, 8, True)),
             ("50 customers, features only (like the monitoring traffic)", _customers_frame(802, 50, False)),
             ("one customer", _customers_frame(803, 1, True))]
    for what, frame in cases:
        endpoint = _StandInEndpoint()
        call = f"predict_rows(runtime, endpoint_name, frame) for {what}"
        try:
            labels = fn(endpoint.client, CHECK_ENDPOINT, frame.copy())
        except Exception as error:  # noqa: BLE001 - name what the requests got wrong before the learner's error
            mistake = _request_mistake(endpoint.requests, frame) if endpoint.requests else None
            if mistake:
                fail(f"{call}: {mistake}", PREDICT_HINT)
            if type(error).__name__ == "ParamValidationError":  # botocore refused the call before sending it
                given = re.search(r"type: <class '([\w.]+)'>", str(error))  # botocore's message quotes the value
                what = f" (it was given a {given.group(1)})" if given else ""
                fail(f"{call}: boto3 refused the call to invoke_endpoint before sending it{what}: the Body is text "
                     "or bytes (a CSV string), not a DataFrame or a list.", PREDICT_HINT)
            if "StreamingBody" in str(error):
                fail(f"{call}: response['Body'] is a stream (a StreamingBody), not the answer's bytes: read it "
                     "once with response['Body'].read(), then parse the JSON.", PREDICT_HINT)
            if isinstance(error, json.JSONDecodeError) and not error.doc:
                fail(f"{call}: the answer's body was empty when parsed: a StreamingBody can be read only once, so "
                     "keep what the first .read() returned and parse that.", PREDICT_HINT)
            if isinstance(error, KeyError) and "default" in str(error):
                fail(f"{call}: the frame has no `default` column here (the monitoring traffic sends features "
                     "only): select the features the model reads, frame[FEATURES], instead of dropping the label.",
                     PREDICT_HINT)
            raise
        mistake = _request_mistake(endpoint.requests, frame)
        if mistake:
            fail(f"{call}: {mistake}", PREDICT_HINT)
        _judge_labels(call, labels, frame)


def predicted_labels_from(response) -> list[int]:
    """Wrong answers' shared tail: the labels of a linear-learner JSON answer."""
    return [int(p["predicted_label"]) for p in json.loads(response["Body"].read())["predictions"]]


def _judge_labels(call: str, labels, frame: pd.DataFrame) -> None:
    expected = _expected_labels(frame)
    if labels is None:
        fail(f"{call} returned None: did the function forget to `return` the labels?", PREDICT_HINT)
    if isinstance(labels, pd.DataFrame):
        fail(f"{call} returned a table: return one label per row (a list).", PREDICT_HINT)
    if isinstance(labels, pd.Series) and not labels.index.equals(frame.index):
        fail(f"{call} is a pandas Series indexed 0, 1, ..., but the frame's index is {list(frame.index[:3])}...: "
             "frame.assign(predicted=...) aligns on the index and would put the labels on the wrong rows. "
             "Return a list (.tolist()), in the frame's row order.", PREDICT_HINT)
    check_type(call, labels, (list, tuple, np.ndarray, pd.Series), PREDICT_HINT)
    values = list(np.asarray(labels).reshape(-1)) if not isinstance(labels, (list, tuple)) else list(labels)
    if values and isinstance(values[0], dict):
        fail(f"{call} returns the prediction records: keep only each one's 'predicted_label'.", PREDICT_HINT)
    if len(values) != len(expected):
        fail(f"{call} has {len(values)} labels for {len(frame)} rows: one label per row.", PREDICT_HINT)
    try:
        numbers = [float(value) for value in values]
    except (TypeError, ValueError):
        fail(f"{call} is {values[:4]}...: labels are the numbers 0 or 1.", PREDICT_HINT)
    if any(number not in (0.0, 1.0) for number in numbers):
        fail(f"{call} is {[round(n, 3) for n in numbers[:4]]}...: labels are 0 or 1; those are the scores "
             "(probabilities). Keep each prediction's predicted_label.", PREDICT_HINT)
    got = [int(number) for number in numbers]
    if got == expected:
        return
    scores = _stand_in_scores(frame[FEATURES].to_numpy(dtype=float))
    if got == (scores >= 0.5).astype(int).tolist():
        fail(f"{call}: these are the scores rounded at 0.5, but the model's own threshold is not 0.5: keep "
             "each prediction's predicted_label.", PREDICT_HINT)
    if sorted(got) == sorted(expected):
        fail(f"{call}: the right labels, in another order: the i-th label must belong to the frame's i-th row "
             "(send the rows in their order, and keep the answers in theirs).", PREDICT_HINT)
    check_equal(call, got, expected, PREDICT_HINT)


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


# --- exercise: always-on, autoscaled, serverless or batch? -------------------------------------------

_RIGHT = {  # scenario -> (option, the reason that decides it, reasons that are false of the scenario)
    "HR assistant": ("serverless", "idle", {"steady", "swings", "instant", "offline"}),
    "card payments": ("always-on", "steady", {"idle", "swings", "wait-ok", "offline"}),
    "shop recommendations": ("autoscaled", "swings", {"idle", "steady", "wait-ok", "offline"}),
    "nightly churn scores": ("batch transform", "offline", {"steady", "swings", "instant"}),
}
_WHY_NOT = {  # (scenario, a wrong option) -> what the measured day or the scenario says against it
    ("HR assistant", "always-on"): "an always-on instance bills 24 hours a day for a few minutes of work "
                                   "(the sparse day of the comparison: dollars against a fraction of a cent serverless)",
    ("HR assistant", "autoscaled"): "autoscaling never goes below MinCapacity (at least one instance, billed all day "
                                    "while the endpoint sits idle)",
    ("HR assistant", "batch transform"): "staff wait for the answer to their question: a batch job scores files",
    ("card payments", "serverless"): "a cold start would hold a payment for seconds, and with requests every moment "
                                     "all day, paying per request costs more than a busy instance (the steady day)",
    ("card payments", "autoscaled"): "steady traffic leaves autoscaling nothing to follow, and its target keeps "
                                     "headroom you pay for (the steady day of the comparison: more instance-hours than always-on)",
    ("card payments", "batch transform"): "the payment waits for the answer: a batch job answers hours later",
    ("shop recommendations", "always-on"): "a fleet sized for the advert's peak bills that peak all day (the spiky "
                                           "day of the comparison: the dearest option)",
    ("shop recommendations", "serverless"): "cold starts after the quiet night, and at thousands of requests a "
                                            "minute paying per request costs more than instances kept near their target",
    ("shop recommendations", "batch transform"): "shoppers wait for their recommendations: a batch job answers hours later",
}
_NO_ENDPOINT = ("nobody waits for these answers, so no endpoint needs to run at all: a batch transform job bills "
                "only while it scores the file (section 5)")


def _decision(scenario: str, entry) -> tuple[str, set[str]]:
    """(option, reasons) from a tuple, a list, or a dict with 'option' and 'reasons'."""
    if isinstance(entry, pd.Series):
        entry = entry.to_dict()
    if isinstance(entry, dict):
        missing = [key for key in ("option", "reasons") if key not in entry]
        if missing:
            fail(f"the decision for {scenario!r} is a dict without {missing[0]!r}: give "
                 "{'option': ..., 'reasons': [...]} or a pair (option, [reasons])")
        option, reasons = entry["option"], entry["reasons"]
    elif isinstance(entry, (tuple, list)) and len(entry) == 2:
        option, reasons = entry
    else:
        fail(f"the decision for {scenario!r} is {entry!r}: give a pair (option, [reasons]), e.g. "
             f"({OPTIONS[0]!r}, ['...'])")
    if not isinstance(option, str):
        fail(f"the option for {scenario!r} is {option!r}: one of the printed options, as a string")
    reasons = [reasons] if isinstance(reasons, str) else list(reasons)
    return option.strip().lower(), {str(reason).strip().lower() for reason in reasons}


def _decisions(answer) -> dict[str, tuple[str, set[str]]]:
    if isinstance(answer, pd.DataFrame):
        answer = {name: row for name, row in answer.iterrows()}
    check_type("decisions", answer, dict, hint="a dict keyed by the scenario names of SCENARIOS")
    unknown = [name for name in answer if name not in SCENARIOS]
    if unknown:
        fail(f"`decisions` has {unknown[0]!r}, which is not a scenario: the keys are the printed scenario names, "
             + ", ".join(repr(name) for name in SCENARIOS))
    for name in SCENARIOS:
        if name not in answer:
            fail(f"`decisions` has no entry for {name!r}: decide all {len(SCENARIOS)} scenarios")
    return {name: _decision(name, answer[name]) for name in SCENARIOS}


@check.exercise(
    title="always-on, autoscaled, serverless or batch",
    hint="for each scenario ask how the traffic moves over a day and who waits for the answer",
    wrong=lambda: [
        ({name: ("always-on", [why]) for name, (_, why, _) in _RIGHT.items()},),  # always-on everywhere
        ({name: ("autoscaled", [why]) for name, (_, why, _) in _RIGHT.items()},),  # autoscaled everywhere
        ({**{name: (option, [why]) for name, (option, why, _) in _RIGHT.items()},
          "card payments": ("serverless", ["steady"])},),
        ({name: (option, []) for name, (option, _, _) in _RIGHT.items()},),  # no reasons
        ({name: (option, [why, "steady"]) for name, (option, why, _) in _RIGHT.items()},),  # a false reason
    ],
)
def scaling_decisions(answer):
    decided = _decisions(answer)
    for name, (option, reasons) in decided.items():
        if option not in OPTIONS:
            fail(f"{option!r} for {name!r} is not one of the options: " + ", ".join(repr(o) for o in OPTIONS))
        unknown = sorted(reasons - set(REASONS))
        if unknown:
            fail(f"reason {unknown[0]!r} for {name!r} is not in the printed list: use its keys, "
                 + ", ".join(repr(key) for key in REASONS))
    for name, (option, reasons) in decided.items():
        right, decisive, false = _RIGHT[name]
        if option != right:
            fail(f"{option!r} for {name!r}: " + _WHY_NOT.get((name, option), _NO_ENDPOINT))
        if not reasons:
            fail(f"no reasons for {name!r}: pick the facts of the scenario that decide it from REASONS")
        wrong = sorted(reasons & false)
        if wrong:
            fail(f"reason {wrong[0]!r} ({REASONS[wrong[0]]}) is not true of {name!r}: reread its description")
        if decisive not in reasons:
            fail(f"the reasons for {name!r} ({', '.join(sorted(reasons))}) miss the fact that decides it: what does "
                 "its traffic look like over a day, and who waits for the answer?")


# --- exercise: does the device agree with the model it replaces? ---------------------------------

_EDGE_ROWS = 40  # test rows per comparison: enough for a share like 0.925 to tell a count from a share
_EDGE_FEATURES = 8  # the maintenance matrix's columns (helpers.edge.FEATURES)


class _StandIn:
    """A fitted classifier as the notebook passes it (a scikit-learn pipeline or an ``edge.EdgeModel``):
    ``predict_proba(X)`` -> ``[N, 2]``, ``predict(X)`` -> ``[N]`` labels, both row by row, so scoring the rows
    one call each gives what one call on all of them gives. A row is known by its last column (tool wear)."""

    def __init__(self, p_failure: dict[float, float], dtype=np.float64):
        self._p_failure, self._dtype = p_failure, dtype

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != _EDGE_FEATURES:
            raise ValueError(f"predict_proba takes a 2-D array [N, {_EDGE_FEATURES}], got shape {X.shape}: "
                             "for one row pass X[i:i + 1]")
        p = np.array([self._p_failure[float(row[-1])] for row in X])
        return np.column_stack([1 - p, p]).astype(self._dtype)

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


def _edge_case(seed: int, flips: int, shift: float) -> tuple[_StandIn, _StandIn, np.ndarray, float, float]:
    """(reference, candidate, X, agreement, worst): ``flips`` rows change label; the largest probability
    change is ``shift`` (its sign says which model is higher), the others are smaller."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(_EDGE_ROWS, _EDGE_FEATURES)).astype(np.float32)
    X[:, -1] = np.arange(_EDGE_ROWS, dtype=np.float32) * 2.0  # tool wear: a distinct value per row
    p = np.where(np.arange(_EDGE_ROWS) % 5 == 0, rng.uniform(0.6, 0.9, _EDGE_ROWS), rng.uniform(0.02, 0.3, _EDGE_ROWS))
    q = np.clip(p + rng.uniform(-0.02, 0.02, _EDGE_ROWS), 0.001, 0.999)
    flipped = rng.choice(np.flatnonzero(np.arange(_EDGE_ROWS) % 5 != 0), size=flips, replace=False)
    q[flipped] = 0.55  # from below 0.3 to above 0.5: a changed label, a change of 0.25..0.53
    big = int(np.flatnonzero(np.arange(_EDGE_ROWS) % 5 == 0)[1])
    q[big] = p[big] + shift  # the largest change of all, of the given sign
    wear = [float(w) for w in X[:, -1]]
    reference = _StandIn(dict(zip(wear, p)))
    candidate = _StandIn(dict(zip(wear, q.astype(np.float32).astype(float))), dtype=np.float32)  # like ONNX
    expected, got = reference.predict_proba(X).astype(float), candidate.predict_proba(X).astype(float)
    agreement = float(np.mean(expected.argmax(axis=1) == got.argmax(axis=1)))
    return reference, candidate, X, agreement, float(np.abs(expected - got).max())


def _edge_cases():
    same = _edge_case(5, flips=0, shift=0.0)
    identical = (same[0], same[0], same[2], 1.0, 0.0)  # a model against itself
    # the flips raise the candidate's probability by 0.25..0.53; a drop of 0.6 (which flips a label too) is larger
    return [identical, _edge_case(1, flips=3, shift=-0.6), _edge_case(2, flips=2, shift=0.0)]


def _pair(answer) -> tuple[float, float]:
    if isinstance(answer, dict):
        fail("`compare_models` returned a dict: return a pair (agreement, worst), e.g. `return agreement, worst`")
    if not isinstance(answer, (tuple, list, np.ndarray)) or len(answer) != 2:
        fail(f"`compare_models` returned {answer!r}: return a pair (agreement, worst)")
    try:
        return float(answer[0]), float(answer[1])
    except (TypeError, ValueError):
        fail(f"`compare_models` returned {answer!r}: agreement and worst are two numbers")


@check.exercise(
    title="does the device agree with the model it replaces",
    hint="labels: the class with the highest probability in each row; agreement: the share of rows whose labels "
         "are equal; worst: the largest absolute probability difference over all rows and classes",
    wrong=lambda: [
        (lambda r, c, X: (float(np.mean(r.predict(X) == c.predict(X)) * len(X)),
                          float(np.abs(r.predict_proba(X) - c.predict_proba(X)).max())),),  # a count
        (lambda r, c, X: (float(np.mean(r.predict(X) == c.predict(X))),
                          float((r.predict_proba(X)[:, 1] - c.predict_proba(X)[:, 1]).max())),),  # signed
        (lambda r, c, X: (float(np.mean(r.predict(X) == c.predict(X))),
                          float(np.abs(r.predict_proba(X) - c.predict_proba(X)).mean())),),  # the mean
        (lambda r, c, X: (float(np.mean(r.predict(X) != c.predict(X))),
                          float(np.abs(r.predict_proba(X) - c.predict_proba(X)).max())),),  # disagreement
    ],
)
def compare_models(fn):
    check_callable("compare_models", fn)
    for reference, candidate, X, agreement, worst in _edge_cases():
        got_agreement, got_worst = _pair(fn(reference, candidate, X.copy()))
        _judge_agreement(got_agreement, agreement, X)
        _judge_worst(got_worst, worst, reference, candidate, X)


def _judge_agreement(got: float, agreement: float, X: np.ndarray) -> None:
    if np.isclose(got, agreement, atol=1e-6):
        return
    n = len(X)
    if np.isclose(got, agreement * n):
        fail(f"agreement is {got:g}, a count of rows: divide by the {n} rows for a share between 0 and 1")
    if np.isclose(got, agreement * 100):
        fail(f"agreement is {got:g}, a percentage: return a share between 0 and 1 ({agreement:g}), "
             "and format it as a percentage when you print it")
    if np.isclose(got, 1 - agreement):
        fail(f"agreement is {got:g}, the share of rows whose labels differ: count the rows whose labels are equal")
    fail(f"agreement is {got:g} on {n} rows where {agreement:g} of the labels agree: a row's label is the class "
         "with the highest probability (argmax over the classes, axis=1), compared row by row between the models")


def _judge_worst(got: float, worst: float, reference, candidate, X: np.ndarray) -> None:
    if np.isclose(got, worst, atol=1e-6):
        return
    diff = reference.predict_proba(X).astype(float) - candidate.predict_proba(X).astype(float)
    if np.isclose(got, diff[:, 1].max()) or np.isclose(got, (-diff[:, 1]).max()) or got < 0:
        fail(f"worst is {got:g}, a signed difference: take the absolute value before the maximum, or a model "
             f"that is lower by {worst:g} hides (the worst here is {worst:g})")
    if np.isclose(got, np.abs(diff).mean()) or np.isclose(got, np.abs(diff).sum(axis=1).mean()) \
            or np.isclose(got, np.abs(diff[:, 1]).mean()):
        fail(f"worst is {got:g}, an average: the worst difference is the maximum of the absolute differences "
             f"({worst:g} here)")
    fail(f"worst is {got:g}, but the largest absolute difference between the two models' probabilities, over all "
         f"rows and classes, is {worst:g}")
