"""The endpoint's ASGI application: the inference container contract and the Runtime API path.

Routes (one server process per endpoint):

* ``GET /ping`` — 200 when the models are loaded (the container health check);
* ``POST /invocations`` — the container contract: errors come back as the container's own status
  (400 bad body, 406 accept, 413 too big, 415 content type, 500 model bug, 504 too slow) with a
  plain-text message;
* ``POST /endpoints/<name>/invocations`` — the SageMaker Runtime API: the same work, with the
  request headers boto3 sends (``X-Amzn-SageMaker-Target-Variant``, ``-Inference-Id``,
  ``-Custom-Attributes``) and the errors AWS gives (``ModelError`` 424 wrapping the container's
  answer, ``ValidationError`` 400);
* ``GET /_flywheel/metrics``, ``POST /_flywheel/flush``, ``POST /_flywheel/weights`` — local
  plumbing for per-variant counts, capture flushing and traffic weights.

This is the hot path, written as a bare ASGI callable (no framework): a one-row CSV request costs a
header scan, the model's handlers, two ``send`` calls and, when captured, one list append.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from helpers.platform.serving import errors
from helpers.platform.serving.capture import CaptureWriter
from helpers.platform.serving.handlers import HandlerFailure, Handlers

log = logging.getLogger("flywheel.endpoint")

_RUNTIME_PREFIX = "/endpoints/"
_RUNTIME_SUFFIX = "/invocations"
_MAX_CUSTOM_ATTRIBUTES = 1024
_MAX_INFERENCE_ID = 64
_FLUSH_SECONDS = 0.5


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
    """Interrupts the model's handlers after ``seconds`` with :class:`~errors.InvocationTimeout`.

    SIGALRM interrupts Python code (and sleeps) running on the server's main thread, where the
    handlers run; arming and disarming costs two system calls per request. The handler only raises
    while armed, so a late signal can never hit the server itself.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False
        signal.signal(signal.SIGALRM, self._fire)

    def _fire(self, signum, frame):
        if self.armed:
            self.armed = False
            raise errors.InvocationTimeout()

    def arm(self) -> None:
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def disarm(self) -> None:
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


class NoAlarm:
    """Used where signals are unavailable (a server not on the main thread): no time limit."""

    seconds = float("inf")

    def arm(self) -> None:
        pass

    def disarm(self) -> None:
        pass


