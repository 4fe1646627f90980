"""Metrics scraped from a job's log with SageMaker-style regex metric definitions.

Each definition is ``{"Name": "validation:rmse", "Regex": "validation:rmse=([-+0-9.eE]+)"}``: SageMaker
applies every regex to every log line and keeps the first capture group as the value; the last
value seen becomes the metric's entry in ``FinalMetricDataList``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone


def normalise(definitions) -> list[dict]:
    """Accept ``{"Name", "Regex"}`` dicts, ``{"name", "regex"}`` dicts or MetricDefinition objects."""
    out = []
    for item in definitions or []:
        if isinstance(item, dict):
            name, regex = item.get("Name", item.get("name")), item.get("Regex", item.get("regex"))
        else:
            name, regex = getattr(item, "name", None), getattr(item, "regex", None)
        if not name or not regex:
            raise ValueError(f"Metric definition {item!r} needs a name and a regex, e.g. "
                             "MetricDefinition(name='validation:rmse', regex='validation:rmse=([0-9.]+)').")
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise ValueError(f"Metric {name!r}: invalid regex {regex!r} ({exc}).") from None
        if compiled.groups < 1:
            raise ValueError(f"Metric {name!r}: regex {regex!r} has no capture group; wrap the number in "
                             "parentheses, e.g. 'loss=([0-9.eE+-]+)'.")
        out.append({"Name": str(name), "Regex": str(regex)})
    return out


class MetricScraper:
    """Feed log lines; ``final()`` gives the FinalMetricDataList (last value of each metric)."""

    def __init__(self, definitions):
        self.definitions = normalise(definitions)
        self._compiled = [(d["Name"], re.compile(d["Regex"])) for d in self.definitions]
        self._last: dict[str, tuple[float, str]] = {}
        self.history: dict[str, list[float]] = {}

    def feed(self, line: str) -> None:
        for name, pattern in self._compiled:
            match = pattern.search(line)
            if not match:
                continue
            try:
                value = float(match.group(1))
            except (TypeError, ValueError):
                continue  # SageMaker ignores captures that are not numbers
            if math.isnan(value):
                continue
            self._last[name] = (value, datetime.now(timezone.utc).isoformat())
            self.history.setdefault(name, []).append(value)

    def final(self) -> list[dict]:
        return [{"MetricName": name, "Value": value, "Timestamp": stamp}
                for name, (value, stamp) in self._last.items()]
