"""Kuhn poker: the smallest poker game with bluffing, solved exactly by enumeration.

Three cards, Jack < Queen < King. Each of two players antes 1 chip and is dealt one card; the third
stays hidden. Player 1 checks (``p``, pass) or bets 1 chip (``b``). After a check, player 2 checks
(showdown for the antes) or bets; after a bet, the other player folds (``p``) or calls (``b``), and a
call goes to showdown for 2 chips each. The higher card wins the pot.

A *history* is the string of actions so far (``""``, ``"p"``, ``"pb"``...). A player sees only their own
card, so they decide per *information set*: their card and the history, e.g. ``"Kpb"`` (player 1 holds
the King, checked, player 2 bet). There are 12, listed in :data:`INFO_SETS`, each with two actions:
index 0 = pass (check or fold), index 1 = bet (bet or call).

A *strategy profile* is an array of shape (12, 2): row ``i`` gives the probabilities of pass and bet at
``INFO_SETS[i]``, for whichever player acts there. Values are in chips per hand, for player 1::

    expected_value(equilibrium(alpha=0.2))     # -1/18: the game favours the second player
    exploitability(uniform_strategy())         # how much a best response wins against it, > 0

The known equilibria (Kuhn, 1950) form a family with one parameter ``alpha`` in [0, 1/3]; see
:func:`equilibrium`. Every one of them gives player 1 the game value -1/18 chip per hand.
"""

from __future__ import annotations

from itertools import permutations
import numpy as np

__all__ = [
    "CARDS",
    "ACTIONS",
    "INFO_SETS",
    "GAME_VALUE",
    "DEALS",
    "player_to_act",
    "is_terminal",
    "payoff",
    "info_set",
    "info_set_index",
    "uniform_strategy",
    "equilibrium",
    "validate_strategy",
    "expected_value",
    "best_response",
    "best_response_value",
    "reach_probabilities",
    "ROWS",
    "GATHER",
    "history_values",
    "exploitability",
]

CARDS = ("J", "Q", "K")  # index = rank: a higher index wins the showdown
ACTIONS = ("pass", "bet")  # index 0: check or fold; index 1: bet or call
TERMINALS = ("pp", "bp", "bb", "pbp", "pbb")
# Decision points, in the order of INFO_SETS: player 1 first, then player 2, then player 1 facing a bet.
_HISTORIES = ("", "p", "b", "pb")
INFO_SETS = tuple(card + history for history in _HISTORIES for card in CARDS)
GAME_VALUE = -1 / 18  # player 1's value at every equilibrium, chips per hand
DEALS = tuple(permutations(range(3), 2))  # (player 1's card, player 2's card), each with probability 1/6
_INDEX = {name: i for i, name in enumerate(INFO_SETS)}


def player_to_act(history: str) -> int:
    """0 for player 1, 1 for player 2: they alternate, player 1 first."""
    return len(history) % 2


def is_terminal(history: str) -> bool:
    """True when the hand is over: a fold, two checks, or a call."""
    return history in TERMINALS


def payoff(cards: tuple[int, int], history: str) -> float:
    """Chips player 1 wins (negative: loses) at a terminal ``history``; player 2 gets the opposite.

    ``cards``: (player 1's card, player 2's card) as indices into :data:`CARDS`.
    """
    if not is_terminal(history):
        raise ValueError(f"history {history!r} is not the end of a hand; terminal histories are {TERMINALS}.")
    if history in ("bp", "pbp"):  # the last player folded to a bet: the bettor takes the antes
        folder = player_to_act(history[:-1])
        return 1.0 if folder == 1 else -1.0
    stake = 2.0 if history.endswith("bb") else 1.0
    return stake if cards[0] > cards[1] else -stake


def info_set(card: int, history: str) -> str:
    """The information set's name, e.g. ``info_set(2, "pb") == "Kpb"``."""
    return CARDS[card] + history


