"""Model monitoring: a baseline from the training data, then a check of captured traffic against it.

The files have SageMaker Model Monitor's schemas (``statistics.json``, ``constraints.json``,
``constraint_violations.json``) and the violation types its prebuilt container reports::

    monitor = DefaultModelMonitor()
    monitor.suggest_baseline(baseline_dataset=features_df,           # or s3://.../baseline.csv
                             dataset_format=DatasetFormat.csv(header=False),
                             output_s3_uri="s3://bucket/monitor/baseline")
    report = monitor.run_monitoring(endpoint_name="churn",
                                    output_s3_uri="s3://bucket/monitor/reports")
    report.violations          # [{"feature_name": "_c3", "constraint_check_type": "baseline_drift_check", ...}]
    print(report.summary())    # "drift: 1 of 6 features drifted (KS distance, threshold 0.1): _c3 0.32"
    report.plot(); plt.show()

Headerless CSV columns are named ``_c0, _c1, ...`` as SageMaker (Spark) names them. The baseline
must hold the same columns the endpoint receives: the features, **not** the label.

Drift (``baseline_drift_check``) is the largest gap between the baseline's and the traffic's
cumulative distributions (the Kolmogorov-Smirnov distance, SageMaker's "Simple" distance); it is
flagged when it exceeds ``comparison_threshold`` (default 0.1). With the default ``"Robust"``
method it must also be statistically significant (KS test, p < 0.05), so a small, unlucky sample of
undrifted traffic is not flagged.
"""

from __future__ import annotations

import calendar
import io
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.platform.serving.capture import capture_files, decode_data, read_records

SKETCH_POINTS = 1024
# The drift figure's drifted / not drifted / traffic colours: Okabe-Ito vermillion, blue and orange, the
# course's colour-blind-safe palette (helpers.plots.PALETTE, a layer above this one: hence the copy).
DRIFT_COLOURS = ("#D55E00", "#0072B2", "#E69F00")
BUCKETS = 10
SIGNIFICANCE = 0.05


