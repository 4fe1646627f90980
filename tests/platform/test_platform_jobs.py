"""Local training jobs end to end: the /opt/ml contract, script mode, a stand-in built-in algorithm,
failures, timeouts, metrics, artifacts, persistence, listing, parallel runs.

Every job here is a real subprocess doing very little, so each takes well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import textwrap

import pytest

from helpers.platform import (Compute, FailedStatusError, InputData, InputDataError, MetricDefinition, ModelTrainer,
                              Session, SourceCode, StoppedError, builtins, describe_training_job, jobs,
                              list_training_jobs, runner, storage)
from helpers.platform.configs import OutputDataConfig, StoppingCondition
from helpers.platform.errors import TimeoutExceededError
from helpers.algorithms.errors import HyperparameterError

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

# A tiny algorithm with the helpers.algorithms interface: sums the label column, checks its CSV the way
# the built-ins do (DataFormatError naming file and row), logs metrics and epochs.
FAKE_ALGORITHM = '''
import json, math
from pathlib import Path
from helpers.algorithms.errors import DataFormatError, HyperparameterError

class FakeAlgorithm:
    name = "fake-algo"
    image_repository = "fake-algo"
    required_channels = frozenset({"train"})
    supported_channels = frozenset({"train", "validation"})

    def validate_hyperparameters(self, hps):
        known = {"epochs", "mode"}
        unknown = sorted(set(hps) - known)
        if unknown:
            raise HyperparameterError(f"Additional hyperparameters are not allowed ({unknown[0]!r} was unexpected). "
                                      f"Allowed: {sorted(known)}")
        if "epochs" not in hps:
            raise HyperparameterError("Missing required hyperparameter: 'epochs' (an integer from 1 to 50).")
        try:
            epochs = int(hps["epochs"])
        except ValueError:
            raise HyperparameterError(f"Hyperparameter 'epochs' must be an integer from 1 to 50, got {hps['epochs']!r}.")
        if not 1 <= epochs <= 50:
            raise HyperparameterError(f"Hyperparameter 'epochs' must be from 1 to 50, got {epochs}.")
        return {"epochs": epochs, "mode": hps.get("mode", "ok")}

    def metric_definitions(self):
        return [{"Name": "train:objective_loss", "Regex": "#metrics train:objective_loss=([-+0-9.eE]+)"}]

    def train(self, channels, hyperparameters, model_dir, log=print):
        hps = self.validate_hyperparameters(hyperparameters)
        total = 0.0
        for path in sorted(Path(channels["train"]).iterdir()):
            for row, line in enumerate(path.read_text().splitlines(), start=1):
                try:
                    values = [float(v) for v in line.split(",")]
                except ValueError:
                    raise DataFormatError(f"channel 'train', file {path.name!r}, row {row}: not a number in {line!r}")
                if any(math.isnan(v) for v in values):
                    raise DataFormatError(f"channel 'train', file {path.name!r}, row {row}: NaN")
                total += values[0]
        if hps["mode"] == "crash":
            raise RuntimeError("the fake algorithm fell over")
        for epoch in range(1, hps["epochs"] + 1):
            log(f"#progress epoch={epoch}/{hps['epochs']}")
            log(f"#metrics train:objective_loss={1.0 / epoch}")
        Path(model_dir, "model.json").write_text(json.dumps({"total": total, "epochs": hps["epochs"]}))
'''

# A script-mode entry point that records what it saw, as a learner's train.py would read it.
PROBE_SCRIPT = '''
import argparse, json, os, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, default=1.0)
parser.add_argument("--depth", type=int, default=1)
parser.add_argument("--name", type=str, default="")
parser.add_argument("--mode", type=str, default="ok")
args = parser.parse_args()
print(f"alpha={args.alpha} depth={args.depth}")
if args.mode == "crash":
    rows = []
    rows[3]
if args.mode == "failure-file":
    with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as handle:
        handle.write("ClientError: the label column is missing")
    sys.exit(2)
if args.mode == "sleep":
    time.sleep(60)
seen = {
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "env": {k: v for k, v in os.environ.items() if k.startswith("SM_") or k.startswith("TRAINING_JOB")},
    "config": {name: json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], name)))
               for name in ("hyperparameters.json", "inputdataconfig.json", "resourceconfig.json")},
    "train_files": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])),
}
for epoch in range(1, 4):
    print(f"#progress epoch={epoch}/3")
    print(f"epoch={epoch} validation-rmse: {1.0 / epoch:.4f}")
with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as handle:
    json.dump(seen, handle)
os.makedirs(os.environ["SM_OUTPUT_DATA_DIR"], exist_ok=True)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "notes.txt"), "w") as handle:
    handle.write("extra output")
'''


@pytest.fixture
def workspace(flywheel_home, tmp_path, monkeypatch):
    """A learner's folder: src/train.py, train.csv uploaded, and the fake algorithm registered."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(textwrap.dedent(PROBE_SCRIPT))
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "junk.pyc").write_bytes(b"x")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "fakealgo.py").write_text(FAKE_ALGORITHM)
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv(builtins.ENV, "fake-algo=fakealgo:FakeAlgorithm")
    (tmp_path / "train.csv").write_text("1,0.5,2\n0,1.5,3\n1,2.5,1\n")
    session = Session(region="us-east-1")
    train_uri = session.upload_data(tmp_path / "train.csv", key_prefix="demo/train")
    return {"dir": tmp_path, "session": session, "train": train_uri, "home": flywheel_home}


