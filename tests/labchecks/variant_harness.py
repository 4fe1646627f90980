"""Feed a lab check the answers learners write: ``accepts`` for a valid answer in any style, ``rejects``
for a typical mistake, whose message must name it (``hint`` fragments, compared case-insensitively).

Each ``tests/labchecks/test_labNN_variants.py`` imports these two; the checks' own ``wrong=`` lists
(tests/labchecks/test_labchecks.py) only prove that a check can fail, these prove what it says and what it lets
through.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Callable

import pytest

from helpers.checks import CheckFailed


def accepts(check: Callable[..., None], *args: Any, **kwargs: Any) -> str:
    """Assert that ``check(*args)`` passes (prints its ✔ line); return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            check(*args, **kwargs)
        except CheckFailed as error:
            pytest.fail(f"a valid answer was rejected: {error}", pytrace=False)
    assert printed.getvalue().startswith("✔"), printed.getvalue()
    return printed.getvalue()


def rejects(check: Callable[..., None], *args: Any, hint: str | list[str], **kwargs: Any) -> str:
    """Assert that ``check(*args)`` fails with a message containing every fragment of ``hint``."""
    fragments = [hint] if isinstance(hint, str) else hint
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    missing = [f for f in fragments if f.lower() not in message.lower()]
    assert not missing, f"the message does not name the mistake ({missing} not in it):\n{message}"
    return message