class DatasetFormat:
    """Dataset formats for ``suggest_baseline`` (``sagemaker.core.model_monitor.DatasetFormat``)."""

    @staticmethod
    def csv(header: bool = True, output_columns_position: str = "START") -> dict:
        return {"csv": {"header": header, "output_columns_position": output_columns_position}}

    @staticmethod
    def json(lines: bool = True) -> dict:
        return {"json": {"lines": lines}}

    @staticmethod
    def sagemaker_capture_json() -> dict:
        return {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


@dataclass
class MonitoringFile:
    """A statistics or constraints document (``.body_dict``) and where it was written."""

    body_dict: dict
    file_s3_uri: str | None = None


# ----------------------------------------------------------------------------------- statistics
def _column_values(column: list[Any]) -> tuple[np.ndarray, int, int]:
    """(numeric values present, count missing, count present-but-not-numeric)."""
    numbers, missing, text = [], 0, 0
    for value in column:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            missing += 1
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            text += 1
            continue
        if math.isnan(number):
            missing += 1
        else:
            numbers.append(number)
    return np.asarray(numbers, dtype=np.float64), missing, text


def _inferred_type(values: np.ndarray, text: int) -> str:
    if text and text >= len(values):
        return "String"
    if len(values) and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        return "Integral"
    return "Fractional"


def feature_statistics(name: str, column: list[Any]) -> dict:
    """One feature's entry of statistics.json (numerical_statistics with a KLL-shaped sketch)."""
    values, missing, text = _column_values(column)
    kind = _inferred_type(values, text)
    common = {"num_present": int(len(values) + text), "num_missing": int(missing)}
    if kind == "String":
        uniques, counts = np.unique(np.asarray([str(v) for v in column if v not in (None, "")]), return_counts=True)
        return {"name": name, "inferred_type": "String", "string_statistics": {
            "common": common, "distinct_count": int(len(uniques)),
            "distribution": {"categorical": {"buckets": [
                {"value": str(v), "count": int(c)} for v, c in zip(uniques[:100], counts[:100])]}}}}
    stats: dict[str, Any] = {"common": common}
    if len(values):
        finite = values[np.isfinite(values)]
        low, high = float(finite.min()), float(finite.max())
        counts, edges = np.histogram(finite, bins=BUCKETS, range=(low, high) if high > low else (low - 0.5, high + 0.5))
        quantiles = np.quantile(finite, np.linspace(0, 1, min(SKETCH_POINTS, len(finite))))
        stats.update({
            "mean": float(finite.mean()), "sum": float(finite.sum()), "std_dev": float(finite.std()),
            "min": low, "max": high,
            "distribution": {"kll": {
                "buckets": [{"lower_bound": float(a), "upper_bound": float(b), "count": float(c)}
                            for a, b, c in zip(edges[:-1], edges[1:], counts)],
                # one compactor level holding evenly spaced quantiles: enough to rebuild the CDF
                "sketch": {"parameters": {"c": 0.64, "k": SKETCH_POINTS}, "data": [quantiles.tolist()]}}},
        })
    return {"name": name, "inferred_type": kind, "numerical_statistics": stats}


def dataset_statistics(rows: list[list[Any]], names: list[str] | None = None) -> dict:
    """statistics.json for a table given as rows (ragged rows are padded with missing values)."""
    width = max((len(r) for r in rows), default=0)
    names = names or [f"_c{i}" for i in range(width)]
    columns = [[row[i] if i < len(row) else None for row in rows] for i in range(len(names))]
    return {"version": 0, "dataset": {"item_count": len(rows)},
            "features": [feature_statistics(n, c) for n, c in zip(names, columns)]}


def suggest_constraints(statistics: dict, comparison_threshold: float = 0.1,
                        comparison_method: str = "Robust") -> dict:
    """constraints.json suggested from baseline statistics, with SageMaker's default thresholds."""
    item_count = statistics["dataset"]["item_count"] or 1
    features = []
    for feature in statistics["features"]:
        kind = feature["inferred_type"]
        block = feature.get("numerical_statistics") or feature.get("string_statistics")
        common = block["common"]
        entry = {"name": feature["name"], "inferred_type": kind,
                 "completeness": round(common["num_present"] / item_count, 6)}
        if kind in ("Integral", "Fractional"):
            entry["num_constraints"] = {"is_non_negative": bool(block.get("min", 0) >= 0)}
        else:
            buckets = block["distribution"]["categorical"]["buckets"]
            entry["string_constraints"] = {"domains": [b["value"] for b in buckets]}
        features.append(entry)
    return {"version": 0, "features": features, "monitoring_config": {
        "evaluate_constraints": "Enabled", "emit_metrics": "Enabled",
        "datatype_check_threshold": 1.0, "domain_content_threshold": 1.0,
        "distribution_constraints": {"perform_comparison": "Enabled", "comparison_threshold": comparison_threshold,
                                     "comparison_method": comparison_method}}}


def _sketch(feature: dict) -> np.ndarray | None:
    stats = feature.get("numerical_statistics") or {}
    data = ((stats.get("distribution") or {}).get("kll") or {}).get("sketch", {}).get("data")
    if not data:
        return None
    return np.sort(np.concatenate([np.asarray(level, dtype=np.float64) for level in data]))


def ks_distance(baseline_sketch: np.ndarray, values: np.ndarray) -> float:
    """Largest gap between the two empirical CDFs (baseline from its quantile sketch)."""
    current = np.sort(values)
    points = np.concatenate([baseline_sketch, current])
    base_cdf = np.searchsorted(baseline_sketch, points, side="right") / len(baseline_sketch)
    cur_cdf = np.searchsorted(current, points, side="right") / len(current)
    return float(np.max(np.abs(base_cdf - cur_cdf)))


def ks_p_value(distance: float, n_baseline: int, n_current: int) -> float:
    """Asymptotic two-sample KS p-value."""
    from scipy.stats import kstwobign

    effective = n_baseline * n_current / (n_baseline + n_current)
    return float(kstwobign.sf(distance * math.sqrt(effective)))


# ----------------------------------------------------------------------------------- violations
def evaluate(constraints: dict, baseline: dict, rows: list[list[Any]]) -> tuple[list[dict], list[dict], dict]:
    """Check ``rows`` against the constraints: (violations, per-feature drift, current statistics)."""
    config = constraints.get("monitoring_config", {})
    distribution = config.get("distribution_constraints", {})
    threshold = float(distribution.get("comparison_threshold", 0.1))
    robust = distribution.get("comparison_method", "Robust") == "Robust"
    compare = distribution.get("perform_comparison", "Enabled") == "Enabled"
    type_threshold = float(config.get("datatype_check_threshold", 1.0))
    expected = [f["name"] for f in constraints["features"]]
    violations: list[dict] = []

    widths = np.asarray([len(r) for r in rows]) if rows else np.zeros(0, dtype=int)
    if len(widths) and (widths < len(expected)).any():
        short = int((widths < len(expected)).sum())
        violations.append({"feature_name": "", "constraint_check_type": "missing_column_check",
                           "description": f"{short} of {len(rows)} records have fewer columns than the baseline's "
                                          f"{len(expected)} (smallest: {int(widths.min())})."})
    if len(widths) and (widths > len(expected)).any():
        long = int((widths > len(expected)).sum())
        violations.append({"feature_name": "", "constraint_check_type": "extra_column_check",
                           "description": f"{long} of {len(rows)} records have more columns than the baseline's "
                                          f"{len(expected)} (largest: {int(widths.max())})."})
    current = dataset_statistics(rows, expected)
    baseline_features = {f["name"]: f for f in baseline["features"]}
    drift = []
    for constraint, feature in zip(constraints["features"], current["features"]):
        name = constraint["name"]
        column = [row[expected.index(name)] if expected.index(name) < len(row) else None for row in rows]
        values, missing, text = _column_values(column)
        present = len(values) + text
        completeness = present / len(rows) if rows else 1.0
        if completeness < float(constraint.get("completeness", 1.0)) - 1e-9:
            violations.append({"feature_name": name, "constraint_check_type": "completeness_check",
                               "description": f"Data completeness is {completeness:.4f}, below the baseline's "
                                              f"{constraint['completeness']:.4f}: {missing} value(s) missing."})
        kind = constraint["inferred_type"]
        if kind in ("Integral", "Fractional") and present:
            matching = len(values) if kind == "Fractional" else int(np.sum(values == np.round(values)))
            if matching / present < type_threshold:
                violations.append({"feature_name": name, "constraint_check_type": "data_type_check",
                                   "description": f"Data type match is {matching / present:.4f}: the baseline's "
                                                  f"type is {kind}, but {present - matching} of {present} values "
                                                  f"are not {kind.lower()}."})
        sketch = _sketch(baseline_features.get(name, {}))
        if sketch is None or not len(values):
            continue
        distance = ks_distance(sketch, values)
        p_value = ks_p_value(distance, baseline["dataset"]["item_count"], len(values))
        flagged = compare and distance > threshold and (not robust or p_value < SIGNIFICANCE)
        base_stats = baseline_features[name]["numerical_statistics"]
        drift.append({"feature_name": name, "distance": round(distance, 6), "p_value": p_value,
                      "baseline_mean": base_stats.get("mean"), "current_mean": float(values.mean()),
                      "baseline_std": base_stats.get("std_dev"), "current_std": float(values.std()),
                      "drifted": flagged})
        if flagged:
            violations.append({"feature_name": name, "constraint_check_type": "baseline_drift_check",
                               "description": f"Baseline drift distance: {distance:.4f} exceeds threshold: "
                                              f"{threshold} (KS p-value {p_value:.2g}); traffic mean "
                                              f"{values.mean():.4g} vs baseline {base_stats.get('mean'):.4g}."})
    return violations, drift, current


# ------------------------------------------------------------------------------------- capture
def rows_from_capture(records) -> list[list[Any]]:
    """Feature rows from captured requests: CSV bodies (one row per line) and JSON instances."""
    rows: list[list[Any]] = []
    for record in records:
        block = record.get("captureData", {}).get("endpointInput")
        if not block:
            continue
        mime = block.get("observedContentType", "").split(";", 1)[0].strip().lower()
        data = decode_data(block)
        if mime == "text/csv" or block.get("encoding") == "CSV":
            rows += [line.split(",") for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
        elif mime in ("application/json", "application/jsonlines"):
            try:
                payloads = [json.loads(line) for line in data.splitlines() if line.strip()] \
                    if mime == "application/jsonlines" else [json.loads(data)]
            except ValueError:
                continue
            for payload in payloads:
                instances = payload.get("instances", []) if isinstance(payload, dict) else payload
                if isinstance(payload, dict) and "features" in payload:
                    instances = [payload]
                for instance in instances if isinstance(instances, list) else []:
                    features = instance.get("features") if isinstance(instance, dict) else instance
                    if isinstance(features, list):
                        rows.append(features)
    return rows


@dataclass
class MonitoringReport:
    """What a monitoring run found: violations, per-feature drift, statistics of the traffic."""

    endpoint_name: str | None
    item_count: int
    violations: list[dict]
    drift: list[dict]
    statistics: dict
    baseline: dict = field(repr=False, default_factory=dict)
    output_s3_uri: str | None = None
    threshold: float = 0.1

    @property
    def drifted_features(self) -> list[str]:
        return [d["feature_name"] for d in self.drift if d["drifted"]]

    def to_frame(self):
        """Per-feature drift as a pandas DataFrame (distance, p-value, means, flagged)."""
        import pandas as pd

        return pd.DataFrame(self.drift).set_index("feature_name") if self.drift else pd.DataFrame()

    def summary(self) -> str:
        """The drift figure in one line of text: how many features drifted, which, and by how much.

        The text equivalent of :meth:`plot` for a reader who cannot see the figure (or its colours);
        distances are KS distances (0-1), compared with the report's threshold.
        """
        if not self.drift:
            return "drift: no numeric feature to compare (the monitoring run saw no numeric traffic)"
        ranked = sorted(self.drift, key=lambda d: -d["distance"])
        drifted = [d for d in ranked if d["drifted"]]
        rule = f"KS distance, threshold {self.threshold:g}"
        if not drifted:
            top = ranked[0]
            return (f"drift: none of {len(ranked)} features drifted ({rule}); the largest distance is "
                    f"{top['feature_name']} {top['distance']:.2f}")
        listed = ", ".join(f"{d['feature_name']} {d['distance']:.2f}" for d in drifted)
        return f"drift: {len(drifted)} of {len(ranked)} features drifted ({rule}): {listed}"

    def plot(self, features: list[str] | None = None, max_features: int = 4):
        """Drift distance per feature (bars, threshold line) and baseline-vs-traffic CDFs of the
        most drifted features. Returns the matplotlib figure.

        A drifted feature's bar is hatched and labelled "drifted" as well as coloured, so the figure
        reads without colour; :meth:`summary` says the same in one line of text.
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch

        frame = self.to_frame()
        threshold = self.threshold
        if frame.empty:
            raise ValueError("nothing to plot: the monitoring run saw no numeric traffic.")
        chosen = features or list(frame.sort_values("distance", ascending=False).index[:max_features])
        figure, axes = plt.subplots(1, 1 + len(chosen), figsize=(4 + 3 * len(chosen), 3.2),
                                    gridspec_kw={"width_ratios": [1.4] + [1] * len(chosen)})
        axes = np.atleast_1d(axes)
        drifted_colour, usual_colour, traffic_colour = DRIFT_COLOURS
        bars = axes[0].bar(frame.index, frame["distance"],
                           color=[drifted_colour if flag else usual_colour for flag in frame["drifted"]],
                           edgecolor="black", linewidth=0.5)
        for bar, flag in zip(bars, frame["drifted"]):
            if flag:
                bar.set_hatch("//")
                axes[0].annotate("drifted", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                 xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7)
        line = axes[0].axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold}")
        axes[0].set_title("drift distance (KS)")
        axes[0].set_ylim(0, max(1.0, float(frame["distance"].max()) * 1.1))
        axes[0].tick_params(axis="x", rotation=90)
        axes[0].legend(handles=[Patch(facecolor=drifted_colour, hatch="//", edgecolor="black", label="drifted"),
                                Patch(facecolor=usual_colour, edgecolor="black", label="not drifted"), line],
                       loc="upper right", fontsize=8)
        baseline = {f["name"]: f for f in self.baseline.get("features", [])}
        current = {f["name"]: f for f in self.statistics.get("features", [])}
        for axis, name in zip(axes[1:], chosen):
            # baseline and traffic differ by line style as well as colour
            for label, stats, style, colour in (("baseline", baseline.get(name), "-", usual_colour),
                                                ("traffic", current.get(name), "--", traffic_colour)):
                sketch = _sketch(stats or {})
                if sketch is not None:
                    axis.plot(sketch, np.linspace(0, 1, len(sketch)), style, color=colour, label=label)
            verdict = " (drifted)" if frame.loc[name, "drifted"] else ""
            axis.set_title(f"{name}: distance {frame.loc[name, 'distance']:.2f}{verdict}")
            axis.set_ylabel("cumulative share")
            axis.legend(fontsize=8)
        figure.tight_layout()
        return figure


# ------------------------------------------------------------------------------------- monitor
def _read_table(dataset: Any, dataset_format: dict | None) -> tuple[list[list[Any]], list[str] | None]:
    """Rows (and column names when the CSV has a header) from a DataFrame, an s3:// URI or a path."""
    import pandas as pd

    if isinstance(dataset, pd.DataFrame):
        names = [str(c) for c in dataset.columns]
        if all(isinstance(c, int) for c in dataset.columns):
            names = None
        return dataset.to_numpy(dtype=object).tolist(), names
    header = bool(((dataset_format or {}).get("csv") or {}).get("header", False))
    if isinstance(dataset, str) and dataset.startswith("s3://"):
        from helpers.platform import storage

        objects = storage.list_prefix(dataset)
        if not objects:
            raise FileNotFoundError(f"no baseline data under {dataset}.")
        frames = [pd.read_csv(io.BytesIO(storage.get_bytes(uri)), header=0 if header else None, dtype=object)
                  for uri in objects]
    else:
        frames = [pd.read_csv(dataset, header=0 if header else None, dtype=object)]
    frame = pd.concat(frames, ignore_index=True)
    names = [str(c) for c in frame.columns] if header else None
    return frame.where(frame.notna(), None).to_numpy(dtype=object).tolist(), names


def _write(uri: str | None, name: str, payload: dict) -> str | None:
    if uri is None:
        return None
    from helpers.platform import storage

    target = f"{uri.rstrip('/')}/{name}"
    storage.put_bytes(target, json.dumps(payload, indent=2).encode())
    return target


class DefaultModelMonitor:
    """Baseline and data-quality monitoring (SDK v3 ``sagemaker.core.model_monitor.DefaultModelMonitor``).

    ``role``, ``instance_count``, ``instance_type`` are accepted for the SDK's call shape; the work
    runs in this process.
    """

    def __init__(self, role: str | None = None, instance_count: int = 1, instance_type: str = "ml.m5.xlarge",
                 volume_size_in_gb: int = 20, max_runtime_in_seconds: int | None = None,
                 base_job_name: str | None = None, sagemaker_session: Any = None, env: dict | None = None,
                 **_ignored):
        self.role, self.instance_type, self.instance_count = role, instance_type, instance_count
        self._statistics: MonitoringFile | None = None
        self._constraints: MonitoringFile | None = None

    def suggest_baseline(self, baseline_dataset: Any, dataset_format: dict | None = None,
                         output_s3_uri: str | None = None, comparison_threshold: float = 0.1,
                         comparison_method: str = "Robust", wait: bool = True, logs: bool = True,
                         job_name: str | None = None, **_ignored) -> "DefaultModelMonitor":
        """Compute statistics.json and constraints.json from the baseline (the training features).

        ``baseline_dataset``: an ``s3://`` CSV object or prefix, a local CSV path, or a DataFrame.
        """
        rows, names = _read_table(baseline_dataset, dataset_format or DatasetFormat.csv(header=False))
        if not rows:
            raise ValueError("the baseline dataset is empty: give the training features (no label column).")
        statistics = dataset_statistics(rows, names)
        constraints = suggest_constraints(statistics, comparison_threshold, comparison_method)
        self._statistics = MonitoringFile(statistics, _write(output_s3_uri, "statistics.json", statistics))
        self._constraints = MonitoringFile(constraints, _write(output_s3_uri, "constraints.json", constraints))
        return self

    def baseline_statistics(self) -> MonitoringFile:
        if self._statistics is None:
            raise ValueError("no baseline yet: call suggest_baseline(...) first.")
        return self._statistics

    def suggested_constraints(self) -> MonitoringFile:
        if self._constraints is None:
            raise ValueError("no baseline yet: call suggest_baseline(...) first.")
        return self._constraints

    def run_monitoring(self, endpoint_name: str | None = None, capture_s3_uri: str | None = None,
                       output_s3_uri: str | None = None, start_time: float | None = None,
                       end_time: float | None = None, constraints: dict | None = None) -> MonitoringReport:
        """One monitoring execution over the endpoint's captured requests (all, or a time window).

        Writes ``statistics.json`` and ``constraint_violations.json`` under ``output_s3_uri``.
        ``start_time`` / ``end_time`` are UNIX seconds bounding ``inferenceTime``.
        """
        from helpers.platform import storage

        baseline = self.baseline_statistics().body_dict
        constraints = constraints or self.suggested_constraints().body_dict
        if capture_s3_uri is None:
            if endpoint_name is None:
                raise ValueError("give endpoint_name= (an endpoint with data capture) or capture_s3_uri=.")
            from helpers.platform.serving.endpoint import Endpoint

            endpoint = Endpoint.get(endpoint_name)
            capture = endpoint.describe().get("DataCaptureConfig")
            if not capture:
                raise ValueError(f"endpoint {endpoint_name} does not capture data: deploy it with "
                                 f"data_capture_config=DataCaptureConfig(sampling_percentage=...).")
            if endpoint.endpoint_status == "InService":
                endpoint.flush_capture()
            capture_s3_uri = capture["DestinationS3Uri"]
        files = capture_files(storage.s3_to_path(capture_s3_uri), endpoint_name)
        records = list(read_records(files))
        if start_time is not None or end_time is not None:
            low = start_time if start_time is not None else -math.inf
            high = end_time if end_time is not None else math.inf

            def when(record):
                stamp = record.get("eventMetadata", {}).get("inferenceTime", "")
                return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")) if stamp else 0

            records = [r for r in records if low <= when(r) <= high]
        rows = rows_from_capture(records)
        if not rows:
            raise ValueError(f"no captured requests found under {capture_s3_uri}"
                             f"{'/' + endpoint_name if endpoint_name else ''}: send traffic to the endpoint first.")
        violations, drift, current = evaluate(constraints, baseline, rows)
        if output_s3_uri:
            _write(output_s3_uri, "statistics.json", current)
            _write(output_s3_uri, "constraint_violations.json", {"violations": violations})
        threshold = float(constraints.get("monitoring_config", {}).get("distribution_constraints", {})
                          .get("comparison_threshold", 0.1))
        return MonitoringReport(endpoint_name, len(rows), violations, drift, current, baseline, output_s3_uri,
                                threshold)
