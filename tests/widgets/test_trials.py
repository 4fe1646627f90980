"""The trial browser's figure: every category has a marker or line style besides its colour, and the
legends sit under the axes, off the data. (Its behaviour on a real tuning job: tests/platform/test_platform_tuning.py.)"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from helpers import plots  # noqa: E402
from helpers.platform.tuning import records  # noqa: E402
from helpers.widgets.trials import TrialBrowser  # noqa: E402


def _summary(name, eta, value, status="Completed"):
    summary = {"TrainingJobName": name, "TrainingJobStatus": status, "TunedHyperParameters": {"eta": str(eta)}}
    if value is not None:
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {"MetricName": "validation:auc", "Value": value}
    return summary


@pytest.fixture
def browser(monkeypatch):
    """Four trials (one failed) of a made-up tuning job; AUC is maximised, trial 2 is the best."""
    summaries = [_summary("t1", 0.1, 0.81), _summary("t2", 0.3, 0.90), _summary("t3", 0.9, None, "Failed"),
                 _summary("t4", 0.5, 0.86)]
    histories = {"t1": [0.7, 0.78, 0.81], "t2": [0.75, 0.85, 0.9], "t4": [0.72, 0.8, 0.86]}
    record = {
        "HyperParameterTuningJobConfig": {"HyperParameterTuningJobObjective": {"MetricName": "validation:auc",
                                                                               "Type": "Maximize"}},
        records.PRIVATE: {"TrainingJobSummaries": summaries,
                          "Trials": {name: {"ObjectiveHistory": h} for name, h in histories.items()}},
    }
    monkeypatch.setattr(records, "read", lambda name: record)
    with matplotlib.rc_context(matplotlib.rcParamsDefault):  # without setup(): the widget brings its palette
        browser = TrialBrowser("made-up-job")
        browser.control.value = 0  # trial 1: its curve, the best's for comparison, its ring on the overview
    return browser


def test_every_category_has_its_own_marker_or_line_style(browser):
    curve, overview = browser.figure.axes
    cues = {line.get_label(): (line.get_marker(), line.get_linestyle()) for ax in (curve, overview) for line in ax.lines}
    assert set(cues) == {"best trial", "trial 1", "final objective", "no objective", "this trial"}
    assert cues["best trial"][1] != cues["trial 1"][1]  # dashed against solid
    overview_cues = {label: cues[label] for label in ("final objective", "no objective", "this trial")}
    assert cues["no objective"][0] == "x"
    ring = next(line for line in overview.lines if line.get_label() == "this trial")
    dots = next(line for line in overview.lines if line.get_label() == "final objective")
    assert ring.get_markerfacecolor() == "none" and ring.get_markersize() > 2 * dots.get_markersize()
    assert len(set(overview_cues.values())) >= 2


def test_colours_are_okabe_ito(browser):
    colours = {matplotlib.colors.to_hex(line.get_color()) for ax in browser.figure.axes for line in ax.lines
               if line.get_label() != "best trial"}  # the best trial's curve is grey on purpose
    assert colours <= {c.lower() for c in plots.PALETTE}


def test_the_legends_cover_no_data(browser):
    renderer = FigureCanvasAgg(browser.figure).get_renderer()
    browser.figure.canvas.draw()
    for ax in browser.figure.axes:
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y1 <= ax.get_window_extent(renderer).y0, "the legend overlaps the axes"
