"""What every capstone kit has: data, a starter statement, a frame built from the statement, a cost model.

A :class:`Kit` turns a team's :class:`~helpers.problem.ProblemStatement` into a :class:`Frame` (features,
target, time order, and what the cost model needs), prices predictions in dollars with its
:class:`CostModel` against the kit's baseline, checks the Day-2 milestone
(:meth:`Kit.check_milestone`) and writes the Day-3 deck (:meth:`Kit.presentation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.capstone.framing import Framing, KitError, Vocabulary, read_framing

__all__ = ["Kit", "Frame", "CostModel", "DecisionCost", "QuantityCost", "time_parts"]


def time_parts(order: pd.Series, shares: tuple[float, float, float] = (0.6, 0.2, 0.2)) -> dict[str, np.ndarray]:
    """Boolean masks ``train``, ``validation``, ``holdout`` splitting rows by ``order`` (time), oldest first.

    A random split would put later rows in training and flatter every score: the model predicts the future.
    """
    ranks = order.rank(method="first").to_numpy() / len(order)
    first, second = shares[0], shares[0] + shares[1]
    return {"train": ranks <= first, "validation": (ranks > first) & (ranks <= second), "holdout": ranks > second}


@dataclass
class Frame:
    """A modelling table built from a statement: one row per :attr:`Framing.granularity`, in time order.

    ``X`` holds the features (the only columns a model may use), ``y`` the target, ``time`` the order
    the rows happened in, ``context`` what the cost model and the baseline read (amounts, the baseline's
    own predictions); all four share one index.
    """

    X: pd.DataFrame
    y: pd.Series
    time: pd.Series
    context: pd.DataFrame
    framing: Framing

    def parts(self) -> dict[str, np.ndarray]:
        """Train / validation / holdout masks by time (60 / 20 / 20 % of the rows)."""
        return time_parts(self.time)

    def __repr__(self) -> str:
        return f"Frame({len(self.X):,} rows x {self.X.shape[1]} features: {self.framing.describe()})"


class CostModel:
    """Money per outcome: turns predictions into US dollars, and says what today's process (the baseline) does.

    ``kind`` is ``"decision"`` (a model's scores become 0/1 actions at a threshold chosen by cost) or
    ``"quantity"`` (its numbers are used as they are, e.g. bikes to stock).
    """

    kind = "decision"
    baseline_name = "baseline"

    def outcome_costs(self, y_true: np.ndarray, predicted: np.ndarray, context: pd.DataFrame) -> np.ndarray:
        """Dollars per row, shape (n,)."""
        raise NotImplementedError

    def cost(self, y_true: Any, predicted: Any, context: pd.DataFrame) -> float:
        """Total US dollars of acting on ``predicted`` for the rows of ``context``."""
        y_true, predicted = np.asarray(y_true, dtype=float), np.asarray(predicted, dtype=float)
        if y_true.shape != predicted.shape or len(y_true) != len(context):
            raise KitError(f"cost needs one prediction per row: got {predicted.shape[0] if predicted.ndim else 1} "
                           f"predictions for {len(context)} rows.")
        return float(self.outcome_costs(y_true, predicted, context).sum())

    def baseline(self, context: pd.DataFrame) -> np.ndarray:
        """Today's process's predictions (0/1 actions or quantities) for the rows of ``context``."""
        return context["baseline"].to_numpy(dtype=float)

    def lines(self) -> list[str]:
        """The prices, one per line (for the deck and the notebook)."""
        raise NotImplementedError


@dataclass
class DecisionCost(CostModel):
    """Dollars per outcome of a yes/no action (review, inspect, recommend).

    ``miss``, ``false_alarm`` and ``hit`` are US dollars per row (``miss`` may name a ``context`` column
    instead, e.g. ``"amount"``: a missed fraud costs what was paid); a correct "no" costs nothing.
    ``truth`` names the context column of the true 0/1 outcome when it is not the target (a rating
    target is priced by whether the user liked the item). ``names`` label the three outcomes.
    """

    miss: float | str
    false_alarm: float
    hit: float
    names: tuple[str, str, str] = ("missed case", "false alarm", "caught case")
    baseline_name: str = "baseline"
    truth: str | None = None
    kind: str = field(default="decision", init=False)

    def outcome_costs(self, y_true, predicted, context):
        truth = context[self.truth].to_numpy(dtype=float) if self.truth else y_true
        miss = context[self.miss].to_numpy(dtype=float) if isinstance(self.miss, str) else self.miss
        act, positive = predicted >= 0.5, truth >= 0.5
        return np.where(act, np.where(positive, self.hit, self.false_alarm), np.where(positive, miss, 0.0))

    def lines(self):
        miss = f"its {self.miss}" if isinstance(self.miss, str) else f"${self.miss:,.2f}"
        return [f"{self.names[0]}: {miss}", f"{self.names[1]}: ${self.false_alarm:,.2f}",
                f"{self.names[2]}: ${self.hit:,.2f}", "correct 'no': $0"]


@dataclass
class QuantityCost(CostModel):
    """Dollars of a quantity set from a forecast: ``short`` US dollars per unit below the truth
    (a stock-out: a lost sale), ``over`` per unit above it (overstock: an idle unit moved and stored)."""

    short: float
    over: float
    unit: str = "unit"
    baseline_name: str = "baseline"
    kind: str = field(default="quantity", init=False)

    def outcome_costs(self, y_true, predicted, context):
        return self.short * np.clip(y_true - predicted, 0, None) + self.over * np.clip(predicted - y_true, 0, None)

    def lines(self):
        return [f"stock-out: ${self.short:,.2f} per {self.unit} short",
                f"overstock: ${self.over:,.2f} per {self.unit} too many"]


class Kit:
    """A capstone project: data, a starter statement, features that follow the statement, a cost model.

    Subclasses set the class attributes and implement :meth:`starter_statement` and :meth:`_build`.
    """

    name: str = ""
    title: str = ""
    dataset: str = ""
    vocabulary: Vocabulary
    cost_model: CostModel
    #: Raw columns that are, or are computed from, the label: a model using one leaks it.
    leaky_columns: dict[str, str] = {}
    #: What to try when a model does not beat the baseline (the milestone's hint).
    improve_hint: str = ""

    def __init__(self) -> None:
        self._data: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"<capstone kit {self.name!r}: {self.title} (data: {self.dataset})>"

    # ------------------------------------------------------------------------------------ data
    def data(self) -> pd.DataFrame:
        """The kit's dataset (a copy; loaded and checksum-verified once)."""
        if self._data is None:
            from helpers import data

            self._data = data.load(self.dataset)
        return self._data.copy()

    def datasheet(self) -> str:
        """Where the dataset's datasheet is (source, licence, columns with units) and what it holds."""
        from helpers import data

        return f"datasets/README.md#{self.dataset}: {data.info(self.dataset)['description']}"

    def starter_statement(self) -> Any:
        """A Day-1 ProblemStatement for this kit that a team edits into its own."""
        raise NotImplementedError

    # ---------------------------------------------------------------------------------- frames
    def framing(self, statement: Any) -> Framing:
        """What ``statement`` asks for (target, horizon, window, granularity, inputs); KitError says what to fix."""
        return read_framing(statement, self.vocabulary)

    def frame(self, statement: Any, data: pd.DataFrame | None = None) -> Frame:
        """The modelling table ``statement`` asks for, from ``data`` (default: the kit's dataset)."""
        framing = self.framing(statement)
        frame = self._build(self.data() if data is None else data.copy(), framing)
        if len(frame.X) < 50:
            raise KitError(f"the frame has only {len(frame.X)} rows for {framing.describe()}: too few to train and "
                           "hold out; shorten the horizon or window in `how`, or use more data.")
        if frame.y.nunique() < 2:
            raise KitError(f"the target {framing.target!r} has one value in every row of this frame: nothing to learn; "
                           "choose another target in `labels` or use more data.")
        return frame

    def _build(self, raw: pd.DataFrame, framing: Framing) -> Frame:
        raise NotImplementedError

    # ----------------------------------------------------------------------------- milestones
    def check_milestone(self, model: Any, statement: Any, *, data: pd.DataFrame | None = None,
                        quiet: bool = False) -> Any:
        """Day 2's "working model": does ``model`` train, use only allowed features, and beat the baseline
        in dollars on held-out (later) rows? Returns a :class:`~helpers.capstone.milestone.MilestoneReport`
        and prints it (one ✔ or ✘ line per criterion, each ✘ with a hint) unless ``quiet``."""
        from helpers.capstone.milestone import check_milestone

        report = check_milestone(self, model, statement, data=data)
        if not quiet:
            print(report)
        return report

    def presentation(self, architecture: Any, report: Any, path: str | Path, *, statement: Any = None,
                     next_steps: list[str] | None = None) -> Path:
        """Write the Day-3 deck (offline reveal.js HTML) from the team's architecture write-up and milestone."""
        from helpers.capstone.presentation import write_presentation

        return write_presentation(self, architecture, report, path, statement=statement, next_steps=next_steps)


def columns_for(groups: dict[str, list[str]], framing: Framing) -> list[str]:
    """The feature columns of the groups the statement chose, in its order, without repeats."""
    chosen: list[str] = []
    for group in framing.features:
        chosen += [c for c in groups.get(group, []) if c not in chosen]
    return chosen
