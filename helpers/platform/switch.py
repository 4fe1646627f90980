"""``use_backend``: choose the backend, and point boto3's sagemaker-runtime client at it.

Above both :mod:`~helpers.platform.backend` (the choice) and the serving runtime (the redirect), so
neither has to import the other.
"""

from __future__ import annotations

from helpers.platform import backend
from helpers.platform.serving import runtime


def use_backend(name: str) -> str:
    """Pick the backend for trainers, sessions, tuners and endpoints created from now on:
    ``"local"`` (boto3's sagemaker-runtime client then reaches the local router) or ``"sagemaker"``."""
    chosen = backend.choose(name)
    if chosen == "local":
        runtime.use_local_runtime()
    else:
        runtime.clear_local_runtime()
    return chosen
