"""Data capture: requests and responses written as JSON Lines in SageMaker's capture format.

One line per captured invocation::

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "5.1,3.5,1.4", "encoding": "CSV"},
                     "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                                        "data": "0.93", "encoding": "CSV"}},
     "eventMetadata": {"eventId": "...", "inferenceId": "...", "inferenceTime": "2026-11-20T10:15:02Z"},
     "eventVersion": "0"}

Files land where SageMaker puts them:
``<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl``.

The endpoint keeps each captured invocation as its raw values, a tuple ``(time.time(), variant,
content_type, body, out_type, out_body, inference_id, custom_attributes)``, and hands them over in
batches (256 records or 1 MB of bodies, and every half second) to one of two writers with the
same interface (``write(records)``, ``sync()``, ``close()``):

* :class:`CaptureWriter` formats the records as lines and appends them to the files, in this process;
* :class:`CaptureProcess` — what an endpoint server uses — sends them down a pipe to a child
  process that does that, as SageMaker captures outside the model container: capture costs the
  endpoint's event loop one tuple per request, and formatting runs on another core.

``sync`` returns once everything handed over is on disk.

Capture has a volume cap per endpoint: ``CaptureSettings.max_bytes``, by default
``$FLYWHEEL_CAPTURE_MAX_BYTES`` or 100 MiB, counting the endpoint's capture files already on disk.
Once reached, the writer logs one warning and writes nothing more for that endpoint (a load test
would otherwise fill the disk: 617 MB in 20 s). Folders are created 0700 and files 0600, as
everything in the platform's home.
"""

from __future__ import annotations

import base64
import json
import logging
import marshal
import os
import select
import signal
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from helpers.platform_home import byte_cap

_escape = json.encoder.encode_basestring  # the C encoder: a JSON string literal, quotes included
log = logging.getLogger("flywheel.endpoint")
MAX_BYTES_ENV = "FLYWHEEL_CAPTURE_MAX_BYTES"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024   # per endpoint: capture stops writing beyond this


def default_max_bytes() -> int:
    """The capture cap in bytes per endpoint: ``$FLYWHEEL_CAPTURE_MAX_BYTES`` or 100 MiB."""
    return byte_cap(MAX_BYTES_ENV, DEFAULT_MAX_BYTES)


