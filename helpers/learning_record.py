"""The learner's own progress record: opt-in, local, anonymous; and a room's records merged.

Off by default. A learner opts in with ``python -m helpers progress --on`` (``--off`` stops it), which
writes ``<FLYWHEEL_HOME>/progress/consent.json`` with a random learner id made then. The environment
variable ``FLYWHEEL_PROGRESS=1`` / ``0`` overrides the consent either way; without it, automated runs
(CI, ``FLYWHEEL_SMOKE=1`` runs such as ``helpers execute`` and the test suite's papermill runs, and
anything under pytest) never record.

What is kept, in ``<FLYWHEEL_HOME>/progress/record.json`` (0600, written atomically): per lab and
exercise the UTC time of the first attempt and of the first pass and the counts of attempts and passes;
per quiz question the first answer's correctness and the count of answers. Lab and exercise ids are the
check registry's (``LabChecks.lab``, the check's name). Nothing of the learner's code, no name, no path.

Recording never raises into a check: a record file that cannot be read is moved aside
(``record.json.broken-<time>``) with a one-line warning, and any other failure prints one line.

A room: each learner runs ``progress --export FILE`` and the instructor merges the files
(:func:`merge`): per exercise the learners who attempted it, the median and 80th-percentile minutes
from first attempt to first pass, and the pass rate; :meth:`RoomStats.lab_minutes` gives a quantile
over learners of a lab's total time (what ``agenda --retime`` uses).

Standard library only: this module is in the leaf layer.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from helpers import platform_home

__all__ = [
    "SCHEMA",
    "IDLE_CAP_MINUTES",
    "enabled",
    "automated_run",
    "set_consent",
    "record_path",
    "record_open",
    "record_check",
    "record_quiz",
    "load",
    "export",
    "merge",
    "read_export",
    "minutes_between",
    "stamp",
    "lab_total_minutes",
    "RecordError",
    "ExerciseRow",
    "RoomStats",
    "quantile",
]

SCHEMA = 1
KIND = "flywheel-progress"
ENV = "FLYWHEEL_PROGRESS"
RECORD_FILE = "record.json"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # every recorded time: UTC, to the second
CONSENT_FILE = "consent.json"
# A pause between two events of a lab longer than this counts as this long: a break, lunch or the next
# day is not time spent on the lab (minutes).
IDLE_CAP_MINUTES = 45.0

_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


class RecordError(ValueError):
    """A progress file that cannot be used; the message names the file, what is wrong and the fix."""


# --- consent ---------------------------------------------------------------------------------------


def automated_run() -> str | None:
    """Why this process is an automated run that must not record (CI, SMOKE, pytest), or None."""
    if os.environ.get("CI"):
        return "CI is set"
    if os.environ.get("FLYWHEEL_SMOKE") == "1":
        return "FLYWHEEL_SMOKE=1 (an automated notebook run)"
    if "PYTEST_CURRENT_TEST" in os.environ:
        return "running under pytest"
    return None


def enabled() -> bool:
    """True when this process records: ``FLYWHEEL_PROGRESS`` if set, else off in automated runs, else
    the learner's consent (``progress --on``). Off by default."""
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in _ON:
        return True
    if forced in _OFF or automated_run():
        return False
    return bool(_consent().get("recording"))


def _folder() -> Path:
    return platform_home.progress_root()


def record_path() -> Path:
    """Where the learner's record is (it may not exist yet)."""
    return _folder() / RECORD_FILE


