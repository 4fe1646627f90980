"""Where the local platform keeps its state (objects, jobs, endpoints): FLYWHEEL_HOME or ~/.flywheel.

Kept outside the repository so a learner's runs never dirty the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("FLYWHEEL_HOME") or Path.home() / ".flywheel").expanduser()
