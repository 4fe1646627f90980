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

The request path only appends a tuple to a list (a few hundred nanoseconds); the server formats
and writes the pending records (about 2 µs each) every half second, once 256 are pending, and at
shutdown, so capture costs the endpoint little.
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


def _block(mode: str, content_type: str, data: bytes, encoding: str) -> str:
    if encoding != "BASE64":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "BASE64"
    if encoding == "BASE64":
        text = base64.b64encode(data).decode("ascii")
    return (f'{{"observedContentType":{_escape(content_type)},"mode":"{mode}",'
            f'"data":{_escape(text)},"encoding":"{encoding}"}}')


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
    """Buffers captured invocations of one endpoint and appends them to hourly JSON Lines files."""

    settings: CaptureSettings
    endpoint_name: str
    pending: list = field(default_factory=list)
    _files: dict = field(default_factory=dict)   # variant -> (hour key, open file)
    _second: int = -1
    _stamp: str = ""
    _ids: _EventIds = field(default_factory=_EventIds)
    _encodings: dict = field(default_factory=dict)

    def record(self, variant: str, content_type: str, body: bytes, out_type: str, out_body: bytes,
               inference_id: str | None, custom_attributes: str | None) -> None:
        """Hot path: remember the invocation; formatting and writing happen in :meth:`flush`."""
        self.pending.append((time.time(), variant, content_type, body, out_type, out_body,
                             inference_id, custom_attributes))

    def _layout(self, mode: str, content_type: str) -> tuple[str, str, bool]:
        """(head, tail, as_text) of an endpointInput / endpointOutput block, cached per content type."""
        key = (mode, content_type)
        cached = self._encodings.get(key)
        if cached is None:
            encoding = _encoding(content_type, self.settings.csv_content_types, self.settings.json_content_types)
            name = "endpointInput" if mode == "INPUT" else "endpointOutput"
            cached = self._encodings[key] = (
                f'"{name}":{{"observedContentType":{_escape(content_type)},"mode":"{mode}","data":',
                f',"encoding":"{encoding}"}}', encoding != "BASE64")
        return cached

    def _block(self, mode: str, content_type: str, data: bytes) -> str:
        """One endpointInput / endpointOutput block (text as sent, or BASE64 when it is not UTF-8)."""
        head, tail, as_text = self._encodings.get((mode, content_type)) or self._layout(mode, content_type)
        if as_text:
            try:
                return head + _escape(data.decode("utf-8")) + tail
            except UnicodeDecodeError:
                pass
        name = "endpointInput" if mode == "INPUT" else "endpointOutput"
        return f'"{name}":' + _block(mode, content_type, data, "BASE64")

    def _file(self, variant: str, now: float) -> IO[str]:
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(now))
        current = self._files.get(variant)
        if current is not None and current[0] == hour:
            return current[1]
        if current is not None:
            current[1].close()
        folder = self.settings.destination / self.endpoint_name / variant / hour
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%M-%S", time.gmtime(now)) + f"-{int(now * 1000) % 1000:03d}"
        handle = open(folder / f"{stamp}-{uuid.uuid4()}.jsonl", "a", encoding="utf-8")
        self._files[variant] = (hour, handle)
        return handle

    def flush(self) -> int:
        """Format and append every pending record; return how many were written."""
        if not self.pending:
            return 0
        records, self.pending = self.pending, []
        block = self._block
        capture_input, capture_output = self.settings.capture_input, self.settings.capture_output
        ids = self._ids
        prefix, count = ids.prefix, ids.count
        second, stamp = self._second, self._stamp
        lines: dict[str, list[str]] = {}
        for now, variant, ctype, body, out_type, out_body, inference_id, attributes in records:
            if capture_input and capture_output:
                data = block("INPUT", ctype, body) + "," + block("OUTPUT", out_type, out_body)
            elif capture_input:
                data = block("INPUT", ctype, body)
            else:
                data = block("OUTPUT", out_type, out_body) if capture_output else ""
            count += 1
            if int(now) != second:  # formatting a timestamp is the slow part: once per second
                second = int(now)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            extra = ""
            if inference_id:
                extra = f',"inferenceId":{_escape(inference_id)}'
            if attributes:
                extra += f',"customAttributes":[{_escape(attributes)}]'
            line = (f'{{"captureData":{{{data}}},"eventMetadata":{{"eventId":"{prefix}{count & 0xFFFFFFFFFFFF:012x}"'
                    f'{extra},"inferenceTime":"{stamp}"}},"eventVersion":"0"}}\n')
            chunk = lines.get(variant)
            if chunk is None:
                chunk = lines[variant] = []
            chunk.append(line)
        ids.count, self._second, self._stamp = count, second, stamp
        for variant, chunk in lines.items():
            handle = self._file(variant, records[-1][0])
            handle.write("".join(chunk))
            handle.flush()
        return len(records)

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
