"""Point boto3 at the local platform (the router), and keep that router running.

``use_local_runtime()`` is what the platform calls for the local backend: it sets
``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME``, ``AWS_ENDPOINT_URL_SAGEMAKER``, ``AWS_ENDPOINT_URL_S3`` and
``AWS_ENDPOINT_URL_STS`` to the router's URL, plus fake credentials and a region when none are set, so
plain boto3 clients (``sagemaker-runtime``, ``sagemaker``, ``s3``, ``sts``) — and the SDK's ``Endpoint.invoke`` — reach the
local endpoints, records and object store unchanged, whenever the client was created.
``use_backend("local")`` and the course's ``setup()`` start the router without waiting for it, ``deploy``
when needed; it then stays up while that process (the kernel) lives or an endpoint exists.

The URL carries the store's secret as its path (``http://127.0.0.1:PORT/<secret>``): botocore joins
it with the operation's path, so boto3 sends ``/<secret>/endpoints/<name>/invocations`` and the
router knows the call comes from the store's owner (see :mod:`~helpers.platform.serving.access`).

A router that died (killed, machine asleep too long) leaves boto3 with "Could not connect to the
endpoint URL": ``use_local_runtime(start=True)`` starts it again, and :func:`runtime_status` says
which it is (``python -m helpers doctor`` reports it).

On a shared machine another user may bind a dead router's port: the kit never hands out, nor lets a
boto3 client send to, a port whose listener is another user's (:mod:`~helpers.platform.serving.ports`),
and starts the router again on a free port instead. boto3 clients made after ``use_local_runtime``
check through botocore's client plugins (``BOTOCORE_EXPERIMENTAL__PLUGINS``, which botocore reads
when it makes a client: :func:`initialize_client_plugin` registers :func:`guard_client`'s hook); a
few microseconds a request.

The same hook keeps a client made before the router started (its URL names the port the router
prefers, handed out in advance) working when the router found that port taken and listens on another:
the request goes to the router's port.
"""

from __future__ import annotations

import fcntl
import os
import urllib.request
from contextlib import contextmanager

from helpers.platform.serving import ports, processes
from helpers.platform.serving.access import store_secret
from helpers.platform.serving.registry import read_json, store_root
from helpers.platform.serving.router import preferred_port
from helpers.platform_home import runtime_dir

ENV_URL = "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"
#: Every boto3 service the router answers: SageMaker Runtime, the SageMaker control plane, S3, STS.
ENV_URLS = (ENV_URL, "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "flywheel-local",
    "AWS_SECRET_ACCESS_KEY": "flywheel-local-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    # no instance-metadata lookups (slow, and meaningless offline)
    "AWS_EC2_METADATA_DISABLED": "true",
}


def state_file():
    """The router's state file (pid, start time, port, URL); gone when it is not running."""
    return runtime_dir() / "runtime.json"


def runtime_state() -> dict | None:
    """The running router's state (pid, port, url), or None when it is not running."""
    state = read_json(state_file())
    if state and processes.is_alive(processes.ProcessRef.from_dict(state)):
        return state
    return None


def runtime_status() -> dict:
    """Whether the router runs: ``{"Status": "running" | "dead: pid file left" | "not started", ...}``
    plus ``Url`` and ``Pid`` when known and a ``Fix`` for a dead one (for doctor / cleanup reports)."""
    state = read_json(state_file())
    if state is None:
        return {"Status": "not started", "Url": None, "Pid": None}
    if processes.is_alive(processes.ProcessRef.from_dict(state)):
        return {"Status": "running", "Url": state.get("Url"), "Pid": state.get("Pid")}
    return {"Status": "dead: pid file left", "Url": state.get("Url"), "Pid": state.get("Pid"),
            "Fix": "helpers.platform.use_local_runtime(start=True) starts it again (deploy does too)."}


def runtime_url() -> str:
    """The router's URL (no secret): the running one, else the one it will take when started."""
    state = runtime_state()
    return state["Url"] if state else f"http://127.0.0.1:{preferred_port(store_root())}"


def boto3_url(url: str) -> str:
    """``url`` with the store's secret as its path: what AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME holds."""
    return f"{url}/{store_secret()}"


