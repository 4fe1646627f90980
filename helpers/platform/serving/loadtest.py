"""A small HTTP load generator for loopback servers: N keep-alive connections, each sending the same
request as soon as the previous answer arrives (closed loop), latencies recorded per request.

Written on asyncio + ``httptools`` (the parser uvicorn uses) so that the client, not the server,
is rarely the bottleneck — general-purpose Python clients spend more time per request than the
endpoint does. Used by the reliability tests, the endpoint benchmark and notebook 08's load test.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

import httptools
import numpy as np


@dataclass
class LoadTestResult:
    """Outcome of a load test. Latencies are in milliseconds, measured at the client."""

    requests: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    transport_errors: int = 0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def errors(self) -> int:
        return self.requests - self.ok

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if len(self.latencies_ms) else float("nan")

    @property
    def p50_ms(self) -> float:
        return self.percentile(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)

    def summary(self) -> dict:
        return {"requests": self.requests, "errors": self.errors, "req/s": round(self.requests_per_second),
                "p50 ms": round(self.p50_ms, 3), "p99 ms": round(self.p99_ms, 3)}


class _Client(asyncio.Protocol):
    def __init__(self, request: bytes, count: int, latencies: list, statuses: Counter, done: asyncio.Future):
        self.request, self.remaining = request, count
        self.latencies, self.statuses, self.done = latencies, statuses, done
        self.parser = httptools.HttpResponseParser(self)
        self.complete = False
        self.keep_alive = True
        self.status = 0
        self.started = 0.0
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def on_headers_complete(self) -> None:
        # read here: httptools resets its keep-alive flag once the message is complete
        self.keep_alive = self.parser.should_keep_alive()
        self.status = self.parser.get_status_code()

    def on_message_complete(self) -> None:
        self.complete = True

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._finish(error)
            return
        if self.complete:
            self.complete = False
            self.latencies.append(time.perf_counter() - self.started)
            self.statuses[self.status] += 1
            self.remaining -= 1
            if self.remaining > 0 and self.keep_alive:
                self._send()
            else:
                self._finish(None)

    def connection_lost(self, exc) -> None:
        self._finish(exc if self.remaining > 0 else None)

    def _finish(self, error) -> None:
        if not self.done.done():
            self.done.set_result(self.remaining)
        if self.transport is not None:
            self.transport.close()


async def _run(host: str, port: int, request: bytes, concurrency: int, total: int, timeout: float) -> LoadTestResult:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter = Counter()
    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    futures = []
    started = time.perf_counter()
    for count in share:
        if count == 0:
            continue
        future = loop.create_future()
        futures.append((future, count))
        try:
            await loop.create_connection(lambda c=count, f=future: _Client(request, c, latencies, statuses, f), host, port)
        except OSError:
            future.set_result(count)
    try:
        unsent = await asyncio.wait_for(asyncio.gather(*(f for f, _ in futures)), timeout)
    except asyncio.TimeoutError:
        unsent = [f.result() if f.done() else c for f, c in futures]
    seconds = time.perf_counter() - started
    return LoadTestResult(requests=len(latencies) + sum(unsent), seconds=seconds, statuses=statuses,
                          latencies_ms=np.asarray(latencies) * 1000.0, transport_errors=sum(unsent))


def _in_fresh_loop(coroutine_factory):
    """Run in a new event loop — in a worker thread when one already runs here (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _new_loop_run(coroutine_factory)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_new_loop_run, coroutine_factory).result()


def _new_loop_run(coroutine_factory):
    try:
        import uvloop

        return uvloop.run(coroutine_factory())
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine_factory())


def load_test(url: str, body: bytes, content_type: str = "text/csv", concurrency: int = 16,
              requests: int = 10_000, headers: dict[str, str] | None = None,
              timeout: float = 120.0) -> LoadTestResult:
    """POST ``body`` to ``url`` ``requests`` times over ``concurrency`` keep-alive connections.

    Args:
        url: full URL, e.g. ``endpoint.url + "/invocations"`` (loopback servers only).
        body: request body, e.g. one CSV row ``b"5.1,3.5,1.4,0.2"``.
        concurrency: connections sending at once (each waits for its answer before the next).
        requests: total requests; the run stops early after ``timeout`` seconds.
        headers: extra request headers. The store's secret header is added (local servers answer
            their owner only), unless ``headers`` sets it.
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load_test only targets servers on this machine (127.0.0.1), not {parsed.hostname!r}.")
    if concurrency < 1 or requests < 1:
        raise ValueError("concurrency and requests must be at least 1.")
    path = parsed.path or "/"
    lines = [f"POST {path} HTTP/1.1", f"Host: {parsed.netloc}", f"Content-Type: {content_type}",
             f"Content-Length: {len(body)}"]
    from helpers.platform.serving.access import SECRET_HEADER, auth_headers

    headers = dict(headers or {})
    if not any(key.lower() == SECRET_HEADER for key in headers):
        headers.update(auth_headers())
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    host = "127.0.0.1" if parsed.hostname == "localhost" else parsed.hostname
    if host == "127.0.0.1":
        from helpers.platform.serving.ports import check

        check(parsed.port or 80)  # the requests carry the store's secret: never to another user's server
    return _in_fresh_loop(lambda: _run(host, parsed.port or 80, request, min(concurrency, requests), requests, timeout))