def _consent() -> dict:
    try:
        data = json.loads((_folder() / CONSENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def set_consent(on: bool) -> dict:
    """Record the learner's choice; opting in the first time makes the random learner id. Returns it."""
    consent = _consent()
    learner = consent.get("learner") if isinstance(consent.get("learner"), str) else None
    consent = {"recording": bool(on), "learner": learner or uuid.uuid4().hex, "changed": _now()}
    platform_home.private_dir(_folder())
    platform_home.write_atomic(_folder() / CONSENT_FILE, json.dumps(consent, indent=1) + "\n")
    return consent


def learner_id() -> str:
    """The anonymous learner id (made now, and kept, if the learner never opted in)."""
    consent = _consent()
    if isinstance(consent.get("learner"), str):
        return consent["learner"]
    return set_consent(bool(consent.get("recording")))["learner"]


# --- recording --------------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """``moment`` (a UTC datetime) as a record stores it: ``2026-01-31T09:00:00Z``."""
    return moment.strftime(TIME_FORMAT)


def _now() -> str:
    return stamp(datetime.now(timezone.utc))


def record_open(lab: str) -> None:
    """Note when a lab was first opened (its first cell ran); a no-op unless enabled; never raises."""
    def change(record: dict) -> None:
        _lab(record, lab).setdefault("opened", _now())

    _safely(change)


def record_check(lab: str, exercise: str, passed: bool, *, total: int | None = None,
                 position: int | None = None) -> None:
    """Count one run of an exercise's check.

    ``total``: the lab's number of exercises and ``position``: this one's place among them (0-based),
    when the caller knows them (the check registry does). A no-op unless :func:`enabled`; never raises
    (a failure to record prints one line on stderr).
    """
    def change(record: dict) -> None:
        entry = _lab(record, lab)
        if total:
            entry["total"] = int(total)
        now = _now()
        row = entry["exercises"].setdefault(exercise, {"first_attempt": now, "attempts": 0, "passes": 0})
        if position is not None:
            row["position"] = int(position)
        row["attempts"] += 1
        if passed:
            row["passes"] += 1
            row.setdefault("first_pass", now)

    _safely(change)


def record_quiz(quiz: str, question: int, correct: bool) -> None:
    """Count one answer to a quiz question; the first answer's correctness is kept. Never raises."""
    def change(record: dict) -> None:
        questions = record.setdefault("quizzes", {}).setdefault(str(quiz), {})
        row = questions.setdefault(str(int(question)), {"first_correct": bool(correct), "answers": 0,
                                                        "correct": False, "first_answer": _now()})
        row["answers"] += 1
        row["correct"] = row["correct"] or bool(correct)

    _safely(change)


def _lab(record: dict, lab: str) -> dict:
    entry = record.setdefault("labs", {}).setdefault(str(lab), {})
    entry.setdefault("exercises", {})
    return entry


def _safely(change) -> None:
    try:
        if not enabled():
            return
        with _locked():
            record = _read_or_set_aside(record_path())
            change(record)
            platform_home.write_atomic(record_path(), json.dumps(record, indent=1, sort_keys=True) + "\n")
    except Exception as error:  # noqa: BLE001 - recording is a side effect; the check's answer matters more
        _warn(f"could not save your progress ({type(error).__name__}: {error}); your check ran as usual.")


def _warn(message: str) -> None:
    sys.stderr.write(f"flywheel progress: {message}\n")


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise writers (two kernels of one learner) with an advisory lock, where the OS has one."""
    platform_home.private_dir(_folder())
    try:
        import fcntl
    except ImportError:  # Windows: last writer wins, as a lost count is harmless
        yield
        return
    with platform_home.open_private(_folder() / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _new_record() -> dict:
    return {"schema": SCHEMA, "kind": KIND, "learner": learner_id(), "labs": {}, "quizzes": {}}


def _read_or_set_aside(path: Path) -> dict:
    """The record at ``path``; a new one if missing; a broken one is renamed aside with a warning."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _new_record()
    try:
        return _validated(json.loads(text), path)
    except (ValueError, RecordError) as error:
        aside = path.with_name(f"{path.name}.broken-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}")
        path.rename(aside)
        _warn(f"{path} could not be read ({error}); kept it as {aside.name} and started a new record.")
        return _new_record()


def _validated(data: Any, where: Path | str) -> dict:
    """``data`` if it is a progress record of this schema; else :class:`RecordError` saying why."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise RecordError(f"{where}: not a Flywheel progress file (no \"kind\": \"{KIND}\"); "
                          f"make one with `python -m helpers progress --export FILE`.")
    if data.get("schema") != SCHEMA:
        raise RecordError(f"{where}: schema {data.get('schema')!r}, but this kit reads schema {SCHEMA}; "
                          f"export it again with this kit's `python -m helpers progress --export FILE`.")
    if not isinstance(data.get("labs"), dict) or not isinstance(data.get("quizzes", {}), dict):
        raise RecordError(f"{where}: \"labs\" must be an object of labs; export the file again.")
    for lab, entry in data["labs"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("exercises"), dict):
            raise RecordError(f"{where}: lab {lab!r} has no \"exercises\" object; export the file again.")
        for exercise, row in entry["exercises"].items():
            _check_row(row, f"{where}: lab {lab!r} exercise {exercise!r}")
    for quiz, questions in data.get("quizzes", {}).items():
        if not isinstance(questions, dict) or not all(isinstance(row, dict) for row in questions.values()):
            raise RecordError(f"{where}: quiz {quiz!r} must map question numbers to answers; export the file again.")
    return data


def _check_row(row: Any, where: str) -> None:
    if not isinstance(row, dict) or not isinstance(row.get("attempts"), int) or row["attempts"] < 1:
        raise RecordError(f"{where}: \"attempts\" must be a whole number of at least 1; export the file again.")
    for key in ("first_attempt", "first_pass"):
        if key in row:
            try:
                _parse_time(row[key])
            except (TypeError, ValueError):
                raise RecordError(f"{where}: {key} {row[key]!r} is not a UTC time like 2026-01-31T09:00:00Z; "
                                  f"export the file again.") from None
    if "first_pass" in row and _parse_time(row["first_pass"]) < _parse_time(row["first_attempt"]):
        raise RecordError(f"{where}: first_pass is before first_attempt; export the file again.")


def minutes_between(start: str, end: str) -> float:
    """Minutes from one recorded UTC time to another."""
    return (_parse_time(end) - _parse_time(start)).total_seconds() / 60


def _parse_time(text: str) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError(text)
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)


# --- reading, exporting ------------------------------------------------------------------------------


def load(path: str | os.PathLike | None = None) -> dict:
    """The learner's own record (``path``: another record or export); an empty record when none yet.

    A file that is not a progress record raises :class:`RecordError` naming it.
    """
    target = Path(path) if path is not None else record_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is not None:
            raise RecordError(f"{target}: no such file.") from None
        return {"schema": SCHEMA, "kind": KIND, "learner": _consent().get("learner"), "labs": {}, "quizzes": {}}
    try:
        data = json.loads(text)
    except ValueError as error:
        raise RecordError(f"{target}: not JSON ({error}); export the file again.") from None
    return _validated(data, target)


def export(path: str | os.PathLike) -> Path:
    """Write the learner's record as a shareable file: schema, anonymous id, times and counts, no paths."""
    record = load()
    if not record["labs"] and not record.get("quizzes"):
        raise RecordError("nothing is recorded yet: opt in with `python -m helpers progress --on`, run some "
                          "checks or a quiz, then export.")
    shared = {"schema": SCHEMA, "kind": KIND, "source": "learner record", "learner": record.get("learner") or learner_id(),
              "exported": _now(), "labs": record["labs"], "quizzes": record.get("quizzes", {})}
    target = Path(path)
    platform_home.write_atomic(target, json.dumps(shared, indent=1, sort_keys=True) + "\n", file_mode=0o644)
    return target


def read_export(path: str | os.PathLike) -> dict:
    """One exported (or pilot) progress file, validated; :class:`RecordError` names what is wrong."""
    return load(path)


# --- a room -----------------------------------------------------------------------------------------


def quantile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) with linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q!r} is outside 0..1: use e.g. 0.5 for the median, 0.8 for the 80th percentile.")
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise across a room; minutes are first attempt -> first pass, over learners who passed."""

    lab: str
    exercise: str
    learners: int
    median_minutes: float | None
    p80_minutes: float | None
    pass_rate: float


@dataclass
class RoomStats:
    """Merged progress files: ``exercises`` rows, the files' ``sources``, and ``errors`` for bad files."""

    exercises: list[ExerciseRow] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def lab_minutes(self, lab: str, quantile: float = 0.8) -> float | None:  # noqa: A002 - the agreed name
        """The ``quantile`` over learners of a lab's total minutes, or None when nobody completed it.

        ``lab`` is a lab id (``"04_linear_regression_gd"``) or its number (``"04"``). A learner's total
        runs from the lab's opening (else its first attempt) to its last first pass, counting each pause
        between two recorded events as at most ``IDLE_CAP_MINUTES``; only learners who passed every
        exercise of the lab count.
        """
        totals = [minutes for record in self.records
                  if (minutes := lab_total_minutes(record, _lab_key(record, lab))) is not None]
        return _quantile(totals, quantile)

    def labs(self) -> list[str]:
        return sorted({row.lab for row in self.exercises})


