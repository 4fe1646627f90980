"""10,000 requests at concurrency 16 on loopback: zero errors, every one counted and captured."""

from __future__ import annotations

import json

import pytest

from helpers.platform import image_uris
from helpers.platform.serving import DataCaptureConfig, ModelBuilder
from helpers.platform.serving.capture import read_records
from helpers.platform.serving.loadtest import load_test
from serving_support import module_store, train_linear_learner

REQUESTS, CONCURRENCY = 10_000, 16


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with module_store(tmp_path_factory, "load-home"):
        model_dir = train_linear_learner(tmp_path_factory.mktemp("ll"))
        builder = ModelBuilder(model_path=str(model_dir), image_uri=image_uris.retrieve("linear-learner", "us-east-1"))
        yield builder.deploy(endpoint_name="load-ep",
                             data_capture_config=DataCaptureConfig(sampling_percentage=100,
                                                                   destination_s3_uri="s3://load-bucket/capture"))


def test_ten_thousand_requests_at_concurrency_16_without_an_error(endpoint):
    result = load_test(endpoint.url + "/endpoints/load-ep/invocations", b"0.1,-0.2,0.3,1.5",
                       concurrency=CONCURRENCY, requests=REQUESTS, timeout=120)
    assert result.requests == REQUESTS
    assert result.transport_errors == 0
    assert dict(result.statuses) == {200: REQUESTS}
    assert len(result.latencies_ms) == REQUESTS
    metrics = endpoint.metrics()[0]
    assert metrics["Invocations"] == REQUESTS
    assert metrics["Invocation4XXErrors"] == metrics["Invocation5XXErrors"] == 0
    # data capture kept up: one record per request, each with the request and the response
    records = list(read_records(endpoint.capture_files()))
    assert len(records) == REQUESTS
    assert {r["captureData"]["endpointInput"]["data"] for r in records} == {"0.1,-0.2,0.3,1.5"}
    assert len({r["eventMetadata"]["eventId"] for r in records}) == REQUESTS
    assert all("predicted_label" in json.loads(r["captureData"]["endpointOutput"]["data"])["predictions"][0]
               for r in records[:100])


def test_the_server_stays_healthy_after_the_load(endpoint):
    assert endpoint.describe()["EndpointStatus"] == "InService"
    result = load_test(endpoint.url + "/invocations", b"1,2,3,4", concurrency=1, requests=50)
    assert result.ok == 50


def test_eleven_hundred_idle_sockets_do_not_lock_out_a_client_on_a_1024_descriptor_limit(endpoint):
    """A laptop's default: 1,024 open files. Silent connections past the cap (512) close the oldest idle."""
    import resource
    import socket

    import psutil

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip(f"this test opens 1,100 sockets; the hard limit of open files here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300), hard))
    server = psutil.Process(endpoint.describe()["Local"]["Pid"])
    server.rlimit(psutil.RLIMIT_NOFILE, (1024, server.rlimit(psutil.RLIMIT_NOFILE)[1]))
    host, port = endpoint.url.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(1100):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        result = load_test(endpoint.url + "/invocations", b"1,2,3,4", concurrency=1, requests=5, timeout=10)
        assert result.ok == 5
    finally:
        for sock in idle:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