def info_set_index(name: str) -> int:
    """The row of ``name`` in a strategy profile (see :data:`INFO_SETS`)."""
    try:
        return _INDEX[name]
    except KeyError:
        raise ValueError(f"{name!r} is not an information set of Kuhn poker; they are {list(INFO_SETS)}.") from None


def uniform_strategy() -> np.ndarray:
    """Pass or bet with probability 1/2 everywhere: shape (12, 2)."""
    return np.full((len(INFO_SETS), len(ACTIONS)), 0.5)


def equilibrium(alpha: float = 0.0) -> np.ndarray:
    """A Nash equilibrium of Kuhn poker, shape (12, 2); ``alpha`` in [0, 1/3] is player 1's Jack bluff.

    Player 1 bets the Jack with probability ``alpha``, never the Queen, the King with ``3 * alpha``; facing
    a bet after checking, folds the Jack, calls with the Queen with probability ``alpha + 1/3``, always
    calls with the King. Player 2 has one equilibrium strategy: after a check, bets the Jack with
    probability 1/3 (a bluff), checks the Queen, bets the King; facing a bet, folds the Jack, calls with
    the Queen with probability 1/3, calls with the King.
    """
    if not 0.0 <= alpha <= 1 / 3:
        raise ValueError(f"alpha must lie in [0, 1/3] (player 1's Jack bluff probability), got {alpha!r}.")
    bets = {"J": alpha, "Q": 0.0, "K": 3 * alpha,
            "Jpb": 0.0, "Qpb": alpha + 1 / 3, "Kpb": 1.0,
            "Jp": 1 / 3, "Qp": 0.0, "Kp": 1.0,
            "Jb": 0.0, "Qb": 1 / 3, "Kb": 1.0}
    strategy = np.empty((len(INFO_SETS), 2))
    for name, bet in bets.items():
        strategy[_INDEX[name]] = (1.0 - bet, bet)
    return strategy


def validate_strategy(strategy: np.ndarray, name: str = "strategy") -> np.ndarray:
    """``strategy`` as a float array of shape (12, 2) whose rows are probabilities; a clear error otherwise."""
    array = np.asarray(strategy, dtype=float)
    expected = (len(INFO_SETS), len(ACTIONS))
    if array.shape != expected:
        raise ValueError(f"{name} must have shape {expected} (one row of pass/bet probabilities per information "
                         f"set in INFO_SETS), got shape {array.shape}.")
    if not np.isfinite(array).all() or (array < -1e-12).any():
        rows = [INFO_SETS[i] for i in np.flatnonzero(~(array >= -1e-12).all(axis=1))]
        raise ValueError(f"{name} must hold probabilities >= 0; rows {rows} have negative or NaN entries.")
    bad = np.flatnonzero(np.abs(array.sum(axis=1) - 1.0) > 1e-6)
    if bad.size:
        raise ValueError(f"each row of {name} must sum to 1; rows {[INFO_SETS[i] for i in bad]} sum to "
                         f"{np.round(array.sum(axis=1)[bad], 4).tolist()}: divide each row by its sum.")
    return array


# The game tree, vectorised over the 6 deals: per decision history, the row of the acting player's information
# set in each deal, shape (6,); per terminal history, player 1's payoff in each deal, shape (6,).
_DEAL_CARDS = np.array(DEALS)  # shape (6, 2)
ROWS = {h: np.array([_INDEX[CARDS[cards[player_to_act(h)]] + h] for cards in DEALS]) for h in _HISTORIES}
_PAYOFFS = {h: np.array([payoff(cards, h) for cards in DEALS]) for h in TERMINALS}
# Sums per-deal quantities into the information sets they belong to: (12, 6) @ (6, k) -> (12, k).
_OWN_ROWS = {h: sorted(set(rows.tolist())) for h, rows in ROWS.items()}  # the 3 information sets of each history
GATHER = {h: np.eye(len(INFO_SETS))[:, rows] for h, rows in ROWS.items()}


