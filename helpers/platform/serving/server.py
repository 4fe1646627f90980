"""The endpoint server process: ``python -m helpers.platform.serving.server``, its folder passed by
:func:`~helpers.platform.serving.processes.spawn` in its environment (by hand: ``... server <folder>``).

It reads ``<folder>/config.json``, and for each production variant verifies the model artifact's
sha256, unpacks it safely and loads it through its inference handlers. Then it binds a free port on
127.0.0.1, writes ``<folder>/server.json`` (pid, port) and serves with uvicorn (uvloop + httptools)
through :mod:`~helpers.platform.serving.protocol` (read timeout, header and connection caps). Requests
pass the store's :class:`~helpers.platform.serving.access.Guard` (loopback Host and Origin, the
store's secret).

A failure before serving (checksum mismatch, unsafe archive, a handler that cannot load the model)
is written to ``<folder>/failure`` — the endpoint's ``FailureReason`` — and the process exits 1.

An endpoint server also restarts the local runtime router (boto3's door) when it finds it killed
(its state file left behind by a dead process): boto3 calls work again within seconds, without the
learner doing anything. A router that stopped cleanly (idle, or ``cleanup``) is left stopped.

The server stops by itself when its folder's ``config.json`` disappears (the endpoint was deleted,
or a test's temporary store was removed) or, for a batch-transform server, when the process that
started it is gone: no server outlives what it serves.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

import psutil

from helpers.platform.serving import processes
from helpers.platform.serving.access import Guard, store_secret
from helpers.platform.serving.app import Alarm, EndpointApp, Variant
from helpers.platform.serving.artifacts import verified_extract
from helpers.platform.serving.capture import CaptureProcess, CaptureSettings
from helpers.platform.serving.handlers import Handlers, load_builtin_handlers, load_script_handlers
from helpers.platform.serving.handlers import (default_input_fn, default_model_fn, default_output_fn,
                                               default_predict_fn)
from helpers.platform.serving.protocol import UVICORN_SETTINGS  # noqa: F401 (tests/benchmarks read it here)
from helpers.platform_home import RUNTIME, write_atomic

log = logging.getLogger("flywheel.endpoint")
WATCH_SECONDS = 1.0


def load_variant(folder: Path, spec: dict) -> Variant:
    """Verify, unpack and load one production variant described by ``spec`` (from config.json)."""
    model = spec["Model"]
    local = model["Local"]
    model_dir = folder / "variants" / spec["VariantName"] / "model"
    log.info("variant %s: verifying %s", spec["VariantName"], local["ArtifactPath"])
    verified_extract(local["ArtifactPath"], local.get("Sha256"), model_dir)  # hashes and unpacks the same bytes
    for key, value in (model.get("PrimaryContainer", {}).get("Environment") or {}).items():
        os.environ.setdefault(key, str(value))
    if local.get("Algorithm"):
        handlers = load_builtin_handlers(local["Algorithm"], model_dir)
    elif local.get("EntryScript"):
        handlers = load_script_handlers(Path(local["CodeDir"]) / local["EntryScript"], model_dir)
    elif (model_dir / "code" / "inference.py").exists():
        handlers = load_script_handlers(model_dir / "code" / "inference.py", model_dir)
    else:
        handlers = Handlers(default_model_fn(model_dir), default_input_fn, default_predict_fn, default_output_fn,
                            default_accept="application/json")
    log.info("variant %s: model loaded", spec["VariantName"])
    return Variant(spec["VariantName"], handlers, float(spec.get("InitialVariantWeight", 1.0)))


def build_app(folder: Path, config: dict, alarm=None) -> EndpointApp:
    variants = [load_variant(folder, spec) for spec in config["Variants"]]
    capture, sampling = None, 0.0
    if config.get("DataCapture"):
        settings = CaptureSettings.from_dict(config["DataCapture"])
        capture = CaptureProcess(settings, config["EndpointName"])
        sampling = settings.sampling_percentage / 100.0
    return EndpointApp(
        endpoint_name=config["EndpointName"], variants=variants, capture=capture, sampling=sampling,
        alarm=alarm if alarm is not None else Alarm(float(config.get("InvocationTimeoutSeconds", 60))),
        log_hint=str(folder / "server.log"), guard=Guard(store_secret()),
    )


def _watch(folder: Path, parent_pid: int | None, server) -> None:
    """Stop the server when its folder's config vanishes or its parent (transform jobs) exits; an
    endpoint's server (no parent) also restarts a killed runtime router."""
    router = _RouterWatch(folder.parent / RUNTIME / "runtime.json")
    # the folder itself, not its path: UpdateEndpoint starts the new servers in a folder beside the live
    # one and swaps the two, and each server must go on watching its own
    home = os.open(folder, os.O_RDONLY)
    while not server.should_exit:
        time.sleep(WATCH_SECONDS)
        gone = not _holds(home, "config.json")
        orphaned = parent_pid is not None and not psutil.pid_exists(parent_pid)
        if gone or orphaned:
            log.warning("stopping: %s", "config.json removed" if gone else "parent process exited")
            server.should_exit = True
        elif parent_pid is None and router.killed():
            router.revive()


