"""Figures for model evaluation: cost against threshold, misses by group before and after a fix,
learning and validation curves.

Each function draws on the matplotlib ``Axes`` it is given (or a new one) and returns it; none
calls ``plt.show()`` (the notebook cell does). Confusion matrices, ROC and precision-recall curves
come from scikit-learn's own ``ConfusionMatrixDisplay``, ``RocCurveDisplay`` and
``PrecisionRecallDisplay``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from helpers.evaluation import summarise_curve
from helpers.plots import LINESTYLES, OKABE_ITO, PALETTE

__all__ = ["cost_vs_threshold", "misses_before_after", "misses_before_after_summary", "learning_curve",
           "learning_curve_summary", "validation_curve"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def cost_vs_threshold(
    curve: pd.DataFrame,
    ax=None,
    *,
    marks: Mapping[str, float] | None = None,
    currency: str = "$",
    title: str | None = None,
    log: bool = True,
):
    """The cost of each threshold (a :func:`helpers.evaluation.threshold_costs` table) as a line.

    ``marks`` draws labelled vertical lines at chosen thresholds, e.g. {"default 0.5": 0.5}; the
    cheapest threshold is marked with a dot. ``log`` uses a log y-axis: flagging everything costs
    orders of magnitude more than the interesting range.
    """
    if not {"threshold", "cost"} <= set(curve.columns):
        raise ValueError("cost_vs_threshold needs the table of evaluation.threshold_costs(...).")
    ax = _axes(ax)
    ax.plot(curve["threshold"], curve["cost"], color=OKABE_ITO["blue"], label="cost")
    best = curve.loc[curve["cost"].idxmin()]
    ax.plot([best["threshold"]], [best["cost"]], "o", color=OKABE_ITO["vermillion"],
            label=f"cheapest: {best['threshold']:.3g} ({currency}{best['cost']:,.0f})")
    # Each mark differs from the others by its line style too, not by colour alone.
    for i, (label, threshold) in enumerate((marks or {}).items()):
        ax.axvline(threshold, color=PALETTE[(i + 1) % len(PALETTE)], linestyle=LINESTYLES[(i + 1) % len(LINESTYLES)],
                   linewidth=1, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("threshold (flag when score >= threshold)")
    ax.set_ylabel(f"cost ({currency})")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def _train_validation(frame: pd.DataFrame, x: str, ax, xlabel: str, title: str | None):
    summary = summarise_curve(frame)
    # Train and validation differ by marker and line style as well as colour.
    for split, colour, style in (("train", OKABE_ITO["blue"], "o-"), ("validation", OKABE_ITO["orange"], "s--")):
        part = summary[summary["split"] == split]
        positions = np.arange(len(part)) if part[x].dtype == object else part[x].to_numpy(dtype=float)
        ax.plot(positions, part["mean"], style, color=colour, label=split)
        ax.fill_between(positions, part["mean"] - part["std"].fillna(0), part["mean"] + part["std"].fillna(0),
                        color=colour, alpha=0.2)
        if part[x].dtype == object:
            ax.set_xticks(positions, [str(v) for v in part[x]])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(frame["metric"].iloc[0].replace("_", " "))
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def learning_curve(frame: pd.DataFrame, ax=None, *, title: str | None = None):
    """Mean train and validation score (band: ± one standard deviation over folds) against the
    number of training rows, from :func:`helpers.evaluation.learning_curve_frame`."""
    if "train_size" not in frame.columns:
        raise ValueError("learning_curve needs the frame of evaluation.learning_curve_frame(...).")
    return _train_validation(frame, "train_size", _axes(ax), "training rows", title)


def learning_curve_summary(frame: pd.DataFrame, name: str = "model") -> str:
    """The learning curve in one line of text: train and validation score at the most training rows,
    and the gap between them (the figure's lesson: both poor is underfitting, a wide gap overfitting).

    Scores are in the metric's units (errors as positive numbers), means over folds.
    """
    if "train_size" not in frame.columns:
        raise ValueError("learning_curve_summary needs the frame of evaluation.learning_curve_frame(...).")
    summary = summarise_curve(frame)
    last = summary[summary["train_size"] == summary["train_size"].max()].set_index("split")["mean"]
    metric = frame["metric"].iloc[0].replace("_", " ")
    train, validation = float(last["train"]), float(last["validation"])
    return (f"{name}: with {int(summary['train_size'].max()):,} training rows, {metric} {train:.3g} on the training "
            f"folds and {validation:.3g} on validation (gap {validation - train:.3g})")


def validation_curve(frame: pd.DataFrame, ax=None, *, xlabel: str = "hyperparameter value", title: str | None = None):
    """Mean train and validation score against one hyperparameter's value, from
    :func:`helpers.evaluation.validation_curve_frame`."""
    if "value" not in frame.columns:
        raise ValueError("validation_curve needs the frame of evaluation.validation_curve_frame(...).")
    return _train_validation(frame, "value", _axes(ax), xlabel, title)


def _before_after(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Misses per group of two :func:`helpers.evaluation.miss_table` tables, in ``before``'s order."""
    for name, table in (("before", before), ("after", after)):
        if not isinstance(table, pd.DataFrame) or "misses" not in table.columns:
            raise ValueError(f"{name} must be a table of evaluation.miss_table(missed, groups), with a 'misses' column.")
    if set(before.index) != set(after.index):
        raise ValueError(f"before and after have different groups ({sorted(map(str, before.index))} vs "
                         f"{sorted(map(str, after.index))}): group the same rows by the same column twice.")
    return pd.DataFrame({"before": before["misses"], "after": after["misses"].reindex(before.index)})


def misses_before_after(before: pd.DataFrame, after: pd.DataFrame, ax=None, *, title: str | None = None):
    """Horizontal bars: each group's misses before and after a fix (two ``miss_table`` tables).

    The two bars of a group differ by colour and by hatching, and carry their count as a label.
    """
    counts = _before_after(before, after)
    ax = _axes(ax)
    positions = np.arange(len(counts))
    height = 0.38
    for offset, column, colour, hatch in ((-height / 2, "before", OKABE_ITO["vermillion"], "//"),
                                          (height / 2, "after", OKABE_ITO["blue"], "")):
        bars = ax.barh(positions + offset, counts[column], height=height, color=colour, hatch=hatch,
                       edgecolor="black", linewidth=0.5, label=f"{column} the fix")
        ax.bar_label(bars, padding=2, fontsize="small")
    ax.set_yticks(positions, [str(group) for group in counts.index])
    ax.set_xlim(0, max(1, counts.to_numpy().max()) * 1.12)  # room for the count after the longest bar
    ax.invert_yaxis()  # the group with the most misses on top, as in the table
    ax.set_xlabel("misses (frauds not flagged)")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def misses_before_after_summary(before: pd.DataFrame, after: pd.DataFrame) -> str:
    """The bars of :func:`misses_before_after` in words: one line per group, then the total."""
    counts = _before_after(before, after)
    lines = [f"{group}: {int(row.before)} missed before the fix, {int(row.after)} after" for group, row in
             zip(counts.index, counts.itertuples())]
    lines.append(f"all groups: {int(counts['before'].sum())} missed before the fix, {int(counts['after'].sum())} after")
    return "\n".join(lines)
