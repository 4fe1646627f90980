"""Browse the trials of a tuning job: pick one from a list (best first), read its hyperparameters and
what happened to it, and see its objective curve next to the best trial's.

Left: the objective metric per epoch (or boosting round) of the chosen trial, the best trial's curve
dashed. Right: every trial's final objective in the order they started, the chosen one circled::

    browser = TrialBrowser(tuner)          # or TrialBrowser("<tuning job name>") after a restart
    browser                                # in a notebook: the widget
    browser.control.value = 3              # in a test: the same callback runs
    browser.state.hyperparameters          # {"eta": "0.12", "max_depth": "5"}
    browser.table()                        # all trials as a DataFrame, best first

Job names never appear (labels say "best", "#2", ...), so a stored notebook output stays the same run
after run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ipywidgets as widgets
from matplotlib.ticker import MaxNLocator

from helpers import plots
from helpers.widgets.explorer import Explorer

__all__ = ["TrialBrowser", "TrialState", "rank_trials"]

# Okabe-Ito hex colours, not "C0": a "CN" colour is looked up when the figure is drawn, in whatever
# colour cycle is active then (matplotlib's own when setup() did not run).
BLUE, ORANGE, VERMILLION = (plots.OKABE_ITO[name] for name in ("blue", "orange", "vermillion"))


@dataclass(frozen=True)
class TrialState:
    index: int  # 0-based, in the order the trials started
    rank: int | None  # 1 = best final objective; None when the trial has no objective value
    status: str  # Completed | Failed | Stopped | InProgress
    hyperparameters: dict[str, str]
    objective: float | None
    history: list[float] = field(default_factory=list)
    reason: str = ""  # why it failed or was stopped


def _objective(summary: dict) -> float | None:
    metric = summary.get("FinalHyperParameterTuningJobObjectiveMetric")
    return None if metric is None else float(metric["Value"])


def rank_trials(summaries: list[dict], maximize: bool) -> list[int]:
    """Trial indices best first (ties: the earlier trial), then trials without an objective in order."""
    scored = [i for i, s in enumerate(summaries) if _objective(s) is not None]
    scored.sort(key=lambda i: ((-_objective(summaries[i]) if maximize else _objective(summaries[i])), i))
    return scored + [i for i in range(len(summaries)) if _objective(summaries[i]) is None]


def _number_or_text(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _short(value: str) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4g}"


class TrialBrowser(Explorer):
    """A dropdown of a tuning job's trials (best first) with a verdict and two plots."""

    def __init__(self, tuning, *, figsize: tuple[float, float] = (10, 3.6)):
        from helpers.platform.tuning import records

        name = tuning if isinstance(tuning, str) else tuning.latest_tuning_job.hyper_parameter_tuning_job_name
        record = records.read(name)
        config = record["HyperParameterTuningJobConfig"]
        self.name = name
        self.objective_name = config["HyperParameterTuningJobObjective"]["MetricName"]
        self.maximize = config["HyperParameterTuningJobObjective"]["Type"] == "Maximize"
        private = record.get(records.PRIVATE, {})
        self.summaries = private.get("TrainingJobSummaries", [])
        if not self.summaries:
            raise ValueError(f"Tuning job {name!r} has no trials yet: wait for it (tuner.wait()) and try again.")
        trials = private.get("Trials", {})
        self.histories = [list(trials.get(s["TrainingJobName"], {}).get("ObjectiveHistory", [])) for s in self.summaries]
        self.stop_reasons = [trials.get(s["TrainingJobName"], {}).get("StopReason") or "" for s in self.summaries]
        self.order = rank_trials(self.summaries, self.maximize)
        self.ranks = {index: position + 1 for position, index in enumerate(self.order)
                      if _objective(self.summaries[index]) is not None}
        self.best = self.order[0] if self.order and self.order[0] in self.ranks else None
        control = widgets.Dropdown(options=[(self._label(i), i) for i in self.order], value=self.order[0],
                                   description="Trial", layout=widgets.Layout(width="95%"))
        super().__init__(control, ncols=2, figsize=figsize)

    # ----------------------------------------------------------------- labels and table
    def _label(self, index: int) -> str:
        summary = self.summaries[index]
        tuned = ", ".join(f"{k}={_short(v)}" for k, v in summary.get("TunedHyperParameters", {}).items())
        rank = self.ranks.get(index)
        head = "best" if rank == 1 else (f"#{rank}" if rank else f"trial {index + 1}")
        value = _objective(summary)
        score = f" · {value:.4f}" if value is not None else ""
        return f"{head}{score} · {summary.get('TrainingJobStatus')} · {tuned}"

    def table(self):
        """Every trial, best first: rank, start order, tuned hyperparameters, status, objective, epochs logged."""
        import pandas as pd

        rows = []
        for index in self.order:
            summary = self.summaries[index]
            rows.append({"rank": self.ranks.get(index), "trial": index + 1,
                         **{k: _number_or_text(v) for k, v in summary.get("TunedHyperParameters", {}).items()},
                         "status": summary.get("TrainingJobStatus"),
                         self.objective_name: _objective(summary), "epochs logged": len(self.histories[index])})
        return pd.DataFrame(rows).astype({"rank": "Int64"})

    # ----------------------------------------------------------------- Explorer
    def compute(self, value: int) -> TrialState:
        summary = self.summaries[value]
        reason = self.stop_reasons[value] or summary.get("FailureReason", "")
        return TrialState(index=value, rank=self.ranks.get(value), status=summary.get("TrainingJobStatus", ""),
                          hyperparameters=dict(summary.get("TunedHyperParameters", {})),
                          objective=_objective(summary), history=list(self.histories[value]), reason=reason)

    def describe(self, state: TrialState) -> str:
        tuned = ", ".join(f"{k} = {_short(v)}" for k, v in state.hyperparameters.items())
        if state.objective is None:
            return f"Trial {state.index + 1} ({tuned}) ended {state.status} without an objective value: {state.reason}"
        place = "the best" if state.rank == 1 else f"ranked {state.rank} of {len(self.ranks)}"
        text = (f"Trial {state.index + 1} ({tuned}) is {place}: {self.objective_name} = {state.objective:.4f} "
                f"after {len(state.history)} epochs or rounds, {state.status}.")
        if state.status == "Stopped" and state.reason:
            text += f" Stopped because {state.reason}"
        return text

    def draw(self, state: TrialState, axes: list) -> None:
        """Left: the chosen trial's curve (solid, dots) and the best's (grey, dashed). Right: every trial's
        final objective (dots), trials without one (crosses) and the chosen one (a ring). Every category
        differs by marker or line style, not only by colour, and the legends sit under the axes."""
        curve, overview = axes
        if self.best is not None and self.best != state.index and self.histories[self.best]:
            best = self.histories[self.best]
            curve.plot(range(1, len(best) + 1), best, "--", color="0.6", label="best trial")
        if state.history:
            style = "o-" if len(state.history) <= 30 else "-"
            curve.plot(range(1, len(state.history) + 1), state.history, style, color=BLUE, label=f"trial {state.index + 1}")
        else:
            curve.text(0.5, 0.5, f"no {self.objective_name} logged", ha="center", va="center", transform=curve.transAxes)
        curve.set_xlabel("epoch / round")
        curve.set_ylabel(self.objective_name)
        curve.set_title("Objective while training")
        plots.legend_below(curve)
        values = [_objective(s) for s in self.summaries]
        xs = [i + 1 for i, v in enumerate(values) if v is not None]
        ys = [v for v in values if v is not None]
        overview.plot(xs, ys, "o", color=ORANGE, label="final objective")
        failed = [i + 1 for i, v in enumerate(values) if v is None]
        if failed and ys:
            low = min(ys) if self.maximize else max(ys)
            overview.plot(failed, [low] * len(failed), "x", color=VERMILLION, label="no objective")
        if state.objective is not None and not math.isnan(state.objective):
            overview.plot([state.index + 1], [state.objective], "o", markersize=14, markerfacecolor="none",
                          markeredgecolor=BLUE, color=BLUE, label="this trial")
        overview.xaxis.set_major_locator(MaxNLocator(integer=True))
        overview.set_xlabel("trial (start order)")
        overview.set_ylabel(self.objective_name)
        overview.set_title("Every trial")
        plots.legend_below(overview)