def _holds(directory: int, name: str) -> bool:
    """Whether the folder open as ``directory`` (a descriptor) still holds ``name`` (False once it is removed)."""
    try:
        os.stat(name, dir_fd=directory)
    except OSError:
        return False
    return True


class _RouterWatch:
    """Notices a killed runtime router cheaply (a stat and a signal 0 a second) and restarts it."""

    def __init__(self, state_file: Path):
        self.state_file = state_file
        self._seen: tuple[int, int] | None = None  # (state file mtime, its pid)

    def killed(self) -> bool:
        try:
            mtime = self.state_file.stat().st_mtime_ns
        except OSError:
            return False  # never started, or stopped cleanly: left so
        if self._seen is None or self._seen[0] != mtime:
            try:
                self._seen = (mtime, int(json.loads(self.state_file.read_text())["Pid"]))
            except (OSError, ValueError, KeyError, TypeError):
                return False
        try:
            os.kill(self._seen[1], 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def revive(self) -> None:
        from helpers.platform.serving.runtime import ensure_runtime, runtime_status

        try:
            if runtime_status()["Status"].startswith("dead"):
                log.warning("the local runtime router was killed: starting it again")
                ensure_runtime()
        except Exception:  # noqa: BLE001 - never let the watchdog die; the next round tries again
            log.exception("could not restart the local runtime router")


def main(argv: list[str] | None = None) -> int:
    argv = list(processes.args() if argv is None else argv)
    folder = Path(argv[0])
    parent_pid = int(argv[argv.index("--parent-pid") + 1]) if "--parent-pid" in argv else None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    (folder / "failure").unlink(missing_ok=True)
    (folder / "server.json").unlink(missing_ok=True)
    try:
        config = json.loads((folder / "config.json").read_text())
        app = build_app(folder, config)
    except BaseException as error:  # noqa: BLE001 - every startup failure becomes the FailureReason
        reason = f"{type(error).__name__}: {error}"
        traceback.print_exc()
        (folder / "failure").write_text(reason)
        return 1

    from helpers.platform.serving.protocol import serve

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(config.get("Port") or 0)))
    # Listen before announcing the port: a request sent at once waits in the backlog, not refused.
    sock.listen(2048)
    port = sock.getsockname()[1]
    server = serve(app, sock)
    threading.Thread(target=_watch, args=(folder, parent_pid, server), daemon=True).start()
    state = {"Pid": os.getpid(), "PidCreateTime": psutil.Process().create_time(), "Port": port,
             "Url": f"http://127.0.0.1:{port}", "Status": "InService",
             "InvocationTimeoutSeconds": float(config.get("InvocationTimeoutSeconds", 60))}
    write_atomic(folder / "server.json", json.dumps(state))
    log.info("serving %s on %s", config["EndpointName"], state["Url"])
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
