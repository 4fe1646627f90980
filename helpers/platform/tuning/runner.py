"""The loop that runs one tuning job: ask the strategy for hyperparameters, start training jobs (each
its own process) up to ``max_parallel_jobs`` at a time, follow their objective metric, stop poor ones
(early stopping / Hyperband), record every trial, and pick the best.

A trial that fails is recorded as Failed and the tuning job goes on. The record is written to disk
after every change (``records.write``), so ``describe()`` and the analytics work while it runs and
after a kernel restart. A record that cannot be written (a full disk...) stops the tuning job, which
ends Failed with the reason ("disk full: ..."); ``wait()`` returns, and the final record stays in
memory (``describe()`` shows it) until it can be written.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from dataclasses import dataclass, field

from helpers.platform import jobs
from helpers.platform import runner as job_runner
from helpers.platform.metrics import MetricScraper
from helpers.platform.records import write_failure
from helpers.platform.tuning import records
from helpers.platform.tuning.search import distributions, make_study, worse_than_median

#: Seconds between two looks at the running training jobs.
POLL_SECONDS = 0.05


@dataclass
class Trial:
    """One training job of the tuning job, as the loop follows it."""

    index: int  # 0-based, in the order trials were started
    tuned: dict[str, str]  # the tuned hyperparameters, as sent (strings)
    optuna_trial: object
    job: object = None  # helpers.platform.jobs.TrainingJob
    run: object = None  # helpers.platform.runner.LocalRun while this process follows it
    history: list[float] = field(default_factory=list)
    finished: bool = False
    told: bool = False
    stop_reason: str | None = None
    summary: dict = field(default_factory=dict)


class TuningRun:
    """Runs the tuning job ``name`` for a tuner (built by ``HyperparameterTuner.tune``)."""

    def __init__(self, name: str, record: dict, trainer, channels, ranges, objective_metric_name: str,
                 objective_type: str, strategy: str, max_jobs: int, max_parallel_jobs: int,
                 early_stopping_type: str, random_seed, hyperband, trial_hyperparameters,
                 max_runtime_in_seconds=None):
        self.name = name
        self._record = record
        self.trainer = trainer
        self.channels = channels
        self.ranges = ranges
        self.objective = objective_metric_name
        self.objective_type = objective_type
        self.maximize = objective_type == "Maximize"
        self.strategy = strategy
        self.max_jobs = max_jobs
        self.parallel = max_parallel_jobs
        self.early_stopping = early_stopping_type == "Auto"
        self.hyperband = hyperband
        self.trial_hyperparameters = trial_hyperparameters
        self.max_runtime = max_runtime_in_seconds
        # Results reach a model-based strategy in trial order, one slot behind: see search.py.
        self.lagged = strategy in ("Bayesian", "Hyperband")
        self.study = make_study(strategy, ranges, objective_type, max_jobs, random_seed, hyperband)
        self.distributions = distributions(ranges)
        self.trials: list[Trial] = []
        self._lock = threading.RLock()
        self._stop_requested: str | None = None
        self._done = threading.Event()
        self._started = time.monotonic()
        self.error: BaseException | None = None
        self._write_error: str | None = None  # why a write failed: the tuning job ends Failed with it
        self._unsaved = False  # the final record is not on disk yet

    # ----------------------------------------------------------------- record
    def record(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._record)

    def _save(self) -> bool:
        """Write the record; a failed write is remembered (the loop stops and ends Failed with it)."""
        with self._lock:
            self._record["LastModifiedTime"] = jobs.now()
            try:
                records.write(self.name, self._record)
            except OSError as exc:
                if self._write_error is None:
                    self._write_error = write_failure(exc, f"the record of tuning job {self.name!r}")
                return False
            return True

    def persist(self) -> bool:
        """Retry writing a finished tuning job's final record; True once it is on disk."""
        with self._lock:
            if self._unsaved and self._save():
                self._unsaved = False
            if self._unsaved:
                return False
        if records.active(self.name) is self:
            records.unregister_active(self.name)
        return True

    def _refresh_counters(self) -> None:
        statuses = [t.summary.get("TrainingJobStatus") for t in self.trials]
        objective = [t.summary.get("ObjectiveStatus") for t in self.trials]
        self._record["TrainingJobStatusCounters"] = {
            "Completed": statuses.count("Completed"), "InProgress": statuses.count("InProgress"),
            "RetryableError": 0, "NonRetryableError": statuses.count("Failed"), "Stopped": statuses.count("Stopped")}
        self._record["ObjectiveStatusCounters"] = {
            "Succeeded": objective.count("Succeeded"), "Pending": objective.count("Pending"),
            "Failed": objective.count("Failed")}
        best = self._best_trial()
        if best is not None:
            self._record["BestTrainingJob"] = copy.deepcopy(best.summary)
        private = self._record.setdefault(jobs.PRIVATE, {})
        private["TrainingJobSummaries"] = [copy.deepcopy(t.summary) for t in self.trials]
        private["Trials"] = {t.summary["TrainingJobName"]: {"Index": t.index, "ObjectiveHistory": list(t.history),
                                                            "StopReason": t.stop_reason} for t in self.trials}

    def _best_trial(self) -> Trial | None:
        """The best Completed trial by its final objective (stopped trials have no model to deploy)."""
        scored = [t for t in self.trials if t.summary.get("TrainingJobStatus") == "Completed"
                  and "FinalHyperParameterTuningJobObjectiveMetric" in t.summary]
        if not scored:
            return None
        def value(t: Trial) -> float:
            return t.summary["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]

        # Ties go to the earlier trial, so the answer does not depend on timing.
        if self.maximize:
            return max(scored, key=lambda t: (value(t), -t.index))
        return min(scored, key=lambda t: (value(t), t.index))

    # ----------------------------------------------------------------- control
    def request_stop(self, reason: str = "stop_tuning_job() was called.") -> None:
        with self._lock:
            if self._stop_requested is None:
                self._stop_requested = reason

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> None:
        if not self._done.wait(timeout):
            from helpers.platform.errors import TimeoutExceededError

            raise TimeoutExceededError(f"Tuning job {self.name!r} is still running after {timeout} s.")

    # ----------------------------------------------------------------- the loop
    def steps(self):
        """Run the tuning job; yield once per finished trial (drives the progress bar)."""
        records.register_active(self.name, self)
        try:
            while True:
                if self._write_error is not None:
                    self.request_stop(self._write_error)
                if self._stop_requested is None and self.max_runtime and \
                        time.monotonic() - self._started > self.max_runtime:
                    self.request_stop(f"the tuning job reached MaxRuntimeInSeconds={self.max_runtime}.")
                if self._stop_requested is not None:
                    self._stop_running(f"the tuning job was stopped: {self._stop_requested}")
                else:
                    self._launch_ready()
                for _ in range(self._poll()):
                    yield
                running = [t for t in self.trials if not t.finished]
                if not running and (self._stop_requested is not None or len(self.trials) >= self.max_jobs):
                    break
                time.sleep(POLL_SECONDS)
            self._finish()
        except BaseException as exc:
            self._stop_running("the tuning job was interrupted.")
            self._drain()
            self._finish(interrupted=exc)
            raise
        finally:
            if not self._unsaved:  # an unsaved run stays known here: describe() and wait() see its end
                records.unregister_active(self.name)
            self._done.set()

    def run_to_end(self) -> None:
        for _ in self.steps():
            pass

    def start_in_background(self) -> threading.Thread:
        def target():
            try:
                self.run_to_end()
            except BaseException as exc:  # recorded as the tuning job's failure; nobody to raise to
                self.error = exc

        records.register_active(self.name, self)  # visible to describe() before the thread starts
        thread = threading.Thread(target=target, name="tuning-monitor", daemon=True)  # no name the OS shows all
        thread.start()
        return thread

    # ----------------------------------------------------------------- launching
    def _may_ask(self) -> bool:
        """Model-based strategies ask trial k only once trial k - max_parallel_jobs has ended."""
        if not self.lagged:
            return True
        must_be_done = len(self.trials) - self.parallel
        if must_be_done < 0:
            return True
        if not all(t.finished for t in self.trials[: must_be_done + 1]):
            return False
        for trial in self.trials[: must_be_done + 1]:
            self._tell(trial)
        return True

    def _launch_ready(self) -> None:
        while (sum(not t.finished for t in self.trials) < self.parallel and len(self.trials) < self.max_jobs
               and self._may_ask()):
            self._launch(len(self.trials))

    def _launch(self, index: int) -> None:
        optuna_trial = self.study.ask(self.distributions)
        tuned = {name: spec.format(spec.decode(optuna_trial.params[name])) for name, spec in self.ranges.items()}
        trial = Trial(index=index, tuned=tuned, optuna_trial=optuna_trial)
        stamp = jobs.now()
        trial.summary = {"TrainingJobName": f"{self.name}-{index + 1:03d}", "TuningJobName": self.name,
                         "CreationTime": stamp, "TrainingJobStatus": "InProgress", "TunedHyperParameters": tuned,
                         "ObjectiveStatus": "Pending"}
        with self._lock:
            self.trials.append(trial)
        try:
            job = self.trainer.start_job(self.channels, hyperparameters=self.trial_hyperparameters(tuned),
                                          base_job_name=f"{self.name}-{index + 1:03d}")
        except Exception as exc:  # a trial that cannot start is a failed trial, not a failed tuning job
            trial.summary.update(TrainingJobStatus="Failed", ObjectiveStatus="Failed", TrainingEndTime=jobs.now(),
                                 FailureReason=f"{type(exc).__name__}: {exc}"[:1024])
            trial.finished = True
            if not self.lagged:
                self._tell(trial)
        else:
            trial.job = job
            trial.run = job_runner.active(job.name)
            described = job.describe()
            trial.summary.update(TrainingJobName=job.name, TrainingJobArn=described.get("TrainingJobArn"),
                                 CreationTime=str(described.get("CreationTime") or stamp))
        with self._lock:
            self._refresh_counters()
        self._save()

    # ----------------------------------------------------------------- following
    def _new_values(self, trial: Trial) -> list[float]:
        history = trial.run.scraper.history.get(self.objective, []) if trial.run is not None else []
        return list(history[len(trial.history):])

    def _poll(self) -> int:
        """Follow the running trials; return how many finished."""
        finished = 0
        for trial in [t for t in self.trials if not t.finished]:
            for value in self._new_values(trial):
                trial.history.append(value)
                if trial.stop_reason is None:
                    self._consider_stopping(trial)
            run_done = trial.run.done if trial.run is not None else \
                trial.job.describe().get("TrainingJobStatus") in jobs.TERMINAL
            if run_done:
                self._complete(trial)
                finished += 1
        return finished

    def _consider_stopping(self, trial: Trial) -> None:
        step = len(trial.history)
        if self.strategy == "Hyperband":
            trial.optuna_trial.report(trial.history[-1], step)
            # At MaxResource a trial has had all it can get: nothing is left to save by stopping it.
            if step < self.hyperband[1] and trial.optuna_trial.should_prune():
                self._stop_trial(trial, f"Hyperband stopped it at step {step}: its {self.objective} "
                                        f"({trial.history[-1]:.6g}) trailed its bracket.")
        elif self.early_stopping:
            peers = [t.history for t in self.trials if t.finished and t.history and t is not trial]
            if worse_than_median(trial.history, peers, self.maximize):
                self._stop_trial(trial, f"early stopping at step {step}: its {self.objective} ({trial.history[-1]:.6g}) "
                                        "was worse than the median of the earlier training jobs' running averages.")

    def _stop_trial(self, trial: Trial, reason: str) -> None:
        trial.stop_reason = reason
        if trial.run is not None:
            trial.run.stop(reason)
        elif trial.job is not None:
            trial.job.stop()

    def _stop_running(self, reason: str) -> None:
        for trial in self.trials:
            if not trial.finished and trial.stop_reason is None:
                self._stop_trial(trial, reason)

    def _drain(self, timeout: float = job_runner.STOP_GRACE_SECONDS + 10) -> None:
        deadline = time.monotonic() + timeout
        while any(not t.finished for t in self.trials) and time.monotonic() < deadline:
            self._poll()
            time.sleep(POLL_SECONDS)

    def _complete(self, trial: Trial) -> None:
        description = trial.job.describe()
        if trial.run is None:  # ended before this process could follow it: read its log instead
            scraper = MetricScraper(description.get("AlgorithmSpecification", {}).get("MetricDefinitions", []))
            for line in trial.job.logs().splitlines():
                scraper.feed(line)
            trial.history = list(scraper.history.get(self.objective, []))
        for value in self._new_values(trial):  # anything logged after the last poll
            trial.history.append(value)
        status = description.get("TrainingJobStatus", "Failed")
        finals = {m["MetricName"]: m["Value"] for m in description.get("FinalMetricDataList", [])}
        if status == "InProgress":
            status = "Failed"
        trial.summary.update(TrainingJobStatus=status, TrainingEndTime=str(description.get("TrainingEndTime") or jobs.now()))
        if description.get("TrainingStartTime"):
            trial.summary["TrainingStartTime"] = str(description["TrainingStartTime"])
        if description.get("FailureReason"):
            trial.summary["FailureReason"] = description["FailureReason"]
        if self.objective in finals and status in ("Completed", "Stopped"):
            trial.summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": self.objective_type, "MetricName": self.objective, "Value": float(finals[self.objective])}
            trial.summary["ObjectiveStatus"] = "Succeeded"
        else:
            trial.summary["ObjectiveStatus"] = "Failed"
            if status == "Completed":
                trial.summary["FailureReason"] = (f"The training job completed but never logged the objective metric "
                                                  f"{self.objective!r}.")
        trial.finished = True
        if not self.lagged:
            self._tell(trial)
        with self._lock:
            self._refresh_counters()
        self._save()

    def _tell(self, trial: Trial) -> None:
        if trial.told:
            return
        from optuna.trial import TrialState

        metric = trial.summary.get("FinalHyperParameterTuningJobObjectiveMetric")
        if trial.summary.get("TrainingJobStatus") == "Stopped" and trial.history:
            self.study.tell(trial.optuna_trial, state=TrialState.PRUNED)
        elif metric is not None and trial.summary.get("TrainingJobStatus") == "Completed":
            self.study.tell(trial.optuna_trial, metric["Value"])
        else:
            self.study.tell(trial.optuna_trial, state=TrialState.FAIL)
        trial.told = True

    # ----------------------------------------------------------------- the end
    def _finish(self, interrupted: BaseException | None = None) -> None:
        with self._lock:
            for trial in self.trials:
                if not trial.finished:  # the grace period ran out: the training job reconciles itself later
                    trial.summary.update(TrainingJobStatus="Stopped", ObjectiveStatus="Failed")
            self._refresh_counters()
            best = self._best_trial()
            if interrupted is not None:
                status = "Stopped" if isinstance(interrupted, (KeyboardInterrupt, GeneratorExit)) else "Failed"
                self._record["FailureReason"] = ("interrupted from the notebook (KeyboardInterrupt)."
                                                 if status == "Stopped" else f"{type(interrupted).__name__}: {interrupted}")
            elif self._write_error is not None:
                status = "Failed"
                self._record["FailureReason"] = self._write_error
            elif self._stop_requested is not None:
                status = "Stopped"
                self._record["FailureReason"] = f"Stopped: {self._stop_requested}"
            elif best is None:
                status = "Failed"
                reasons = [t.summary.get("FailureReason") for t in self.trials if t.summary.get("FailureReason")]
                self._record["FailureReason"] = ("No training job completed with the objective metric "
                                                 f"{self.objective!r}." + (f" First failure: {reasons[0]}" if reasons else ""))
            else:
                status = "Completed"
            self._record["HyperParameterTuningJobStatus"] = status
            self._record["HyperParameterTuningEndTime"] = jobs.now()
            self._record.setdefault(jobs.PRIVATE, {})["ElapsedSeconds"] = round(time.monotonic() - self._started, 3)
            saved = self._save()
            if not saved and status != "Failed":  # the disk filled up at the very last write
                self._record["HyperParameterTuningJobStatus"] = "Failed"
                self._record["FailureReason"] = self._write_error
                saved = self._save()
            self._unsaved = not saved

    def summary_line(self) -> str:
        """One line without names or timings (stable in a notebook's stored outputs)."""
        record = self.record()
        counters = record.get("TrainingJobStatusCounters", {})
        parts = [f"{counters.get(k, 0)} {word}" for k, word in
                 (("Completed", "completed"), ("NonRetryableError", "failed"), ("Stopped", "stopped early"))
                 if counters.get(k)]
        line = (f"Tuning job {record['HyperParameterTuningJobStatus'].lower()}: {len(self.trials)} training jobs "
                f"({', '.join(parts) or 'none finished'})")
        best = record.get("BestTrainingJob")
        if best:
            line += f"; best {self.objective} = {best['FinalHyperParameterTuningJobObjectiveMetric']['Value']:.4f}"
        return line + "."


def trial_environment_threads(max_parallel_jobs: int) -> str:
    """OMP threads per trial so parallel trials share the cores instead of fighting for them
    (on SageMaker each trial has its own instance)."""
    cores = os.cpu_count() or 1
    share = max(1, cores // max_parallel_jobs)
    current = os.environ.get("OMP_NUM_THREADS")
    if current and current.isdigit():
        share = min(share, int(current))
    return str(share)
