"""``HyperparameterTuningJobAnalytics``: a tuning job's trials as a pandas DataFrame, with the SDK's
name and columns (``sagemaker.core.analytics``)::

    df = tuner.analytics().dataframe()
    df.sort_values("FinalObjectiveValue", ascending=False).head()

One row per training job, in the order they were started: each tuned hyperparameter (a float when
it reads as a number, as in the SDK), ``TrainingJobName``, ``TrainingJobStatus``,
``FinalObjectiveValue`` (NaN when the trial reported no objective), ``TrainingStartTime``,
``TrainingEndTime``, ``TrainingElapsedTimeSeconds``.
"""

from __future__ import annotations

from helpers.platform.tuning import records


def _number_or_text(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


class HyperparameterTuningJobAnalytics:
    """Results of the tuning job ``hyperparameter_tuning_job_name`` (works after a kernel restart)."""

    def __init__(self, hyperparameter_tuning_job_name: str, sagemaker_session=None):
        self._name = hyperparameter_tuning_job_name
        self._dataframe = None
        records.read(hyperparameter_tuning_job_name)  # a clear error when unknown

    @property
    def name(self) -> str:
        return self._name

    def clear_cache(self) -> None:
        self._dataframe = None

    def description(self, force_refresh: bool = False) -> dict:
        return records.describe_hyper_parameter_tuning_job(self._name)

    def training_job_summaries(self, force_refresh: bool = False) -> list[dict]:
        return records.list_training_jobs_for_hyper_parameter_tuning_job(self._name)

    @property
    def tuning_ranges(self) -> dict:
        """Tuned hyperparameter name -> its range as the API describes it."""
        ranges = self.description()["HyperParameterTuningJobConfig"]["ParameterRanges"]
        return {item["Name"]: item for group in ranges.values() for item in group}

    def dataframe(self, force_refresh: bool = False):
        import pandas as pd

        if force_refresh or self._dataframe is None or self._still_running():
            rows = []
            for summary in self.training_job_summaries():
                row = {name: _number_or_text(value) for name, value in summary["TunedHyperParameters"].items()}
                row["TrainingJobName"] = summary["TrainingJobName"]
                row["TrainingJobStatus"] = summary["TrainingJobStatus"]
                row["FinalObjectiveValue"] = summary.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")
                start, end = summary.get("TrainingStartTime"), summary.get("TrainingEndTime")
                row["TrainingStartTime"] = start
                row["TrainingEndTime"] = end
                if start is not None and end is not None:
                    row["TrainingElapsedTimeSeconds"] = (end - start).total_seconds()
                rows.append(row)
            frame = pd.DataFrame(rows)
            if "FinalObjectiveValue" in frame:
                frame["FinalObjectiveValue"] = pd.to_numeric(frame["FinalObjectiveValue"], errors="coerce")
            self._dataframe = frame
        return self._dataframe.copy()

    def _still_running(self) -> bool:
        return records.read(self._name).get("HyperParameterTuningJobStatus") not in records.TERMINAL

    def __repr__(self) -> str:
        return f"<HyperparameterTuningJobAnalytics for {self._name}>"
