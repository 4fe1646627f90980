"""kmeans: SageMaker's hyperparameters and response formats; inertia against scikit-learn's KMeans."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.cluster import KMeans as SKKMeans
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

from algorithm_support import channel, csv_body, invoke, metrics, train
from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError
from helpers.algorithms.kmeans import squared_distances

KM = algorithms.get("kmeans")


def standardized(loader) -> np.ndarray:
    return StandardScaler().fit_transform(loader(return_X_y=True)[0])


def test_kmeans_hyperparameters():
    values = KM.validate_hyperparameters({"k": "4", "feature_dim": "2", "eval_metrics": '["msd","ssd"]'})
    assert values["eval_metrics"] == ["msd", "ssd"] and values["init_method"] == "random"
    assert values["mini_batch_size"] == 5000 and values["epochs"] == 1 and values["extra_center_factor"] == "auto"
    assert KM.validate_hyperparameters({"k": 4, "feature_dim": 2, "eval_metrics": ["ssd"]})["eval_metrics"] == ["ssd"]
    with pytest.raises(HyperparameterError, match=r"'eval_metrics': value 'mse' is not valid .*'\[\"msd\"\]'"):
        KM.validate_hyperparameters({"k": 4, "feature_dim": 2, "eval_metrics": "mse"})
    with pytest.raises(HyperparameterError, match=r"'init_method': value 'k-means\+\+' is not one of 'random', 'kmeans\+\+'\. Did you mean 'kmeans\+\+'\?"):
        KM.validate_hyperparameters({"k": 4, "feature_dim": 2, "init_method": "k-means++"})
    with pytest.raises(HyperparameterError, match=r"'local_lloyd_tol': value '2' not in range \[0, 1\]"):
        KM.validate_hyperparameters({"k": 4, "feature_dim": 2, "local_lloyd_tol": "2"})


def test_more_clusters_than_rows_is_refused(tmp_path):
    x = np.arange(12.0).reshape(4, 3)
    with pytest.raises(HyperparameterError, match=r"'k': value 5 is more than the 4 training rows"):
        train("kmeans", {"train": channel(tmp_path, "train", x)}, {"k": 5, "feature_dim": 3}, tmp_path / "m")


@pytest.mark.parametrize("loader,k", [(load_wine, 3), (load_breast_cancer, 5), (load_iris, 4)])
def test_inertia_matches_scikit_learn(tmp_path, loader, k):
    x = standardized(loader)
    lines = train("kmeans", {"train": channel(tmp_path, "train", x), "test": channel(tmp_path, "test", x)},
                  {"k": k, "feature_dim": x.shape[1], "eval_metrics": '["msd","ssd"]'}, tmp_path / "m")
    ours = metrics(lines)["test:ssd"]
    sk = SKKMeans(n_clusters=k, random_state=0, n_init=10).fit(x).inertia_
    print(f"\n{loader.__name__} k={k}: inertia kmeans {ours:.3f}, scikit-learn KMeans(n_init=10) {sk:.3f}, ratio {ours / sk:.4f}")
    assert ours <= 1.01 * sk
    model = KM.model_fn(tmp_path / "m")
    assert ours == pytest.approx(squared_distances(x, model.centers).min(axis=1).sum())
    assert metrics(lines)["test:msd"] == pytest.approx(ours / len(x))


@pytest.mark.parametrize("options", [
    {"init_method": "kmeans++", "epochs": "3", "mini_batch_size": "50", "half_life_time_size": "100"},
    {"extra_center_factor": "1", "local_lloyd_init_method": "random", "local_lloyd_num_trials": "2"},
])
def test_other_settings_still_cluster_well(tmp_path, options):
    x = standardized(load_wine)
    lines = train("kmeans", {"train": channel(tmp_path, "train", x)}, {"k": 3, "feature_dim": 13, **options}, tmp_path / "m")
    sk = SKKMeans(n_clusters=3, random_state=0, n_init=10).fit(x).inertia_
    assert metrics(lines)["train:ssd"] <= 1.05 * sk
    assert [line for line in lines if line.startswith("#progress")][-1] == f"#progress epoch={options.get('epochs', '1')}/{options.get('epochs', '1')}"


def test_responses_give_the_closest_cluster_and_its_distance(tmp_path):
    x = standardized(load_iris)
    train("kmeans", {"train": channel(tmp_path, "train", x)}, {"k": 3, "feature_dim": 4}, tmp_path / "m")
    model = KM.model_fn(tmp_path / "m")
    d = np.sqrt(squared_distances(x[:3], model.centers))
    body, mime = invoke("kmeans", model, csv_body(x[:3]), "text/csv", "application/json")
    records = json.loads(body)["predictions"]
    assert mime == "application/json"
    assert [r["closest_cluster"] for r in records] == [float(c) for c in d.argmin(axis=1)]
    assert [r["distance_to_cluster"] for r in records] == pytest.approx(d.min(axis=1).tolist())
    body, mime = invoke("kmeans", model, csv_body(x[:3]), "text/csv", "text/csv")
    assert mime == "text/csv"
    assert [[float(v) for v in line.split(",")] for line in body.decode().splitlines()] == \
        [[r["closest_cluster"], r["distance_to_cluster"]] for r in records]
    body, _ = invoke("kmeans", model, csv_body(x[:3]), "text/csv", "application/jsonlines")
    assert [json.loads(line) for line in body.decode().splitlines()] == records
