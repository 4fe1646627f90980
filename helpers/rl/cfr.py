"""Counterfactual regret minimisation (CFR): a poker strategy learned by self-play, no human games.

One table of *regrets* per information set of :mod:`helpers.rl.kuhn` (shape (12, 2)): how much better
each action would have done than the strategy actually played, weighted by how likely the opponent
(and the cards) were to lead there. Each iteration:

1. both players' current strategy comes from the regrets by *regret matching* (:func:`regret_matching`):
   play each action in proportion to its positive regret, uniformly when no regret is positive;
2. the solver walks the whole game tree for every deal, both seats played by that same strategy
   (self-play), and adds each action's counterfactual regret to the table;
3. the average of the strategies played so far (weighted by how often each player reached the
   information set) moves towards a Nash equilibrium. The current strategy itself may keep cycling.

::

    solver = CFR().fit(2_000)
    solver.average_strategy()            # shape (12, 2), rows = kuhn.INFO_SETS
    solver.curve.exploitability[-1]      # chips per hand a best response would still win, -> 0
    solver.curve.game_value[-1]          # player 1's value under the average strategies, -> -1/18

``CFR(plus=True)`` is CFR+ (negative regrets are forgotten at once, later iterations weigh more), which
converges much faster; ``CFR(sampling=True, seed=0)`` samples one deal per iteration (chance-sampled
Monte Carlo CFR, the family Pluribus used on a far larger game) instead of walking all six.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from helpers.rl import kuhn

__all__ = ["regret_matching", "counterfactual_updates", "CFR", "Curve", "default_checkpoints", "convergence_in_words",
           "strategy_table", "plot_exploitability"]

RegretMatching = Callable[[np.ndarray], Sequence[float]]


def regret_matching(regrets: np.ndarray) -> np.ndarray:
    """The strategy regret matching plays: positive regrets normalised to sum 1; uniform if none is positive.

    ``regrets``: shape (n_actions,), cumulative regrets in chips (any sign). Returns probabilities of shape
    (n_actions,). Negative regrets count as 0: an action that did worse than the strategy is not played.
    The input is not changed.
    """
    positive = np.maximum(np.asarray(regrets, dtype=float), 0.0)
    total = positive.sum()
    if total > 0:
        return positive / total
    return np.full(positive.shape, 1.0 / positive.size)


def counterfactual_updates(strategy: np.ndarray, players: Sequence[int] = (0, 1),
                           deals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The regrets and strategy weights one walk of the game tree adds, for the ``players`` listed.

    ``strategy``: shape (12, 2), both players' current strategy. ``deals``: weight of each deal of
    :data:`kuhn.DEALS`, shape (6,) (default all 1: every deal walked). Returns two arrays of shape (12, 2):

    - the counterfactual regret of each action: what it would have won (chips, in the acting player's
      own terms) minus what the strategy won, weighted by the probability that the *opponent* played
      into this information set;
    - the strategy weighted by the probability that the acting player *itself* played into it (what
      the average strategy accumulates).
    """
    deals = np.ones(len(kuhn.DEALS)) if deals is None else np.asarray(deals, dtype=float)
    reach = kuhn.reach_probabilities(strategy)
    values = kuhn.history_values(strategy)
    regret_delta = np.zeros_like(strategy)
    strategy_delta = np.zeros_like(strategy)
    for history, rows in kuhn.GATHER.items():
        player = kuhn.player_to_act(history)
        if player not in players:
            continue
        sign = 1.0 if player == 0 else -1.0  # values are player 1's chips; player 2 wins the opposite
        children = np.stack([values[history + "p"], values[history + "b"]], axis=1)  # (6, 2)
        gain = sign * (children - values[history][:, None])
        regret_delta += rows @ ((deals * reach[history][:, 1 - player])[:, None] * gain)
        strategy_delta += rows @ ((deals * reach[history][:, player])[:, None] * strategy[kuhn.ROWS[history]])
    return regret_delta, strategy_delta


@dataclass
class Curve:
    """The solver's progress, measured at some iterations (all arrays have one entry per checkpoint).

    ``iterations``: the iteration counts (1-based); ``exploitability``: chips per hand a best response wins
    against the average strategy (:func:`kuhn.exploitability`), 0 at an equilibrium; ``game_value``:
    player 1's expected chips per hand when both play the average strategy, -1/18 at an equilibrium.
    """

    iterations: np.ndarray
    exploitability: np.ndarray
    game_value: np.ndarray


def default_checkpoints(n_iterations: int, per_decade: int = 12) -> np.ndarray:
    """Iterations to measure at: every one of the first 10, then ``per_decade`` log-spaced ones per factor 10.

    Measuring exploitability costs about as much as 10 iterations, so a log grid keeps a long run cheap and
    draws evenly on the log axis the curve is read on. Always ends at ``n_iterations``.
    """
    if n_iterations < 1:
        raise ValueError(f"n_iterations must be >= 1, got {n_iterations!r}.")
    grid = np.logspace(0, np.log10(n_iterations), max(2, int(per_decade * np.log10(n_iterations)) + 1))
    points = np.unique(np.concatenate([np.arange(1, min(n_iterations, 10) + 1), np.round(grid).astype(int),
                                       [n_iterations]]))
    return points[(points >= 1) & (points <= n_iterations)]