@dataclass
class EndpointApp:
    """ASGI app serving one endpoint's variants. ``alarm`` bounds each invocation's handler time."""

    endpoint_name: str
    variants: list[Variant]
    alarm: Any = field(default_factory=NoAlarm)
    capture: CaptureWriter | None = None
    sampling: float = 0.0            # fraction of invocations captured (0..1)
    log_hint: str = "the endpoint's server.log"
    max_payload: int = errors.MAX_PAYLOAD_BYTES
    seed: int = 0                    # traffic split and capture sampling are reproducible
    _by_name: dict = field(default_factory=dict)
    _cumulative: list = field(default_factory=list)
    _type_headers: dict = field(default_factory=dict)
    _flusher: Any = None

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed).random
        self._by_name = {v.name: v for v in self.variants}
        self.set_weights({v.name: v.weight for v in self.variants})

    # ---------------------------------------------------------------------------- traffic split
    def set_weights(self, weights: dict[str, float]) -> None:
        unknown = set(weights) - set(self._by_name)
        if unknown:
            raise ValueError(f"unknown variant(s) {sorted(unknown)}; this endpoint has {sorted(self._by_name)}")
        for name, weight in weights.items():
            if not weight >= 0:
                raise ValueError(f"variant {name!r} weight {weight!r} must be a number >= 0")
            self._by_name[name].weight = float(weight)
        total = sum(v.weight for v in self.variants)
        if total <= 0:
            raise ValueError("at least one variant needs a weight above 0 to receive traffic")
        running, cumulative = 0.0, []
        for variant in self.variants:
            running += variant.weight / total
            cumulative.append((running, variant))
        self._cumulative = cumulative

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
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == "/invocations":
                await self._invocation(scope, receive, send, runtime=False)
            elif path.startswith(_RUNTIME_PREFIX):
                await self._invocation(scope, receive, send, runtime=True)
            elif path == "/ping":
                await self._ping(scope, send)
            elif path.startswith("/_flywheel/"):
                await self._admin(scope, receive, send)
            else:
                await _respond(send, *errors.plain(
                    404, f"no route {path}: the container answers GET /ping and POST /invocations; the "
                         f"Runtime API answers POST /endpoints/{self.endpoint_name}/invocations."))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.capture is not None:
                    self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._flusher is not None:
                    self._flusher.cancel()
                if self.capture is not None:
                    self.capture.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(_FLUSH_SECONDS)
            try:
                self.capture.flush()
            except OSError:  # a full disk stops capture, never inference (as on SageMaker)
                log.exception("data capture could not write; captured records dropped")
                self.capture.pending.clear()

    async def _ping(self, scope, send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, *errors.plain(405, "GET /ping is the health check; no other method."))
            return
        await _respond(send, 200, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")

    # ---------------------------------------------------------------------------- invocations
    async def _invocation(self, scope, receive, send, runtime: bool) -> None:
        path = scope["path"]
        if runtime:
            name = path[len(_RUNTIME_PREFIX):-len(_RUNTIME_SUFFIX)] if path.endswith(_RUNTIME_SUFFIX) else None
            if name != self.endpoint_name:
                shown = name if name is not None else path
                await _respond(send, *errors.validation_error(
                    f"Endpoint {shown} of account {errors.LOCAL_ACCOUNT} not found. This server hosts "
                    f"endpoint {self.endpoint_name!r}; list endpoints with helpers.platform.list_endpoints()."))
                return
        if scope["method"] != "POST":
            message = f"{scope['method']} {path} is not allowed: invocations are POST requests with a body."
            await _respond(send, *(errors.validation_error(message, 405) if runtime else errors.plain(405, message)))
            return

        content_type = accept = length = target = inference_id = attributes = None
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value
            elif key == b"accept":
                accept = value
            elif key == b"content-length":
                length = value
            elif key.startswith(b"x-amzn-sagemaker-"):
                if key == b"x-amzn-sagemaker-target-variant":
                    target = value.decode("latin-1")
                elif key == b"x-amzn-sagemaker-inference-id":
                    inference_id = value.decode("latin-1")
                elif key == b"x-amzn-sagemaker-custom-attributes":
                    attributes = value.decode("latin-1")

        if length is not None and length.isdigit() and int(length) > self.max_payload:
            await self._too_large(send, int(length), runtime)
            return
        message = await receive()
        body = message.get("body", b"")
        if message.get("more_body"):
            chunks = [body]
            size = len(body)
            while message.get("more_body"):
                message = await receive()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_payload:
                    await self._too_large(send, size, runtime)
                    return
                chunks.append(chunk)
            body = b"".join(chunks)
        if message["type"] == "http.disconnect":
            return

        if runtime:
            problem = None
            if attributes is not None and len(attributes) > _MAX_CUSTOM_ATTRIBUTES:
                problem = (f"CustomAttributes is {len(attributes)} characters; at most "
                           f"{_MAX_CUSTOM_ATTRIBUTES} are allowed. Send a shorter value.")
            elif inference_id is not None and not 1 <= len(inference_id) <= _MAX_INFERENCE_ID:
                problem = (f"InferenceId must be 1 to {_MAX_INFERENCE_ID} characters "
                           f"(got {len(inference_id)}). Send a shorter id.")
            elif target is not None and target not in self._by_name:
                problem = (f"TargetVariant {target!r} is not a production variant of endpoint "
                           f"{self.endpoint_name}; its variants are {sorted(self._by_name)}.")
            if problem:
                await _respond(send, *errors.validation_error(problem))
                return
        variant = self._by_name[target] if target is not None else self._pick()

        if not body:
            status, text = 400, ("the request body is empty: send the features to predict on "
                                 "(e.g. one CSV row, no header, no label).")
            variant.invocations += 1
            variant.errors_4xx += 1
            await self._fail(send, runtime, status, text)
            return
        # handlers get the headers as sent (parameters such as label_size included), as on SageMaker
        ctype = content_type.decode("latin-1") if content_type is not None else ""
        accept_text = accept.decode("latin-1") if accept is not None else ""

        variant.invocations += 1
        alarm = self.alarm
        started = time.perf_counter()
        try:
            alarm.arm()
            try:
                out_body, out_type = variant.handlers.invoke(body, ctype, accept_text)
            finally:
                alarm.disarm()
        except HandlerFailure as failure:
            if failure.status >= 500:
                variant.errors_5xx += 1
                log.error("invocation failed in %s", failure.stage, exc_info=failure.error)
            else:
                variant.errors_4xx += 1
            await self._fail(send, runtime, failure.status, failure.message)
            return
        except errors.InvocationTimeout:
            variant.errors_5xx += 1
            text = errors.timeout_message("primary", alarm.seconds)
            log.error("invocation timed out after %.3g s", alarm.seconds)
            if runtime:
                await _respond(send, *errors.model_error(self.endpoint_name, 0, text, self.log_hint))
            else:
                await _respond(send, *errors.plain(504, text))
            return
        elapsed = time.perf_counter() - started
        if len(out_body) > self.max_payload:
            variant.errors_5xx += 1
            await self._fail(send, runtime, 500,
                             f"the response is {len(out_body)} bytes, over the {self.max_payload}-byte limit: "
                             f"send fewer rows per request, or use batch transform.")
            return
        variant.model_latency += elapsed

        if self.capture is not None and (self.sampling >= 1.0 or self._random() < self.sampling):
            self.capture.record(variant.name, ctype, body, out_type, out_body, inference_id, attributes)
        type_header = self._type_headers.get(out_type)
        if type_header is None:
            type_header = self._type_headers[out_type] = (b"content-type", out_type.encode("latin-1"))
        headers = [type_header, (b"content-length", b"%d" % len(out_body))]
        if runtime:
            headers.append(variant.header)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": out_body})

    async def _fail(self, send, runtime: bool, status: int, text: str) -> None:
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
    async def _admin(self, scope, receive, send) -> None:
        path, method = scope["path"], scope["method"]
        body = b""
        if method == "POST":
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        if path == "/_flywheel/metrics" and method == "GET":
            payload = {"EndpointName": self.endpoint_name, "Variants": [v.metrics() for v in self.variants]}
        elif path == "/_flywheel/flush" and method == "POST":
            payload = {"Flushed": self.capture.flush() if self.capture is not None else 0}
        elif path == "/_flywheel/weights" and method == "POST":
            try:
                self.set_weights(json.loads(body))
            except (ValueError, TypeError, AttributeError) as error:
                await _respond(send, *errors.validation_error(str(error)))
                return
            payload = {"Variants": [v.metrics() for v in self.variants]}
        else:
            await _respond(send, *errors.plain(404, f"no admin route {method} {path}"))
            return
        data = json.dumps(payload).encode()
        await _respond(send, 200, [(b"content-type", b"application/json"),
                                   (b"content-length", str(len(data)).encode())], data)


async def _respond(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
