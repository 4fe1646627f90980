"""Each port runs in a fresh local store and a fresh working folder, as on a learner's new laptop,
after the kit's one setting, ``use_backend("local")`` (what the course's ``setup()`` does in every
lab): boto3's S3, SageMaker and Runtime clients then reach the local platform. Every server a port
started is stopped afterwards, whether it passed or not, and the environment restored."""

from __future__ import annotations

import pytest

from serving_support import isolate


@pytest.fixture
def port_home(tmp_path):
    """A fresh store under ``tmp_path/home``; yields the working folder ``tmp_path/work``."""
    from helpers.platform import use_backend
    from helpers.platform.serving.registry import stop_all

    (tmp_path / "home").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, tmp_path / "home")  # also registers the boto3 URLs use_backend sets, to undo them
        try:
            use_backend("local")
            yield work
        finally:
            stop_all()
