"""No resource name and no secret on a command line: every user of the machine reads every process's
``/proc/<pid>/cmdline`` (``ps``) and its threads' names, so in a classroom a learner would see the
others' endpoint and job names there. The kit passes them in the environment (owner-only) instead.

One module store runs what the kit starts: the runtime router, an endpoint server with its data
capture process, a control-plane worker and the built-in algorithm's job process (boto3
CreateTrainingJob), and a script-mode training job. A sampler reads every descendant's command line and
thread names while they run.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from helpers.platform import ModelTrainer, SourceCode, storage
from helpers.platform.serving import ModelBuilder, processes, runtime
from helpers.platform.serving.access import store_secret
from helpers.platform.serving.registry import running_resources
from helpers.platform.serving.resources import DataCaptureConfig
from process_support import WAIT_FOR_RELEASE, Sampler
from serving_support import write_script_model

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc (Linux)")

ENDPOINT = "zq-endpoint-name"
MODEL = "zq-model-name"
CONFIG = "zq-config-name"
BOTO3_JOB = "zq-boto3-job"
SCRIPT_JOB = "zq-script-job"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
# waits for the test to let it finish: its command line is read while it runs
SCRIPT = WAIT_FOR_RELEASE + """open(os.path.join(os.environ["SM_MODEL_DIR"], "done"), "w").write("ok")
"""


def boto3_training_request() -> dict:
    return {
        "TrainingJobName": BOTO3_JOB, "RoleArn": "arn:aws:iam::111122223333:role/service-role/Role",
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": {"num_round": "2", "max_depth": "2", "objective": "reg:squarederror"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://argv/train", "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://argv/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


@pytest.fixture(scope="module")
def started(home, tmp_path_factory):
    """Everything started with the sampler on; yields (sampler, the names that must not show, the names
    of this process's threads while the script job ran)."""
    import boto3

    folder = tmp_path_factory.mktemp("argv-work")
    model_dir, code_dir = write_script_model(folder / "model")
    (folder / "src").mkdir()
    (folder / "src" / "train.py").write_text(textwrap.dedent(SCRIPT))
    rng = np.random.default_rng(0)
    rows = rng.uniform(0, 1, (30, 3))
    storage.put_bytes("s3://argv/train/train.csv", "\n".join(",".join(f"{v:.3f}" for v in r) for r in rows).encode())
    release = folder / "release"
    with Sampler() as sampler, pytest.MonkeyPatch.context() as patch:
        patch.setenv("RELEASE", str(release))
        runtime.use_local_runtime(start=True)
        builder = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
            source_dir=str(code_dir), entry_script="inference.py"))
        endpoint = builder.deploy(endpoint_name=ENDPOINT, model_name=MODEL, endpoint_config_name=CONFIG,
                                  data_capture_config=DataCaptureConfig(sampling_percentage=100))
        endpoint.invoke(b"1,2,3,4", content_type="text/csv")  # the capture process is up by now
        trainer = ModelTrainer(training_image=SKLEARN_IMAGE, base_job_name=SCRIPT_JOB,
                               source_code=SourceCode(source_dir=str(folder / "src"), entry_script="train.py"))
        trainer.train(wait=False)
        kernel_threads = [thread.name for thread in threading.enumerate()]  # the job's monitor among them
        sm = boto3.client("sagemaker")
        sm.create_training_job(**boto3_training_request())
        sm.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName=BOTO3_JOB, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        assert sm.describe_training_job(TrainingJobName=BOTO3_JOB)["TrainingJobStatus"] == "Completed"
        sampler.sample()
        release.write_text("go")
        trainer.latest_training_job.wait(logs=False)
        script_job = trainer.latest_training_job.name
    yield sampler, [ENDPOINT, MODEL, CONFIG, BOTO3_JOB, SCRIPT_JOB, script_job, str(home), store_secret()], \
        kernel_threads


def kinds(seen: dict) -> set[str]:
    """Which of the kit's processes the sampler saw, by what their command line says they are."""
    found = set()
    for cmdline, _ in seen.values():
        for kind in ("serving.server", "serving.router", "serving.control_worker", "platform.container train",
                     "flywheel_capture", "train.py"):
            if kind in cmdline:
                found.add(kind)
    return found


def test_every_process_the_kit_starts_was_seen(started):
    sampler, _, _ = started
    assert kinds(sampler.seen) == {"serving.server", "serving.router", "serving.control_worker",
                                   "platform.container train", "flywheel_capture", "train.py"}


def test_no_name_or_secret_on_a_command_line_or_a_thread_name(started):
    sampler, secrets, _ = started
    leaks = [(pid, cmdline, sorted(threads)) for pid, (cmdline, threads) in sampler.seen.items()
             if any(secret in text for secret in secrets for text in (cmdline, *threads))]
    assert leaks == []


def test_the_command_line_still_says_what_kind_of_process_it_is(started):
    sampler, _, _ = started
    servers = [cmdline.split() for cmdline, _ in sampler.seen.values() if "helpers.platform.serving." in cmdline]
    assert servers and all(words[-2] == "-m" for words in servers), servers  # `python -m <module>` alone


def test_cleanup_still_finds_the_servers_by_their_private_arguments(started):
    found = {(resource.kind, resource.name) for resource in running_resources()}
    assert {("endpoint", ENDPOINT), ("router", "sagemaker-runtime")} <= found


def test_a_job_or_worker_thread_in_the_kernel_has_no_resource_name_in_its_name(started):
    # Python 3.14 gives a thread's name to the OS thread (readable by all): none may carry a name
    _, _, kernel_threads = started
    assert "job-monitor" in kernel_threads
    assert [name for name in kernel_threads if "zq-" in name] == []


def test_args_are_read_from_the_environment_once_and_not_inherited(monkeypatch):
    monkeypatch.setenv(processes.ARGS_ENV, json.dumps(["/store/endpoints/x", "--parent-pid", "7"]))
    assert processes.args() == ["/store/endpoints/x", "--parent-pid", "7"]
    assert processes.ARGS_ENV not in os.environ  # a child of this process does not receive them


def test_args_fall_back_to_the_command_line_for_a_server_started_by_hand(monkeypatch):
    monkeypatch.delenv(processes.ARGS_ENV, raising=False)
    monkeypatch.setattr("sys.argv", ["server.py", "/store/endpoints/x"])
    assert processes.args() == ["/store/endpoints/x"]


@pytest.mark.parametrize("text", ['"a string"', "[1, 2]", "not json"])
def test_malformed_args_name_the_variable(monkeypatch, text):
    monkeypatch.setenv(processes.ARGS_ENV, text)
    with pytest.raises(ValueError, match=processes.ARGS_ENV):
        processes.args()
