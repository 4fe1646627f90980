"""Helpers shared by the tests of build-labs and reset-lab."""

from __future__ import annotations

from pathlib import Path


def block_backups(labs: Path) -> None:
    """Put a file where ``labs/.backup/`` belongs (its backups removed first), so no backup can be written."""
    folder = labs / ".backup"
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("a file where the backup folder should be")
