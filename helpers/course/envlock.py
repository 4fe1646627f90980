"""The environment lock: every package of .venv pinned, with hashes, in two requirements files.

``requirements.lock`` is what ``make lab`` installs (the learner's environment); ``requirements-test.lock``
adds the ``test`` extra of pyproject.toml for ``make test``. Both are made from pyproject.toml by
``make lock`` (``uv pip compile --universal --generate-hashes``) and carry, on their first line, the
SHA-256 of the pyproject.toml fields they were made from, so a stale lock is caught without a network.

This file uses the standard library only: the Makefile runs it with the bare Python 3.11, before
.venv exists (``python3.11 -I helpers/course/envlock.py install lab``). The doctor and
the welcome notebook call :func:`drift` to report an installed environment that differs from its lock.

Command line (``python3.11 -I helpers/course/envlock.py COMMAND``):
  check          exit 1, naming the fix, when a lock is stale against pyproject.toml
  install KEY [VENV]  install the lock KEY ("lab" or "test") into VENV (.venv): with uv, else pip
  compile        regenerate both locks and environment.yml (needs uv and the package index)
  drift          list the differences between this interpreter's packages and the installed lock
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"lab": "requirements.lock", "test": "requirements-test.lock"}
TEST_EXTRA = "test"
CLASSROOM_EXTRA = "classroom"  # the hub: in the test lock (a test starts it), installed by `make classroom`
# The uv release pip fetches (~20 MB, once per user) when no recent enough uv is on PATH.
UV_VERSION = "0.13.8"
MIN_UV = (0, 5, 0)  # --verify-hashes and `uv venv --seed` as used here
FINGERPRINT = "# pyproject-sha256: "
STAMP_PREFIX = ".installed-"
FIX_STALE = "run `make lock` (needs uv and the package index), then commit the locks and environment.yml"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


@dataclass(frozen=True)
class Pin:
    """One locked package: ``name==version ; marker`` (marker "" when it applies everywhere)."""

    name: str
    version: str
    marker: str = ""

    def line(self) -> str:
        return f"{self.name}=={self.version}" + (f" ; {self.marker}" if self.marker else "")


def normalize(name: str) -> str:
    """PEP 503 name: ``Jinja2`` and ``jinja2``, ``typing_extensions`` and ``typing-extensions`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- what the locks are made from ------------------------------------------------------------------


def read_pyproject(root: Path = ROOT) -> dict:
    with open(root / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def lock_inputs(pyproject: dict) -> dict:
    """The fields of pyproject.toml a resolution depends on (a new description leaves the lock fresh)."""
    project = pyproject.get("project", {})
    return {
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
        "requires-python": project.get("requires-python", ""),
        "tool.uv": pyproject.get("tool", {}).get("uv", {}),
    }


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 (hex) of :func:`lock_inputs`, as written on a lock's first line."""
    canonical = json.dumps(lock_inputs(read_pyproject(root)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded_fingerprint(lock: Path) -> str | None:
    with open(lock) as handle:
        first = handle.readline().strip()
    return first[len(FINGERPRINT):] if first.startswith(FINGERPRINT) else None


def stale_locks(root: Path = ROOT) -> list[str]:
    """One message per lock that is missing or was made from another pyproject.toml; [] when fresh."""
    current = fingerprint(root)
    problems = []
    for name in LOCKS.values():
        lock = root / name
        if not lock.exists():
            problems.append(f"{name} is missing")
        elif recorded_fingerprint(lock) != current:
            problems.append(f"{name} was made from another pyproject.toml (its dependencies or [tool.uv] changed)")
    return problems


# --- reading a lock --------------------------------------------------------------------------------


def read_pins(lock: Path) -> list[Pin]:
    """Every ``name==version`` line of a requirements lock (hash and comment lines skipped)."""
    pins = []
    for raw in lock.read_text().splitlines():
        match = _PIN.match(raw.strip())
        if match:
            pins.append(Pin(normalize(match["name"]), match["version"], (match["marker"] or "").strip()))
    return pins


def marker_applies(marker: str) -> bool:
    """Evaluate an environment marker for this interpreter (``packaging``, else pip's vendored copy)."""
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:
        try:
            from pip._vendor.packaging.markers import Marker
        except ImportError:  # a Python without pip: every line applies, the installer decides
            return True
    return Marker(marker).evaluate()


def locked_here(lock: Path) -> dict[str, str]:
    """{normalized name: version} of the lock's lines that apply to this interpreter."""
    return {pin.name: pin.version for pin in read_pins(lock) if marker_applies(pin.marker)}


# --- installed vs locked -------------------------------------------------------------------------


def installed_profile(prefix: Path | None = None) -> tuple[str, str] | None:
    """(lock key, stamp digest) of the last ``make`` install into ``prefix`` (default: this venv)."""
    folder = Path(prefix or sys.prefix)
    for stamp in sorted(folder.glob(STAMP_PREFIX + "*")):
        key, _, digest = stamp.name[len(STAMP_PREFIX):].partition("-")
        if key in LOCKS:
            return key, digest
    return None


def stamp_digest(root: Path, key: str) -> str:
    """16 hex digits of SHA-256 over pyproject.toml and the lock: a new digest means install again."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", LOCKS[key]):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def installed_versions() -> dict[str, str]:
    return {normalize(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


def drift(root: Path = ROOT, key: str | None = None, installed: dict[str, str] | None = None,
          prefix: Path | None = None) -> list[str]:
    """How this interpreter's packages differ from the lock it was installed from; [] when they agree.

    ``key`` is "lab" or "test" (default: the one named by the install stamp in ``prefix``, default
    ``sys.prefix``, else "lab"). ``installed`` maps names to versions (default: this interpreter's).
    Packages installed beyond the lock (pip, uv, the learner's own) are not differences.
    """
    profile = installed_profile(prefix)
    key = key or (profile[0] if profile else "lab")
    lock = root / LOCKS[key]
    problems = []
    if profile and profile[0] == key and profile[1] != stamp_digest(root, key):
        problems.append(f"{LOCKS[key]} or pyproject.toml changed since the last install")
    have = installed_versions() if installed is None else installed
    for name, version in sorted(locked_here(lock).items()):
        if name not in have:
            problems.append(f"{name} missing (locked {version})")
        elif have[name] != version:
            problems.append(f"{name} {have[name]} (locked {version})")
    return problems


# --- installing ----------------------------------------------------------------------------------


def pip_settings(venv_python: Path | None = None) -> dict[str, list[str]]:
    """pip's configuration as pip reads it (``pip config list``: pip.conf files and ``PIP_*``),
    {key without its section: values}, e.g. {"find-links": ["/opt/wheels"], "constraint": [...]}.

    uv reads none of it, so the install hands uv the find-links folders and constraint files itself.
    Asked of the interpreter running this file, else of .venv's; {} when neither has pip."""
    for python in (Path(sys.executable), venv_python):
        if python is None or not python.exists():
            continue
        listing = subprocess.run([str(python), "-m", "pip", "config", "list"], capture_output=True, text=True)
        if listing.returncode != 0:
            continue
        settings: dict[str, list[str]] = {}
        for line in listing.stdout.splitlines():  # e.g. global.find-links='/opt/wheels'
            key, _, value = line.partition("=")
            values = settings.setdefault(key.rpartition(".")[2], [])
            values += [v for v in value.strip("'\"").split() if v not in values]
        return settings
    return {}


def find_links(settings: dict[str, list[str]]) -> list[Path]:
    """pip's find-links that are local folders (this machine's wheels, e.g. the CPU torch)."""
    folders = []
    for item in settings.get("find-links", []):
        path = Path(item.removeprefix("file://"))
        if path.is_dir() and path not in folders:
            folders.append(path)
    return folders


def wheel_in(folders: list[Path], pin: Pin) -> Path | None:
    """A wheel file for exactly ``pin`` in one of ``folders`` (wheel names use ``_`` for ``-``)."""
    stem = f"{pin.name.replace('-', '_')}-{pin.version}-"
    for folder in folders:
        for wheel in sorted(folder.glob("*.whl")):
            if normalize(wheel.name).startswith(normalize(stem)):
                return wheel
    return None


def source_indexes(pyproject: dict) -> dict[str, list[tuple[str, str, str]]]:
    """{package: [(index name, index url, marker)]} from [tool.uv.sources] and [[tool.uv.index]]."""
    uv = pyproject.get("tool", {}).get("uv", {})
    urls = {index["name"]: index["url"] for index in uv.get("index", [])}
    sources = {}
    for package, entries in uv.get("sources", {}).items():
        entries = entries if isinstance(entries, list) else [entries]
        sources[normalize(package)] = [(e["index"], urls[e["index"]], e.get("marker", "")) for e in entries if "index" in e]
    return sources


def pin_indexes(pyproject: dict, pin: Pin) -> list[tuple[str, str, str]]:
    """The source indexes of a local-version pin (``torch==2.13.0+cpu``): the entries whose marker is
    the pin's (uv copies it onto the line), else every entry of the package."""
    entries = source_indexes(pyproject).get(pin.name, [])
    return [e for e in entries if e[2] == pin.marker] or entries


def source_pages(root: Path, lock: Path, folders: list[Path]) -> list[str]:
    """Pages listing the files of the lock's local-version pins (``torch==2.13.0+cpu``) that this
    machine needs from their own index: that index's page for the package (``<index>/torch/``).

    Handed to the installer as find-links, the page adds those files only: every other package still
    comes from the default index alone. When pip's find-links folders already hold the wheel (this
    kind of machine), no page is needed.
    """
    pyproject = read_pyproject(root)
    pages = []
    for pin in read_pins(lock):
        if "+" not in pin.version or not marker_applies(pin.marker) or wheel_in(folders, pin):
            continue
        for _, url, marker in pin_indexes(pyproject, pin):
            page = f"{url.rstrip('/')}/{pin.name}/"
            if marker_applies(marker) and page not in pages:
                pages.append(page)
    return pages


def user_uv_dir() -> Path:
    """Where pip puts the user-level uv: outside .venv, so `rm -rf .venv` keeps it (~40 MB)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "flywheel" / f"uv-{UV_VERSION}"


def find_uv(venv: Path) -> str | None:
    """A uv to install with; None means pip. FLYWHEEL_INSTALLER=pip says pip; else the uv on PATH,
    else the user-level one, which the first install fetches with this Python's pip (UV_VERSION),
    else one put into .venv by its own pip. None when none of these can be had."""
    if os.environ.get("FLYWHEEL_INSTALLER", "uv") == "pip":
        return None
    on_path, user_uv = shutil.which("uv"), user_uv_dir() / "bin" / "uv"
    if on_path and recent_enough(on_path):
        return on_path
    if not user_uv.is_file():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--root-user-action=ignore",
                        "--target", str(user_uv.parent.parent), f"uv=={UV_VERSION}"])
    if user_uv.is_file():
        return str(user_uv)
    venv_uv = venv / "bin" / "uv"
    if not venv_uv.is_file():  # this Python has no pip of its own: the venv's pip brings uv
        make_venv(venv, None)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"])
    if venv_uv.is_file():
        return str(venv_uv)
    print(f"envlock: could not get uv {UV_VERSION}; installing with pip from the same lock (slower)", file=sys.stderr)
    return None


def uv_version(output: str) -> tuple[int, ...]:
    """(0, 13, 8) from ``uv --version``'s "uv 0.13.8 (...)"; () when it says no version."""
    match = re.match(r"uv (\d+)\.(\d+)\.(\d+)", output.strip())
    return tuple(int(part) for part in match.groups()) if match else ()


def recent_enough(uv: str) -> bool:
    """Whether the uv at ``uv`` knows the options used here (else the user-level one is fetched)."""
    output = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout
    if uv_version(output) >= MIN_UV:
        return True
    print(f"envlock: {uv} is {output.strip() or 'not a working uv'}, older than {'.'.join(map(str, MIN_UV))}: "
          f"using uv {UV_VERSION} in {user_uv_dir()}", file=sys.stderr)
    return False


def make_venv(venv: Path, uv: str | None) -> None:
    """Create ``venv`` unless it exists: ``uv venv --seed`` (1 s, pip included), else ``python -m venv``."""
    if (venv / "bin" / "python").exists():
        return
    command = [uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)] if uv else [sys.executable, "-m", "venv", str(venv)]
    subprocess.run(command, check=True)


def disable_announcements(venv: Path) -> None:
    """JupyterLab's news pop-up asks to go online: off, in .venv's page_config.json
    (what ``jupyter labextension disable`` writes, without its 10 s start-up)."""
    path = venv / "etc" / "jupyter" / "labconfig" / "page_config.json"
    config = json.loads(path.read_text()) if path.exists() else {}
    config.setdefault("disabledExtensions", {})["@jupyterlab/apputils-extension:announcements"] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")


def install_commands(root: Path, venv: Path, lock: Path, uv: str | None,
                     settings: dict[str, list[str]] | None = None) -> list[list[str]]:
    """The commands that install ``lock`` (every package, hash-checked, no resolution) then the
    project itself (editable, no dependencies) into ``venv``. ``settings``: pip's, see :func:`pip_settings`."""
    python = str(venv / "bin" / "python")
    settings = pip_settings(venv / "bin" / "python") if settings is None else settings
    folders = find_links(settings)
    pages = source_pages(root, lock, folders)
    hashes = ["--require-hashes"]
    if uv:
        # --compile-bytecode: write the .pyc files now, as pip does by default. Without them every
        # process that cannot write them (PYTHONDONTWRITEBYTECODE, a learner running a venv they do
        # not own) compiles pandas, sklearn... from source at each start: +3.5 s of CPU per kernel.
        base = [uv, "pip", "install", "--python", python, "--compile-bytecode"]
        # uv's --require-hashes refuses a constraint file's ranges (torch<=2.14.1); --verify-hashes
        # checks every hash the lock gives, and the lock gives one for every line (a test says so).
        hashes = ["--verify-hashes"]
        # uv ignores pip's configuration: hand it the same find-links and constraints.
        config = [arg for folder in folders for arg in ("--find-links", str(folder))]
        constraints = [c for c in settings.get("constraint", []) if Path(c).is_file()]
        config += [arg for constraint in constraints for arg in ("--constraint", constraint)]
    else:
        base = [python, "-m", "pip", "install", "--quiet"]  # pip reads its own find-links and constraints
        config = []
    config += [arg for page in pages for arg in ("--find-links", page)]
    return [
        base + ["--no-deps", *hashes, "-r", str(lock)] + config,
        # The lock holds setuptools (pyproject's build backend): no isolated build env to fetch.
        base + ["--no-deps", "--no-build-isolation", "-e", str(root)],
    ]


def install(root: Path, venv: Path, key: str) -> int:
    """Create ``venv`` if needed and install the lock ``key`` ("lab" or "test") into it; exit status."""
    problems = stale_locks(root)
    if problems:
        print("envlock: " + "; ".join(problems) + f".\n  Fix: {FIX_STALE}", file=sys.stderr)
        return 1
    uv = find_uv(venv)
    make_venv(venv, uv)
    for command in install_commands(root, venv, root / LOCKS[key], uv):
        print("+ " + " ".join(command), flush=True)
        if subprocess.run(command, cwd=root).returncode != 0:
            return 1
    disable_announcements(venv)
    for old in venv.glob(STAMP_PREFIX + "*"):
        old.unlink()
    (venv / f"{STAMP_PREFIX}{key}-{stamp_digest(root, key)}").touch()
    return 0


# --- making the locks ------------------------------------------------------------------------------


def local_index_overrides(root: Path, folders: list[Path], workdir: Path) -> list[str]:
    """``--index NAME=file://...`` for each source index whose wheels pip's find-links folders hold.

    This kind of machine reaches only the default index; its find-links folder holds the official
    CPU torch wheel. A one-file simple index over that wheel lets uv resolve it and record its hash,
    which is the hash of the same file on the real index, so the lock works on every laptop.
    Only the index this machine would use is replaced (torch's Linux one here).
    """
    args = []
    for package, entries in source_indexes(read_pyproject(root)).items():
        wheels = [w for folder in folders for w in sorted(folder.glob("*.whl"))
                  if normalize(w.name.split("-")[0]) == package]
        here = [name for name, _, marker in entries if marker_applies(marker)]
        if not wheels or not here:
            continue
        simple = workdir / "simple"
        (simple / package).mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="{w.resolve().as_uri()}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{w.name}</a>\n'
                        for w in wheels)
        (simple / package / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
        args += [arg for name in here for arg in ("--index", f"{name}={simple.as_uri()}")]
    return args


def compile_locks(root: Path, uv: str) -> int:
    """Resolve pyproject.toml into both locks (the lab lock constrained to the test lock's versions,
    so the two agree), stamp them with the fingerprint, and write environment.yml from the lab lock."""
    with tempfile.TemporaryDirectory() as workdir:
        overrides = local_index_overrides(root, find_links(pip_settings()), Path(workdir))
        common = [uv, "pip", "compile", "pyproject.toml", "--universal", "--python-version", "3.11",
                  "--generate-hashes", "--custom-compile-command", "make lock", "--quiet"] + overrides
        steps = [
            common + ["--extra", TEST_EXTRA, "--extra", CLASSROOM_EXTRA, "-o", LOCKS["test"]],
            common + ["--constraint", LOCKS["test"], "-o", LOCKS["lab"]],
        ]
        for command in steps:
            if subprocess.run(command, cwd=root).returncode != 0:
                return 1
    stamp = FINGERPRINT + fingerprint(root) + "\n"
    for name in LOCKS.values():
        lock = root / name
        lock.write_text(stamp + lock.read_text())
    (root / "environment.yml").write_text(environment_yml(root))
    return 0


def environment_yml(root: Path = ROOT) -> str:
    """environment.yml for conda/Binder: the lab lock's pins (without hashes) and the project."""
    lines = [
        "# For conda / Binder users. Generated by `make lock` from requirements.lock (the lab environment);",
        "# tests/test_environment.py fails when it differs. Do not edit by hand.",
        "name: flywheel",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    # conda hands these to pip in a requirements file next to this one; paths are relative to it.
    pyproject, pins = read_pyproject(root), read_pins(root / LOCKS["lab"])
    pages = sorted({f"{url.rstrip('/')}/{pin.name}/" for pin in pins if "+" in pin.version
                    for _, url, _ in pin_indexes(pyproject, pin)})
    lines += [f"      - --find-links {page}" for page in pages]
    lines += [f"      - \"{pin.line()}\"" if pin.marker else f"      - {pin.line()}" for pin in pins]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        problems = stale_locks(ROOT)
        for problem in problems:
            print(f"envlock: {problem}.", file=sys.stderr)
        if problems:
            print(f"  Fix: {FIX_STALE}", file=sys.stderr)
        return 1 if problems else 0
    if command == "install" and len(argv) in (2, 3) and argv[1] in LOCKS:
        return install(ROOT, Path(argv[2] if len(argv) == 3 else ROOT / ".venv").absolute(), argv[1])
    if command == "compile":
        uv = find_uv(ROOT / ".venv")
        if not uv:
            print("envlock: `make lock` needs uv", file=sys.stderr)
            return 1
        return compile_locks(ROOT, uv)
    if command == "drift":
        problems = drift(ROOT)
        print("\n".join(problems) if problems else "the installed packages match the lock")
        return 1 if problems else 0
    print(f"usage: envlock.py check | install {'|'.join(LOCKS)} [VENV] | compile | drift", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
