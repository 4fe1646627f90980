"""linear-learner: SageMaker's hyperparameters, response formats, and quality against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from algorithm_support import channel, csv_body, invoke, metrics, train
from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError, InferenceError

LL = algorithms.get("linear-learner")


def split(loader, stratify=True, seed=0):
    x, y = loader(return_X_y=True)
    return train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y if stratify else None)


# ---------------------------------------------------------------------------------- hyperparameters


def test_multiclass_needs_num_classes_in_range():
    with pytest.raises(HyperparameterError, match=r"Missing required hyperparameter 'num_classes' .* when predictor_type is 'multiclass_classifier'"):
        LL.validate_hyperparameters({"predictor_type": "multiclass_classifier", "feature_dim": 4})
    with pytest.raises(HyperparameterError, match=r"'num_classes': value '2' not in range \[3, 1000000\]"):
        LL.validate_hyperparameters({"predictor_type": "multiclass_classifier", "feature_dim": 4, "num_classes": "2"})
    values = LL.validate_hyperparameters({"predictor_type": "multiclass_classifier", "feature_dim": 4, "num_classes": "3"})
    assert values["num_classes"] == 3 and values["loss"] == "auto" and values["epochs"] == 15
    assert values["mini_batch_size"] == 1000 and values["normalize_data"] is True and values["num_models"] == "auto"


def test_predictor_type_and_loss_must_fit_together():
    with pytest.raises(HyperparameterError, match=r"'predictor_type': value 'classifier' is not one of 'binary_classifier', "
                                                  r"'multiclass_classifier', 'regressor'\. Did you mean 'binary_classifier'\?"):
        LL.validate_hyperparameters({"predictor_type": "classifier", "feature_dim": 4})
    with pytest.raises(HyperparameterError, match=r"'loss': value 'logistic' does not fit predictor_type 'regressor'\. Valid values: 'auto', 'squared_loss'"):
        LL.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": 4, "loss": "logistic"})
    with pytest.raises(HyperparameterError, match=r"'positive_example_weight_mult': value 'heavy' is not valid .*'balanced', 'auto' or a positive float"):
        LL.validate_hyperparameters({"predictor_type": "binary_classifier", "feature_dim": 4, "positive_example_weight_mult": "heavy"})
    with pytest.raises(HyperparameterError, match=r"'learning_rate': value '0' not in range \(0, inf\)\. Valid values: 'auto' or float in \(0, inf\)"):
        LL.validate_hyperparameters({"predictor_type": "regressor", "feature_dim": 4, "learning_rate": "0"})


def test_a_tuning_job_trains_one_model(tmp_path):
    x, y = load_diabetes(return_X_y=True)
    lines = train("linear-learner", {"train": channel(tmp_path, "train", x[:100], y[:100])},
                  {"predictor_type": "regressor", "feature_dim": 10, "epochs": 2,
                   "_tuning_objective_metric": "validation:rmse"}, tmp_path / "m")
    assert "1 model trained in parallel" in lines[0]
    assert "8 models trained in parallel" in train("linear-learner", {"train": tmp_path / "train"},
                                           {"predictor_type": "regressor", "feature_dim": 10, "epochs": 2}, tmp_path / "m2")[0]


# ----------------------------------------------------------------------------------- quality bars


def test_binary_classifier_is_within_one_percent_of_logistic_regression(tmp_path):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    sk = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(xtr, ytr)
    sk_acc, sk_auc = accuracy_score(yte, sk.predict(xte)), roc_auc_score(yte, sk.predict_proba(xte)[:, 1])
    lines = train("linear-learner", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  {"predictor_type": "binary_classifier", "feature_dim": 30, "mini_batch_size": 100}, tmp_path / "m")
    got = metrics(lines)
    print(f"\nbreast cancer test accuracy: linear-learner {got['test:binary_classification_accuracy']:.4f}, "
          f"scikit-learn {sk_acc:.4f}; AUC {got['test:roc_auc_score']:.4f} vs {sk_auc:.4f}")
    assert got["test:binary_classification_accuracy"] >= 0.99 * sk_acc
    assert got["test:roc_auc_score"] >= 0.99 * sk_auc
    # The logged metrics are those of the saved model.
    model = LL.model_fn(tmp_path / "m")
    records = LL.predict_fn(xte, model)
    assert np.mean([r["predicted_label"] for r in records] == yte) == pytest.approx(got["test:binary_classification_accuracy"])
    assert roc_auc_score(yte, [r["score"] for r in records]) == pytest.approx(got["test:roc_auc_score"])


def test_regressor_is_within_one_percent_of_linear_regression(tmp_path):
    xtr, xte, ytr, yte = split(load_diabetes, stratify=False)
    sk_rmse = mean_squared_error(yte, LinearRegression().fit(xtr, ytr).predict(xte)) ** 0.5
    lines = train("linear-learner", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  {"predictor_type": "regressor", "feature_dim": 10}, tmp_path / "m")
    got = metrics(lines)
    print(f"\ndiabetes test RMSE: linear-learner {got['test:rmse']:.3f}, scikit-learn LinearRegression {sk_rmse:.3f}")
    assert got["test:rmse"] <= 1.01 * sk_rmse
    assert got["test:mse"] == pytest.approx(got["test:rmse"] ** 2)
    assert got["test:objective_loss"] == pytest.approx(got["test:mse"])  # squared loss, in label units
    scores = [r["score"] for r in LL.predict_fn(xte, LL.model_fn(tmp_path / "m"))]
    assert mean_squared_error(yte, scores) ** 0.5 == pytest.approx(got["test:rmse"])


def test_multiclass_classifier_is_within_one_percent_of_logistic_regression(tmp_path):
    # Digits (10 classes, 450 test rows): large enough for a 1% comparison to mean something.
    xtr, xte, ytr, yte = split(load_digits)
    xa, xv, ya, yv = train_test_split(xtr, ytr, test_size=0.2, random_state=1, stratify=ytr)
    sk_acc = accuracy_score(yte, make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(xtr, ytr).predict(xte))
    chans = {"train": channel(tmp_path, "train", xa, ya), "validation": channel(tmp_path, "validation", xv, yv),
             "test": channel(tmp_path, "test", xte, yte)}
    lines = train("linear-learner", chans, {"predictor_type": "multiclass_classifier", "num_classes": 10,
                                            "feature_dim": 64, "mini_batch_size": 32, "epochs": 30}, tmp_path / "m")
    got = metrics(lines)
    print(f"\ndigits test accuracy: linear-learner {got['test:multiclass_accuracy']:.4f} (trained on 80% of the training "
          f"rows, 20% for model selection), scikit-learn LogisticRegression on all of them {sk_acc:.4f}")
    assert got["test:multiclass_accuracy"] >= 0.99 * sk_acc
    assert {"validation:objective_loss", "validation:macro_f_beta", "validation:dcg", "test:multiclass_top_k_accuracy"} <= set(got)


# ------------------------------------------------------------------------------- response formats


def test_response_shapes_for_each_predictor_type(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    cases = {
        "binary_classifier": (x[:, 0] > 0).astype(float),
        "multiclass_classifier": np.digitize(x[:, 0], [-0.5, 0.5]).astype(float),
        "regressor": 2 * x[:, 0] - x[:, 1] + 5,
    }
    for kind, y in cases.items():
        hps = {"predictor_type": kind, "feature_dim": 3, "epochs": 5}
        if kind == "multiclass_classifier":
            hps["num_classes"] = 3
        train("linear-learner", {"train": channel(tmp_path / kind, "train", x, y)}, hps, tmp_path / kind / "m")
        model = LL.model_fn(tmp_path / kind / "m")
        body, mime = invoke("linear-learner", model, csv_body(x[:2]), "text/csv", "application/json")
        records = json.loads(body)["predictions"]
        assert mime == "application/json" and len(records) == 2
        if kind == "regressor":
            assert set(records[0]) == {"score"} and isinstance(records[0]["score"], float)
        elif kind == "binary_classifier":
            assert set(records[0]) == {"score", "predicted_label"}
            assert 0 <= records[0]["score"] <= 1 and records[0]["predicted_label"] in (0, 1)
        else:
            assert len(records[0]["score"]) == 3 and sum(records[0]["score"]) == pytest.approx(1.0)
            assert records[0]["predicted_label"] == int(np.argmax(records[0]["score"]))
        lines_body, mime = invoke("linear-learner", model, csv_body(x[:2]), "text/csv", "application/jsonlines")
        assert mime == "application/jsonlines"
        assert [json.loads(line) for line in lines_body.decode().splitlines()] == records
        with pytest.raises(InferenceError) as err:  # linear-learner answers JSON, JSON Lines (and recordIO), not CSV
            invoke("linear-learner", model, csv_body(x[:2]), "text/csv", "text/csv")
        assert err.value.status_code == 406


# ------------------------------------------------------------------------------ training behaviour


@pytest.mark.parametrize("loss", ["absolute_loss", "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "huber_loss"])
def test_robust_regression_losses_fit_a_line(tmp_path, loss):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = 3 * x[:, 0] - 2 * x[:, 1] + 10 + rng.normal(scale=0.1, size=400)
    lines = train("linear-learner", {"train": channel(tmp_path, "train", x, y), "test": channel(tmp_path, "test", x, y)},
                  {"predictor_type": "regressor", "feature_dim": 2, "loss": loss, "mini_batch_size": 50, "epochs": 20}, tmp_path / "m")
    assert metrics(lines)["test:rmse"] < 0.5


def test_quantile_loss_predicts_the_quantile(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2000, 1))
    y = x[:, 0] + rng.normal(size=2000)
    train("linear-learner", {"train": channel(tmp_path, "train", x, y)},
          {"predictor_type": "regressor", "feature_dim": 1, "loss": "quantile_loss", "quantile": 0.9,
           "mini_batch_size": 100, "epochs": 20}, tmp_path / "m")
    scores = np.array([r["score"] for r in LL.predict_fn(x, LL.model_fn(tmp_path / "m"))])
    share_below = float(np.mean(y < scores))
    print(f"\nquantile_loss with quantile=0.9: {share_below:.3f} of labels below the prediction")
    assert 0.85 < share_below < 0.95


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("loss", ["logistic", "hinge_loss"])
def test_optimizers_and_classification_losses_learn(tmp_path, optimizer, loss):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    lines = train("linear-learner", {"train": channel(tmp_path, "train", xtr, ytr), "test": channel(tmp_path, "test", xte, yte)},
                  {"predictor_type": "binary_classifier", "feature_dim": 30, "optimizer": optimizer, "loss": loss,
                   "mini_batch_size": 64, "l1": "0.001", "init_method": "normal"}, tmp_path / "m")
    assert metrics(lines)["test:binary_classification_accuracy"] > 0.9


def test_threshold_is_calibrated_for_the_selection_criterion(tmp_path):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    chans = {"train": channel(tmp_path, "train", xtr, ytr), "validation": channel(tmp_path, "validation", xte, yte)}
    lines = train("linear-learner", chans, {"predictor_type": "binary_classifier", "feature_dim": 30, "mini_batch_size": 64,
                                            "binary_classifier_model_selection_criteria": "recall_at_target_precision",
                                            "target_precision": 0.99}, tmp_path / "m")
    got = metrics(lines)
    assert got["validation:precision"] >= 0.99
    model = LL.model_fn(tmp_path / "m")
    assert model.threshold != 0.5


def test_early_stopping_on_validation_loss(tmp_path):
    xtr, xte, ytr, yte = split(load_breast_cancer)
    chans = {"train": channel(tmp_path, "train", xtr, ytr), "validation": channel(tmp_path, "validation", xte, yte)}
    lines = train("linear-learner", chans, {"predictor_type": "binary_classifier", "feature_dim": 30, "epochs": 200,
                                            "mini_batch_size": 32, "early_stopping_patience": 2,
                                            "early_stopping_tolerance": 0.05}, tmp_path / "m")
    stopped = [line for line in lines if "early stopping after epoch" in line]
    assert stopped
    last = [line for line in lines if line.startswith("#progress")][-1]
    assert last != "#progress epoch=200/200"


def test_training_is_deterministic(tmp_path):
    x, y = load_diabetes(return_X_y=True)
    hps = {"predictor_type": "regressor", "feature_dim": 10, "epochs": 3}
    train("linear-learner", {"train": channel(tmp_path, "train", x, y)}, hps, tmp_path / "a")
    train("linear-learner", {"train": tmp_path / "train"}, hps, tmp_path / "b")
    assert (tmp_path / "a" / "model.npz").read_bytes() == (tmp_path / "b" / "model.npz").read_bytes()
    assert (tmp_path / "a" / "model.json").read_text() == (tmp_path / "b" / "model.json").read_text()
