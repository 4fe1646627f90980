"""helpers.explain.attributions: xgboost's TreeSHAP checked against Shapley's definition, and partial dependence."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from helpers.explain import attributions


@pytest.fixture(scope="module")
def small():
    """Four features, an interaction and missing values: small enough for 2^4 subsets per row."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 4)), columns=["a", "b", "c", "d"])
    y = (X["a"] + X["b"] * X["c"] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    X.loc[X.sample(frac=0.1, random_state=1).index, "b"] = np.nan
    model = xgb.XGBClassifier(n_estimators=25, max_depth=3, n_jobs=1, random_state=0).fit(X, y)
    return model, X


@pytest.fixture(scope="module")
def fraud():
    return attributions.card_fraud_model(num_round=30)


def test_tree_shap_equals_shapley_by_brute_force(small):
    model, X = small
    rows = X.iloc[:30]
    shap = attributions.shap_values(model, rows)
    start = time.perf_counter()
    brute, bias = attributions.shapley_brute_force(model, rows)
    brute_seconds = time.perf_counter() - start
    assert rows["b"].isna().any()                                    # the missing-value branch is exercised
    np.testing.assert_allclose(shap.values.to_numpy(), brute.to_numpy(), atol=1e-5)
    np.testing.assert_allclose(bias, shap.base_value, atol=1e-5)
    assert brute_seconds > shap.seconds                             # 2^M subsets per row against TreeSHAP


def test_brute_force_catches_a_wrong_attribution(small):
    # The check is not vacuous: swapping two features' SHAP columns breaks the agreement.
    model, X = small
    rows = X.iloc[:10]
    brute, _ = attributions.shapley_brute_force(model, rows)
    swapped = attributions.shap_values(model, rows).values[["b", "a", "c", "d"]].to_numpy()
    assert np.abs(swapped - brute.to_numpy()).max() > 0.01


def test_contributions_and_base_add_up_to_the_margin_on_the_capstone_model(fraud):
    shap = attributions.shap_values(fraud.model, fraud.X_test)
    margin = fraud.model.predict(fraud.X_test, output_margin=True)
    assert shap.additivity_error() < 1e-4
    np.testing.assert_allclose(shap.margin, margin, atol=1e-5)
    np.testing.assert_allclose(1 / (1 + np.exp(-shap.margin)), fraud.model.predict_proba(fraud.X_test)[:, 1], atol=1e-5)
    assert shap.values.shape == fraud.X_test.shape
    assert 0 < shap.seconds < 30


def test_global_summary_and_a_prediction_explained(fraud):
    shap = attributions.shap_values(fraud.model, fraud.X_test, names={"amount": "amount paid (USD)"})
    importance = shap.importance()
    assert importance.iloc[0] == pytest.approx(shap.values[importance.index[0]].abs().mean())
    assert list(importance) == sorted(importance, reverse=True)
    assert importance.index[0] in shap.importance_text(top=3)
    riskiest = int(np.argmax(shap.margin))
    text = shap.explain(riskiest, outcome="fraud")
    contributions = shap.values.iloc[riskiest]
    top = contributions.idxmax()
    assert f"probability of fraud of {1 / (1 + np.exp(-shap.margin[riskiest])):.3g}" in text
    assert shap._name(top) in text.split("Pulled it down")[0]
    assert f"{contributions[top]:+.3g} log-odds" in text
    with pytest.raises(IndexError, match="pass a position"):
        shap.explain(len(fraud.X_test))


def test_every_payment_feature_has_a_readable_name(fraud):
    names = attributions.payment_feature_names()
    assert set(fraud.X_test.columns) <= set(names)
    shap = attributions.shap_values(fraud.model, fraud.X_test.iloc[:50], names=names)
    assert "amount paid (USD)" in shap.importance_text(top=len(names))


def test_importance_plot_has_two_cues_and_a_text_equivalent(small):
    import matplotlib.pyplot as plt

    from helpers import plots

    model, X = small
    shap = attributions.shap_values(model, X)
    fig = attributions.plot_importance(shap)
    words = plots.in_words(fig)
    bars = fig.axes[0].patches
    assert {p.get_facecolor()[:3] for p in bars} <= {tuple(int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))
                                                      for h in plots.PALETTE}
    # a rises with its value (solid blue); the legend names both the colour's and the hatch's meaning
    assert "higher values raise it" in words and "mean |SHAP value| (log-odds)" in words
    assert f"{shap.importance()['a']:.3g} for a" in words
    plt.close(fig)


def test_partial_dependence_is_the_average_prediction_with_the_feature_set(small):
    model, X = small
    curves = attributions.partial_dependence(model, X, ["a"], grid_resolution=5)
    for value, average in curves[["value", "average_prediction"]].itertuples(index=False):
        by_hand = model.predict_proba(X.assign(a=value))[:, 1].mean()
        assert average == pytest.approx(by_hand, abs=1e-6)
    assert curves["average_prediction"].iloc[-1] > curves["average_prediction"].iloc[0]   # y rises with a


def test_partial_dependence_of_a_mostly_zero_feature_spans_its_range(fraud):
    curves = attributions.partial_dependence(fraud.model, fraud.X_test.iloc[:2000], ["terminal_fraud_share_30d"],
                                             grid_resolution=5)
    assert curves["value"].max() > 0 and len(curves) > 1


def test_bad_inputs_name_the_fix(small):
    from sklearn.linear_model import LogisticRegression

    model, X = small
    with pytest.raises(TypeError, match="need an XGBoost model"):
        attributions.shap_values(LogisticRegression(), X)
    with pytest.raises(ValueError, match=r"missing \['d'\]"):
        attributions.shap_values(model, X[["a", "b", "c"]])
    with pytest.raises(ValueError, match="another order"):
        attributions.shap_values(model, X[["d", "c", "b", "a"]])
    with pytest.raises(TypeError, match="as a DataFrame"):
        attributions.shap_values(model, X.to_numpy())
    with pytest.raises(ValueError, match="at most 3 features"):
        attributions.shapley_brute_force(model, X, max_features=3)
    with pytest.raises(ValueError, match=r"features \['e'\] are not columns"):
        attributions.partial_dependence(model, X, ["e"])


def test_sampled_shapley_is_exact_for_an_additive_model_and_converges_otherwise(small):
    model, X = small
    rows, background = X.dropna().iloc[:3], X.dropna().sample(20, random_state=0)
    weights = np.array([1.0, -2.0, 0.5, 3.0])

    def linear(frame):
        return frame.to_numpy() @ weights

    expected = (rows.to_numpy() - background.to_numpy().mean(axis=0)) * weights   # phi_i = w_i (x_i - E[x_i])
    np.testing.assert_allclose(attributions.sampled_shapley(linear, rows, background, permutations=3), expected, atol=1e-9)
    np.testing.assert_allclose(attributions.interventional_brute_force(linear, rows.iloc[0], background), expected[0],
                               atol=1e-9)

    def margin(frame):
        return model.predict(frame, output_margin=True)

    exact = pd.DataFrame([attributions.interventional_brute_force(margin, r, background) for _, r in rows.iterrows()],
                         index=rows.index)
    few = attributions.sampled_shapley(margin, rows, background, permutations=5)
    many = attributions.sampled_shapley(margin, rows, background, permutations=100)
    np.testing.assert_allclose(many.sum(axis=1), margin(rows) - margin(background).mean(), atol=1e-6)  # efficiency
    assert (many - exact).abs().to_numpy().mean() < (few - exact).abs().to_numpy().mean()
