"""``use_backend``: choose the backend, and point boto3's S3, SageMaker and Runtime clients at it.

Above both :mod:`~helpers.platform.backend` (the choice) and the serving runtime (the redirect), so
neither has to import the other.
"""

from __future__ import annotations

from helpers.platform import backend
from helpers.platform.serving import runtime


def use_backend(name: str) -> str:
    """Pick the backend for trainers, sessions, tuners and endpoints created from now on:
    ``"local"`` or ``"sagemaker"``.

    ``"local"`` also points boto3's ``s3``, ``sagemaker`` and ``sagemaker-runtime`` clients at the local
    router (``AWS_ENDPOINT_URL_S3`` / ``_SAGEMAKER`` / ``_SAGEMAKER_RUNTIME``) and starts it (its socket
    listens at once; a first call waits the ~0.7 s the router takes to start), so a client created now
    works before any deploy; ``"sagemaker"`` removes those variables, so new clients reach AWS."""
    chosen = backend.choose(name)
    point_boto3(chosen)
    return chosen


def point_boto3(name: str | None = None) -> None:
    """Point boto3 at the backend ``name`` (default: the current one) without choosing it: what the
    course's ``setup()`` calls. Locally the router starts without blocking (its socket listens at
    once), see :func:`~helpers.platform.serving.runtime.use_local_runtime`."""
    if (name or backend.current_backend()) == "local":
        runtime.use_local_runtime(start=True, wait=False)
    else:
        runtime.clear_local_runtime()
