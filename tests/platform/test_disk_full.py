"""A training job that meets a full disk (or another write error) ends Failed with the reason, and
``wait()`` returns: on a real 2 MB tmpfs (skipped where mounting is not permitted), and with the
error injected into the writer so it runs everywhere. No temporary file is left behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import textwrap
import threading
from pathlib import Path

import pytest

from helpers.platform import (FailedStatusError, InputData, ModelTrainer, Session, SourceCode, artifacts, jobs, records,
                              runner)
from helpers import platform_home

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

# Prints a line, then (mode "fill") fills its disk through the model folder and exits 0: the job
# "finishes on a full disk". Mode "chatty" prints a line, then sleeps (killed by the platform).
SCRIPT = '''
import argparse, os, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--mode", default="ok")
args = parser.parse_args()
print("training", flush=True)
if args.mode == "fill":
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.bin"), "wb") as out:
        try:
            while True:
                out.write(os.urandom(1 << 14))
                out.flush()
        except OSError:
            pass
    sys.exit(0)
if args.mode == "chatty":
    time.sleep(60)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as out:
    out.write("weights")
'''


def _setup(home: Path, tmp_path: Path, monkeypatch) -> list[InputData]:
    monkeypatch.setenv("FLYWHEEL_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "train.csv").write_text("1,2\n3,4\n")
    uri = Session(region="us-east-1").upload_data(tmp_path / "train.csv", key_prefix="disk/train")
    return [InputData(channel_name="train", data_source=uri)]


def _trainer(mode: str) -> ModelTrainer:
    return ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="train.py"),
                        hyperparameters={"mode": mode}, base_job_name="disk")


def _train(mode: str, channels, timeout: float = 60) -> tuple[jobs.TrainingJob, BaseException | None]:
    """Run one job in a thread and wait for it, so a hang fails the test instead of blocking it."""
    trainer = _trainer(mode)
    outcome: dict = {}

    def target():
        try:
            trainer.train(input_data_config=channels, logs=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"train() did not return within {timeout} s: the job never reached a terminal state"
    return trainer.latest_training_job, outcome.get("error")


def _temp_files(home: Path) -> list[Path]:
    return [p for p in home.rglob(".*") if p.is_file() and p.name.startswith((".job-", ".tmp-", ".upload-", ".tuning-"))]


# ------------------------------------------------------------------------------- a real full disk

@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs, unmounted afterwards; skipped where mounting is not permitted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command: cannot make a small disk to fill")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a 2 MB tmpfs is not permitted here ({made.stderr.strip() or made.returncode}); "
                    "the injected-ENOSPC tests below cover the same code")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_job_that_fills_a_real_disk_ends_failed_and_wait_returns(tiny_disk, tmp_path, monkeypatch):
    home = tiny_disk / "home"
    channels = _setup(home, tmp_path, monkeypatch)
    job, error = _train("fill", channels)
    assert isinstance(error, FailedStatusError), error
    assert "disk full" in str(error)
    described = job.describe()
    assert described["TrainingJobStatus"] == "Failed" and "disk full" in described["FailureReason"]
    assert not _temp_files(home)
    # Space freed: the final record reaches the disk at the next look, readable by any process.
    (jobs.job_dir(job.name) / "opt" / "ml" / "model" / "model.bin").unlink()
    assert job.describe()["TrainingJobStatus"] == "Failed"
    on_disk = json.loads((jobs.job_dir(job.name) / "job.json").read_text())
    assert on_disk["TrainingJobStatus"] == "Failed" and "disk full" in on_disk["FailureReason"]
    assert runner.active(job.name) is None
    assert not _temp_files(home)


# ------------------------------------------------------------------------------- injected errors

class _Disk:
    """Stands in for ``os`` inside helpers.platform_home (the one atomic writer): ``os.replace`` fails while ``error`` is set,
    after the temporary file has been written (the writer must remove it)."""

    def __init__(self):
        self.error: OSError | None = None

    def replace(self, src, dst):
        if self.error is not None:
            raise self.error
        return os.replace(src, dst)

    def __getattr__(self, name):
        return getattr(os, name)


@pytest.fixture
def disk(flywheel_home, tmp_path, monkeypatch):
    fake = _Disk()
    monkeypatch.setattr(platform_home, "os", fake)
    fake.channels = _setup(flywheel_home, tmp_path, monkeypatch)
    fake.home = flywheel_home
    return fake


def _fail_from(monkeypatch, disk: _Disk, error: OSError, where: str) -> None:
    """Make every record write fail from the moment ``where`` happens: "upload" (the artifact is
    being packed) or "uploading" (the record saying Uploading is written)."""
    if where == "upload":
        def pack(folder, target):
            disk.error = error
            raise OSError(error.errno, os.strerror(error.errno), str(target))

        monkeypatch.setattr(artifacts, "pack", pack)
    else:
        real_transition = runner.LocalRun.transition

        def transition(self, status, message=None, primary=None):
            if status == "Uploading":
                disk.error = error
            return real_transition(self, status, message, primary)

        monkeypatch.setattr(runner.LocalRun, "transition", transition)


@pytest.mark.parametrize("where", ["upload", "uploading"])
def test_a_job_finishing_on_a_full_disk_ends_failed_and_wait_returns(disk, monkeypatch, where):
    _fail_from(monkeypatch, disk, OSError(errno.ENOSPC, "No space left on device"), where)
    job, error = _train("ok", disk.channels)
    assert isinstance(error, FailedStatusError) and "disk full" in str(error)
    described = job.describe()
    assert described["TrainingJobStatus"] == "Failed" and described["FailureReason"].startswith("ClientError: disk full")
    assert "ModelArtifacts" not in described
    assert not _temp_files(disk.home)
    assert json.loads((jobs.job_dir(job.name) / "job.json").read_text())["TrainingJobStatus"] == "InProgress"
    disk.error = None  # space freed: the next look writes the final record
    assert job.describe()["TrainingJobStatus"] == "Failed"
    assert json.loads((jobs.job_dir(job.name) / "job.json").read_text())["TrainingJobStatus"] == "Failed"
    assert jobs.describe_training_job(job.name)["TrainingJobStatus"] == "Failed"


def test_another_write_error_is_named_in_the_reason(disk, monkeypatch):
    _fail_from(monkeypatch, disk, PermissionError(errno.EACCES, "Permission denied"), "uploading")
    job, error = _train("ok", disk.channels)
    assert isinstance(error, FailedStatusError)
    reason = job.describe()["FailureReason"]
    assert "PermissionError EACCES" in reason and "Permission denied" in reason and "disk full" not in reason


def test_a_full_disk_before_the_process_starts_fails_the_job_without_starting_it(disk, monkeypatch):
    disk.error = OSError(errno.ENOSPC, "No space left on device")
    started = []
    real_popen = runner.subprocess.Popen
    monkeypatch.setattr(runner.subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    job, error = _train("ok", disk.channels)
    assert isinstance(error, FailedStatusError) and "disk full" in str(error)
    assert not started and not _temp_files(disk.home)
    assert job.describe()["TrainingJobStatus"] == "Failed"


def test_a_log_that_cannot_be_written_stops_the_job(disk, monkeypatch):
    class FullLog:
        def __init__(self, handle):
            self.handle = handle

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            pass

        def close(self):
            self.handle.close()

    real_open = runner.open_private
    monkeypatch.setattr(runner, "open_private", lambda *a, **k: FullLog(real_open(*a, **k)))
    job, error = _train("chatty", disk.channels, timeout=30)  # the script sleeps 60 s unless killed
    assert isinstance(error, FailedStatusError)
    described = job.describe()
    assert described["TrainingJobStatus"] == "Failed" and "disk full: could not write the log" in described["FailureReason"]
    assert described["TrainingTimeInSeconds"] < 30


def test_the_record_writer_leaves_no_temporary_file(tmp_path, monkeypatch):
    fake = _Disk()
    fake.error = OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(platform_home, "os", fake)
    with pytest.raises(OSError, match="No space left"):
        records.write_record(tmp_path / "job.json", {"a": 1}, prefix=".job-")
    assert list(tmp_path.iterdir()) == []


def test_write_failure_words():
    assert records.write_failure(OSError(errno.ENOSPC, "No space left on device", "/x/job.json"), "the record") \
        .startswith("disk full: could not write the record (/x/job.json")
    assert records.write_failure(OSError(errno.EDQUOT, "Disk quota exceeded"), "it").startswith("disk full")
    other = records.write_failure(OSError(errno.EROFS, "Read-only file system"), "the record")
    assert "OSError EROFS" in other and "Read-only file system" in other


# ------------------------------------------------------------------------------- tuning jobs

TUNING_SCRIPT = '''
import argparse, os
p = argparse.ArgumentParser()
p.add_argument("--x", type=float, default=0.0)
a = p.parse_args()
print(f"score={a.x:.4f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("m")
'''


def test_a_tuning_job_on_a_full_disk_ends_failed_and_wait_says_why(disk, monkeypatch, tmp_path):
    from helpers.platform import ContinuousParameter, HyperparameterTuner
    from helpers.platform.tuning import records as tuning_records
    from helpers.platform.tuning.runner import TuningRun

    (tmp_path / "src" / "train.py").write_text(textwrap.dedent(TUNING_SCRIPT))
    real_complete = TuningRun._complete

    def complete(self, trial):  # the disk fills up as the first trial ends
        real_complete(self, trial)
        disk.error = OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(TuningRun, "_complete", complete)
    trainer = ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="train.py"),
                           base_job_name="tune").with_metric_definitions([{"Name": "score", "Regex": r"score=([0-9.]+)"}])
    tuner = HyperparameterTuner(trainer, "score", {"x": ContinuousParameter(0, 1)}, strategy="Random", max_jobs=4,
                                max_parallel_jobs=1)
    tuner.tune(inputs=disk.channels, wait=False)
    # ends, Failed with the reason (as SDK v3's wait() raises); TimeoutExceededError here would be the hang
    with pytest.raises(FailedStatusError, match="disk full: could not write the record of tuning job"):
        tuner.latest_tuning_job.wait(timeout=60)
    described = tuner.describe()
    assert described["HyperParameterTuningJobStatus"] == "Failed"
    assert described["FailureReason"].startswith("disk full: could not write the record of tuning job")
    assert sum(described["TrainingJobStatusCounters"].values()) < 4  # no new trial started on a full disk
    assert not _temp_files(disk.home)
    name = tuner.latest_tuning_job.name
    assert json.loads((tuning_records.folder(name) / "tuning.json").read_text())["HyperParameterTuningJobStatus"] == \
        "InProgress"
    disk.error = None  # space freed: the next look writes the final record
    assert tuner.describe()["HyperParameterTuningJobStatus"] == "Failed"
    assert json.loads((tuning_records.folder(name) / "tuning.json").read_text())["HyperParameterTuningJobStatus"] == \
        "Failed"
    assert tuning_records.active(name) is None


def test_a_failure_while_finishing_still_ends_the_job(disk, monkeypatch):
    def broken_finish(self, returncode):
        raise KeyError("boom")

    monkeypatch.setattr(runner.LocalRun, "_finish", broken_finish)
    job, error = _train("ok", disk.channels)
    assert isinstance(error, FailedStatusError) and "failed while finishing the job: KeyError('boom')" in str(error)
    assert job.describe()["TrainingJobStatus"] == "Failed"
