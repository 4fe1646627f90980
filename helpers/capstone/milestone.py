"""The Day-2 "working model" milestone: it trains, it uses only allowed features, it beats the baseline in dollars.

The kit builds the frame from the team's statement and splits it by time (60 % train, 20 % validation,
20 % holdout). The model is fitted on the train rows (a copy, when scikit-learn can clone it); a model
that scores (``predict_proba``, or a ranking ``predict``) acts where its score reaches the threshold
that is cheapest on the validation rows, as a team would choose it; then the holdout rows are priced
with the kit's cost model, against the kit's baseline on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.capstone.framing import KitError

__all__ = ["MilestoneItem", "MilestoneReport", "check_milestone"]


@dataclass(frozen=True)
class MilestoneItem:
    """One criterion: its name, whether it passed, what was found, and (when it failed) what to do."""

    name: str
    passed: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"✔ {self.message}" if self.passed else f"✘ {self.message}" + (f" Hint: {self.hint}" if self.hint else "")


@dataclass
class MilestoneReport:
    """The milestone's verdict. Costs are US dollars on the holdout rows; ``threshold`` is the score at or
    above which the model acts (``None`` for quantities)."""

    kit: str
    items: list[MilestoneItem] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    model_cost: float | None = None
    baseline_cost: float | None = None
    nothing_cost: float | None = None
    baseline_name: str = "baseline"
    threshold: float | None = None
    holdout_rows: int = 0
    framing: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.items) and all(item.passed for item in self.items)

    def item(self, name: str) -> MilestoneItem:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"no milestone item {name!r}: the items are {[i.name for i in self.items]}.")

    @property
    def saving(self) -> float | None:
        """Dollars the model saves against the baseline on the holdout rows (negative: it loses)."""
        if self.model_cost is None or self.baseline_cost is None:
            return None
        return self.baseline_cost - self.model_cost

    def __str__(self) -> str:
        head = f"Day-2 milestone ({self.kit}): {'passed' if self.passed else 'not yet'}"
        return "\n".join([head, *(str(item) for item in self.items)])

    def _repr_markdown_(self) -> str:
        return "\n".join([f"**{str(self).splitlines()[0]}**", "", *(f"- {item}" for item in self.items)])


def _fit(model: Any, X: pd.DataFrame, y: pd.Series) -> tuple[Any, str | None]:
    """A fitted copy of ``model`` (the model itself when it cannot be cloned), or the error in words."""
    try:
        from sklearn.base import clone

        fresh = clone(model)
    except Exception:  # not a scikit-learn estimator: fit the object itself
        fresh = model
    try:
        fresh.fit(X, y)
    except Exception as error:  # any failure of the team's model is reported, not raised
        return None, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return fresh, None


def action_scores(model: Any, X: pd.DataFrame) -> np.ndarray:
    """One score per row, higher = act: P(the larger class) for two classes, the expected class for
    more (stars), else ``predict``'s number."""
    if hasattr(model, "predict_proba"):
        probabilities = np.asarray(model.predict_proba(X), dtype=float)
        classes = np.asarray(getattr(model, "classes_", np.arange(probabilities.shape[1])), dtype=float)
        if probabilities.shape[1] == 2:
            return probabilities[:, int(np.argmax(classes))]
        return probabilities @ classes
    return np.asarray(model.predict(X), dtype=float).ravel()


def cheapest_threshold(kit: Any, scores: np.ndarray, y: pd.Series, context: pd.DataFrame) -> float:
    """The score threshold with the lowest cost on these rows (ties: the highest, the fewest actions).

    Exact over every distinct score: acting on the k highest scores costs the acted rows' "act" prices
    plus the other rows' "pass" prices, two cumulative sums over the rows sorted by score.
    """
    truth = y.to_numpy(dtype=float)
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    act = kit.cost_model.outcome_costs(truth, np.ones_like(truth), context)[order]
    rest = kit.cost_model.outcome_costs(truth, np.zeros_like(truth), context)[order]
    cost = np.concatenate([[0.0], np.cumsum(act)]) + rest.sum() - np.concatenate([[0.0], np.cumsum(rest)])
    # Acting on k rows is a threshold only where the k-th and (k+1)-th scores differ (ties act together).
    k = np.arange(len(ranked) + 1)
    valid = (k == 0) | (k == len(ranked)) | np.concatenate([[False], ranked[:-1] != ranked[1:], [False]])
    best = int(k[valid][np.argmin(cost[valid])])  # argmin takes the first: the fewest actions among ties
    return float(np.inf) if best == 0 else float(ranked[best - 1])


