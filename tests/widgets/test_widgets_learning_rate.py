"""The learning-rate explorer, driven from Python the way a learner drives it with the mouse."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import gd
from helpers.widgets.explorer import Explorer
from helpers.widgets.learning_rate import LearningRateExplorer, classify_run


@pytest.fixture
def line_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 2, 60)
    return x[:, None], 3 * x + 1 + 0.3 * rng.standard_normal(60)


def test_starts_at_a_rate_that_converges(line_data):
    explorer = LearningRateExplorer(*line_data, epochs=50)
    assert explorer.state.verdict == "converges"
    assert explorer.slider.value < explorer.stable_rate
    assert explorer.verdict_text.startswith(f"learning rate {explorer.slider.value:.3g} converges")
    assert "converges" in explorer.verdict.value  # what the widget shows


def test_the_slider_spans_crawling_to_diverging(line_data):
    explorer = LearningRateExplorer(*line_data)
    assert explorer.slider.min <= np.log10(explorer.stable_rate / 1000)
    assert explorer.slider.max >= np.log10(2 * explorer.stable_rate)
    assert isinstance(explorer.slider, widgets.FloatLogSlider)


def test_moving_the_slider_gives_crawls_converges_diverges(line_data):
    explorer = LearningRateExplorer(*line_data, epochs=50)
    limit = explorer.stable_rate

    explorer.slider.value = limit / 500
    assert explorer.state.verdict == "crawls"
    assert "crawls" in explorer.verdict_text and "gets there sooner" in explorer.verdict_text
    assert explorer.state.excess > 0.01
    assert explorer.state.result.final_loss > 1.01 * explorer.best_loss

    explorer.slider.value = 0.5 * limit
    assert explorer.state.verdict == "converges"
    history = explorer.state.result.loss_history
    assert history[-1] <= 1.01 * explorer.best_loss
    assert np.all(np.diff(history) <= 0)

    explorer.slider.value = 2 * limit
    assert explorer.state.verdict == "diverges"
    assert explorer.verdict_text.startswith("diverges: the loss grew from")
    assert "too large" in explorer.verdict_text
    assert explorer.state.result.epochs < 50  # stopped as soon as it blew up
    [note] = [t.get_text() for t in explorer.figure.axes[1].texts]
    assert note.startswith("the line left the chart:\nthe loss grew to")
    assert explorer.updates == 4  # the initial draw and three moves


def test_the_figure_shows_the_current_curve_the_optimum_and_earlier_tries(line_data):
    explorer = LearningRateExplorer(*line_data, epochs=20, keep=2)
    loss_ax, fit_ax = explorer.figure.axes
    assert len(loss_ax.lines) == 2  # this run + the dashed best-possible line
    assert len(fit_ax.lines) == 1 and len(fit_ax.collections) == 1  # fitted line over the data points
    np.testing.assert_allclose(loss_ax.lines[-2].get_ydata(), explorer.state.result.loss_history)
    # The fitted line is the model's: y = w x + b at both ends of the x range.
    x_ends = fit_ax.lines[0].get_xdata()
    w, b = explorer.state.result.weights[0], explorer.state.result.bias
    np.testing.assert_allclose(fit_ax.lines[0].get_ydata(), w * x_ends + b)

    for value in (0.01, 0.02, 0.05):
        explorer.slider.value = value
    assert [s.learning_rate for s in explorer.earlier] == [0.01, 0.02]  # only `keep` earlier ones
    assert len(explorer.figure.axes[0].lines) == 2 + 2
    assert len(explorer.figure.axes) == 2  # axes are cleared and reused, not stacked


def test_several_features_show_predicted_against_actual():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 3))
    y = X @ [1.0, -2.0, 0.5] + 1
    explorer = LearningRateExplorer(X, y, epochs=10)
    fit_ax = explorer.figure.axes[1]
    assert fit_ax.get_xlabel() == "actual" and fit_ax.get_ylabel() == "predicted"


def test_mini_batch_explorer_uses_the_batch_size(line_data):
    explorer = LearningRateExplorer(*line_data, epochs=5, batch_size=10)
    assert explorer.state.result.method == "mini-batch"
    assert explorer.state.result.steps == 5 * 6


def test_the_figure_renders_as_a_png_bundle(line_data):
    import base64

    explorer = LearningRateExplorer(*line_data, epochs=5)
    bundle = explorer.figure_bundle()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"] == "<LearningRateExplorer figure>"


def test_the_figure_never_leaks_into_pyplot(line_data):
    before = plt.get_fignums()
    explorer = LearningRateExplorer(*line_data)
    explorer.slider.value = 0.05
    assert plt.get_fignums() == before


def test_classify_run_uses_the_gap_to_the_best_loss():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 2))
    y = X @ [1.0, 2.0]
    best = 0.0
    crawl = gd.gradient_descent(X, y, learning_rate=1e-4, epochs=10)
    fast = gd.gradient_descent(X, y, learning_rate=0.3, epochs=200)
    blown = gd.gradient_descent(X, y, learning_rate=50.0, epochs=10, on_divergence="return")
    assert classify_run(crawl, best)[0] == "crawls"
    assert classify_run(fast, best) == ("converges", pytest.approx(0.0, abs=1e-6))
    assert classify_run(blown, best)[0] == "diverges"


def test_the_explorer_base_is_reusable_for_other_controls():
    class Square(Explorer):
        def compute(self, value):
            return value**2

        def describe(self, state):
            return f"square is {state}"

        def draw(self, state, axes):
            axes[0].bar([0], [state])

    explorer = Square(widgets.IntSlider(value=2, min=0, max=10), ncols=1)
    assert explorer.state is None  # nothing computed until the first refresh or change
    explorer.control.value = 7
    assert explorer.state == 49 and explorer.verdict_text == "square is 49"
    assert explorer.verdict.value == "<b>square is 49</b>"
    assert explorer.widget.children == (explorer.control, explorer.verdict, explorer.output)


def test_train_validation_error_plot_marks_the_lowest_validation_error():
    from matplotlib.figure import Figure

    from helpers import plots

    ax = Figure().subplots()
    plots.train_validation_error([1, 2, 3, 4], [4.0, 2.0, 1.0, 0.5], [5.0, 3.0, 3.5, 6.0], ax, xlabel="degree")
    training, validation, best = ax.lines
    np.testing.assert_array_equal(validation.get_ydata(), [5.0, 3.0, 3.5, 6.0])
    assert list(best.get_xdata()) == [2, 2]  # the vertical line at the lowest validation error
    assert ax.get_xlabel() == "degree" and ax.get_yscale() == "log"


@pytest.fixture
def trip_data():
    """Notebook 04's data: minutes = 5 + 9 km + noise, far above a line that starts at w = b = 0."""
    rng = np.random.default_rng(4)
    km = rng.uniform(0.3, 2.5, size=60).round(2)
    return km[:, None], (5 + 9 * km + rng.normal(0, 1.5, size=60)).round(1)