class CFR:
    """Vanilla CFR (or CFR+) on Kuhn poker by self-play.

    Parameters
    ----------
    regret_matching : callable, optional
        ``f(regrets) -> probabilities``, regrets of shape (2,) to a strategy of shape (2,); default
        :func:`regret_matching`. A learner's own function plugs in here; its output is checked each call.
    plus : bool
        CFR+: cumulative regrets are clipped at 0 after each iteration, players update in turn, and the
        average strategy weighs iteration ``t`` by ``t``.
    sampling : bool
        Sample one deal per iteration (chance-sampled Monte Carlo CFR) instead of walking all 6 deals.
    seed : int or None
        Seeds the deal sampling (numpy ``default_rng``); without ``sampling`` the solver is deterministic.
    """

    def __init__(self, regret_matching: RegretMatching | None = None, plus: bool = False, sampling: bool = False,
                 seed: int | None = None) -> None:
        if regret_matching is not None and not callable(regret_matching):
            raise TypeError(f"regret_matching must be a function regrets -> probabilities, got {regret_matching!r}.")
        self.match = regret_matching or globals()["regret_matching"]
        self.plus = plus
        self.sampling = sampling
        self.rng = np.random.default_rng(seed)
        shape = (len(kuhn.INFO_SETS), len(kuhn.ACTIONS))
        self.regrets = np.zeros(shape)  # cumulative counterfactual regret, chips
        self.strategy_sum = np.zeros(shape)  # reach-weighted sum of the strategies played
        self.iterations = 0
        self.curve = Curve(np.zeros(0, int), np.zeros(0), np.zeros(0))

    # --- strategies -------------------------------------------------------------------------------

    def current_strategy(self) -> np.ndarray:
        """The strategy regret matching plays now, shape (12, 2).

        Each row is the matching function applied to a copy of that row's regrets (so a function that
        changes its input cannot corrupt the table); all rows are checked at once to keep iterations cheap.
        """
        results = [self.match(row.copy()) for row in self.regrets]
        try:
            strategy = np.array(results, dtype=float)
        except (TypeError, ValueError):
            strategy = None
        if (strategy is None or strategy.shape != self.regrets.shape or not np.isfinite(strategy).all()
                or (strategy < 0).any() or (np.abs(strategy.sum(axis=1) - 1.0) > 1e-6).any()):
            self._explain_bad_match(results)
        return strategy

    def _explain_bad_match(self, results: list) -> None:
        """Raise a ValueError naming the first information set whose regrets the matching function mishandled."""
        for name, regrets, result in zip(kuhn.INFO_SETS, self.regrets, results):
            if result is None:
                raise ValueError(f"regret_matching returned None for the regrets {regrets.tolist()} at {name!r}: "
                                 "return the probabilities.")
            try:
                probabilities = np.asarray(result, dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"regret_matching returned {result!r} at {name!r}: return one probability per "
                                 "action, as numbers.") from None
            if probabilities.shape != regrets.shape:
                raise ValueError(f"regret_matching returned shape {probabilities.shape} for regrets of shape "
                                 f"{regrets.shape} at {name!r}: return one probability per action.")
            if (not np.isfinite(probabilities).all() or (probabilities < 0).any()
                    or abs(probabilities.sum() - 1.0) > 1e-6):
                raise ValueError(f"regret_matching turned the regrets {regrets.tolist()} at {name!r} into "
                                 f"{probabilities.tolist()}, not probabilities (>= 0, summing to 1): clip negative "
                                 "regrets at 0, divide by their sum, and play uniformly when none is positive.")
        raise ValueError("regret_matching must return one probability per action, as numbers.")

    def average_strategy(self) -> np.ndarray:
        """The average of the strategies played, weighted by each player's reach; shape (12, 2).

        This, not the current strategy, converges to an equilibrium. An information set never reached
        yet gets the uniform strategy.
        """
        totals = self.strategy_sum.sum(axis=1, keepdims=True)
        uniform = np.full_like(self.strategy_sum, 1.0 / self.strategy_sum.shape[1])
        return np.divide(self.strategy_sum, totals, out=uniform, where=totals > 0)

    # --- learning ---------------------------------------------------------------------------------

    def iterate(self) -> None:
        """One iteration of self-play: regret matching, a walk of the game tree, regrets and averages updated."""
        self.iterations += 1
        if self.sampling:  # one deal, drawn uniformly: the other five count 0 this time
            deals = np.eye(len(kuhn.DEALS))[self.rng.integers(len(kuhn.DEALS))]
        else:
            deals = np.ones(len(kuhn.DEALS))
        weight = float(self.iterations) if self.plus else 1.0
        # CFR+ updates the players in turn (the second sees the first's new regrets); vanilla CFR both at once.
        for updating in ((0,), (1,)) if self.plus else ((0, 1),):
            strategy = self.current_strategy()
            regret_delta, strategy_delta = counterfactual_updates(strategy, updating, deals)
            self.regrets += regret_delta
            self.strategy_sum += weight * strategy_delta
            if self.plus:
                np.maximum(self.regrets, 0.0, out=self.regrets)

    def fit(self, n_iterations: int, checkpoints: Sequence[int] | None = None) -> "CFR":
        """Run ``n_iterations`` more iterations, measuring :attr:`curve` at ``checkpoints`` (default
        :func:`default_checkpoints`, counted from this call's start). Returns ``self``."""
        if not isinstance(n_iterations, (int, np.integer)) or n_iterations < 1:
            raise ValueError(f"n_iterations must be a whole number >= 1, got {n_iterations!r}.")
        marks = set(int(c) for c in (default_checkpoints(n_iterations) if checkpoints is None else checkpoints))
        outside = sorted(c for c in marks if not 1 <= c <= n_iterations)
        if outside:
            raise ValueError(f"checkpoints must lie in 1..{n_iterations} (this call's iterations), got {outside}.")
        start = self.iterations
        rows = []
        for step in range(1, n_iterations + 1):
            self.iterate()
            if step in marks:
                average = self.average_strategy()
                rows.append((start + step, kuhn.exploitability(average), kuhn.expected_value(average)))
        if rows:
            done, exploit, value = (np.array(column) for column in zip(*rows))
            self.curve = Curve(np.concatenate([self.curve.iterations, done.astype(int)]),
                               np.concatenate([self.curve.exploitability, exploit]),
                               np.concatenate([self.curve.game_value, value]))
        return self


