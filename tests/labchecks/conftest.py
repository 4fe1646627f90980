"""Variant suites of the lab checks: see variant_harness.py."""

from pathlib import Path

import pytest

COVERAGE_TEST = "test_variant_coverage.py"


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected what they will
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When this session also runs test_variant_coverage, the variant suites run once, inside it.

    That test runs every ``test_labNN_variants.py`` in a child pytest to record what they accept and
    reject, and fails with the child's failures when any suite fails; running them here as well doubled
    their cost in ``make test``. A suite run on its own (or with -k that leaves out the coverage test)
    runs as usual.
    """
    names = {Path(str(item.path)).name for item in items}
    if COVERAGE_TEST not in names:
        return
    suites = [item for item in items if Path(str(item.path)).name.endswith("_variants.py")
              and Path(str(item.path)).name.startswith("test_lab")]
    if suites:
        config.hook.pytest_deselected(items=suites)
        items[:] = [item for item in items if item not in suites]
