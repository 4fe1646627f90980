"""Inline feedback for lab exercises.

A lab cell ends with a check such as ``check.gradient(my_gradient)``. A check either prints one
line that starts with "✔" and returns ``None``, or raises :class:`CheckFailed`, whose message is
one sentence that says what is wrong and a hint. In JupyterLab the failure shows as that sentence
only, not as a traceback from inside pandas or numpy.

Each lab has its own checks, declared with :class:`LabChecks`::

    check = LabChecks("04_linear_regression_gd")

    @check.exercise(title="the gradient of the squared loss",
                    hint="2/n * X.T @ (X @ w - y)",
                    wrong=lambda: [(lambda X, y, w: X.T @ y,)])
    def gradient(fn):
        ...

``wrong`` returns a list of argument tuples that must each fail the check: the test suite calls
every check with every wrong answer, so no check in the course can pass everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from helpers import learning_record

__all__ = [
    "CheckFailed",
    "LabChecks",
    "Exercise",
    "all_lab_checks",
    "fail",
    "passed",
    "check_type",
    "check_shape",
    "check_close",
    "check_equal",
    "check_columns",
    "check_callable",
    "expect_failure",
]


class CheckFailed(AssertionError):
    """A learner's answer did not pass a check. The message is meant for the learner."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: the learner sees the message only.
        return [f"\x1b[31m{line}\x1b[0m" for line in str(self).splitlines()]


def fail(message: str, hint: str | None = None) -> None:
    """Raise :class:`CheckFailed` with ``message`` and, when given, a hint."""
    text = f"✘ {message}"
    if hint:
        text += f" Hint: {hint}"
    raise CheckFailed(text)


def passed(message: str) -> None:
    # One write, so the kernel cannot flush the line and its newline as two outputs.
    sys.stdout.write(f"✔ {message}\n")


