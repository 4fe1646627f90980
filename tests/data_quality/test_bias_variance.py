"""Bias-variance decomposition on a known problem: the trade-off's direction and its arithmetic."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from helpers.data_quality import bias_variance as bv
from helpers.plots import LINESTYLES, PALETTE

FAST = {"n_fits": 30, "n_test": 2000}


@pytest.fixture(scope="module")
def trees():
    return bv.bias_variance_table(bv.tree_model, [1, 2, 4, 8], **FAST)


def test_variance_grows_and_bias_falls_with_complexity(trees):
    assert np.all(np.diff(trees["bias2"]) < 0)
    assert np.all(np.diff(trees["variance"]) > 0)
    polynomials = bv.bias_variance_table(bv.polynomial_model, [1, 3, 9], **FAST)
    assert polynomials["bias2"].iloc[0] > 10 * polynomials["bias2"].iloc[-1]
    assert polynomials["variance"].iloc[-1] > 3 * polynomials["variance"].iloc[0]
    # The trade-off: the middle complexity beats both ends.
    assert polynomials["expected_error"].idxmin() == 1


def test_the_three_parts_add_up_to_the_measured_error(trees):
    assert trees["noise"].tolist() == pytest.approx([0.3**2] * 4)
    np.testing.assert_allclose(trees["total"], trees["expected_error"], rtol=0.05)
    booted = bv.bias_variance_table(bv.tree_model, [1, 8], sampling="bootstrap", **FAST)
    np.testing.assert_allclose(booted["total"], booted["expected_error"], rtol=0.05)


def test_without_noise_the_decomposition_is_exact():
    table = bv.bias_variance_table(bv.polynomial_model, [1, 4], problem=bv.SyntheticProblem(noise_sd=0), **FAST)
    assert (table["noise"] == 0).all()
    np.testing.assert_allclose(table["bias2"] + table["variance"], table["expected_error"], rtol=1e-9)


def test_same_seed_same_table_other_seed_other_draws(trees):
    assert trees.equals(bv.bias_variance_table(bv.tree_model, [1, 2, 4, 8], **FAST))
    other = bv.bias_variance_table(bv.tree_model, [1, 2, 4, 8], seed=7, **FAST)
    assert not np.allclose(other["variance"], trees["variance"])


def test_plot_uses_the_palette_with_a_second_cue_and_marks_the_best(trees):
    ax = bv.plot_bias_variance(trees, xlabel="tree depth")
    lines = ax.get_lines()[:4]
    assert [matplotlib.colors.to_hex(line.get_color()) for line in lines] == [c.lower() for c in PALETTE[:4]]
    assert [line.get_linestyle() for line in lines] == [matplotlib.lines.Line2D([], [], linestyle=s).get_linestyle() for s in LINESTYLES]
    best = trees["complexity"].iloc[trees["expected_error"].idxmin()]
    assert f"lowest error: {best}" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() == "tree depth" and ax.get_yscale() == "log"
    assert (lines[1].get_ydata() > 0).all()  # bias² estimates of ~0 stay on the log axis


def test_a_bias_estimate_below_zero_is_drawn_at_the_floor_of_a_log_plot(trees):
    dipped = trees.assign(bias2=[0.05, 0.01, 0.0, -0.0001])
    ax = bv.plot_bias_variance(dipped)
    bias_line = ax.get_lines()[1].get_ydata()
    floor = dipped[["expected_error", "variance", "noise"]].to_numpy().min() / 10
    assert bias_line.tolist()[:2] == [0.05, 0.01] and bias_line.tolist()[2:] == pytest.approx([floor, floor])
    linear = bv.plot_bias_variance(dipped, log_y=False)
    assert linear.get_lines()[1].get_ydata()[-1] == -0.0001


def test_summary_says_what_dominates_at_each_end(trees):
    text = bv.summary(trees, "depth")
    best = trees.loc[trees["expected_error"].idxmin()]
    assert f"at depth {best['complexity']:g} (" in text and f"{best['expected_error']:.3f}" in text
    assert "At depth 1: " in text and "bias² dominates: underfitting" in text
    assert "At depth 8: " in text and "variance dominates: overfitting" in text


@pytest.mark.parametrize("call, error, fix", [
    (lambda: bv.decompose(bv.tree_model(2), sampling="jackknife"), ValueError, "'bootstrap'"),
    (lambda: bv.decompose(bv.tree_model(2), n_fits=1), ValueError, "n_fits must be an integer >= 2"),
    (lambda: bv.SyntheticProblem(noise_sd=-1), ValueError, "noise_sd must be a number >= 0"),
    (lambda: bv.SyntheticProblem(low=1, high=0), ValueError, "must be below high"),
    (lambda: bv.polynomial_model(0), ValueError, "degree must be an integer >= 1"),
    (lambda: bv.tree_model(2.5), ValueError, "depth must be an integer >= 1"),
    (lambda: bv.bias_variance_table(bv.tree_model, []), ValueError, "range\\(1, 13\\)"),
    (lambda: bv.bias_variance_table(bv.tree_model(3), [1]), TypeError, "polynomial_model"),
    (lambda: bv.summary({"bias2": [1]}), ValueError, "bias_variance_table"),
])
def test_bad_input_names_the_fix(call, error, fix):
    with pytest.raises(error, match=fix):
        call()
