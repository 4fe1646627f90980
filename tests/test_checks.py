from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.checks import (
    CheckFailed,
    LabChecks,
    check_callable,
    check_close,
    check_columns,
    check_equal,
    check_shape,
    check_type,
)


def test_close_passes_within_tolerance_and_fails_outside():
    check_close("w", [1.0, 2.0], [1.0, 2.0 + 1e-9])
    with pytest.raises(CheckFailed, match=r"`w` differs .* index 1: 2.1 instead of 2"):
        check_close("w", [1.0, 2.1], [1.0, 2.0], hint="look at w[1]")


def test_scalar_message_names_both_values():
    with pytest.raises(CheckFailed, match=r"`loss` is 3 , but 2 is expected|`loss` is 3, but 2 is expected"):
        check_close("loss", 3.0, 2.0)


def test_wrong_shape_is_one_sentence_not_a_numpy_traceback():
    with pytest.raises(CheckFailed) as info:
        check_close("weights", np.zeros((3, 1)), np.zeros(3), hint="flatten with .ravel()")
    message = str(info.value)
    assert message == "✘ `weights` has shape (3, 1), but shape (3,) is expected. Hint: flatten with .ravel()"


def test_none_answer_says_return_is_missing():
    with pytest.raises(CheckFailed, match="forget to `return`"):
        check_shape("result", None, (None,))


def test_non_numeric_answer():
    with pytest.raises(CheckFailed, match="does not convert to numbers"):
        check_shape("x", ["a", "b"], (2,))


def test_nan_is_reported():
    with pytest.raises(CheckFailed, match="contains NaN"):
        check_close("x", [np.nan], [1.0])


def test_type_and_callable_and_columns():
    with pytest.raises(CheckFailed, match="should be a DataFrame, but it is a list of length 2"):
        check_type("table", [1, 2], pd.DataFrame)
    with pytest.raises(CheckFailed, match="should be a function"):
        check_callable("fn", 3)
    with pytest.raises(CheckFailed, match="lacks the column\\(s\\) 'age'"):
        check_columns("clean", pd.DataFrame({"name": ["a"]}), ["name", "age"])
    check_columns("clean", pd.DataFrame({"name": ["a"], "age": [1]}), ["age"])


def test_equal_on_dicts_names_the_wrong_entry():
    with pytest.raises(CheckFailed, match="wrong for 1 of 2 entries, e.g. 'b'"):
        check_equal("answers", {"a": 1, "b": 3}, {"a": 1, "b": 2})
    with pytest.raises(CheckFailed, match="no entry for 'b'"):
        check_equal("answers", {"a": 1}, {"a": 1, "b": 2})
    check_equal("answers", {"a": 1, "b": 2}, {"a": 1, "b": 2})


def test_exercise_prints_pass_line_and_converts_learner_errors(capsys):
    lab = LabChecks("98_test_lab")

    @lab.exercise(title="the mean", hint="np.mean", wrong=lambda: [(lambda xs: 0,)])
    def mean(fn):
        check_close("mean([1, 3])", fn([1, 3]), 2.0)

    assert lab.mean(lambda xs: sum(xs) / len(xs)) is None
    assert capsys.readouterr().out.strip() == "✔ the mean: correct."
    with pytest.raises(CheckFailed, match=r"the mean: your code raised ZeroDivisionError: division by zero"):
        lab.mean(lambda xs: 1 / 0)
    with pytest.raises(CheckFailed) as info:
        lab.mean(lambda xs: 0)
    assert str(info.value) == "✘ the mean: `mean([1, 3])` is 0, but 2 is expected. Hint: np.mean"
    # An unsolved TODO reached through the check keeps its own message, so a lab stops there.
    with pytest.raises(NotImplementedError, match="^TODO 98 exercise 1$"):
        lab.mean(lambda xs: (_ for _ in ()).throw(NotImplementedError("TODO 98 exercise 1")))


def test_failure_renders_as_one_line_in_ipython():
    error = CheckFailed("✘ nope")
    assert error._render_traceback_() == ["\x1b[31m✘ nope\x1b[0m"]


def test_close_accepts_float32_answers():
    hours = np.array([0, 3, 6, 12, 18, 23])
    angle = 2 * np.pi * hours / 24
    check_close("sin", np.sin(angle.astype(np.float32)), np.sin(angle))
    check_close("sin", np.sin(2 * np.float32(np.pi) * hours.astype(np.float32) / 24), np.sin(angle))


def test_close_never_prints_two_equal_numbers_as_the_difference():
    with pytest.raises(CheckFailed) as info:
        check_close("x", 1.0000001, 1.0, rtol=1e-9, atol=0)
    assert str(info.value) == "✘ `x` is 1.0000001, but 1 is expected."
    with pytest.raises(CheckFailed) as info:
        check_close("x", [1.0, 2.00004], [1.0, 2.0])
    assert "2.00004 instead of 2" in str(info.value)


def test_an_error_in_the_learners_code_shows_their_line_and_only_theirs():
    from helpers.labchecks.lab01 import check as lab01

    def business_cost(y_true, y_pred, cost_fp, cost_fn):
        total = 0
        for i in range(len(y_pred)):
            total += cost_fp * int(y_pred[i] > y_true.iloc[i]) / 0
        return total

    with pytest.raises(CheckFailed) as info:
        lab01.business_cost(business_cost)
    lines = str(info.value).splitlines()
    line = business_cost.__code__.co_firstlineno + 3
    assert lines[0] == "✘ the cost of a confusion matrix: your code raised ZeroDivisionError: division by zero"
    assert lines[1] == f'  File "{__file__}", line {line}, in business_cost'
    assert lines[2] == "    total += cost_fp * int(y_pred[i] > y_true.iloc[i]) / 0"
    assert lines[3] == f"Hint: {lab01.exercises['business_cost'].hint}"  # the hint below the learner's line
    assert "helpers/" not in str(info.value) and "site-packages" not in str(info.value)