def _features_item(kit: Any, model: Any, allowed: list[str], target: str) -> tuple[MilestoneItem, list[str]]:
    used = list(getattr(model, "feature_names_in_", allowed))
    leaks = [c for c in used if c in kit.leaky_columns or c == target]
    if leaks:
        why = kit.leaky_columns.get(leaks[0], "it is the target itself")
        return MilestoneItem("features", False, f"the model uses {', '.join(map(repr, leaks))}, which leaks the label "
                             f"({why}).", "train on the frame's X only: kit.frame(statement).X has every allowed "
                             "feature; a leaked label scores perfectly on history and fails in production."), used
    extra = [c for c in used if c not in allowed]
    if extra:
        return MilestoneItem("features", False, f"the model uses {', '.join(map(repr, extra))}, which the statement's "
                             "inputs do not give.", "add the input to the statement's `inputs` (if it is known at "
                             "prediction time) so the kit builds it, or train without it."), used
    return MilestoneItem("features", True, f"uses only the statement's features ({len(used)} columns)."), used


def check_milestone(kit: Any, model: Any, statement: Any, *, data: pd.DataFrame | None = None) -> MilestoneReport:
    """Check ``model`` against ``statement`` on ``kit`` (see the module's docstring); never raises for the
    team's mistakes: each is a failed item with its hint."""
    report = MilestoneReport(kit=kit.name, baseline_name=kit.cost_model.baseline_name)
    try:
        frame = kit.frame(statement, data=data)
    except KitError as error:
        report.items.append(MilestoneItem("statement", False, "the statement does not give a frame to train on.",
                                          str(error)))
        return report
    report.framing = frame.framing.describe()
    report.items.append(MilestoneItem("statement", True, f"statement framed: {report.framing}."))
    if not (hasattr(model, "fit") and (hasattr(model, "predict") or hasattr(model, "predict_proba"))):
        report.items.append(MilestoneItem("trains", False, f"the model is a {type(model).__name__}, with no fit and "
                                          "predict.", "pass an estimator such as sklearn's "
                                          "HistGradientBoostingClassifier(), unfitted or fitted on kit.frame(statement).X."))
        return report
    features_item, used = _features_item(kit, model, list(frame.X.columns), str(frame.y.name))
    report.features = used
    report.items.append(features_item)
    if not features_item.passed:
        return report
    parts = frame.parts()
    X, y, context = frame.X[used], frame.y, frame.context
    fitted, error = _fit(model, X[parts["train"]], y[parts["train"]])
    if fitted is None:
        report.items.append(MilestoneItem("trains", False, f"fitting on the {int(parts['train'].sum()):,} training rows "
                                          f"failed ({error}).", "fit it on kit.frame(statement) yourself and read the "
                                          "error: missing values (use HistGradientBoosting*, or impute), text columns, "
                                          "or a classifier given a quantity target."))
        return report
    report.items.append(MilestoneItem("trains", True, f"trains on {int(parts['train'].sum()):,} rows "
                                      f"(the oldest 60 %), validated on the next 20 %, judged on the last 20 %."))
    holdout, validation = parts["holdout"], parts["validation"]
    cost = kit.cost_model
    try:
        if cost.kind == "decision":
            report.threshold = cheapest_threshold(kit, action_scores(fitted, X[validation]), y[validation],
                                                  context[validation])
            predicted = (action_scores(fitted, X[holdout]) >= report.threshold).astype(float)
        else:
            predicted = np.asarray(fitted.predict(X[holdout]), dtype=float).ravel()
    except Exception as error:  # a model that fits but cannot predict is a team's bug, reported with its error
        report.items.append(MilestoneItem("beats baseline", False, f"predicting failed ({type(error).__name__}: {error}).",
                                          "call model.predict(frame.X) yourself and fix what it says."))
        return report
    truth, rows = y[holdout].to_numpy(dtype=float), context[holdout]
    report.holdout_rows = int(holdout.sum())
    report.model_cost = cost.cost(truth, predicted, rows)
    report.baseline_cost = cost.cost(truth, cost.baseline(rows), rows)
    report.nothing_cost = cost.cost(truth, np.zeros_like(truth), rows)
    verdict = (f"holdout cost ${report.model_cost:,.0f} vs ${report.baseline_cost:,.0f} for the baseline "
               f"({cost.baseline_name}) on {report.holdout_rows:,} later rows")
    if report.model_cost < report.baseline_cost:
        report.items.append(MilestoneItem("beats baseline", True, f"{verdict}: saves ${report.saving:,.0f}."))
    else:
        report.items.append(MilestoneItem("beats baseline", False, f"{verdict}: it does not beat today's process.",
                                          kit.improve_hint))
    return report
