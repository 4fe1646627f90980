"""The local SageMaker Runtime: one URL for every endpoint, ``python -m helpers.platform.serving.router``.

``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` points boto3 here. For ``POST /endpoints/<name>/invocations``
the router looks the endpoint up in the registry and forwards the request to that endpoint's own
server, which does the work and answers in the Runtime API's shape (so errors, variants and capture
behave the same through either door). An unknown endpoint is a ``ValidationError`` as on AWS.

Only the store's owner gets through: the router checks the Host, the Origin and the store's secret
(sent by boto3 as the path prefix ``/<secret>`` that ``use_local_runtime()`` puts into
``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME``, or by the kit in the ``x-flywheel-secret`` header) as
:mod:`~helpers.platform.serving.access` describes, and passes the secret on to the endpoint server.
Only ``POST`` is an invocation (405 otherwise, as the endpoint answers).

The same URL answers boto3's S3 and SageMaker clients (``AWS_ENDPOINT_URL_S3`` / ``_SAGEMAKER``): a
request signed for "s3" goes to :mod:`~helpers.platform.serving.s3_api`, one naming an
``X-Amz-Target`` to :mod:`~helpers.platform.serving.control_api`, one signed for "sts"
(``AWS_ENDPOINT_URL_STS``: ``get_caller_identity``) to :mod:`~helpers.platform.serving.sts_api`, after
the same owner checks.

The router stops by itself once, for 15 seconds, no endpoint has existed and no process that pointed
boto3 at it (``use_local_runtime``: the notebook's kernel) has been alive; ``deploy``,
``use_backend("local")`` and the course's ``setup()`` start it again.
It prefers a fixed port derived from the store path, so its URL stays the same across restarts.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import json
import logging
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path

import psutil

from helpers.platform.serving import errors, processes
from helpers.platform.serving.access import SECRET_HEADER, Guard, clip, store_secret
from helpers.platform.serving.app import read_body
from helpers.platform.serving.registry import INSTANCES, EndpointNotFound, describe_endpoint, names, read_json
from helpers.platform.serving.upstream import Pool, UpstreamError
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import endpoints_root, runtime_dir, write_atomic

log = logging.getLogger("flywheel.runtime")
INSTANCES_REFRESH_SECONDS = 1.0  # how often the router re-reads which instances of an endpoint run
IDLE_EXIT_SECONDS = 15.0  # every process that starts the router registers, so this only bridges a kernel restart
_FORWARD = (b"content-type", b"accept")
_PREFIX, _SUFFIX = "/endpoints/", "/invocations"
# the service of a SigV4 credential scope (Authorization header, or X-Amz-Credential of a presigned URL)
_SIGNED_FOR = re.compile(rb"Credential=[^/&]+(?:/|%2F)\d{8}(?:/|%2F)[^/&%]+(?:/|%2F)([a-z0-9-]+)(?:/|%2F)aws4_request",
                         re.IGNORECASE)


#: Preferred ports are drawn from PORT_BASE up to PORT_SPAN ports, stopping below the ephemeral ports.
PORT_BASE, PORT_SPAN = 20000, 20000
#: Linux's ephemeral ports ("32768\t60999"): an outgoing connection's own port comes from there, and stays
#: taken for a minute after it closes (TIME_WAIT), so a router preferring one of them would often find it taken.
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: Where they start when the system does not say (macOS and IANA: 49152-65535).
EPHEMERAL_START = 49152


def preferred_port(store: Path) -> int:
    """A stable port for this store, so the runtime URL survives restarts: in 20000-39999, below the
    ephemeral ports (20000-32767 with Linux's defaults)."""
    span = min(PORT_SPAN, ephemeral_start() - PORT_BASE)
    if span < PORT_SPAN // 10:  # ephemeral ports start unusually low: no range avoids them, keep spreading stores
        span = PORT_SPAN
    return PORT_BASE + int(hashlib.sha256(str(store).encode()).hexdigest(), 16) % span


@functools.cache
def ephemeral_start() -> int:
    """The first ephemeral port of this machine (read once)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return EPHEMERAL_START


class RuntimeApp:
    """ASGI app forwarding Runtime API calls to the endpoint servers."""

    def __init__(self, root: Path, secret: str, on_shutdown=lambda: None):
        self.root = root
        self.on_shutdown = on_shutdown
        self.guard = Guard(secret)
        self._secret_header = (SECRET_HEADER.encode(), secret.encode())
        self.pool = Pool()
        self._states: dict[str, tuple[int, dict | None]] = {}
        self._instances: dict[str, tuple] = {}  # name -> (read at, instance 1's pid, running ports; empty for one)
        self._outstanding: dict[int, int] = {}  # port -> invocations sent and not answered yet
        self._turn = itertools.count()
        self._s3 = self._control = self._sts = None  # made on first use: the Runtime alone starts faster

    def _api_for(self, scope: dict, headers: dict):
        """The S3 or SageMaker API a request is for, or None for the Runtime (InvokeEndpoint): boto3 signs
        S3 calls for "s3" (header, or query of a presigned URL); SageMaker's JSON calls name X-Amz-Target."""
        query = scope.get("query_string", b"")
        signed = _SIGNED_FOR.search(headers.get(b"authorization", b"") or query)
        if (signed is not None and signed.group(1) == b"s3") or b"AWSAccessKeyId=" in query:  # V2: presigned
            if self._s3 is None:
                from helpers.platform.serving.s3_api import S3Api

                self._s3 = S3Api()
            return self._s3
        if signed is not None and signed.group(1) == b"sts":  # GetCallerIdentity (AWS_ENDPOINT_URL_STS)
            if self._sts is None:
                from helpers.platform.serving.sts_api import StsApi

                self._sts = StsApi()
            return self._sts
        if b"x-amz-target" in headers:
            if self._control is None:
                from helpers.platform.serving.control_api import ControlApi

                self._control = ControlApi()
            return self._control
        return None

    def _lookup(self, name: str) -> dict | None:
        """The endpoint server's own state (port, status), re-read when its file changes."""
        path = self.root / name / "server.json"
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            self._states.pop(name, None)
            return None
        cached = self._states.get(name)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        state = read_json(path)
        self._states[name] = (mtime, state)
        if state and isinstance(state.get("Port"), int) and isinstance(state.get("Pid"), int):
            self.pool.owners[state["Port"]] = state["Pid"]  # whose port it is: checked before connecting
        return state

    def _ports(self, name: str, state: dict) -> list[int]:
        """The ports of the endpoint's running instances (just its server's for an endpoint of one),
        re-read once a second: per request, an endpoint of one instance costs a clock read."""
        now = time.monotonic()
        cached = self._instances.get(name)
        # read again after a second, or at once when instance 1 is another process (deployed again)
        if cached is None or now - cached[0] > INSTANCES_REFRESH_SECONDS or cached[1] != state.get("Pid"):
            running = _running_servers(self.root / name)
            self.pool.owners.update(running)  # every instance's port, as _lookup records instance 1's
            cached = self._instances[name] = (now, state.get("Pid"), list(running))
        return cached[2] or [state["Port"]]

    async def _post(self, name: str, ports: list[int], path: str, forwarded: list, body: bytes, timeout: float):
        """Send to the instance with the fewest outstanding invocations (SageMaker's routing strategy
        LEAST_OUTSTANDING_REQUESTS); an instance that cannot be reached passes the request to the next."""
        if len(ports) == 1:
            return await self.pool.post(ports[0], path, forwarded, body, timeout)
        left = list(ports)
        while True:
            fewest = min(self._outstanding.get(candidate, 0) for candidate in left)
            idle = [candidate for candidate in left if self._outstanding.get(candidate, 0) == fewest]
            port = idle[next(self._turn) % len(idle)]  # ties in turn, so calls one at a time spread too
            self._outstanding[port] = self._outstanding.get(port, 0) + 1
            try:
                return await self.pool.post(port, path, forwarded, body, timeout)
            except UpstreamError:
                left.remove(port)
                self._instances.pop(name, None)  # an instance stopped: read them again
                if not left:
                    raise
            finally:
                self._outstanding[port] -= 1

    def _not_serving(self, name: str) -> tuple:
        """A ValidationError saying why ``name`` cannot take requests (unknown, Creating, Failed)."""
        try:
            view = describe_endpoint(name)
        except (EndpointNotFound, ValueError):
            return errors.validation_error(
                f"Endpoint {clip(name)} of account {errors.LOCAL_ACCOUNT} not found. Deployed endpoints: "
                f"{', '.join(names()) or 'none'}. Deploy one with ModelBuilder(...).deploy("
                f"endpoint_name={name!r}).")
        return errors.validation_error(
            f"Endpoint {name} is {view['EndpointStatus']}, not InService: it cannot take requests. "
            f"{view.get('FailureReason') or ''}".strip())

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    self.pool.close()
                    self.on_shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        if self.guard.fast_ok(headers):
            path = scope["path"]
        else:
            path = await self.guard.admit(scope, headers, send)
            if path is None:  # refused, answered
                return
        if path == "/ping":
            await _respond(send, 200, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")
            return
        api = self._api_for(scope, headers)
        if api is not None:  # boto3's S3 or SageMaker client (AWS_ENDPOINT_URL_S3 / _SAGEMAKER)
            await api(scope, path, headers, receive, send)
            return
        if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            await _respond(send, *errors.validation_error(
                f"{scope['method']} {clip(path)} is not a SageMaker Runtime operation: this local runtime "
                f"answers POST /endpoints/<EndpointName>/invocations (InvokeEndpoint).", 404))
            return
        if scope["method"] != "POST":
            await _respond(send, *errors.validation_error(
                f"{scope['method']} {clip(path)} is not allowed: invocations are POST requests with a body.", 405))
            return
        name = path[len(_PREFIX):-len(_SUFFIX)]
        state = self._lookup(name) if RESOURCE_NAME.match(name) else None
        if state is None or state.get("Status") != "InService":
            await _respond(send, *self._not_serving(name))
            return
        ports = self._ports(name, state)

        forwarded = [(key, value) for key, value in scope["headers"]
                     if key in _FORWARD or key.startswith(b"x-amzn-sagemaker-")]
        forwarded.append(self._secret_header)
        length = headers.get(b"content-length", b"0")
        body = None if length.isdigit() and int(length) > errors.MAX_PAYLOAD_BYTES else (
            await read_body(receive, errors.MAX_PAYLOAD_BYTES))
        if body is None:  # over the limit (said up front, or reading stopped there), or the client went away
            await _respond(send, *errors.validation_error(
                f"the request body is over {errors.MAX_PAYLOAD_BYTES} bytes (6 MB), the real-time "
                f"limit: send fewer rows per request, or use batch transform (Transformer).", 413))
            return
        timeout = float(state.get("InvocationTimeoutSeconds", 60)) + 10
        try:
            status_code, answer_headers, answer = await self._post(name, ports, path, forwarded, body, timeout)
        except (UpstreamError, asyncio.TimeoutError) as error:
            self._states.pop(name, None)
            view = describe_endpoint(name) if (self.root / name / "endpoint.json").exists() else None
            if view is None or view["EndpointStatus"] != "InService":
                await _respond(send, *self._not_serving(name))
                return
            await _respond(send, *errors.aws_error(
                503, "ServiceUnavailable",
                f"endpoint {name} did not answer ({error or type(error).__name__}). Check it with "
                f"describe_endpoint({name!r}) and its log {view['Local'].get('LogFile')}."))
            return
        out = [(key, value) for key, value in answer_headers if key != b"content-length"]
        out.append((b"content-length", str(len(answer)).encode()))
        await _respond(send, status_code, out, answer)


def _running_servers(folder: Path) -> dict[int, int]:
    """Port -> pid of the running instances of an endpoint of several, instance 1 first; empty for one."""
    instances = folder / INSTANCES
    if not instances.is_dir():
        return {}
    servers = {}
    for server in [folder / "server.json", *sorted(instances.glob("*/server.json"))]:
        state = read_json(server)
        if state and isinstance(state.get("Port"), int) and processes.is_alive(processes.ProcessRef.from_dict(state)):
            servers[state["Port"]] = state["Pid"]
    return servers


def _names(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if RESOURCE_NAME.match(p.name) and (p / "endpoint.json").exists())


async def _respond(send, status, headers, body):
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def clients_dir(state_dir: Path) -> Path:
    """Where processes that point boto3 here (``use_local_runtime``) leave ``<pid>.json``: the router
    stays up while one of them lives, so a learner's S3 client never loses it between deploys."""
    return state_dir / "clients"


def register_client(state_dir: Path, pid: int, create_time: float) -> None:
    """Keep the router up while process ``pid`` (started at psutil's ``create_time``) lives."""
    from helpers.platform_home import private_dir

    folder = private_dir(clients_dir(state_dir))
    write_atomic(folder / f"{pid}.json", json.dumps({"Pid": pid, "PidCreateTime": create_time}))


def _live_clients(state_dir: Path) -> int:
    """How many registered client processes still run (the files of ended ones are removed)."""
    from helpers.platform.serving.processes import ProcessRef, is_alive

    live = 0
    for file in clients_dir(state_dir).glob("*.json"):
        if is_alive(ProcessRef.from_dict(read_json(file))):
            live += 1
        else:
            file.unlink(missing_ok=True)
    return live


def _watch(root: Path, state_dir: Path, server) -> None:
    idle_since = None
    while not server.should_exit:
        time.sleep(1.0)
        if _names(root) or _live_clients(state_dir):
            idle_since = None
            continue
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > IDLE_EXIT_SECONDS or not root.parent.exists():
            log.warning("no endpoint and no client process left: stopping the local runtime")
            server.should_exit = True


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: any free port); OSError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> int:
    argv = list(processes.args() if argv is None else argv)
    store = Path(argv[0])
    os.environ["FLYWHEEL_HOME"] = str(store)  # the S3 and SageMaker APIs read this store, whoever started us
    port = int(argv[argv.index("--port") + 1]) if "--port" in argv else preferred_port(store)
    root = endpoints_root(store)
    state_dir = runtime_dir(store)
    state_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    if "--fd" in argv:  # the starter bound it: connections made while we start wait in its queue
        sock = socket.socket(fileno=int(argv[argv.index("--fd") + 1]))
    else:
        try:
            sock = listen(port)
        except OSError as error:
            log.error("port %s is taken (%s)", port, error)
            return 3
    port = sock.getsockname()[1]

    from helpers.platform.serving.protocol import serve

    def forget_state() -> None:
        # here, in the app's shutdown: uvicorn re-raises SIGTERM after it, so a `finally` never runs
        current = read_json(state_dir / "runtime.json")
        if current and current.get("Pid") == os.getpid():
            (state_dir / "runtime.json").unlink(missing_ok=True)

    server = serve(RuntimeApp(root, store_secret(store), forget_state), sock)
    threading.Thread(target=_watch, args=(root, state_dir, server), daemon=True).start()
    state = {"Pid": os.getpid(), "PidCreateTime": psutil.Process().create_time(), "Port": port,
             "Url": f"http://127.0.0.1:{port}"}
    write_atomic(state_dir / "runtime.json", json.dumps(state))
    log.info("local SageMaker Runtime on %s", state["Url"])
    try:
        server.run(sockets=[sock])
    finally:
        forget_state()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
