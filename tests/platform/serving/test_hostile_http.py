"""Hostile and malformed HTTP against a deployed endpoint and the runtime router, over raw sockets.

Every case gets a clear 4xx (or, for framing garbage the parser cannot answer, a closed connection),
nothing hangs (every socket has a timeout; the servers run with a 1 s read timeout here), and both
servers still answer ``/ping`` afterwards. All traffic is on 127.0.0.1.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time

import pytest

from helpers.platform.configs import SourceCode
from helpers.platform.serving import Endpoint, EndpointConfig, ModelBuilder, ProductionVariant
from helpers.platform.serving.access import SECRET_HEADER, store_secret
from helpers.platform.serving.errors import MAX_PAYLOAD_BYTES
from helpers.platform.serving.runtime import ensure_runtime
from serving_support import module_store, write_script_model

NAME = "hostile-ep"
READ_TIMEOUT = 1.0      # the servers' read timeout in this module (FLYWHEEL_HTTP_READ_TIMEOUT_SECONDS)
MAX_CONNECTIONS = 48    # and their connection cap (FLYWHEEL_HTTP_MAX_CONNECTIONS)
ROW = b"1,1,1,1"
CLOSED = None           # the expected "status" of a connection closed without an answer
WAITED = "no answer"    # read_answer's "status" when the socket timed out: a held connection


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """{"endpoint": port, "router": port} of a two-variant endpoint (A 0.5 / B 0.5) and its router."""
    with module_store(tmp_path_factory, "hostile-home", FLYWHEEL_HTTP_READ_TIMEOUT_SECONDS=str(READ_TIMEOUT),
                      FLYWHEEL_HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS)):
        for variant in ("A", "B"):
            model_dir, code_dir = write_script_model(tmp_path_factory.mktemp(f"model-{variant}"))
            ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
                source_dir=str(code_dir), entry_script="inference.py")).build(model_name=f"hostile-{variant.lower()}")
        EndpointConfig.create(endpoint_config_name="hostile-config", production_variants=[
            ProductionVariant(variant_name=v, model_name=f"hostile-{v.lower()}", initial_variant_weight=0.5)
            for v in ("A", "B")])
        endpoint = Endpoint.create(endpoint_name=NAME, endpoint_config_name="hostile-config")
        router = int(ensure_runtime().rsplit(":", 1)[1])
        yield {"endpoint": int(endpoint.url.rsplit(":", 1)[1]), "router": router,
               "secret": store_secret(), "endpoint_object": endpoint}


# ------------------------------------------------------------------------------------- raw HTTP
def read_answer(sock: socket.socket, head_only: bool = False) -> tuple[int | None, dict, bytes]:
    """(status, headers, body) of one HTTP answer; (None, {}, b"") when the server closed without one.
    ``head_only``: the answer to a HEAD request (a Content-Length but no body)."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        return WAITED, {}, data
    if b"\r\n\r\n" not in data:
        return CLOSED, {}, b""
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = 0 if head_only else int(headers.get("content-length", 0))
    try:
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return int(lines[0].split()[1]), headers, body