def script_trainer(**kwargs) -> ModelTrainer:
    hyperparameters = kwargs.pop("hyperparameters", {"alpha": 0.5, "depth": 3, "name": "two words"})
    return ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="train.py"),
                        hyperparameters=hyperparameters, base_job_name="probe", **kwargs)


def train_channel(uri: str) -> list[InputData]:
    return [InputData(channel_name="train", data_source=uri, content_type="text/csv")]


# ------------------------------------------------------------------------------------- script mode

def test_script_mode_sees_the_sagemaker_contract(workspace, capsys):
    trainer = script_trainer()
    trainer.train(input_data_config=train_channel(workspace["train"]))
    job = trainer.latest_training_job
    assert trainer._latest_training_job is job  # the SDK's attribute name works too
    model_dir = job.job_dir / "opt" / "ml" / "model"
    seen = json.loads((model_dir / "seen.json").read_text())
    root = job.job_dir / "opt" / "ml"
    env = seen["env"]

    # Hyperparameters: strings in hyperparameters.json, `--name value` arguments, SM_HP_* and SM_HPS.
    assert seen["config"]["hyperparameters.json"] == {"alpha": "0.5", "depth": "3", "name": "two words"}
    assert seen["argv"] == ["--alpha", "0.5", "--depth", "3", "--name", "two words"]
    assert json.loads(env["SM_USER_ARGS"]) == seen["argv"]
    assert json.loads(env["SM_HPS"]) == {"alpha": 0.5, "depth": 3, "name": "two words"}
    assert (env["SM_HP_ALPHA"], env["SM_HP_DEPTH"], env["SM_HP_NAME"]) == ("0.5", "3", "two words")
    # Channels and the /opt/ml tree.
    assert json.loads(env["SM_CHANNELS"]) == ["train"]
    assert env["SM_CHANNEL_TRAIN"] == str(root / "input" / "data" / "train")
    assert seen["train_files"] == ["train.csv"]
    assert seen["config"]["inputdataconfig.json"] == {"train": {
        "ContentType": "text/csv", "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "None"}}
    resource = seen["config"]["resourceconfig.json"]
    assert resource["current_host"] == "algo-1" and resource["hosts"] == ["algo-1"]
    assert resource["current_instance_type"] == "ml.m5.xlarge"
    expected_dirs = {"SM_MODEL_DIR": "model", "SM_OUTPUT_DATA_DIR": "output/data", "SM_OUTPUT_DIR": "output",
                     "SM_INPUT_DIR": "input", "SM_INPUT_CONFIG_DIR": "input/config"}
    for key, relative in expected_dirs.items():
        assert env[key] == str(root / relative), key
    assert json.loads(env["SM_HOSTS"]) == ["algo-1"] and env["SM_CURRENT_HOST"] == "algo-1"
    assert int(env["SM_NUM_CPUS"]) >= 1 and env["SM_NUM_GPUS"] == "0"
    assert env["TRAINING_JOB_NAME"] == job.name
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert training_env["hyperparameters"]["alpha"] == 0.5
    assert training_env["channel_input_dirs"] == {"train": env["SM_CHANNEL_TRAIN"]}
    # Script runs from its code copy, like /opt/ml/input/data/code on SageMaker; ignore_patterns applied.
    assert seen["cwd"] == str(root / "input" / "data" / "code")
    assert not (root / "input" / "data" / "code" / "__pycache__").exists()

    out = capsys.readouterr().out
    assert "alpha=0.5 depth=3" in out
    assert "Completed - Training job completed" in out
    assert "#progress" not in out  # progress lines drive the bar, they are not printed


def test_describe_has_the_describe_training_job_shape(workspace):
    trainer = script_trainer(compute=Compute(instance_type="ml.c5.xlarge", instance_count=1))
    trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    d = trainer.latest_training_job.describe()
    name = d["TrainingJobName"]
    assert name.startswith("probe-")
    assert d["TrainingJobArn"] == f"arn:aws:sagemaker:us-east-1:000000000000:training-job/{name}"
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("Completed", "Completed")
    assert d["HyperParameters"] == {"alpha": "0.5", "depth": "3", "name": "two words"}
    assert d["AlgorithmSpecification"]["TrainingImage"] == SKLEARN_IMAGE
    assert d["AlgorithmSpecification"]["AlgorithmName"] is None
    assert d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == workspace["train"]
    assert d["ResourceConfig"]["InstanceType"] == "ml.c5.xlarge"
    assert d["OutputDataConfig"]["S3OutputPath"] == "s3://sagemaker-us-east-1-000000000000/probe"
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == \
        f"s3://sagemaker-us-east-1-000000000000/probe/{name}/output/model.tar.gz"
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert d["TrainingStartTime"] <= d["TrainingEndTime"]
    assert d["BillableTimeInSeconds"] >= 1
    assert [t["Status"] for t in d["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert d["SourceCode"]["EntryScript"] == "train.py"
    assert "FlywheelLocal" not in d and "FailureReason" not in d
    # The SDK resource's snake_case attributes read the same record.
    job = trainer.latest_training_job
    assert job.training_job_status == "Completed"
    assert job.model_artifacts.s3_model_artifacts == d["ModelArtifacts"]["S3ModelArtifacts"]
    assert job.resource_config.volume_size_in_gb == 30


def test_metrics_are_scraped_with_the_users_metric_definitions(workspace):
    trainer = script_trainer().with_metric_definitions(
        [MetricDefinition(name="validation:rmse", regex=r"validation-rmse: ([0-9.]+)"),
         {"Name": "never:seen", "Regex": r"nothing=([0-9.]+)"}])
    trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    metrics = trainer.latest_training_job.describe()["FinalMetricDataList"]
    assert [(m["MetricName"], m["Value"]) for m in metrics] == [("validation:rmse", pytest.approx(1 / 3, abs=1e-4))]
    assert trainer.latest_training_job.final_metric_data_list[0].metric_name == "validation:rmse"
    spec = trainer.latest_training_job.describe()["AlgorithmSpecification"]["MetricDefinitions"]
    assert spec[0] == {"Name": "validation:rmse", "Regex": r"validation-rmse: ([0-9.]+)"}


def test_bad_metric_definition_is_refused_with_the_fix(workspace):
    with pytest.raises(ValueError, match="capture group"):
        script_trainer().with_metric_definitions([MetricDefinition(name="loss", regex="loss=[0-9.]+")])


def test_model_is_packed_with_its_sha256(workspace, tmp_path):
    trainer = script_trainer()
    trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    artifacts = trainer.latest_training_job.describe()["ModelArtifacts"]
    archive = storage.s3_to_path(artifacts["S3ModelArtifacts"])
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == artifacts["Sha256"]
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["seen.json"]  # the model folder's contents at the archive root
        assert json.loads(tar.extractfile("seen.json").read())["train_files"] == ["train.csv"]
    output = storage.s3_to_path(trainer.output_data)
    with tarfile.open(output) as tar:
        assert tar.extractfile("notes.txt").read() == b"extra output"
    raw = json.loads((trainer.latest_training_job.job_dir / "job.json").read_text())
    assert raw["ModelArtifacts"]["Sha256"] == artifacts["Sha256"]  # what a server reads before unpickling


def test_custom_output_path_and_local_data_source(workspace):
    trainer = script_trainer(output_data_config=OutputDataConfig(s3_output_path="s3://my-models/churn"))
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=str(workspace["dir"] / "train.csv"))],
                  logs=False)
    d = trainer.latest_training_job.describe()
    assert d["ModelArtifacts"]["S3ModelArtifacts"].startswith(f"s3://my-models/churn/{d['TrainingJobName']}/output/")
    uploaded = d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert uploaded.startswith("s3://sagemaker-us-east-1-000000000000/probe/") and uploaded.endswith("/train.csv")
    assert storage.get_bytes(uploaded) == (workspace["dir"] / "train.csv").read_bytes()


# ------------------------------------------------------------------------------------- failures

def test_crashing_script_fails_with_the_tracebacks_last_line(workspace, capsys):
    trainer = script_trainer(hyperparameters={"mode": "crash"})
    with pytest.raises(FailedStatusError) as info:
        trainer.train(input_data_config=train_channel(workspace["train"]))
    reason = "AlgorithmError: IndexError: list index out of range (exit code 1)"
    assert info.value.failure_reason == reason
    assert reason in str(info.value)
    assert info.value.description["TrainingJobStatus"] == "Failed"
    assert "ModelArtifacts" not in info.value.description  # nothing half-written is published
    d = trainer.latest_training_job.describe()
    assert (d["TrainingJobStatus"], d["FailureReason"]) == ("Failed", reason)
    assert not storage.list_prefix(f"s3://sagemaker-us-east-1-000000000000/probe/{d['TrainingJobName']}/")
    out = capsys.readouterr().out
    assert "Traceback (most recent call last)" in out and f"Failed - Training job failed. {reason}" in out
    assert "IndexError" in trainer.latest_training_job.logs()


def test_failure_file_becomes_the_failure_reason(workspace):
    trainer = script_trainer(hyperparameters={"mode": "failure-file"})
    with pytest.raises(FailedStatusError, match="the label column is missing"):
        trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    assert trainer.latest_training_job.describe()["FailureReason"] == "ClientError: the label column is missing"


def test_max_runtime_stops_the_job_and_publishes_nothing(workspace):
    trainer = script_trainer(hyperparameters={"mode": "sleep"},
                             stopping_condition=StoppingCondition(max_runtime_in_seconds=1))
    with pytest.raises(StoppedError, match="MaxRuntimeInSeconds=1"):
        trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    d = trainer.latest_training_job.describe()
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")
    assert "ModelArtifacts" not in d
    pid = json.loads((trainer.latest_training_job.job_dir / "job.json").read_text())["FlywheelLocal"]["ProcessPid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the job's process is gone, nothing left running


def test_wait_false_returns_at_once_and_stop_ends_the_job(workspace):
    trainer = script_trainer(hyperparameters={"mode": "sleep"})
    trainer.train(input_data_config=train_channel(workspace["train"]), wait=False)
    job = trainer.latest_training_job
    assert job.describe()["TrainingJobStatus"] == "InProgress"
    with pytest.raises(TimeoutExceededError, match="still running"):
        job.wait(timeout=0.3)  # gives up waiting; the job goes on
    assert job.describe()["TrainingJobStatus"] == "InProgress"
    job.stop()
    with pytest.raises(StoppedError, match="stop\\(\\) was called"):
        job.wait()
    assert job.describe()["TrainingJobStatus"] == "Stopped"


def test_interrupting_the_notebook_stops_the_job(workspace):
    import signal
    import threading

    trainer = script_trainer(hyperparameters={"mode": "sleep"})
    trainer.train(input_data_config=train_channel(workspace["train"]), wait=False)
    job = trainer.latest_training_job
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()  # the learner presses "interrupt"
    with pytest.raises(KeyboardInterrupt):
        job.wait(logs=False)
    d = job.describe()
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert "KeyboardInterrupt" in d["SecondaryStatusTransitions"][-1]["StatusMessage"]


# ------------------------------------------------------------------------------------- validation

def test_script_mode_configuration_errors_name_the_fix(workspace):
    with pytest.raises(ValueError, match="entry_script"):
        ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="nope.py"))
    with pytest.raises(ValueError, match="no such folder"):
        ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="missing", entry_script="t.py"))
    with pytest.raises(ValueError, match="framework image"):
        ModelTrainer(training_image=SKLEARN_IMAGE)
    with pytest.raises(ValueError, match="exactly one of training_image or algorithm_name"):
        ModelTrainer(source_code=SourceCode(source_dir="src", entry_script="train.py"))
    with pytest.raises(ValueError, match="cannot run the container image"):
        ModelTrainer(training_image="123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own:latest")
    with pytest.raises(TypeError, match="with_metric_definitions"):
        ModelTrainer(training_image=SKLEARN_IMAGE, metric_definitions=[])


