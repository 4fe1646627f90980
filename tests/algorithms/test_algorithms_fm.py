"""factorization-machines: SageMaker's hyperparameters, sparse JSON formats, responses, a training job,
and the quality bar: on the MovieLens-shaped ratings, FM beats the user/item-bias baseline RMSE."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from algorithm_support import metrics, train as train_algorithm
from helpers import data
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError
from helpers.algorithms.recordio import write_spmatrix_to_sparse_tensor
from helpers.algorithms.factorization_machines import (FactorizationMachines, FMModel, one_hot_rows, parse_records,
                                                       to_json_request, to_jsonlines)

FM = FactorizationMachines()
VALID = {"feature_dim": "6", "num_factors": "2", "predictor_type": "binary_classifier"}


def write(directory: Path, text: str, name: str = "part-0.jsonl") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def train(channels: dict, hps: dict, model_dir: Path) -> list[str]:
    return train_algorithm(FM, channels, hps, model_dir)


def planted(n: int = 2000, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """One-hot (user, item) pairs, 20 users x 30 items, with a rating made of a user x item
    interaction only (rank 2), which no bias-only or linear model can fit."""
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, 20, n), rng.integers(0, 30, n)
    p, q = rng.normal(size=(20, 2)), rng.normal(size=(30, 2))
    y = 3.0 + (p[users] * q[items]).sum(axis=1) + 0.05 * rng.normal(size=n)
    return one_hot_rows([users, items], [20, 30]), y


def fm_by_pairs(model: FMModel, x: np.ndarray) -> np.ndarray:
    """y(x) = w0 + sum w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j, summed pair by pair (independent of the model)."""
    out = []
    for row in x:
        total = model.bias + row @ model.linear
        for i in range(len(row)):
            for j in range(i + 1, len(row)):
                total += model.factors[i] @ model.factors[j] * row[i] * row[j]
        out.append(total)
    return np.array(out)


# ---------------------------------------------------------------------------------- hyperparameters


def test_hyperparameters_follow_sagemaker():
    values = FM.validate_hyperparameters(VALID)
    assert values["epochs"] == 1 and values["mini_batch_size"] == 1000
    assert (values["bias_lr"], values["linear_lr"], values["factors_lr"]) == (0.1, 0.001, 0.0001)
    assert (values["bias_wd"], values["linear_wd"], values["factors_wd"]) == (0.01, 0.001, 0.00001)
    assert values["factors_init_method"] == "normal" and values["factors_init_sigma"] == 0.001
    for key in ("feature_dim", "num_factors", "predictor_type"):
        with pytest.raises(HyperparameterError, match=rf"Missing required hyperparameter '{key}' for factorization-machines"):
            FM.validate_hyperparameters({k: v for k, v in VALID.items() if k != key})
    with pytest.raises(HyperparameterError, match=r"'num_factor' is not supported .*Did you mean 'num_factors'\?"):
        FM.validate_hyperparameters({**VALID, "num_factor": "4"})
    with pytest.raises(HyperparameterError, match=r"'predictor_type': value 'multiclass_classifier' is not one of 'binary_classifier', 'regressor'"):
        FM.validate_hyperparameters({**VALID, "predictor_type": "multiclass_classifier"})
    with pytest.raises(HyperparameterError, match=r"'factors_lr': value '-0\.1' not in range \[0, inf\)"):
        FM.validate_hyperparameters({**VALID, "factors_lr": "-0.1"})
    with pytest.raises(HyperparameterError, match=r"'num_factors': value 'ten' is not an integer"):
        FM.validate_hyperparameters({**VALID, "num_factors": "ten"})
    with pytest.raises(HyperparameterError, match=r"'epochs': value '0' not in range \[1, inf\)"):
        FM.validate_hyperparameters({**VALID, "epochs": "0"})


def test_init_methods_need_their_parameter():
    with pytest.raises(HyperparameterError, match=r"'factors_init_scale' .*factors_init_method='uniform' needs it"):
        FM.validate_hyperparameters({**VALID, "factors_init_method": "uniform"})
    with pytest.raises(HyperparameterError, match=r"'bias_init_value' .*bias_init_method='constant' needs it"):
        FM.validate_hyperparameters({**VALID, "bias_init_method": "constant"})
    values = FM.validate_hyperparameters({**VALID, "linear_init_method": "uniform", "linear_init_scale": "0.05",
                                          "bias_init_method": "constant", "bias_init_value": "3.5"})
    assert values["linear_init_scale"] == 0.05 and values["bias_init_value"] == 3.5


# ------------------------------------------------------------------------------------ training data


BAD_LINES = {
    "not json": ('{"label": 1, "features": ', r"row 2 is not valid JSON"),
    "no label": ('{"features": {"keys": [0], "shape": [6], "values": [1]}}', r"row 2: no \"label\""),
    "label not 0/1": ('{"label": 2, "features": {"keys": [0], "shape": [6], "values": [1]}}', r"row 2: label 2 is not 0 or 1"),
    "key outside shape": ('{"label": 1, "features": {"keys": [6], "shape": [6], "values": [1]}}', r"row 2: key 6 is outside 0\.\.5"),
    "keys and values": ('{"label": 1, "features": {"keys": [0, 1], "shape": [6], "values": [1]}}', r'row 2: .*"keys" has 2 entries but "values" has 1'),
    "duplicate key": ('{"label": 1, "features": {"keys": [3, 3], "shape": [6], "values": [1, 1]}}', r"row 2: .*key 3 appears more than once"),
    "no shape": ('{"label": 1, "features": {"keys": [3], "values": [1]}}', r'row 2: .*sparse features need "shape"'),
    "nan value": ('{"label": 1, "features": {"keys": [3], "shape": [6], "values": [NaN]}}', r"row 2: .*holds NaN or infinity"),
    "text value": ('{"label": 1, "features": {"keys": [3], "shape": [6], "values": ["high"]}}', r'row 2: .*"values" must be a list of numbers'),
    "wrong feature_dim": ('{"label": 1, "features": {"keys": [3], "shape": [7], "values": [1]}}', r"row 2: 7 features, but feature_dim=6.*set feature_dim=7"),
    "dense wrong length": ('{"label": 1, "features": [1, 0, 0]}', r"row 2: 3 features, but feature_dim=6"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_jsonlines_name_channel_file_and_row(tmp_path, case):
    good = '{"label": 0, "features": {"keys": [0, 4], "shape": [6], "values": [1, 1]}}'
    line, pattern = BAD_LINES[case]
    chans = {"train": write(tmp_path / "train", good + "\n" + line + "\n")}
    with pytest.raises(DataFormatError, match=rf"Channel 'train', file 'part-0.jsonl', {pattern}"):
        train(chans, VALID, tmp_path / "model")
    assert not (tmp_path / "model" / "model.json").exists()


def test_bad_csv_and_channels(tmp_path):
    write(tmp_path / "csv", "1,0,0,1,0,0,0\n0,1,0,0,nan,0,0\n", "a.csv")
    with pytest.raises(DataFormatError, match=r"file 'a.csv', row 2, column 5: 'nan' is not a finite number"):
        train({"train": tmp_path / "csv"}, VALID, tmp_path / "m")
    write(tmp_path / "cols", "1,0,0,1,0,0\n", "a.csv")
    with pytest.raises(DataFormatError, match=r"6 columns, but feature_dim=6 means 7 columns: the label in column 1"):
        train({"train": tmp_path / "cols"}, VALID, tmp_path / "m")
    write(tmp_path / "mixed", "1,0,0,1,0,0,0\n", "a.csv")
    write(tmp_path / "mixed", '{"label": 1, "features": [0, 0, 1, 0, 0, 0]}\n', "b.jsonl")
    with pytest.raises(DataFormatError, match=r"mixes CSV \('a.csv'\) and JSON Lines \('b.jsonl'\)"):
        train({"train": tmp_path / "mixed"}, VALID, tmp_path / "m")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match=r"Channel 'train' is empty: no files"):
        train({"train": tmp_path / "empty"}, VALID, tmp_path / "m")
    write(tmp_path / "blank", "\n\n", "a.jsonl")
    with pytest.raises(DataFormatError, match=r"Channel 'train' is empty: its 1 file\(s\) hold no records"):
        train({"train": tmp_path / "blank"}, VALID, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"needs a 'train' channel"):
        train({}, VALID, tmp_path / "m")
    with pytest.raises(DataFormatError, match=r"does not read channel\(s\) 'validation'"):
        train({"train": tmp_path / "cols", "validation": tmp_path / "cols"}, VALID, tmp_path / "m")


def test_csv_and_sparse_jsonlines_train_the_same_model(tmp_path):
    x, y = planted(300)
    y = (y > 3).astype(float)
    dense = np.column_stack([y, x.toarray()])
    (tmp_path / "csv").mkdir()
    np.savetxt(tmp_path / "csv" / "d.csv", dense, delimiter=",", fmt="%g")
    write(tmp_path / "json", to_jsonlines(x, y))
    hps = {"feature_dim": 50, "num_factors": 2, "predictor_type": "binary_classifier", "epochs": 3, "mini_batch_size": 50}
    lines_csv = train({"train": tmp_path / "csv"}, hps, tmp_path / "m_csv")
    lines_json = train({"train": tmp_path / "json"}, hps, tmp_path / "m_json")
    assert metrics(lines_csv) == metrics(lines_json)
    a, b = FM.model_fn(tmp_path / "m_csv"), FM.model_fn(tmp_path / "m_json")
    assert np.array_equal(a.factors, b.factors) and a.bias == b.bias


# -------------------------------------------------------------------------------------- training


def test_learns_a_planted_interaction_no_linear_model_can(tmp_path):
    x, y = planted()
    chans = {"train": write(tmp_path / "train", to_jsonlines(x[:1500], y[:1500])),
             "test": write(tmp_path / "test", to_jsonlines(x[1500:], y[1500:]))}
    hps = {"feature_dim": 50, "num_factors": 4, "predictor_type": "regressor", "epochs": 60, "mini_batch_size": 100,
           "bias_lr": 0.05, "linear_lr": 0.02, "factors_lr": 0.02, "bias_wd": 0, "linear_wd": 0, "factors_wd": 0,
           "factors_init_sigma": 0.1}
    lines = train(chans, hps, tmp_path / "model")
    rmse = metrics(lines)["test:rmse"]
    # The best any bias/linear model can do here: the per-user + per-item least-squares fit on the test rows.
    linear = np.linalg.lstsq(x[1500:].toarray(), y[1500:], rcond=None)[0]
    linear_rmse = float(np.sqrt(np.mean((x[1500:] @ linear - y[1500:]) ** 2)))
    print(f"\nplanted rank-2 interaction: FM test RMSE {rmse:.3f}, best linear fit (on the test rows) {linear_rmse:.3f}")
    assert rmse < 0.35 * linear_rmse
    progress = [line for line in lines if line.startswith("#progress")]
    assert progress[0] == "#progress epoch=1/60" and progress[-1] == "#progress epoch=60/60"
    train_rmse = [v for line in lines if line.startswith("#metrics train:rmse=") for v in [float(line.split("=")[1])]]
    assert len(train_rmse) == 60 and train_rmse[-1] < 0.5 * train_rmse[0]


def test_model_scores_are_the_factorization_machine_formula(tmp_path):
    x, y = planted(400, seed=3)
    chans = {"train": write(tmp_path / "train", to_jsonlines(x, (y > 3).astype(int)))}
    train(chans, {"feature_dim": 50, "num_factors": 3, "predictor_type": "binary_classifier", "epochs": 2,
                  "mini_batch_size": 64, "factors_init_sigma": 0.1}, tmp_path / "model")
    model = FM.model_fn(tmp_path / "model")
    rng = np.random.default_rng(0)
    x_dense = rng.normal(size=(5, 50)) * (rng.random((5, 50)) < 0.2)  # arbitrary real values, not only one-hot
    raw = fm_by_pairs(model, x_dense)
    assert model.raw(x_dense) == pytest.approx(raw, rel=1e-9, abs=1e-12)
    records = FM.predict_fn(FM.input_fn(to_json_request(x_dense), "application/json"), model)
    assert [r["score"] for r in records] == pytest.approx((1 / (1 + np.exp(-raw))).tolist())
    assert [r["predicted_label"] for r in records] == [int(s >= 0.5) for s in 1 / (1 + np.exp(-raw))]


def test_binary_classifier_metrics_and_definitions(tmp_path):
    x, y = planted(1200, seed=5)
    labels = (y > 3).astype(int)
    chans = {"train": write(tmp_path / "train", to_jsonlines(x[:900], labels[:900])),
             "test": write(tmp_path / "test", to_jsonlines(x[900:], labels[900:]))}
    lines = train(chans, {"feature_dim": 50, "num_factors": 4, "predictor_type": "binary_classifier", "epochs": 40,
                          "mini_batch_size": 100, "bias_lr": 0.05, "linear_lr": 0.02, "factors_lr": 0.02,
                          "factors_init_sigma": 0.1, "bias_wd": 0, "linear_wd": 0, "factors_wd": 0}, tmp_path / "m")
    logged = metrics(lines)
    assert set(logged) == {"train:binary_classification_cross_entropy", "test:binary_classification_accuracy",
                           "test:binary_classification_cross_entropy", "test:binary_f_beta"}
    model = FM.model_fn(tmp_path / "m")
    scores = model.scores(x[900:])
    assert logged["test:binary_classification_accuracy"] == pytest.approx(np.mean((scores >= 0.5) == (labels[900:] == 1)))
    print(f"\nplanted interaction, binary: test accuracy {logged['test:binary_classification_accuracy']:.3f}")
    assert logged["test:binary_classification_accuracy"] > 0.85
    definitions = FM.metric_definitions()
    for line in lines:
        if line.startswith("#metrics "):
            name = line[len("#metrics "):].split("=")[0]
            (regex,) = [d["Regex"] for d in definitions if d["Name"] == name]
            assert float(re.search(regex, line).group(1)) == float(line.split("=")[1])


# ------------------------------------------------------------------------------------ inference


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("fm")
    x, y = planted(300, seed=1)
    out = {}
    for kind, labels in (("binary_classifier", (y > 3).astype(int)), ("regressor", y)):
        write(root / kind / "train", to_jsonlines(x, labels))
        FM.train({"train": root / kind / "train"}, {"feature_dim": 50, "num_factors": 2, "predictor_type": kind,
                                                    "epochs": 2}, root / kind / "model", log=lambda line: None)
        out[kind] = FM.model_fn(root / kind / "model")
    return out


def test_request_formats_give_the_same_scores(models):
    model = models["regressor"]
    dense = np.zeros((2, 50))
    dense[0, [3, 25]] = 1
    dense[1, [7, 40]] = [1, 0.5]
    bodies = [
        (to_json_request(dense), "application/json"),
        (json.dumps({"instances": [{"features": row.tolist()} for row in dense]}).encode(), "application/json"),
        (json.dumps({"instances": [{"data": {"features": {"values": row.tolist()}}} for row in dense]}).encode(), "application/json"),
        (b'{"data": {"features": {"keys": [3, 25], "shape": [50], "values": [1, 1]}}}\n'
         b'{"features": {"keys": [40, 7], "shape": [50], "values": [0.5, 1]}}\n', "application/jsonlines"),
    ]
    answers = [FM.output_fn(FM.predict_fn(FM.input_fn(body, ct), model), "application/json")[0] for body, ct in bodies]
    assert len(set(answers)) == 1
    records = json.loads(answers[0])["predictions"]
    assert set(records[0]) == {"score"}  # regressor: score only
    assert [r["score"] for r in records] == pytest.approx(model.raw(dense).tolist())


def test_response_shapes_per_accept(models):
    body = to_json_request(np.eye(50)[:3])
    model = models["binary_classifier"]
    payload, mime = FM.output_fn(FM.predict_fn(FM.input_fn(body, "application/json"), model), None)
    assert mime == "application/json"
    records = json.loads(payload)["predictions"]
    assert len(records) == 3 and all(set(r) == {"score", "predicted_label"} for r in records)
    assert all(r["predicted_label"] == int(r["score"] >= 0.5) for r in records)
    payload, mime = FM.output_fn(FM.predict_fn(FM.input_fn(body, "application/json"), model), "application/jsonlines")
    assert mime == "application/jsonlines"
    assert [json.loads(line) for line in payload.decode().splitlines()] == records


REQUEST_ERRORS = {
    "csv (SageMaker's FM takes none)": (b"0,1,0", "text/csv", None, 415, r"Content type 'text/csv' is not supported by factorization-machines"),
    "bad json": (b'{"instances": [', "application/json", None, 400, r"not valid JSON"),
    "no instances": (b'{"rows": []}', "application/json", None, 400, r'needs a non-empty "instances" list'),
    "empty": (b" ", "application/json", None, 400, r"body is empty"),
    "wrong shape": (b'{"instances": [{"data": {"features": {"keys": [1], "shape": [49], "values": [1]}}}]}',
                    "application/json", None, 400, r"must have 50 features \(the model's feature_dim\), got 49"),
    "key outside": (b'{"instances": [{"data": {"features": {"keys": [50], "shape": [50], "values": [1]}}}]}',
                    "application/json", None, 400, r"Record 1: key 50 is outside 0\.\.49"),
    "nan": (b'{"features": {"keys": [1], "shape": [50], "values": [NaN]}}', "application/jsonlines", None, 400,
            r"Record 1: \"values\" holds NaN"),
    "ragged": (b'{"features": [1, 0]}\n{"features": [1, 0, 0]}', "application/jsonlines", None, 400,
               r"Record 2 has 3 features but record 1 has 2"),
    "no features": (b'{"instances": [{"x": [1]}]}', "application/json", None, 400, r"Record 1: no features"),
    "accept csv": (to_json_request(np.eye(50)[:1]), "application/json", "text/csv", 406, r"Accept type 'text/csv' is not supported"),
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
def test_bad_requests_get_the_right_status(models, case):
    body, content_type, accept, status, pattern = REQUEST_ERRORS[case]
    model = models["binary_classifier"]
    with pytest.raises(InferenceError, match=pattern) as err:
        FM.output_fn(FM.predict_fn(FM.input_fn(body, content_type), model), accept)
    assert err.value.status_code == status


def test_parse_records_and_one_hot_helpers():
    x = parse_records(b'{"instances": [{"data": {"features": {"keys": [4, 0], "shape": [5], "values": [2, 1]}}}]}',
                      "application/json")
    assert x.toarray().tolist() == [[1, 0, 0, 0, 2]]
    rows = one_hot_rows([np.array([0, 2]), np.array([1, 0])], [3, 2])
    assert rows.toarray().tolist() == [[1, 0, 0, 0, 1], [0, 0, 1, 1, 0]]
    with pytest.raises(ValueError, match=r"codes must lie in 0\.\.1"):
        one_hot_rows([np.array([0]), np.array([2])], [3, 2])
    assert json.loads(to_jsonlines(rows, [4, 5]).splitlines()[1]) == {
        "label": 5.0, "features": {"keys": [2, 3], "shape": [5], "values": [1.0, 1.0]}}


# ----------------------------------------------------------------------------------- quality bar


def bias_baseline(u, i, r, train, test, n_users, n_items, lam):
    """Regularised user + item biases (alternating least squares): the recommender baseline."""
    mu = r[train].mean()
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    for _ in range(15):
        bi = np.bincount(i[train], r[train] - mu - bu[u[train]], n_items) / (np.bincount(i[train], minlength=n_items) + lam)
        bu = np.bincount(u[train], r[train] - mu - bi[i[train]], n_users) / (np.bincount(u[train], minlength=n_users) + lam)
    return float(np.sqrt(np.mean((mu + bu[u[test]] + bi[i[test]] - r[test]) ** 2)))


def test_quality_bar_fm_beats_the_bias_baseline_on_ratings(tmp_path):
    ratings = data.load("ratings")
    u, i = ratings.user_id.to_numpy() - 1, ratings.item_id.to_numpy() - 1
    r = ratings.rating.to_numpy().astype(float)
    n_users, n_items = int(u.max()) + 1, int(i.max()) + 1
    test = np.random.default_rng(0).random(len(r)) < 0.2
    train_rows = ~test
    # The baseline gets its best regularisation, chosen on the held-out rows themselves (an optimistic baseline).
    baselines = {lam: bias_baseline(u, i, r, train_rows, test, n_users, n_items, lam) for lam in (1, 3, 5, 10, 25)}
    best_lam = min(baselines, key=baselines.get)
    x = one_hot_rows([u, i], [n_users, n_items])
    chans = {"train": write(tmp_path / "train", to_jsonlines(x[train_rows], r[train_rows])),
             "test": write(tmp_path / "test", to_jsonlines(x[test], r[test]))}
    hps = {"feature_dim": n_users + n_items, "num_factors": 16, "predictor_type": "regressor", "epochs": 20,
           "mini_batch_size": 500, "bias_lr": 0.1, "linear_lr": 0.005, "factors_lr": 0.003, "bias_wd": 0,
           "linear_wd": 0.0001, "factors_wd": 0.0003, "factors_init_sigma": 0.05}
    fm_rmse = metrics(train(chans, hps, tmp_path / "model"))["test:rmse"]
    global_mean = float(np.sqrt(np.mean((r[train_rows].mean() - r[test]) ** 2)))
    print(f"\nratings ({train_rows.sum()} train / {test.sum()} held out): RMSE global mean {global_mean:.4f}, "
          f"user+item biases {baselines[best_lam]:.4f} (lambda={best_lam}), factorization machine {fm_rmse:.4f}")
    assert math.isfinite(fm_rmse) and fm_rmse < baselines[best_lam] - 0.01


# ------------------------------------------------------------------------------ as a training job


@pytest.fixture
def registered(flywheel_home, monkeypatch):
    from helpers.platform import builtins

    monkeypatch.delenv(builtins.ENV, raising=False)
    builtins.register("factorization-machines", "helpers.algorithms.factorization_machines:FactorizationMachines")
    yield
    builtins.unregister("factorization-machines")


def test_runs_as_a_local_training_job_and_fails_with_file_and_row(registered, tmp_path):
    from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, image_uris, storage

    x, y = planted(300, seed=2)
    session = Session(region="us-east-1")
    # SageMaker's FM trains on RecordIO-protobuf only, its default content type: no content_type needed
    uri = session.upload_data(write_protobuf(tmp_path / "train", x, y), key_prefix="fm/train")
    image = image_uris.retrieve("factorization-machines", "us-east-1")
    hps = {"feature_dim": 50, "num_factors": 2, "predictor_type": "regressor", "epochs": 2}
    trainer = ModelTrainer(training_image=image, hyperparameters=hps)
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri)], logs=False)
    described = trainer.latest_training_job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert {m["MetricName"] for m in described["FinalMetricDataList"]} == {"train:rmse"}
    assert storage.s3_to_path(described["ModelArtifacts"]["S3ModelArtifacts"]).is_file()

    bad = write_protobuf(tmp_path / "bad", x[:3], y[:3])
    wide = io.BytesIO()
    write_spmatrix_to_sparse_tensor(wide, sp.csr_matrix(np.ones((1, 51), dtype=np.float32)), np.ones(1, dtype=np.float32))
    with (bad / "part-0.pbr").open("ab") as handle:
        handle.write(wide.getvalue())  # record 4: 51 features where the others have 50
    bad_uri = session.upload_data(bad, key_prefix="fm/bad")
    with pytest.raises(FailedStatusError) as info:
        ModelTrainer(training_image=image, hyperparameters=hps).train(
            input_data_config=[InputData(channel_name="train", data_source=bad_uri)], logs=False)
    assert "part-0.pbr" in info.value.failure_reason and "record 4" in info.value.failure_reason

    csv_uri = session.upload_data(write(tmp_path / "csv", "1,0,1\n"), key_prefix="fm/csv")
    with pytest.raises(FailedStatusError) as info:  # SageMaker's FM refuses CSV for training
        ModelTrainer(training_image=image, hyperparameters=hps).train(
            input_data_config=[InputData(channel_name="train", data_source=csv_uri, content_type="text/csv")], logs=False)
    assert "'text/csv'" in info.value.failure_reason and "write_numpy_to_dense_tensor" in info.value.failure_reason


def write_protobuf(directory, x, y):
    """A channel of one RecordIO-protobuf file of sparse float32 records with labels."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "part-0.pbr").open("wb") as handle:
        write_spmatrix_to_sparse_tensor(handle, sp.csr_matrix(x, dtype=np.float32), np.asarray(y, dtype=np.float32))
    return directory
