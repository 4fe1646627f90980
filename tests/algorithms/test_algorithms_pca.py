"""pca: SageMaker's hyperparameters and response format; explained variance against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA as SKPCA

from algorithm_support import channel, csv_body, invoke, train
from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError, InferenceError

PCA = algorithms.get("pca")


def test_pca_hyperparameters():
    values = PCA.validate_hyperparameters({"feature_dim": "10", "mini_batch_size": "100", "num_components": "3"})
    assert values == {"feature_dim": 10, "mini_batch_size": 100, "num_components": 3, "algorithm_mode": "regular",
                      "extra_components": -1, "subtract_mean": True}
    with pytest.raises(HyperparameterError, match=r"'num_components': value 11 is more than feature_dim \(10\)"):
        PCA.validate_hyperparameters({"feature_dim": 10, "mini_batch_size": 100, "num_components": 11})
    with pytest.raises(HyperparameterError, match=r"'algorithm_mode': value 'random' is not one of 'regular', 'randomized'"):
        PCA.validate_hyperparameters({"feature_dim": 10, "mini_batch_size": 100, "num_components": 3, "algorithm_mode": "random"})
    with pytest.raises(HyperparameterError, match=r"'extra_components': value '-2' not in range \[-1, inf\)"):
        PCA.validate_hyperparameters({"feature_dim": 10, "mini_batch_size": 100, "num_components": 3, "extra_components": "-2"})


@pytest.mark.parametrize("loader", [load_breast_cancer, load_digits])
def test_regular_mode_matches_scikit_learn(tmp_path, loader):
    x = loader(return_X_y=True)[0]
    lines = train("pca", {"train": channel(tmp_path, "train", x)},
                  {"feature_dim": x.shape[1], "mini_batch_size": 128, "num_components": 5}, tmp_path / "m")
    model = PCA.model_fn(tmp_path / "m")
    sk = SKPCA(n_components=5, svd_solver="full").fit(x)
    worst = np.max(np.abs(model.explained_variance / sk.explained_variance_ - 1))
    print(f"\n{loader.__name__}: explained variance ratio {model.explained_variance_ratio.round(4).tolist()} "
          f"(scikit-learn {sk.explained_variance_ratio_.round(4).tolist()}), worst relative difference {worst:.1e}")
    assert worst < 1e-6
    np.testing.assert_allclose(model.explained_variance_ratio, sk.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(model.singular_values, sk.singular_values_, rtol=1e-6)
    projection = np.array([r["projection"] for r in PCA.predict_fn(x, model)])
    sk_projection = sk.transform(x)
    assert np.max(np.abs(projection - sk_projection)) < 1e-6 * np.abs(sk_projection).max()
    assert any("explained variance ratio" in line for line in lines)


def test_randomized_mode_is_close_to_the_exact_answer(tmp_path):
    x = load_digits(return_X_y=True)[0]
    train("pca", {"train": channel(tmp_path, "train", x)},
          {"feature_dim": 64, "mini_batch_size": 500, "num_components": 8, "algorithm_mode": "randomized"}, tmp_path / "m")
    model = PCA.model_fn(tmp_path / "m")
    sk = SKPCA(n_components=8, svd_solver="full").fit(x)
    worst = np.max(np.abs(model.explained_variance / sk.explained_variance_ - 1))
    print(f"\nrandomized PCA on digits: worst relative difference in explained variance {worst:.1e}")
    assert worst < 1e-4


def test_without_subtract_mean_the_data_is_not_centred(tmp_path):
    x = load_breast_cancer(return_X_y=True)[0][:, :6]
    train("pca", {"train": channel(tmp_path, "train", x)},
          {"feature_dim": 6, "mini_batch_size": 50, "num_components": 2, "subtract_mean": "false"}, tmp_path / "m")
    model = PCA.model_fn(tmp_path / "m")
    _, s, vt = np.linalg.svd(x, full_matrices=False)  # uncentred: the right singular vectors of x itself
    assert np.allclose(np.abs(model.components), np.abs(vt[:2]), rtol=1e-6, atol=1e-9)
    assert np.allclose(model.singular_values, s[:2], rtol=1e-6)
    assert np.allclose(model.project(x), x @ model.components.T)


def test_response_is_a_list_of_projections(tmp_path):
    x = load_breast_cancer(return_X_y=True)[0]
    train("pca", {"train": channel(tmp_path, "train", x)}, {"feature_dim": 30, "mini_batch_size": 100, "num_components": 3},
          tmp_path / "m")
    model = PCA.model_fn(tmp_path / "m")
    body, mime = invoke("pca", model, csv_body(x[:2]), "text/csv", "application/json")
    doc = json.loads(body)
    assert mime == "application/json" and list(doc) == ["projections"]
    np.testing.assert_allclose([p["projection"] for p in doc["projections"]], model.project(x[:2]), rtol=1e-12)
    body, mime = invoke("pca", model, csv_body(x[:2]), "text/csv", "application/jsonlines")
    assert [json.loads(line) for line in body.decode().splitlines()] == doc["projections"]
    with pytest.raises(InferenceError) as err:
        invoke("pca", model, csv_body(x[:2]), "text/csv", "text/csv")
    assert err.value.status_code == 406