def reach_probabilities(strategy: np.ndarray) -> dict[str, np.ndarray]:
    """For every history (decision or terminal), the probability that each player plays its actions.

    Returns ``{history: array of shape (6, 2)}``: row = deal (:data:`DEALS`), column = player. The chance of
    the deal (1/6) is not included. ``strategy``: shape (12, 2), assumed valid.
    """
    reach = {"": np.ones((len(DEALS), 2))}
    for history in _HISTORIES:  # parents before children
        player = player_to_act(history)
        sigma = strategy[ROWS[history]]  # (6, 2)
        for action, letter in enumerate("pb"):
            child = reach[history].copy()
            child[:, player] *= sigma[:, action]
            reach[history + letter] = child
    return reach


def history_values(strategy: np.ndarray) -> dict[str, np.ndarray]:
    """Player 1's expected payoff (chips) from every history on, both players following ``strategy``.

    Returns ``{history: array of shape (6,)}``, one value per deal of :data:`DEALS`.
    """
    values = dict(_PAYOFFS)
    for history in reversed(_HISTORIES):  # children before parents
        sigma = strategy[ROWS[history]]
        values[history] = sigma[:, 0] * values[history + "p"] + sigma[:, 1] * values[history + "b"]
    return values


def expected_value(strategy: np.ndarray) -> float:
    """Player 1's expected winnings per hand (chips) when both players follow ``strategy`` (shape (12, 2)).

    Exact: averages over the 6 equally likely deals and every action, no sampling.
    """
    return float(history_values(validate_strategy(strategy))[""].mean())


def best_response(strategy: np.ndarray, player: int) -> np.ndarray:
    """``strategy`` with ``player``'s rows (0: player 1, 1: player 2) replaced by a best response to the other's.

    The best responder knows the opponent's strategy but not their card: at each of its information sets
    it picks the action with the highest value summed over the opponent's possible cards, weighted by
    how likely the opponent is to have reached it. Deeper information sets are decided first, so
    earlier ones are valued with the best play that follows. Returns shape (12, 2), pure in ``player``'s rows.
    """
    if player not in (0, 1):
        raise ValueError(f"player must be 0 (player 1) or 1 (player 2), got {player!r}.")
    return _best_response(validate_strategy(strategy), player)


def _best_response(strategy: np.ndarray, player: int) -> np.ndarray:
    profile = strategy.copy()
    sign = 1.0 if player == 0 else -1.0  # history_values are player 1's payoffs
    own = sorted((h for h in _HISTORIES if player_to_act(h) == player), key=len, reverse=True)
    for history in own:
        values = history_values(profile)
        opponent_reach = reach_probabilities(profile)[history][:, 1 - player]
        children = np.stack([values[history + "p"], values[history + "b"]], axis=1)
        totals = GATHER[history] @ (sign * opponent_reach[:, None] * children)
        for row in _OWN_ROWS[history]:
            profile[row] = np.eye(2)[int(np.argmax(totals[row]))]
    return profile


def best_response_value(strategy: np.ndarray, player: int) -> float:
    """What ``player`` (0 or 1) wins per hand, in chips, playing a best response against ``strategy``."""
    value = float(history_values(_best_response(validate_strategy(strategy), player))[""].mean())
    return value if player == 0 else -value


def exploitability(strategy: np.ndarray) -> float:
    """How far ``strategy`` is from an equilibrium, in chips per hand; 0 exactly at an equilibrium.

    The mean of the two best-response values: ``(BR_1 + BR_2) / 2``, where ``BR_i`` is what player ``i``
    wins by best-responding to the other's part of ``strategy``. At an equilibrium ``BR_1 = -1/18`` and
    ``BR_2 = +1/18``, so the mean is 0; any other profile leaves one player something to gain. (OpenSpiel's
    ``exploitability`` uses the same convention: NashConv divided by the number of players.)
    """
    strategy = validate_strategy(strategy)
    values = [float(history_values(_best_response(strategy, player))[""].mean()) for player in (0, 1)]
    return (values[0] - values[1]) / 2  # player 2's winnings are minus player 1's
