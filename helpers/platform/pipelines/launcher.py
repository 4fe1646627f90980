"""Run a processing step's script as ``python <script> <arguments>`` would, with the script's path and its
arguments read from the environment instead of the command line.

Every user of the machine reads every process's command line (``ps``, ``/proc/<pid>/cmdline``). A
processing script runs from its job folder, ``<store>/pipelines/<pipeline>/executions/<id>/steps/<step>/``,
and its arguments point there too, so its command line would show other learners the pipeline's and the
step's names. Its environment (``/proc/<pid>/environ``) only its owner reads. The command line says
``python -P <checkout>/helpers/platform/pipelines/launcher.py``, the same for every script.

What the script sees is what ``python <script> <arguments>`` gives it: ``sys.argv`` (the script's path,
then its arguments as the step passes them), ``__name__ == "__main__"``, the script's folder first on
``sys.path``, its exit status, and a traceback that starts in the script. Standard library only: the
script's process loads none of the kit.
"""

from __future__ import annotations

import json
import os
import runpy
import sys

#: The variable holding ``[script, *arguments]`` as a JSON list (the name ``processes.spawn`` uses too).
ARGS_ENV = "FLYWHEEL_PROCESS_ARGS"


def command(script: str, arguments: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command line that runs ``script`` with ``arguments``, and the variable to add to its environment.
    ``-P``: nothing is put first on ``sys.path`` (the launcher's folder would be), :func:`main` puts the script's."""
    return [sys.executable, "-P", os.path.abspath(__file__)], {ARGS_ENV: json.dumps([script, *arguments])}


def main() -> None:
    passed = os.environ.pop(ARGS_ENV, None)  # the script and its children never see it
    if passed is None:
        raise SystemExit(f"{__file__} runs a processing step's script: it reads the script and its arguments "
                         f"from {ARGS_ENV} (a JSON list), which is not set. Run a script with `python <script>`.")
    script, *arguments = json.loads(passed)
    sys.argv = [script, *arguments]
    sys.path.insert(0, os.path.dirname(script))
    sys.excepthook = _starting_in(script)
    runpy.run_path(script, run_name="__main__")


def _starting_in(script: str):
    """An excepthook printing a traceback from the script's first frame on, as ``python <script>`` does
    (the launcher's and runpy's frames come before it); a syntax error in the script is shown alone."""

    def hook(kind, error, tb):
        first = tb
        while first is not None and first.tb_frame.f_code.co_filename != script:
            first = first.tb_next
        if first is None and isinstance(error, SyntaxError) and error.filename == script:
            tb = None  # the script was never run: Python shows where its syntax is wrong, without a traceback
        # the exception's own traceback is what Python prints (the argument only when it has none)
        sys.__excepthook__(kind, error.with_traceback(first if first is not None else tb), first or tb)

    return hook


if __name__ == "__main__":
    main()