def exchange(port: int, pieces, pause: float = 0.0, timeout: float = 8.0) -> tuple[int | None, dict, bytes]:
    """Send ``pieces`` (bytes, or a list sent ``pause`` seconds apart) and read one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            for index, piece in enumerate(pieces if isinstance(pieces, list) else [pieces]):
                if index and pause:
                    time.sleep(pause)
                sock.sendall(piece)
        except OSError:  # the server answered and closed mid-send (431, 408): read what it said
            pass
        first = pieces[0] if isinstance(pieces, list) else pieces
        return read_answer(sock, head_only=first.startswith(b"HEAD "))


def http(method: str, path: str, headers: dict | None = None, body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body and "Transfer-Encoding" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def ping_ok(port: int) -> bool:
    return exchange(port, http("GET", "/ping"), timeout=5)[0] == 200


# --------------------------------------------------------------------------------------- cases
# Each case: (id, builder(secret, path) -> bytes | (pieces, pause), expected statuses). ``path`` is
# the invocation path of the server under test (the Runtime API path on both).
def owner(extra: dict | None = None, secret: str = "") -> dict:
    return {SECRET_HEADER: secret, "Content-Type": "text/csv", **(extra or {})}


FRAMING = [
    ("garbage-request-line", lambda s, p: b"HELLO\r\n\r\n", {400, CLOSED}),
    ("bad-method-characters", lambda s, p: b"G@T /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", {400, CLOSED}),
    ("unknown-http-version", lambda s, p: b"GET /ping HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", {400, 505, CLOSED}),
    ("binary-junk", lambda s, p: bytes(range(256)) * 4, {400, CLOSED}),
    ("tls-client-hello", lambda s, p: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, {400, CLOSED}),
    ("content-length-and-chunked", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "7",
                                                                  "Transfer-Encoding": "chunked"},
                                                     b"7\r\n1,1,1,1\r\n0\r\n\r\n"), {400, CLOSED}),
    ("two-content-lengths", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "7",
                                                          "content-length": "3"}) + ROW, {400, CLOSED}),
    ("negative-content-length", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "-1"}),
     {400, CLOSED}),
    ("non-numeric-content-length", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "7a"}) + ROW,
     {400, CLOSED}),
    ("overflowing-content-length", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "9" * 30})
     + ROW, {400, 413, CLOSED}),
    ("bad-chunk-size", lambda s, p: http("POST", p, {**owner(secret=s), "Transfer-Encoding": "chunked"},
                                         b"zz\r\n1,1,1,1\r\n0\r\n\r\n"), {400, CLOSED}),
    ("transfer-encoding-not-chunked", lambda s, p: http("POST", p, {**owner(secret=s), "Transfer-Encoding": "gzip"},
                                                        ROW), {400, 501, CLOSED}),
    ("space-before-colon", lambda s, p: f"POST {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : 7\r\n\r\n"
                                        .encode() + ROW, {400, CLOSED}),
    ("header-without-colon", lambda s, p: f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nBadHeader\r\n\r\n".encode(),
     {400, CLOSED}),
    ("nul-in-header", lambda s, p: f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00b\r\n\r\n".encode(),
     {400, CLOSED}),
    ("absolute-uri-other-host", lambda s, p: http("POST", f"http://evil.example{p}", owner(secret=s), ROW,
                                                  host="evil.example"), {421}),
]

LIMITS = [
    ("header-over-64-kib", lambda s, p: http("POST", p, owner({"X-Big": "a" * 100_000}, s), ROW), {431, CLOSED}),
    ("two-thousand-headers", lambda s, p: http("POST", p, {**owner(secret=s),
                                                           **{f"X-H{i}": "v" * 40 for i in range(2000)}}, ROW),
     {431, CLOSED}),
    ("path-over-64-kib", lambda s, p: http("GET", "/" + "a" * 100_000, owner(secret=s)), {431, CLOSED}),
    ("trickled-headers", lambda s, p: ([b"GET /ping HTTP/1.1\r\n"] + [b"X-Slow: a\r\n"] * 8, 0.3), {408, CLOSED}),
    ("silent-connection", lambda s, p: ([b""], 0.0), {408, CLOSED}),
    ("partial-body", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "100"}) + ROW, {408, CLOSED}),
    ("partial-chunked-body", lambda s, p: http("POST", p, {**owner(secret=s), "Transfer-Encoding": "chunked"},
                                               b"100\r\n1,1"), {408, CLOSED}),
    ("body-over-6-mb", lambda s, p: http("POST", p, owner(secret=s), b"1,1,1,1\n" * (MAX_PAYLOAD_BYTES // 8 + 1)),
     {413}),
    ("chunked-body-over-6-mb", lambda s, p: http("POST", p, {**owner(secret=s), "Transfer-Encoding": "chunked"},
                                                 (b"80000\r\n" + b"1,1,1,1\n" * 65536 + b"\r\n") * 13 + b"0\r\n\r\n"),
     {413}),
    ("content-length-over-6-mb-no-body", lambda s, p: http("POST", p, {**owner(secret=s),
                                                                       "Content-Length": str(MAX_PAYLOAD_BYTES + 1)}),
     {413}),
]

ACCESS = [
    ("host-other-name", lambda s, p: http("POST", p, owner(secret=s), ROW, host="evil.example"), {421}),
    ("host-rebinding-name", lambda s, p: http("POST", p, owner(secret=s), ROW, host="127.0.0.1.nip.io"), {421}),
    ("host-loopback-prefix", lambda s, p: http("POST", p, owner(secret=s), ROW, host="localhost.evil.example:80"),
     {421}),
    ("host-bad-port", lambda s, p: http("POST", p, owner(secret=s), ROW, host="127.0.0.1:http"), {421}),
    ("host-empty", lambda s, p: http("POST", p, owner(secret=s), ROW, host=""), {421}),
    ("host-on-ping", lambda s, p: http("GET", "/ping", host="attacker.example"), {421}),
    ("origin-other-site", lambda s, p: http("POST", p, owner({"Origin": "http://evil.example"}, s), ROW), {403}),
    ("origin-null", lambda s, p: http("POST", p, owner({"Origin": "null"}, s), ROW), {403}),
    ("origin-loopback-lookalike", lambda s, p: http("POST", p, owner({"Origin": "http://localhost.evil.example"}, s),
                                                    ROW), {403}),
    ("no-secret", lambda s, p: http("POST", p, {"Content-Type": "text/csv"}, ROW), {403}),
    ("wrong-secret", lambda s, p: http("POST", p, owner(secret="0" * 32), ROW), {403}),
    ("short-secret", lambda s, p: http("POST", p, owner(secret=s[:8]), ROW), {403}),
    ("uppercased-secret", lambda s, p: http("POST", p, owner(secret=s.upper() if s.upper() != s else "F" * 32), ROW),
     {403}),
    ("wrong-secret-prefix", lambda s, p: http("POST", f"/{'0' * 32}{p}", {"Content-Type": "text/csv"}, ROW), {403}),
    ("secret-prefix-without-slash", lambda s, p: http("POST", f"/{s}x{p}", {"Content-Type": "text/csv"}, ROW), {403}),
    ("cross-site-simple-post", lambda s, p: http("POST", p, {"Content-Type": "text/plain",
                                                             "Origin": "http://evil.example"}, ROW), {403}),
]

METHODS = [(f"{method.lower()}-invocation", lambda s, p, m=method: http(m, p, owner(secret=s)), {405})
           for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")]

ANSWERS = [
    ("accept-of-50-kb", lambda s, p: http("POST", p, owner({"Accept": "x/" + "y" * 50_000}, s), ROW), {406, 424}),
    ("content-type-of-50-kb", lambda s, p: http("POST", p, {SECRET_HEADER: s, "Content-Type": "x/" + "y" * 50_000},
                                                ROW), {415, 424}),
    ("custom-attributes-too-long", lambda s, p: http(
        "POST", p, owner({"X-Amzn-SageMaker-Custom-Attributes": "a" * 2000}, s), ROW), {400}),
    ("unknown-target-variant", lambda s, p: http("POST", p, owner({"X-Amzn-SageMaker-Target-Variant": "Z" * 300}, s),
                                                 ROW), {400}),
    ("empty-body", lambda s, p: http("POST", p, {**owner(secret=s), "Content-Length": "0"}), {424}),
]


def admin(secret: str, body: bytes, content_type: str = "application/json", path: str = "/_flywheel/weights",
          method: str = "POST", extra: dict | None = None) -> bytes:
    headers = {SECRET_HEADER: secret, "Content-Type": content_type, **(extra or {})}
    return http(method, path, headers, body) if body else http(method, path, {**headers, "Content-Length": "0"})


ADMIN = [  # the endpoint server only: the router has no admin routes
    ("admin-deep-nesting", lambda s, p: admin(s, b"[" * 30_000 + b"]" * 30_000), {400}),
    ("admin-deep-object", lambda s, p: admin(s, b'{"A":' * 10_000 + b"1" + b"}" * 10_000), {400}),
    ("admin-infinity", lambda s, p: admin(s, b'{"A": Infinity}'), {400}),
    ("admin-negative-infinity", lambda s, p: admin(s, b'{"A": -Infinity}'), {400}),
    ("admin-nan", lambda s, p: admin(s, b'{"A": NaN}'), {400}),
    ("admin-huge-number", lambda s, p: admin(s, b'{"A": 1e999}'), {400}),
    ("admin-negative-weight", lambda s, p: admin(s, b'{"A": 5, "B": -1}'), {400}),
    ("admin-text-weight", lambda s, p: admin(s, b'{"A": "1"}'), {400}),
    ("admin-bool-weight", lambda s, p: admin(s, b'{"A": true}'), {400}),
    ("admin-unknown-variant", lambda s, p: admin(s, b'{"A": 3, "' + b"Z" * 5000 + b'": 1}'), {400}),
    ("admin-all-zero", lambda s, p: admin(s, b'{"A": 0, "B": 0}'), {400}),
    ("admin-list", lambda s, p: admin(s, b"[1, 2]"), {400}),
    ("admin-empty-object", lambda s, p: admin(s, b"{}"), {400}),
    ("admin-invalid-json", lambda s, p: admin(s, b'{"A": '), {400}),
    ("admin-not-utf8", lambda s, p: admin(s, b'{"A": "\xff"}'), {400}),
    ("admin-empty-body", lambda s, p: admin(s, b""), {400}),
    ("admin-body-over-64-kib", lambda s, p: admin(s, b'{"A": 1' + b" " * 70_000 + b"}"), {413}),
    ("admin-text-plain", lambda s, p: admin(s, b'{"A": 9}', content_type="text/plain"), {415}),
    ("admin-form-post", lambda s, p: admin(s, b"A=9", content_type="application/x-www-form-urlencoded"), {415}),
    ("admin-no-secret", lambda s, p: admin("", b'{"A": 9}'), {403}),
    ("admin-secret-in-path-only", lambda s, p: http("POST", f"/{s}/_flywheel/weights",
                                                    {"Content-Type": "application/json"}, b'{"A": 9}'), {403}),
    ("admin-cross-site", lambda s, p: admin(s, b'{"A": 9}', extra={"Origin": "https://evil.example"}), {403}),
    ("admin-metrics-without-secret", lambda s, p: http("GET", "/_flywheel/metrics"), {403}),
    ("admin-get-weights", lambda s, p: admin(s, b"", method="GET"), {404}),
]

BOTH = FRAMING + LIMITS + ACCESS + METHODS + ANSWERS
CASES = ([pytest.param("endpoint", *case[1:], id=f"endpoint-{case[0]}") for case in BOTH + ADMIN]
         + [pytest.param("router", *case[1:], id=f"router-{case[0]}") for case in BOTH])


@pytest.mark.parametrize("target, build, expected", CASES)
def test_hostile_request_gets_a_clear_4xx_and_the_servers_stay_up(servers, target, build, expected):
    port, secret = servers[target], servers["secret"]
    built = build(secret, f"/endpoints/{NAME}/invocations")
    pieces, pause = built if isinstance(built, tuple) else (built, 0.0)
    started = time.monotonic()
    status, headers, body = exchange(port, pieces, pause)
    assert status in expected, (status, body[:300])
    assert time.monotonic() - started < 3 * READ_TIMEOUT + 1  # nothing is held: a deadline closes it
    assert len(body) < 4096  # no echoed input grows an answer
    if status in (403, 421):
        # the Runtime API's error shape
        assert json.loads(body)["ErrorCode"] in ("AccessDeniedException", "MisdirectedRequest")
    assert ping_ok(servers["endpoint"]) and ping_ok(servers["router"])


def test_the_hostile_suite_is_at_least_sixty_cases():
    assert len(CASES) >= 60


def test_refused_weight_updates_changed_nothing(servers):
    endpoint = servers["endpoint_object"]
    for _ in range(3):  # the refused updates above (and these) left the weights alone
        status, _, _ = exchange(servers["endpoint"], admin(servers["secret"], b'{"A": 7, "B": Infinity}'))
        assert status == 400
    assert {m["VariantName"]: m["CurrentWeight"] for m in endpoint.metrics()} == {"A": 0.5, "B": 0.5}


def test_the_owner_and_loopback_pages_get_answers(servers):
    secret = servers["secret"]
    for target in ("endpoint", "router"):
        path = f"/endpoints/{NAME}/invocations"
        for headers, host in (({}, "127.0.0.1"), ({"Origin": "http://localhost:8888"}, "localhost"),
                              ({}, f"[::1]:{servers[target]}")):
            status, _, body = exchange(servers[target], http("POST", path, owner(headers, secret), ROW, host=host))
            assert status == 200, body
        status, _, body = exchange(servers[target], http("POST", f"/{secret}{path}", {"Content-Type": "text/csv"}, ROW))
        assert status == 200, body  # the path-prefix form boto3 sends


def test_an_idle_flood_does_not_lock_out_a_real_client(servers):
    """Twice the connection cap of silent sockets: the oldest idle ones are closed to make room."""
    for target in ("endpoint", "router"):
        started = time.monotonic()
        idle = [socket.create_connection(("127.0.0.1", servers[target]), timeout=5) for _ in range(2 * MAX_CONNECTIONS)]
        try:
            status, _, _ = exchange(servers[target], http("GET", "/ping"), timeout=5)
            time.sleep(0.1)
            closed, _, _ = select.select(idle, [], [], 0)  # readable: answered 503 and closed by the server
            assert time.monotonic() - started < READ_TIMEOUT  # before any read timeout: the cap did it
            assert status == 200 and len(closed) >= MAX_CONNECTIONS - 1
        finally:
            for sock in idle:
                sock.close()


def test_silent_connections_are_closed_after_the_read_timeout(servers):
    for target in ("endpoint", "router"):
        with socket.create_connection(("127.0.0.1", servers[target]), timeout=10) as sock:
            started = time.monotonic()
            status, _, _ = read_answer(sock)
            waited = time.monotonic() - started
        assert status in (408, CLOSED) and READ_TIMEOUT * 0.9 <= waited < READ_TIMEOUT + 2


def test_ping_answers_while_a_large_invocation_runs(servers):
    """Six MB of valid rows (an answer over 6 MB: 413 as ModelError) while /ping keeps answering."""
    rows = b"1,1,1,1\n" * (MAX_PAYLOAD_BYTES // 8 - 1000)
    answer = {}

    def invoke():
        answer["result"] = exchange(servers["endpoint"], http("POST", f"/endpoints/{NAME}/invocations",
                                                              owner(secret=servers["secret"]), rows), timeout=60)
    worker = threading.Thread(target=invoke)
    worker.start()
    began = time.monotonic()
    time.sleep(0.3)
    pings = []
    while worker.is_alive():
        started = time.monotonic()
        assert ping_ok(servers["endpoint"])
        pings.append(time.monotonic() - started)
        time.sleep(0.05)
    worker.join()
    took = time.monotonic() - began
    status, _, body = answer["result"]
    error = json.loads(body)
    assert status == 424 and error["OriginalStatusCode"] == 413 and "batch transform" in error["OriginalMessage"]
    # Answered all along (inline, every ping waited for the whole invocation). A C call that holds
    # the GIL (the model's json.dumps of a 13 MB answer) still delays one by up to about a second.
    assert len(pings) >= 3 and max(pings) < took / 2, f"pings {pings} during a {took:.1f} s invocation"


def test_a_client_that_never_reads_its_answer_is_dropped(servers):
    """About 5.8 MB of answer (more than the kernel's socket buffers hold, 4 MB) to a client that reads
    nothing: the server drops the connection after the read timeout instead of holding the answer."""
    rows = b"1,1,1,1\n" * 320_000
    for target in ("endpoint", "router"):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel buffers little for us
        sock.settimeout(10)
        sock.connect(("127.0.0.1", servers[target]))
        with sock:
            sock.sendall(http("POST", f"/endpoints/{NAME}/invocations", owner(secret=servers["secret"]), rows))
            time.sleep(4 * READ_TIMEOUT)  # reading nothing
            received, started = 0, time.monotonic()
            try:
                while chunk := sock.recv(65536):
                    received += len(chunk)
            except ConnectionResetError:
                pass
            assert received < 5_000_000, f"{target}: the whole answer waited for a client that read nothing"
            assert time.monotonic() - started < 5
        assert ping_ok(servers[target])
