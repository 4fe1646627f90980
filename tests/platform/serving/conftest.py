"""Fixtures the serving tests share (the deployable models are in tests/serving_support.py)."""

from __future__ import annotations

import pytest

from serving_support import module_store


@pytest.fixture(scope="module")
def home(tmp_path_factory, request):
    """A store for the test module's endpoints (a folder named after the module); every server started
    in it is stopped after the module's last test. A module may define its own ``home`` instead
    (test_serving_artifacts: a fresh store for each test)."""
    with module_store(tmp_path_factory, f"{request.module.__name__}-home") as folder:
        yield folder
