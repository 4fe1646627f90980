"""Is the server listening on a loopback port ours? Asked before the store's secret is sent there.

The kit's clients put the store's secret in every request (boto3: in the URL's path,
``/<secret>/endpoints/...``). On a machine shared by several users (a classroom) a port is only ours
while our server holds it: if a learner's router dies, another learner may bind its port first and
receive the next request, secret included. Linux lists every TCP socket in ``/proc/net/tcp`` and
``/proc/net/tcp6``, readable by all, with the uid that owns it: :func:`check` refuses a port whose
listener belongs to another user, with :class:`PortHeld` naming the fix.

Reading those tables costs milliseconds (the kernel walks every socket of the machine), so a port
found ours is remembered with the process the kit's records say serves it, as an open descriptor of
its ``/proc/<pid>/stat`` (tied to that process: once it is gone, reading fails, even if its pid is
reused). While that process lives it holds the port and nobody else can bind it, and a check costs
one ``pread`` (a few microseconds). Without ``/proc/net/tcp`` (macOS, Windows:
laptops, one user) there is nothing to check.

Plain boto3 clients run :func:`check` before each request to 127.0.0.1 through a botocore hook
(:func:`helpers.platform.serving.runtime.guard_client`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

#: The kernel's TCP socket tables (IPv4, IPv6), readable by every user.
TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
_LISTEN = "0A"  # the st column of a listening socket
#: Local addresses a connection to 127.0.0.1:port reaches: 127.0.0.1, any (IPv4), any and ::ffff:127.0.0.1 (IPv6).
_REACHED = frozenset({"0100007F", "00000000", "0" * 32, "0000000000000000FFFF00000100007F"})
#: How a URL to a server on loopback starts (the kit's servers bind 127.0.0.1 only).
LOCAL_PREFIX = "http://127.0.0.1:"


class PortHeld(PermissionError):
    """A loopback port the kit would send the store's secret to is held by another user."""

    def __init__(self, port: int, uid: int, restarted_at: str | None = None):
        self.port, self.uid = port, uid
        held = (f"port {port} on 127.0.0.1 is held by another user (uid {uid}), not your router or endpoint: "
                f"nothing was sent to it.")
        if restarted_at:
            fix = f"Your router had stopped: the kit started it again at {restarted_at}."
        else:
            fix = ("Run `python -m helpers cleanup` and start your router again (helpers.platform."
                   "use_local_runtime(start=True), or deploy): it takes a free port.")
        super().__init__(f"{held} {fix} Make your boto3 client again (boto3.client(...)) so it uses the new port.")


@dataclass(frozen=True)
class Listener:
    """One listening socket of the tables: who owns it and which socket it is."""

    uid: int
    inode: int


def read_tables() -> list[str] | None:
    """The text of the TCP tables, or None where the system has none (not Linux)."""
    texts = []
    for table in TABLES:
        try:
            texts.append(table.read_text())
        except FileNotFoundError:
            continue  # no IPv6 on this kernel: the IPv4 table alone
    return texts or None


def listeners(port: int, tables: Iterable[str]) -> list[Listener]:
    """The listening sockets of ``tables`` (``/proc/net/tcp`` texts) a connection to 127.0.0.1:``port`` reaches."""
    wanted = f"{port:04X}"
    found = []
    for text in tables:
        for line in text.splitlines()[1:]:  # the first line names the columns
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            address, _, hex_port = fields[1].partition(":")
            if hex_port == wanted and address in _REACHED:
                found.append(Listener(int(fields[7]), int(fields[9])))
    return found


# port -> a descriptor of /proc/<pid>/stat of the process serving it: a port found ours
_trusted: dict[int, int] = {}
_lock = threading.Lock()  # a descriptor is never read by one thread while another closes it
_HAS_TABLES = TABLES[0].exists()
#: Where :func:`check` reads the tables by default (tests put fixed text here).
source: Callable[[], list[str] | None] = read_tables


def trusted(port: int) -> bool:
    """True when ``port`` was found ours and the process serving it still runs (a read of microseconds)."""
    with _lock:
        stat = _trusted.get(port)
        if stat is None:
            return False
        try:
            # "pid (name) S ...": the name is at most 15 bytes, so 64 hold the state letter
            if os.pread(stat, 64, 0).rpartition(b")")[2][1:2] != b"Z":
                return True
        except OSError:  # gone (ESRCH): the descriptor outlives the process, never names another
            pass
        _untrust_locked(port)
        return False


def _untrust(port: int) -> None:
    with _lock:
        _untrust_locked(port)


def _untrust_locked(port: int) -> None:
    stat = _trusted.pop(port, None)
    if stat is not None:
        os.close(stat)


def check(port: int, owner: int | None = None) -> None:
    """Raise :class:`PortHeld` when a listener of 127.0.0.1:``port`` (read from :data:`source`) belongs to
    another user.

    ``owner``: the pid that serves the port by the kit's records (the router's, an endpoint
    server's); a port found ours is then not read again while that process lives. A port nobody
    listens on passes (a connection is refused: nothing is sent)."""
    if trusted(port):
        return
    if source is read_tables and not _HAS_TABLES:
        return
    tables = source()
    if tables is None:
        return
    me = os.geteuid()
    held = [listener for listener in listeners(port, tables) if listener.uid != me]
    if held:
        _untrust(port)
        raise PortHeld(port, held[0].uid)
    if owner:
        _trust(port, owner)


def _trust(port: int, pid: int) -> None:
    try:
        stat = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return  # gone already: the next check reads the tables again
    with _lock:
        _untrust_locked(port)
        _trusted[port] = stat
    trusted(port)  # a zombie is dropped at once


def forget() -> None:
    """Drop every port remembered as ours (tests)."""
    for port in list(_trusted):
        _untrust(port)


def local_port(url: str) -> int | None:
    """The port of an ``http://127.0.0.1:PORT/...`` URL, else None (not a local server: nothing to check)."""
    if not url.startswith(LOCAL_PREFIX):
        return None
    digits = url[len(LOCAL_PREFIX):].partition("/")[0]
    return int(digits) if digits.isdigit() else None


def check_url(url: str, owner: int | None = None) -> None:
    """:func:`check` for the port of a local URL; other URLs pass."""
    port = local_port(url)
    if port is not None:
        check(port, owner)
