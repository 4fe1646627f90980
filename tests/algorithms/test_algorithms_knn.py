"""knn: SageMaker's hyperparameters and response formats; predictions against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from algorithm_support import channel, csv_body, invoke, metrics, train
from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError
from helpers.algorithms.knn import fwht

KNN = algorithms.get("knn")
BASE = {"feature_dim": 30, "k": 5, "predictor_type": "classifier", "sample_size": 10_000}


def split(loader):
    x, y = loader(return_X_y=True)
    return train_test_split(x, y, test_size=0.25, random_state=0)


def test_knn_hyperparameters():
    values = KNN.validate_hyperparameters({"feature_dim": "8", "k": "3", "predictor_type": "regressor", "sample_size": "500"})
    assert values["index_type"] == "faiss.Flat" and values["index_metric"] == "L2" and values["mini_batch_size"] == 5000
    with pytest.raises(HyperparameterError, match=r"Missing required hyperparameter 'dimension_reduction_target' .* when dimension_reduction_type is set"):
        KNN.validate_hyperparameters({**BASE, "dimension_reduction_type": "sign"})
    with pytest.raises(HyperparameterError, match=r"'dimension_reduction_target': value 30 not in range \(0, 30\)"):
        KNN.validate_hyperparameters({**BASE, "dimension_reduction_type": "fjlt", "dimension_reduction_target": 30})
    with pytest.raises(HyperparameterError, match=r"'index_metric': value 'COSINE' is not supported with index_type 'faiss.IVFPQ'"):
        KNN.validate_hyperparameters({**BASE, "index_type": "faiss.IVFPQ", "index_metric": "COSINE"})
    with pytest.raises(HyperparameterError, match=r"'faiss_index_pq_m': value '5' is not valid \(not one of 1, 2, 3, 4, 8"):
        KNN.validate_hyperparameters({**BASE, "faiss_index_pq_m": "5"})
    with pytest.raises(HyperparameterError, match=r"'index_type': value 'flat' is not one of 'faiss.Flat'"):
        KNN.validate_hyperparameters({**BASE, "index_type": "flat"})


def test_classifier_matches_scikit_learn(tmp_path):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    lines = train("knn", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  BASE, tmp_path / "m")
    sk = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(xtr, ytr)
    sk_accuracy = float(np.mean(sk.predict(xte) == yte))
    print(f"\nbreast cancer k=5 test accuracy: knn {metrics(lines)['test:accuracy']:.4f}, scikit-learn {sk_accuracy:.4f}")
    assert metrics(lines)["test:accuracy"] == pytest.approx(sk_accuracy)
    records = KNN.predict_fn(xte, KNN.model_fn(tmp_path / "m"))
    assert [r["predicted_label"] for r in records] == sk.predict(xte).astype(float).tolist()


def test_regressor_matches_scikit_learn(tmp_path):
    xtr, xte, ytr, yte = split(load_diabetes)
    hps = {"feature_dim": 10, "k": 7, "predictor_type": "regressor", "sample_size": 10_000}
    lines = train("knn", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  hps, tmp_path / "m")
    sk = KNeighborsRegressor(n_neighbors=7, algorithm="brute").fit(xtr, ytr).predict(xte)
    ours = [r["predicted_label"] for r in KNN.predict_fn(xte, KNN.model_fn(tmp_path / "m"))]
    np.testing.assert_allclose(ours, sk, rtol=1e-12)
    assert metrics(lines)["test:mse"] == pytest.approx(float(np.mean((sk - yte) ** 2)))


def test_cosine_metric_matches_scikit_learn(tmp_path):
    xtr, xte, ytr, _ = split(load_breast_cancer)
    train("knn", {"train": channel(tmp_path, "train", xtr, ytr)}, {**BASE, "index_metric": "COSINE"}, tmp_path / "m")
    sk = KNeighborsClassifier(n_neighbors=5, algorithm="brute", metric="cosine").fit(xtr, ytr)
    ours = [r["predicted_label"] for r in KNN.predict_fn(xte, KNN.model_fn(tmp_path / "m"))]
    assert np.mean(np.array(ours) == sk.predict(xte)) >= 0.99


def test_sample_size_limits_the_index(tmp_path):
    xtr, _, ytr, _ = split(load_breast_cancer)
    train("knn", {"train": channel(tmp_path, "train", xtr, ytr)}, {**BASE, "sample_size": 100}, tmp_path / "m")
    model = KNN.model_fn(tmp_path / "m")
    assert model.points.shape == (100, 30)
    with pytest.raises(HyperparameterError, match=r"'k': value 200 is more than the 100 points in the index"):
        train("knn", {"train": tmp_path / "train"}, {**BASE, "sample_size": 100, "k": 200}, tmp_path / "m2")


@pytest.mark.parametrize("reduction", ["sign", "fjlt"])
def test_dimension_reduction_keeps_most_of_the_accuracy(tmp_path, reduction):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    hps = {**BASE, "dimension_reduction_type": reduction, "dimension_reduction_target": 8}
    lines = train("knn", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  hps, tmp_path / "m")
    model = KNN.model_fn(tmp_path / "m")
    assert model.points.shape[1] == 8
    exact = float(np.mean(KNeighborsClassifier(5, algorithm="brute").fit(xtr, ytr).predict(xte) == yte))
    print(f"\n{reduction} to 8 dimensions: accuracy {metrics(lines)['test:accuracy']:.4f} (exact search {exact:.4f})")
    assert metrics(lines)["test:accuracy"] >= exact - 0.05


def test_fwht_is_the_orthonormal_hadamard_transform():
    from scipy.linalg import hadamard

    a = np.random.default_rng(0).normal(size=(3, 16))
    np.testing.assert_allclose(fwht(a), a @ hadamard(16) / 4.0, atol=1e-12)


def test_verbose_responses_list_the_neighbours(tmp_path):
    xtr, xte, ytr, _ = split(load_breast_cancer)
    train("knn", {"train": channel(tmp_path, "train", xtr, ytr)}, BASE, tmp_path / "m")
    model = KNN.model_fn(tmp_path / "m")
    body, mime = invoke("knn", model, csv_body(xte[:2]), "text/csv", "application/json")
    assert mime == "application/json" and all(set(r) == {"predicted_label"} for r in json.loads(body)["predictions"])
    body, _ = invoke("knn", model, csv_body(xte[:2]), "text/csv", "application/json; verbose=true")
    records = json.loads(body)["predictions"]
    distances, index = KNeighborsClassifier(5, algorithm="brute").fit(xtr, ytr).kneighbors(xte[:2])
    for record, d, i in zip(records, distances, index):
        assert record["distances"] == pytest.approx((d ** 2).tolist(), rel=1e-9)  # squared L2, as faiss reports
        assert record["labels"] == ytr[i].astype(float).tolist()
        assert record["distances"] == sorted(record["distances"])
    body, _ = invoke("knn", model, csv_body(xte[:2]), "text/csv", "application/jsonlines")
    assert [json.loads(line) for line in body.decode().splitlines()] == [{"predicted_label": r["predicted_label"]} for r in records]