def test_built_in_image_without_a_local_implementation_says_so(workspace, monkeypatch):
    monkeypatch.setattr(builtins, "available", lambda: ["fake-algo", "linear-learner"])
    deepar = "522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1"
    with pytest.raises(ValueError, match="does not implement the 'deepar' algorithm yet.*linear-learner"):
        ModelTrainer(training_image=deepar)


def fake_trainer(**hyperparameters) -> ModelTrainer:
    return ModelTrainer(training_image="fake-algo", hyperparameters=hyperparameters, base_job_name="fake")


@pytest.mark.parametrize("hyperparameters, words", [
    ({}, "Missing required hyperparameter: 'epochs'"),
    ({"epochs": 3, "learning_rat": 0.1}, "'learning_rat' was unexpected"),
    ({"epochs": "many"}, "must be an integer"),
    ({"epochs": 500}, "from 1 to 50"),
])
def test_bad_hyperparameters_fail_before_any_job_starts(workspace, hyperparameters, words):
    with pytest.raises(HyperparameterError, match=words) as info:
        fake_trainer(**hyperparameters).train(input_data_config=train_channel(workspace["train"]))
    # The job exists and failed with SageMaker's ClientError, but never started: no process, no log.
    (summary,) = list_training_jobs()
    assert summary["TrainingJobStatus"] == "Failed"
    assert describe_training_job(summary["TrainingJobName"])["FailureReason"] == f"ClientError: {info.value}"
    assert not (jobs.job_dir(summary["TrainingJobName"]) / "logs.txt").exists()


