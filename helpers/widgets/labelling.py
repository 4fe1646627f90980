"""Label a handful of examples yourself, then measure how well you agree with the recorded labels.

Labels come from historical records, from operations (a chargeback, a returned parcel) or from
people. People disagree, with each other and with the records; Cohen's kappa measures agreement
beyond what chance alone would give (1 = perfect, 0 = chance level, below 0 = worse than chance)::

    task = LabellingWidget(examples, choices=["fraud", "genuine"], recorded=recorded_labels)
    task.show()     # in JupyterLab: one example at a time, a button per label
    task.label("fraud")          # what a click does (tests and headless runs call it directly)
    print(task.agreement())      # once every example is labelled

:func:`agreement` does the measuring for any two label lists, widget or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

__all__ = ["Agreement", "agreement", "LabellingWidget", "kappa_strength"]

# Landis & Koch (1977): the usual words for kappa ranges.
_STRENGTH = [(0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.0, "almost perfect")]


def kappa_strength(kappa: float) -> str:
    """The Landis & Koch word for a kappa value ('poor' below 0 ... 'almost perfect' above 0.8)."""
    if math.isnan(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    for upper, word in _STRENGTH[1:]:
        if kappa <= upper:
            return word
    return "almost perfect"


@dataclass
class Agreement:
    """How two sets of labels for the same examples agree."""

    n: int
    agreed: int
    kappa: float  # Cohen's kappa; NaN when both raters used a single, identical label throughout
    table: pd.DataFrame  # rows: your labels, columns: recorded labels

    @property
    def fraction(self) -> float:
        return self.agreed / self.n

    def __str__(self) -> str:
        kappa = "undefined (only one label was used)" if math.isnan(self.kappa) else f"{self.kappa:.2f} ({kappa_strength(self.kappa)})"
        return (
            f"You agree with the recorded labels on {self.agreed} of {self.n} examples ({self.fraction:.0%}); "
            f"Cohen's kappa = {kappa}."
        )


def agreement(mine: Sequence[Any], recorded: Sequence[Any], labels: Sequence[Any] | None = None) -> Agreement:
    """Compare two label lists of the same length: count, percent agreement, Cohen's kappa, crosstab."""
    from sklearn.metrics import cohen_kappa_score

    mine, recorded = list(mine), list(recorded)
    if len(mine) != len(recorded):
        raise ValueError(
            f"{len(mine)} labels given for {len(recorded)} recorded labels: label every example once "
            "(the two lists must be in the same order and of the same length)."
        )
    if not mine:
        raise ValueError("no labels to compare: label at least one example first.")
    missing = [i for i, value in enumerate(mine) if value is None]
    if missing:
        raise ValueError(f"example(s) {missing} have no label yet: label every example before measuring agreement.")
    labels = list(labels) if labels is not None else sorted(set(mine) | set(recorded), key=str)
    agreed = sum(a == b for a, b in zip(mine, recorded))
    if len(set(mine) | set(recorded)) == 1:
        kappa = float("nan")  # chance agreement is 1 as well: kappa is 0/0
    else:
        kappa = float(cohen_kappa_score(mine, recorded, labels=labels))
    table = pd.crosstab(
        pd.Categorical(mine, categories=labels), pd.Categorical(recorded, categories=labels),
        rownames=["you"], colnames=["recorded"], dropna=False,
    )
    return Agreement(len(mine), agreed, kappa, table)