# --- text equivalents and the figure ------------------------------------------------------------------


def convergence_in_words(curve: Curve, name: str = "CFR") -> str:
    """One line on a run: exploitability at the first and last checkpoint, and the final game value
    against -1/18 (chips per hand)."""
    if len(curve.iterations) == 0:
        return f"{name}: not run yet."
    first, last = 0, len(curve.iterations) - 1
    return (f"{name}: exploitability of the average strategy fell from {_chips(curve.exploitability[first])} chips "
            f"per hand after {curve.iterations[first]:,} iteration{'s' if curve.iterations[first] > 1 else ''} to "
            f"{_chips(curve.exploitability[last])} after {curve.iterations[last]:,}; game value for player 1 "
            f"{curve.game_value[last]:.4f} (theory -1/18 = {kuhn.GAME_VALUE:.4f}, off by "
            f"{abs(curve.game_value[last] - kuhn.GAME_VALUE):.4f}).")


def _chips(amount: float) -> str:
    """Four decimals, or two significant digits in scientific notation below 0.001 (where 0.0000 would hide it)."""
    return f"{amount:.4f}" if abs(amount) >= 1e-3 or amount == 0 else f"{amount:.1e}"


def strategy_table(strategy: np.ndarray, decimals: int = 2):
    """The probability of betting (or calling) at each information set, beside the equilibrium family.

    Returns a pandas DataFrame indexed by information set (:data:`kuhn.INFO_SETS`) with the columns "who",
    "situation", "P(bet or call)", "equilibrium" (the known value in terms of alpha, player 1's Jack bluff)
    and "at this alpha" (that value with alpha read off ``strategy``'s own Jack bet, clipped to [0, 1/3]).
    """
    import pandas as pd

    strategy = kuhn.validate_strategy(strategy)
    alpha = float(np.clip(strategy[kuhn.info_set_index("J"), 1], 0.0, 1 / 3))
    reference = kuhn.equilibrium(alpha)
    situations = {"": "first to act", "p": "after a check", "b": "facing a bet", "pb": "checked, facing a bet"}
    theory = {"J": "alpha", "Q": "0", "K": "3 alpha", "Jp": "1/3", "Qp": "0", "Kp": "1", "Jb": "0", "Qb": "1/3",
              "Kb": "1", "Jpb": "0", "Qpb": "alpha + 1/3", "Kpb": "1"}
    rows = {name: {"who": f"player {kuhn.player_to_act(name[1:]) + 1}",
                   "situation": f"holds {name[0]}, {situations[name[1:]]}",
                   "P(bet or call)": round(float(strategy[i, 1]), decimals),
                   "equilibrium": theory[name],
                   "at this alpha": round(float(reference[i, 1]), decimals)} for i, name in enumerate(kuhn.INFO_SETS)}
    return pd.DataFrame.from_dict(rows, orient="index")


def plot_exploitability(curves: dict[str, Curve], ax=None):
    """Exploitability of the average strategy per iteration, log-log, one line (and line style) per run."""
    import matplotlib.pyplot as plt

    from helpers.plots import LINESTYLES

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    for number, (label, curve) in enumerate(curves.items()):
        ax.loglog(curve.iterations, curve.exploitability, ls=LINESTYLES[number % len(LINESTYLES)],
                  marker="os^D"[number % 4], markevery=max(1, len(curve.iterations) // 8), label=label)
    ax.set(xlabel="iterations of self-play", ylabel="exploitability (chips per hand)",
           title="Kuhn poker: how much a best response still wins")
    ax.legend()
    return ax
