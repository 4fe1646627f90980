"""Cross-validation lessons: one split's luck, and the feature-selection leak, measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from helpers.data_quality import cross_validation as cvl


@pytest.fixture(scope="module")
def line() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"x": rng.uniform(0, 1, 120)})
    return X, pd.Series(3 * X["x"] + rng.normal(0, 1, 120))


def test_a_kfold_mean_wanders_less_than_one_holdout_split(line):
    table = cvl.holdout_vs_kfold(LinearRegression(), *line, seeds=range(8))
    assert len(table) == 16 and table["procedure"].unique().tolist() == ["holdout 20%", "5-fold mean"]
    assert (table["metric"] == "root_mean_squared_error").all() and (table["score"] > 0).all()
    wander = cvl.spread(table).set_index("procedure")
    assert wander.loc["5-fold mean", "std"] < wander.loc["holdout 20%", "std"] / 2
    assert wander["range"].tolist() == pytest.approx((wander["max"] - wander["min"]).tolist())
    assert table.equals(cvl.holdout_vs_kfold(LinearRegression(), *line, seeds=range(8)))


@pytest.mark.parametrize("seed", [0, 1])
def test_selecting_features_outside_the_folds_invents_skill_on_pure_noise(seed):
    table = cvl.selection_leak(n_features=500, seed=seed).set_index("procedure")
    leak, honest = table["accuracy"]
    assert leak > 0.65 and honest < 0.62 and leak - honest > 0.15
    assert (table["truth"] == 0.5).all()


@pytest.mark.parametrize("call, error, fix", [
    (lambda X, y: cvl.holdout_vs_kfold(LinearRegression(), X, y, scoring="rmse"), ValueError, "scikit-learn scorer"),
    (lambda X, y: cvl.holdout_vs_kfold(LinearRegression(), X, y, test_size=20), ValueError, "0.2 holds out a fifth"),
    (lambda X, y: cvl.holdout_vs_kfold(LinearRegression(), X, y, k=1), ValueError, "5 or 10 are usual"),
    (lambda X, y: cvl.holdout_vs_kfold(LinearRegression(), X, y, seeds=[3]), ValueError, "at least two seeds"),
    (lambda X, y: cvl.holdout_vs_kfold(LinearRegression(), X, y.iloc[:9]), ValueError, "the same rows"),
    (lambda X, y: cvl.spread(X), ValueError, "holdout_vs_kfold"),
    (lambda X, y: cvl.selection_leak(k_best=0), ValueError, "k_best must be an integer from 1"),
    (lambda X, y: cvl.selection_leak(n_rows=5), ValueError, "n_rows must be an integer >= 20"),
])
def test_bad_input_names_the_fix(line, call, error, fix):
    with pytest.raises(error, match=fix):
        call(*line)