def _ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/ping", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def start_lock():
    """One process at a time starts the router (two at once would take two ports), or removes a dead
    one's state file (cleanup)."""
    folder = runtime_dir()
    from helpers.platform_home import open_private, private_dir

    private_dir(folder)
    with open_private(folder / "start.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_runtime(timeout: float = 30.0, wait: bool = True) -> str:
    """Start the router unless it runs; return its URL, without the secret (and keep the env
    variables in step). ``wait=False`` returns once the router's socket listens (a few
    milliseconds): requests made meanwhile wait in its queue until the router takes them."""
    state = runtime_state()
    if state is None:
        with start_lock():
            state = runtime_state() or _start_runtime(timeout, wait)
    ports.check(state["Port"], state["Pid"])  # ours while it lives: read once per router
    for key in ENV_URLS:  # a router that had to take another port: follow it
        current = os.environ.get(key, "")
        if current.startswith("http://127.0.0.1:") and current != boto3_url(state["Url"]):
            os.environ[key] = boto3_url(state["Url"])
    return state["Url"]


#: botocore's client plugin variable, and this module's entry in it.
PLUGINS_ENV = "BOTOCORE_EXPERIMENTAL__PLUGINS"
PLUGIN = "flywheel_ports=helpers.platform.serving.runtime"

#: Seconds to wait for a router that another process is starting on the preferred port.
STARTING_ELSEWHERE_SECONDS = 3.0


def _start_runtime(timeout: float, wait: bool = True) -> dict:
    """Start the router on a socket bound here (its preferred port, else any free one) and handed
    over, so no connection is refused while it starts; with ``wait``, return once it answers /ping."""
    from helpers.platform.serving.router import listen

    store = store_root()
    log = runtime_dir() / "router.log"
    preferred = preferred_port(store)
    try:
        sock = listen(preferred)
    except OSError:  # taken: by a router another process is starting? Else by some other program
        if _may_be_our_router(preferred) and processes.wait_until(
                lambda: runtime_state() is not None, min(timeout, STARTING_ELSEWHERE_SECONDS)):
            return runtime_state()
        sock = listen(0)
    port = sock.getsockname()[1]
    with sock:  # the child holds its own copy
        ref = processes.spawn("helpers.platform.serving.router", [str(store), "--fd", str(sock.fileno())], log,
                              pass_fds=(sock.fileno(),))
    url = f"http://127.0.0.1:{port}"
    if not wait:
        return {**ref.to_dict(), "Port": port, "Url": url}
    processes.wait_until(lambda: (read_json(state_file()) or {}).get("Pid") == ref.pid
                         or not processes.is_alive(ref), timeout)
    state = runtime_state()
    if state is None or state.get("Pid") != ref.pid:
        processes.stop(ref)
        raise RuntimeError(f"the local SageMaker Runtime did not start; see {log}")
    processes.wait_until(lambda: _ping(url), timeout)
    return state


def _may_be_our_router(port: int) -> bool:
    """Whether a router of this user may be starting on ``port``: False when the tables show no listener
    there (a connection's socket holds it, or one that closed: TIME_WAIT) or another user's."""
    tables = ports.source()
    if tables is None:
        return True  # no tables to ask (not Linux): a router may be starting
    listeners = ports.listeners(port, tables)
    return bool(listeners) and all(listener.uid == os.geteuid() for listener in listeners)


def restart_if_displaced(port: int) -> str | None:
    """When ``port`` was this store's router's (recorded, or the one it prefers) and the router no longer
    runs, start it on a free port and return its URL; else None (nothing of ours to restart)."""
    recorded = (read_json(state_file()) or {}).get("Port")
    if port not in (recorded, preferred_port(store_root())) or runtime_state() is not None:
        return None
    return ensure_runtime(wait=False)


def stop_runtime() -> bool:
    state = read_json(state_file())
    return processes.stop(processes.ProcessRef.from_dict(state))


def use_local_runtime(start: bool = False, wait: bool = True) -> str:
    """Send boto3's SageMaker Runtime, SageMaker and S3 calls to the local router; return the URL boto3
    is given (the router's, with the store's secret as its path: pass it as ``endpoint_url`` if you like).

    Sets ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME``, ``AWS_ENDPOINT_URL_SAGEMAKER`` and
    ``AWS_ENDPOINT_URL_S3`` (boto3 reads them when a client is created, so clients made before the
    first deploy reach the router too); sets fake credentials and ``us-east-1`` only where none are
    configured. ``start=True`` also starts the router unless it runs, and keeps it up while this
    process lives; with ``wait`` it returns once the router answers (about 0.7 s for a start),
    without, once its socket listens (milliseconds): a call made meanwhile waits in the socket's
    queue, never "Could not connect". ``start=False`` leaves the start to ``deploy``.
    """
    if start:
        _register_this_process()
    url = boto3_url(ensure_runtime(wait=wait) if start else _unstarted_url(wait))
    install_plugin()  # boto3 clients made from now on check the port before each request
    for key in ENV_URLS:
        os.environ[key] = url
    for key, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    return url


def _unstarted_url(wait: bool) -> str:
    """:func:`runtime_url`, unless another user holds the port the router would take: then the router
    starts now, on a free port (never hand out a URL whose requests, secret included, reach another user)."""
    state = runtime_state()
    url = state["Url"] if state else runtime_url()
    try:
        ports.check_url(url, state["Pid"] if state else None)
    except ports.PortHeld:
        return ensure_runtime(wait=wait)
    return url


def _register_this_process() -> None:
    """Keep the router up while this process (a notebook kernel) lives: its boto3 clients may call at
    any time, endpoint or not."""
    import psutil

    from helpers.platform.serving.router import register_client

    register_client(runtime_dir(), os.getpid(), psutil.Process().create_time())


def _before_send(request, **_) -> None:
    """botocore's ``before-send`` hook: a client made before the router started (its URL names the
    preferred port) follows the router to the port it took instead; refuse to send to a local port
    another user holds; when that port was our router's (it died), start the router again on a free
    port and say so."""
    port = ports.local_port(request.url)
    if port is None or ports.trusted(port):
        return
    moved = _router_port_instead_of(port, request.url)
    if moved is not None:
        request.url = ports.LOCAL_PREFIX + str(moved) + request.url[len(ports.LOCAL_PREFIX + str(port)):]
        port = moved
        if ports.trusted(port):
            return
    try:
        ports.check(port, _router_pid(port))
    except ports.PortHeld as held:
        moved = restart_if_displaced(port)
        if moved:
            raise ports.PortHeld(port, held.uid, restarted_at=moved) from None
        raise


def _router_port_instead_of(port: int, url: str) -> int | None:
    """The port this store's router listens on when ``url`` is the one :func:`use_local_runtime` handed out
    before the router started (this store's preferred ``port``, its secret as the path) and the router
    took another port (the preferred one was taken); else None.

    Where it listens: the running router's record, else the URL handed out now (set as soon as this
    process has bound the router's socket, before the router writes its record)."""
    if port != preferred_port(store_root()):
        return None
    secret = store_secret()
    path = url[len(ports.LOCAL_PREFIX + str(port)):]
    if path != f"/{secret}" and not path.startswith((f"/{secret}/", f"/{secret}?")):
        return None  # another store's URL, or none of the kit's
    state = runtime_state()
    if state is not None:
        current = state["Port"]
    else:
        handed_out = os.environ.get(ENV_URL, "")
        current = ports.local_port(handed_out) if handed_out.endswith(f"/{secret}") else None
    return current if current not in (None, port) else None


def _router_pid(port: int) -> int | None:
    """The pid of this store's router when it runs on ``port`` (then the port is remembered as ours)."""
    state = runtime_state()
    return state["Pid"] if state and state.get("Port") == port else None


def guard_client(client) -> None:
    """Check each request of a botocore ``client`` with :func:`ports.check` before it is sent."""
    client.meta.events.register("before-send", _before_send, unique_id="flywheel-ports")


def initialize_client_plugin(client) -> None:
    """botocore's client plugin entry (``BOTOCORE_EXPERIMENTAL__PLUGINS``): called for each new client."""
    guard_client(client)


def install_plugin() -> None:
    """Have every botocore client made from now on (in this process and its children) guard its requests."""
    current = os.environ.get(PLUGINS_ENV, "")
    if current == "DISABLED" or PLUGIN in current.split(","):
        return
    os.environ[PLUGINS_ENV] = f"{current},{PLUGIN}" if current else PLUGIN


def uninstall_plugin() -> None:
    entries = [entry for entry in os.environ.get(PLUGINS_ENV, "").split(",") if entry and entry != PLUGIN]
    if entries:
        os.environ[PLUGINS_ENV] = ",".join(entries)
    else:
        os.environ.pop(PLUGINS_ENV, None)


def clear_local_runtime() -> None:
    """Undo :func:`use_local_runtime`'s URLs (for switching to the real SageMaker backend)."""
    for key in ENV_URLS:
        if os.environ.get(key, "").startswith("http://127.0.0.1:"):
            del os.environ[key]
    uninstall_plugin()
