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


def _invoke(app: EndpointApp, body: bytes = b"1,2", path: str = "/invocations") -> tuple[int, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST",
             "headers": [(b"content-type", b"text/csv"), (b"content-length", b"%d" % len(body))]}
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
    alarm.arm()
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