@dataclass
class CaptureSettings:
    """What to capture, in the words of SageMaker's ``DataCaptureConfig``."""

    destination: Path                       # local folder standing for DestinationS3Uri
    sampling_percentage: float = 100.0      # 0..100, share of invocations captured
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)
    max_bytes: int = field(default_factory=default_max_bytes)  # per endpoint, files on disk included

    def to_dict(self) -> dict:
        return {"destination": str(self.destination), "sampling_percentage": self.sampling_percentage,
                "capture_input": self.capture_input, "capture_output": self.capture_output,
                "csv_content_types": list(self.csv_content_types),
                "json_content_types": list(self.json_content_types), "max_bytes": self.max_bytes}

    @classmethod
    def from_dict(cls, values: dict) -> "CaptureSettings":
        values = dict(values)
        values["destination"] = Path(values["destination"])
        for key in ("csv_content_types", "json_content_types"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


def _encoding(content_type: str, csv_types: tuple[str, ...], json_types: tuple[str, ...]) -> str:
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in csv_types:
        return "CSV"
    if mime in json_types:
        return "JSON"
    return "BASE64"


def _base64_block(mode: str, content_type: str, data: bytes) -> str:
    """A block whose data is not text (or not UTF-8): BASE64, as SageMaker writes it."""
    text = base64.b64encode(data).decode("ascii")
    return f'{{"observedContentType":{_escape(content_type)},"mode":"{mode}","data":"{text}","encoding":"BASE64"}}'


class _EventIds:
    """UUID-shaped event ids: a random 80-bit prefix per writer, then a 48-bit counter (``count``).

    ``uuid.uuid4()`` costs a system call per record; ids only need to be unique, so one random
    draw per server start suffices (version 4 / variant bits set, so they parse as UUIDs).
    """

    def __init__(self) -> None:
        raw = uuid.uuid4().hex
        self.prefix = f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{'89ab'[int(raw[16], 16) % 4]}{raw[17:20]}-"
        self.count = int(raw[20:32], 16) // 2  # random start, room to count up


@dataclass
class CaptureWriter:
    """Formats captured invocations of one endpoint and appends them to hourly JSON Lines files."""

    settings: CaptureSettings
    endpoint_name: str
    pending: int = 0                               # records formatted but not written yet
    _since_sync: int = 0                           # records written since the last sync()
    _lines: dict = field(default_factory=dict)     # variant -> formatted lines not written yet
    _files: dict = field(default_factory=dict)     # variant -> (hour key, open file)
    _last: float = 0.0                             # time.time() of the latest record
    _second: int = -1
    _stamp: str = ""
    _ids: _EventIds = field(default_factory=_EventIds)
    _inputs: dict = field(default_factory=dict)    # content type -> (head, tail, as_text)
    _outputs: dict = field(default_factory=dict)
    _both: bool = False                            # capturing input and output (the usual case)
    _room: int | None = None                       # bytes left under the cap (None: not counted yet)

    def __post_init__(self) -> None:
        self._both = self.settings.capture_input and self.settings.capture_output

    def record(self, variant: str, content_type: str, body: bytes, out_type: str, out_body: bytes,
               inference_id: str | None, custom_attributes: str | None, now: float | None = None) -> None:
        """Format one invocation as a JSON line for its variant; :meth:`flush` writes the lines.

        ``now`` is when it was invoked (``time.time()``, the default). Formatting at once keeps one
        string per request until the flush, not the request's objects.
        """
        self._format((((time.time() if now is None else now), variant, content_type, body, out_type, out_body,
                       inference_id, custom_attributes),))

    def _format(self, records: list[tuple] | tuple[tuple, ...]) -> None:
        """Format ``(time, variant, content_type, body, out_type, out_body, inference_id,
        custom_attributes)`` records as lines, each appended to its variant's list.

        One loop over the batch with what it reads held in locals: the capture process spends
        its time here, about a microsecond per one-row record.
        """
        if not records:
            return
        ids, lines_of, inputs, outputs = self._ids, self._lines, self._inputs, self._outputs
        both = self._both
        second, stamp, count = self._second, self._stamp, ids.count
        for now, variant, content_type, body, out_type, out_body, inference_id, attributes in records:
            if int(now) != second:  # formatting a timestamp is the slow part: once per second
                second = int(now)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            count += 1
            extra = ""
            if inference_id:
                extra = f',"inferenceId":{_escape(inference_id)}'
            if attributes:
                extra += f',"customAttributes":[{_escape(attributes)}]'
            data = None
            if both:  # the usual case, _block inlined for both blocks
                in_head, in_tail, in_text = inputs.get(content_type) or self._layout("INPUT", content_type)
                out_head, out_tail, out_text = outputs.get(out_type) or self._layout("OUTPUT", out_type)
                if in_text and out_text:
                    try:
                        data = f"{in_head}{_escape(body.decode())}{in_tail},{out_head}{_escape(out_body.decode())}{out_tail}"
                    except UnicodeDecodeError:
                        pass
            if data is None:  # a binary body (BASE64), or input or output only
                blocks = []
                if self.settings.capture_input:
                    blocks.append(self._block("INPUT", content_type, body))
                if self.settings.capture_output:
                    blocks.append(self._block("OUTPUT", out_type, out_body))
                data = ",".join(blocks)
            lines = lines_of.get(variant)
            if lines is None:
                lines = lines_of[variant] = []
            lines.append(f'{{"captureData":{{{data}}},"eventMetadata":{{"eventId":"{ids.prefix}'
                         f'{count & 0xFFFFFFFFFFFF:012x}"{extra},"inferenceTime":"{stamp}"}},"eventVersion":"0"}}\n')
        self._second, self._stamp, ids.count = second, stamp, count
        self.pending += len(records)
        self._last = now

    def _layout(self, mode: str, content_type: str) -> tuple[str, str, bool]:
        """(head, tail, as_text) of an endpointInput / endpointOutput block, cached per content type."""
        layouts = self._inputs if mode == "INPUT" else self._outputs
        encoding = _encoding(content_type, self.settings.csv_content_types, self.settings.json_content_types)
        name = "endpointInput" if mode == "INPUT" else "endpointOutput"
        layout = layouts[content_type] = (
            f'"{name}":{{"observedContentType":{_escape(content_type)},"mode":"{mode}","data":',
            f',"encoding":"{encoding}"}}', encoding != "BASE64")
        return layout

    def _block(self, mode: str, content_type: str, data: bytes) -> str:
        """One endpointInput / endpointOutput block (text as sent, or BASE64 when it is not UTF-8)."""
        layouts = self._inputs if mode == "INPUT" else self._outputs
        head, tail, as_text = layouts.get(content_type) or self._layout(mode, content_type)
        if as_text:
            try:
                return head + _escape(data.decode("utf-8")) + tail
            except UnicodeDecodeError:
                pass
        name = "endpointInput" if mode == "INPUT" else "endpointOutput"
        return f'"{name}":' + _base64_block(mode, content_type, data)

    def _file(self, variant: str, now: float) -> IO[bytes]:
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(now))
        current = self._files.get(variant)
        if current is not None and current[0] == hour:
            return current[1]
        if current is not None:
            current[1].close()
        folder = self.settings.destination / self.endpoint_name / variant / hour
        _private_dirs(folder)
        stamp = time.strftime("%M-%S", time.gmtime(now)) + f"-{int(now * 1000) % 1000:03d}"
        fd = os.open(folder / f"{stamp}-{uuid.uuid4()}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC,
                     0o600)
        handle = os.fdopen(fd, "ab")
        self._files[variant] = (hour, handle)
        return handle

    def flush(self) -> int:
        """Append every formatted record to its variant's file; return how many were written.

        The lines are taken first: when writing fails (a full disk), those records are dropped
        and capture goes on with the next ones. Past the volume cap nothing is written (and the
        records are not counted as written).
        """
        if not self.pending:
            return 0
        count, pending = self.pending, self._lines
        self.pending, self._lines = 0, {}
        if self._room is None:
            self._room = self.settings.max_bytes - self._bytes_on_disk()
        for variant, lines in pending.items():
            data = "".join(lines).encode("utf-8")
            if len(data) > self._room:  # the cap is reached with this batch: the lines that fit, then no more
                count -= len(lines)
                data, kept = self._fitting(lines)
                count += kept
                self._cap_reached()
            if data:
                handle = self._file(variant, self._last)
                handle.write(data)
                handle.flush()
                self._room -= len(data)
        self._since_sync += count
        return count

    def _fitting(self, lines: list[str]) -> tuple[bytes, int]:
        """(the first lines that fit in the room left, encoded; how many)"""
        kept, size = 0, 0
        for line in lines:
            length = len(line.encode("utf-8"))
            if size + length > self._room:
                break
            kept, size = kept + 1, size + length
        return "".join(lines[:kept]).encode("utf-8"), kept

    def _cap_reached(self) -> None:
        """Log once, and leave no room for later batches."""
        if self._room is not None and self._room < 0:
            return
        folder = self.settings.destination / self.endpoint_name
        log.warning("data capture for endpoint %s reached its cap of %d bytes in %s: no more requests are captured. "
                    "Delete old capture files there, or set %s higher and redeploy.",
                    self.endpoint_name, self.settings.max_bytes, folder, MAX_BYTES_ENV)
        self._room = -1

    def _bytes_on_disk(self) -> int:
        """Bytes in this endpoint's capture files already under the destination (earlier deploys)."""
        total = 0
        for path in capture_files(self.settings.destination, self.endpoint_name):
            try:
                total += path.stat().st_size
            except OSError:
                continue
        return total

    def write(self, records: list[tuple]) -> int:
        """Format and write ``(time, variant, content_type, body, out_type, out_body, inference_id,
        custom_attributes)`` records at once; return how many."""
        self._format(records)
        return self.flush()

    def sync(self) -> int:
        """Write what is pending; return how many records were written since the previous sync."""
        self.flush()
        count, self._since_sync = self._since_sync, 0
        return count

    def close(self) -> None:
        self.flush()
        for _, handle in self._files.values():
            handle.close()
        self._files.clear()


