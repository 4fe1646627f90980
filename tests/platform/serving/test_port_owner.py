"""A loopback port another user holds never receives the store's secret (helpers.platform.serving.ports).

Root-free: a socket this process binds is "ours"; another user's listener is a line of fixed
``/proc/net/tcp`` text with another uid, given through ``ports.source``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time

import boto3
import psutil
import pytest

from helpers.platform.serving import ports, runtime
from helpers.platform.serving.router import preferred_port
from helpers.platform.serving.registry import stop_all, store_root
from serving_support import isolate

pytestmark = pytest.mark.skipif(not ports.TABLES[0].exists(), reason="reads /proc/net/tcp (Linux)")

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
OTHER_UID = os.geteuid() + 1000


def line(address: str, port: int, uid: int, inode: int, state: str = "0A") -> str:
    """One row of /proc/net/tcp: ``address`` as the kernel writes it (127.0.0.1 is 0100007F)."""
    return (f"   0: {address}:{port:04X} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000 "
            f"{uid:>5}        0 {inode} 1 0000000000000000 100 0 0 10 0\n")


def with_foreign(port: int):
    """The real tables plus a listener of another user on 127.0.0.1:``port`` (as if it had bound it)."""
    def read():
        return [*ports.read_tables(), HEADER + line("0100007F", port, OTHER_UID, 999)]
    return read


@pytest.fixture(autouse=True)
def fresh_cache():
    ports.forget()
    yield
    ports.forget()


@pytest.fixture
def listening():
    """A socket this process listens on, on 127.0.0.1: (socket, port)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock, sock.getsockname()[1]
    sock.close()


def test_the_parser_keeps_only_listeners_a_loopback_connection_reaches():
    me = os.geteuid()
    tables = [HEADER + line("0100007F", 8000, me, 11) + line("00000000", 8001, OTHER_UID, 12)
              + line("0200007F", 8000, OTHER_UID, 13)           # 127.0.0.2: not reached by 127.0.0.1
              + line("0100007F", 8000, OTHER_UID, 14, "01"),    # an established connection, not a listener
              HEADER + line("0" * 32, 8000, OTHER_UID, 15)]     # IPv6 any: dual stack, reached
    assert ports.listeners(8000, tables) == [ports.Listener(me, 11), ports.Listener(OTHER_UID, 15)]
    assert ports.listeners(8001, tables) == [ports.Listener(OTHER_UID, 12)]
    assert ports.listeners(8002, tables) == []


def test_a_port_this_process_listens_on_is_ours(listening):
    _, port = listening
    assert [listener.uid for listener in ports.listeners(port, ports.read_tables())] == [os.geteuid()]
    ports.check(port)  # no error


def test_another_users_listener_is_refused_with_the_fix(listening, monkeypatch):
    _, port = listening
    monkeypatch.setattr(ports, "source", with_foreign(port))
    with pytest.raises(ports.PortHeld) as refused:
        ports.check(port)
    message = str(refused.value)
    assert f"port {port} on 127.0.0.1 is held by another user (uid {OTHER_UID})" in message
    assert "python -m helpers cleanup" in message
    assert isinstance(refused.value, PermissionError)


def test_a_port_nobody_listens_on_passes(monkeypatch):
    monkeypatch.setattr(ports, "source", lambda: [HEADER])
    ports.check(9)  # a refused connection sends nothing


def test_no_tables_no_check(monkeypatch):
    monkeypatch.setattr(ports, "source", lambda: None)
    ports.check(9)  # macOS, Windows: one user per laptop


def test_a_port_found_ours_is_not_read_again_while_its_server_lives(listening, monkeypatch):
    _, port = listening
    reads = []

    def counting():
        reads.append(1)
        return ports.read_tables()

    monkeypatch.setattr(ports, "source", counting)
    ports.check(port, owner=os.getpid())
    for _ in range(100):
        ports.check(port, owner=os.getpid())
    assert len(reads) == 1
    started = time.perf_counter()
    for _ in range(1000):
        ports.check(port)
    assert (time.perf_counter() - started) / 1000 < 200e-6  # per request: a read of /proc/<pid>/stat


def test_a_dead_owner_means_the_port_is_read_again(listening, monkeypatch):
    _, port = listening
    child = psutil.Popen(["sleep", "30"])
    try:
        ports.check(port, owner=child.pid)
        assert ports.trusted(port)
    finally:
        child.kill()
        child.wait()
    assert not ports.trusted(port)
    monkeypatch.setattr(ports, "source", with_foreign(port))
    with pytest.raises(ports.PortHeld):
        ports.check(port)


def test_the_routers_hop_to_an_endpoint_connects_to_no_port_another_user_holds(listening, monkeypatch):
    from helpers.platform.serving.upstream import Pool, UpstreamError

    sock, port = listening
    monkeypatch.setattr(ports, "source", with_foreign(port))
    pool = Pool(owners={port: os.getpid()})
    with pytest.raises(UpstreamError, match=f"port {port} on 127.0.0.1 is held by another user"):
        asyncio.run(pool.post(port, "/invocations", [(b"x-flywheel-secret", b"0" * 32)], b"1", 1.0))
    sock.setblocking(False)
    with pytest.raises(BlockingIOError):
        sock.accept()  # no connection: the secret went nowhere


