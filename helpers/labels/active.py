"""Active learning: let the model choose which items to label next, and measure what it saves.

Pool-based, as a labelling team works: a pool of unlabelled items (their features are free), a
budget of labels (each one costs), and a labelled test set to measure accuracy on. Each round fits
the model on the labels bought so far, then buys ``batch`` more:

* ``"uncertainty"`` (least-confidence sampling): the items the model is least sure of, the smallest
  top-class probability; ties go to the item that comes first in the pool.
* ``"random"``: items drawn at random: what labelling without a model does.

Both start from the same random labelled items for a given seed, so the curves differ only by the
strategy.

    from helpers.labels import active
    task = active.penguin_task()                           # 342 penguins: 4 measurements -> species
    result = active.compare_strategies(task)               # 10 seeds, 3 random labels then 1 at a time up to 40
    result.labels_needed()                                 # seed x strategy: labels to reach the target
    print(result.summary())
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from helpers.labels import penguins

__all__ = ["STRATEGIES", "ActiveLearningResult", "Task", "ask", "choose", "compare_strategies", "learning_curve",
           "labels_needed", "make_task", "penguin_task"]

STRATEGIES = ("uncertainty", "random")


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity, not cell by cell
class Task:
    """An active-learning task: an unlabelled pool and a labelled test set.

    ``X_pool`` (n_pool, d) and ``X_test`` (n_test, d): features, standardised with the pool's mean and
    standard deviation (features cost nothing, so the whole pool may be used for that). ``y_pool``
    (n_pool,): the answers an annotator would give, revealed only for the items a strategy buys.
    ``y_test`` (n_test,): the true classes accuracy is measured on. ``pool_items``: the pool's features
    as given (unscaled, n_pool rows, original item ids as index): what a human labeller is shown.
    """

    X_pool: np.ndarray
    y_pool: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    features: tuple[str, ...]
    classes: tuple
    pool_items: pd.DataFrame

    def __str__(self) -> str:
        return (f"{len(self.y_pool)} unlabelled items in the pool, {len(self.y_test)} labelled test items, "
                f"{len(self.features)} features, classes {list(self.classes)}")


def make_task(X, y, *, test_size: float = 0.3, seed: int = 0, features: Sequence[str] | None = None) -> Task:
    """Split features ``X`` (n, d; array or DataFrame) and classes ``y`` (n,) into a pool and a stratified test set."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    text = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ValueError(f"X has non-numeric column(s) {text}: encode them first (e.g. pd.get_dummies(X)), "
                         "a model reads numbers only.")
    values = frame.to_numpy(dtype=float)
    y = np.asarray(y)
    if values.ndim != 2 or len(values) != len(y):
        raise ValueError(f"X has shape {values.shape} and y {y.shape}: give X as (items, features) and y with one "
                         "class per item.")
    if not np.isfinite(values).all() or pd.isna(y).any():
        raise ValueError("X or y has missing values: drop or impute them before building the task "
                         "(the model cannot learn from NaN).")
    if len(pd.unique(y)) < 2:
        raise ValueError("y holds a single class: a classifier needs items of two classes or more.")
    pool, test = train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y)
    mean, std = values[pool].mean(axis=0), values[pool].std(axis=0)
    std[std == 0] = 1.0  # a constant feature stays 0 instead of dividing by zero
    names = tuple(features) if features is not None else tuple(str(c) for c in frame.columns)
    return Task((values[pool] - mean) / std, y[pool], (values[test] - mean) / std, y[test], names,
                tuple(sorted(pd.unique(y).tolist(), key=str)), frame.iloc[pool])


def penguin_task(*, test_size: float = 0.3, seed: int = 0) -> Task:
    """Palmer penguins (:func:`helpers.labels.penguins.load`): 4 body measurements -> species.

    342 measured birds: 239 in the pool and 103 in the test set.
    """
    birds = penguins.load()
    return make_task(birds[list(penguins.FEATURES)], birds["species"], test_size=test_size, seed=seed)


