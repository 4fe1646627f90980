"""helpers.edge.benchmark, plots, devices and models: a complete table with positive timings (speed itself
is a benchmark, tests/benchmarks/bench_edge.py), its summary, figure and text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import data, edge
from helpers.edge import benchmark
from helpers.edge.plots import HATCHES, in_words, plot_comparison


@pytest.fixture(scope="module")
def table(models, exported, split) -> pd.DataFrame:
    return edge.measure(models, exported, split, row_repeats=5, batch_repeats=2, warmup=1)


def test_the_table_has_every_model_and_runtime_and_every_figure(table):
    assert list(table.columns) == list(benchmark.COLUMNS)
    assert list(zip(table["model"], table["runtime"])) == [(model, runtime) for model in ("logistic regression", "MLP")
                                                           for runtime in edge.RUNTIMES]
    assert not table.isna().any().any()
    for column in ("size_bytes", "row_median_us", "row_p99_us", "batch_median_ms", "batch_p99_ms"):
        assert (table[column] > 0).all(), column
    assert (table["row_p99_us"] >= table["row_median_us"]).all()
    assert (table["batch_rows"] == 900).all()
    assert table["auc"].between(0.5, 1).all() and table["accuracy"].between(0.5, 1).all()


def test_the_table_compares_each_runtime_with_sklearn(table):
    sk = table[table["runtime"] == edge.SKLEARN]
    assert (sk["max_probability_diff"] == 0).all() and (sk["agreement"] == 1).all()
    onnx = table[table["runtime"] == edge.FLOAT32]
    assert (onnx["max_probability_diff"] <= edge.PROBABILITY_ATOL).all()
    assert table["row_agreement"].between(0.99, 1).all()
    assert table.set_index(["model", "runtime"]).loc[("MLP", edge.INT8), "quantized_nodes"] == 3


def test_the_summary_says_what_quantization_did_to_each_model(table):
    text = edge.summary(table)
    assert "logistic regression:" in text and "MLP:" in text
    linear = table.set_index(["model", "runtime"]).loc["logistic regression"]
    sizes = f"({linear.loc[edge.FLOAT32, 'size_bytes']} bytes -> {linear.loc[edge.INT8, 'size_bytes']} bytes)"
    assert f"ONNX int8: does not shrink {sizes}" in text  # the linear model, said plainly
    mlp = table.set_index(["model", "runtime"]).loc["MLP"]
    ratio = mlp.loc[edge.FLOAT32, "size_bytes"] / mlp.loc[edge.INT8, "size_bytes"]
    assert f"{ratio:.1f}x smaller, 3 MatMul nodes" in text


def test_timing_runs_the_warm_up_then_each_input_once():
    calls = []
    timing = edge.row_latency(calls.append, np.zeros((4, 8), dtype=np.float32), repeats=10, warmup=3)
    assert len(calls) == 13 and all(call.shape == (1, 8) for call in calls)
    assert timing.runs == 10 and 0 < timing.median_us <= timing.p99_us
    with pytest.raises(ValueError, match="repeats >= 1"):
        edge.batch_latency(calls.append, np.zeros((4, 8)), repeats=0)


def test_measure_needs_an_export_for_every_model(models, split):
    with pytest.raises(ValueError, match=r"no ONNX export for \['MLP'\].*export_models"):
        edge.measure(models, {"logistic regression": {}}, split)


def test_the_figure_uses_a_second_cue_and_has_a_text_equivalent(table):
    import matplotlib

    matplotlib.use("Agg")
    figure = plot_comparison(table)
    size_axes = figure.axes[0]
    hatches = {bar.get_hatch() or "" for bar in size_axes.patches}
    assert hatches == set(HATCHES[: len(edge.RUNTIMES)])  # one pattern per runtime, not colour alone
    text = in_words(figure)
    assert "model file (kB)" in text and "one row, median (µs)" in text
    mlp_size = table.set_index(["model", "runtime"]).loc[("MLP", edge.FLOAT32), "size_bytes"]
    assert f"{mlp_size / 1e3:.1f}" in text  # the float32 MLP's size in kB, as the bar's label says
    for runtime in edge.RUNTIMES:
        assert runtime in text
    with pytest.raises(ValueError, match="helpers.edge.measure"):
        plot_comparison(table.drop(columns="size_bytes"))


def test_the_services_text_matches_each_service_to_what_the_lesson_did():
    text = edge.explain()
    for name in ("SageMaker Neo", "AWS IoT Greengrass"):
        assert text.count(name) == 1 and len(edge.SERVICES[name]["adds"]) >= 3
    assert "target chip" in text and "over the air" in text and "In this lesson: to_onnx" in text


def test_the_device_rows_refuse_an_unknown_product_type():
    frame = data.load("maintenance").head(3).copy()
    assert edge.maintenance_features(frame).dtype == np.float32
    frame.loc[frame.index[0], "Type"] = "X"
    with pytest.raises(ValueError, match=r"Type must be one of \('L', 'M', 'H'\); found \['X'\]"):
        edge.maintenance_features(frame)
    with pytest.raises(ValueError, match="lacks"):
        edge.maintenance_features(frame.drop(columns="Torque [Nm]"))