def test_the_routers_hop_reads_each_instances_listener_once_while_it_lives(tmp_path, monkeypatch):
    """An endpoint of several instances: instance 2's port is remembered with its pid as instance 1's is,
    so a new connection to it costs no read of the tables."""
    from helpers.platform.serving.registry import INSTANCES
    from helpers.platform.serving.router import RuntimeApp

    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    me = {"Pid": os.getpid(), "PidCreateTime": psutil.Process().create_time()}
    first, second = ({**me, "Port": sock.getsockname()[1]} for sock in socks)
    (tmp_path / "ep" / INSTANCES / "2").mkdir(parents=True)
    (tmp_path / "ep" / "server.json").write_text(json.dumps(first))
    (tmp_path / "ep" / INSTANCES / "2" / "server.json").write_text(json.dumps(second))
    reads = []
    monkeypatch.setattr(ports, "source", lambda: reads.append(1) or ports.read_tables())
    app = RuntimeApp(tmp_path, "0" * 32)
    try:
        assert app._ports("ep", first) == [first["Port"], second["Port"]]
        for _ in range(3):  # what Pool._connect runs before each new connection
            ports.check(second["Port"], app.pool.owners.get(second["Port"]))
    finally:
        for sock in socks:
            sock.close()
    assert len(reads) == 1


def test_local_port_reads_only_loopback_urls():
    assert ports.local_port("http://127.0.0.1:8123/abc/endpoints/x") == 8123
    assert ports.local_port("http://127.0.0.1:8123") == 8123
    assert ports.local_port("https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/x") is None
    assert ports.local_port("http://127.0.0.1:x/") is None


# ---------------------------------------------------------------------------- boto3 and the router
@pytest.fixture
def store(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    monkeypatch.delenv(runtime.PLUGINS_ENV, raising=False)
    yield tmp_path / "home"
    runtime.clear_local_runtime()
    stop_all()


def client(url: str):
    return boto3.session.Session().client(
        "sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="a", aws_secret_access_key="b")


def test_a_boto3_client_made_after_use_local_runtime_refuses_another_users_port(store, listening, monkeypatch):
    sock, port = listening
    runtime.use_local_runtime()
    assert runtime.PLUGIN in os.environ[runtime.PLUGINS_ENV]
    monkeypatch.setattr(ports, "source", with_foreign(port))
    with pytest.raises(ports.PortHeld, match=f"port {port} on 127.0.0.1 is held by another user"):
        client(f"http://127.0.0.1:{port}/{'0' * 32}").invoke_endpoint(EndpointName="x", Body=b"1")
    sock.setblocking(False)
    with pytest.raises(BlockingIOError):
        sock.accept()  # nothing connected: the secret went nowhere
    runtime.clear_local_runtime()
    assert runtime.PLUGINS_ENV not in os.environ


def test_a_dead_routers_port_taken_by_another_user_restarts_the_router_elsewhere(store, monkeypatch):
    runtime.use_local_runtime(start=True)
    old = runtime.runtime_state()
    sm = boto3.client("sagemaker")  # made now: it keeps the old URL
    psutil.Process(old["Pid"]).kill()
    assert runtime.processes.wait_until(lambda: runtime.runtime_state() is None, 5)
    thief = socket.socket()
    thief.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    thief.bind(("127.0.0.1", old["Port"]))
    thief.listen(1)
    monkeypatch.setattr(ports, "source", with_foreign(old["Port"]))
    try:
        with pytest.raises(ports.PortHeld, match="Your router had stopped: the kit started it again at http://"):
            sm.list_endpoints()
        thief.setblocking(False)
        with pytest.raises(BlockingIOError):
            thief.accept()
    finally:
        thief.close()
    assert runtime.processes.wait_until(lambda: runtime.runtime_state() is not None, 10)
    new = runtime.runtime_state()
    assert new is not None and new["Port"] != old["Port"]
    assert os.environ[runtime.ENV_URL] == runtime.boto3_url(new["Url"])
    assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []  # a new client reaches it


def test_use_local_runtime_never_hands_out_a_port_another_user_holds(store, monkeypatch):
    preferred = preferred_port(store_root())
    thief = socket.socket()
    try:
        thief.bind(("127.0.0.1", preferred))
    except OSError:
        pytest.skip(f"port {preferred} is in use on this machine")
    thief.listen(1)
    monkeypatch.setattr(ports, "source", with_foreign(preferred))
    started = time.monotonic()
    try:
        url = runtime.use_local_runtime()  # start=False: the router would start later, on that port
    finally:
        thief.close()
    assert f":{preferred}/" not in url
    assert runtime.runtime_state() is not None  # started at once, on a free port
    assert time.monotonic() - started < runtime.STARTING_ELSEWHERE_SECONDS  # no wait for a router of ours


def test_endpoint_invoke_and_its_admin_calls_refuse_another_users_port(store, tmp_path, monkeypatch):
    from helpers.platform.configs import SourceCode
    from helpers.platform.serving import ModelBuilder
    from serving_support import write_script_model

    model_dir, code_dir = write_script_model(tmp_path / "model")
    endpoint = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
        source_dir=str(code_dir), entry_script="inference.py")).deploy(endpoint_name="port-owner")
    port = endpoint.describe()["Local"]["Port"]
    ports.forget()  # as if its server had died and another user's had taken the port
    monkeypatch.setattr(ports, "source", with_foreign(port))
    with pytest.raises(ports.PortHeld, match=f"port {port} on 127.0.0.1 is held by another user"):
        endpoint.invoke(b"1,2,3,4", content_type="text/csv")
    with pytest.raises(ports.PortHeld):
        endpoint.metrics()
    monkeypatch.setattr(ports, "source", ports.read_tables)
    assert endpoint.metrics()[0]["Invocations"] == 0  # nothing reached the server
