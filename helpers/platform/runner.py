"""Running one training job in its own process, and watching it.

``LocalRun.start()`` launches the process and returns at once; a monitor thread reads its output
(log file, metric scraping), enforces ``MaxRuntimeInSeconds`` and finalises the job exactly once:
model packed and its sha256 recorded only after a clean exit, otherwise Failed with a reason or
Stopped. A write that fails (the record, the log, the artifact: a full disk...) ends the job Failed
with the reason ("disk full: ..."), and ``wait()`` still returns: the run keeps its final record in
memory until it can be written. ``wait()`` streams the log into the notebook and raises on failure. Because the work
happens in the monitor, several jobs can run side by side: start them all, then wait on each
(``wait_all``) — which is what hyperparameter tuning does.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from helpers.platform import artifacts, jobs, records, storage
from helpers.platform.display import LogDisplay
from helpers.platform.errors import FailedStatusError, StoppedError, TimeoutExceededError
# The runs of this process and waiting on a record live with the records; named here too for callers.
from helpers.platform.jobs import active, kill_group, raise_for_status, wait_for_record  # noqa: F401
from helpers.platform.metrics import MetricScraper
from helpers.platform_home import PRIVATE_UMASK, open_private

#: Seconds a stopped job gets between SIGTERM and SIGKILL (SageMaker gives 120).
STOP_GRACE_SECONDS = 2.0
#: SageMaker's limit on FailureReason.
MAX_REASON = 1024

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)?(:.*)?$")

STATUS_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
}


def failure_reason_from_log(lines: list[str], returncode: int) -> str:
    """``AlgorithmError: <the traceback's last line> (exit code N)``, or the last line logged."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"AlgorithmError: the training process was killed by {name}{hint}"
    text = [line for line in lines if line.strip()]
    last = None
    for index, line in enumerate(text):
        if line.startswith("Traceback (most recent call last):"):
            tail = [l for l in text[index + 1:] if not l.startswith((" ", "\t"))]
            last = tail[0] if tail else None
            for candidate in tail:
                if _EXCEPTION_LINE.match(candidate):
                    last = candidate
                    break
    if last is None and text:
        last = text[-1]
    detail = f"{last} " if last else ""
    return f"AlgorithmError: {detail}(exit code {returncode})"


