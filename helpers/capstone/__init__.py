"""Team capstone kits: four projects from the talks' samples, each from a Day-1 statement to a Day-3 talk.

    from helpers import capstone
    kit = capstone.load_kit("maintenance")          # or capstone.kits["maintenance"]
    statement = kit.starter_statement()              # a ProblemStatement: edit it into the team's own
    frame = kit.frame(statement)                     # features, target and time order, as the statement asks
    report = kit.check_milestone(model, statement)   # Day 2: trains? only allowed features? beats the baseline in $?
    kit.presentation(architecture, report, "talk/index.html", statement=statement)   # Day 3: offline reveal.js deck
    capstone.rubric()                                # how the talks are assessed (rubric.yaml)

The kits: ``fraud`` (card_transactions), ``maintenance`` (maintenance), ``demand`` (bikeshare) and
``recommendation`` (ratings). Each has a cost model in US dollars (``kit.cost_model``) with a
baseline, today's process, to beat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.capstone.demand import DemandKit
from helpers.capstone.framing import Framing, KitError
from helpers.capstone.fraud import FraudKit
from helpers.capstone.kit import Frame, Kit
from helpers.capstone.maintenance import MaintenanceKit
from helpers.capstone.milestone import MilestoneReport
from helpers.capstone.recommendation import RecommendationKit

__all__ = ["kits", "load_kit", "rubric", "RUBRIC", "Kit", "Frame", "Framing", "KitError", "MilestoneReport"]

#: The kits by name. Building one loads nothing: the data is read on first use.
kits: dict[str, Kit] = {kit.name: kit for kit in (FraudKit(), MaintenanceKit(), DemandKit(), RecommendationKit())}
#: The capstone rubric: criteria, levels and the evidence each level needs.
RUBRIC = Path(__file__).resolve().parent / "rubric.yaml"


def load_kit(name: str) -> Kit:
    """The kit called ``name`` (see :data:`kits`); an unknown name lists the kits."""
    if name not in kits:
        import difflib

        close = difflib.get_close_matches(str(name), kits, n=1)
        raise KitError(f"no capstone kit {name!r}{f' (did you mean {close[0]!r}?)' if close else ''}: the kits are "
                       f"{', '.join(map(repr, kits))}.")
    return kits[name]


def rubric(path: str | Path = RUBRIC) -> dict[str, Any]:
    """The rubric as a dict (``criteria``: each with ``name``, ``weight``, ``levels`` {level: description}
    and ``evidence``); a malformed file names what is wrong."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    criteria = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(criteria, list) or not criteria:
        raise KitError(f"{Path(path).name} has no list under 'criteria:': each criterion needs name, weight, levels "
                       "and evidence.")
    levels = data.get("levels")
    for number, criterion in enumerate(criteria, start=1):
        missing = [key for key in ("name", "weight", "levels", "evidence") if key not in (criterion or {})]
        if missing:
            raise KitError(f"{Path(path).name}: criterion {number} lacks {', '.join(missing)}.")
        if list(criterion["levels"]) != levels:
            raise KitError(f"{Path(path).name}: criterion {criterion['name']!r} has levels {list(criterion['levels'])}, "
                           f"not the rubric's {levels}: describe every level, in that order.")
    return data


def rubric_markdown(path: str | Path = RUBRIC) -> str:
    """The rubric as a markdown table per criterion (for the facilitator guide)."""
    data = rubric(path)
    lines = ["## Capstone rubric", "", data.get("intro", ""), ""]
    for criterion in data["criteria"]:
        lines += [f"### {criterion['name']} (weight {criterion['weight']})", "",
                  "| level | what it looks like |", "|---|---|"]
        lines += [f"| {level} | {text} |" for level, text in criterion["levels"].items()]
        lines += ["", f"*Evidence:* {criterion['evidence']}", ""]
    return "\n".join(lines)
