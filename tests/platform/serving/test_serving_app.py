"""The endpoint's ASGI app in-process: the invocation time limit and data-capture batching.

(The HTTP contract, over a real server, is in test_serving_endpoint.py / test_serving_malformed.py.)
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from helpers.platform.serving import errors
from helpers.platform.serving.app import Alarm, EndpointApp, Variant
from helpers.platform.serving.capture import CaptureSettings, CaptureWriter, capture_files, read_records
from helpers.platform.serving.handlers import Handlers


def _handlers(predict=lambda data, model: [float(v) for v in data.split(b",")]) -> Handlers:
    return Handlers(model=None, input_fn=lambda body, content_type: body, predict_fn=predict,
                    output_fn=lambda prediction, accept: (json.dumps(prediction).encode(), "application/json"))


def _invoke(app: EndpointApp, body: bytes = b"1,2", path: str = "/invocations", headers=()) -> tuple[int, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST",
             "headers": [(b"content-type", b"text/csv"), (b"content-length", b"%d" % len(body)), *headers]}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


@pytest.fixture
def alarm():
    alarm = Alarm(0.3)
    yield alarm
    alarm.close()


def test_a_handler_over_the_time_limit_is_interrupted_and_the_app_answers(alarm):
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers(predict=lambda data, model: time.sleep(30)))], alarm=alarm)
    started = time.monotonic()
    status, body = _invoke(app)
    assert time.monotonic() - started < 5
    assert status == 504 and b"timed out" in body and b"(limit 0.3 s)" in body, body
    assert app.variants[0].errors_5xx == 1
    assert _invoke(EndpointApp("ep", [Variant("AllTraffic", _handlers())], alarm=alarm)) == (200, b"[1.0, 2.0]")


def test_a_late_alarm_signal_never_hits_the_server(alarm):
    alarm._fire(None, None)  # disarmed: ignored
    alarm.started = time.perf_counter()  # armed, as the endpoint arms it
    alarm._fire(None, None)  # armed but within the limit (a signal sent for an earlier request): ignored
    alarm.started -= 1.0     # now over the limit
    with pytest.raises(errors.InvocationTimeout):
        alarm._fire(None, None)
    assert alarm.started is None  # fires once


def test_captured_records_are_written_in_batches_without_waiting_for_the_timer(tmp_path):
    capture = CaptureWriter(CaptureSettings(tmp_path), "ep")
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers())], capture=capture, sampling=1.0)
    for i in range(255):
        assert _invoke(app, b"%d,1" % i, "/endpoints/ep/invocations")[0] == 200
    assert capture_files(tmp_path, "ep") == []  # below the batch size: buffered (the 0.5 s timer writes them)
    _invoke(app, b"255,1", "/endpoints/ep/invocations")
    records = list(read_records(capture_files(tmp_path, "ep")))
    assert [r["captureData"]["endpointInput"]["data"] for r in records] == [f"{i},1" for i in range(256)]
    assert records[0]["captureData"]["endpointOutput"] == {
        "observedContentType": "application/json", "mode": "OUTPUT", "data": "[0.0, 1.0]", "encoding": "JSON"}
    ids = [r["eventMetadata"]["eventId"] for r in records]
    assert len(set(ids)) == 256 and all(len(i) == 36 for i in ids)


def test_sagemaker_headers_are_checked_on_both_paths_and_captured(tmp_path):
    capture = CaptureWriter(CaptureSettings(tmp_path), "ep")
    app = EndpointApp("ep", [Variant("A", _handlers()), Variant("B", _handlers())], capture=capture, sampling=1.0)
    unknown = [(b"x-amzn-sagemaker-target-variant", b"C")]
    status, body = _invoke(app, headers=unknown)  # the container path: a plain-text 400
    assert status == 400 and b"TargetVariant 'C' is not a production variant of endpoint ep" in body
    status, body = _invoke(app, path="/endpoints/ep/invocations", headers=unknown)
    assert status == 400 and json.loads(body)["Message"].startswith("TargetVariant 'C'")
    assert _invoke(app, path="/endpoints/ep/invocations", headers=[(b"x-amzn-sagemaker-inference-id", b"x" * 65)])[0] == 400
    sent = [(b"x-amzn-sagemaker-target-variant", b"B"), (b"x-amzn-sagemaker-inference-id", b"id-1"),
            (b"x-amzn-sagemaker-custom-attributes", b"trace=7")]
    assert _invoke(app, path="/endpoints/ep/invocations", headers=sent)[0] == 200
    assert [v.invocations for v in app.variants] == [0, 1]
    assert app.flush_capture() == 1
    [record] = read_records(capture_files(tmp_path, "ep", "B"))
    assert record["eventMetadata"]["inferenceId"] == "id-1"
    assert record["eventMetadata"]["customAttributes"] == ["trace=7"]


@pytest.mark.parametrize("capture_input, capture_output", [(True, True), (True, False), (False, True)])
def test_capture_encodes_text_as_sent_and_binary_as_base64(tmp_path, capture_input, capture_output):
    capture = CaptureWriter(CaptureSettings(tmp_path, capture_input=capture_input, capture_output=capture_output), "ep")
    capture.write([(0.0, "A", "text/csv", b'1,"a\\b"\n2,3', "application/json", b'{"p": [1]}', None, None),
                   (0.0, "A", "text/csv", b"\xff\xfe1,2", "application/x-npy", b"\x93NUMPY", None, None),
                   (0.0, "A", "application/jsonlines", "é".encode(), "text/csv", b"0.5\n", None, None)])
    records = [r["captureData"] for r in read_records(capture_files(tmp_path, "ep", "A"))]
    assert [sorted(r) for r in records] == [[name for name, wanted in (("endpointInput", capture_input),
                                                                       ("endpointOutput", capture_output)) if wanted]] * 3
    blocks = [(r.get("endpointInput"), r.get("endpointOutput")) for r in records]
    expected = [
        (("text/csv", "CSV", '1,"a\\b"\n2,3'), ("application/json", "JSON", '{"p": [1]}')),
        (("text/csv", "BASE64", "//4xLDI="), ("application/x-npy", "BASE64", "k05VTVBZ")),
        (("application/jsonlines", "BASE64", "w6k="), ("text/csv", "CSV", "0.5\n")),
    ]
    for (got_in, got_out), (want_in, want_out) in zip(blocks, expected):
        for got, want, mode in ((got_in, want_in, "INPUT"), (got_out, want_out, "OUTPUT")):
            if got is not None:
                assert (got["observedContentType"], got["encoding"], got["data"], got["mode"]) == (*want, mode)


def test_each_record_keeps_its_own_time_variant_and_id_across_seconds_and_batches(tmp_path):
    capture = CaptureWriter(CaptureSettings(tmp_path), "ep")
    base = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    row = ("text/csv", b"1,2", "text/csv", b"0.5")
    capture.write([(base + 0.2, "A", *row, None, None), (base + 0.9, "B", *row, "id-2", None),
                   (base + 1.1, "A", *row, None, None)])
    capture.write([(base + 1.5, "A", *row, None, "k=v"), (base + 3.0, "B", *row, None, None)])
    before = time.time()
    capture.record("C", *row, None, None)  # one record, stamped now
    after = time.time()
    capture.flush()
    a = list(read_records(capture_files(tmp_path, "ep", "A")))
    b = list(read_records(capture_files(tmp_path, "ep", "B")))
    [c] = read_records(capture_files(tmp_path, "ep", "C"))
    assert [r["eventMetadata"]["inferenceTime"] for r in a] == [
        "2027-01-15T08:00:00Z", "2027-01-15T08:00:01Z", "2027-01-15T08:00:01Z"]
    assert [r["eventMetadata"]["inferenceTime"] for r in b] == ["2027-01-15T08:00:00Z", "2027-01-15T08:00:03Z"]
    assert c["eventMetadata"]["inferenceTime"] in {time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) for t in (before, after)}
    assert b[0]["eventMetadata"]["inferenceId"] == "id-2" and "inferenceId" not in b[1]["eventMetadata"]
    assert a[2]["eventMetadata"]["customAttributes"] == ["k=v"]
    # ids count up across variants and batches, in the order the records were handed over
    ids = [r["eventMetadata"]["eventId"] for r in (a[0], b[0], a[1], a[2], b[1], c)]
    assert [int(i[-12:], 16) - int(ids[0][-12:], 16) for i in ids] == [0, 1, 2, 3, 4, 5]


def test_large_captured_bodies_are_handed_over_at_once_not_held_by_the_hundred(tmp_path):
    capture = CaptureWriter(CaptureSettings(tmp_path), "ep")
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers())], capture=capture, sampling=1.0)
    assert _invoke(app, b"1,2")[0] == 200
    assert capture_files(tmp_path, "ep") == []  # a small record waits for its batch
    assert _invoke(app, b"1," * 300_000 + b"1")[0] == 200  # 600 kB in, 1.5 MB out: over 1 MB kept
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 2


def test_records_still_kept_at_shutdown_are_written(tmp_path):
    capture = CaptureWriter(CaptureSettings(tmp_path), "ep")
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers())], capture=capture, sampling=1.0)
    for i in range(3):
        _invoke(app, b"%d,1" % i)
    assert capture_files(tmp_path, "ep") == []

    async def lifespan():
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent = []

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])
        await app({"type": "lifespan"}, receive, send)
        return sent
    assert asyncio.run(lifespan()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert len(list(read_records(capture_files(tmp_path, "ep")))) == 3


# ------------------------------------------------------------------------------ admin and limits
def _admin(app: EndpointApp, body: bytes, content_type: bytes = b"application/json",
           path: str = "/_flywheel/weights") -> tuple[int, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST", "headers": [(b"content-type", content_type)]}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def _ab_app() -> EndpointApp:
    return EndpointApp("ep", [Variant("A", _handlers(), 0.5), Variant("B", _handlers(), 0.5)])


@pytest.mark.parametrize("body, words", [
    (b'{"A": 2, "B": -1}', "B"),                        # A is valid, B is not: A must not change either
    (b'{"A": 2, "C": 1}', "unknown variant"),
    (b'{"A": Infinity}', "Infinity"),
    (b'{"A": NaN}', "NaN"),
    (b'{"A": 1e999}', "finite"),
    (b'{"A": true}', "finite number"),
    (b'{"A": 0, "B": 0}', "above 0"),
    (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
    (b"[1]", "JSON object"),
])
def test_a_refused_weights_update_is_a_400_and_changes_nothing(body, words):
    app = _ab_app()
    status, answer = _admin(app, body)
    assert status == 400 and words in json.loads(answer)["Message"], answer
    assert [v.weight for v in app.variants] == [0.5, 0.5]
    assert _admin(app, b'{"A": 3}')[0] == 200 and [v.weight for v in app.variants] == [3.0, 0.5]


def test_admin_posts_take_json_only_and_a_bounded_body():
    app = _ab_app()
    assert _admin(app, b'{"A": 3}', content_type=b"text/plain")[0] == 415  # a browser's simple POST
    assert _admin(app, b'{"A": 3}', content_type=b"application/x-www-form-urlencoded")[0] == 415
    status, answer = _admin(app, b'{"A": 3' + b" " * 70_000 + b"}")
    assert status == 413 and b"65536 bytes" in answer
    assert [v.weight for v in app.variants] == [0.5, 0.5]


def test_an_answer_over_6_mb_is_a_413_naming_the_fix_not_a_500():
    big = _handlers(predict=lambda data, model: [0.123456789] * 700_000)  # about 9 MB of JSON
    app = EndpointApp("ep", [Variant("AllTraffic", big)])
    status, body = _invoke(app, path="/endpoints/ep/invocations")
    error = json.loads(body)
    assert status == 424 and error["OriginalStatusCode"] == 413, error
    assert "6 MB" in error["OriginalMessage"] and "batch transform" in error["OriginalMessage"]
    assert _invoke(app)[0] == 413
    assert app.variants[0].errors_4xx == 2 and app.variants[0].errors_5xx == 0


def test_error_messages_echo_at_most_a_bounded_part_of_the_request():
    def refuse(data, model):
        raise ValueError(f"cannot read {data[:1_000_000]!r}")  # a handler quoting the whole input
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers(predict=refuse))])
    status, body = _invoke(app, b"1," * 30_000 + b"1", path="/endpoints/ep/invocations")
    assert status == 424 and len(body) < 3_000 and json.loads(body)["OriginalMessage"].endswith("...")
    status, body = _invoke(app, path="/" + "x" * 100_000)
    assert status == 404 and len(body) < 1_000


def test_a_large_body_is_predicted_off_the_event_loop_within_the_time_limit(alarm):
    import threading

    threads = []

    def predict(data, model):
        threads.append(threading.current_thread().name)
        if data.startswith(b"9"):
            time.sleep(2)
        return [1.0]
    app = EndpointApp("ep", [Variant("AllTraffic", _handlers(predict=predict))], alarm=alarm)
    assert _invoke(app, b"1,2")[0] == 200
    assert _invoke(app, b"1," * 40_000 + b"1")[0] == 200
    assert threads[0] == "MainThread" and threads[1].startswith("large-invocation")
    started = time.monotonic()
    status, body = _invoke(app, b"9," * 40_000 + b"1")  # slow and large: the loop answers 504 at the limit
    assert status == 504 and b"(limit 0.3 s)" in body and time.monotonic() - started < 1.5
