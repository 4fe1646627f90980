"""The order ``make test`` hands scopes to its workers: longest first (tests/scope_order.py)."""

from __future__ import annotations

from types import SimpleNamespace

import scope_order


def items(*nodeids: str) -> list:
    return [SimpleNamespace(nodeid=n) for n in nodeids]


def test_the_slowest_scopes_go_first_and_each_scope_keeps_its_items_in_order():
    collected = items(
        "tests/test_a.py::test_one", "tests/test_a.py::test_two",
        "solutions/09_rl_intro.ipynb::Cell 0", "tests/test_browser.py::test_x",
        "tests/test_a.py::Things::test_three", "solutions/00_welcome.ipynb::Cell 0",
        "solutions/09_rl_intro.ipynb::Cell 1", "tests/test_browser.py::test_y",
    )  # fmt: skip
    scope_order.slowest_scopes_first(collected, {"09_rl_intro": 45, "00_welcome": 5})
    assert [i.nodeid for i in collected] == [
        "tests/test_browser.py::test_x", "tests/test_browser.py::test_y",  # measured 120 s
        "solutions/09_rl_intro.ipynb::Cell 0", "solutions/09_rl_intro.ipynb::Cell 1",  # timings.json: 45 s
        "solutions/00_welcome.ipynb::Cell 0",  # 5 s
        "tests/test_a.py::test_one", "tests/test_a.py::test_two",  # 2 items at 0.05 s
        "tests/test_a.py::Things::test_three",  # a class is its own scope, as in xdist
    ]  # fmt: skip


def test_a_scope_nobody_measured_costs_per_item_and_a_notebook_without_timing_likewise():
    assert scope_order.expected_seconds("tests/test_z.py", 40, {}) == 40 * scope_order.SECONDS_PER_ITEM
    assert scope_order.expected_seconds("solutions/99_new.ipynb", 3, {"00_welcome": 5}) == 3 * scope_order.SECONDS_PER_ITEM


def test_the_notebook_seconds_are_read_from_timings_json(root):
    seconds = scope_order.read_notebook_seconds(root)
    assert seconds and all(stem[:2].isdigit() and value > 0 for stem, value in seconds.items())
    assert scope_order.read_notebook_seconds(root / "no-such-folder") == {}


def test_the_makefile_lets_this_order_stand(root):
    """Without --no-loadscope-reorder, xdist re-sorts the scopes by item count and this order is lost."""
    test_rule = (root / "Makefile").read_text(encoding="utf-8").split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "--dist loadscope" in test_rule and "--no-loadscope-reorder" in test_rule