def test_an_answer_that_breaks_inside_the_check_has_no_learner_line():
    from helpers.labchecks.lab04 import check as lab04

    with pytest.raises(CheckFailed) as info:
        lab04.train(lambda X, y, learning_rate, epochs: (np.zeros(X.shape[1]), 0.0, [object()] * (epochs + 1)))
    assert "your answer could not be checked (TypeError" in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_a_multi_line_failure_renders_every_line_in_red():
    error = CheckFailed("✘ nope\n  Cell In[3], line 2, in f\n    x = 1 / 0\nHint: no zero")
    assert error._render_traceback_() == [f"\x1b[31m{line}\x1b[0m" for line in str(error).splitlines()]


# --- what a learner sees in IPython ------------------------------------------------------------


@pytest.fixture
def shell():
    """A real IPython shell, set up as a notebook's first cell does."""
    from IPython.core.interactiveshell import InteractiveShell

    from helpers.course.notebook import show_exercise_errors_as_one_line

    instance = InteractiveShell.instance()
    assert show_exercise_errors_as_one_line(instance)
    instance.run_cell("import numpy as np\nfrom helpers.labchecks.lab04 import check")
    yield instance
    InteractiveShell.clear_instance()


def _run(shell, capsys, source):
    result = shell.run_cell(source)
    captured = capsys.readouterr()
    return result, captured.out + captured.err


def test_an_untouched_exercise_shows_one_line_naming_the_todo(shell, capsys):
    result, shown = _run(shell, capsys, (
        "def predict(X, w, b):\n"
        '    raise NotImplementedError("TODO 04_linear_regression_gd exercise 1: X @ w + b")\n'
        "check.predict(predict)\n"
    ))
    assert isinstance(result.error_in_exec, NotImplementedError)  # the cell still fails: Run All stops there
    lines = [line for line in shown.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    # As the browser test reads it: "NotImplementedError: <the TODO's message>", then what to do.
    assert "NotImplementedError: TODO 04_linear_regression_gd exercise 1: X @ w + b (write your code" in lines[0]
    assert "checks.py" not in shown and "Traceback" not in shown


def test_a_todo_raised_at_the_top_of_a_cell_shows_one_line_too(shell, capsys):
    _, shown = _run(shell, capsys, '# TODO exercise 2: a dict\nraise NotImplementedError("TODO 01_x exercise 2: a dict")\n')
    assert [line for line in shown.splitlines() if line.strip()] == [
        "\x1b[31mNotImplementedError: TODO 01_x exercise 2: a dict (write your code in place of the cell's "
        "`raise NotImplementedError` line)\x1b[0m"]


def test_a_failed_check_shows_its_message_only(shell, capsys):
    result, shown = _run(shell, capsys, "check.predict(lambda X, w, b: X @ w)\n")
    assert result.error_in_exec is not None
    assert shown.strip().startswith("\x1b[31m✘ predict:") and len(shown.strip().splitlines()) == 1
    assert "Traceback" not in shown and "checks.py" not in shown


def test_an_error_in_the_learners_function_shows_their_cell_and_line(shell, capsys):
    result, shown = _run(shell, capsys, (
        "def predict(X, w, b):\n"
        "    scale = 1\n"
        "    return X @ w + b / undefined_name\n"
        "check.predict(predict)\n"
    ))
    assert "your code raised NameError: name 'undefined_name' is not defined" in shown
    assert f"Cell In[{result.execution_count}], line 3, in predict" in shown
    assert "return X @ w + b / undefined_name" in shown
    assert "lab04.py" not in shown and "checks.py" not in shown


def test_another_not_implemented_error_keeps_its_traceback(shell, capsys):
    _, shown = _run(shell, capsys, 'def later():\n    raise NotImplementedError("not written yet")\nlater()\n')
    assert "Traceback" in shown or "----> " in shown
    assert "not written yet" in shown


def test_setup_installs_the_short_display():
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    try:
        instance.run_cell('from helpers.course.notebook import setup\nsetup("04_linear_regression_gd")')
        assert instance.custom_exceptions == (NotImplementedError, CheckFailed)
    finally:
        InteractiveShell.clear_instance()


def test_code_without_source_shows_its_place_only():
    from helpers.checks import learner_frame

    namespace = {}
    exec("def f():\n    return 1 / 0\n", namespace)  # noqa: S102 - code with no file, as exec'd by a tool
    try:
        namespace["f"]()
    except ZeroDivisionError as error:
        assert learner_frame(error) == '  File "<string>", line 2, in f'


def test_only_the_learners_files_count_as_theirs():
    from helpers.checks import _is_learners

    assert _is_learners("/tmp/ipykernel_4242/1234567.py")  # a notebook cell
    assert _is_learners("<string>")
    assert not _is_learners(np.__file__)  # a library in the environment
    assert not _is_learners("/home/learner/.local/lib/python3.11/site-packages/pandas/core/frame.py")
    import helpers.checks

    assert not _is_learners(helpers.checks.__file__)  # the checks themselves