def choose(strategy: str, model, X_unlabelled: np.ndarray, batch: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (batch,) in ``X_unlabelled`` to label next; ``model`` is fitted on the labels so far."""
    batch = min(batch, len(X_unlabelled))
    if strategy == "random":
        return rng.choice(len(X_unlabelled), size=batch, replace=False)
    if strategy == "uncertainty":
        confidence = model.predict_proba(X_unlabelled).max(axis=1)
        return np.argsort(confidence, kind="stable")[:batch]  # least confident first; ties: pool order
    raise ValueError(f"strategy={strategy!r}: choose one of {list(STRATEGIES)}.")


def ask(
    task: Task,
    labelled: Sequence[int],
    n: int,
    *,
    labels: Sequence | None = None,
    strategy: str = "uncertainty",
    seed: int = 0,
    model=None,
) -> np.ndarray:
    """One round by hand: the pool positions (n,) of the next items to label, given those labelled so far.

    ``labelled``: pool positions already labelled; ``labels``: the labels given to them, in the same
    order (default: the answer key ``task.y_pool``; pass your own, e.g. from the labelling widget, and
    the model learns from those, mistakes included). Show ``task.pool_items.iloc[positions]`` to the
    labeller, then call again with the new positions and labels added.
    """
    labelled = [int(i) for i in labelled]
    labels = task.y_pool[labelled] if labels is None else np.asarray(labels)
    if len(labels) != len(labelled):
        raise ValueError(f"{len(labels)} labels for {len(labelled)} labelled positions: give one label per position.")
    if len(set(labels.tolist())) < 2:
        raise ValueError("the labelled items hold fewer than two classes: label a few more at random first "
                         "(a model needs two classes to learn anything).")
    model = LogisticRegression(max_iter=1000) if model is None else model
    with threadpool_limits(limits=1):  # see learning_curve
        fitted = clone(model).fit(task.X_pool[labelled], labels)
        unlabelled = np.setdiff1d(np.arange(len(task.y_pool)), labelled)
        return unlabelled[choose(strategy, fitted, task.X_pool[unlabelled], n, np.random.default_rng(seed))]


def _first_labels(y_pool: np.ndarray, start: int, rng: np.random.Generator) -> list[int]:
    """``start`` random items; if they are all of one class, the last is swapped for the next item of
    another class in the same random order (a model needs two classes to learn anything)."""
    order = rng.permutation(len(y_pool))
    chosen = [int(i) for i in order[:start]]
    if len(set(y_pool[chosen])) < 2:
        other = next(int(i) for i in order[start:] if y_pool[i] != y_pool[chosen[0]])
        chosen[-1] = other
    return chosen


def learning_curve(
    task: Task,
    strategy: str,
    *,
    start: int = 3,
    batch: int = 1,
    budget: int = 40,
    seed: int = 0,
    model=None,
) -> pd.DataFrame:
    """Labels bought vs test accuracy for one strategy: a DataFrame with columns ``labels`` and ``accuracy``.

    Starts from ``start`` random labels, then buys ``batch`` labels per round until ``budget`` labels are
    used (or the pool is empty). ``model``: any scikit-learn classifier with ``predict_proba`` (cloned
    each round; default logistic regression). One row per fitted model; accuracy is 0-1 on ``task``'s
    test set.
    """
    _check_run(task, strategy, start, batch, budget)
    model = LogisticRegression(max_iter=1000) if model is None else model
    # Fits on a few dozen rows gain nothing from BLAS threads; on a busy machine those threads only
    # contend with each other (measured: 10-20 times slower on 2 shared cores).
    with threadpool_limits(limits=1):
        return _run(task, strategy, start, batch, budget, seed, model)


def _run(task: Task, strategy: str, start: int, batch: int, budget: int, seed: int, model) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labelled = _first_labels(task.y_pool, start, rng)
    rows = []
    while True:
        fitted = clone(model).fit(task.X_pool[labelled], task.y_pool[labelled])
        rows.append((len(labelled), float(fitted.score(task.X_test, task.y_test))))
        unlabelled = np.setdiff1d(np.arange(len(task.y_pool)), labelled)
        if len(labelled) >= budget or not len(unlabelled):
            break
        picked = choose(strategy, fitted, task.X_pool[unlabelled], min(batch, budget - len(labelled)), rng)
        labelled += [int(i) for i in unlabelled[picked]]
    return pd.DataFrame(rows, columns=["labels", "accuracy"])


def _check_run(task: Task, strategy: str, start: int, batch: int, budget: int) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy={strategy!r}: choose one of {list(STRATEGIES)}.")
    if not (2 <= start <= budget and batch >= 1):
        raise ValueError(f"start={start!r}, batch={batch!r}, budget={budget!r}: start with at least 2 labels, buy "
                         "at least 1 per round, and give a budget no smaller than the start.")
    if budget > len(task.y_pool):
        raise ValueError(f"budget={budget} labels, but the pool holds only {len(task.y_pool)} items: lower the budget.")


def labels_needed(curve: pd.DataFrame, target: float) -> int | None:
    """The fewest labels at which ``curve`` (from :func:`learning_curve`) first reaches ``target`` accuracy; None if never."""
    reached = curve.loc[curve["accuracy"] >= target, "labels"]
    return int(reached.iloc[0]) if len(reached) else None


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity, not cell by cell
class ActiveLearningResult:
    """Learning curves of several strategies over several seeds, and the target they are judged by.

    ``curves``: long table, columns ``strategy``, ``seed``, ``labels``, ``accuracy`` (0-1).
    ``target``: the test accuracy to reach. ``full_accuracy``: the same model trained on the whole pool
    (every label bought). ``budget``: the most labels any run bought. ``pool_size``: items in the pool.
    """

    curves: pd.DataFrame
    target: float
    full_accuracy: float
    budget: int
    pool_size: int

    @property
    def strategies(self) -> list[str]:
        return list(pd.unique(self.curves["strategy"]))

    def labels_needed(self) -> pd.DataFrame:
        """Seeds x strategies: labels each run needed to reach the target (<NA>: not within the budget)."""
        needed = {(strategy, seed): labels_needed(run, self.target)
                  for (strategy, seed), run in self.curves.groupby(["strategy", "seed"], sort=False)}
        table = pd.Series(needed, dtype="Int64").unstack(0)
        table.index.name, table.columns.name = "seed", "strategy"
        return table[self.strategies]

    def mean_curves(self) -> pd.DataFrame:
        """Labels (index) x strategies: mean test accuracy over the seeds."""
        return self.curves.pivot_table(index="labels", columns="strategy", values="accuracy", aggfunc="mean")[
            self.strategies]

    def median_labels_needed(self) -> pd.Series:
        """Per strategy, the median over seeds of the labels needed (a run that never got there counts as infinite)."""
        table = self.labels_needed().astype("Float64").fillna(np.inf).astype(float)
        return table.median().rename("median labels needed")

    def summary(self) -> str:
        """One line per strategy: median labels needed to reach the target, range over the seeds, failures."""
        needed = self.labels_needed()
        lines = [f"Target: {self.target:.0%} test accuracy (all {self.pool_size:,} pool labels give "
                 f"{self.full_accuracy:.1%}); {len(needed)} seeds, budget {self.budget} labels."]
        for strategy in self.strategies:
            runs = needed[strategy]
            reached = runs.dropna().astype(int)
            median = self.median_labels_needed()[strategy]
            median_text = "more than the budget" if not np.isfinite(median) else f"{median:g}"
            missed = f", {runs.isna().sum()} run(s) never reached it" if runs.isna().any() else ""
            spread = f" (range {reached.min()}-{reached.max()}{missed})" if len(reached) else missed
            lines.append(f"{strategy}: median {median_text} labels{spread}.")
        return "\n".join(lines)


def compare_strategies(
    task: Task,
    *,
    strategies: Sequence[str] = STRATEGIES,
    seeds: Iterable[int] = range(10),
    start: int = 3,
    batch: int = 1,
    budget: int = 40,
    target: float | None = None,
    model=None,
) -> ActiveLearningResult:
    """Run every strategy with every seed on the same budget; judge them by the labels needed to reach ``target``.

    ``target``: a test accuracy (0-1); default: 2 points below what the model reaches with the whole
    pool labelled, i.e. "nearly as good as labelling everything". Other arguments as :func:`learning_curve`.
    """
    seeds = list(seeds)
    if not seeds or not strategies:
        raise ValueError("give at least one seed and one strategy, e.g. seeds=range(5), strategies=('uncertainty', 'random').")
    base = LogisticRegression(max_iter=1000) if model is None else model
    full = float(clone(base).fit(task.X_pool, task.y_pool).score(task.X_test, task.y_test))
    if target is None:
        target = full - 0.02
    if not 0 < target <= 1:
        raise ValueError(f"target={target!r}: give a test accuracy between 0 and 1, e.g. 0.95.")
    runs = [learning_curve(task, strategy, start=start, batch=batch, budget=budget, seed=seed, model=base)
            .assign(strategy=strategy, seed=seed) for strategy in strategies for seed in seeds]
    curves = pd.concat(runs, ignore_index=True)[["strategy", "seed", "labels", "accuracy"]]
    return ActiveLearningResult(curves, float(target), full, int(curves["labels"].max()), len(task.y_pool))
