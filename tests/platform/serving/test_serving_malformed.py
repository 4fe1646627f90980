"""Malformed requests: every kind is answered 4xx with a message naming the problem, and the server
stays healthy. Each model-level case is sent through the three doors: the container contract
(``/invocations``: the container's status), the endpoint's Runtime path and the runtime router
(``/endpoints/<name>/invocations``: a ModelError 424 carrying the container's status and message)."""

from __future__ import annotations

import http.client
import json

import pytest

from helpers.platform import image_uris
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving.errors import MAX_PAYLOAD_BYTES
from helpers.platform.serving.runtime import ensure_runtime
from serving_support import module_store, owner_headers, train_linear_learner

NAME = "malformed-ep"
CSV, JSON, JSONL = "text/csv", "application/json", "application/jsonlines"

# (id, content type, accept, body, container status, words the message must contain)
MODEL_CASES = [
    ("unsupported-content-type", "application/xml", None, b"<a>1</a>", 415, ["application/xml", "text/csv"]),
    ("image-content-type", "image/png", None, b"\x89PNG\r\n", 415, ["image/png", "not supported"]),
    ("empty-body", CSV, None, b"", 400, ["empty"]),
    ("blank-lines-only", CSV, None, b"  \n\n \n", 400, ["empty"]),
    ("csv-letters", CSV, None, b"a,b,c,d", 400, ["not a number"]),
    ("csv-too-few-features", CSV, None, b"1,2,3", 400, ["4 features", "got 3"]),
    ("csv-too-many-features", CSV, None, b"1,2,3,4,5", 400, ["4 features", "label"]),
    ("csv-nan", CSV, None, b"1,nan,3,4", 400, ["finite"]),
    ("csv-infinity", CSV, None, b"1,inf,3,4", 400, ["finite"]),
    ("csv-empty-field", CSV, None, b"1,,3,4", 400, ["finite"]),
    ("csv-ragged-rows", CSV, None, b"1,2,3,4\n1,2", 400, ["same features"]),
    ("csv-header-row", CSV, None, b"a,b,c,d\n1,2,3,4", 400, ["not a number"]),
    ("csv-not-utf8", CSV, None, b"\xff\xfe\x00\x01", 400, ["UTF-8"]),
    ("csv-semicolons", CSV, None, b"1;2;3;4", 400, ["not a number"]),
    ("json-syntax-error", JSON, None, b"{not json", 400, ["not valid JSON"]),
    ("json-without-instances", JSON, None, b'{"foo": 1}', 400, ["instances"]),
    ("json-empty-instances", JSON, None, b'{"instances": []}', 400, ["non-empty"]),
    ("json-instances-not-a-list", JSON, None, b'{"instances": 5}', 400, ["non-empty list"]),
    ("json-wrong-feature-count", JSON, None, b'{"instances": [{"features": [1, 2]}]}', 400, ["4 features"]),
    ("json-text-features", JSON, None, b'{"instances": [{"features": ["a", "b", "c", "d"]}]}', 400, ["not a number"]),
    ("json-null-feature", JSON, None, b'{"instances": [[1, null, 3, 4]]}', 400, ["finite"]),
    ("json-nested-too-deep", JSON, None, b'{"instances": [[[1, 2], [3, 4]]]}', 400, ["not a number"]),
    ("json-record-without-features", JSON, None, b'{"instances": [{"values": [1, 2, 3, 4]}]}', 400, ["no features"]),
    ("json-top-level-list", JSON, None, b'[1, 2, 3, 4]', 400, ["instances"]),
    ("jsonlines-bad-line", JSONL, None, b'{"features": [1, 2, 3, 4]}\n{oops', 400, ["Line 2", "not valid JSON"]),
    ("unsupported-accept", CSV, "application/xml", b"1,2,3,4", 406, ["application/xml", "accept"]),
    ("bad-label-size-parameter", "text/csv;label_size=x", None, b"1,2,3,4", 400, ["label_size"]),
]