def test_missing_unknown_and_empty_channels_fail_before_any_job(workspace):
    trainer = fake_trainer(epochs=2)
    with pytest.raises(InputDataError, match="needs the channel\\(s\\) 'train'"):
        trainer.train(input_data_config=[InputData(channel_name="validation", data_source=workspace["train"])])
    with pytest.raises(InputDataError, match="does not read the channel\\(s\\) 'test'"):
        trainer.train(input_data_config=train_channel(workspace["train"]) +
                      [InputData(channel_name="test", data_source=workspace["train"])])
    with pytest.raises(InputDataError, match="no data under s3://sagemaker-us-east-1-000000000000/demo/nothing"):
        trainer.train(input_data_config=train_channel("s3://sagemaker-us-east-1-000000000000/demo/nothing"))
    (workspace["dir"] / "empty").mkdir()
    with pytest.raises(InputDataError, match="is empty"):
        trainer.train(input_data_config=train_channel(str(workspace["dir"] / "empty")))
    with pytest.raises(InputDataError, match="Invalid channel name"):
        trainer.train(input_data_config=[InputData(channel_name="train data", data_source=workspace["train"])])
    assert list_training_jobs() == []


def test_built_in_style_algorithm_runs_in_the_container_module(workspace, capsys):
    trainer = fake_trainer(epochs=4)
    trainer.train(input_data_config=train_channel(workspace["train"]))
    d = trainer.latest_training_job.describe()
    assert d["AlgorithmSpecification"]["AlgorithmName"] == "fake-algo"
    assert d["HyperParameters"] == {"epochs": "4"}
    assert d["FinalMetricDataList"][0]["MetricName"] == "train:objective_loss"
    assert d["FinalMetricDataList"][0]["Value"] == pytest.approx(0.25)
    with tarfile.open(storage.s3_to_path(d["ModelArtifacts"]["S3ModelArtifacts"])) as tar:
        assert json.loads(tar.extractfile("model.json").read()) == {"total": 2.0, "epochs": 4}
    out = capsys.readouterr().out
    assert "#metrics train:objective_loss=0.25" in out and "#progress" not in out


