"""Who may talk to the local servers (endpoints, the runtime router): their owner, from this host.

Three checks, in :class:`Guard`, before any route runs:

* **Host** must be a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``, with or without a
  port), else 421: a DNS-rebinding page in the learner's browser reaches 127.0.0.1 under its own
  host name, and is refused.
* **Origin**, when sent, must be a loopback origin (``http://127.0.0.1:8888`` ...), else 403: a page
  of another site can send simple cross-site POSTs without reading the answer.
* **The store's secret**: a random token created once per store (``<FLYWHEEL_HOME>/endpoint-secret``,
  mode 0600, in the 0700 home). The kit's own clients send it in the ``x-flywheel-secret`` header;
  boto3 carries it as a path prefix, because ``use_local_runtime()`` puts it in
  ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` (and ``_S3``, ``_SAGEMAKER``: ``http://127.0.0.1:PORT/<secret>``;
  botocore joins the endpoint URL's path with the operation's, ``/<secret>/endpoints/<name>/invocations``,
  ``/<secret>/<bucket>/<key>``, or ``/<secret>`` alone for S3's ListBuckets). Those
  variables live only in the owner's processes (``/proc/<pid>/environ`` is owner-only), so other
  users of the machine get 403. It is compared in constant time.

``GET /ping`` stays open to anyone on loopback (SageMaker's container contract: a health check that
says nothing but "up"); the Host and Origin checks still apply to it.

The admin routes (``/_flywheel/...``) additionally take only ``Content-Type: application/json`` on
POST: with the custom secret header that makes them "non-simple" requests a browser must preflight,
and the servers answer no preflight, so no web page can change traffic weights.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from helpers.platform.serving import errors
from helpers.platform_home import SECRET_FILE

SECRET_HEADER = "x-flywheel-secret"
_HEADER = SECRET_HEADER.encode()
_LOOPBACK_NAMES = (b"127.0.0.1", b"localhost", b"[::1]")
_MAX_KNOWN_HOSTS = 64  # loopback Host values remembered as accepted (one per port a client used)
_ECHO = 200            # characters of a refused value echoed in an error message


def secret_path(home: Path | None = None) -> Path:
    from helpers.platform_home import secret_file

    return secret_file(home)


def store_secret(home: Path | None = None) -> str:
    """This store's secret (32 hex characters), created on first use, readable by its owner only.

    Safe when several processes ask at once: the first to link its file in place wins, the others
    read that one.
    """
    path = secret_path(home)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    from helpers.platform_home import ensure_home, open_private, private_dir

    if home is None:
        ensure_home()
    else:
        private_dir(path.parent)
    temp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    with open_private(temp, "x") as out:
        out.write(secrets.token_hex(16) + "\n")
    try:
        os.link(temp, path)  # atomic create-once: never replaces a secret servers already hold
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text().strip()
    if len(value) != 32 or not all(c in "0123456789abcdef" for c in value):
        raise ValueError(f"{path} does not hold a store secret (32 hex characters); delete it, stop the "
                         f"local endpoints (python -m helpers cleanup) and deploy again.")
    return value


def auth_headers(home: Path | None = None) -> dict[str, str]:
    """The header the kit's own clients send to local servers: ``{"x-flywheel-secret": ...}``."""
    return {SECRET_HEADER: store_secret(home)}


def clip(text: str, limit: int = _ECHO) -> str:
    """``text`` cut to ``limit`` characters plus "..." (echoed request input never grows an answer)."""
    return text if len(text) <= limit else text[:limit] + "..."


def is_loopback_host(host: bytes) -> bool:
    """A Host header naming this machine: 127.0.0.1, localhost or [::1], with or without a port."""
    host = host.lower()
    name, colon, port = host.rpartition(b":")
    if not colon or host.endswith(b"]"):  # no port ("localhost", "[::1]")
        name = host
    elif not port.isdigit() or len(port) > 5:
        return False
    return name in _LOOPBACK_NAMES


def is_loopback_origin(origin: bytes) -> bool:
    """An Origin header of a page served from this machine (``http(s)://<loopback host>[:port]``)."""
    scheme, sep, rest = origin.partition(b"://")
    return bool(sep) and scheme.lower() in (b"http", b"https") and b"/" not in rest and is_loopback_host(rest)


class Guard:
    """The three checks of this module for one server. ``hosts`` and ``secret`` are read inline on
    hot paths (``headers.get(b"host") in guard.hosts``); everything else goes through :meth:`admit`.
    """

    def __init__(self, secret: str):
        self.secret = secret.encode()
        self.hosts: set = {None, *_LOOPBACK_NAMES}  # None: no Host header (HTTP/1.0), never a browser's
        self._prefix_length = len(self.secret) + 1  # "/<secret>"

    def fast_ok(self, headers: dict) -> bool:
        """True when the request passes every check as it is (secret header, known Host, no Origin)."""
        supplied = headers.get(_HEADER)
        return (supplied is not None and hmac.compare_digest(supplied, self.secret)
                and headers.get(b"host") in self.hosts and b"origin" not in headers)

    async def admit(self, scope: dict, headers: dict, send) -> str | None:
        """The path to serve (a ``/<secret>`` prefix removed), or None once refused (answered)."""
        host = headers.get(b"host")
        if host not in self.hosts:
            if not is_loopback_host(host):
                await _respond(send, *errors.aws_error(421, "MisdirectedRequest", (
                    f"Host {clip(host.decode('latin-1'))!r} is not this machine: local endpoints answer only "
                    f"requests addressed to 127.0.0.1, localhost or [::1] (a web page cannot reach them).")))
                return None
            if len(self.hosts) < _MAX_KNOWN_HOSTS:
                self.hosts.add(host)
        origin = headers.get(b"origin")
        if origin is not None and not is_loopback_origin(origin):
            await _respond(send, *errors.aws_error(403, "AccessDeniedException", (
                f"Origin {clip(origin.decode('latin-1'))!r} is another site: local endpoints do not answer "
                f"web pages. Call them from Python (boto3, Endpoint.invoke) on this machine.")))
            return None
        path = scope["path"]
        supplied = headers.get(_HEADER)
        if supplied is not None:
            if hmac.compare_digest(supplied, self.secret):
                return path
        elif self._has_prefix(path):
            return path[self._prefix_length:] or "/"  # "/<secret>" alone: boto3's S3 ListBuckets
        elif path == "/ping":
            return path
        await _respond(send, *errors.aws_error(403, "AccessDeniedException", (
            "this local server answers its owner only: send the store's secret (header "
            f"{SECRET_HEADER}, from helpers.platform.serving.access.auth_headers()). The kit's clients "
            "do it for you: Endpoint.invoke / predict, and boto3 after use_local_runtime().")))
        return None

    def _has_prefix(self, path: str) -> bool:
        candidate = path[1:self._prefix_length].encode("utf-8", "replace")
        return (path[self._prefix_length:self._prefix_length + 1] in ("/", "")
                and hmac.compare_digest(candidate, self.secret))


async def _respond(send, status: int, headers: list, body: bytes) -> None:
    # a refusal leaves the request's body unread: close, so the next request on this connection
    # (boto3 keeps connections alive) is not parsed from its bytes
    headers = [*headers, (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
