"""Kuhn poker and counterfactual regret minimisation: the game, the solver, and its convergence to -1/18."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.rl import kuhn  # noqa: E402
from helpers.rl.cfr import (  # noqa: E402
    CFR,
    convergence_in_words,
    counterfactual_updates,
    default_checkpoints,
    plot_exploitability,
    regret_matching,
    strategy_table,
)

N_ITERATIONS = 1_000
VANILLA_BOUND = 0.01  # vanilla CFR: exploitability below 0.01 chip per hand after 1,000 iterations (measured 0.0073)
PLUS_BOUND = 0.001  # CFR+: below 0.001 after 1,000 (measured 0.0001)


@pytest.fixture(scope="module")
def vanilla() -> CFR:
    return CFR().fit(N_ITERATIONS)


@pytest.fixture(scope="module")
def plus() -> CFR:
    return CFR(plus=True).fit(N_ITERATIONS)


# --- the game ---------------------------------------------------------------------------------------


def test_payoffs_follow_the_rules():
    J, Q, K = range(3)
    assert kuhn.payoff((K, J), "pp") == 1 and kuhn.payoff((J, K), "pp") == -1  # showdown for the antes
    assert kuhn.payoff((K, Q), "bb") == 2 and kuhn.payoff((Q, K), "pbb") == -2  # called bets: 2 chips
    assert kuhn.payoff((J, K), "bp") == 1  # player 2 folds to a bet: player 1 takes the ante, whatever the cards
    assert kuhn.payoff((K, J), "pbp") == -1  # player 1 folds after checking
    with pytest.raises(ValueError, match="terminal histories are"):
        kuhn.payoff((K, J), "pb")


def test_information_sets_hide_the_opponents_card():
    assert len(kuhn.INFO_SETS) == 12 and len(set(kuhn.INFO_SETS)) == 12
    assert kuhn.info_set(2, "pb") == "Kpb" and kuhn.INFO_SETS[kuhn.info_set_index("Kpb")] == "Kpb"
    # Player 2 holding the Queen after a check: the same row whether player 1 holds the Jack or the King.
    deals = [i for i, cards in enumerate(kuhn.DEALS) if cards[1] == 1]
    assert len({int(kuhn.ROWS["p"][i]) for i in deals}) == 1
    with pytest.raises(ValueError, match="not an information set"):
        kuhn.info_set_index("Ab")


@pytest.mark.parametrize("alpha", [0.0, 1 / 6, 1 / 3])
def test_every_member_of_the_equilibrium_family_is_worth_minus_one_eighteenth(alpha):
    strategy = kuhn.equilibrium(alpha)
    assert kuhn.expected_value(strategy) == pytest.approx(-1 / 18, abs=1e-12)
    assert kuhn.exploitability(strategy) == pytest.approx(0.0, abs=1e-12)


def pure_strategies(player: int):
    """Every deterministic strategy of ``player``: one action per information set (2**6 = 64)."""
    rows = [i for i, name in enumerate(kuhn.INFO_SETS) if kuhn.player_to_act(name[1:]) == player]
    for actions in itertools.product((0, 1), repeat=len(rows)):
        yield rows, actions


@pytest.mark.parametrize("player", [0, 1])
def test_the_best_response_equals_the_best_of_all_64_pure_strategies(player):
    """An independent computation: try every pure strategy of the responder against a fixed opponent."""
    opponent = np.random.default_rng(3).dirichlet([1, 1], size=len(kuhn.INFO_SETS))
    best = -np.inf
    for rows, actions in pure_strategies(player):
        profile = opponent.copy()
        profile[rows] = np.eye(2)[list(actions)]
        value = kuhn.expected_value(profile)
        best = max(best, value if player == 0 else -value)
    assert kuhn.best_response_value(opponent, player) == pytest.approx(best, abs=1e-12)


def test_a_uniform_player_is_exploitable_by_eleven_twentyfourths_of_a_chip():
    # The uniform profile's exploitability, 0.458333 = 11/24 (OpenSpiel's published figure for Kuhn poker).
    assert kuhn.exploitability(kuhn.uniform_strategy()) == pytest.approx(11 / 24)
    assert kuhn.expected_value(kuhn.uniform_strategy()) == pytest.approx(1 / 8)


def test_bad_strategies_and_alphas_are_named_with_the_fix():
    with pytest.raises(ValueError, match=r"shape \(12, 2\)"):
        kuhn.expected_value(np.full((6, 2), 0.5))
    with pytest.raises(ValueError, match="divide each row by its sum"):
        kuhn.exploitability(np.ones((12, 2)))
    with pytest.raises(ValueError, match="probabilities >= 0"):
        kuhn.expected_value(np.tile([-0.5, 1.5], (12, 1)))
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1/3\]"):
        kuhn.equilibrium(0.5)
    with pytest.raises(ValueError, match="player must be 0"):
        kuhn.best_response(kuhn.uniform_strategy(), 2)


# --- regret matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("regrets, expected", [
    ([1.0, 3.0], [0.25, 0.75]),  # positive regrets, normalised by their sum
    ([-1.0, 2.0], [0.0, 1.0]),  # a negative regret counts as 0
    ([-1.0, -2.0], [0.5, 0.5]),  # none positive: uniform
    ([0.0, 0.0], [0.5, 0.5]),
    ([2.0, -1.0, 2.0], [0.5, 0.0, 0.5]),  # any number of actions
])
def test_regret_matching_on_hand_made_regrets(regrets, expected):
    given = np.array(regrets)
    assert regret_matching(given) == pytest.approx(expected)
    assert given.tolist() == regrets  # the input is not changed


def test_counterfactual_regrets_at_the_first_move_by_hand():
    """Against a player 2 who always checks and always folds, player 1's bet wins the ante (+1) whatever
    the card, and checking then betting is a free option: by hand, the regrets of the first move."""
    strategy = kuhn.uniform_strategy()
    for name in ("Jp", "Qp", "Kp", "Jb", "Qb", "Kb"):
        strategy[kuhn.info_set_index(name)] = (1.0, 0.0)
    regrets, weights = counterfactual_updates(strategy, players=(0,))
    # Holding J: check -> showdown lost against both cards (-1); bet -> fold (+1); the strategy's mix = 0.
    jack = regrets[kuhn.info_set_index("J")]
    assert jack == pytest.approx([2 * (-1 - 0), 2 * (1 - 0)])  # summed over player 2's two possible cards
    assert weights[kuhn.info_set_index("J")] == pytest.approx([1.0, 1.0])  # reach 1 in each of 2 deals, times 1/2
    assert not regrets[[kuhn.info_set_index(n) for n in ("Jp", "Qb")]].any()  # player 2 not updated


# --- the solver ---------------------------------------------------------------------------------------


def test_game_value_converges_to_minus_one_eighteenth(vanilla, plus):
    for solver in (vanilla, plus):
        assert abs(solver.curve.game_value[-1] - kuhn.GAME_VALUE) < 1e-3, convergence_in_words(solver.curve)
        assert kuhn.expected_value(solver.average_strategy()) == pytest.approx(solver.curve.game_value[-1])


def test_exploitability_falls_below_the_stated_bounds(vanilla, plus):
    for solver, bound in ((vanilla, VANILLA_BOUND), (plus, PLUS_BOUND)):
        curve = solver.curve
        assert curve.iterations[0] == 1 and curve.iterations[-1] == N_ITERATIONS
        assert curve.exploitability[0] == pytest.approx(11 / 24)  # after one iteration: still uniform
        assert curve.exploitability[-1] < bound
        # Falling overall: every tenth of the curve (by checkpoint) ends lower than the first did.
        tenths = np.array_split(curve.exploitability, 10)
        assert all(part.min() < tenths[0].min() for part in tenths[1:])
    assert plus.curve.exploitability[-1] < vanilla.curve.exploitability[-1] / 10  # CFR+ is much faster


def test_the_average_strategy_is_in_the_known_equilibrium_family(plus):
    strategy = plus.average_strategy()
    bet = {name: strategy[kuhn.info_set_index(name), 1] for name in kuhn.INFO_SETS}
    alpha = bet["J"]
    assert 0.0 <= alpha <= 1 / 3 + 0.01  # player 1 bluffs the Jack with probability alpha in [0, 1/3]
    assert bet["K"] == pytest.approx(3 * alpha, abs=0.02)  # and bets the King 3 alpha
    assert bet["Qpb"] == pytest.approx(alpha + 1 / 3, abs=0.02)  # calls with the Queen alpha + 1/3
    assert bet["Q"] < 0.02 and bet["Jpb"] < 0.02 and bet["Kpb"] > 0.98
    # Player 2's strategy is unique: bluff the Jack 1/3 after a check, call with the Queen 1/3.
    expected_p2 = {"Jp": 1 / 3, "Qp": 0, "Kp": 1, "Jb": 0, "Qb": 1 / 3, "Kb": 1}
    assert {name: bet[name] for name in expected_p2} == pytest.approx(expected_p2, abs=0.02)
    assert np.abs(strategy - kuhn.equilibrium(min(alpha, 1 / 3))).max() < 0.02


def test_a_learners_function_in_another_style_gives_the_same_solver():
    def as_lists(regrets):
        positive = [max(r, 0.0) for r in regrets]
        total = sum(positive)
        return [p / total for p in positive] if total > 0 else [1 / len(regrets)] * len(regrets)

    def mutating(regrets):  # changes its input: the solver passes copies, so the tables stay intact
        regrets[regrets < 0] = 0.0
        return regrets / regrets.sum() if regrets.sum() > 0 else np.full(len(regrets), 0.5)

    reference = CFR().fit(200, checkpoints=[200])
    for style in (as_lists, mutating, lambda r: regret_matching(r).astype(np.float32)):
        solver = CFR(regret_matching=style).fit(200, checkpoints=[200])
        np.testing.assert_allclose(solver.average_strategy(), reference.average_strategy(), atol=1e-6)
        np.testing.assert_allclose(solver.regrets, reference.regrets, atol=1e-5)


@pytest.mark.parametrize("function, message", [
    (lambda r: r / r.sum(), "clip negative regrets at 0"),  # negative regrets not clipped
    (lambda r: np.maximum(r, 0) / np.maximum(r, 0).sum(), "play uniformly when none is positive"),  # 0 / 0
    (lambda r: None, "returned None"),
    (lambda r: np.array([0.5, 0.25, 0.25]), "one probability per action"),
    (lambda r: ["a", "b"], "one probability per action, as numbers"),
])
def test_a_broken_matching_function_is_named_with_the_fix(function, message):
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=message):
        CFR(regret_matching=function).fit(5)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="regrets -> probabilities"):
        CFR(regret_matching="regret matching")
    with pytest.raises(ValueError, match="n_iterations must be a whole number >= 1"):
        CFR().fit(0)
    with pytest.raises(ValueError, match=r"checkpoints must lie in 1\.\.10"):
        CFR().fit(10, checkpoints=[5, 20])


def test_full_enumeration_is_deterministic_and_sampling_follows_its_seed():
    first, second = CFR().fit(50), CFR().fit(50)
    assert np.array_equal(first.regrets, second.regrets) and np.array_equal(first.curve.exploitability,
                                                                            second.curve.exploitability)
    a, b, c = (CFR(sampling=True, seed=seed).fit(300, checkpoints=[300]) for seed in (7, 7, 8))
    assert np.array_equal(a.strategy_sum, b.strategy_sum)
    assert not np.array_equal(a.strategy_sum, c.strategy_sum)
    assert a.curve.exploitability[-1] < 0.1  # sampled, so slower, but learning


def test_fitting_again_continues_the_run_and_its_curve():
    solver = CFR().fit(20, checkpoints=[10, 20]).fit(30, checkpoints=[30])
    assert solver.iterations == 50 and solver.curve.iterations.tolist() == [10, 20, 50]
    assert np.array_equal(solver.average_strategy(), CFR().fit(50, checkpoints=[50]).average_strategy())


def test_default_checkpoints_cover_the_start_and_a_log_grid():
    points = default_checkpoints(2_000)
    assert points[:10].tolist() == list(range(1, 11)) and points[-1] == 2_000
    assert np.all(np.diff(points) > 0) and len(points) < 60  # cheap: not one measurement per iteration
    assert default_checkpoints(1).tolist() == [1]
    with pytest.raises(ValueError, match="n_iterations must be >= 1"):
        default_checkpoints(0)


# --- text equivalents and the figure --------------------------------------------------------------------


def test_the_words_and_the_table_state_the_figures_numbers(vanilla, plus):
    text = convergence_in_words(vanilla.curve, name="vanilla CFR")
    assert text.startswith("vanilla CFR: exploitability of the average strategy fell from 0.458")
    assert f"{vanilla.curve.exploitability[-1]:.4f} after 1,000" in text and "-1/18 = -0.0556" in text
    assert f"to {plus.curve.exploitability[-1]:.1e} after 1,000" in convergence_in_words(plus.curve)  # not 0.0000
    assert convergence_in_words(CFR().curve) == "CFR: not run yet."
    table = strategy_table(kuhn.equilibrium(0.2))
    assert table.loc["K", "P(bet or call)"] == 0.6 and table.loc["K", "at this alpha"] == 0.6
    assert table.loc["Qb", "equilibrium"] == "1/3" and table.loc["Jp", "who"] == "player 2"


def test_the_figure_draws_one_styled_log_log_line_per_run(vanilla, plus):
    ax = plot_exploitability({"CFR": vanilla.curve, "CFR+": plus.curve})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["CFR", "CFR+"]
    assert lines[0].get_linestyle() != lines[1].get_linestyle() and lines[0].get_marker() != lines[1].get_marker()
    assert ax.get_xscale() == ax.get_yscale() == "log"
    np.testing.assert_array_equal(lines[1].get_ydata(), plus.curve.exploitability)
    plt.close(ax.figure)
