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

Each captured invocation is formatted as a line (about 2 µs) after its answer is sent; the server
writes the pending lines every half second, once 256 are pending, and at shutdown.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

_escape = json.encoder.encode_basestring  # the C encoder: a JSON string literal, quotes included


@dataclass
class CaptureSettings:
    """What to capture, in the words of SageMaker's ``DataCaptureConfig``."""

    destination: Path                       # local folder standing for DestinationS3Uri
    sampling_percentage: float = 100.0      # 0..100, share of invocations captured
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)

    def to_dict(self) -> dict:
        return {"destination": str(self.destination), "sampling_percentage": self.sampling_percentage,
                "capture_input": self.capture_input, "capture_output": self.capture_output,
                "csv_content_types": list(self.csv_content_types),
                "json_content_types": list(self.json_content_types)}

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
    _lines: dict = field(default_factory=dict)     # variant -> formatted lines not written yet
    _files: dict = field(default_factory=dict)     # variant -> (hour key, open file)
    _last: float = 0.0                             # time.time() of the latest record
    _second: int = -1
    _stamp: str = ""
    _ids: _EventIds = field(default_factory=_EventIds)
    _inputs: dict = field(default_factory=dict)    # content type -> (head, tail, as_text)
    _outputs: dict = field(default_factory=dict)
    _both: bool = False                            # capturing input and output (the usual case)

    def __post_init__(self) -> None:
        self._both = self.settings.capture_input and self.settings.capture_output

    def record(self, variant: str, content_type: str, body: bytes, out_type: str, out_body: bytes,
               inference_id: str | None, custom_attributes: str | None) -> None:
        """Format one invocation as a JSON line for its variant; :meth:`flush` writes the lines.

        Formatting at once keeps one string per request until the flush, not the request's objects
        (holding those fragmented the allocator and cost more than the formatting).
        """
        now = time.time()
        if int(now) != self._second:  # formatting a timestamp is the slow part: once per second
            self._second = int(now)
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._second))
        ids = self._ids
        ids.count += 1
        extra = ""
        if inference_id:
            extra = f',"inferenceId":{_escape(inference_id)}'
        if custom_attributes:
            extra += f',"customAttributes":[{_escape(custom_attributes)}]'
        metadata = (f'"eventMetadata":{{"eventId":"{ids.prefix}{ids.count & 0xFFFFFFFFFFFF:012x}"{extra},'
                    f'"inferenceTime":"{self._stamp}"}},"eventVersion":"0"}}\n')
        data = None
        if self._both:  # the usual case, _block inlined for both blocks (two calls cost ~1k instructions)
            in_head, in_tail, in_text = self._inputs.get(content_type) or self._layout("INPUT", content_type)
            out_head, out_tail, out_text = self._outputs.get(out_type) or self._layout("OUTPUT", out_type)
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
        lines = self._lines.get(variant)
        if lines is None:
            lines = self._lines[variant] = []
        lines.append(f'{{"captureData":{{{data}}},{metadata}')
        self.pending += 1
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
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%M-%S", time.gmtime(now)) + f"-{int(now * 1000) % 1000:03d}"
        handle = open(folder / f"{stamp}-{uuid.uuid4()}.jsonl", "ab")
        self._files[variant] = (hour, handle)
        return handle

    def flush(self) -> int:
        """Append every formatted record to its variant's file; return how many were written.

        The lines are taken first: when writing fails (a full disk), those records are dropped
        and capture goes on with the next ones.
        """
        if not self.pending:
            return 0
        count, pending = self.pending, self._lines
        self.pending, self._lines = 0, {}
        for variant, lines in pending.items():
            handle = self._file(variant, self._last)
            handle.write("".join(lines).encode("utf-8"))
            handle.flush()
        return count

    def close(self) -> None:
        self.flush()
        for _, handle in self._files.values():
            handle.close()
        self._files.clear()


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