def test_data_format_error_fails_the_job_naming_file_and_row(workspace, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n0,nan\n")
    uri = workspace["session"].upload_data(bad, key_prefix="demo/bad")
    with pytest.raises(FailedStatusError) as info:
        fake_trainer(epochs=1).train(input_data_config=train_channel(uri), logs=False)
    assert info.value.failure_reason == "ClientError: channel 'train', file 'bad.csv', row 2: NaN"


def test_algorithm_crash_is_an_algorithm_error(workspace):
    with pytest.raises(FailedStatusError, match="AlgorithmError: RuntimeError: the fake algorithm fell over"):
        fake_trainer(epochs=1, mode="crash").train(input_data_config=train_channel(workspace["train"]), logs=False)


# ------------------------------------------------------------------------------------- records

def test_jobs_survive_a_new_process_and_are_listed(workspace):
    trainer = script_trainer()
    trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    first = trainer.latest_training_job.name
    with pytest.raises(FailedStatusError):
        script_trainer(hyperparameters={"mode": "crash"}).train(input_data_config=train_channel(workspace["train"]),
                                                                logs=False)
    code = ("import json; from helpers.platform import describe_training_job, list_training_jobs\n"
            f"d = describe_training_job({first!r})\n"
            "print(json.dumps([d['TrainingJobStatus'], d['ModelArtifacts']['S3ModelArtifacts'],"
            " [(s['TrainingJobName'], s['TrainingJobStatus']) for s in list_training_jobs()]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    status, artifact, listed = json.loads(out.stdout)
    assert status == "Completed"
    assert artifact == describe_training_job(first)["ModelArtifacts"]["S3ModelArtifacts"]
    assert [s for _, s in listed] == ["Failed", "Completed"]  # newest first
    assert listed[1][0] == first
    assert [s["TrainingJobName"] for s in list_training_jobs(status_equals="Completed")] == [first]
    assert list_training_jobs(name_contains="no-such-job") == []


def test_job_orphaned_by_a_dead_kernel_is_marked_failed(workspace):
    trainer = script_trainer()
    trainer.train(input_data_config=train_channel(workspace["train"]), logs=False)
    name = trainer.latest_training_job.name
    record = json.loads((jobs.job_dir(name) / "job.json").read_text())
    record.update(TrainingJobStatus="InProgress", SecondaryStatus="Training")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    record["FlywheelLocal"].update(MonitorPid=int(dead.stdout), MonitorStarted=None, ProcessPid=None)
    jobs.write_record(name, record)
    d = describe_training_job(name)
    assert d["TrainingJobStatus"] == "Failed"
    assert "exited before the job finished" in d["FailureReason"]


def test_unknown_job_name_lists_recent_jobs(workspace):
    with pytest.raises(ValueError, match="No jobs have run yet"):
        describe_training_job("nope")


def test_parallel_jobs_via_the_non_blocking_start(workspace):
    trainer = fake_trainer(epochs=2)
    started = [trainer.start_job(train_channel(workspace["train"]), hyperparameters={"epochs": e}) for e in (1, 2, 3)]
    assert len({job.name for job in started}) == 3  # unique names even within one second
    descriptions = runner.wait_all(started)
    assert [d["TrainingJobStatus"] for d in descriptions] == ["Completed"] * 3
    finals = [job.describe()["FinalMetricDataList"][0]["Value"] for job in started]
    assert finals == [pytest.approx(1.0), pytest.approx(0.5), pytest.approx(1 / 3)]
    assert trainer.hyperparameters == {"epochs": 2}  # overrides are per job


def test_local_jobs_never_import_sagemaker(workspace):
    code = textwrap.dedent(f"""
        import sys
        from helpers.platform import ModelTrainer, InputData, SourceCode
        t = ModelTrainer(training_image={SKLEARN_IMAGE!r}, source_code=SourceCode(source_dir="src", entry_script="train.py"))
        t.train(input_data_config=[InputData(channel_name="train", data_source={workspace['train']!r})], logs=False)
        t2 = ModelTrainer(training_image="fake-algo", hyperparameters={{"epochs": 1}})
        t2.train(input_data_config=[InputData(channel_name="train", data_source={workspace['train']!r})], logs=False)
        print("sagemaker" in sys.modules, t.latest_training_job.training_job_status, t2.latest_training_job.training_job_status)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ,
                         cwd=workspace["dir"])
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-3:] == ["False", "Completed", "Completed"]


def test_hyperparameters_from_a_file_and_sdk_string_rules(workspace, tmp_path):
    path = tmp_path / "hps.json"
    path.write_text(json.dumps({"alpha": 2, "depth": 1, "name": "x"}))
    trainer = script_trainer(hyperparameters=str(path))
    assert trainer.hyperparameters == {"alpha": 2, "depth": 1, "name": "x"}
    from helpers.platform.opt_ml import safe_serialize

    # The SDK's serialisation: strings as they are, everything else as JSON.
    assert [safe_serialize(v) for v in (True, 0.1, 3, "abc", [1, 2])] == ["true", "0.1", "3", "abc", "[1, 2]"]


def test_a_shared_output_config_is_copied_not_mutated(workspace):
    """One OutputDataConfig() for two trainers: each job's output goes under its own base name."""
    shared_output, shared_compute, shared_stop = OutputDataConfig(), Compute(), StoppingCondition()
    first = ModelTrainer(training_image="fake-algo", hyperparameters={"epochs": 1}, base_job_name="first",
                         output_data_config=shared_output, compute=shared_compute, stopping_condition=shared_stop)
    second = ModelTrainer(training_image="fake-algo", hyperparameters={"epochs": 1}, base_job_name="second",
                          output_data_config=shared_output, compute=shared_compute, stopping_condition=shared_stop)
    assert first.output_data_config.s3_output_path.endswith("/first")
    assert second.output_data_config.s3_output_path.endswith("/second")
    assert shared_output == OutputDataConfig()
    assert shared_compute == Compute() and shared_stop == StoppingCondition()
    second.train(input_data_config=train_channel(workspace["train"]), wait=False, dry_run=True)
    assert second.compute.instance_type == "ml.m5.xlarge" and second.stopping_condition.max_runtime_in_seconds == 3600
