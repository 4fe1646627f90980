"""helpers.plots: every figure ends with its labels, title, legend and the scales asked for."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_curves_labels_scale_and_legend():
    ax = plots.loss_curves({"lr=0.1": [4.0, 2.0, np.inf]}, optimum=1.0, log=True, title="losses")
    assert (ax.get_title(), ax.get_yscale(), ax.get_xscale()) == ("losses", "log", "linear")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.1", "best possible"]


def test_predicted_vs_actual_names_its_axes():
    ax = plots.predicted_vs_actual([1, 2, 3], [1.1, 1.9, 3.2])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("actual", "predicted", "")
    assert ax.get_legend() is not None


def test_train_validation_error_log_axes_and_best_mark():
    ax = plots.train_validation_error([0.01, 0.1, 1.0], [0.3, 0.2, 0.1], [0.5, 0.2, 0.4], log_x=True, log_y=True)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert "best: 0.1" in [t.get_text() for t in ax.get_legend().get_texts()]


# --- accessibility: a colour-blind-safe palette, a second cue besides colour, a text equivalent ---

def _deuteranopia(hex_colours) -> np.ndarray:
    """sRGB colours (n, 3) in [0, 1] as a deuteranope sees them (Machado et al. 2009, severity 1)."""
    machado = np.array([[0.367322, 0.860646, -0.227968],
                        [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]])
    srgb = np.array([matplotlib.colors.to_rgb(c) for c in hex_colours])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ machado.T, 0, 1)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def _closest_pair(hex_colours) -> float:
    """The smallest distance (sRGB, 0 to sqrt(3)) between two of the colours under deuteranopia."""
    seen = _deuteranopia(hex_colours)
    return min(float(np.linalg.norm(seen[i] - seen[j])) for i in range(len(seen)) for j in range(i + 1, len(seen)))


def test_the_palette_is_okabe_ito_and_stays_distinct_for_a_deuteranope():
    assert set(plots.PALETTE) == {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
                                  "#000000"}
    assert _closest_pair(plots.PALETTE) > 0.15
    # the yardstick can fail: matplotlib's red and green, the classic confusion, fall below it
    assert _closest_pair(["tab:red", "tab:green"]) < 0.15


def test_the_drift_figure_uses_the_palette():
    from helpers.platform.serving.monitor import DRIFT_COLOURS

    assert set(DRIFT_COLOURS) <= set(plots.PALETTE)
    assert _closest_pair(matplotlib.rcParamsDefault["axes.prop_cycle"].by_key()["color"]) < 0.15


def test_setup_makes_the_palette_every_figure_s_colour_cycle(capsys):
    from helpers.course.notebook import setup

    with matplotlib.rc_context():
        setup("04_linear_regression_gd")
        assert tuple(plt.rcParams["axes.prop_cycle"].by_key()["color"]) == plots.PALETTE
        assert plt.subplots()[1].plot([0, 1])[0].get_color() == plots.PALETTE[0]


def test_lines_differ_by_style_or_marker_not_only_by_colour():
    ax = plots.loss_curves({"a": [3, 2, 1], "b": [3, 2.5, 2], "c": [3, 1, 0.5], "d": [3, 3, 3]}, log=False,
                           optimum=0.4)
    # get_linestyle() says "--" for any custom dash pattern: compare the patterns themselves.
    patterns = [repr(line._unscaled_dash_pattern) for line in ax.lines]
    assert len(set(patterns)) == 5, patterns  # 4 losses and the optimum, each its own pattern
    ax = plots.train_validation_error([1, 2, 3], [0.3, 0.2, 0.1], [0.5, 0.2, 0.4], mark_best=False)
    assert ax.lines[0].get_marker() != ax.lines[1].get_marker()


def _report(shift: float):
    """A monitoring report over 3 features: traffic of feature b shifted by ``shift`` baseline stds."""
    from helpers.platform.serving.monitor import MonitoringReport, dataset_statistics, evaluate, suggest_constraints

    rng = np.random.default_rng(3)
    baseline_rows = rng.normal(0, 1, (600, 3)).tolist()
    traffic = rng.normal(0, 1, (400, 3))
    traffic[:, 1] += shift
    names = ["a", "b", "c"]
    baseline = dataset_statistics(baseline_rows, names)
    violations, drift, current = evaluate(suggest_constraints(baseline), baseline, traffic.tolist())
    return MonitoringReport("ep", 400, violations, drift, current, baseline)


def test_the_drift_plot_marks_drifted_features_by_hatch_and_label_too():
    report = _report(shift=1.5)
    assert report.drifted_features == ["b"]
    bars_ax = report.plot().axes[0]
    hatched = [bar.get_hatch() for bar in bars_ax.patches]
    assert hatched == [None, "//", None]
    labels = [t.get_text() for t in bars_ax.texts]
    assert labels == ["drifted"]
    assert "drifted" in [t.get_text() for t in bars_ax.get_legend().get_texts()]
    titles = [ax.get_title() for ax in report.plot().axes[1:]]
    assert titles[0].startswith("b:") and titles[0].endswith("(drifted)")
    assert not any(t.endswith("(drifted)") for t in titles[1:])


def test_the_drift_summary_states_what_drifted_and_by_how_much():
    report = _report(shift=1.5)
    b = next(d for d in report.drift if d["feature_name"] == "b")
    assert report.summary() == f"drift: 1 of 3 features drifted (KS distance, threshold 0.1): b {b['distance']:.2f}"
    calm = _report(shift=0.0)
    top = max(calm.drift, key=lambda d: d["distance"])
    assert calm.summary() == (f"drift: none of 3 features drifted (KS distance, threshold 0.1); the largest distance "
                              f"is {top['feature_name']} {top['distance']:.2f}")


# --- in_words: a text equivalent computed from what the figure draws ---

def test_in_words_names_the_title_axes_each_line_and_the_legend():
    ax = plots.loss_curves({"lr=0.1": [4.0, 2.0, 1.0, 0.5, 0.3, 0.25], "lr=1": [4.0, 8.0, 16.0]}, optimum=0.1,
                           title="losses")
    low, high = ax.get_ylim()
    assert plots.in_words(ax.figure).splitlines() == [
        f'Chart: "losses". x axis "epoch" from -0.25 to 5.25; y axis "training loss (MSE)" from {low:.3g} to '
        f'{high:.3g} (log scale).',
        '  line "lr=0.1": 6 points from (0, 4) to (5, 0.25); minimum y 0.25 at x = 5, maximum y 4 at x = 0',
        '  line "lr=1": 3 points (0, 4), (1, 8), (2, 16)',
        '  horizontal line "best possible" at y = 0.1',
        "  Legend: lr=0.1, lr=1, best possible",
    ]


def test_in_words_says_where_a_line_peaks_and_leaves_out_what_is_not_finite():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2, 3, 4, 5, 6], [1.0, 3.0, 9.87654, 2.0, np.nan, 0.5, 1.0], label="accuracy")
    words = plots.in_words(ax)
    assert ('line "accuracy": 6 points (1 not finite, left out) from (0, 1) to (6, 1); minimum y 0.5 at x = 5, '
            'maximum y 9.88 at x = 2') in words


def test_in_words_reads_bars_by_category_scatter_images_colour_bars_and_direct_labels():
    fig, (bars, points, picture) = plt.subplots(1, 3)
    bars.bar(["a", "b", "c"], [0.05, 0.61234, 0.04], label="KS distance", hatch="//")
    bars.text(1, 0.6, "drifted")
    points.scatter([1, 2, 3, 4], [10, -5, 7, 2], label="customers")
    image = picture.imshow(np.arange(12).reshape(3, 4))
    fig.colorbar(image, label="count")
    fig.suptitle("Drift")
    lines = plots.in_words(fig).splitlines()
    assert lines[0] == "Figure: Drift."
    assert lines[1].startswith("Panel 1 of 3: x axis: categories a, b, c; y axis from 0 to ")
    assert lines[2:4] == ['  bars "KS distance": 3 bars: 0.05 for a (hatched //), 0.612 for b (hatched //), 0.04 for c '
                          '(hatched //)',
                          '  labels on the chart: "drifted"']
    assert '  scatter "customers": 4 points, x from 1 to 4, y from -5 to 10' in lines
    assert "  image: 3 x 4, values from 0 to 11" in lines
    assert lines[-1] == 'Colour bar "count": from 0 to 11.'


def test_in_words_summarises_many_bars_instead_of_listing_them():
    fig, ax = plt.subplots()
    ax.bar(np.arange(20), np.arange(20) % 7, label="counts")
    assert ('bars "counts": 20 bars, the first at x = 0, the last at x = 19; the largest 6 at x = 6; total 57'
            in plots.in_words(fig))


def test_in_words_changes_when_the_data_changes_and_repeats_when_it_does_not():
    def words(y):
        fig, ax = plt.subplots()
        plots.predicted_vs_actual([1.0, 2.0, 3.0], y, ax=ax)
        return plots.in_words(fig)

    assert words([1.1, 1.9, 3.2]) == words([1.1, 1.9, 3.2])
    assert words([1.1, 1.9, 3.2]) != words([3.0, 1.0, 2.0])
    assert "y from 1 to 3" in words([3.0, 1.0, 2.0])


def test_in_words_refuses_what_is_not_a_figure_and_says_what_to_pass():
    with pytest.raises(TypeError, match=r"not a list: pass e\.g\. plt\.gcf\(\)"):
        plots.in_words([1, 2])
    assert plots.in_words(plt.figure()) == "An empty figure."


def test_in_words_writes_dates_as_dates_whether_matplotlib_or_pandas_plotted_them():
    import pandas as pd

    fig, ax = plt.subplots()
    ax.plot(pd.date_range("2024-03-01", periods=3, freq="D"), [5.0, 7.0, 6.0], label="orders")
    assert 'line "orders": 3 points (2024-03-01, 5), (2024-03-02, 7), (2024-03-03, 6)' in plots.in_words(ax)
    monthly = pd.Series([1.0, 3.0, 2.0], index=pd.period_range("2024-01", periods=3, freq="M"), name="sales")
    ax = monthly.plot(ax=plt.subplots()[1])
    assert 'line "sales": 3 points (2024-01, 1), (2024-02, 3), (2024-03, 2)' in plots.in_words(ax)


def test_in_words_reads_pies_contours_and_text_tick_labels():
    fig, (pie, contour, matrix) = plt.subplots(1, 3)
    pie.pie([1, 3], labels=["fraud", "genuine"])
    contour.contourf(np.arange(16.0).reshape(4, 4), levels=[0, 5, 10, 15])
    matrix.imshow([[50, 3], [7, 40]])
    matrix.set_xticks([0, 1], ["genuine", "fraud"])
    lines = plots.in_words(fig).splitlines()
    assert "  pie: 2 wedges: fraud 25%, genuine 75%" in lines
    assert not any(line.startswith("  labels on the chart") for line in lines)  # the pie's labels: said once
    assert "  filled contours: 4 levels from 0 to 15" in lines
    [matrix_head] = [line for line in lines if line.startswith("Panel 3 of 3")]
    assert "from -0.5 to 1.5, ticks labelled genuine, fraud;" in matrix_head


def test_in_words_says_which_feature_the_drift_plot_marks_as_drifted():
    report = _report(shift=1.5)
    distance = {d["feature_name"]: d["distance"] for d in report.drift}
    words = plots.in_words(report.plot())
    assert (f"3 bars: {distance['a']:.3g} for a, {distance['b']:.3g} for b (hatched //), {distance['c']:.3g} for c"
            in words)
    assert 'labels on the chart: "drifted"' in words