class LocalRun:
    """One job's process and its bookkeeping. Create with the initial record, then ``start()``."""

    def __init__(self, name: str, record: dict, command: list[str], env: dict[str, str], cwd: Path,
                 model_dir: Path, output_data_dir: Path, failure_file: Path,
                 metric_definitions: list[dict], label: str = ""):
        self.name = name
        self.command = command
        self.env = env
        self.cwd = cwd
        self.model_dir = model_dir
        self.output_data_dir = output_data_dir
        self.failure_file = failure_file
        self.label = label
        self.scraper = MetricScraper(metric_definitions)
        self._record = record
        self._events: list[tuple[str, str]] = []
        self._log_lines: list[str] = []
        self._cond = threading.Condition()
        self._done = threading.Event()
        self._stop: tuple[str, str] | None = None
        self._proc: subprocess.Popen | None = None
        self._started = time.monotonic()
        self._timers: list[threading.Timer] = []
        self._log = None
        self._write_error: str | None = None  # why a write failed: the job ends Failed with it
        self._unsaved = False  # the final record is not on disk yet

    # ----------------------------------------------------------------- record and events
    def record(self) -> dict:
        with self._cond:
            return copy.deepcopy(self._record)

    def _save(self) -> bool:
        """Write the record; a failed write is remembered (the job ends Failed with it), not raised."""
        try:
            jobs.write_record(self.name, self._record)
        except OSError as exc:
            if self._write_error is None:
                self._write_error = records.write_failure(exc, f"the record of training job {self.name!r}")
            return False
        return True

    def _write_failed(self, exc: OSError, what: str) -> None:
        if self._write_error is None:
            self._write_error = records.write_failure(exc, what)

    def persist(self) -> bool:
        """Retry writing a finished run's final record (its last write failed); True once it is on disk.

        Until then the run stays known to this process, so ``describe()`` and ``wait()`` see how it ended.
        """
        with self._cond:
            if self._unsaved and self._save():
                self._unsaved = False
            if self._unsaved:
                return False
        self._forget()
        return True

    def _forget(self) -> None:
        jobs.forget_run(self)

    def _signal_own(self, sig: int) -> None:
        """Signal the group of the process this run started, while it is not reaped (so its pid is ours)."""
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, sig)
            except OSError:
                pass

    def transition(self, status: str, message: str | None = None, primary: str | None = None) -> None:
        """Move to a new SecondaryStatus (closing the previous one), persist, tell waiters."""
        message = message or STATUS_MESSAGES.get(status, status)
        stamp = jobs.now()
        with self._cond:
            transitions = self._record.setdefault("SecondaryStatusTransitions", [])
            if transitions and "EndTime" not in transitions[-1]:
                transitions[-1]["EndTime"] = stamp
            transitions.append({"Status": status, "StartTime": stamp, "StatusMessage": message})
            self._record["SecondaryStatus"] = status
            if primary:
                self._record["TrainingJobStatus"] = primary
            self._record["LastModifiedTime"] = stamp
            self._save()
            self._events.append(("status", f"{status} - {message}"))
            self._cond.notify_all()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> "LocalRun":
        """Launch the job's process and return immediately."""
        log_path = jobs.job_dir(self.name) / "logs.txt"
        jobs.register_run(self)
        try:
            self._log = open_private(log_path, "a", encoding="utf-8")
        except OSError as exc:
            self._write_failed(exc, f"the log of training job {self.name!r}")
        self._record["TrainingStartTime"] = jobs.now()
        self.transition("Training")
        if self._write_error is not None:  # no process is started on a disk that cannot take its record
            self._close_log()
            self.fail(f"ClientError: {self._write_error}")
            return self
        try:
            self._proc = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                errors="replace", bufsize=1, start_new_session=True, umask=PRIVATE_UMASK)
        except OSError as exc:
            self._close_log()
            self.fail(f"AlgorithmError: could not start the training process: {exc}")
            return self
        with self._cond:
            self._record[jobs.PRIVATE].update(
                ProcessPid=self._proc.pid, ProcessStarted=jobs.process_started(self._proc.pid))
            if not self._save():
                self._signal_own(signal.SIGKILL)  # the monitor ends it Failed with the write error
        max_runtime = self._record.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        if max_runtime:
            message = (f"it ran longer than MaxRuntimeInSeconds={max_runtime}. "
                       "Raise StoppingCondition(max_runtime_in_seconds=...) or make the job faster.")
            self._schedule(float(max_runtime), lambda: self.stop(message, status="MaxRuntimeExceeded"))
        # no job name in a thread's name: Python 3.14+ gives it to the OS thread, whose name every user can read
        threading.Thread(target=self._monitor, name="job-monitor", daemon=True).start()
        return self

    def _schedule(self, delay: float, action) -> None:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def stop(self, message: str = "stop() was called.", status: str = "Stopped") -> None:
        """Stop the job (SIGTERM, then SIGKILL after a grace period); it ends as Stopped."""
        if self._done.is_set() or self._proc is None or self._proc.poll() is not None:
            return  # already over (or finishing): a finished process is not "stopped"
        with self._cond:
            if self._stop is None:
                self._stop = (status, message)
        self._signal_own(signal.SIGTERM)
        self._schedule(STOP_GRACE_SECONDS, lambda: self._signal_own(signal.SIGKILL))

    def _monitor(self) -> None:
        try:
            for raw in self._proc.stdout:
                line = raw.rstrip("\r\n")
                self._write_log(line)
                self.scraper.feed(line)
                with self._cond:
                    self._log_lines.append(line)
                    self._events.append(("log", line))
                    self._cond.notify_all()
                if self._write_error is not None:
                    self._signal_own(signal.SIGKILL)  # a job whose log or record cannot be written is over
            returncode = self._proc.wait()
        except BaseException as exc:  # never leave a job InProgress because the monitor broke
            self._signal_own(signal.SIGKILL)
            self._reap()
            self._close_log()
            self.fail(f"AlgorithmError: the platform lost track of the job: {exc!r}")
            return
        self._close_log()
        try:
            self._finish(returncode)
        except BaseException as exc:  # a bug in finalising must not leave wait() hanging either
            if not self._done.is_set():
                self.fail(f"ClientError: the platform failed while finishing the job: {exc!r}")

    def _write_log(self, line: str) -> None:
        if self._log is None:
            return
        try:
            self._log.write(line + "\n")
            self._log.flush()
        except OSError as exc:
            self._write_failed(exc, f"the log of training job {self.name!r}")
            self._close_log()

    def _close_log(self) -> None:
        log, self._log = self._log, None
        if log is not None:
            try:
                log.close()  # flushes what a failed write left in the buffer: may fail again
            except OSError as exc:
                self._write_failed(exc, f"the log of training job {self.name!r}")

    def _reap(self) -> None:
        try:
            self._proc.wait(STOP_GRACE_SECONDS + 5)
        except subprocess.TimeoutExpired:
            pass

    # ----------------------------------------------------------------- finalisation (exactly once)
    def _finish(self, returncode: int) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._write_error is not None:  # the process was killed for it, or its output is lost
            self.fail(f"ClientError: {self._write_error}")
            return
        if self._stop is not None:
            status, message = self._stop
            with self._cond:
                self._record[jobs.PRIVATE]["StopReason"] = message
            self._end(primary="Stopped", secondary=status, message=f"Training job stopped: {message}")
            return
        if returncode != 0:
            self.fail(self._failure_reason(returncode))
            return
        self.transition("Uploading")
        try:
            artifact_uri = self._record[jobs.PRIVATE]["ArtifactUri"]
            digest = artifacts.pack(self.model_dir, storage.s3_to_path(artifact_uri))
            if self.output_data_dir.is_dir() and any(self.output_data_dir.iterdir()):
                output_uri = artifact_uri.rsplit("/", 1)[0] + "/output.tar.gz"
                artifacts.pack(self.output_data_dir, storage.s3_to_path(output_uri))
        except OSError as exc:
            self._write_failed(exc, "the model artifact")
            self.fail(f"ClientError: {self._write_error}")
            return
        except Exception as exc:
            self.fail(f"ClientError: could not upload the model artifact: {exc}")
            return
        if self._write_error is not None:  # the "Uploading" record could not be written
            self.fail(f"ClientError: {self._write_error}")
            return
        with self._cond:
            self._record["ModelArtifacts"] = {"S3ModelArtifacts": artifact_uri, "Sha256": digest}
        self._end(primary="Completed", secondary="Completed", message=STATUS_MESSAGES["Completed"])

    def _failure_reason(self, returncode: int) -> str:
        try:
            text = self.failure_file.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            text = ""
        with self._cond:
            lines = list(self._log_lines)
        reason = text or failure_reason_from_log(lines, returncode)
        return reason[:MAX_REASON]

    def fail(self, reason: str) -> None:
        """End the job as Failed with ``reason`` (e.g. its input could not be prepared before it started)."""
        with self._cond:
            self._record["FailureReason"] = reason
        self._end(primary="Failed", secondary="Failed", message=f"Training job failed. {reason}")

    def _end(self, primary: str, secondary: str, message: str) -> None:
        """Record the terminal state once; ``done`` is set whatever happens to the writes."""
        try:
            end = jobs.now()
            elapsed = max(1, int(round(time.monotonic() - self._started)))
            with self._cond:
                self._record["FinalMetricDataList"] = self.scraper.final()
                self._record["TrainingEndTime"] = end
                self._record["TrainingTimeInSeconds"] = elapsed
                self._record["BillableTimeInSeconds"] = elapsed
            if self._write_error is not None and primary != "Failed":
                # A job whose record cannot be written did not complete, whatever its process did.
                primary, secondary, message = "Failed", "Failed", self._failed_for_write()
            self.transition(secondary, message, primary=primary)
            with self._cond:
                self._record["SecondaryStatusTransitions"][-1]["EndTime"] = end
                saved = self._save()
                if not saved and primary != "Failed":  # the disk filled up at the very last write
                    message = self._failed_for_write()
                    self._record.update(TrainingJobStatus="Failed", SecondaryStatus="Failed")
                    self._record["SecondaryStatusTransitions"][-1].update(Status="Failed", StatusMessage=message)
                    self._events.append(("status", f"Failed - {message}"))
                    saved = self._save()
                self._unsaved = not saved
        finally:
            if not self._unsaved:  # an unsaved run stays known here: describe() and wait() see its end
                self._forget()
            with self._cond:
                self._done.set()
                self._cond.notify_all()

    def _failed_for_write(self) -> str:
        reason = f"ClientError: {self._write_error}"
        with self._cond:
            self._record["FailureReason"] = reason[:MAX_REASON]
        return f"Training job failed. {reason}"

    # ----------------------------------------------------------------- waiting
    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, logs: bool = True, timeout: float | None = None) -> dict:
        """Stream the job's events (status lines, log lines, progress bar) until it ends.

        Returns the final record; raises FailedStatusError / StoppedError as the job ended, or
        TimeoutExceededError if ``timeout`` seconds pass first (the job keeps running).
        """
        display = LogDisplay(self.label, show_lines=logs)
        seen = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                with self._cond:
                    while seen >= len(self._events) and not self._done.is_set():
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            break
                        self._cond.wait(0.25 if remaining is None else min(0.25, remaining))
                    new, seen = self._events[seen:], len(self._events)
                    finished = self._done.is_set() and seen == len(self._events)
                for kind, text in new:
                    (display.status if kind == "status" else display.line)(text)
                if finished:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutExceededError(
                        f"Training job {self.name!r} is still running after {timeout} s: "
                        "call wait() again, or stop() it.")
        except KeyboardInterrupt:
            self.stop("interrupted from the notebook (KeyboardInterrupt).")
            self._done.wait(STOP_GRACE_SECONDS + 5)
            raise
        finally:
            display.close()
        record = self.record()
        raise_for_status(record)
        return record


def wait_all(training_jobs, logs: bool = False) -> list[dict]:
    """Wait for several jobs started without waiting (``trainer.start_job(...)`` or
    ``train(wait=False)``); returns their DescribeTrainingJob dicts in the order given. Failed and
    stopped jobs are returned too, nothing is raised: the caller decides (a tuner keeps going)."""
    descriptions = []
    for job in training_jobs:
        try:
            job.wait(logs=logs)
        except (FailedStatusError, StoppedError):
            pass
        descriptions.append(job.describe())
    return descriptions
