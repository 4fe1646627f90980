"""Which backend the platform talks to: ``local`` (default, offline) or ``sagemaker`` (real AWS).

The one setting a learner changes to move to SageMaker: ``FLYWHEEL_BACKEND=sagemaker`` in the
environment, or ``helpers.platform.use_backend("sagemaker")`` at the top of the notebook.
"""

from __future__ import annotations

import os

BACKENDS = ("local", "sagemaker")
_chosen: str | None = None


def _check(name: str) -> str:
    value = (name or "").strip().lower()
    if value not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}: choose one of {', '.join(BACKENDS)} "
                         "(e.g. use_backend('local'), or set FLYWHEEL_BACKEND=sagemaker).")
    return value


def use_backend(name: str) -> str:
    """Pick the backend for trainers, sessions and endpoints created from now on."""
    global _chosen
    _chosen = _check(name)
    from helpers.platform.serving import runtime

    # boto3's sagemaker-runtime client follows the backend: the local router, or AWS itself.
    if _chosen == "local":
        runtime.use_local_runtime()
    else:
        runtime.clear_local_runtime()
    return _chosen


def current_backend() -> str:
    """``use_backend(...)``'s choice, else ``FLYWHEEL_BACKEND``, else ``"local"``."""
    if _chosen is not None:
        return _chosen
    return _check(os.environ.get("FLYWHEEL_BACKEND") or "local")


def default_region() -> str:
    """The AWS region names and ARNs use: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


#: The account id local ARNs and the default bucket carry (no AWS account is involved).
LOCAL_ACCOUNT_ID = "000000000000"
