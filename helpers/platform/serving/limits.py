"""Per-learner limits of the local platform: how many endpoints may run at once.

On a laptop nothing is limited. On a shared classroom server each learner's kernel gets
``FLYWHEEL_MAX_ENDPOINTS=N`` (the hub's spawner sets it): deploying an endpoint while N of the
learner's endpoints are live (``Creating`` or ``InService``) is refused with :class:`EndpointLimitError`,
naming the limit, the live endpoints and how to free one. Replacing an endpoint of the same name
(``update_endpoint=True``, UpdateEndpoint) does not count it twice.

Memory and CPU are not limited here: one learner's processes (kernel, training jobs, endpoint servers)
share their Unix user's limits, which the hub's spawner sets (cgroups: ``mem_limit``, ``cpu_limit``).

The check and the new endpoint's record are made under one lock of the store, so two kernels of one
learner deploying at the same instant cannot both take the last slot.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from typing import Iterator

MAX_ENDPOINTS_ENV = "FLYWHEEL_MAX_ENDPOINTS"
LIVE = ("Creating", "InService")
_LOCK = ".deploy.lock"  # in the endpoints folder: registry.names() lists only folders holding endpoint.json


class EndpointLimitError(ValueError):
    """A deploy refused because the learner already runs the most endpoints allowed.

    A ValueError, so the local control plane answers boto3 with it as it does the kit's other checks;
    ``aws_code`` is the error code SageMaker gives for a quota reached.
    """

    aws_code = "ResourceLimitExceeded"


def max_endpoints() -> int | None:
    """``FLYWHEEL_MAX_ENDPOINTS`` as a whole number of at least 1, or None (unset or empty: no limit)."""
    value = os.environ.get(MAX_ENDPOINTS_ENV, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise ValueError(f"{MAX_ENDPOINTS_ENV}={value!r} is not a whole number of at least 1: set it like "
                         f"{MAX_ENDPOINTS_ENV}=2 (live endpoints per learner), or unset it for no limit.")
    return int(value)


def live_endpoints(besides: str | None = None) -> list[str]:
    """Names of this store's endpoints that are Creating or InService (``besides`` left out), sorted."""
    from helpers.platform.serving import registry

    live = []
    for name in registry.names():
        if name == besides:
            continue
        try:
            record = registry.check_files(name)
            if record is not None and registry.live_view(name, record)["EndpointStatus"] in LIVE:
                live.append(name)
        except ValueError:  # a corrupt record: cleanup reports it; its server, if any, is not counted
            continue
    return sorted(live)


def check_endpoint_limit(name: str) -> None:
    """Raise :class:`EndpointLimitError` if deploying endpoint ``name`` would exceed the limit."""
    limit = max_endpoints()
    if limit is None:
        return
    live = live_endpoints(besides=name)
    if len(live) < limit:
        return
    first = live[0]
    raise EndpointLimitError(
        f"cannot deploy endpoint {name!r}: {MAX_ENDPOINTS_ENV}={limit} allows {limit} live endpoint(s) per "
        f"learner on this server, and you have {len(live)}: {', '.join(live)}. Delete one you no longer need "
        f"(Endpoint({first!r}).delete(), predictor.delete_endpoint(), or boto3's "
        f"delete_endpoint(EndpointName={first!r})), or stop them all with `python -m helpers cleanup`; "
        f"then deploy again.")


@contextmanager
def endpoint_slot(name: str) -> Iterator[None]:
    """Check the limit for ``name`` and hold the store's deploy lock until the block (which writes the
    endpoint's record) ends. Without a limit: no check, no lock (a laptop deploys as before)."""
    if max_endpoints() is None:
        yield
        return
    from helpers.platform_home import endpoints_root, open_private, private_dir

    folder = private_dir(endpoints_root())
    with open_private(folder / _LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            check_endpoint_limit(name)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
