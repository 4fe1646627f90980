"""``python -m helpers doctor``: is this laptop ready for class?

Each check returns a :class:`Finding`; failures carry the command or action that fixes them. The
exit status is non-zero when any check fails, so an instructor can run it on every laptop.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

MIN_FREE_DISK_GB = 2.0
LAB_PORT = 8888  # `make lab`'s default; `make doctor PORT=9999` (or --port / $PORT) checks another
HUB_USER_ENV = "JUPYTERHUB_USER"  # set by JupyterHub in a learner's server, and so in its kernels and terminals


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # shown, but does not fail the doctor

    @property
    def status(self) -> str:
        return "ok" if self.ok else ("WARN" if self.warning else "FAIL")


def check_python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] == (3, 11)
    return Finding("python", ok, f"Python {version} at {sys.executable}", "" if ok else "install Python 3.11, then `make clean-venv lab`")


def pinned_requirements(root: Path) -> list[str]:
    import tomllib

    with open(root / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["dependencies"]


def check_packages(root: Path) -> Finding:
    from packaging.requirements import Requirement

    problems = []
    for line in pinned_requirements(root):
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement.name} missing")
            continue
        if not requirement.specifier.contains(installed.split("+")[0], prereleases=True):
            problems.append(f"{requirement.name} {installed} (want {requirement.specifier})")
    count = len(pinned_requirements(root))
    if problems:
        return Finding("packages", False, "; ".join(problems[:6]), "run `make install` (re-installs the pinned set)")
    return Finding("packages", True, f"{count} pinned packages at their versions")


def check_lock(root: Path) -> Finding:
    from helpers.course.envlock import drift

    problems = drift(root)
    if problems:
        return Finding("lock", False, f"{len(problems)} difference(s) from the lock: " + "; ".join(problems[:4]),
                       "run `make install` (installs exactly the lock)")
    return Finding("lock", True, "the installed packages are the lock's")


def check_kernel() -> Finding:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "flywheel" not in specs:
        return Finding("kernel", False, "the 'flywheel' Jupyter kernel is not registered", "run `make install`")
    return Finding("kernel", True, "'Python 3 (Flywheel)' kernel registered")


def check_datasets() -> Finding:
    from helpers import data

    problems = data.verify()
    if problems:
        detail, fix = split_fix(problems[0])
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Finding("datasets", False, detail + more,
                       fix or "restore with `git checkout -- datasets/` (synthetic sets: `python -m helpers datasets --regenerate`)")
    return Finding("datasets", True, f"{len(data.names())} datasets match their checksums")


def split_fix(message: str) -> tuple[str, str]:
    """("what is wrong", "how to fix it") from a message that ends "...; restore it with ...", so the doctor
    prints the fix once, in its fix column; ("message", "") when the message names no fix."""
    head, sep, tail = message.rpartition("; restore")
    if not sep:
        return message, ""
    return head, ("restore" + tail).rstrip(".")


def check_disk() -> Finding:
    from helpers.platform_home import home

    folder = home()
    probe = folder if folder.exists() else Path.home()
    free_gb = shutil.disk_usage(probe).free / 1e9
    ok = free_gb >= MIN_FREE_DISK_GB
    return Finding("disk", ok, f"{free_gb:.1f} GB free for {folder}",
                   "" if ok else f"free at least {MIN_FREE_DISK_GB:.0f} GB (or set FLYWHEEL_HOME to a roomier disk)")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def lab_port(argv: list[str] | None = None) -> int:
    """The port `make lab` will use: ``--port N`` in ``argv``, else ``$PORT``, else :data:`LAB_PORT`."""
    argv = argv or []
    if "--port" in argv:
        index = argv.index("--port")
        raw, source = (argv[index + 1] if index + 1 < len(argv) else ""), "--port"
    elif os.environ.get("PORT"):
        raw, source = os.environ["PORT"], "PORT"
    else:
        return LAB_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{source} must be a port number from 1 to 65535, not {raw!r}: e.g. `make doctor PORT=8899`")
    return int(raw)


def check_ports(port: int | None = None) -> Finding:
    """Is ``port`` (default: :func:`lab_port`, i.e. ``$PORT`` or 8888) free for `make lab`? Not asked under a
    classroom hub, which serves the learner's JupyterLab (their `make lab` is not needed, its port irrelevant)."""
    if os.environ.get(HUB_USER_ENV):
        return Finding("ports", True, f"JupyterLab is served by the classroom hub (you are "
                                      f"{os.environ[HUB_USER_ENV]}): no port of yours to check")
    port = lab_port() if port is None else port
    if port_free(port):
        return Finding("ports", True, f"127.0.0.1:{port} is free for JupyterLab")
    other = 8899 if port != 8899 else 8898
    return Finding("ports", False, f"127.0.0.1:{port} is in use (another JupyterLab?)",
                   f"stop the other server, or start on another port: `make lab PORT={other}`", warning=True)


def check_running_resources() -> Finding:
    try:
        from helpers.platform.serving import running_resources
    except ImportError:
        return Finding("left running", True, "no local endpoints (serving not installed)")
    running = running_resources()
    # the runtime router is not a leftover: every notebook's setup() starts it (boto3's sagemaker-runtime
    # calls go through it), so counting it failed the doctor in notebook 00 itself
    leftovers = [r for r in running if r.kind != "router"]
    if leftovers:
        names = ", ".join(str(r) for r in leftovers[:5])
        return Finding("left running", False, f"{len(leftovers)} local resource(s) still running: {names}",
                       "run `python -m helpers cleanup`")
    router = " (the runtime router runs: it serves this store's notebooks)" if running else ""
    return Finding("left running", True, f"no endpoints or servers left running{router}")


