"""``python -m helpers cleanup`` pointed at a store the user may not read (another learner's, in a classroom):
one line naming the owner and the fix, exit 2, instead of a traceback. tests/course/test_classroom_hub.py shows
the refusal itself with real Unix users; here the PermissionError is raised where the real one comes from."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from helpers import ROOT
from helpers.course import cleanup
from helpers.platform import records


@pytest.fixture
def foreign_store(flywheel_home: Path, monkeypatch):
    endpoints = flywheel_home / "endpoints"
    endpoints.mkdir(parents=True, exist_ok=True)
    if hasattr(os, "chown") and os.geteuid() == 0:
        os.chown(endpoints, pwd.getpwnam("nobody").pw_uid, -1)

    def refused(root: Path, file: str):  # what iterdir() raises in a 0700 folder of another user
        raise PermissionError(13, "Permission denied", str(endpoints))

    monkeypatch.setattr(records, "folders_holding", refused)
    return flywheel_home, endpoints


@pytest.mark.parametrize("argv", [[], ["--list"]])
def test_another_users_store_is_refused_in_one_line_naming_the_owner_and_the_fix(foreign_store, argv, capsys):
    home, endpoints = foreign_store
    assert cleanup.main(argv, ROOT) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert f"cannot read {endpoints} (Permission denied)" in err and "Nothing was stopped" in err
    assert "Run cleanup as that user, or set FLYWHEEL_HOME to your own store" in err
    if os.geteuid() == 0:
        assert "belongs to user nobody" in err


def test_other_errors_are_not_taken_for_a_foreign_store(flywheel_home, monkeypatch):
    monkeypatch.setattr(records, "folders_holding", lambda root, file: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(OSError, match="No space"):
        cleanup.main([], ROOT)
