"""Exploratory figures with seaborn: distributions, box plots that show outliers, pairs, correlations,
and the label against each feature.

Each function draws and returns what it drew (a matplotlib ``Axes``, an array of them, or seaborn's
grid); none calls ``plt.show()``. Colours come from :data:`helpers.plots.PALETTE` (Okabe-Ito), and
colour is never the only cue: groups also differ by marker, heatmap cells carry their number.

The box plots' whiskers are Tukey's fences (1.5 x IQR, as :func:`helpers.data_quality.outliers.iqr_outliers`),
so the points beyond them are the same rows the outlier table lists::

    from helpers.data_quality import eda, outliers
    people = outliers.customer_measurements(data.load("messy_customers"))
    eda.outlier_boxplots(people, ["salary"], by="country")
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = ["MARKERS", "distributions", "outlier_boxplots", "pair_plot", "correlation_heatmap", "label_against_features"]

#: The second cue of a group after its colour: the n-th group gets the n-th marker.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@contextmanager
def _quiet_seaborn() -> Iterator[None]:
    """seaborn 0.13.2 calls matplotlib 3.11 APIs that warn of their deprecation (``vert=`` in box
    plots, ``set_bad`` in heatmaps) on every figure: matplotlib's business, not the learner's."""
    from matplotlib import MatplotlibDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MatplotlibDeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        yield


def _numeric_columns(frame: Any, columns: Sequence[str] | None, where: str) -> list[str]:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where} needs a pandas DataFrame, got a {type(frame).__name__}.")
    columns = list(columns) if columns is not None else [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                                                        and not pd.api.types.is_bool_dtype(frame[c])]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{where}: no column {missing} (the table has {list(frame.columns)}); check the spelling.")
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise TypeError(f"{where}: column(s) {text} are not numbers; convert them (pd.to_numeric) or leave them out.")
    if not columns:
        raise ValueError(f"{where}: no numeric column to draw; pass columns=[...].")
    return columns


def _need_column(frame: pd.DataFrame, column: str | None, where: str) -> None:
    if column is not None and column not in frame.columns:
        raise KeyError(f"{where}: no column {column!r} (the table has {list(frame.columns)}); check the spelling.")


def _tidy(axes: np.ndarray, created: bool) -> np.ndarray:
    """Fit the labels into a figure this module made (one a caller passed in is theirs to arrange)."""
    if created:
        axes[0].figure.tight_layout()
    return axes


def _grid(n: int, axes: Any, width: float = 4.0, height: float = 3.2) -> np.ndarray:
    """``n`` axes in rows of up to three (new ones unless ``axes`` are given)."""
    if axes is not None:
        flat = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if flat.size < n:
            raise ValueError(f"{n} figures need {n} axes, got {flat.size}: pass more axes, or axes=None.")
        return flat[:n]
    import matplotlib.pyplot as plt

    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    _, grid = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for extra in grid.ravel()[n:]:
        extra.set_visible(False)
    return grid.ravel()[:n]


def _palette(n: int) -> list[str]:
    from helpers.plots import PALETTE

    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def distributions(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, hue: str | None = None,
                  axes: Any = None, bins: int | str = "auto") -> np.ndarray:
    """One histogram (with a density curve) per numeric column; ``hue`` splits it by a category.

    Returns the array of Axes, one per column (three per row on a new figure).
    """
    import seaborn as sns

    columns = _numeric_columns(frame, columns, "distributions")
    _need_column(frame, hue, "distributions")
    groups = frame[hue].dropna().unique().tolist() if hue else []
    out = _grid(len(columns), axes)
    for ax, column in zip(out, columns):
        sns.histplot(data=frame, x=column, hue=hue, hue_order=groups or None, bins=bins, kde=True, ax=ax,
                     element="step", palette=_palette(len(groups)) if hue else None,
                     color=None if hue else _palette(1)[0])
        ax.set_ylabel("rows")
    return _tidy(out, axes is None)


def outlier_boxplots(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, by: str | None = None,
                     axes: Any = None) -> np.ndarray:
    """One box plot per numeric column (per group of ``by`` when given), whiskers at Tukey's fences.

    Points beyond the whiskers are the IQR outliers of that column (of its group): the box is Q1-Q3,
    the line the median. Missing values are left out. Returns the array of Axes.
    """
    import seaborn as sns

    columns = _numeric_columns(frame, columns, "outlier_boxplots")
    _need_column(frame, by, "outlier_boxplots")
    order = sorted(frame[by].dropna().unique().tolist()) if by else None
    out = _grid(len(columns), axes, width=5.0 if by else 3.0)
    for ax, column in zip(out, columns):
        with _quiet_seaborn():
            sns.boxplot(data=frame, x=by, y=column, order=order, whis=1.5, ax=ax, color=_palette(2)[1],
                        flierprops={"marker": "D", "markerfacecolor": _palette(4)[3], "markeredgecolor": "black"})
        ax.set_title(f"{column}: points beyond the whiskers = IQR outliers", fontsize="small")
        if by:
            for text in ax.get_xticklabels():
                text.set_rotation(30)
                text.set_horizontalalignment("right")
    return _tidy(out, axes is None)


def pair_plot(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, hue: str | None = None,
              sample: int | None = 1000, seed: int = 42):
    """Every pair of numeric columns as a scatter plot, each column's distribution on the diagonal.

    ``hue`` colours (and marks) the points by a category. More than ``sample`` rows are sampled
    (seeded) to keep the figure quick and legible; ``sample=None`` draws every row. Returns seaborn's PairGrid.
    """
    import seaborn as sns

    columns = _numeric_columns(frame, columns, "pair_plot")
    _need_column(frame, hue, "pair_plot")
    data = frame[columns + ([hue] if hue and hue not in columns else [])].dropna(subset=columns)
    if sample is not None and len(data) > sample:
        data = data.sample(sample, random_state=seed)
    groups = sorted(data[hue].dropna().unique().tolist()) if hue else []
    options: dict[str, Any] = {"plot_kws": {"s": 14, "alpha": 0.7}}
    if hue:
        options.update(hue=hue, hue_order=groups, palette=_palette(len(groups)), markers=list(MARKERS[:len(groups)])
                       if len(groups) <= len(MARKERS) else None)
    else:
        options["plot_kws"]["color"] = _palette(1)[0]
        options["diag_kws"] = {"color": _palette(1)[0]}
    return sns.pairplot(data, vars=columns, **options)


def correlation_heatmap(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, method: str = "spearman",
                        ax=None):
    """The correlation of every pair of numeric columns, as coloured cells with their value written in.

    ``method``: "spearman" (ranks: any monotone relation, robust to outliers; the default),
    "pearson" (straight lines only) or "kendall". The lower triangle only (the matrix is symmetric).
    A blue-white-red scale from -1 to 1: the numbers, not only the colours, carry the values.
    Returns the Axes.
    """
    import seaborn as sns

    columns = _numeric_columns(frame, columns, "correlation_heatmap")
    if method not in ("pearson", "spearman", "kendall"):
        raise ValueError(f"method {method!r} is unknown: use 'spearman', 'pearson' or 'kendall'.")
    if len(columns) < 2:
        raise ValueError("a correlation needs at least two numeric columns.")
    matrix = frame[columns].astype("float64").corr(method=method)
    upper = np.triu(np.ones_like(matrix, dtype=bool), k=1)
    if ax is None:
        import matplotlib.pyplot as plt

        size = 1.0 + 0.6 * len(columns)
        ax = plt.subplots(figsize=(size + 1.5, size))[1]
    with _quiet_seaborn():
        sns.heatmap(matrix, mask=upper, vmin=-1, vmax=1, center=0, cmap="RdBu_r", annot=True, fmt=".2f",
                    square=True, linewidths=0.5, cbar_kws={"label": f"{method} correlation"}, ax=ax)
    return ax


def label_against_features(frame: pd.DataFrame, label: str, columns: Sequence[str] | None = None, *,
                           axes: Any = None, sample: int | None = 2000, seed: int = 42) -> np.ndarray:
    """The label against each numeric feature, one panel per feature.

    A numeric label (a regression target, not 0/1): a scatter of the label against the feature with its
    trend (the label's rolling mean along the sorted feature). A categorical or 0/1 label:
    the feature's box plot per class. More than ``sample`` rows are sampled (seeded) for the scatters.
    Returns the array of Axes.
    """
    import seaborn as sns

    _need_column(frame, label, "label_against_features")
    columns = [c for c in _numeric_columns(frame, columns, "label_against_features") if c != label]
    if not columns:
        raise ValueError("label_against_features: no feature left besides the label; pass columns=[...].")
    values = frame[label]
    classes = values.dropna().unique()
    categorical = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or len(classes) <= 2
    out = _grid(len(columns), axes)
    colours = _palette(4)
    for ax, column in zip(out, columns):
        if categorical:
            order = sorted(classes.tolist(), key=str)
            with _quiet_seaborn():
                sns.boxplot(data=frame, x=label, y=column, order=order, ax=ax, hue=label, hue_order=order,
                            palette=_palette(len(order)), legend=False)
            continue
        data = frame[[column, label]].dropna()
        if sample is not None and len(data) > sample:
            data = data.sample(sample, random_state=seed)
        sns.scatterplot(data=data, x=column, y=label, ax=ax, s=10, alpha=0.5, color=colours[0], label="rows")
        trend = data.sort_values(column)
        window = max(5, len(trend) // 20)
        ax.plot(trend[column], trend[label].rolling(window, center=True, min_periods=1).mean(),
                color=colours[3], linestyle="--", linewidth=2, label=f"rolling mean ({window} rows)")
        ax.legend(loc="best", fontsize="small")
    return _tidy(out, axes is None)