def check_runtime() -> Finding:
    from helpers.course.cleanup import runtime_report

    state, detail, fix = runtime_report()
    if state in ("dead", "corrupt"):
        return Finding("runtime", False, f"the local SageMaker Runtime is {state}: {detail}", fix, warning=True)
    return Finding("runtime", True, f"local SageMaker Runtime {state}" + (f" ({detail})" if detail else ""))


def check_uploads() -> Finding:
    from helpers.course.cleanup import stale_uploads

    stale = stale_uploads()
    if stale:
        names = "; ".join(str(upload) for upload in stale[:3])
        more = f" (+{len(stale) - 3} more)" if len(stale) > 3 else ""
        size = sum(upload.size for upload in stale)
        return Finding("uploads", False, f"{len(stale)} unfinished multipart upload(s) untouched for over a day "
                       f"hold {size} bytes: {names}{more}",
                       "run `python -m helpers cleanup` to abort them (uploads still in progress are kept)",
                       warning=True)
    return Finding("uploads", True, "no abandoned multipart uploads")


def check_records() -> Finding:
    import shlex

    from helpers.course.cleanup import corrupt_records

    corrupt = corrupt_records()
    if corrupt:
        names = "; ".join(f"{error.path} ({error.problem})" for error in corrupt[:3])
        more = f" (+{len(corrupt) - 3} more)" if len(corrupt) > 3 else ""
        folders = " ".join(shlex.quote(str(error.folder)) for error in corrupt)
        return Finding("records", False, f"{len(corrupt)} corrupt record(s), skipped by listings: {names}{more}",
                       f"remove them if you do not need them: rm -r {folders}", warning=True)
    return Finding("records", True, "every job and endpoint record reads")


def check_limits(cgroup_root: Path | None = None, proc: Path | None = None) -> Finding:
    """This process's memory and CPU limits (a classroom hub's per-learner cgroup), and whether the
    memory limit killed something: in JupyterLab that shows only as "kernel died"."""
    from helpers.course import cgroups

    found = cgroups.own_usage(cgroup_root or cgroups.ROOT, proc or cgroups.OWN)
    if found is None or (found.memory_limit_bytes is None and found.cpu_limit_cores is None):
        return Finding("limits", True, "no memory or CPU limit on this process")
    trouble = cgroups.memory_trouble(found)
    if trouble:
        return Finding("limits", False, f"{trouble}; now {cgroups.use_now(found)}", cgroups.MEMORY_FIX, warning=True)
    return Finding("limits", True, cgroups.use_now(found))


def run_checks(root: Path, port: int | None = None) -> list[Finding]:
    """Every check; ``port``: the one `make lab` will listen on (default: ``$PORT``, else :data:`LAB_PORT`)."""
    checks: list[tuple[str, Callable[[], Finding]]] = [
        ("python", check_python),
        ("packages", lambda: check_packages(root)),
        ("lock", lambda: check_lock(root)),
        ("kernel", check_kernel),
        ("datasets", check_datasets),
        ("disk", check_disk),
        ("ports", lambda: check_ports(port)),
        ("left running", check_running_resources),
        ("runtime", check_runtime),
        ("uploads", check_uploads),
        ("records", check_records),
        ("limits", check_limits),
    ]
    findings = []
    for name, check in checks:
        try:
            findings.append(check())
        except Exception as error:  # noqa: BLE001 - a broken check is itself a finding
            findings.append(Finding(name, False, f"the check crashed: {type(error).__name__}: {error}",
                                    "run `make install`; if it persists, report this line to the instructor"))
    return findings


def table(findings: list[Finding]) -> str:
    """One line per check: name and status in columns, the detail as long as it is (never padded to the
    longest one), and a failure's fix once, on the next line under the detail."""
    widths = [max(len(f.check) for f in findings + [Finding("check", True, "")]), len("status")]
    indent = " " * (sum(widths) + 4)
    lines = [f"{'check'.ljust(widths[0])}  {'status'.ljust(widths[1])}  detail",
             f"{'-' * widths[0]}  {'-' * widths[1]}  ------"]
    for f in findings:
        lines.append(f"{f.check.ljust(widths[0])}  {f.status.ljust(widths[1])}  {f.detail}".rstrip())
        if f.fix and not f.ok:
            lines.append(f"{indent}→ fix: {f.fix}")
    return "\n".join(lines)


def main(argv: list[str], root: Path) -> int:
    try:
        port = lab_port(argv)
    except ValueError as error:
        print(f"doctor: {error}", file=sys.stderr)
        return 2
    findings = run_checks(root, port)
    if "--json" in argv:
        print(json.dumps([asdict(f) | {"status": f.status} for f in findings], indent=2))
    else:
        print(table(findings))
    failed = [f for f in findings if not f.ok and not f.warning]
    if not ("--json" in argv):
        print(f"\n{'All good: ready for class.' if not failed else f'{len(failed)} problem(s): apply the fixes above, then run the doctor again.'}")
    return 1 if failed else 0
