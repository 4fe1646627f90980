"""The router's preferred port taken when it starts: boto3 clients made before still reach it.

``use_local_runtime()`` hands out the URL of the port the router will prefer before any router holds
it (a notebook's first cell, test_boto3_s3's fixture). Any socket may hold that port when the router
starts: on Linux an outgoing connection's own port comes from the ephemeral range and keeps it for a
minute after it closes (TIME_WAIT). The router then takes a free port; a client made earlier still names
the old one. Two fixes, both checked here: the preferred port is drawn from below the ephemeral range
(no connection of the machine takes it), and a client made earlier follows the router (botocore hook).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from helpers.platform.serving import router, runtime
from helpers.platform.serving.registry import store_root
from serving_support import module_store


@pytest.fixture
def store(tmp_path_factory):
    with module_store(tmp_path_factory, "router-port-taken") as folder:
        yield folder


@pytest.fixture
def taken(store):
    """The store's preferred port, bound here and not listening, as a client socket holds it: the router
    cannot take it, a connection to it is refused."""
    port = router.preferred_port(store_root())
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", port))
    except OSError:
        pytest.skip(f"port {port} is in use on this machine")
    yield port
    holder.close()


def test_a_client_made_before_the_router_started_follows_it_to_another_port(taken):
    import boto3

    from helpers.platform import use_backend

    handed_out = runtime.use_local_runtime()  # the variables only, as before any deploy
    assert f"127.0.0.1:{taken}/" in handed_out
    client = boto3.client("s3")
    started = time.monotonic()
    use_backend("local")  # starts the router, which finds its port taken
    waited = time.monotonic() - started
    assert f"127.0.0.1:{taken}/" not in os.environ["AWS_ENDPOINT_URL_S3"]  # the variables follow the router
    client.create_bucket(Bucket="taken-port")  # refused ("Could not connect") before the fix
    assert [bucket["Name"] for bucket in client.list_buckets()["Buckets"]] == ["taken-port"]
    assert runtime.runtime_state()["Port"] != taken
    # nobody listens on the port: no router of ours is starting there, so no wait for one
    assert waited < runtime.STARTING_ELSEWHERE_SECONDS


def test_a_client_of_another_store_is_not_sent_to_this_router(taken, tmp_path):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import EndpointConnectionError

    from helpers.platform import use_backend
    from helpers.platform.serving.access import store_secret

    runtime.use_local_runtime()
    other = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{taken}/{store_secret(tmp_path)}",
                         config=Config(retries={"total_max_attempts": 1}))
    use_backend("local")
    with pytest.raises(EndpointConnectionError):  # its URL is not one the kit handed out for this store
        other.list_buckets()


def test_before_the_router_writes_its_record_a_request_goes_where_the_url_handed_out_now_points(store, monkeypatch):
    from botocore.awsrequest import AWSPreparedRequest

    from helpers.platform.serving.access import store_secret

    preferred, secret = router.preferred_port(store_root()), store_secret()
    monkeypatch.setattr(runtime, "runtime_state", lambda: None)  # started: its socket is bound, no record yet
    monkeypatch.setenv(runtime.ENV_URL, f"http://127.0.0.1:1234/{secret}")
    monkeypatch.setattr(runtime.ports, "check", lambda port, owner=None: None)
    request = AWSPreparedRequest("GET", f"http://127.0.0.1:{preferred}/{secret}/bucket?list-type=2", {}, b"", True)
    runtime._before_send(request)
    assert request.url == f"http://127.0.0.1:1234/{secret}/bucket?list-type=2"
    foreign = f"http://127.0.0.1:{preferred}/{'0' * 32}/bucket"  # not this store's secret: left alone
    request = AWSPreparedRequest("GET", foreign, {}, b"", True)
    runtime._before_send(request)
    assert request.url == foreign


def range_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ip_local_port_range"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, low", [("32768\t60999\n", 32768), ("49152 65535\n", 49152), ("1024 65535", None),
                                       ("garbage", None)])
def test_preferred_ports_lie_below_the_ephemeral_ports(tmp_path, monkeypatch, text, low):
    monkeypatch.setattr(router, "EPHEMERAL_RANGE", range_file(tmp_path, text))
    router.ephemeral_start.cache_clear()
    try:
        chosen = {router.preferred_port(tmp_path / f"store-{n}") for n in range(400)}
        end = min(low or router.PORT_BASE + router.PORT_SPAN, router.PORT_BASE + router.PORT_SPAN)
        assert router.PORT_BASE <= min(chosen) and max(chosen) < end
        assert len(chosen) > 350  # still spread: two stores rarely share a port
    finally:
        router.ephemeral_start.cache_clear()


@pytest.mark.skipif(not router.EPHEMERAL_RANGE.exists(), reason="Linux's ephemeral ports")
def test_a_closed_connections_port_cannot_be_listened_on_for_a_while(tmp_path):
    """Why: the port of a connection that closed first is in TIME_WAIT, and the router cannot listen on it
    (Linux; SO_REUSEADDR does not help when the connection's socket did not set it)."""
    server = socket.create_server(("127.0.0.1", 0))
    with server, socket.create_connection(server.getsockname()) as client:
        accepted, _ = server.accept()
        port = client.getsockname()[1]
    accepted.close()
    with pytest.raises(OSError):
        router.listen(port).close()
    low, high = (int(n) for n in router.EPHEMERAL_RANGE.read_text().split())
    assert low <= port <= high and router.preferred_port(tmp_path) < low
