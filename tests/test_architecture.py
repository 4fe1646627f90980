"""helpers.architecture: building, bad input with clear errors, layout, Mermaid, markdown and files."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.architecture import REQUIRED_KINDS, Architecture, ArchitectureError, Component, Decision, Flow  # noqa: E402
from helpers.problem import ProblemStatement  # noqa: E402
from problem_support import good_statement  # noqa: E402


def statement() -> ProblemStatement:
    return good_statement(title="Flag card fraud for review",
                          business_metric="Refunds plus $5 per review below $1,000 per week")


def pipeline(**overrides) -> Architecture:
    arch = Architecture.from_problem(statement())
    arch.add_component("lake", "Data lake", kind="data", description="Payments | as parquet")
    arch.add_component("training", "Training job", kind="training")
    arch.add_component("endpoint", 'The "real-time" endpoint', kind="serving")
    arch.add_component("capture", "Data capture", kind="data")
    arch.add_component("monitor", "Model Monitor", kind="monitoring")
    arch.add_flow("lake", "training", "training data")
    arch.add_flow("training", "endpoint", "model")
    arch.add_flow("endpoint", "capture", "traffic")
    arch.add_flow("capture", "monitor", "captured features")
    arch.add_flow("monitor", "training", "drift: retrain")  # a loop
    arch.decide("Review threshold", "scores >= 0.035", "cheapest on validation: $2,400 vs $3,200 for the rule",
                alternatives=["0.5"])
    return arch


# ----------------------------------------------------------------------------- a complete record
def test_a_complete_architecture_has_no_problems_and_renders():
    arch = pipeline()
    assert arch.problems() == []
    assert arch.validate() is arch
    text = arch.to_markdown(diagram="architecture.png")
    assert text.startswith("# Architecture: Flag card fraud for review\n")
    assert "- **Business metric:** Refunds plus $5 per review below $1,000 per week" in text
    assert "| Data lake | data | Payments \\| as parquet |" in text  # a pipe in a cell is escaped
    assert "![Components and data flow](architecture.png)" in text
    assert "```mermaid\nflowchart LR\n" in text
    assert "- Model Monitor → Training job: drift: retrain" in text
    assert "### 1. Review threshold" in text and "- **Why:** cheapest on validation" in text
    assert "- **Alternatives considered:** 0.5" in text


def test_mermaid_has_every_component_and_flow_with_shapes_and_escaped_quotes():
    mermaid = pipeline().to_mermaid().splitlines()
    assert mermaid[0] == "flowchart LR"
    assert '    lake[("Data lake")]' in mermaid  # data: a cylinder
    assert '    endpoint(["The #quot;real-time#quot; endpoint"])' in mermaid
    assert '    monitor -->|"drift: retrain"| training' in mermaid
    assert "    class lake,capture data" in mermaid
    flows = [line for line in mermaid if "-->" in line]
    assert len(flows) == 5


def test_layers_follow_the_flow_and_ignore_the_loop():
    layers = pipeline().layers()
    assert layers == {"lake": 0, "training": 1, "endpoint": 2, "capture": 3, "monitor": 4}


def test_plot_draws_a_box_per_component_and_a_label_per_flow():
    arch = pipeline()
    ax = arch.plot()
    texts = [t.get_text() for t in ax.texts]
    for component in arch.components:
        assert component.label.replace(" ", "") in [t.replace("\n", "").replace(" ", "") for t in texts]
    assert "drift: retrain" in texts
    assert len(ax.patches) == len(arch.components)
    plt.close(ax.figure)


def test_each_box_says_its_kind_in_words_and_in_an_okabe_ito_outline():
    from helpers.architecture import KINDS
    from helpers.plots import PALETTE, in_words

    arch = pipeline()
    ax = arch.plot()
    for component, box in zip(arch.components, ax.patches):
        [tag] = [t for t in ax.texts if t.get_gid() == f"kind:{component.name}"]
        assert tag.get_text() == component.kind  # the second cue: the kind written on the box
        x0, y0, width, height = box.get_x(), box.get_y(), box.get_width(), box.get_height()
        tag_x, tag_y = tag.get_position()
        assert x0 <= tag_x <= x0 + width and abs(tag_y - (y0 + height)) < 0.1  # on the box's top edge
        assert matplotlib.colors.to_hex(box.get_edgecolor()) == KINDS[component.kind]["edge"].lower()
    outlines = {kind["edge"] for kind in KINDS.values()}
    assert len(outlines) == len(KINDS) and outlines <= set(PALETTE)
    assert '"Data lake"; "data"; "Training job"; "training"' in in_words(ax.figure)
    plt.close(ax.figure)


def test_the_diagram_in_words_names_every_component_kind_and_flow_and_is_mermaid_s_description():
    arch = pipeline()
    words = arch.in_words()
    assert words == ('5 components: Data lake (data); Training job (training); The "real-time" endpoint (serving); '
                     "Data capture (data); Model Monitor (monitoring). 5 flows: Data lake to Training job (training "
                     "data); Training job to The \"real-time\" endpoint (model); The \"real-time\" endpoint to Data "
                     "capture (traffic); Data capture to Model Monitor (captured features); Model Monitor to Training "
                     "job (drift: retrain).")
    mermaid = arch.to_mermaid().splitlines()
    assert mermaid[1:3] == ["    accTitle: Flag card fraud for review", f"    accDescr: {words}"]
    arch.add_flow("lake", "monitor", "baseline")
    assert "Data lake to Model Monitor (baseline)" in arch.in_words()


def _contrast_with_black(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of black text on this fill (1 to 21)."""
    srgb = np.array(matplotlib.colors.to_rgb(hex_colour))
    linear = np.where(srgb <= 0.03928, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return (float(linear @ [0.2126, 0.7152, 0.0722]) + 0.05) / 0.05


def test_fills_are_light_tints_of_their_outline_so_black_labels_stay_legible():
    from helpers.architecture import KINDS

    for name, kind in KINDS.items():
        assert _contrast_with_black(kind["colour"]) >= 7, name  # WCAG AAA for normal text
        assert _contrast_with_black(kind["colour"]) > _contrast_with_black(kind["edge"]), name
    assert f"    classDef data fill:{KINDS['data']['colour']},stroke:#0072B2" in pipeline().to_mermaid().splitlines()


def test_save_writes_markdown_and_diagram_next_to_the_problem_statement(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_HOME", str(tmp_path))
    path = pipeline().save()
    assert path == ProblemStatement.default_path("architecture.md")
    assert path.read_text(encoding="utf-8") == pipeline().to_markdown(diagram="architecture.png")
    assert path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_re_adding_the_same_thing_is_harmless_and_a_decision_is_revised_in_place():
    arch = pipeline()
    arch.add_component("lake", "Data lake", kind="data", description="Payments | as parquet")
    arch.add_flow("lake", "training", "training data")
    arch.decide("review threshold", "scores >= 0.05", "cheaper after the new review contract: $3 a review")
    assert len(arch.components) == 5 and len(arch.flows) == 5
    assert [d.topic for d in arch.decisions] == ["review threshold"]
    assert arch.decision("Review Threshold").choice == "scores >= 0.05"


# ----------------------------------------------------------------------------------- bad input
def test_missing_components_are_named_with_an_example_fix():
    arch = Architecture(title="Half a pipeline")
    arch.add_component("lake", "Data lake", kind="data")
    arch.add_component("training", "Training job", kind="training")
    arch.add_flow("lake", "training", "data")
    arch.decide("Split", "by time", "the model predicts the future")
    problems = arch.problems()
    assert len(problems) == 2
    assert problems[0].startswith("no serving component") and REQUIRED_KINDS["serving"] in problems[0]
    assert problems[1].startswith("no monitoring component") and "kind='monitoring'" in problems[1]
    with pytest.raises(ArchitectureError, match=r"needs work on 2 point\(s\)") as info:
        arch.to_markdown()
    assert info.value.problems == problems


def test_an_empty_architecture_says_what_to_add():
    problems = Architecture(title="").problems()
    assert any("title is empty" in p for p in problems)
    assert any("there are no components" in p and "add_component" in p for p in problems)
    assert any("no decisions" in p and "arch.decide(" in p for p in problems)


def test_an_isolated_component_is_a_problem():
    arch = pipeline()
    arch.add_component("dashboard", "Dashboard", kind="application")
    assert arch.problems() == [
        "component 'dashboard' has no flow in or out: connect it with arch.add_flow('dashboard', '<other>', "
        "'<what flows>') or leave it out."
    ]


def test_an_arrow_to_an_unknown_component_is_refused_with_the_closest_name():
    arch = pipeline()
    before = list(arch.flows)
    with pytest.raises(ArchitectureError) as info:
        arch.add_flow("endpoint", "capure", "traffic")
    message = str(info.value)
    assert "the target 'capure' is not a component" in message
    assert "did you mean 'capture'?" in message and "arch.add_component('capure'" in message
    assert arch.flows == before  # nothing lost, nothing half-added


def test_an_arrow_in_an_empty_architecture_says_to_add_components_first():
    with pytest.raises(ArchitectureError, match="has no components yet; add it first"):
        Architecture(title="x", flows=[Flow("a", "b")])


def test_an_arrow_to_itself_is_refused():
    with pytest.raises(ArchitectureError, match="from a component to itself"):
        pipeline().add_flow("lake", "lake", "copy")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_decision_without_a_reason_is_refused(reason):
    arch = pipeline()
    with pytest.raises(ArchitectureError) as info:
        arch.decide("Serving", "a real-time endpoint", reason)
    assert "decision 'Serving' has an empty reason" in str(info.value)
    assert "say why 'a real-time endpoint' was chosen" in str(info.value)
    assert [d.topic for d in arch.decisions] == ["Review threshold"]


def test_a_decision_without_topic_or_choice_is_refused():
    with pytest.raises(ArchitectureError, match="empty topic"):
        Decision("", "x", "y")
    with pytest.raises(ArchitectureError, match="decision 'Serving' has an empty choice"):
        Decision("Serving", "", "y")
    with pytest.raises(ArchitectureError, match="must be a list of short texts"):
        Decision("Serving", "x", "y", alternatives=[1, 2])


def test_bad_component_names_kinds_and_duplicates():
    with pytest.raises(ArchitectureError, match=r"not an id.*e\.g\. 'data_lake'"):
        Component("Data lake")
    with pytest.raises(ArchitectureError, match="Mermaid keyword"):
        Component("end")
    with pytest.raises(ArchitectureError, match=r"unknown kind 'servng' \(did you mean 'serving'\?\)"):
        Component("endpoint", kind="servng")
    with pytest.raises(ArchitectureError, match="already a component 'lake'"):
        pipeline().add_component("lake", "Another lake", kind="data")
    with pytest.raises(ArchitectureError, match="write it as text"):
        Component("lake", label=42)


def test_wrong_object_types_are_refused():
    with pytest.raises(ArchitectureError, match="pass the Day-1 ProblemStatement"):
        Architecture(title="x", problem={"problem": "fraud"})
    with pytest.raises(ArchitectureError, match="from_problem needs a ProblemStatement"):
        Architecture.from_problem("fraud")
    with pytest.raises(ArchitectureError, match="must be Component"):
        Architecture(title="x", components=[("lake", "Data lake")])
    with pytest.raises(ArchitectureError, match="no decision on 'Budget'"):
        pipeline().decision("Budget")


def test_nothing_is_written_when_the_architecture_is_incomplete(tmp_path):
    arch = Architecture(title="Not yet")
    with pytest.raises(ArchitectureError):
        arch.save(tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ArchitectureError, match="plain file name"):
        pipeline().save(tmp_path, name="../escape")