# (id, method, path, headers, body, status, words) — the server's own checks
SERVER_CASES = [
    ("get-invocations", "GET", "/invocations", {}, b"", 405, ["POST"]),
    ("put-invocations", "PUT", "/invocations", {"Content-Type": CSV}, b"1,2,3,4", 405, ["POST"]),
    ("post-ping", "POST", "/ping", {}, b"", 405, ["GET /ping"]),
    ("unknown-path", "POST", "/predict", {"Content-Type": CSV}, b"1,2,3,4", 404, ["/invocations"]),
    ("get-runtime-path", "GET", f"/endpoints/{NAME}/invocations", {}, b"", 405, ["POST"]),
    ("other-endpoint-name", "POST", "/endpoints/other-ep/invocations", {"Content-Type": CSV}, b"1,2,3,4",
     400, ["other-ep", "not found"]),
    ("invalid-endpoint-name", "POST", "/endpoints/bad_name!/invocations", {"Content-Type": CSV}, b"1,2,3,4",
     400, ["not found"]),
    ("body-over-6-mb", "POST", "/invocations", {"Content-Type": CSV}, b"1,2,3,4\n" * (MAX_PAYLOAD_BYTES // 8 + 1),
     413, ["6 MB", "batch transform"]),
    ("runtime-body-over-6-mb", "POST", f"/endpoints/{NAME}/invocations", {"Content-Type": CSV},
     b"1,2,3,4\n" * (MAX_PAYLOAD_BYTES // 8 + 1), 413, ["6 MB"]),
    ("chunked-body-over-6-mb", "POST", "/invocations", {"Content-Type": CSV, "Transfer-Encoding": "chunked"},
     [b"1,2,3,4\n" * 65536] * 13, 413, ["6 MB"]),
    ("unknown-target-variant", "POST", f"/endpoints/{NAME}/invocations",
     {"Content-Type": CSV, "X-Amzn-SageMaker-Target-Variant": "B"}, b"1,2,3,4", 400, ["TargetVariant", "AllTraffic"]),
    ("custom-attributes-too-long", "POST", f"/endpoints/{NAME}/invocations",
     {"Content-Type": CSV, "X-Amzn-SageMaker-Custom-Attributes": "x" * 1100}, b"1,2,3,4", 400, ["CustomAttributes", "1024"]),
    ("inference-id-too-long", "POST", f"/endpoints/{NAME}/invocations",
     {"Content-Type": CSV, "X-Amzn-SageMaker-Inference-Id": "i" * 65}, b"1,2,3,4", 400, ["InferenceId", "64"]),
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with module_store(tmp_path_factory, "malformed-home"):
        model_dir = train_linear_learner(tmp_path_factory.mktemp("ll"))
        builder = ModelBuilder(model_path=str(model_dir),
                               image_uri=image_uris.retrieve("linear-learner", "us-east-1"))
        served = builder.deploy(endpoint_name=NAME)
        yield served, ensure_runtime()


def request(url: str, method: str, path: str, headers: dict, body):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        chunked = isinstance(body, list)
        connection.request(method, path, body=iter(body) if chunked else body, headers=owner_headers(headers),
                           encode_chunked=chunked)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def assert_healthy(url: str) -> None:
    assert request(url, "GET", "/ping", {}, b"")[0] == 200
    status, answer = request(url, "POST", "/invocations", {"Content-Type": CSV}, b"0.1,0.2,0.3,0.4")
    assert status == 200 and "predicted_label" in json.loads(answer)["predictions"][0]


def assert_names(message: str, words: list[str]) -> None:
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in the message {message!r}"


@pytest.mark.parametrize("door", ["container", "runtime-path", "router"])
@pytest.mark.parametrize("case_id, content_type, accept, body, status, words", MODEL_CASES,
                         ids=[case[0] for case in MODEL_CASES])
def test_bad_body_is_a_4xx_naming_the_problem(endpoint, door, case_id, content_type, accept, body, status, words):
    served, runtime_url = endpoint
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    if door == "container":
        got, answer = request(served.url, "POST", "/invocations", headers, body)
        assert got == status
        assert_names(answer.decode(), words)
    else:
        url = served.url if door == "runtime-path" else runtime_url
        got, answer = request(url, "POST", f"/endpoints/{NAME}/invocations", headers, body)
        error = json.loads(answer)
        assert got == 424 and error["ErrorCode"] == "ModelError"
        assert error["OriginalStatusCode"] == status
        assert_names(error["OriginalMessage"], words)
        assert error["Message"].startswith(f"Received client error ({status}) from primary")
    assert_healthy(served.url)


@pytest.mark.parametrize("case_id, method, path, headers, body, status, words", SERVER_CASES,
                         ids=[case[0] for case in SERVER_CASES])
def test_bad_request_is_refused_by_the_server(endpoint, case_id, method, path, headers, body, status, words):
    served, _ = endpoint
    got, answer = request(served.url, method, path, headers, body)
    assert got == status
    text = answer.decode()
    if path.startswith("/endpoints/"):
        text = json.loads(text)["Message"]  # the Runtime API's JSON error shape
    assert_names(text, words)
    assert_healthy(served.url)


def test_the_router_refuses_what_it_cannot_route(endpoint):
    served, runtime_url = endpoint
    got, answer = request(runtime_url, "POST", "/endpoints/missing-ep/invocations", {"Content-Type": CSV}, b"1,2,3,4")
    assert got == 400 and "missing-ep" in json.loads(answer)["Message"] and NAME in json.loads(answer)["Message"]
    got, answer = request(runtime_url, "POST", "/invocations", {"Content-Type": CSV}, b"1,2,3,4")
    assert got == 404 and "InvokeEndpoint" in json.loads(answer)["Message"]
    big = b"1,2,3,4\n" * (MAX_PAYLOAD_BYTES // 8 + 1)
    got, answer = request(runtime_url, "POST", f"/endpoints/{NAME}/invocations", {"Content-Type": CSV}, big)
    assert got == 413 and "6 MB" in json.loads(answer)["Message"]
    assert_healthy(served.url)


def test_errors_are_counted_per_variant_and_the_count_of_kinds_is_at_least_30(endpoint):
    served, _ = endpoint
    assert len(MODEL_CASES) + len(SERVER_CASES) >= 30
    metrics = served.metrics()[0]
    assert metrics["Invocation4XXErrors"] >= 2 * len(MODEL_CASES)
    assert metrics["Invocation5XXErrors"] == 0
