"""How each strategy proposes the next trial, on top of optuna's ask-and-tell interface.

* ``Grid``: every combination of the categorical values, in a seeded shuffled order
  (``optuna.samplers.GridSampler``);
* ``Random``: independent draws from the ranges (``RandomSampler``);
* ``Bayesian``: a tree-structured Parzen estimator (``TPESampler``) that models which regions gave
  good objective values and proposes more trials there;
* ``Hyperband``: the same sampler, plus optuna's ``HyperbandPruner``, which stops trials whose
  intermediate objective (one value per epoch / boosting round) trails the others in their bracket.

``early_stopping_type="Auto"`` applies SageMaker's documented median rule (:func:`worse_than_median`).

A study only learns from trials the tuner tells it about. For Bayesian search and Hyperband the tuner
tells results in trial order and asks trial *k* only after trial *k - max_parallel_jobs* has ended,
so the proposals depend on the seed and the results, not on which process happened to finish first:
the same seed gives the same trials.
"""

from __future__ import annotations

import statistics
import warnings
from typing import Sequence

from helpers.platform.tuning.parameters import ParameterRange

STRATEGIES = ("Bayesian", "Random", "Hyperband", "Grid")
#: Finished trials that must have reached a step before the median rule may stop another one there.
EARLY_STOPPING_MIN_PEERS = 3
#: Local default when no random_seed is given, so that a tuning job can be repeated.
DEFAULT_SEED = 0


def startup_trials(max_jobs: int) -> int:
    """Random trials before the Bayesian model takes over: a third of the budget, 2 to 10."""
    return max(2, min(10, max_jobs // 3))


def make_study(strategy: str, ranges: dict[str, ParameterRange], objective_type: str, max_jobs: int,
               seed: int | None, hyperband: tuple[int, int] | None = None):
    """An in-memory optuna study whose sampler (and pruner, for Hyperband) implement ``strategy``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "Trial 3 finished..." lines in notebooks
    seed = DEFAULT_SEED if seed is None else int(seed)
    direction = "maximize" if objective_type == "Maximize" else "minimize"
    pruner = optuna.pruners.NopPruner()
    if strategy == "Grid":
        sampler = _GridSampler({name: list(spec.values) for name, spec in ranges.items()}, seed=seed)
    elif strategy == "Random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials(max_jobs))
        if strategy == "Hyperband":
            min_resource, max_resource = hyperband
            pruner = optuna.pruners.HyperbandPruner(min_resource=min_resource, max_resource=max_resource)
    return optuna.create_study(direction=direction, sampler=sampler, pruner=pruner)


def _grid_sampler_class():
    import optuna

    class AskTellGridSampler(optuna.samplers.GridSampler):
        """optuna's grid sampler without its ``study.stop()`` once the grid is covered: that call only
        works inside ``study.optimize``; the tuner asks exactly as many trials as the grid has."""

        def after_trial(self, study, trial, state, values) -> None:
            return None

    return AskTellGridSampler


def _GridSampler(search_space, seed):
    return _grid_sampler_class()(search_space, seed=seed)


def distributions(ranges: dict[str, ParameterRange]) -> dict:
    return {name: spec.distribution() for name, spec in ranges.items()}


def grid_size(ranges: dict[str, ParameterRange]) -> int:
    size = 1
    for spec in ranges.values():
        size *= len(spec.values)
    return size


def worse_than_median(current: Sequence[float], finished: Sequence[Sequence[float]], maximize: bool,
                      min_peers: int = EARLY_STOPPING_MIN_PEERS) -> bool:
    """SageMaker's early-stopping rule for one training job at its latest epoch.

    ``current`` holds the job's objective values so far (one per epoch); ``finished`` the
    per-epoch values of earlier jobs. At epoch t, take each earlier job's running average of its
    first t values and the median of those averages; stop when the current value is worse (lower
    when maximizing, higher when minimizing). Needs ``min_peers`` earlier jobs that reached epoch t.
    """
    step = len(current)
    if step == 0:
        return False
    averages = [statistics.fmean(history[:step]) for history in finished if len(history) >= step]
    if len(averages) < min_peers:
        return False
    median = statistics.median(averages)
    value = current[-1]
    return value < median if maximize else value > median
