"""Binning: the three ways to cut a column, and a measured effect on a linear model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data_quality import binning


@pytest.fixture(scope="module")
def curved() -> tuple[pd.DataFrame, pd.Series]:
    """400 rows: y rises then falls with x (a hump one slope cannot draw), plus an unrelated column."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 400)
    X = pd.DataFrame({"x": x, "z": rng.normal(0, 1, 400)})
    return X, pd.Series(-((x - 5) ** 2) + rng.normal(0, 1, 400), name="y")


def test_uniform_bins_have_equal_widths_and_quantile_bins_equal_counts(curved):
    x = curved[0]["x"]
    uniform = binning.bin_column(x, "uniform", n_bins=4)
    width = (x.max() - x.min()) / 4
    expected = np.clip(np.floor((x - x.min()) / width), 0, 3).astype(int)
    assert len(uniform.cat.categories) == 4 and uniform.cat.codes.tolist() == expected.tolist()
    counts = binning.bin_column(x, "quantile", n_bins=4).value_counts()
    assert counts.tolist() == [100] * 4


def test_domain_edges_are_left_closed_and_keep_missing_values():
    ages = pd.Series([18, 24.9, 25, 64, 65, np.nan, 119], index=list("abcdefg"))
    bins = binning.bin_column(ages, "edges", edges=binning.AGE_BANDS)
    assert bins.index.equals(ages.index) and bins.isna().tolist() == [False] * 5 + [True, False]
    assert [str(b) for b in bins.dropna()] == ["[18.0, 25.0)", "[18.0, 25.0)", "[25.0, 35.0)", "[55.0, 65.0)",
                                                "[65.0, 120.0)", "[65.0, 120.0)"]


def test_binned_means_are_the_steps_a_binned_model_draws():
    x = pd.Series([1.0, 2, 3, 7, 8, 9])
    y = pd.Series([10.0, 20, 30, 1, 2, 3])
    table = binning.binned_means(x, y, binning.bin_column(x, "edges", edges=[0, 5, 10, 15]))
    assert table["rows"].tolist() == [3, 3, 0]
    assert table["mean_y"].iloc[:2].tolist() == [20.0, 2.0] and np.isnan(table["mean_y"].iloc[2])


def test_make_binner_learns_edges_from_the_rows_it_is_fitted_on():
    train = np.arange(100.0).reshape(-1, 1)
    binner = binning.make_binner("quantile", n_bins=4).fit(train)
    np.testing.assert_allclose(binner.bin_edges_[0][[0, -1]], [0, 99])
    fixed = binning.make_binner("edges", edges=[0, 6, 10, 16, 20, 24]).fit(train)
    out = fixed.transform(np.array([[-3.0], [5.0], [6.0], [23.0], [30.0]]))
    assert out.shape == (5, 5) and (out.sum(axis=1) == 1).all()
    assert out.argmax(axis=1).tolist() == [0, 0, 1, 4, 4]  # outside values join the end bins


def test_binning_lets_a_linear_model_follow_a_curve(curved):
    X, y = curved
    table = binning.compare_binning(X, y, "x", n_bins=8, edges=[0, 2, 4, 6, 8, 10])
    assert table["variant"].tolist() == ["raw (one slope)", "uniform, 8 bins", "quantile, 8 bins",
                                         "domain edges [0, 2, 4, 6, 8, 10]"]
    assert table["bins"].tolist() == [1, 8, 8, 5]
    raw = table["mean"].iloc[0]
    assert (table["mean"].iloc[1:] < raw / 2).all()  # the hump is out of reach of one slope
    assert (table["metric"] == "root_mean_squared_error").all() and table["std"].notna().all()


def test_on_a_straight_line_binning_buys_nothing():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"x": rng.uniform(0, 10, 300)})
    y = 2 * X["x"] + rng.normal(0, 1, 300)
    table = binning.compare_binning(X, y, "x", n_bins=4)
    assert table["mean"].idxmin() == 0


@pytest.mark.parametrize("call, error, fix", [
    (lambda X, y: binning.bin_column(X["x"], "width"), ValueError, "uniform, quantile, edges"),
    (lambda X, y: binning.bin_column(X["x"], "edges"), ValueError, "AGE_BANDS"),
    (lambda X, y: binning.bin_column(X["x"], "edges", edges=[0, 5, 3]), ValueError, "increasing"),
    (lambda X, y: binning.bin_column(X["x"], "edges", edges=[0, 5, 9]), ValueError, "widen the first or last edge"),
    (lambda X, y: binning.bin_column(X["x"], n_bins=1), ValueError, "n_bins must be an integer >= 2"),
    (lambda X, y: binning.bin_column(X["x"].astype(str)), TypeError, "pd.to_numeric"),
    (lambda X, y: binning.bin_column(X), TypeError, r"frame\['column'\]"),
    (lambda X, y: binning.compare_binning(X, y, "age"), KeyError, "it has \\['x', 'z'\\]"),
    (lambda X, y: binning.compare_binning(X.assign(c="a"), y, "x"), TypeError, "pd.get_dummies"),
    (lambda X, y: binning.compare_binning(X, y.iloc[:5], "x"), ValueError, "the same rows"),
    (lambda X, y: binning.compare_binning(X, y, "x", scoring="rmse"), ValueError, "scikit-learn scorer"),
])
def test_bad_input_names_the_fix(curved, call, error, fix):
    with pytest.raises(error, match=fix):
        call(*curved)