class LabellingWidget:
    """Show ``examples`` one at a time with a button per label; measure agreement at the end.

    Parameters
    ----------
    examples:
        One row per example; every column is shown (choose the columns a labeller would see).
    choices:
        The possible labels, e.g. ``["fraud", "genuine"]``.
    recorded:
        The recorded label of each example, in the same order; hidden until the end.
    """

    def __init__(self, examples: pd.DataFrame, choices: Sequence[str], recorded: Sequence[Any], *,
                 title: str = "Label these examples"):
        if not isinstance(examples, pd.DataFrame) or examples.empty:
            raise ValueError("examples must be a non-empty DataFrame, one row per example to label.")
        choices = list(choices)
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise ValueError(f"choices {choices!r} must be at least two distinct labels, e.g. ['fraud', 'genuine'].")
        recorded = list(recorded)
        if len(recorded) != len(examples):
            raise ValueError(
                f"{len(recorded)} recorded labels for {len(examples)} examples: give one recorded label per example."
            )
        unknown = sorted({str(r) for r in recorded if r not in choices})
        if unknown:
            raise ValueError(f"recorded label(s) {unknown} are not among the choices {choices}: add them to `choices`.")
        self.examples = examples.reset_index(drop=True)
        self.choices = choices
        self.recorded = recorded
        self.labels: list[Any] = [None] * len(examples)
        self.position = 0
        self.title = title
        self._build()

    # ---------------------------------------------------------------------------------- logic
    @property
    def done(self) -> bool:
        return all(label is not None for label in self.labels)

    def label(self, choice: Any) -> None:
        """Record ``choice`` for the current example and move to the next one."""
        if choice not in self.choices:
            raise ValueError(f"{choice!r} is not a label here: choose one of {self.choices}.")
        if self.done:
            raise ValueError("every example is labelled already: call back() to change the last one.")
        self.labels[self.position] = choice
        self.position = min(self.position + 1, len(self.labels))
        self._refresh()

    def back(self) -> None:
        """Go back one example and clear its label (an undo)."""
        if self.position == 0:
            return
        self.position -= 1
        self.labels[self.position] = None
        self._refresh()

    def agreement(self) -> Agreement:
        if not self.done:
            left = sum(label is None for label in self.labels)
            raise ValueError(f"{left} example(s) still unlabelled: label them all, then measure agreement.")
        return agreement(self.labels, self.recorded, labels=self.choices)

    def results(self) -> pd.DataFrame:
        """The examples with your label and the recorded one side by side."""
        return self.examples.assign(you=self.labels, recorded=self.recorded)

    # -------------------------------------------------------------------------------- display
    def _build(self) -> None:
        import ipywidgets as widgets

        self.heading = widgets.HTML()
        self.card = widgets.HTML()
        self.buttons = [widgets.Button(description=str(choice)) for choice in self.choices]
        for button, choice in zip(self.buttons, self.choices):
            button.on_click(lambda _button, c=choice: self.label(c))
        self.undo = widgets.Button(description="back", icon="undo")
        self.undo.on_click(lambda _button: self.back())
        self.result = widgets.HTML()
        self.box = widgets.VBox(
            [widgets.HTML(f"<h3>{self.title}</h3>"), self.heading, self.card,
             widgets.HBox([*self.buttons, self.undo]), self.result]
        )
        self._refresh()

    def _refresh(self) -> None:
        total = len(self.labels)
        for button in self.buttons:
            button.disabled = self.done
        if self.done:
            self.heading.value = f"<b>All {total} examples labelled.</b>"
            self.card.value = ""
            result = self.agreement()
            self.result.value = f"<p>{result}</p>" + self.results().to_html(index=False)
            return
        self.heading.value = f"<b>Example {self.position + 1} of {total}</b>"
        row = self.examples.iloc[[self.position]].T
        row.columns = ["value"]
        self.card.value = row.to_html()
        self.result.value = ""

    def show(self, mode: str = "auto") -> "LabellingWidget | None":
        """Display the widget (``"widget"``), or print how many examples wait (``"text"``).

        ``"auto"`` shows the widget only in a live Jupyter kernel; in CI, SMOKE runs and plain
        Python it prints one line instead, so stored notebook outputs stay the same on every run.
        """
        from helpers.quiz import interactive

        if mode not in ("auto", "widget", "text"):
            raise ValueError(f"mode {mode!r} is unknown: use 'auto', 'widget' or 'text'.")
        if mode == "auto":
            mode = "widget" if interactive() else "text"
        if mode == "text":
            print(f"{self.title}: {len(self.labels)} examples to label with {self.choices} "
                  "(the widget appears when the notebook runs in JupyterLab).")
            return None
        from IPython.display import display

        display(self.box)
        return self

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)