def _quantile(values: list[float], q: float) -> float | None:
    return quantile(values, q)


def _lab_key(record: dict, lab: str) -> str | None:
    labs = record.get("labs", {})
    if lab in labs:
        return lab
    matches = [name for name in labs if name.split("_", 1)[0] == lab]
    return matches[0] if len(matches) == 1 else None


def lab_total_minutes(record: dict, lab: str | None) -> float | None:
    """One learner's minutes on ``lab`` (see :meth:`RoomStats.lab_minutes`), None if not completed."""
    entry = record.get("labs", {}).get(lab) if lab else None
    if not entry or not entry["exercises"]:
        return None
    rows = entry["exercises"].values()
    total = entry.get("total") or len(entry["exercises"])
    if len(entry["exercises"]) < total or any("first_pass" not in row for row in rows):
        return None
    times = sorted(_parse_time(t) for row in rows for t in (row["first_attempt"], row["first_pass"]))
    if "opened" in entry:
        times.insert(0, min(_parse_time(entry["opened"]), times[0]))
    gaps = ((later - earlier).total_seconds() / 60 for earlier, later in zip(times, times[1:]))
    return sum(min(gap, IDLE_CAP_MINUTES) for gap in gaps)


def merge(paths: Iterable[str | os.PathLike]) -> RoomStats:
    """Merge exported progress files into per-exercise rows; bad files go to ``errors``, the rest merge.

    A learner id seen in two files counts once (the later export).
    """
    stats = RoomStats()
    by_learner: dict[str, tuple[str, dict]] = {}
    for path in paths:
        try:
            record = read_export(path)
        except RecordError as error:
            stats.errors.append(str(error))
            continue
        except OSError as error:
            stats.errors.append(f"{path}: cannot be read ({error.strerror or error}).")
            continue
        learner = str(record.get("learner") or path)
        if learner in by_learner:
            earlier, kept = by_learner[learner]
            if str(record.get("exported", "")) < str(kept.get("exported", "")):
                record, path, earlier = kept, earlier, str(path)
            stats.errors.append(f"{earlier}: the same learner as another file; only the later export counts.")
        by_learner[learner] = (str(path), record)
    stats.records = [record for _, record in by_learner.values()]
    stats.sources = sorted({str(record.get("source", "unknown")) for record in stats.records})
    stats.exercises = _rows(stats.records)
    return stats


def _rows(records: list[dict]) -> list[ExerciseRow]:
    minutes: dict[tuple[str, str], list[float]] = {}
    attempted: dict[tuple[str, str], int] = {}
    order: dict[tuple[str, str], tuple[float, str]] = {}  # the check registry's order, else by name
    for record in records:
        for lab, entry in record.get("labs", {}).items():
            for exercise, row in entry["exercises"].items():
                key = (lab, exercise)
                attempted[key] = attempted.get(key, 0) + 1
                order[key] = min(order.get(key, (math.inf, exercise)), (row.get("position", math.inf), exercise))
                if "first_pass" in row:
                    minutes.setdefault(key, []).append(minutes_between(row["first_attempt"], row["first_pass"]))
    return [ExerciseRow(lab, exercise, count, quantile(minutes.get((lab, exercise), []), 0.5),
                        quantile(minutes.get((lab, exercise), []), 0.8),
                        len(minutes.get((lab, exercise), [])) / count)
            for (lab, exercise), count in sorted(attempted.items(), key=lambda item: (item[0][0], order[item[0]]))]
