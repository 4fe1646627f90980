"""Showing a job's log in the notebook as it arrives.

Plain lines are printed; ``#progress epoch=<i>/<n>`` lines move a progress bar instead
(``helpers.progress``: a widget in JupyterLab, silent in CI), so stored notebook outputs stay stable.
"""

from __future__ import annotations

import re

PROGRESS = re.compile(r"^#progress\s+(?P<what>\w+)=(?P<i>\d+)/(?P<n>\d+)\s*$")


class LogDisplay:
    def __init__(self, label: str = "", show_lines: bool = True):
        self.label = label
        self.show_lines = show_lines
        self._bar = None

    def line(self, text: str) -> None:
        if not self.show_lines:
            return  # logs=False: a quiet job (e.g. one of many tuning trials)
        match = PROGRESS.match(text)
        if match:
            self._progress(match["what"], int(match["i"]), int(match["n"]))
        else:
            print(text, flush=True)

    def status(self, text: str) -> None:
        if self.show_lines:
            print(text, flush=True)

    def _progress(self, what: str, i: int, n: int) -> None:
        if self._bar is None or self._bar.total != n:
            self.close()
            from helpers.progress import progress

            self._bar = progress(None, total=n, desc=f"{self.label} {what}s".strip(), leave=False)
        self._bar.n = min(i, n)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
