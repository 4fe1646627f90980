"""The endpoint's ASGI application: the inference container contract and the Runtime API path.

Routes (of each server process of an endpoint: one per instance):

* ``GET /ping`` — 200 when the models are loaded (the container health check);
* ``POST /invocations`` — the container contract: errors come back as the container's own status
  (400 bad body, 406 accept, 413 too big, 415 content type, 500 model bug, 504 too slow) with a
  plain-text message;
* ``POST /endpoints/<name>/invocations`` — the SageMaker Runtime API: the same work, with the
  request headers boto3 sends (``X-Amzn-SageMaker-Target-Variant``, ``-Inference-Id``,
  ``-Custom-Attributes``) and the errors AWS gives (``ModelError`` 424 wrapping the container's
  answer, ``ValidationError`` 400);
* ``GET /_flywheel/metrics``, ``POST /_flywheel/flush``, ``POST /_flywheel/weights`` — local
  plumbing for per-variant counts, capture flushing and traffic weights (JSON bodies only, with the
  secret in its header: no web page can drive them).

Before any route, the server's :class:`~helpers.platform.serving.access.Guard` checks the Host, the
Origin and the store's secret (``/ping`` needs no secret); see that module.

A body over 64 KB is parsed and predicted in a worker thread, so ``/ping`` and small requests are
answered while it runs (its time limit is then kept by the event loop, which answers 504 at the
limit; the thread finishes on its own). An answer over 6 MB is refused with 413, as SageMaker does.

This is the hot path, written as a bare ASGI callable (no framework): a one-row CSV request costs a
header scan, the model's handlers, two ``send`` calls and, when captured, one tuple appended to a
list (the capture process formats and writes it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import math
import logging
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from helpers.platform.serving import errors
from helpers.platform.serving.access import Guard, clip
from helpers.platform.serving.capture import CaptureProcess, CaptureWriter
from helpers.platform.serving.handlers import HandlerFailure, Handlers

log = logging.getLogger("flywheel.endpoint")

_RUNTIME_PREFIX = "/endpoints/"
_RUNTIME_SUFFIX = "/invocations"
_MAX_CUSTOM_ATTRIBUTES = 1024
_MAX_INFERENCE_ID = 64
_FLUSH_SECONDS = 0.5
_clock, _now = time.perf_counter, time.time
# content-length headers of small bodies, made once: formatting one per response cost more
_LENGTH_HEADERS = tuple((b"content-length", b"%d" % size) for size in range(1024))
_FLUSH_RECORDS = 256  # captured records kept before they are handed to the writer, at most
_FLUSH_BYTES = 1 << 20  # ... and their bodies' bytes: large bodies are not held by the hundred
_INLINE_BYTES = 64 * 1024  # larger bodies are parsed and predicted in a worker thread
_ADMIN_MAX_BYTES = 64 * 1024
_MESSAGE_MAX = 1000  # characters of a handler's error message kept (they may echo request headers)
_SECRET = b"x-flywheel-secret"
_compare = hmac.compare_digest  # constant time


@dataclass
class Variant:
    """One production variant: a loaded model, its traffic weight and its invocation counters."""

    name: str
    handlers: Handlers
    weight: float = 1.0
    invocations: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    model_latency: float = 0.0   # seconds, summed over successful invocations

    def __post_init__(self) -> None:
        self.header = (b"x-amzn-invoked-production-variant", self.name.encode())

    def metrics(self) -> dict[str, Any]:
        ok = self.invocations - self.errors_4xx - self.errors_5xx
        return {
            "VariantName": self.name, "CurrentWeight": self.weight, "Invocations": self.invocations,
            "Invocation4XXErrors": self.errors_4xx, "Invocation5XXErrors": self.errors_5xx,
            # CloudWatch reports ModelLatency in microseconds
            "ModelLatency": round(self.model_latency / ok * 1e6, 1) if ok else None,
        }


class Alarm:
    """Interrupts the model's handlers once they run past ``seconds`` with :class:`~errors.InvocationTimeout`.

    The endpoint arms it by setting ``started`` (``time.perf_counter()``) and disarms it by setting
    None: one attribute store, where a per-request ``setitimer`` cost two system calls that under
    virtualisation took a quarter of the server's time (measured with py-spy in a Firecracker VM).
    A watchdog thread looks every ``poll`` seconds (a twentieth of the
    limit, at most 0.1 s) and, when the armed invocation is over time, sends SIGALRM to the main
    thread, where the handlers run: the signal interrupts Python code and sleeps. The signal handler
    checks the deadline again, so a signal arriving after the invocation ended is ignored and can
    never hit the server itself.
    """

    def __init__(self, seconds: float, poll: float | None = None):
        self.seconds = seconds
        self.poll = poll if poll is not None else min(0.1, seconds / 20)
        self.started: float | None = None   # time.perf_counter() when armed; None when disarmed
        self._main_thread = threading.main_thread().ident
        self._stopped = threading.Event()
        signal.signal(signal.SIGALRM, self._fire)
        threading.Thread(target=self._watch, name="invocation-watchdog", daemon=True).start()

    def _overdue(self) -> bool:
        started = self.started
        return started is not None and time.perf_counter() - started >= self.seconds

    def _fire(self, signum, frame):
        if self._overdue():
            self.started = None
            raise errors.InvocationTimeout()

    def _watch(self) -> None:
        while not self._stopped.wait(self.poll):
            if self._overdue():
                signal.pthread_kill(self._main_thread, signal.SIGALRM)

    def close(self) -> None:
        """Stop the watchdog thread."""
        self._stopped.set()


class NoAlarm:
    """Used where signals are unavailable (a server not on the main thread): no time limit."""

    seconds = float("inf")
    started: float | None = None

    def close(self) -> None:
        pass


@dataclass
class EndpointApp:
    """ASGI app serving one endpoint's variants. ``alarm`` bounds each invocation's handler time."""

    endpoint_name: str
    variants: list[Variant]
    alarm: Any = field(default_factory=NoAlarm)
    capture: CaptureWriter | CaptureProcess | None = None
    sampling: float = 0.0            # fraction of invocations captured (0..1)
    log_hint: str = "the endpoint's server.log"
    max_payload: int = errors.MAX_PAYLOAD_BYTES
    seed: int = 0                    # traffic split and capture sampling are reproducible
    guard: Guard | None = None       # None (in-process tests): no Host / Origin / secret checks
    _by_name: dict = field(default_factory=dict)
    _cumulative: list = field(default_factory=list)
    _type_headers: dict = field(default_factory=dict)
    _flusher: Any = None
    _captured: list = field(default_factory=list)   # raw records not handed to the writer yet
    _captured_bytes: int = 0
    _worker: Any = None  # the thread pool of large invocations, made on first use

    def __post_init__(self) -> None:
        self._runtime_path = f"{_RUNTIME_PREFIX}{self.endpoint_name}{_RUNTIME_SUFFIX}"
        self._payload_digits = len(str(self.max_payload))  # a shorter Content-Length is within the limit
        self._random = random.Random(self.seed).random
        self._by_name = {v.name: v for v in self.variants}
        self._only = self.variants[0] if len(self.variants) == 1 else None
        self.set_weights({v.name: v.weight for v in self.variants})

    # ---------------------------------------------------------------------------- traffic split
    def set_weights(self, weights: dict[str, float]) -> None:
        """Set some variants' weights; a ValueError (naming the problem) changes none of them."""
        new = self._checked_weights(weights)
        for variant in self.variants:
            variant.weight = new[variant.name]
        total = sum(new.values())
        running, cumulative = 0.0, []
        for variant in self.variants:
            running += variant.weight / total
            cumulative.append((running, variant))
        self._cumulative = cumulative

    def _checked_weights(self, weights) -> dict[str, float]:
        """Every variant's weight once ``weights`` apply; raise ValueError before anything changes."""
        if not isinstance(weights, dict) or not weights:
            raise ValueError(f"send a JSON object of variant name to weight, e.g. "
                             f"{json.dumps({v.name: 1.0 for v in self.variants})}.")
        unknown = [name for name in weights if name not in self._by_name]
        if unknown:
            raise ValueError(f"unknown variant(s) {clip(repr(sorted(map(str, unknown))))}; this endpoint has "
                             f"{sorted(self._by_name)}")
        new = {v.name: v.weight for v in self.variants}
        for name, weight in weights.items():
            if (isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight)
                    or weight < 0):
                raise ValueError(f"variant {name!r} weight {clip(repr(weight))} must be a finite number >= 0")
            new[name] = float(weight)
        if sum(new.values()) <= 0:
            raise ValueError("at least one variant needs a weight above 0 to receive traffic")
        return new

    def _pick(self) -> Variant:
        if len(self._cumulative) == 1:
            return self._cumulative[0][1]
        draw = self._random()
        for bound, variant in self._cumulative:
            if draw < bound:
                return variant
        return self._cumulative[-1][1]

    # ---------------------------------------------------------------------------------- ASGI
    async def __call__(self, scope, receive, send) -> None:
        # Invocations are answered here, inline: the hot path, kept short (rare cases such as errors
        # or a body in several chunks are handled by helper methods). Every other route: _route.
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
            return
        headers = dict(scope["headers"])  # names arrive lower-cased; a repeated header keeps its last value
        guard = self.guard
        # Guard.fast_ok, inline (the hot path): the secret header, a known Host and no Origin
        if guard is not None and not (_compare(headers.get(_SECRET, b""), guard.secret)
                                      and headers.get(b"host") in guard.hosts and b"origin" not in headers):
            path = await guard.admit(scope, headers, send)
            if path is None:  # refused, answered
                return
        else:
            path = scope["path"]
        runtime = path == self._runtime_path
        if not (runtime or path == "/invocations") or scope["method"] != "POST":
            await self._route(scope, path, headers, receive, send, runtime)
            return

        length = headers.get(b"content-length")
        if (length is not None and len(length) >= self._payload_digits and length.isdigit()
                and int(length) > self.max_payload):
            await self._too_large(send, int(length), runtime)
            return
        message = await receive()
        if message.get("more_body") or message["type"] != "http.request":
            body = await self._rest_of_body(message, receive, send, runtime)
            if body is None:  # answered (too large) or the client went away
                return
        else:
            body = message.get("body", b"")
        target = headers.get(b"x-amzn-sagemaker-target-variant")
        inference_id = headers.get(b"x-amzn-sagemaker-inference-id")
        attributes = headers.get(b"x-amzn-sagemaker-custom-attributes")
        if target is not None or inference_id is not None or attributes is not None:
            target, inference_id, attributes = _text(target), _text(inference_id), _text(attributes)
            problem = self._header_problem(target, inference_id, attributes)
            if problem:
                await _respond(send, *(errors.validation_error(problem) if runtime else errors.plain(400, problem)))
                return
        variant = self._by_name[target] if target is not None else (self._only or self._pick())
        variant.invocations += 1
        if not body:
            variant.errors_4xx += 1
            await self._fail(send, runtime, 400, "the request body is empty: send the features to predict on "
                                                 "(e.g. one CSV row, no header, no label).")
            return
        # handlers get the headers as sent (parameters such as label_size included), as on SageMaker
        content_type = headers.get(b"content-type")
        ctype = content_type.decode("latin-1") if content_type is not None else ""
        accept = headers.get(b"accept")

        try:
            if len(body) > _INLINE_BYTES:  # off the event loop: /ping and small requests go on meanwhile
                started = _clock()
                out_body, out_type = await self._invoke_in_thread(variant, body, ctype, accept)
            else:
                alarm = self.alarm
                alarm.started = started = _clock()  # armed: the watchdog interrupts past the limit
                try:
                    out_body, out_type = variant.handlers.invoke(body, ctype, accept.decode("latin-1") if accept else "")
                finally:
                    alarm.started = None
        except (HandlerFailure, errors.InvocationTimeout) as failure:
            await self._failed(send, runtime, variant, failure)
            return
        elapsed = _clock() - started
        size = len(out_body)
        if size > self.max_payload:
            variant.errors_4xx += 1  # the request asked for too much at once, as SageMaker answers it
            await self._fail(send, runtime, 413,
                             f"the response is {size} bytes, over the {self.max_payload}-byte (6 MB) limit of a "
                             f"real-time answer: send fewer rows per request, or use batch transform "
                             f"(Transformer) for large files.")
            return
        variant.model_latency += elapsed

        type_header = self._type_headers.get(out_type) or self._type_header(out_type)
        headers = [type_header, _LENGTH_HEADERS[size] if size < 1024 else (b"content-length", b"%d" % size)]
        if runtime:
            headers.append(variant.header)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": out_body})
        # After the answer, so capture never delays it: the raw values, formatted by the writer later.
        if self.capture is not None and (self.sampling >= 1.0 or self._random() < self.sampling):
            captured = self._captured
            captured.append((_now(), variant.name, ctype, body, out_type, out_body, inference_id, attributes))
            self._captured_bytes += len(body) + len(out_body)
            if len(captured) >= _FLUSH_RECORDS or self._captured_bytes >= _FLUSH_BYTES:
                # Small batches keep the buffers inside memory the process already has: half-second
                # batches of megabytes cost about one page fault per request (measured).
                self._flush_capture()

    async def _invoke_in_thread(self, variant: Variant, body: bytes, ctype: str, accept: bytes | None):
        """Run the handlers on a large body in the worker thread, within the invocation time limit."""
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="large-invocation")
        work = asyncio.get_running_loop().run_in_executor(
            self._worker, variant.handlers.invoke, body, ctype, accept.decode("latin-1") if accept else "")
        seconds = self.alarm.seconds
        try:
            return await asyncio.wait_for(work, None if math.isinf(seconds) else seconds)
        except asyncio.TimeoutError:
            raise errors.InvocationTimeout() from None

    async def _route(self, scope, path: str, headers: dict, receive, send, runtime: bool) -> None:
        """Everything but a POST invocation: the health check, wrong methods and paths, admin."""
        if runtime or path == "/invocations":
            message = (f"{scope['method']} {clip(path)} is not allowed: invocations are POST requests "
                       f"with a body.")
            await _respond(send, *(errors.validation_error(message, 405) if runtime else errors.plain(405, message)))
        elif path == "/ping":
            await self._ping(scope, send)
        elif path.startswith(_RUNTIME_PREFIX):
            await self._wrong_runtime_path(path, send)
        elif path.startswith("/_flywheel/"):
            await self._admin(scope, path, headers, receive, send)
        else:
            await _respond(send, *errors.plain(
                404, f"no route {clip(path)}: the container answers GET /ping and POST /invocations; the "
                     f"Runtime API answers POST /endpoints/{self.endpoint_name}/invocations."))

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.capture is not None:
                    self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.alarm.close()
                if self._worker is not None:
                    self._worker.shutdown(wait=False, cancel_futures=True)
                if self._flusher is not None:
                    self._flusher.cancel()
                if self.capture is not None:
                    self._flush_capture()
                    self.capture.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(_FLUSH_SECONDS)
            self._flush_capture()

    def _flush_capture(self) -> None:
        """Hand the captured records to the writer (it writes them at once)."""
        if not self._captured:
            return
        records, self._captured, self._captured_bytes = self._captured, [], 0
        try:
            self.capture.write(records)
        except OSError:  # a full disk stops capture, never inference (as on SageMaker)
            log.exception("data capture could not write; captured records dropped")

    def flush_capture(self) -> int:
        """Write every captured record now; return how many were written since the previous call."""
        if self.capture is None:
            return 0
        self._flush_capture()
        return self.capture.sync()

    async def _ping(self, scope, send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, *errors.plain(405, "GET /ping is the health check; no other method."))
            return
        await _respond(send, 200, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")

    # ------------------------------------------------------------------ off the hot path
    def _type_header(self, out_type: str) -> tuple[bytes, bytes]:
        header = self._type_headers[out_type] = (b"content-type", out_type.encode("latin-1"))
        return header

    async def _wrong_runtime_path(self, path: str, send) -> None:
        """A Runtime API path naming another endpoint (or malformed): ValidationError, as AWS answers."""
        name = path[len(_RUNTIME_PREFIX):-len(_RUNTIME_SUFFIX)] if path.endswith(_RUNTIME_SUFFIX) else path
        await _respond(send, *errors.validation_error(
            f"Endpoint {clip(name)} of account {errors.LOCAL_ACCOUNT} not found. This server hosts "
            f"endpoint {self.endpoint_name!r}; list endpoints with helpers.platform.list_endpoints()."))

    async def _rest_of_body(self, message: dict, receive, send, runtime: bool) -> bytes | None:
        """The whole body of a request that arrives in several messages; None once answered."""
        chunks = []
        size = 0
        while True:
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_payload:
                await self._too_large(send, size, runtime)
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)
            message = await receive()

    def _header_problem(self, target: str | None, inference_id: str | None, attributes: str | None) -> str | None:
        """What is wrong with the SageMaker request headers (variant, inference id, attributes), or None."""
        if attributes is not None and len(attributes) > _MAX_CUSTOM_ATTRIBUTES:
            return (f"CustomAttributes is {len(attributes)} characters; at most "
                    f"{_MAX_CUSTOM_ATTRIBUTES} are allowed. Send a shorter value.")
        if inference_id is not None and not 1 <= len(inference_id) <= _MAX_INFERENCE_ID:
            return (f"InferenceId must be 1 to {_MAX_INFERENCE_ID} characters "
                    f"(got {len(inference_id)}). Send a shorter id.")
        if target is not None and target not in self._by_name:
            return (f"TargetVariant {clip(repr(target))} is not a production variant of endpoint "
                    f"{self.endpoint_name}; its variants are {sorted(self._by_name)}.")
        return None

    async def _failed(self, send, runtime: bool, variant: Variant, failure: BaseException) -> None:
        """Answer an invocation whose handlers raised or ran out of time."""
        if isinstance(failure, HandlerFailure):
            if failure.status >= 500:
                variant.errors_5xx += 1
                log.error("invocation failed in %s", failure.stage, exc_info=failure.error)
            else:
                variant.errors_4xx += 1
            await self._fail(send, runtime, failure.status, failure.message)
            return
        variant.errors_5xx += 1
        text = errors.timeout_message("primary", self.alarm.seconds)
        log.error("invocation timed out after %.3g s", self.alarm.seconds)
        if runtime:
            await _respond(send, *errors.model_error(self.endpoint_name, 0, text, self.log_hint))
        else:
            await _respond(send, *errors.plain(504, text))

    async def _fail(self, send, runtime: bool, status: int, text: str) -> None:
        text = clip(text, _MESSAGE_MAX)  # handlers' messages may quote request headers of any length
        if runtime:
            await _respond(send, *errors.model_error(self.endpoint_name, status, text, self.log_hint))
        else:
            await _respond(send, *errors.plain(status, text))

    async def _too_large(self, send, size: int, runtime: bool) -> None:
        text = (f"the request body is {size} bytes; a real-time endpoint accepts at most "
                f"{self.max_payload} bytes (6 MB). Send fewer rows per request, or use batch "
                f"transform (Transformer) for large files.")
        if runtime:
            await _respond(send, *errors.validation_error(text, 413))
        else:
            await _respond(send, *errors.plain(413, text))

    # --------------------------------------------------------------------------------- admin
    async def _admin(self, scope, path: str, headers: dict, receive, send) -> None:
        """Metrics, capture flush and weights: POSTs take a JSON object, and change nothing unless valid."""
        method = scope["method"]
        if self.guard is not None and _SECRET not in headers:
            # the secret as a header (not a path prefix): a custom header no web page can send unasked
            await _respond(send, *errors.aws_error(403, "AccessDeniedException", (
                f"admin routes take the store's secret in the {_SECRET.decode()} header.")))
            return
        if path == "/_flywheel/metrics" and method == "GET":
            payload = {"EndpointName": self.endpoint_name, "Variants": [v.metrics() for v in self.variants]}
        elif path in ("/_flywheel/flush", "/_flywheel/weights") and method == "POST":
            request, problem, status = await _read_json(headers, receive)
            if problem is not None:
                await _respond(send, *errors.validation_error(problem, status))
                return
            if path == "/_flywheel/flush":
                payload = {"Flushed": self.flush_capture()}
            else:
                try:
                    self.set_weights(request)
                except ValueError as error:
                    await _respond(send, *errors.validation_error(str(error)))
                    return
                payload = {"Variants": [v.metrics() for v in self.variants]}
        else:
            await _respond(send, *errors.plain(404, f"no admin route {method} {clip(path)}: GET /_flywheel/metrics, "
                                                    f"POST /_flywheel/flush, POST /_flywheel/weights."))
            return
        data = json.dumps(payload).encode()
        await _respond(send, 200, [(b"content-type", b"application/json"),
                                   (b"content-length", str(len(data)).encode())], data)


async def read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is over ``limit`` bytes (reading stops there) or the
    client went away."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


async def _read_json(headers: dict, receive) -> tuple[Any, str | None, int]:
    """(the parsed JSON body, None, 200) or (None, the problem, its status) for an admin POST."""
    mime = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if mime != b"application/json":
        return None, "admin routes take a JSON body: send Content-Type: application/json.", 415
    body = await read_body(receive, _ADMIN_MAX_BYTES)
    if body is None:
        return None, f"the admin request body is over {_ADMIN_MAX_BYTES} bytes: send a small JSON object.", 413
    try:
        return json.loads(body, parse_constant=_no_constant), None, 200
    except RecursionError:
        return None, "the JSON body is nested too deeply: send a flat object such as {\"A\": 1.0}.", 400
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError included
        return None, f"the body is not valid JSON ({clip(str(error))}).", 400


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


async def _respond(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
