"""The edge comparison as a figure: file size and one-row latency per model and runtime.

Colour (:data:`helpers.plots.PALETTE`) marks the runtime, and so does a hatch pattern (the second cue);
every bar carries its value as text. :func:`in_words` is the figure's text equivalent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.plots import PALETTE, legend_below
from helpers.plots import in_words as _figure_in_words

HATCHES = ("", "//", "..", "xx", "\\\\")
# (table column, title, y label, scale to the label's unit, bar label format)
PANELS = (("size_bytes", "Model file size", "model file (kB)", 1e-3, "{:.1f}"),
          ("row_median_us", "Latency of one row (median)", "one row, median (µs)", 1.0, "{:.0f}"))


def plot_comparison(table: pd.DataFrame, axes=None):
    """Two bar panels (file size in kB; median one-row latency in µs), a group of bars per model.

    ``table`` is :func:`helpers.edge.measure`'s table; ``axes`` two matplotlib Axes (new ones when None).
    Returns the figure.
    """
    missing = {"model", "runtime", *(column for column, *_ in PANELS)} - set(table.columns)
    if missing:
        raise ValueError(f"the table lacks {sorted(missing)}: pass what helpers.edge.measure returned.")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    models = list(dict.fromkeys(table["model"]))
    runtimes = list(dict.fromkeys(table["runtime"]))
    width = 0.8 / len(runtimes)
    for ax, (column, title, label, scale, fmt) in zip(axes, PANELS):
        for i, runtime in enumerate(runtimes):
            rows = table[table["runtime"] == runtime].set_index("model").reindex(models)
            values = rows[column].to_numpy(dtype=float) * scale
            bars = ax.bar(np.arange(len(models)) + (i - (len(runtimes) - 1) / 2) * width, values, width,
                          label=runtime, color=PALETTE[i % len(PALETTE)], hatch=HATCHES[i % len(HATCHES)],
                          edgecolor="black", linewidth=0.5)
            ax.bar_label(bars, labels=[fmt.format(value) for value in values], fontsize="x-small", padding=1)
        ax.set_xticks(np.arange(len(models)), models)
        ax.set_ylabel(label)
        ax.set_title(title)
        ax.margins(y=0.15)
    legend_below(axes[0], ncols=len(runtimes))
    return axes[0].figure


def in_words(figure) -> str:
    """The figure in text, for a screen reader: :func:`helpers.plots.in_words` of what was drawn."""
    return _figure_in_words(figure)
