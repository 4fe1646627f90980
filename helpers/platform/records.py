"""One validated reader for the local platform's JSON records (training jobs, tuning jobs, endpoints).

Records are written by the kit, but a crash, a full disk or a hand edit can leave one truncated, empty,
or holding a value of the wrong type. :func:`read_record` checks a record's shape against a small
schema before anyone uses it and raises :class:`CorruptRecord`, naming the file, what is wrong and how
to remove it. Listings catch that error for the one record (:func:`warn_corrupt`) and go on with the
others; ``describe`` lets it through as the clear error it is.

:func:`write_record` writes a record through the kit's one atomic writer
(``helpers.platform_home.write_atomic``: temporary file, fsync, ``os.replace``; the temporary file is
removed when the write fails) and :func:`write_failure` words the reason a write failed
("disk full" for ENOSPC), for the jobs that must end Failed with it.

A schema maps each key to a :class:`Field` (``field(STR, required=True)``,
``field(INT, NULL)``, ``field(OBJECT, fields={...})``, ``field(LIST, items=field(OBJECT))``); keys
the schema does not name are allowed, so a record from a newer kit still reads.
"""

from __future__ import annotations

import errno
import json
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from helpers.platform_home import private_dir, write_atomic

# JSON types as Python types; bool is kept apart from INT and NUMBER (True is an int in Python).
STR = (str,)
INT = (int,)
NUMBER = (int, float)
BOOL = (bool,)
NULL = (type(None),)
OBJECT = (dict,)
LIST = (list,)

_JSON_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true/false",
               type(None): "null", dict: "an object", list: "a list"}


class CorruptRecord(ValueError):
    """A record file that cannot be used: not JSON, not an object, or a value of the wrong type.

    ``path`` is the file, ``problem`` what is wrong with it, ``folder`` what to delete to remove it.
    """

    def __init__(self, path: Path, problem: str, folder: Path | None = None):
        self.path = Path(path)
        self.problem = problem
        self.folder = Path(folder) if folder is not None else self.path.parent
        super().__init__(f"{self.path} is corrupt: {problem}. Listings and cleanup skip it; if you do not need "
                         f"it, remove it with: rm -r {shlex.quote(str(self.folder))}")


class CorruptRecordWarning(UserWarning):
    """A listing skipped a corrupt record (the message names the file and how to remove it)."""


@dataclass(frozen=True)
class Field:
    types: tuple[type, ...]
    required: bool = False
    choices: tuple = ()
    fields: Mapping[str, "Field"] | None = None  # the schema of a nested object
    items: "Field | None" = None  # the field every item of a list must match


def field(*types: tuple[type, ...], required: bool = False, choices: tuple = (),
          fields: Mapping[str, Field] | None = None, items: Field | None = None) -> Field:
    """A schema entry: ``field(STR, NULL)`` is a string or null; see the module docstring."""
    return Field(tuple(t for group in types for t in group), required, tuple(choices), fields, items)


