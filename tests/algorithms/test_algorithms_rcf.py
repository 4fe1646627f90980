"""randomcutforest: SageMaker's hyperparameters and formats, the robust random cut tree itself (cuts
by range, expected collusive displacement checked against a Monte Carlo of the insertion it stands
for), a training job, and the quality bar: injected anomalies in a sensor stream ranked on top (AUC),
side by side with scikit-learn's IsolationForest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest

from algorithm_support import metrics, train as train_algorithm
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError
from helpers.algorithms.metrics import roc_auc
from helpers.algorithms.random_cut_forest import RandomCutForest, build_forest, three_sigma_threshold, tree_samples

RCF = RandomCutForest()


def write_csv(directory: Path, values: np.ndarray, name: str = "part-0.csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    np.savetxt(directory / name, values, delimiter=",", fmt="%.17g")
    return directory


def train(channels: dict, hps: dict, model_dir: Path) -> list[str]:
    return train_algorithm(RCF, channels, hps, model_dir)


def sensor_stream(n: int = 4000, n_anomalies: int = 24, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Three sensors sampled every 5 minutes for two weeks: temperature with a daily cycle, vibration
    that follows temperature, pressure with its own cycle. Anomalies: temperature spikes, vibration
    off its relation with temperature, pressure jumps (one third each). Returns (x (n, 3), is_anomaly (n,))."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    temp = 20 + 3 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 0.3, n)
    vibration = 1.0 + 0.4 * (temp - 20) + rng.normal(0, 0.15, n)
    pressure = 5 + 0.5 * np.cos(2 * np.pi * t / 288) + rng.normal(0, 0.1, n)
    x = np.column_stack([temp, vibration, pressure])
    y = np.zeros(n, dtype=int)
    where = rng.choice(np.arange(100, n), n_anomalies, replace=False)
    for k, i in enumerate(where):
        sensor, size = [(0, (3, 5)), (1, (1.0, 1.6)), (2, (0.8, 1.2))][k % 3]
        x[i, sensor] += rng.choice([-1, 1]) * rng.uniform(*size)
        y[i] = 1
    return x, y


# ---------------------------------------------------------------------------------- hyperparameters


def test_hyperparameters_follow_sagemaker():
    values = RCF.validate_hyperparameters({"feature_dim": "3"})
    assert values["num_trees"] == 100 and values["num_samples_per_tree"] == 256
    assert values["eval_metrics"] == ["accuracy", "precision_recall_fscore"]
    assert RCF.validate_hyperparameters({"feature_dim": 3, "eval_metrics": '["accuracy"]'})["eval_metrics"] == ["accuracy"]
    with pytest.raises(HyperparameterError, match=r"Missing required hyperparameter 'feature_dim' for randomcutforest"):
        RCF.validate_hyperparameters({"num_trees": "100"})
    with pytest.raises(HyperparameterError, match=r"'num_trees': value '49' not in range \[50, 1000\]"):
        RCF.validate_hyperparameters({"feature_dim": "3", "num_trees": "49"})
    with pytest.raises(HyperparameterError, match=r"'num_samples_per_tree': value '2049' not in range \[1, 2048\]"):
        RCF.validate_hyperparameters({"feature_dim": "3", "num_samples_per_tree": "2049"})
    with pytest.raises(HyperparameterError, match=r"'feature_dim': value '10001' not in range \[1, 10000\]"):
        RCF.validate_hyperparameters({"feature_dim": "10001"})
    with pytest.raises(HyperparameterError, match=r"'num_trees': value 'many' is not an integer"):
        RCF.validate_hyperparameters({"feature_dim": "3", "num_trees": "many"})
    with pytest.raises(HyperparameterError, match=r"'eval_metrics': value '\[\"f1\"\]' is not valid"):
        RCF.validate_hyperparameters({"feature_dim": "3", "eval_metrics": '["f1"]'})
    with pytest.raises(HyperparameterError, match=r"'num_tree' is not supported by randomcutforest\. Did you mean 'num_trees'\?"):
        RCF.validate_hyperparameters({"feature_dim": "3", "num_tree": "50"})


# ---------------------------------------------------------------------------------------- the trees


def test_trees_are_robust_random_cut_trees():
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(5, 64, 3)) * np.array([1.0, 5.0, 0.2])
    sample[0, :10] = sample[0, 0]  # copies of one point end in one leaf
    forest = build_forest(sample, np.random.default_rng(1))
    assert forest.num_trees == 5 and forest.mass[forest.roots].tolist() == [64.0] * 5
    inner = np.flatnonzero(forest.left >= 0)
    leaves = np.flatnonzero(forest.left < 0)
    l, r = forest.left[inner], forest.right[inner]
    assert np.array_equal(forest.mass[inner], forest.mass[l] + forest.mass[r])
    # children's boxes lie inside the parent's and on their side of its cut
    for child in (l, r):
        assert (forest.low[child] >= forest.low[inner]).all() and (forest.high[child] <= forest.high[inner]).all()
    d = forest.dim[inner]
    assert (forest.high[l, d] <= forest.cut[inner]).all() and (forest.low[r, d] > forest.cut[inner]).all()
    assert ((forest.cut[inner] >= forest.low[inner, d]) & (forest.cut[inner] < forest.high[inner, d])).all()
    # leaves are single points (boxes of size zero); the ten copies share one leaf of mass 10
    assert np.array_equal(forest.low[leaves], forest.high[leaves])
    assert forest.mass[leaves].sum() == 5 * 64 and 10.0 in forest.mass[leaves]


def test_cut_dimension_is_chosen_in_proportion_to_range():
    rng = np.random.default_rng(0)
    sample = np.stack([np.column_stack([rng.uniform(0, 10, 32), rng.uniform(0, 1, 32)]) for _ in range(2000)])
    forest = build_forest(sample, np.random.default_rng(3))
    ranges = forest.high[forest.roots] - forest.low[forest.roots]
    expected = np.mean(ranges[:, 0] / ranges.sum(axis=1))
    observed = np.mean(forest.dim[forest.roots] == 0)
    print(f"\nroot cuts on the wide dimension: {observed:.3f} (range share {expected:.3f})")
    assert observed == pytest.approx(expected, abs=0.03)


def monte_carlo_codisp(forest, tree: int, x: np.ndarray, rng: np.random.Generator, draws: int) -> float:
    """Insert x into the tree by the paper's random insertion, many times, and average its collusive
    displacement in the resulting tree (an implementation independent of Forest.codisp)."""
    total = 0.0
    for _ in range(draws):
        node, ancestors = forest.roots[tree], []  # (sibling mass, mass of x's side) along the way
        while True:
            lo, hi = forest.low[node], forest.high[node]
            grown_lo, grown_hi = np.minimum(lo, x), np.maximum(hi, x)
            span = grown_hi - grown_lo
            if span.sum() > 0:
                u = rng.random() * span.sum()  # a dimension with probability ~ its range, a uniform cut in it
                d = min(int(np.searchsorted(np.cumsum(span), u, side="right")), len(x) - 1)
                cut = grown_lo[d] + rng.random() * span[d]
                if (x[d] <= cut < lo[d]) or (hi[d] <= cut < x[d]):  # the cut separates x from the box
                    ratios = [forest.mass[node]] + [s / (c + 1) for s, c in ancestors]
                    total += max(ratios)
                    break
            if forest.left[node] < 0:  # x is a copy of the leaf's point
                total += max([0.0] + [s / (c + 1) for s, c in ancestors])
                break
            go_left = x[forest.dim[node]] <= forest.cut[node]
            child, sibling = (forest.left[node], forest.right[node]) if go_left else (forest.right[node], forest.left[node])
            ancestors.append((forest.mass[sibling], forest.mass[child]))
            node = child
    return total / draws


def test_score_is_the_expected_collusive_displacement_of_random_insertion():
    rng = np.random.default_rng(5)
    sample = rng.normal(size=(1, 40, 2))
    forest = build_forest(sample, np.random.default_rng(6))
    points = np.array([[0.1, -0.2], [2.5, 2.5], [8.0, 0.0], sample[0, 7], [-1.0, 1.5]])
    exact = forest._codisp(points)[:, 0]
    mc = np.array([monte_carlo_codisp(forest, 0, p, np.random.default_rng(i), 5000) for i, p in enumerate(points)])
    print("\nexpected CoDisp:", np.round(exact, 3), "\nMonte Carlo:     ", np.round(mc, 3))
    assert exact == pytest.approx(mc, rel=0.05, abs=0.05)
    assert exact[2] == max(exact) and exact[2] > 5 * exact[0]  # the far point displaces the most


def test_samples_per_tree_are_disjoint_when_the_data_allows():
    x = np.arange(600.0).reshape(300, 2)
    parts = tree_samples(x, 3, 100, np.random.default_rng(0))
    assert parts.shape == (3, 100, 2) and len(np.unique(parts[:, :, 0])) == 300
    small = tree_samples(x[:50], 3, 100, np.random.default_rng(0))
    assert small.shape == (3, 50, 2) and all(len(np.unique(t[:, 0])) == 50 for t in small)


# ------------------------------------------------------------------------------------ training data


def test_bad_training_data_and_channels(tmp_path):
    x, y = sensor_stream(300, 6)
    with pytest.raises(DataFormatError, match=r"4 columns, but feature_dim=3 means 3 columns: .*drop the label column"):
        train({"train": write_csv(tmp_path / "labelled", np.column_stack([y, x]))}, {"feature_dim": 3}, tmp_path / "m")
    (tmp_path / "nan").mkdir()
    (tmp_path / "nan" / "a.csv").write_text("1,2,3\n4,,6\n")
    with pytest.raises(DataFormatError, match=r"file 'a.csv', row 2, column 2: is empty"):
        train({"train": tmp_path / "nan"}, {"feature_dim": 3}, tmp_path / "m")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match=r"Channel 'train' is empty"):
        train({"train": tmp_path / "empty"}, {"feature_dim": 3}, tmp_path / "m")
    test_dir = write_csv(tmp_path / "test", np.column_stack([y * 2, x]))
    with pytest.raises(DataFormatError, match=r"Channel 'test', file 'part-0.csv', row \d+: anomaly label \(1 anomaly, 0 normal\) 2\.0"):
        train({"train": write_csv(tmp_path / "train", x), "test": test_dir}, {"feature_dim": 3}, tmp_path / "m")
    assert not (tmp_path / "m" / "model.json").exists()


def test_test_channel_metrics_use_the_three_sigma_rule(tmp_path):
    x, y = sensor_stream(1500, 12, seed=3)
    chans = {"train": write_csv(tmp_path / "train", x[:1000]), "test": write_csv(tmp_path / "test", np.column_stack([y, x]))}
    lines = train(chans, {"feature_dim": 3, "num_trees": 50, "num_samples_per_tree": 128}, tmp_path / "model")
    logged = metrics(lines)
    assert set(logged) == {"test:accuracy", "test:precision", "test:recall", "test:f1"} == set(RCF.metric_names)
    scores = RCF.model_fn(tmp_path / "model").codisp(x)
    flagged = scores > scores.mean() + 3 * scores.std()
    precision = (flagged & (y == 1)).sum() / flagged.sum()
    recall = (flagged & (y == 1)).sum() / y.sum()
    assert logged["test:accuracy"] == pytest.approx(np.mean(flagged == (y == 1)))
    assert (logged["test:precision"], logged["test:recall"]) == pytest.approx((precision, recall))
    assert logged["test:f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    only_accuracy = train(chans, {"feature_dim": 3, "num_trees": 50, "eval_metrics": '["accuracy"]'}, tmp_path / "m2")
    assert set(metrics(only_accuracy)) == {"test:accuracy"}
    for definition in RCF.metric_definitions():
        assert definition["Regex"].startswith(f"#metrics {definition['Name']}=")


# ------------------------------------------------------------------------------------ inference


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("rcf")
    x, _ = sensor_stream(1000, 0, seed=1)
    RCF.train({"train": write_csv(root / "train", x)}, {"feature_dim": "3", "num_trees": "50"}, root / "model",
              log=lambda line: None)
    return RCF.model_fn(root / "model")


def test_request_formats_give_the_same_scores(model):
    rows = [[20.0, 1.0, 5.0], [26.0, 1.0, 5.5]]
    bodies = [
        (b"20.0,1.0,5.0\n26,1,5.5\n", "text/csv"),
        (json.dumps({"instances": [{"features": r} for r in rows]}).encode(), "application/json"),
        (json.dumps({"instances": [{"data": {"features": {"keys": [0, 1, 2], "shape": [3], "values": r}}} for r in rows]}).encode(),
         "application/json"),
        ("\n".join(json.dumps({"features": r}) for r in rows).encode(), "application/jsonlines"),
    ]
    answers = [RCF.output_fn(RCF.predict_fn(RCF.input_fn(body, ct), model), "application/json") for body, ct in bodies]
    assert len({a for a in answers}) == 1 and answers[0][1] == "application/json"
    scores = json.loads(answers[0][0])["scores"]
    assert [set(s) for s in scores] == [{"score"}, {"score"}]
    assert scores[1]["score"] > 3 * scores[0]["score"]  # the 26-degree reading is far off the data
    body, mime = RCF.output_fn(RCF.predict_fn(RCF.input_fn(bodies[0][0], "text/csv"), model), "application/jsonlines")
    assert mime == "application/jsonlines" and [json.loads(line) for line in body.decode().splitlines()] == scores


RCF_ERRORS = {
    "feature count": (b"1,2", "text/csv", None, 400, r"must have 3 features \(the model's feature_dim\), got 2"),
    "label left in": (b"0,1,2,3", "text/csv", None, 400, r"got 4\. Send the features only, without the label column"),
    "nan": (b"1,nan,3", "text/csv", None, 400, r"Record 1, feature 2 is 'nan'"),
    "sparse shape": (b'{"instances": [{"data": {"features": {"keys": [0], "shape": [4], "values": [1]}}}]}',
                     "application/json", None, 400, r"must have 3 features .*got 4"),
    "unsupported type": (b"1,2,3", "application/x-npy", None, 415, r"Content type 'application/x-npy' is not supported"),
    "csv accept": (b"1,2,3", "text/csv", "text/csv", 406, r"Accept type 'text/csv' is not supported"),
}


@pytest.mark.parametrize("case", sorted(RCF_ERRORS))
def test_bad_requests_get_the_right_status(model, case):
    body, content_type, accept, status, pattern = RCF_ERRORS[case]
    with pytest.raises(InferenceError, match=pattern) as err:
        RCF.output_fn(RCF.predict_fn(RCF.input_fn(body, content_type), model), accept)
    assert err.value.status_code == status


# ----------------------------------------------------------------------------------- quality bar


def test_quality_bar_injected_anomalies_rank_on_top_and_agree_with_isolation_forest(tmp_path):
    x, y = sensor_stream()
    train({"train": write_csv(tmp_path / "train", x)}, {"feature_dim": 3}, tmp_path / "model")  # SageMaker's defaults
    scores = RCF.model_fn(tmp_path / "model").codisp(x)
    isolation = -IsolationForest(random_state=0).fit(x).score_samples(x)  # higher = more anomalous
    auc_rcf, auc_iso = roc_auc(y, scores), roc_auc(y, isolation)
    rho = spearmanr(scores, isolation).statistic
    threshold = three_sigma_threshold(scores)
    flagged = scores > threshold
    hits = int((flagged & (y == 1)).sum())
    top = np.argsort(-scores)[: y.sum()]
    print(f"\nsensor stream, {len(y)} readings, {y.sum()} injected anomalies"
          f"\n  ROC AUC: random cut forest {auc_rcf:.3f} | isolation forest {auc_iso:.3f}"
          f"\n  Spearman rank correlation of the two scores: {rho:.3f}"
          f"\n  anomalies among the top {y.sum()} RCF scores: {int(y[top].sum())}"
          f"\n  mean + 3 std threshold {threshold:.2f}: {flagged.sum()} flagged, {hits} of them injected "
          f"(precision {hits / max(flagged.sum(), 1):.2f}, recall {hits / y.sum():.2f})")
    assert auc_rcf >= 0.95
    assert rho > 0.5
    assert hits >= 0.75 * y.sum()


# ------------------------------------------------------------------------------ as a training job


@pytest.fixture
def registered(flywheel_home, monkeypatch):
    from helpers.platform import builtins

    monkeypatch.delenv(builtins.ENV, raising=False)
    builtins.register("randomcutforest", "helpers.algorithms.random_cut_forest:RandomCutForest")
    yield
    builtins.unregister("randomcutforest")


def test_runs_as_a_local_training_job_and_fails_with_file_and_row(registered, tmp_path):
    from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, image_uris, storage

    x, y = sensor_stream(600, 6)
    session = Session(region="us-east-1")
    inputs = [InputData(channel_name="train", data_source=session.upload_data(write_csv(tmp_path / "train", x), key_prefix="rcf/train"),
                        content_type="text/csv"),
              InputData(channel_name="test", data_source=session.upload_data(
                  write_csv(tmp_path / "test", np.column_stack([y, x])), key_prefix="rcf/test"), content_type="text/csv")]
    image = image_uris.retrieve("randomcutforest", "us-east-1")
    trainer = ModelTrainer(training_image=image, hyperparameters={"feature_dim": 3, "num_trees": 50})
    trainer.train(input_data_config=inputs, logs=False)
    described = trainer.latest_training_job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert {m["MetricName"] for m in described["FinalMetricDataList"]} == set(RCF.metric_names)
    assert storage.s3_to_path(described["ModelArtifacts"]["S3ModelArtifacts"]).is_file()

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "readings.csv").write_text("20.1,1.0,5.0\n20.3,high,5.1\n")
    bad = session.upload_data(tmp_path / "bad", key_prefix="rcf/bad")
    with pytest.raises(FailedStatusError) as info:
        ModelTrainer(training_image=image, hyperparameters={"feature_dim": 3}).train(
            input_data_config=[InputData(channel_name="train", data_source=bad, content_type="text/csv")], logs=False)
    assert "readings.csv" in info.value.failure_reason and "row 2" in info.value.failure_reason
