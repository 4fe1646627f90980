"""The Day-3 deck: written offline from a team's architecture (the object or its saved write-up) and milestone."""

from __future__ import annotations

import re

import pytest

from helpers.architecture import Architecture
from helpers.capstone import KitError, kits
from helpers.capstone.milestone import MilestoneItem, MilestoneReport


@pytest.fixture(scope="module")
def team():
    kit = kits["maintenance"]
    statement = kit.starter_statement()
    architecture = Architecture.from_problem(statement)
    for name, label, kind in [("controller", "Machine controller", "data"), ("training", "Training job", "training"),
                              ("endpoint", "Scoring endpoint", "serving"), ("monitor", "Model Monitor", "monitoring")]:
        architecture.add_component(name, label, kind=kind, description=f"{label} of the line")
    for source, target in [("controller", "training"), ("training", "endpoint"), ("endpoint", "monitor"),
                           ("monitor", "training")]:
        architecture.add_flow(source, target, "data")
    architecture.decide("Threshold", "stop at scores >= 0.2", "cheapest on validation: $41,000 vs $98,000 for the rule",
                        alternatives=["0.5"])
    # A report as the milestone writes it (its numbers are what the deck must show).
    report = MilestoneReport(kit="maintenance", items=[MilestoneItem("beats baseline", True, "saves $1,234.")],
                             features=["tool_wear_min", "torque_nm"], model_cost=4321.0, baseline_cost=5555.0,
                             nothing_cost=9876.0, baseline_name=kit.cost_model.baseline_name, threshold=0.2,
                             holdout_rows=2000, framing=kit.framing(statement).describe())
    return kit, statement, architecture, report


def slide_titles(html: str) -> list[str]:
    return re.findall(r"<h2[^>]*>(.*?)</h2>", html)


def test_the_deck_is_written_from_the_architecture_and_the_milestone(team, tmp_path):
    kit, statement, architecture, report = team
    path = kit.presentation(architecture, report, tmp_path / "talk" / "index.html", statement=statement)
    html = path.read_text(encoding="utf-8")
    titles = slide_titles(html)
    for title in ("The problem", "The data", "The model and its cost against the baseline", "The architecture",
                  "Decisions and their reasons", "Next steps"):
        assert title in titles, titles
    assert "4,321" in html and "5,555" in html and "1,234" in html  # model, baseline, saving in dollars
    assert "cheapest on validation" in html and "Training job" in html
    assert html.count("data:image/png;base64,") == 2  # the cost chart and the architecture diagram
    assert not re.search(r"""(?:src|href)=["']https?://""", html), "the deck must load nothing from a network"


def test_the_deck_reads_the_saved_write_up_too(team, tmp_path):
    kit, statement, architecture, report = team
    saved = architecture.save(tmp_path / "writeups")
    html = kit.presentation(saved, report, tmp_path / "from-file.html").read_text(encoding="utf-8")
    assert "Decisions and their reasons" in slide_titles(html)
    assert "stop at scores &gt;= 0.2" in html and "Scoring endpoint" in html
    assert html.count("data:image/png;base64,") == 2  # the diagram saved beside architecture.md
    # A team whose milestone failed still presents: the model slide shows the items and their hints.
    failed = MilestoneReport(kit="maintenance", items=[MilestoneItem("statement", False, "no frame.", "fix `inputs`")])
    html = kit.presentation(saved, failed, tmp_path / "failed.html").read_text(encoding="utf-8")
    assert "The model" in slide_titles(html) and "fix <code>inputs</code>" in html
    with pytest.raises(KitError, match="architecture.save"):
        kit.presentation(tmp_path / "missing.md", report, tmp_path / "x.html")
    with pytest.raises(KitError, match="milestone report"):
        kit.presentation(architecture, {"cost": 1}, tmp_path / "x.html")