def _describe_type(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    name = type(value).__name__
    if hasattr(value, "shape"):
        return f"a {name} of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple, dict, set)):
        return f"a {name} of length {len(value)}"
    return f"a {name} ({value!r})" if isinstance(value, (int, float, str, bool)) or value is None else f"a {name}"


def check_type(name: str, value: Any, expected: type | tuple[type, ...], hint: str | None = None) -> None:
    """Fail unless ``value`` is an instance of ``expected``."""
    if not isinstance(value, expected):
        wanted = expected if isinstance(expected, tuple) else (expected,)
        wanted_names = " or ".join(t.__name__ for t in wanted)
        article = "an" if wanted_names[0] in "AEIOUaeiou" else "a"
        fail(f"`{name}` should be {article} {wanted_names}, but it is {_describe_type(value)}.", hint)


def check_shape(name: str, value: Any, shape: tuple[int | None, ...], hint: str | None = None) -> np.ndarray:
    """Fail unless ``value`` converts to an array of ``shape`` (``None`` matches any length).

    Returns the value as a float array.
    """
    if value is None:
        fail(f"`{name}` is None: did the function forget to `return` its result?", hint)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(f"`{name}` should be numbers, but it is {_describe_type(value)} that does not convert to numbers.", hint)
    ok = array.ndim == len(shape) and all(want is None or want == got for want, got in zip(shape, array.shape))
    if not ok:
        pretty = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        fail(f"`{name}` has shape {array.shape}, but shape {pretty} is expected.", hint)
    return array


def check_close(
    name: str,
    value: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Fail unless ``value`` is numerically close to ``expected`` (same shape, elementwise).

    The default tolerance accepts float32 answers (about 7 significant digits): a learner's dtype is a
    style, not a mistake.
    """
    expected_array = np.asarray(expected, dtype=float)
    array = check_shape(name, value, expected_array.shape, hint)
    if np.isnan(array).any():
        fail(f"`{name}` contains NaN.", hint)
    if not np.allclose(array, expected_array, rtol=rtol, atol=atol):
        if array.ndim == 0:
            got, want = distinct_numbers(float(array), float(expected_array))
            fail(f"`{name}` is {got}, but {want} is expected.", hint)
        worst = int(np.argmax(np.abs(array - expected_array)))
        got, want = distinct_numbers(float(array.flat[worst]), float(expected_array.flat[worst]))
        fail(
            f"`{name}` differs from the expected values (largest difference at flat index {worst}: "
            f"{got} instead of {want}).",
            hint,
        )


def distinct_numbers(got: float, want: float) -> tuple[str, str]:
    """Format two different numbers with as few digits as show that they differ (6 at least)."""
    for digits in range(6, 18):
        left, right = f"{got:.{digits}g}", f"{want:.{digits}g}"
        if left != right:
            return left, right
    return repr(got), repr(want)


def check_equal(name: str, value: Any, expected: Any, hint: str | None = None) -> None:
    """Fail unless ``value == expected`` (for plain Python values: str, int, dict, list...)."""
    if isinstance(expected, float) and isinstance(value, (int, float)) and math.isclose(value, expected):
        return
    if value != expected:
        if isinstance(expected, dict) and isinstance(value, dict):
            wrong = sorted(k for k in expected if value.get(k) != expected[k])
            missing = [k for k in wrong if k not in value]
            if missing:
                fail(f"`{name}` has no entry for {', '.join(map(repr, missing))}.", hint)
            fail(f"`{name}` is wrong for {len(wrong)} of {len(expected)} entries, e.g. {wrong[0]!r}.", hint)
        fail(f"`{name}` is {value!r}, which is not the expected answer.", hint)


def check_columns(name: str, frame: Any, columns: Iterable[str], hint: str | None = None) -> None:
    """Fail unless ``frame`` is a DataFrame with at least ``columns``."""
    import pandas as pd

    check_type(name, frame, pd.DataFrame, hint)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        fail(f"`{name}` lacks the column(s) {', '.join(map(repr, missing))}; it has {list(frame.columns)}.", hint)


def check_callable(name: str, fn: Any, hint: str | None = None) -> None:
    if not callable(fn):
        fail(f"`{name}` should be a function, but it is {_describe_type(fn)}.", hint)


_DEMONSTRATING: contextvars.ContextVar[bool] = contextvars.ContextVar("demonstrating", default=False)


@contextlib.contextmanager
def expect_failure(*expected: type[BaseException]) -> Iterator[None]:
    """Run a block that fails on purpose and print its failure as the learner sees it, without raising.

    For cells that *show* a failing check or error::

        with expect_failure():
            check.accuracy(accuracy_count)          # prints the check's one red line

        with expect_failure(HyperparameterError):
            trainer.train(...)                      # prints "HyperparameterError: <message>" in red

    ``expected`` defaults to :class:`CheckFailed`. A caught failure prints in red what the learner would
    read: a check's own message, or the last line of a traceback (``Type: message``). The cell then
    ends normally, so ``papermill`` and ``nbval`` run the notebook green (papermill does not honour the
    ``raises-exception`` tag). Any other exception propagates; a block that does not fail raises
    ``AssertionError``, since the demonstration no longer shows what its text says.
    """
    catch = expected or (CheckFailed,)
    token = _DEMONSTRATING.set(True)  # a demonstration is not the learner's attempt: it is not recorded
    try:
        yield
    except catch as error:
        if isinstance(error, CheckFailed):
            lines = error._render_traceback_()  # exactly what IPython shows for it
        else:
            lines = [f"\x1b[31m{line}\x1b[0m" for line in f"{type(error).__name__}: {error}".splitlines()]
        sys.stdout.write("\n".join(lines) + "\n")  # one write: the kernel cannot split it into two outputs
    else:
        names = ", ".join(t.__name__ for t in catch)
        raise AssertionError(f"this cell should fail with {names} to show the failure, but it ran without one")
    finally:
        _DEMONSTRATING.reset(token)


@dataclass
class Exercise:
    """One check of one lab, with the wrong answers the test suite proves it rejects."""

    lab: str
    name: str
    title: str
    hint: str
    function: Callable[..., None]
    wrong: Callable[[], list[tuple]]


@dataclass
class LabChecks:
    """The checks of one lab; each is a method-like attribute: ``check.<name>(answer)``."""

    lab: str
    exercises: dict[str, Exercise] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _REGISTRY[self.lab] = self

    def exercise(self, *, title: str, hint: str, wrong: Callable[[], list[tuple]]):
        """Declare a check. ``wrong()`` returns argument tuples that must fail it."""

        def decorate(function: Callable[..., None]) -> Callable[..., None]:
            @functools.wraps(function)
            def run(*args: Any, **kwargs: Any) -> None:
                try:
                    function(*args, **kwargs)
                except CheckFailed as error:
                    self._record(function.__name__, False)
                    raise _with_title_and_hint(str(error), title, hint) from None
                except NotImplementedError:
                    # A TODO stub was reached: its own message names the exercise and the hint.
                    raise
                except Exception as error:  # noqa: BLE001 - a learner's object can fail in any way
                    self._record(function.__name__, False)
                    message = f"✘ your answer could not be checked ({type(error).__name__}: {error})."
                    where = learner_frame(error)
                    if where:
                        message = f"✘ your code raised {type(error).__name__}: {error}\n{where}\n"
                    raise _with_title_and_hint(message, title, hint) from None
                passed(f"{title}: correct.")
                self._record(function.__name__, True)

            self.exercises[function.__name__] = Exercise(self.lab, function.__name__, title, hint, run, wrong)
            setattr(self, function.__name__, run)
            return run

        return decorate

    def _record(self, name: str, ok: bool) -> None:
        """Count this run in the learner's opt-in progress record (a no-op unless they opted in)."""
        if _DEMONSTRATING.get():
            return
        learning_record.record_check(self.lab, name, ok, total=len(self.exercises),
                                     position=list(self.exercises).index(name))


def learner_frame(error: BaseException) -> str | None:
    """Where in the learner's own code ``error`` was raised, as two lines, or None when it was not.

    ``  Cell In[7], line 5, in business_cost`` then the failing line. Only the deepest frame of the
    learner's code is shown: the frames of the check, of numpy or pandas below it are not theirs to fix.
    """
    import linecache
    import traceback

    own = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learners(frame.filename)]
    if not own:
        return None
    frame = own[-1]
    line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    where = f"  {_code_name(frame.filename)}, line {frame.lineno}, in {frame.name}"
    return f"{where}\n    {line}" if line else where  # code run from a string has no source to show


def _is_learners(filename: str) -> bool:
    """True for code a learner wrote: a notebook cell or their own file, not this package or a library."""
    from pathlib import Path

    if filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):
        return True
    path = Path(filename).resolve()
    package = Path(__file__).resolve().parent
    libraries = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    installed = {"site-packages", "dist-packages"} & set(path.parts)  # e.g. pip install --user
    return not installed and package not in path.parents and not any(lib in path.parents for lib in libraries)


def _code_name(filename: str) -> str:
    """``Cell In[7]`` for a notebook cell (as IPython's own tracebacks say), else ``File "<path>"``."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    named = shell.compile.format_code_name(filename) if shell is not None else None
    return " ".join(named) if named else f'File "{filename}"'


def _with_title_and_hint(message: str, title: str, hint: str) -> CheckFailed:
    """Prefix a failure with the exercise's title and end it with its hint (unless it has one)."""
    body = message.removeprefix("✘ ")
    if not body.startswith(f"{title}:"):
        body = f"{title}: {body}"
    if "Hint:" not in body:
        separator = "" if body.endswith("\n") else " "  # a learner's line ends the message: hint below it
        body += f"{separator}Hint: {hint}"
    return CheckFailed(f"✘ {body}")


_REGISTRY: dict[str, LabChecks] = {}


def all_lab_checks() -> dict[str, LabChecks]:
    """Import every lab's checks and return them by lab name."""
    import importlib
    import pkgutil

    from helpers import labchecks

    for module in pkgutil.iter_modules(labchecks.__path__):
        importlib.import_module(f"helpers.labchecks.{module.name}")
    return dict(_REGISTRY)
