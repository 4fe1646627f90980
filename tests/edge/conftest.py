"""One small trained pair of models for the edge tests: a seeded 3,000-row sample, a short MLP budget."""

from __future__ import annotations

import pytest

from helpers import edge


@pytest.fixture(scope="session")
def split() -> edge.Split:
    return edge.maintenance_split(rows=3000)


@pytest.fixture(scope="session")
def models(split) -> dict:
    return edge.fit_models(split, mlp_iterations=30)


@pytest.fixture(scope="session")
def exported(models) -> dict:
    return edge.export_models(models)
