"""xgboost: SageMaker's hyperparameters on the real xgboost library; metrics equal to calling xgboost
directly with the same parameters; SageMaker's response formats."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from algorithm_support import channel, csv_body, invoke, train
from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError, InferenceError

XGB = algorithms.get("xgboost")


def logged_history(lines: list[str]) -> dict[str, list[float]]:
    """Every value of every ``#metrics`` line, in order."""
    out: dict[str, list[float]] = {}
    for line in lines:
        if line.startswith("#metrics "):
            key, _, value = line[len("#metrics "):].partition("=")
            out.setdefault(key, []).append(float(value))
    return out


def data(loader, tmp_path, stratify=True):
    x, y = loader(return_X_y=True)
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y if stratify else None)
    chans = {"train": channel(tmp_path, "train", xtr, ytr), "validation": channel(tmp_path, "validation", xva, yva)}
    return chans, (xtr, ytr, xva, yva)


def direct(params: dict, xtr, ytr, xva, yva, rounds: int, **kwargs):
    """xgboost.train called directly, as a learner would without the platform."""
    result: dict = {}
    booster = xgb.train(params, xgb.DMatrix(xtr, label=ytr), num_boost_round=rounds,
                        evals=[(xgb.DMatrix(xtr, label=ytr), "train"), (xgb.DMatrix(xva, label=yva), "validation")],
                        evals_result=result, verbose_eval=False, **kwargs)
    return booster, result


# ---------------------------------------------------------------------------------- hyperparameters


def test_sagemaker_rules_for_xgboost_hyperparameters():
    with pytest.raises(HyperparameterError, match=r"Missing required hyperparameter 'num_round' for xgboost: the number of boosting rounds"):
        XGB.validate_hyperparameters({"objective": "binary:logistic"})
    with pytest.raises(HyperparameterError, match=r"'num_class' for xgboost: objective 'multi:softprob' needs it"):
        XGB.validate_hyperparameters({"num_round": 5, "objective": "multi:softprob"})
    with pytest.raises(HyperparameterError, match=r"'num_class' is only for multi:softmax / multi:softprob, not objective 'binary:logistic'"):
        XGB.validate_hyperparameters({"num_round": 5, "objective": "binary:logistic", "num_class": 2})
    with pytest.raises(HyperparameterError, match=r"'objective': value 'reg:linear' is not valid \('reg:linear' was renamed 'reg:squarederror'"):
        XGB.validate_hyperparameters({"num_round": 5, "objective": "reg:linear"})
    with pytest.raises(HyperparameterError, match=r"'eta': value '1.5' not in range \[0, 1\]"):
        XGB.validate_hyperparameters({"num_round": 5, "eta": "1.5"})
    with pytest.raises(HyperparameterError, match=r"'subsample': value '0' not in range \(0, 1\]"):
        XGB.validate_hyperparameters({"num_round": 5, "subsample": "0"})
    with pytest.raises(HyperparameterError, match=r"'eval_metric': value 'auc,acuracy' is not valid \('acuracy' is not one of"):
        XGB.validate_hyperparameters({"num_round": 5, "objective": "binary:logistic", "eval_metric": "auc,acuracy"})
    with pytest.raises(HyperparameterError, match=r"'eval_metric': 'auc' applies to classification only"):
        XGB.validate_hyperparameters({"num_round": 5, "eval_metric": "auc"})
    values = XGB.validate_hyperparameters({"num_round": "5", "eval_metric": "rmse, error@0.7", "max_depth": "3"})
    assert values["eval_metric"] == ["rmse", "error@0.7"] and values["max_depth"] == 3
    assert values["objective"] == "reg:squarederror" and values["eta"] is None  # None: XGBoost's own default


