"""Small reusable figures for the course notebooks and widgets.

Each function draws on the matplotlib ``Axes`` it is given (or on a new one) and returns that Axes,
so notebooks can combine them in subplots and widgets can redraw them. None calls ``plt.show()``:
the notebook cell does.

Accessibility: the course's colours are the Okabe-Ito palette (:data:`PALETTE`), distinguishable with
the common colour-vision deficiencies; :func:`helpers.course.notebook.setup` makes it matplotlib's
colour cycle. Colour is never the only cue: lines also differ by line style or marker, and a figure
whose point is a number has a one-line text summary the notebook prints (e.g.
``MonitoringReport.summary()``). :func:`in_words` describes any figure in text, computed from what
it draws; with ``setup(..., describe_figures=True)`` or ``FLYWHEEL_DESCRIBE_FIGURES=1`` every figure
is shown as :func:`figure_html` (the picture with alt text, and its description as a caption) for a
learner using a screen reader.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["OKABE_ITO", "PALETTE", "LINESTYLES", "REFERENCE_STYLE", "legend_below", "in_words", "figure_html", "figures_described", "describe_figures", "loss_curves", "fitted_line", "predicted_vs_actual",
           "train_validation_error"]

# Okabe & Ito (2008), "Color Universal Design": eight colours that stay distinct under protanopia,
# deuteranopia and tritanopia. Hex strings, as matplotlib takes them.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "bluish green": "#009E73", "vermillion": "#D55E00",
    "reddish purple": "#CC79A7", "sky blue": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
# The colour cycle (C0, C1, ...): the strongest contrasts on white first, yellow (faint on white) late.
PALETTE = tuple(OKABE_ITO.values())
# The second cue of a line after its colour: the n-th line of a figure gets the n-th style.
LINESTYLES = ("-", "--", "-.", ":")
# A reference line (the best possible loss): dash-dot-dot, a pattern no data line of LINESTYLES has.
REFERENCE_STYLE = (0, (6, 2, 1, 2, 1, 2))


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def _finish(ax, xlabel: str, ylabel: str, title: str | None, *, log_x: bool = False, log_y: bool = False):
    """Scales, axis labels, the optional title and the legend every figure here ends with; returns ``ax``."""
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def legend_below(ax, *, ncols: int = 2):
    """Put the axes' legend under the axes, where it covers no data (``loc="best"`` still can); return it.

    Nothing happens when no artist has a label.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not labels:
        return None
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=ncols,
                     fontsize="small", frameon=False)


def loss_curves(
    histories: Mapping[str, Sequence[float]],
    ax=None,
    *,
    log: bool = True,
    xlabel: str = "epoch",
    ylabel: str = "training loss (MSE)",
    optimum: float | None = None,
    title: str | None = None,
):
    """One line per named loss history (x = index: 0 is the loss before training).

    ``optimum`` draws the best reachable loss as a black dash-dot-dot line (a pattern no loss line has); ``log`` uses a log y-axis, which
    shows a crawl, a convergence and a divergence on one scale. Non-finite values are left out.
    """
    ax = _axes(ax)
    for i, (label, history) in enumerate(histories.items()):
        values = np.asarray(history, dtype=float)
        values = np.where(np.isfinite(values), values, np.nan)
        ax.plot(np.arange(values.size), values, linestyle=LINESTYLES[i % len(LINESTYLES)], label=label)
    if optimum is not None:
        ax.axhline(optimum, color="black", linestyle=REFERENCE_STYLE, linewidth=1, label="best possible")
    return _finish(ax, xlabel, ylabel, title, log_y=log)


