"""helpers.plots: every figure ends with its labels, title, legend and the scales asked for."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_curves_labels_scale_and_legend():
    ax = plots.loss_curves({"lr=0.1": [4.0, 2.0, np.inf]}, optimum=1.0, log=True, title="losses")
    assert (ax.get_title(), ax.get_yscale(), ax.get_xscale()) == ("losses", "log", "linear")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.1", "best possible"]


def test_predicted_vs_actual_names_its_axes():
    ax = plots.predicted_vs_actual([1, 2, 3], [1.1, 1.9, 3.2])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("actual", "predicted", "")
    assert ax.get_legend() is not None


def test_train_validation_error_log_axes_and_best_mark():
    ax = plots.train_validation_error([0.01, 0.1, 1.0], [0.3, 0.2, 0.1], [0.5, 0.2, 0.4], log_x=True, log_y=True)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert "best: 0.1" in [t.get_text() for t in ax.get_legend().get_texts()]
