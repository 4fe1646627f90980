"""Imputation compared: a complete, deterministic table, computed without leaking validation rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers.data_quality import imputation


@pytest.fixture(scope="module")
def gappy() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """120 rows: x2 and x3 follow x1; y depends on x1 and x2; large x1 go missing most (not at random)."""
    rng = np.random.default_rng(5)
    x1 = rng.normal(0, 1, 120)
    complete = pd.DataFrame({"x1": x1, "x2": x1 + rng.normal(0, 0.5, 120), "x3": -x1 + rng.normal(0, 0.5, 120),
                             "x4": rng.normal(0, 1, 120)})
    y = pd.Series(3 * complete["x1"] + complete["x2"] + rng.normal(0, 0.5, 120), name="y")
    return imputation.mask_not_at_random(complete, {"x1": (0.9, "high"), "x2": (0.3, "low")}, seed=2), y, complete


@pytest.fixture(scope="module")
def table(gappy) -> pd.DataFrame:
    X, y, complete = gappy
    return imputation.compare_imputers(X, y, complete=complete)


class RecordingImputer(SimpleImputer):
    """A SimpleImputer that writes down how many rows each fit sees."""

    fitted_rows: list[int] = []

    def fit(self, X, y=None):
        RecordingImputer.fitted_rows.append(len(X))
        return super().fit(X, y)


def test_the_table_is_complete_and_deterministic(gappy, table):
    X, y, complete = gappy
    assert list(table.columns) == ["strategy", "indicator", "metric", "mean", "std", "folds"]
    runs = list(zip(table["strategy"], table["indicator"]))
    assert runs == [(s, i) for s in imputation.STRATEGIES for i in (False, True)] + [(imputation.COMPLETE, False)]
    assert table[["mean", "std"]].notna().all().all() and (table["folds"] == 5).all()
    assert (table["metric"] == "root_mean_squared_error").all() and (table["mean"] > 0).all()
    # Run again (the two strategies with randomness or ties only, to stay fast): the same figures.
    again = imputation.compare_imputers(X, y, imputers={k: v for k, v in imputation.make_imputers().items()
                                                        if k in ("knn", "iterative")})
    pd.testing.assert_frame_equal(again, table[table["strategy"].isin(["knn", "iterative"])].reset_index(drop=True))


def test_each_imputer_learns_from_the_training_folds_only(gappy):
    X, y, _ = gappy
    RecordingImputer.fitted_rows.clear()
    mine = RecordingImputer()
    scores = imputation.imputation_scores(X, y, imputers={"recorded": mine}, cv=KFold(4, shuffle=True, random_state=0))
    assert RecordingImputer.fitted_rows == [90] * 8  # 4 folds x (without, with indicator), 3/4 of 120 rows each
    assert len(scores) == 8 and mine.add_indicator is False  # the caller's imputer is left as it was


def test_scores_are_those_of_the_pipeline_inside_cv_not_of_an_imputer_fitted_on_all_rows(gappy):
    X, y, _ = gappy
    folds = KFold(5, shuffle=True, random_state=42)
    ours = imputation.imputation_scores(X, y, imputers={"mean": SimpleImputer()})
    ours = ours.loc[~ours["indicator"], "score"].to_numpy()
    inside = cross_validate(make_pipeline(StandardScaler(), SimpleImputer(), LinearRegression()), X, y, cv=folds,
                            scoring="neg_root_mean_squared_error")["test_score"]
    leaked = pd.DataFrame(SimpleImputer().fit_transform(X), columns=X.columns)  # the mistake: means of every row
    outside = cross_validate(make_pipeline(StandardScaler(), LinearRegression()), leaked, y, cv=folds,
                             scoring="neg_root_mean_squared_error")["test_score"]
    np.testing.assert_allclose(ours, -inside)
    assert not np.allclose(ours, -outside)


def test_the_indicator_helps_when_values_are_missing_not_at_random(table):
    """The lesson: where large values go missing, 'was missing' says 'was large'."""
    table = table.set_index(["strategy", "indicator"])["mean"]
    assert table[("mean", True)] < table[("mean", False)]
    assert table[(imputation.COMPLETE, False)] < table[("mean", False)]
    # With the indicator a linear model absorbs the fill constant: mean or median, the same model.
    assert table[("mean", True)] == pytest.approx(table[("median", True)], rel=1e-9)
    assert table[("mean", False)] != pytest.approx(table[("median", False)], rel=1e-6)


def test_mask_not_at_random_removes_the_extreme_values_more_often():
    values = pd.DataFrame({"a": np.arange(1000.0), "b": np.arange(1000.0)})
    gappy = imputation.mask_not_at_random(values, {"a": (0.6, "high"), "b": (0.6, "low")}, seed=1)
    assert 0.25 < gappy["a"].isna().mean() < 0.35 and 0.25 < gappy["b"].isna().mean() < 0.35
    assert values["a"][gappy["a"].isna()].mean() > 600 and values["b"][gappy["b"].isna()].mean() < 400
    assert gappy.equals(imputation.mask_not_at_random(values, {"a": (0.6, "high"), "b": (0.6, "low")}, seed=1))
    assert values["a"].notna().all()  # the input is not modified


def test_boston_with_gaps_is_the_documented_table():
    X, y, complete = imputation.boston_with_gaps()
    assert X.shape == complete.shape == (506, 12) and len(y) == 506 and "medv" not in X.columns
    shares = X.isna().mean()
    assert set(shares[shares > 0].index) == set(imputation.BOSTON_GAPS)
    assert all(0.15 < shares[c] < 0.35 for c in imputation.BOSTON_GAPS)
    kept = X.notna()
    pd.testing.assert_frame_equal(X[kept].dropna(how="all"), complete[kept].dropna(how="all"))


@pytest.mark.parametrize("call, error, fix", [
    (lambda X, y, c: imputation.compare_imputers(X.to_numpy(), y), TypeError, "pd.DataFrame"),
    (lambda X, y, c: imputation.compare_imputers(X.assign(city="x"), y), TypeError, "Encode them first"),
    (lambda X, y, c: imputation.compare_imputers(c, y), ValueError, "nothing to impute"),
    (lambda X, y, c: imputation.compare_imputers(X, y.iloc[:-1]), ValueError, "the same rows"),
    (lambda X, y, c: imputation.compare_imputers(X, y.where(y > 0)), ValueError, "drop those rows"),
    (lambda X, y, c: imputation.compare_imputers(X, y, complete=X), ValueError, "without gaps"),
    (lambda X, y, c: imputation.compare_imputers(X, y, scoring="rmse"), ValueError, "neg_root_mean_squared_error"),
    (lambda X, y, c: imputation.mask_not_at_random(c, {"x9": (0.5, "high")}), KeyError, "the table has"),
    (lambda X, y, c: imputation.mask_not_at_random(c, {"x1": (50, "high")}), ValueError, r"a probability in \(0, 1\]"),
])
def test_bad_input_names_the_fix(gappy, call, error, fix):
    with pytest.raises(error, match=fix):
        call(*gappy)


def test_fill_errors_show_the_mean_fills_too_small_where_large_values_went_missing(gappy):
    X, _, complete = gappy
    table = imputation.fill_errors(X, complete).set_index(["strategy", "column"])
    assert list(table.index) == [(s, c) for s in imputation.STRATEGIES for c in ("x1", "x2")]
    assert table.loc[("mean", "x1"), "filled"] == X["x1"].isna().sum()
    assert table.loc[("mean", "x1"), "bias"] < -0.5  # the gaps were the large values: the mean is too small
    # x2 and x3 follow x1: the strategies that look at the other columns fill in far closer values.
    assert table.loc[("iterative", "x1"), "rmse"] < table.loc[("mean", "x1"), "rmse"] / 2
    assert table.loc[("knn", "x1"), "rmse"] < table.loc[("mean", "x1"), "rmse"]
    with pytest.raises(ValueError, match="without gaps"):
        imputation.fill_errors(X, X)