def test_early_stopping_needs_a_validation_channel(tmp_path):
    chans, _ = data(load_breast_cancer, tmp_path)
    with pytest.raises(HyperparameterError, match="'early_stopping_rounds' watches the validation score: add a 'validation' channel"):
        train("xgboost", {"train": chans["train"]}, {"num_round": 5, "early_stopping_rounds": 2}, tmp_path / "m")


# ------------------------------------------------------------------------ same as xgboost directly


CASES = {
    "binary": (load_breast_cancer, True, {"objective": "binary:logistic", "eval_metric": "auc,logloss", "max_depth": "3",
                                          "eta": "0.2", "subsample": "0.8", "colsample_bytree": "0.7", "seed": "7"}),
    "regression": (load_diabetes, False, {"max_depth": "4", "eta": "0.1", "min_child_weight": "2", "lambda": "2"}),
    "multiclass": (load_wine, True, {"objective": "multi:softprob", "num_class": "3", "eval_metric": "mlogloss,merror",
                                     "max_depth": "2"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_metrics_and_predictions_equal_xgboost_called_directly(tmp_path, case):
    loader, stratify, hps = CASES[case]
    chans, (xtr, ytr, xva, yva) = data(loader, tmp_path, stratify)
    lines = train("xgboost", chans, {"num_round": "25", **hps}, tmp_path / "m")
    params = {k: (int(v) if v.isdigit() else float(v) if v.replace(".", "").isdigit() else v) for k, v in hps.items()}
    if "eval_metric" in params:
        params["eval_metric"] = params["eval_metric"].split(",")
    booster, result = direct(params, xtr, ytr, xva, yva, 25)
    history = logged_history(lines)
    expected = {f"{channel}:{metric}": values for channel, scores in result.items() for metric, values in scores.items()}
    assert history == expected  # exact: every round, every metric
    final = {name: values[-1] for name, values in expected.items() if name.startswith("validation:")}
    print(f"\nxgboost {case}: final validation metrics {final} (platform == direct xgboost)")
    model = XGB.model_fn(tmp_path / "m")
    ours = np.array([r["score"] for r in XGB.predict_fn(xva, model)])
    assert np.array_equal(ours, booster.predict(xgb.DMatrix(xva)))
    assert [line for line in lines if line.startswith("#progress")][-1] == "#progress epoch=25/25"


def test_early_stopping_keeps_the_best_round(tmp_path):
    chans, (xtr, ytr, xva, yva) = data(load_breast_cancer, tmp_path)
    hps = {"num_round": "200", "objective": "binary:logistic", "eval_metric": "logloss", "eta": "0.5",
           "early_stopping_rounds": "5"}
    lines = train("xgboost", chans, hps, tmp_path / "m")
    booster, result = direct({"objective": "binary:logistic", "eval_metric": ["logloss"], "eta": 0.5},
                             xtr, ytr, xva, yva, 200, early_stopping_rounds=5)
    best = booster.best_iteration
    model = XGB.model_fn(tmp_path / "m")
    assert model.booster.num_boosted_rounds() == best + 1 < 200
    assert logged_history(lines)["validation:logloss"][-1] == result["validation"]["logloss"][best]
    assert any(f"keeping round {best + 1} of" in line for line in lines)


def test_the_containers_own_metrics(tmp_path):
    chans, (xtr, ytr, xva, yva) = data(load_breast_cancer, tmp_path)
    lines = train("xgboost", chans, {"num_round": "10", "objective": "binary:logistic", "eval_metric": "accuracy,f1,auc"},
                  tmp_path / "m")
    history = logged_history(lines)
    prob = np.array([r["score"] for r in XGB.predict_fn(xva, XGB.model_fn(tmp_path / "m"))])
    # xgboost prints custom metrics with 6 decimals
    assert history["validation:accuracy"][-1] == pytest.approx(accuracy_score(yva, prob > 0.5), abs=1e-6)
    assert history["validation:f1"][-1] == pytest.approx(f1_score(yva, prob > 0.5, average="macro"), abs=1e-6)
    assert "validation:auc" in history


def test_csv_weights_take_the_second_column(tmp_path):
    x, y = load_diabetes(return_X_y=True)
    w = np.linspace(0.5, 2.0, len(y))
    chans = {"train": channel(tmp_path, "train", np.column_stack([w, x]), y)}
    lines = train("xgboost", chans, {"num_round": "5", "csv_weights": "1"}, tmp_path / "m")
    booster = xgb.train({}, xgb.DMatrix(x, label=y, weight=w), 5)
    model = XGB.model_fn(tmp_path / "m")
    assert model.feature_dim == 10
    assert np.array_equal([r["score"] for r in XGB.predict_fn(x[:5], model)], booster.predict(xgb.DMatrix(x[:5])))
    assert "train:rmse" in logged_history(lines)


# ------------------------------------------------------------------------------- response formats


def test_responses_csv_by_default_json_on_request(tmp_path, monkeypatch):
    chans, (_, _, xva, _) = data(load_breast_cancer, tmp_path)
    train("xgboost", chans, {"num_round": "3", "objective": "binary:logistic"}, tmp_path / "m")
    model = XGB.model_fn(tmp_path / "m")
    scores = [r["score"] for r in XGB.predict_fn(xva[:3], model)]
    body, mime = invoke("xgboost", model, csv_body(xva[:3]), "text/csv", None)
    assert mime == "text/csv" and body.decode() == ",".join(repr(s) for s in scores)  # one line, as SageMaker
    monkeypatch.setenv("SAGEMAKER_BATCH", "true")  # batch transform: one line per record
    body, _ = invoke("xgboost", model, csv_body(xva[:3]), "text/csv", "text/csv")
    assert body.decode().splitlines() == [repr(s) for s in scores]
    body, mime = invoke("xgboost", model, csv_body(xva[:3]), "text/csv", "application/json")
    assert mime == "application/json" and json.loads(body) == {"predictions": [{"score": s} for s in scores]}
    body, mime = invoke("xgboost", model, csv_body(xva[:3]), "text/csv", "application/jsonlines")
    assert [json.loads(line) for line in body.decode().splitlines()] == [{"score": s} for s in scores]
    with pytest.raises(InferenceError) as err:
        invoke("xgboost", model, b'{"instances": [[1, 2]]}', "application/json", None)
    assert err.value.status_code == 415 and "Supported content types: text/csv" in str(err.value)


def test_softprob_answers_one_row_of_probabilities_per_record(tmp_path):
    chans, (_, _, xva, _) = data(load_wine, tmp_path)
    train("xgboost", chans, {"num_round": "3", "objective": "multi:softprob", "num_class": "3"}, tmp_path / "m")
    model = XGB.model_fn(tmp_path / "m")
    body, _ = invoke("xgboost", model, csv_body(xva[:2]), "text/csv", "text/csv")
    rows = [[float(v) for v in line.split(",")] for line in body.decode().splitlines()]
    assert len(rows) == 2 and all(len(r) == 3 and sum(r) == pytest.approx(1.0) for r in rows)
    body, _ = invoke("xgboost", model, csv_body(xva[:2]), "text/csv", "application/json")
    assert [p["score"] for p in json.loads(body)["predictions"]] == rows


def test_labels_outside_the_objectives_range_name_the_row(tmp_path):
    x, y = load_wine(return_X_y=True)
    from helpers.algorithms.errors import DataFormatError

    with pytest.raises(DataFormatError, match=r"row 131: label 2.0 is not a class index 0..1"):
        train("xgboost", {"train": channel(tmp_path, "train", x, y)}, {"num_round": 2, "objective": "multi:softmax",
                                                                       "num_class": 2}, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"label -1.0 is not valid for objective 'count:poisson'"):
        train("xgboost", {"train": channel(tmp_path, "t2", x, -np.ones(len(x)))}, {"num_round": 2, "objective": "count:poisson"},
              tmp_path / "m")