# --------------------------------------------------------------------------- the capture process
_SIZE = struct.Struct("!I")     # every message down the pipe: its length, then marshal data
_COUNT = struct.Struct("!Q")    # the answer to a sync: records written since the previous one
_SYNC_SECONDS = 60.0
# The child loads this file alone, not the helpers package: only the standard library (~15 ms and
# ~10 MB), where importing the package would load numpy and the models into it.
# Its settings and endpoint name come in its environment (owner-only), not on its command line (`ps`
# shows every user the command line): the variable processes.spawn uses, named here to import nothing.
_ARGS_ENV = "FLYWHEEL_PROCESS_ARGS"
_BOOT = ("import importlib.util, json, os, sys; "
         "spec = importlib.util.spec_from_file_location('flywheel_capture', sys.argv[1]); "
         "module = sys.modules['flywheel_capture'] = importlib.util.module_from_spec(spec); "
         f"spec.loader.exec_module(module); module.serve_capture(*json.loads(os.environ.pop({_ARGS_ENV!r})))")


class CaptureProcess:
    """Data capture in a child process: the server hands raw records over, the child formats and writes.

    :meth:`write` sends a batch down the child's stdin (one ``os.write`` of marshal data); the
    child writes each batch as it arrives, with :class:`CaptureWriter`. :meth:`sync` waits until
    the child has written everything handed over. Closing the pipe ends the child after its last
    batch; it runs in its own process group and ignores SIGINT / SIGTERM, so no signal meant for
    the server cuts that batch off, and a server that is killed closes the pipe all the same. It
    runs at a lower priority: on a busy machine the endpoint's requests come first.

    Capture never fails a request: if the child is gone, records are formatted and written in
    this process from then on (with a warning in the server log).
    """

    def __init__(self, settings: CaptureSettings, endpoint_name: str):
        self.settings, self.endpoint_name = settings, endpoint_name
        self._fallback: CaptureWriter | None = None
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, __file__],
            env={**os.environ, _ARGS_ENV: json.dumps([settings.to_dict(), endpoint_name])},
            # its own process group: a signal to the server's group (Ctrl-C, killpg) does not reach it
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True, process_group=0, umask=0o077)

    def write(self, records: list[tuple]) -> int:
        """Hand ``records`` to the child, which writes them at once; return how many."""
        if self._fallback is None and self._send(("records", records)):
            return len(records)
        return self._fallback.write(records)

    def sync(self) -> int:
        """Return once every record handed over is on disk: how many were written since the last sync."""
        if self._fallback is not None or not self._send(("sync",)):
            return self._fallback.sync()
        stdout = self.process.stdout
        ready, _, _ = select.select([stdout], [], [], _SYNC_SECONDS)
        answer = os.read(stdout.fileno(), _COUNT.size) if ready else b""
        if len(answer) != _COUNT.size:
            self._lost("did not answer a flush")
            return 0
        return _COUNT.unpack(answer)[0]

    def close(self) -> None:
        """Wait for the child to write what it was handed and exit."""
        if self._fallback is not None:
            self._fallback.close()
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(_SYNC_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def _send(self, message: tuple) -> bool:
        data = marshal.dumps(message)
        view = memoryview(_SIZE.pack(len(data)) + data)
        try:
            while view:
                view = view[os.write(self.process.stdin.fileno(), view):]
        except (OSError, ValueError):  # the child is gone (or its pipe closed)
            self._lost("is gone")
            return False
        return True

    def _lost(self, what: str) -> None:
        if self._fallback is None:
            log.warning("the data-capture process %s (exit code %s); capturing in the server from now on",
                        what, self.process.poll())
            self._fallback = CaptureWriter(self.settings, self.endpoint_name)


def serve_capture(settings: dict, endpoint_name: str) -> None:
    """The capture child's loop: read batches from stdin and write them until stdin closes; ``settings``:
    ``CaptureSettings.to_dict()``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.nice(10)  # background work: a busy machine runs the endpoint's requests first
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s capture: %(message)s")
    writer = CaptureWriter(CaptureSettings.from_dict(settings), endpoint_name)
    while True:
        header = _read_exactly(0, _SIZE.size)
        data = _read_exactly(0, _SIZE.unpack(header)[0]) if header is not None else None
        if data is None:
            break
        message = marshal.loads(data)
        if message[0] == "records":
            try:
                writer.write(message[1])
            except OSError:  # a full disk drops these records, never the endpoint (as on SageMaker)
                log.exception("data capture could not write; captured records dropped")
        elif message[0] == "sync":
            os.write(1, _COUNT.pack(writer.sync()))
    writer.close()


def _private_dirs(folder: Path) -> None:
    """``mkdir -p`` with every missing level 0700 (``mkdir(parents=True)`` gives parents the umask's mode)."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``; None at end of file (the server closed the pipe, or died)."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# ------------------------------------------------------------------------------------- reading
def capture_files(destination: str | Path, endpoint_name: str | None = None,
                  variant: str | None = None) -> list[Path]:
    """The capture files under a destination folder (optionally one endpoint / variant), oldest first."""
    root = Path(destination)
    if endpoint_name:
        root = root / endpoint_name
        if variant:
            root = root / variant
    if not root.exists():
        return []
    return sorted(root.rglob("*.jsonl"), key=lambda p: (p.relative_to(root).parts[-5:-1], p.name))


def read_records(files: list[Path]) -> Iterator[dict]:
    """Parsed capture records from ``files``; a torn last line (a write in progress) is skipped."""
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n"):
                    yield json.loads(line)


def decode_data(block: dict) -> bytes:
    """The raw bytes of an ``endpointInput`` / ``endpointOutput`` block."""
    if block.get("encoding") == "BASE64":
        return base64.b64decode(block["data"])
    return block["data"].encode("utf-8")
