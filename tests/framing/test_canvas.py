"""helpers.framing.canvas: nine blocks, the scenarios placed, a learner's placement judged with helpful errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import yaml

from helpers import ROOT
from helpers.framing import canvas


def test_nine_blocks_and_every_scenario_placed_on_known_blocks_with_a_lever():
    assert len(canvas.BLOCKS) == 9
    for scenario in canvas.SCENARIOS:
        assert scenario.blocks and set(scenario.blocks) <= set(canvas.BLOCKS), scenario.key
        assert scenario.lever in canvas.LEVERS


def test_the_scenarios_cover_notebook_01s_widget_except_the_technical_one():
    prompts = [q["prompt"] for q in yaml.safe_load((ROOT / "helpers/quizzes/scenarios.yaml").read_text())["questions"]]
    assert len(prompts) == 8
    keys = {s.key for s in canvas.SCENARIOS}
    assert {"logos", "house_price", "museum_visitors", "book_recommendation", "customer_segments", "robot_pickup",
            "trading_bot", "credit_default", "card_fraud"} <= keys


def test_the_model_mapping_and_several_blocks_per_scenario_pass():
    assert canvas.check_mapping(canvas.model_mapping()).ok
    mapping = canvas.model_mapping()
    mapping["card_fraud"] = ["Cost structure", "key-activities"]
    mapping["churn"] = ("relationships", "revenue")
    assert canvas.check_mapping(mapping).ok


def test_a_block_where_the_model_adds_nothing_is_wrong_and_says_why():
    mapping = canvas.model_mapping()
    mapping["customer_segments"] = ["customer segments", "key partners"]
    result = canvas.check_mapping(mapping)
    assert [v.key for v in result.wrong] == ["customer_segments"]
    assert "'key partners' is not where this model adds value" in result.wrong[0].message


def test_an_empty_placement_asks_for_a_block():
    mapping = canvas.model_mapping()
    mapping["churn"] = []
    assert "at least one block" in canvas.check_mapping(mapping).wrong[0].message


@pytest.mark.parametrize("change, match", [
    ({"churn": "customer relationship management"}, "not a block of the canvas"),
    ({"churn": "custmer segmnts"}, "did you mean 'customer segments'"),
    ({"churn": 7}, "a block name or a list"),
])
def test_a_bad_block_name_is_an_error_naming_the_closest(change, match):
    with pytest.raises((ValueError, TypeError), match=match):
        canvas.check_mapping({**canvas.model_mapping(), **change})


def test_missing_and_unknown_scenarios_are_named():
    mapping = canvas.model_mapping()
    del mapping["logos"]
    with pytest.raises(ValueError, match=r"no placement for \['logos'\]"):
        canvas.check_mapping(mapping)
    with pytest.raises(ValueError, match="did you mean 'churn'"):
        canvas.check_mapping({**canvas.model_mapping(), "chrun": "channels"})


def test_the_canvas_figure_and_its_text_say_the_same():
    mapping = canvas.model_mapping()
    text = canvas.canvas_text(mapping)
    assert "cost structure: credit_default, card_fraud" in text and "key partners: -" in text
    ax = canvas.plot_canvas(mapping)
    shown = " ".join(t.get_text() for t in ax.texts)
    assert all(name in shown for name in canvas.BLOCKS) and "card_fraud" in shown
    assert "customer_segments" in canvas.printable()


@pytest.mark.parametrize("name", list(canvas.MISTAKES))
def test_every_typical_mistake_is_rejected_with_the_scenarios_reason(name):
    result = canvas.check_mapping({**canvas.model_mapping(), **canvas.MISTAKES[name]})
    assert not result.ok
    first = result.wrong[0]
    scenario = next(s for s in canvas.SCENARIOS if s.key == first.key)
    assert scenario.why in first.message
