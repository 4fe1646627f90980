"""Each port runs in a fresh local store and a fresh working folder, as on a learner's new laptop;
every server it started is stopped afterwards, whether it passed or not."""

from __future__ import annotations

import pytest

from serving_support import isolate


@pytest.fixture
def port_home(tmp_path):
    """A fresh store under ``tmp_path/home``; yields the working folder ``tmp_path/work``."""
    from helpers.platform.serving.registry import stop_all

    (tmp_path / "home").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, tmp_path / "home")
        try:
            yield work
        finally:
            stop_all()
