"""The HTTP protocol of every local server: uvicorn's httptools protocol with the limits it lacks.

uvicorn (0.5x) bounds neither how long a client may take to send a request nor how large its
headers may be, and a keep-alive timer starts only after a first answer: a silent connection, a
trickled header or a half-sent body held a socket (and a file descriptor) forever, and ~1,100 of
them locked every client out of a laptop's 1,024-descriptor limit. :class:`GuardedProtocol` adds:

* a **read timeout**: a request must arrive whole (head and body) within about ``read_timeout``
  seconds of its first byte (of the connection, for a silent one), else 408 and the connection
  closes. One sweep per server every ``read_timeout / 4`` seconds reads each
  connection's request state from uvicorn's own objects, so a request costs nothing for it;
* a **stalled reader**: an answer the client does not read at all for ``read_timeout`` seconds
  (its unsent bytes do not shrink) closes the connection, so unread answers are not held;
* a **header cap**: a request head over ``max_header_bytes`` (64 KiB) is answered 431 and closed
  (httptools would buffer any size);
* a **connection cap**: past ``max_connections`` open connections, the oldest connection that is not
  running a request is closed to make room (an idle flood cannot lock a real client out); when every
  connection is busy, the newcomer gets 503. ``serve()`` also raises the soft descriptor limit.

``FLYWHEEL_HTTP_READ_TIMEOUT_SECONDS`` and ``FLYWHEEL_HTTP_MAX_CONNECTIONS`` override the defaults
(the hostile-traffic tests use short timeouts).
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

READ_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 512
MAX_HEADER_BYTES = 64 * 1024
#: uvicorn settings of every local server (endpoint, router, the benchmark's reference apps):
#: uvloop + httptools, no access log, no proxy-header rewriting or Date/Server headers (loopback).
UVICORN_SETTINGS = dict(loop="uvloop", http="httptools", lifespan="on", access_log=False, log_level="warning",
                        timeout_keep_alive=30, server_header=False, date_header=False, proxy_headers=False,
                        backlog=2048)


@dataclass(frozen=True)
class Limits:
    """Per-server limits: seconds to send a request, open connections, bytes of a request head."""

    read_timeout: float = READ_TIMEOUT_SECONDS
    max_connections: int = MAX_CONNECTIONS
    max_header_bytes: int = MAX_HEADER_BYTES

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(read_timeout=float(os.environ.get("FLYWHEEL_HTTP_READ_TIMEOUT_SECONDS") or READ_TIMEOUT_SECONDS),
                   max_connections=int(os.environ.get("FLYWHEEL_HTTP_MAX_CONNECTIONS") or MAX_CONNECTIONS))


def _raw_response(status: bytes, message: str) -> bytes:
    body = message.encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


_TIMEOUT = _raw_response(b"408 Request Timeout", "the request did not arrive in time: send the whole "
                                                  "request (headers and body) at once.")
_TOO_LARGE = _raw_response(b"431 Request Header Fields Too Large",
                           f"the request headers are over {MAX_HEADER_BYTES} bytes: send fewer or shorter headers.")
_BUSY = _raw_response(b"503 Service Unavailable", "every connection of this server is busy: retry in a moment.")


_feed = HttpToolsProtocol.data_received  # called directly: cheaper than super() on the hot path


def protocol_class(limits: Limits) -> type:
    """A :class:`GuardedProtocol` subclass bound to ``limits`` (uvicorn's ``http=`` takes a class)."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})


class GuardedProtocol(HttpToolsProtocol):
    # Slots, not instance attributes: uvicorn's protocol has 28, and past 30 CPython gives each
    # instance a plain dict, which slows every attribute uvicorn reads per request.
    __slots__ = ("_opened", "_head_bytes", "_watched", "_watched_since")
    limits: Limits = Limits()

    def connection_made(self, transport) -> None:
        self._head_bytes = 0   # bytes received while the current request's head is incomplete
        self._watched = None   # what the sweep last saw this connection wait for ("head" | "body" | "answer", id)
        self._watched_since = 0.0
        super().connection_made(transport)
        self._opened = self.loop.time()
        _start_sweep(self)
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        # The hot path (a whole request in one read) costs two tests here; the read timeout costs
        # nothing per request (the sweep looks at uvicorn's own request state).
        if (len(data) > MAX_HEADER_BYTES or self._head_bytes) and self._head_too_large(data):
            self._refuse(_TOO_LARGE)  # checked before parsing: an oversized head is never buffered
            return
        _feed(self, data)
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:  # the head is still incomplete
            if self.parser is not None:
                self._head_bytes += len(data)
                if self._head_bytes > self.limits.max_header_bytes:
                    self._refuse(_TOO_LARGE)
        elif self._head_bytes:
            self._head_bytes = 0

    def _head_too_large(self, data: bytes) -> bool:
        """Whether ``data`` carries a request head past the cap (asked of large reads and of heads
        arriving in pieces only)."""
        limit = self.limits.max_header_bytes
        if self._head_bytes + len(data) <= limit:
            return False
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and cycle.more_body:
            return False  # body bytes of a request whose head is read
        end = data.find(b"\r\n\r\n")
        return end < 0 or self._head_bytes + end > limit

    def _reading(self):
        """What this connection is waiting for: to receive a request's ("head", id) or ("body", id),
        or the client to read an answer ("answer", bytes still unsent: the client reads nothing);
        None when it has a whole request (running, or idle between requests: uvicorn's keep-alive
        timer's case)."""
        unsent = self.transport.get_write_buffer_size()
        if unsent:
            return "answer", unsent
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:
            return "head", id(self.scope)  # a fresh connection (no scope yet) or a new request begun
        if cycle.more_body:
            return "body", id(cycle)
        return None

    def _refuse(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(answer)
            self.transport.close()

    def _idle(self) -> bool:
        """Not running a request: never sent a whole head, or its last answer is complete."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete

    def _make_room(self) -> None:
        idle = [c for c in self.connections if c is not self and isinstance(c, GuardedProtocol) and c._idle()
                and not c.transport.is_closing()]
        if idle:
            min(idle, key=lambda c: c._opened)._refuse(_BUSY)
        else:
            self._refuse(_BUSY)


def _start_sweep(protocol: GuardedProtocol) -> None:
    """One periodic sweep per server (kept on uvicorn's shared server state): a connection seen
    waiting for the same request's head or body for longer than the read timeout is answered 408
    and closed (between ``read_timeout`` and ``read_timeout`` + two periods after it began)."""
    state = protocol.server_state
    if getattr(state, "flywheel_sweep", None) is not None:
        return
    loop, timeout = protocol.loop, protocol.limits.read_timeout
    period = timeout / 4  # a sweep costs ~1,500 CPU instructions a connection: not more often

    def sweep() -> None:
        now = loop.time()
        for connection in list(state.connections):
            if not isinstance(connection, GuardedProtocol):
                continue
            reading = connection._reading()
            if reading is None or reading != connection._watched:
                connection._watched, connection._watched_since = reading, now
            elif now - connection._watched_since >= timeout:
                connection._watched = None
                if reading[0] == "answer":
                    connection.transport.abort()  # close() would wait for the client to read it
                else:
                    connection._refuse(_TIMEOUT)
        state.flywheel_sweep = loop.call_later(period, sweep)

    state.flywheel_sweep = loop.call_later(period, sweep)


def raise_descriptor_limit(wanted: int) -> None:
    """Raise this process's soft limit of open files to ``wanted`` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(app, sock, limits: Limits | None = None, **settings) -> "object":
    """A ``uvicorn.Server`` for ``app`` on the listening ``sock`` with the guarded protocol (not started)."""
    import uvicorn

    limits = limits or Limits.from_env()
    raise_descriptor_limit(limits.max_connections + 256)
    config = uvicorn.Config(app, **{**UVICORN_SETTINGS, "http": protocol_class(limits), **settings})
    return uvicorn.Server(config)
