"""``python -m helpers <command>``: the course's command line.

Each command lives in its own module and is imported only when called, so ``--help`` is instant.
"""

from __future__ import annotations

import importlib
import sys

from helpers import ROOT

# command -> (module, one-line description). Each module has ``main(argv, root) -> int``.
COMMANDS: dict[str, tuple[str, str]] = {
    "build-labs": ("helpers.authoring.build_labs", "write labs/ from solutions/, backing up any lab it replaces"),
    "execute": ("helpers.authoring.execute", "re-execute solutions in place to refresh stored outputs"),
    "doctor": ("helpers.course.doctor", "check this laptop is ready for class; a fix for every failure"),
    "datasets": ("helpers.data.cli", "verify the shipped datasets, or regenerate the synthetic ones"),
    "reset-lab": ("helpers.course.reset_lab", "restore a lab to its pristine state, keeping a backup"),
    "agenda": ("helpers.authoring.agenda", "print the three-day plan (--day N, --check, --html FILE, --guide FILE, --retime FILE...)"),
    "cleanup": ("helpers.course.cleanup", "stop endpoints and servers left running"),
    "slides": ("helpers.authoring.slides", "write each day's reveal.js slides from the solutions (--day N, --out DIR)"),
    "site": ("helpers.authoring.site", "build the course as an offline static site: solutions, agenda, slides, glossary"),
    "progress": ("helpers.course.progress_cmd", "your progress per lab (opt-in: --on); --export, --merge for a room"),
    "capstone": ("helpers.capstone.cli", "the team capstone kits: data, starter statement, cost model; --statement FILE, --rubric"),
    "classroom": ("helpers.course.classroom", "the instructor on a shared server: every learner's progress and endpoints; stop-endpoints")
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m helpers <command> [options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}.\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    try:
        return int(module.main(rest, ROOT) or 0)
    except BrokenPipeError:
        # `python -m helpers agenda | head` closed the pipe early: not an error worth a traceback.
        sys.stderr.close()
        return 0
