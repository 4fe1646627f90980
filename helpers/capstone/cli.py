"""``python -m helpers capstone``: the kits, one kit's starter statement and prices, a team's framing, the rubric.

    python -m helpers capstone                                   # the four kits
    python -m helpers capstone maintenance                       # its data, starter statement, cost model
    python -m helpers capstone maintenance --statement my.md     # how the team's statement frames (or what to fix)
    python -m helpers capstone --rubric                          # how the presentations are assessed
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["main"]


def _kit_lines(kit) -> list[str]:
    return [f"# {kit.name}: {kit.title}", "", f"Data: {kit.datasheet()}", "",
            f"Cost model (US dollars), against the baseline '{kit.cost_model.baseline_name}':",
            *(f"  - {line}" for line in kit.cost_model.lines()), "",
            f"Starter framing: {kit.framing(kit.starter_statement()).describe()}", "",
            kit.starter_statement().to_markdown()]


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    from helpers import capstone
    from helpers.problem import ProblemStatement

    parser = argparse.ArgumentParser(prog="python -m helpers capstone", description=__doc__.splitlines()[0])
    parser.add_argument("kit", nargs="?", help=f"one of {', '.join(capstone.kits)}")
    parser.add_argument("--statement", type=Path, help="the team's problem statement (.md or .json) to frame")
    parser.add_argument("--rubric", action="store_true", help="print the capstone rubric")
    args = parser.parse_args(argv)
    if args.rubric:
        print(capstone.rubric_markdown())
        return 0
    if args.kit is None:
        if args.statement:
            parser.error("--statement needs a kit: python -m helpers capstone <kit> --statement FILE")
        for kit in capstone.kits.values():
            print(f"{kit.name:<15} {kit.title} (data: {kit.dataset}; baseline: {kit.cost_model.baseline_name})")
        print("\nMore on one: python -m helpers capstone <kit>; the rubric: python -m helpers capstone --rubric")
        return 0
    try:
        kit = capstone.load_kit(args.kit)
        if args.statement is None:
            print("\n".join(_kit_lines(kit)))
            return 0
        print(f"{args.statement.name}: {kit.framing(ProblemStatement.load(args.statement)).describe()}")
    except (capstone.KitError, FileNotFoundError, ValueError) as error:  # each names the fix; no traceback
        print(f"✘ {error}")
        return 1
    return 0
