"""The built-in "container"'s lean import: a library hidden while an algorithm's module loads."""

from __future__ import annotations

import sys

import pytest

from helpers.platform import container


@pytest.fixture
def probes(tmp_path, monkeypatch):
    """``lean_probe`` records whether it could import ``hidden_probe``; both are removed afterwards."""
    (tmp_path / "lean_probe.py").write_text(
        "try:\n    import hidden_probe\n    SAW = True\nexcept ImportError:\n    SAW = False\n")
    (tmp_path / "hidden_probe.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("lean_probe", "hidden_probe"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("loaded_before", [False, True])
def test_a_hidden_module_cannot_be_imported_while_the_module_loads_and_is_back_after(probes, loaded_before):
    before = __import__("hidden_probe") if loaded_before else None
    container._import_without("lean_probe", ("hidden_probe",))
    assert sys.modules["lean_probe"].SAW is False
    assert sys.modules.get("hidden_probe") is before  # the same module object, or still not loaded
    assert __import__("hidden_probe").__name__ == "hidden_probe"  # importable again
