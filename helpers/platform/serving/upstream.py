"""A small pooled HTTP/1.1 client for the runtime router's hop to an endpoint server.

The router forwards every ``InvokeEndpoint`` call on loopback; general clients (httpx, aiohttp)
cost 1-3 ms per request there, this one a few tens of microseconds: keep-alive connections per
port, the same ``httptools`` parser uvicorn uses, one ``write`` per request.

Every request carries the store's secret: a new connection is made only to a port whose listener is
this user's (:func:`helpers.platform.serving.ports.check`: a dead server's port another user took
gets nothing). Pooled connections need no check: they end with the server that accepted them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httptools

from helpers.platform.serving import ports


class UpstreamError(ConnectionError):
    """The endpoint server could not be reached or closed the connection mid-answer."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self._headers: list = []
        self._body: list = []
        self.received = False

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"unreadable answer from the endpoint server: {error}"))
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._fail(UpstreamError("the endpoint server closed the connection"))

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)

    # httptools callbacks
    def on_headers_complete(self) -> None:
        # read here: httptools resets its keep-alive flag once the message is complete
        self._keep_alive = self.parser.should_keep_alive()
        self._status = self.parser.get_status_code()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        result = (self._status, self._headers, b"".join(self._body), self._keep_alive)
        self._headers, self._body = [], []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(result)

    async def request(self, head: bytes, body: bytes, timeout: float):
        self.received = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.transport.write(body)
        try:
            return await asyncio.wait_for(self.waiter, timeout)
        except asyncio.TimeoutError:
            # a late answer must never be read as the next request's: drop the connection
            self.closed = True
            self.transport.close()
            raise
        finally:
            self.waiter = None


@dataclass
class Pool:
    """Idle keep-alive connections per port on 127.0.0.1; ``owners``: the pid serving each port, as the
    endpoints' records say (then the port's listener is read once per server, not once per connection)."""

    idle: dict[int, list[_Connection]] = field(default_factory=dict)
    owners: dict[int, int] = field(default_factory=dict)

    async def _connect(self, port: int) -> _Connection:
        try:
            ports.check(port, self.owners.get(port))
        except ports.PortHeld as held:
            raise UpstreamError(str(held)) from None
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
        except OSError as error:
            raise UpstreamError(f"cannot connect to the endpoint server on port {port}: {error}") from None
        return connection

    async def post(self, port: int, path: str, headers: list[tuple[bytes, bytes]], body: bytes,
                   timeout: float) -> tuple[int, list, bytes]:
        """POST ``body`` to ``127.0.0.1:port``; return (status, headers, body)."""
        head = [f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-length: {len(body)}\r\n".encode()]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        head.append(b"\r\n")
        request_head = b"".join(head)
        idle = self.idle.setdefault(port, [])
        while idle:
            connection = idle.pop()
            if connection.closed:
                continue
            try:
                return self._finish(port, connection, await connection.request(request_head, body, timeout))
            except UpstreamError:
                if connection.received:
                    raise
                # the server had closed this idle connection before our request: try a fresh one
        connection = await self._connect(port)
        return self._finish(port, connection, await connection.request(request_head, body, timeout))

    def _finish(self, port: int, connection: _Connection, result) -> tuple[int, list, bytes]:
        status, headers, body, keep_alive = result
        if keep_alive and not connection.closed:
            self.idle.setdefault(port, []).append(connection)
        else:
            connection.transport.close()
        return status, headers, body

    def close(self) -> None:
        for connections in self.idle.values():
            for connection in connections:
                if connection.transport is not None:
                    connection.transport.close()
        self.idle.clear()
