"""Exploratory figures: what they draw, in the course's palette with a second cue, and their errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.data_quality import eda, outliers
from helpers.plots import PALETTE


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"group": np.repeat(["a", "b"], 60), "x": rng.normal(0, 1, 120)})
    frame["y"] = 2 * frame["x"] + rng.normal(0, 0.5, 120)
    frame["z"] = -frame["x"] + rng.normal(0, 2, 120)
    frame.loc[[3, 70], "x"] = [9.0, -8.0]
    frame["label"] = frame["y"] > 0
    return frame


def _fliers(ax) -> int:
    """Points drawn beyond the whiskers of a box plot (matplotlib draws them as marker-only lines)."""
    return sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_linestyle() == "None")


def test_box_plot_points_are_the_iqr_outliers(table):
    ax = eda.outlier_boxplots(table, ["x"])[0]
    assert _fliers(ax) == outliers.iqr_outliers(table["x"]).sum() >= 2
    by_group = eda.outlier_boxplots(table, ["x"], by="group")[0]
    assert _fliers(by_group) == outliers.iqr_outliers(table["x"], by=table["group"]).sum()
    assert [t.get_text() for t in by_group.get_xticklabels()] == ["a", "b"]


def test_correlation_heatmap_writes_each_value_in_its_cell(table):
    ax = eda.correlation_heatmap(table, ["x", "y", "z"], method="pearson")
    written = sorted(float(t.get_text()) for t in ax.texts)
    expected = table[["x", "y", "z"]].corr().to_numpy()[np.tril_indices(3)]
    np.testing.assert_allclose(written, sorted(np.round(expected, 2)))  # lower triangle and diagonal only


def test_pair_plot_marks_groups_by_colour_and_marker(table):
    grid = eda.pair_plot(table, ["x", "y"], hue="group")
    assert grid.axes.shape == (2, 2)
    points = grid.axes[1, 0].collections[0]
    colours = {matplotlib.colors.to_hex(c) for c in points.get_facecolors()}
    assert colours == {PALETTE[0].lower(), PALETTE[1].lower()}
    shapes = {tuple(map(tuple, path.vertices.round(3))) for path in points.get_paths()}
    assert len(shapes) == 2  # a different marker per group, not only a colour


def test_pair_plot_samples_large_tables(table):
    big = pd.concat([table] * 20, ignore_index=True)
    grid = eda.pair_plot(big, ["x", "y"], sample=100)
    assert len(grid.data) == 100


def test_distributions_one_panel_per_column(table):
    axes = eda.distributions(table, ["x", "y", "z"], hue="group")
    assert len(axes) == 3 and [ax.get_xlabel() for ax in axes] == ["x", "y", "z"]
    assert all(ax.get_ylabel() == "rows" for ax in axes)


def test_label_against_features_by_kind_of_label(table):
    numeric = eda.label_against_features(table, "y", ["x", "z"])
    assert [ax.get_xlabel() for ax in numeric] == ["x", "z"] and all(ax.get_ylabel() == "y" for ax in numeric)
    assert all(any("rolling mean" in t.get_text() for t in ax.get_legend().get_texts()) for ax in numeric)
    classes = eda.label_against_features(table, "label", ["x", "z"])
    assert [t.get_text() for t in classes[0].get_xticklabels()] == ["False", "True"]


def test_figures_draw_on_the_axes_given(table):
    _, given = plt.subplots(1, 2)
    out = eda.outlier_boxplots(table, ["x", "y"], axes=given)
    assert list(out) == list(given)
    with pytest.raises(ValueError, match="pass more axes"):
        eda.outlier_boxplots(table, ["x", "y", "z"], axes=given)


@pytest.mark.parametrize("call, error, fix", [
    (lambda t: eda.distributions(t, ["x", "nope"]), KeyError, "check the spelling"),
    (lambda t: eda.outlier_boxplots(t, ["group"]), TypeError, "pd.to_numeric"),
    (lambda t: eda.outlier_boxplots(t, ["x"], by="grp"), KeyError, "check the spelling"),
    (lambda t: eda.correlation_heatmap(t, ["x"]), ValueError, "at least two numeric columns"),
    (lambda t: eda.correlation_heatmap(t, method="rank"), ValueError, "'spearman'"),
    (lambda t: eda.label_against_features(t, "target"), KeyError, "check the spelling"),
    (lambda t: eda.label_against_features(t, "y", ["y"]), ValueError, "no feature left"),
    (lambda t: eda.pair_plot(t.to_numpy()), TypeError, "pandas DataFrame"),
])
def test_bad_input_names_the_fix(table, call, error, fix):
    with pytest.raises(error, match=fix):
        call(table)
