"""``python -m helpers cleanup``: stop the local endpoints and servers left running.

Endpoints keep running after a notebook finishes or its kernel restarts — on AWS they would keep
billing. This finds every server process of the local store (registered endpoints, servers whose
registration was lost, batch-transform servers, the local SageMaker Runtime), by pid and start
time, and stops it. ``--list`` only shows them.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str], root: Path) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers cleanup", description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="show what is running, stop nothing")
    args = parser.parse_args(argv)

    from helpers.platform.serving.registry import running_resources, stop_resource, store_root

    resources = running_resources()
    if not resources:
        print(f"Nothing left running (store {store_root()}).")
        return 0
    if args.list:
        print(f"{len(resources)} resource(s) running (store {store_root()}):")
        for resource in resources:
            print(f"  {resource}")
        print("Stop them with: python -m helpers cleanup")
        return 0
    failed = 0
    # endpoints first: the runtime router is only useful while endpoints exist
    for resource in sorted(resources, key=lambda r: r.kind == "router"):
        try:
            stop_resource(resource)
            print(f"stopped {resource}")
        except Exception as error:  # keep going: one stubborn process must not hide the others
            failed += 1
            print(f"could not stop {resource}: {error}")
    left = running_resources()
    if left:
        print(f"{len(left)} still running: " + ", ".join(map(str, left)) + ". Run the command again, or "
              "stop them by pid (kill <pid>).")
        return 1
    return 1 if failed else 0
