"""SDK v2's ``sagemaker.analytics``: ``HyperparameterTuningJobAnalytics`` (the kit's) and
``TrainingJobAnalytics`` (a training job's metrics as a DataFrame)."""

from __future__ import annotations

import helpers.platform as kit
from helpers.platform.tuning import HyperparameterTuningJobAnalytics  # noqa: F401  (SDK v2's path)


class TrainingJobAnalytics:
    """A training job's metrics: ``dataframe()`` has the columns ``timestamp`` (seconds after the job
    started), ``metric_name`` and ``value``, as SDK v2's.

    SDK v2 reads every emitted value from CloudWatch; the kit gives each metric's final value
    (DescribeTrainingJob's ``FinalMetricDataList``), on both backends.
    """

    CLOUDWATCH_NAMESPACE = "/aws/sagemaker/TrainingJobs"

    def __init__(self, training_job_name: str, metric_names: list[str] | None = None, sagemaker_session=None,
                 start_time=None, end_time=None, period=None):
        from helpers.platform.errors import warn_ignored

        warn_ignored("TrainingJobAnalytics", [n for n, v in (("start_time", start_time), ("end_time", end_time),
                                                            ("period", period)) if v is not None],
                     "the kit reports each metric's final value, not a CloudWatch time series")
        self.name = training_job_name
        self._metric_names = list(metric_names) if metric_names else None

    def description(self) -> dict:
        return kit.describe_training_job(self.name)

    def dataframe(self, force_refresh: bool = False):
        import pandas as pd

        described = self.description()
        start = described.get("TrainingStartTime") or described.get("CreationTime")
        rows = []
        for metric in described.get("FinalMetricDataList") or []:
            if self._metric_names and metric["MetricName"] not in self._metric_names:
                continue
            stamp = metric.get("Timestamp")
            seconds = (pd.Timestamp(stamp) - pd.Timestamp(start)).total_seconds() if stamp and start else 0.0
            rows.append({"timestamp": seconds, "metric_name": metric["MetricName"], "value": float(metric["Value"])})
        if self._metric_names:
            missing = sorted(set(self._metric_names) - {row["metric_name"] for row in rows})
            if missing:
                known = ", ".join(m["MetricName"] for m in described.get("FinalMetricDataList") or []) or "none"
                raise ValueError(f"Training job {self.name} reported no metric {', '.join(missing)} (it has: {known}).")
        return pd.DataFrame(rows, columns=["timestamp", "metric_name", "value"])

    def __repr__(self) -> str:
        return f"<TrainingJobAnalytics for {self.name}>"
