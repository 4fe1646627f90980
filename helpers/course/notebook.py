"""What the first code cell of every notebook calls: seeds, display settings, the time estimate."""

from __future__ import annotations

import os
import random
import sys
from functools import lru_cache

import numpy as np

from helpers import ROOT, learning_record

SEED = 42


def smoke_mode() -> bool:
    """True when a fast pass was asked for (CI sets ``FLYWHEEL_SMOKE=1``)."""
    return os.environ.get("FLYWHEEL_SMOKE", "0") == "1"


@lru_cache(maxsize=1)
def agenda() -> dict:
    import yaml

    with open(ROOT / "helpers" / "course" / "agenda.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def notebook_entry(notebook_id: str) -> tuple[int, dict]:
    """Return (day, entry) for a notebook id such as ``"04_linear_regression_gd"``."""
    for day, spec in agenda()["days"].items():
        for entry in spec["notebooks"]:
            if entry["id"] == notebook_id:
                return int(day), entry
    raise KeyError(
        f"{notebook_id!r} is not in helpers/course/agenda.yaml: add it under the day it is taught."
    )


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, numpy and, when a notebook has imported it already, torch.

    torch is not imported here: it costs seconds, and most notebooks never use it. Code that uses
    torch (helpers.gd.autograd, helpers.rl.dqn) takes its own seed.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def setup(notebook_id: str, seed: int = SEED, *, describe_figures: bool | None = None) -> None:
    """Seed every generator, set quiet display defaults, point boto3 at the backend and print the
    notebook's time estimate.

    On the local backend boto3's ``s3``, ``sagemaker`` and ``sagemaker-runtime`` clients then reach the
    local platform, and its router starts in the background (see ``helpers.platform.switch.point_boto3``).

    ``describe_figures=True`` (or the environment variable ``FLYWHEEL_DESCRIBE_FIGURES=1``, which
    ``None`` reads) shows every matplotlib figure with alt text and a description in words, for a
    learner using a screen reader: see :func:`figures_in_words`. Off, figures display as usual.
    """
    seed_everything(seed)
    import pandas as pd

    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    try:
        import matplotlib.pyplot as plt

        from helpers.plots import PALETTE

        # Okabe-Ito colours (colour-blind safe) for every figure of the course, helpers' and learners'.
        plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 80, "axes.grid": True,
                             "axes.prop_cycle": plt.cycler(color=PALETTE)})
    except ImportError:
        pass
    show_exercise_errors_as_one_line()
    figures_in_words(describe_figures)
    from helpers.platform.switch import point_boto3

    point_boto3()  # boto3 clients of this notebook, whenever made, reach the local platform (router started)
    day, entry = notebook_entry(notebook_id)
    learning_record.record_open(notebook_id)  # when the lab was opened: a no-op unless the learner opted in
    mode = " · SMOKE mode (fast pass)" if smoke_mode() else ""
    print(f"Day {day} · {entry['title']} · about {entry['learner_minutes']} min{mode}")


def figures_in_words(on: bool | None = True, shell=None) -> bool:
    """Show every figure with a text equivalent (``on``), or as matplotlib's plain PNG (off).

    ``None``: as the environment variable ``FLYWHEEL_DESCRIBE_FIGURES`` says (``1``: on).
    On, a Figure's ``text/html`` is :func:`helpers.plots.figure_html` (the PNG with ``alt`` text and
    :func:`helpers.plots.in_words` as a caption), which JupyterLab prefers to the PNG, and its
    ``text/plain`` is the description, for frontends without HTML. Off, both formatters are removed:
    outputs are exactly what the inline backend makes, so stored notebooks do not change.
    Returns True when an IPython shell was found (False in plain Python, where nothing changes).
    """
    from helpers import plots

    plots.describe_figures(on)  # widgets that render their own PNG follow it too
    on = plots.figures_described()
    shell = _running_shell(shell)
    if shell is None:
        return False
    from matplotlib.figure import Figure

    _load_inline_backend()
    formatters = shell.display_formatter.formatters
    if on:
        formatters["text/html"].for_type(Figure, plots.figure_html)
        formatters["text/plain"].for_type(Figure, lambda fig, printer, cycle: printer.text(plots.in_words(fig)))
    else:
        formatters["text/html"].pop(Figure, None)
        formatters["text/plain"].pop(Figure, None)
    return True


def _load_inline_backend() -> None:
    """Load matplotlib's inline backend now if the kernel uses it (matplotlib loads it at the first figure).

    Loading it removes every Figure formatter and sets its own (PNG): ours must be set after that.
    Importing is enough (the module configures the shell once, on import) and closes no figure.
    """
    import matplotlib

    if "inline" in str(matplotlib.get_backend(auto_select=False)):
        try:
            import matplotlib_inline.backend_inline  # noqa: F401
        except ImportError:
            pass


def _is_todo(error: BaseException) -> bool:
    return isinstance(error, NotImplementedError) and str(error).startswith("TODO")


def _exercise_error_display(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NotImplementedError and CheckFailed (see ``set_custom_exc``).

    An untouched exercise (``NotImplementedError("TODO <lab> exercise <n>: <hint>")``) and a failed
    check show their message, in red, instead of a traceback through the checks. Any other
    NotImplementedError is the learner's own, and keeps IPython's full traceback.
    """
    from helpers.checks import CheckFailed

    if isinstance(value, CheckFailed):
        lines = value._render_traceback_()
    elif _is_todo(value):
        # The exception's name stays in front, as Python prints it: learners and tools recognise an error.
        lines = [f"\x1b[31mNotImplementedError: {value} (write your code in place of the cell's "
                 "`raise NotImplementedError` line)\x1b[0m"]
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    # _showtraceback is what showtraceback calls: in a kernel it sends an "error" output, so the
    # cell still fails (Run All stops, papermill and nbval see the NotImplementedError), only shorter.
    shell._showtraceback(etype, value, lines)
    return lines


def show_exercise_errors_as_one_line(shell=None) -> bool:
    """Install the short display of TODO stubs and failed checks in the running IPython, if any.

    Returns True when a shell was found (False in plain Python, where nothing changes).
    """
    from helpers.checks import CheckFailed

    shell = _running_shell(shell)
    if shell is None:
        return False
    shell.set_custom_exc((NotImplementedError, CheckFailed), _exercise_error_display)
    return True


def _running_shell(shell=None):
    """``shell`` when given, else the running IPython shell; None in plain Python or without IPython."""
    if shell is not None:
        return shell
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