def _display_boxes(explorer):
    """A renderer after drawing the figure (as the PNG is drawn), so window extents are the final ones."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(explorer.figure)
    canvas.draw()
    return canvas.get_renderer()


def test_a_crawling_line_below_the_chart_gets_a_note(trip_data):
    explorer = LearningRateExplorer(*trip_data, epochs=50)
    assert len(explorer.figure.axes[1].texts) == 0  # converging: the line is on the chart, nothing to explain
    explorer.slider.value = explorer.stable_rate / 500
    assert explorer.state.verdict == "crawls"
    fit_ax = explorer.figure.axes[1]
    low, _ = fit_ax.get_ylim()
    assert max(fit_ax.lines[0].get_ydata()) < low  # the line really is below the chart
    [note] = fit_ax.texts
    assert note.get_text().startswith("the line is below the chart:")
    assert f"{explorer.state.result.final_loss:.3g}" in note.get_text()


def test_the_note_and_the_legends_cover_no_data(trip_data):
    explorer = LearningRateExplorer(*trip_data, epochs=50, keep=2)
    for value in (explorer.stable_rate / 500, 2 * explorer.stable_rate):
        explorer.slider.value = value
        renderer = _display_boxes(explorer)
        loss_ax, fit_ax = explorer.figure.axes
        for ax in (loss_ax, fit_ax):
            legend = ax.get_legend().get_window_extent(renderer)
            assert legend.y1 <= ax.get_window_extent(renderer).y0, "the legend overlaps the axes"
        points = fit_ax.transData.transform(fit_ax.collections[0].get_offsets())
        [note] = fit_ax.texts
        box = note.get_window_extent(renderer)
        covered = [p for p in points if box.x0 <= p[0] <= box.x1 and box.y0 <= p[1] <= box.y1]
        assert covered == [], f"the note covers {len(covered)} data point(s)"


# --- accessibility: a second cue besides colour, the course palette, the figure in words ---

def test_each_kind_of_line_differs_by_style_not_only_by_colour(line_data):
    explorer = LearningRateExplorer(*line_data, epochs=20, keep=2)
    for value in (0.01, 0.02, 0.05):
        explorer.slider.value = value
    loss_ax = explorer.figure.axes[0]
    earlier_1, earlier_2, current, best = loss_ax.lines
    styles = {"earlier": earlier_1.get_linestyle(), "current": current.get_linestyle(), "best": best.get_linestyle()}
    assert len(set(styles.values())) == 3, styles
    assert earlier_2.get_linestyle() == earlier_1.get_linestyle()
    legend = [t.get_text() for t in loss_ax.get_legend().get_texts()]
    assert legend.count("earlier rates tried") == 1  # one entry for the grey dotted lines, not one per try


def test_the_widget_uses_the_okabe_ito_palette_even_without_setup(line_data):
    from helpers.plots import PALETTE

    with matplotlib.rc_context(matplotlib.rcParamsDefault):  # as in a notebook that never called setup()
        explorer = LearningRateExplorer(*line_data, epochs=5)
    loss_ax, fit_ax = explorer.figure.axes
    assert matplotlib.colors.to_hex(loss_ax.lines[0].get_color()) == PALETTE[0].lower()
    assert matplotlib.colors.to_hex(fit_ax.collections[0].get_facecolor()[0][:3]) == PALETTE[0].lower()


def test_in_the_accessibility_mode_the_widget_figure_comes_with_words(line_data):
    from helpers import plots

    explorer = LearningRateExplorer(*line_data, epochs=5)
    assert set(explorer.figure_bundle()) == {"image/png", "text/plain"}
    plots.describe_figures(True)
    try:
        bundle = explorer.figure_bundle()
    finally:
        plots.describe_figures(None)
    assert bundle["text/html"].startswith('<figure style="margin: 0"><img src="data:image/png;base64,'
                                          + bundle["image/png"][:40])
    assert 'alt="Figure: training loss; after 5 epochs. Described in words below."' in bundle["text/html"]
    assert bundle["text/plain"] == plots.in_words(explorer.figure)
    assert f'line "learning rate {explorer.slider.value:.3g} ({explorer.state.verdict})"' in bundle["text/plain"]