def _kind(value) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _type_ok(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _check_value(value, spec: Field, where: str) -> str | None:
    if not _type_ok(value, spec.types):
        wanted = " or ".join(dict.fromkeys(_JSON_NAMES.get(t, t.__name__) for t in spec.types))
        return f"{where} is {json.dumps(value, default=str)[:40]} ({_kind(value)}), expected {wanted}"
    if spec.choices and value is not None and value not in spec.choices:
        return f"{where} is {value!r}, expected one of {', '.join(map(repr, spec.choices))}"
    if spec.fields is not None and isinstance(value, dict):
        return check(value, spec.fields, where + ".")
    if spec.items is not None and isinstance(value, list):
        for index, item in enumerate(value):
            problem = _check_value(item, spec.items, f"{where}[{index}]")
            if problem:
                return problem
    return None


def check(record: dict, schema: Mapping[str, Field], prefix: str = "") -> str | None:
    """The first problem of ``record`` against ``schema`` (e.g. ``"Pid" is "abc" ...``), or None."""
    for key, spec in schema.items():
        if key not in record:
            if spec.required:
                return f"{prefix}{key} is missing"
            continue
        problem = _check_value(record[key], spec, f"{prefix}{key}")
        if problem:
            return problem
    return None


def read_record(path: str | Path, schema: Mapping[str, Field], folder: Path | None = None) -> dict:
    """The JSON object in ``path``, checked against ``schema``.

    Raises FileNotFoundError when there is no file (callers say "not found" their own way) and
    :class:`CorruptRecord` for anything else that makes it unusable; ``folder`` (default: the file's
    folder) is what the error tells the user to delete.
    """
    path = Path(path)

    def corrupt(problem: str) -> CorruptRecord:
        return CorruptRecord(path, problem, folder)

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as error:
        raise corrupt(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise corrupt(f"it cannot be read ({error.strerror or error})") from None
    if not text.strip():
        raise corrupt("the file is empty (written when the disk was full, or interrupted?)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise corrupt(f"not valid JSON ({error.msg}: line {error.lineno}, column {error.colno}; "
                      "truncated?)") from None
    except RecursionError:
        raise corrupt("not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise corrupt(f"it holds {_kind(data)} where a JSON object {{...}} belongs")
    problem = check(data, schema)
    if problem:
        raise corrupt(problem)
    return data


def warn_corrupt(error: CorruptRecord) -> None:
    """Tell the user a listing skipped ``error.path`` (once per file and problem, as warnings go)."""
    warnings.warn(str(error), CorruptRecordWarning, stacklevel=3)


def folders_holding(root: Path, file: str) -> list[str]:
    """Sorted names of the folders in ``root`` that hold ``file`` (the records of one kind); [] without ``root``."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / file).is_file())


def claim_folder(root: Path, base: str, stamp: str, max_length: int, what: str) -> str:
    """Create the folder ``<root>/<base>-<stamp>`` (``-<n>`` added when taken; the base is cut so the
    name has at most ``max_length`` characters) and return its name.

    ``mkdir`` is atomic, so two processes claiming at the same moment never get the same name.
    """
    private_dir(root)
    for attempt in range(1000):
        suffix = f"-{stamp}" + (f"-{attempt}" if attempt else "")
        name = base[: max_length - len(suffix)].rstrip("-") + suffix
        try:
            (root / name).mkdir(mode=0o700)
            return name
        except FileExistsError:
            continue
    raise RuntimeError(f"Could not find a free {what} name for {base!r} in {root}.")


def read_named(root: Path, name: str, file: str, schema: Mapping[str, Field], *, name_key: str, kind: str,
               known_label: str, none_yet: str) -> dict:
    """``<root>/<name>/<file>``, checked against ``schema``, whose ``name_key`` must say ``name``.

    No such record: ValueError ``"<kind> 'x' not found in <root>."`` plus the last five names (after
    ``known_label``) or ``none_yet``. Unusable, or copied under another folder name: CorruptRecord.
    """
    path = root / name / file
    try:
        record = read_record(path, schema)
    except FileNotFoundError:
        known = folders_holding(root, file)
        hint = f" {known_label}: {', '.join(known[-5:])}." if known else f" {none_yet}"
        raise ValueError(f"{kind} {name!r} not found in {root}.{hint}") from None
    if record[name_key] != name:
        raise CorruptRecord(path, f"{name_key} is {record[name_key]!r} but the folder is {name!r} (copied by hand?)")
    return record


def readable(names: Iterable[str], read: Callable[[str], dict]) -> Iterator[tuple[str, dict]]:
    """``(name, read(name))`` for a listing: a corrupt record is warned about and skipped, and so is one
    removed while listing (``read`` raises another ValueError)."""
    for name in names:
        try:
            record = read(name)
        except CorruptRecord as error:
            warn_corrupt(error)
            continue
        except ValueError:
            continue
        yield name, record


def corrupt_among(names: Iterable[str], load: Callable[[str], object]) -> list[CorruptRecord]:
    """The :class:`CorruptRecord` of every name ``load`` cannot read (for ``cleanup`` and the doctor);
    a name removed meanwhile (another ValueError) is left out."""
    found = []
    for name in names:
        try:
            load(name)
        except CorruptRecord as error:
            found.append(error)
        except ValueError:
            continue
    return found


def write_record(path: str | Path, record: dict, prefix: str = ".tmp-") -> None:
    """Write ``record`` to ``path`` as JSON atomically: a reader sees the old or the new record, never half.

    Raises the OSError of a failed write (ENOSPC on a full disk...) after removing the temporary file
    (``helpers.platform_home.write_atomic``). The folder must exist.
    """
    text = json.dumps(record, indent=2, default=str)  # a value that cannot be written fails before any file
    write_atomic(path, text, prefix=prefix)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _DISK_FULL


def write_failure(error: OSError, what: str) -> str:
    """Why writing ``what`` failed, in words: ``disk full: ...`` for ENOSPC/EDQUOT, else the error's name."""
    where = getattr(error, "filename", None) or what
    if is_disk_full(error):
        return (f"disk full: could not write {what} ({where}: {error.strerror or 'No space left on device'}). "
                "Free some space on that disk (`df -h` shows it), or set FLYWHEEL_HOME to a roomier one, "
                "then run it again.")
    code = errno.errorcode.get(error.errno, "") if error.errno else ""
    label = f"{type(error).__name__} {code}".strip()
    return f"could not write {what} ({where}): {label}: {error.strerror or error}"