def fitted_line(
    x: Any,
    y: Any,
    weight: float,
    bias: float,
    ax=None,
    *,
    label: str = "fitted line",
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
):
    """The data as points and the line y = weight · x + bias across their x range (one feature)."""
    ax = _axes(ax)
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    ax.scatter(x, y, s=12, alpha=0.6, label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    with np.errstate(over="ignore", invalid="ignore"):
        line = float(weight) * grid + float(bias)
    # A diverged model's line is far outside the data: keep the data in view.
    margin = 0.25 * (y.max() - y.min() or 1.0)
    ax.plot(grid, line, color=OKABE_ITO["vermillion"], linewidth=2, label=label)
    ax.set_ylim(y.min() - margin, y.max() + margin)
    return _finish(ax, xlabel, ylabel, title)


def predicted_vs_actual(y: Any, y_pred: Any, ax=None, *, title: str | None = None):
    """Predictions against the truth, with the diagonal a perfect model would sit on."""
    ax = _axes(ax)
    y = np.asarray(y, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    ax.scatter(y, y_pred, s=12, alpha=0.6, label="examples")
    low, high = float(y.min()), float(y.max())
    ax.plot([low, high], [low, high], color="black", linestyle="--", linewidth=1, label="perfect")
    margin = 0.25 * (high - low or 1.0)
    ax.set_ylim(low - margin, high + margin)
    return _finish(ax, "actual", "predicted", title)


def train_validation_error(
    values: Sequence[float],
    train_error: Sequence[float],
    validation_error: Sequence[float],
    ax=None,
    *,
    xlabel: str = "model complexity",
    ylabel: str = "error (MSE)",
    log_x: bool = False,
    log_y: bool = True,
    mark_best: bool = True,
    title: str | None = None,
):
    """Training and validation error against a complexity knob (degree, penalty, depth...).

    The gap between the curves is overfitting; both high is underfitting. ``mark_best`` marks the
    value with the lowest validation error.
    """
    ax = _axes(ax)
    values = np.asarray(values, dtype=float)
    validation = np.asarray(validation_error, dtype=float)
    ax.plot(values, np.asarray(train_error, dtype=float), marker="o", label="training")
    ax.plot(values, validation, marker="s", linestyle="--", label="validation")
    if mark_best:
        best = int(np.nanargmin(validation))
        ax.axvline(values[best], color="grey", linestyle=":", label=f"best: {values[best]:g}")
    return _finish(ax, xlabel, ylabel, title, log_x=log_x, log_y=log_y)


# --- a text equivalent of any figure, for screen readers and for learners who read numbers -----------

#: How many items (lines, bars, points, texts) ``in_words`` lists one by one before it summarises.
_LIST_AT_MOST = 8


def in_words(fig_or_ax, *, digits: int = 3) -> str:
    """A short text equivalent of a matplotlib figure (or one Axes), computed from what is drawn.

    Per Axes (numbered in figure order): the title, each axis's label, range and scale (category
    names or text tick labels when it has them), then each line (label, number of points, start and
    end, minimum and maximum and where), horizontal and vertical reference lines, bar groups (label
    and the value of each bar, named by its tick label), pie wedges (label and share), scatter
    collections (label, number of points, x and y ranges), images, colour meshes and filled contours
    (shape, value range), shaded areas, direct text labels, and the legend's entries. Dates on an
    axis are written as dates. Numbers are rounded to ``digits`` significant digits, so the text is
    the same on every run and every machine.

    ``fig_or_ax`` is a ``matplotlib.figure.Figure`` or an ``Axes``; returns one line per item,
    without a trailing newline. Colours are not described: the text names what colour encodes.
    """
    figure, axes = _figure_and_axes(fig_or_ax)
    _lay_out_text(figure)
    lines: list[str] = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        lines.append(f"Figure: {_clean(suptitle.get_text())}.")
    shown = [ax for ax in axes if ax.get_visible() and getattr(ax, "_colorbar", None) is None]
    for number, ax in enumerate(shown, start=1):
        prefix = f"Panel {number} of {len(shown)}" if len(shown) > 1 else "Chart"
        lines.extend(_Words(ax, digits).describe(prefix))
    # A colour bar is an Axes of its own in matplotlib, but to a reader it is the key of an image.
    lines.extend(_describe_colorbar(ax._colorbar, digits) for ax in axes if getattr(ax, "_colorbar", None) is not None)
    for legend in getattr(figure, "legends", []):
        lines.append(_describe_legend(legend, "Figure legend"))
    if not lines:
        lines.append("An empty figure.")
    return "\n".join(lines)


def _figure_and_axes(fig_or_ax):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    if isinstance(fig_or_ax, Axes):
        return fig_or_ax.figure, [fig_or_ax]
    if isinstance(fig_or_ax, (Figure, SubFigure)):
        return fig_or_ax, list(fig_or_ax.axes)
    raise TypeError(f"in_words takes a matplotlib Figure or Axes, not a {type(fig_or_ax).__name__}: pass "
                    "e.g. plt.gcf(), the figure plt.subplots() returned, or one of its axes.")


def _lay_out_text(figure) -> None:
    """Let matplotlib place the ticks and compute their labels (category names, dates) without drawing pixels."""
    try:
        figure.draw_without_rendering()
    except Exception:  # a figure that cannot be laid out is still described from its data
        pass


def _num(value: float, digits: int) -> str:
    value = float(value)
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:.{digits}g}"
    return "0" if text in {"-0", "0"} else text


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _label(artist) -> str | None:
    """The artist's legend label, or None for matplotlib's automatic ``_child3``-style names."""
    label = artist.get_label() if hasattr(artist, "get_label") else None
    if not label or str(label).startswith("_"):
        return None
    return _clean(label)


def _named(kind: str, artist) -> str:
    label = _label(artist)
    return f'{kind} "{label}"' if label else kind


def _is_number(text: str) -> bool:
    try:
        float(text.replace("\N{MINUS SIGN}", "-"))
    except ValueError:
        return False
    return True


def _position_writer(ax, which: str, digits: int):
    """How to write a coordinate of this axis: a date on a date axis (matplotlib's or pandas'), else a number."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    converter = type(axis.get_converter()).__name__
    freq = getattr(ax, "freq", None) if which == "x" else None
    if converter == "PeriodConverter" and freq is not None:  # pandas plots a regular index as period ordinals
        import pandas as pd

        return lambda value: str(pd.Period(ordinal=int(round(float(value))), freq=freq)) if np.isfinite(value) \
            else _num(value, digits)
    if "Date" in converter:
        from matplotlib.dates import num2date

        def date(value):
            if not np.isfinite(value):
                return _num(value, digits)
            moment = num2date(float(value))
            whole_day = (moment.hour, moment.minute, moment.second) == (0, 0, 0)
            return moment.strftime("%Y-%m-%d" if whole_day else "%Y-%m-%d %H:%M")
        return date
    return lambda value: _num(value, digits)


class _Words:
    """The description of one Axes; ``x``/``y`` write a coordinate as that axis shows it (number or date)."""

    def __init__(self, ax, digits: int):
        self.ax, self.digits = ax, digits
        self.x = _position_writer(ax, "x", digits)
        self.y = _position_writer(ax, "y", digits)

    def num(self, value) -> str:
        return _num(value, self.digits)

    def point(self, p) -> str:
        return f"({self.x(p[0])}, {self.y(p[1])})"

    def ranges(self, xy) -> str:
        return (f"x from {self.x(xy[:, 0].min())} to {self.x(xy[:, 0].max())}, "
                f"y from {self.y(xy[:, 1].min())} to {self.y(xy[:, 1].max())}")

    def describe(self, prefix: str) -> list[str]:
        ax = self.ax
        title = _clean(ax.get_title()) or _clean(ax.get_title("left")) or _clean(ax.get_title("right"))
        head = f'{prefix}: "{title}".' if title else f"{prefix}:"
        if ax.axison:
            head += f" {self.axis('x')}; {self.axis('y')}."
        items = (self.lines() + self.bars() + self.wedges() + self.collections() + self.images()
                 + _describe_texts(ax, at_most=_LIST_AT_MOST if ax.axison else 40))
        lines = [head] + [f"  {item}" for item in items]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            lines.append(f"  {_describe_legend(legend, 'Legend')}")
        return lines

    # --- axes ------------------------------------------------------------------------------------
    def axis(self, which: str) -> str:
        axis = self.ax.xaxis if which == "x" else self.ax.yaxis
        label = _clean(axis.get_label_text())
        text = f'{which} axis "{label}"' if label else f"{which} axis"
        categories = _categories(axis)
        if categories:
            return f"{text}: categories {', '.join(categories)}"
        low, high = self.ax.get_xlim() if which == "x" else self.ax.get_ylim()
        write = self.x if which == "x" else self.y
        text += f" from {write(low)} to {write(high)}"
        scale = axis.get_scale()
        text += f" ({scale} scale)" if scale != "linear" else ""
        ticks = _text_ticks(axis)
        return text + (f", ticks labelled {', '.join(ticks)}" if ticks else "")

    # --- lines -----------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        items = []
        for line in self.ax.lines:
            xy = np.asarray(line.get_xydata(), dtype=float) if line.get_visible() else np.empty((0, 2))
            if xy.size == 0:
                continue
            items.append(self.data_line(line, xy) if line.get_transform() == self.ax.transData
                         else self.reference_line(line, xy))
        return _at_most(items, "lines")

    def reference_line(self, line, xy) -> str:
        """axhline/axvline: one coordinate is in axes units (0 to 1), the other is the value that matters."""
        name = _label(line)
        named = f' "{name}"' if name else ""
        if np.allclose(xy[:, 1], xy[0, 1]):
            return f"horizontal line{named} at y = {self.y(xy[0, 1])}"
        if np.allclose(xy[:, 0], xy[0, 0]):
            return f"vertical line{named} at x = {self.x(xy[0, 0])}"
        return f"line{named} ({_plural(len(xy), 'point')}, drawn in axes units)"

    def data_line(self, line, xy) -> str:
        kind = "points" if line.get_linestyle() in ("None", "", " ", "none") else "line"
        text = _named(kind, line)
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite) == 0:
            return f"{text}: {_plural(len(xy), 'point')}, none finite"
        if len(finite) <= 5:
            return f"{text}: {_plural(len(finite), 'point')} {', '.join(self.point(p) for p in finite)}"
        low, high = finite[np.argmin(finite[:, 1])], finite[np.argmax(finite[:, 1])]
        left_out = f" ({len(xy) - len(finite)} not finite, left out)" if len(finite) < len(xy) else ""
        return (f"{text}: {len(finite)} points{left_out} from {self.point(finite[0])} to {self.point(finite[-1])}; "
                f"minimum y {self.y(low[1])} at x = {self.x(low[0])}, "
                f"maximum y {self.y(high[1])} at x = {self.x(high[0])}")

    # --- bars and wedges ---------------------------------------------------------------------------
    def bars(self) -> list[str]:
        from matplotlib.container import BarContainer

        return _at_most([self.bar_group(c) for c in self.ax.containers
                         if isinstance(c, BarContainer) and c.patches], "bar groups")

    def bar_group(self, container) -> str:
        horizontal = getattr(container, "orientation", "vertical") == "horizontal"
        patches = container.patches
        values = np.array([p.get_width() if horizontal else p.get_height() for p in patches], dtype=float)
        centres = np.array([p.get_y() + p.get_height() / 2 if horizontal else p.get_x() + p.get_width() / 2
                            for p in patches], dtype=float)
        names = self.tick_names("y" if horizontal else "x", centres)
        text = _named("bars", container)
        # A hatch marks a bar out (the drift plot's drifted features): say which bars have one.
        marks = [f" (hatched {p.get_hatch()})" if p.get_hatch() else "" for p in patches]
        if len(patches) <= _LIST_AT_MOST:
            return f"{text}: {_plural(len(patches), 'bar')}: " + ", ".join(
                f"{self.num(v)} {n}{m}" for n, v, m in zip(names, values, marks))
        top = int(np.nanargmax(values)) if np.isfinite(values).any() else 0
        hatched = sum(bool(m) for m in marks)
        return (f"{text}: {len(patches)} bars{f' ({hatched} hatched)' if hatched else ''}, the first {names[0]}, "
                f"the last {names[-1]}; the largest {self.num(values[top])} {names[top]}; "
                f"total {self.num(np.nansum(values))}")

    def tick_names(self, which: str, positions: np.ndarray) -> list[str]:
        """Where each bar is: "for <tick label>" when a text tick sits there (categories), else "at x = <position>"."""
        axis = self.ax.xaxis if which == "x" else self.ax.yaxis
        write = self.x if which == "x" else self.y
        by_position = {}
        for location, label in zip(axis.get_ticklocs(), axis.get_ticklabels()):
            if label.get_text().strip() and not _is_number(label.get_text()):
                by_position[round(float(location), 9)] = f"for {_clean(label.get_text())}"
        return [by_position.get(round(float(p), 9), f"at {which} = {write(p)}") for p in positions]

    def wedges(self) -> list[str]:
        """A pie's wedges: label and share of the circle (pie() names each wedge after its label)."""
        from matplotlib.patches import Wedge

        wedges = [p for p in self.ax.patches if isinstance(p, Wedge) and p.get_visible()]
        if not wedges:
            return []
        shares = [((w.theta2 - w.theta1) % 360 or 360) / 360 for w in wedges]
        parts = [f"{_label(w) or f'wedge {i}'} {self.num(100 * share)}%"
                 for i, (w, share) in enumerate(zip(wedges, shares), start=1)]
        return [f"pie: {_plural(len(wedges), 'wedge')}: " + ", ".join(parts[:_LIST_AT_MOST])
                + (f" and {len(parts) - _LIST_AT_MOST} more" if len(parts) > _LIST_AT_MOST else "")]

    # --- collections and images ------------------------------------------------------------------
    def collections(self) -> list[str]:
        from matplotlib.collections import LineCollection, PathCollection, PolyCollection, QuadMesh
        from matplotlib.contour import ContourSet

        items = []
        for collection in self.ax.collections:
            if not collection.get_visible():
                continue
            if isinstance(collection, ContourSet):
                items.append(self.contours(collection))
            elif isinstance(collection, QuadMesh):
                items.append(_value_grid(_named("colour mesh", collection), collection.get_array(), self.digits))
            elif isinstance(collection, PathCollection):
                items.append(self.scatter(collection))
            elif isinstance(collection, LineCollection):
                items.append(f"{_named('line segments', collection)}: {len(collection.get_segments())}")
            elif isinstance(collection, PolyCollection):
                items.append(self.shaded(collection))
        return _at_most(items, "collections")

    def contours(self, contours) -> str:
        kind = "filled contours" if contours.filled else "contour lines"
        levels = np.asarray(contours.levels, dtype=float)
        return f"{_named(kind, contours)}: {_plural(len(levels), 'level')} from {self.num(levels.min())} to {self.num(levels.max())}"

    def scatter(self, collection) -> str:
        points = np.asarray(collection.get_offsets(), dtype=float).reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        text = _named("scatter", collection)
        if len(points) == 0:
            return f"{text}: no points"
        return f"{text}: {_plural(len(points), 'point')}, {self.ranges(points)}"

    def shaded(self, collection) -> str:
        """fill_between, violins, hexbin: the area covered, and the values when colour encodes them."""
        array = collection.get_array()
        if array is not None and np.size(array):
            return _value_grid(_named("colour-coded cells", collection), array, self.digits)
        vertices = [np.asarray(path.vertices, dtype=float) for path in collection.get_paths()]
        xy = np.concatenate(vertices) if vertices else np.empty((0, 2))
        xy = xy[np.isfinite(xy).all(axis=1)]
        text = _named("shaded area", collection)
        return f"{text}: {self.ranges(xy)}" if len(xy) else text

    def images(self) -> list[str]:
        return _at_most([_value_grid(_named("image", image), image.get_array(), self.digits)
                         for image in self.ax.images if image.get_visible()], "images")


def _categories(axis) -> list[str]:
    """The tick labels of a categorical axis (strings plotted as x or y), else an empty list."""
    from matplotlib.category import StrCategoryConverter

    if not isinstance(axis.get_converter(), StrCategoryConverter):
        return []
    return [_clean(t.get_text()) for t in axis.get_ticklabels() if t.get_text().strip()]


def _text_ticks(axis) -> list[str]:
    """Tick labels set as text on a numeric axis (``set_xticks(..., labels=[...])`` or a label function),
    else an empty list. matplotlib's own number formats (plain, log, dates) are not repeated."""
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    if axis.get_converter() is not None or not isinstance(axis.get_major_formatter(), (FixedFormatter, FuncFormatter)):
        return []
    texts = [_clean(t.get_text()) for t in axis.get_ticklabels() if t.get_text().strip()]
    return texts[:_LIST_AT_MOST * 2] if any(not _is_number(t) for t in texts) else []


def _value_grid(text: str, array, digits: int) -> str:
    if array is None:
        return text
    values = np.ma.masked_invalid(np.ma.asarray(array, dtype=float))
    shape = " x ".join(str(n) for n in np.shape(array))
    if values.count() == 0:
        return f"{text}: {shape}, no finite values"
    return f"{text}: {shape}, values from {_num(values.min(), digits)} to {_num(values.max(), digits)}"


def _describe_texts(ax, at_most: int) -> list[str]:
    """The chart's own words; a diagram (axes hidden) is mostly words, so it lists more of them."""
    from matplotlib.patches import Wedge

    # A pie's labels are already said with their wedges.
    said = {_label(p) for p in ax.patches if isinstance(p, Wedge)}
    texts = [_clean(t.get_text()) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    texts = [t for t in texts if t not in said]
    if not texts:
        return []
    shown = texts[:at_most]
    more = f" and {len(texts) - len(shown)} more" if len(texts) > len(shown) else ""
    return ["labels on the chart: " + "; ".join(f'"{t}"' for t in shown) + more]


def _describe_legend(legend, name: str) -> str:
    title = _clean(legend.get_title().get_text())
    entries = [_clean(t.get_text()) for t in legend.get_texts()]
    return f"{name}{f' ({title})' if title else ''}: {', '.join(entries)}"


def _describe_colorbar(colorbar, digits: int) -> str:
    label = _clean(colorbar.ax.get_ylabel() or colorbar.ax.get_xlabel())
    named = f' "{label}"' if label else ""
    return f"Colour bar{named}: from {_num(colorbar.vmin, digits)} to {_num(colorbar.vmax, digits)}."


def _at_most(items: list[str], what: str) -> list[str]:
    if len(items) <= _LIST_AT_MOST:
        return items
    return items[:_LIST_AT_MOST] + [f"and {len(items) - _LIST_AT_MOST} more {what}"]


def figure_html(fig, *, png_base64: str | None = None, digits: int = 3) -> str:
    """The figure as HTML a screen reader can read: the PNG with alt text, and :func:`in_words` as its caption.

    JupyterLab 4 shows a figure's ``image/png`` as an ``<img>`` without ``alt`` (it ignores the output's
    metadata), so a screen reader announces an unlabelled graphic, or reads out the data URI. This
    ``<figure>`` names the image in its ``alt`` (the titles) and puts the full description in a
    ``<figcaption>`` a screen reader reads next, line by line (and a sighted reader can read too).
    ``png_base64``: the picture already rendered (base64 text), else rendered here as the inline
    backend does. Returns an HTML fragment (str).
    """
    import html

    from IPython.core.pylabtools import print_figure

    words = in_words(fig, digits=digits)
    png = png_base64 or print_figure(fig, "png", bbox_inches="tight", base64=True)
    if not png:  # print_figure returns None for a figure with no axes
        return f'<pre role="note" aria-label="figure in words">{html.escape(words)}</pre>'
    return (f'<figure style="margin: 0">'
            f'<img src="data:image/png;base64,{png}" alt="{html.escape(_alt(fig), quote=True)}">'
            f'<figcaption><pre style="white-space: pre-wrap">{html.escape(words)}</pre></figcaption></figure>')


# Set by helpers.course.notebook.figures_in_words (setup's describe_figures); None: the environment decides.
_describing: bool | None = None


def figures_described() -> bool:
    """True when every figure is to be shown with a text equivalent (accessibility mode).

    :func:`helpers.course.notebook.setup` ``(describe_figures=True)`` turns it on; left unset, the
    environment variable ``FLYWHEEL_DESCRIBE_FIGURES=1`` does. Widgets that render their own PNG
    ask this to add :func:`figure_html` to their output.
    """
    if _describing is not None:
        return _describing
    import os

    return os.environ.get("FLYWHEEL_DESCRIBE_FIGURES", "0").strip().lower() in {"1", "true", "yes", "on"}


def describe_figures(on: bool | None) -> None:
    """Record the accessibility mode for widgets (``None``: back to the environment variable)."""
    global _describing
    _describing = None if on is None else bool(on)


def _alt(fig) -> str:
    """A short name for the image: its titles; the caption after it has the details."""
    titles = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        titles.append(_clean(suptitle.get_text()))
    titles += [_clean(ax.get_title()) for ax in fig.axes if _clean(ax.get_title())]
    named = f": {'; '.join(titles)}" if titles else ""
    return f"Figure{named}. Described in words below."
