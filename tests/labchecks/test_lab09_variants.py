"""Lab 09: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import math
import random

import numpy as np

from helpers.labchecks.lab09 import USE_CASES, _mutating_matching, _q_wrong, _regret_matching_mistake, check
from helpers.rl.cfr import CFR
from variant_harness import accepts, rejects

# --- the three types of ML ------------------------------------------------------------------------


def test_ml_types_accept_literals_case_and_comprehensions():
    accepts(check.ml_types, dict(USE_CASES))
    accepts(check.ml_types, {case: kind.upper() for case, kind in USE_CASES.items()})
    accepts(check.ml_types, {case: f" {kind} " for case, kind in reversed(list(USE_CASES.items()))})
    accepts(check.ml_types, {case: f"{kind.title()} learning" for case, kind in USE_CASES.items()})


def test_ml_types_name_the_wrong_case_and_unknown_words():
    rejects(check.ml_types, {**USE_CASES, "decide how much stock to order each day": "supervised"},
            hint="decide how much stock")
    rejects(check.ml_types, {**USE_CASES, "group shoppers by how they buy, without labels": "clustering"},
            hint="must be one of")
    rejects(check.ml_types, {case: kind for case, kind in list(USE_CASES.items())[:3]}, hint="no entry for")
    rejects(check.ml_types, "reinforcement", hint="should be a dict")


# --- epsilon-greedy -------------------------------------------------------------------------------------


def _branch(q, epsilon, rng):
    if rng.random() < epsilon:
        return int(rng.integers(len(q)))
    return int(np.argmax(q))


def _choice(q, epsilon, rng):
    return int(rng.choice(len(q))) if rng.uniform() < epsilon else int(np.flatnonzero(q == np.max(q))[0])


def _with_python_random(q, epsilon, rng):
    if random.random() < epsilon:
        return random.randrange(len(q))
    return max(range(len(q)), key=lambda a: q[a])


def test_epsilon_greedy_accepts_rng_branches_choice_and_python_random():
    random.seed(3)
    accepts(check.epsilon_greedy, _branch)
    accepts(check.epsilon_greedy, _choice)
    accepts(check.epsilon_greedy, _with_python_random)


def test_epsilon_greedy_names_greedy_only_random_only_and_excluding_the_best():
    rejects(check.epsilon_greedy, lambda q, e, rng: int(np.argmax(q)), hint="with epsilon = 1")
    rejects(check.epsilon_greedy, lambda q, e, rng: int(rng.integers(len(q))), hint="with epsilon = 0")

    def others_only(q, epsilon, rng):
        best = int(np.argmax(q))
        return int(rng.choice([a for a in range(len(q)) if a != best])) if rng.random() < epsilon else best

    rejects(check.epsilon_greedy, others_only, hint="25 %")
    rejects(check.epsilon_greedy, lambda q, e, rng: int(np.argmin(q)), hint="greedy action")
    rejects(check.epsilon_greedy, lambda q, e, rng: float(np.argmax(q)), hint="action index")


# --- UCB --------------------------------------------------------------------------------------------------


def _ucb_loop(values, counts, t, c):
    return [math.inf if n == 0 else v + c * math.sqrt(math.log(t) / n) for v, n in zip(values, counts)]


def _ucb_where(values, counts, t, c):
    with np.errstate(divide="ignore"):
        bonus = c * np.sqrt(np.log(t) / counts)
    return np.where(counts == 0, np.inf, values + bonus)


def test_ucb_scores_accept_loops_where_and_masks():
    accepts(check.ucb_scores, _ucb_loop)
    accepts(check.ucb_scores, _ucb_where)

    def masks(values, counts, t, c):
        scores = np.full(len(values), np.inf)
        tried = counts > 0
        scores[tried] = values[tried] + c * (np.log(t) / counts[tried]) ** 0.5
        return scores

    accepts(check.ucb_scores, masks)


def test_ucb_scores_name_untried_arms_and_the_formula():
    rejects(check.ucb_scores, lambda v, n, t, c: np.asarray(v) + c * np.sqrt(np.log(t) / (np.asarray(n) + 1.0)),
            hint="divides by counts + 1")
    rejects(check.ucb_scores, lambda v, n, t, c: np.asarray(v, dtype=float), hint="no exploration bonus")
    rejects(check.ucb_scores, lambda v, n, t, c: np.asarray(v) + c * np.log(t) / np.maximum(n, 1e-12), hint="no square root")
    rejects(check.ucb_scores, lambda v, n, t, c: np.asarray(v) + np.sqrt(np.log(t) / np.maximum(n, 1e-12)), hint="ignores c")
    rejects(check.ucb_scores, lambda v, n, t, c: np.asarray(v) + c * np.sqrt(np.log(t) / np.maximum(n, 1e-12)),
            hint="must score +inf")
    rejects(check.ucb_scores, lambda v, n, t, c: None, hint="forget to `return`")


# --- the Q-learning update ------------------------------------------------------------------------------------


def _q_in_place(Q, s, a, r, s2, terminated, alpha, gamma):
    target = r if terminated else r + gamma * np.max(Q[s2])
    Q[s, a] = Q[s, a] + alpha * (target - Q[s, a])


def _q_blend(Q, s, a, r, s2, terminated, alpha, gamma):
    future = 0.0 if terminated else gamma * max(Q[s2])
    Q[s][a] = (1 - alpha) * Q[s][a] + alpha * (r + future)
    return Q  # returning the same table as well is fine


def _q_td_error(Q, s, a, r, s2, terminated, alpha, gamma):
    td_error = r + gamma * Q[s2].max() * (not terminated) - Q[s, a]
    Q[s, a] += alpha * td_error


def test_q_update_accepts_in_place_blends_and_td_errors():
    accepts(check.q_update, _q_in_place)
    accepts(check.q_update, _q_blend)
    accepts(check.q_update, _q_td_error)


def test_q_update_names_each_classic_mistake():
    for kind, hint in [("no_discount", "not multiplied by gamma"), ("wrong_sign", "sign of the update is flipped"),
                       ("no_max", "not the best one"), ("mean", "not their max"), ("ignore_terminated", "no future"),
                       ("no_alpha", "a fraction alpha")]:
        rejects(check.q_update, _q_wrong(kind), hint=hint)

    def copy(Q, *args):
        Q = Q.copy()
        _q_in_place(Q, *args)
        return Q

    rejects(check.q_update, copy, hint="Update it in place")


# --- regret matching ----------------------------------------------------------------------------------------


def _rm_maximum(regrets):
    positive = np.maximum(regrets, 0)
    total = positive.sum()
    if total > 0:
        return positive / total
    return np.ones(len(regrets)) / len(regrets)


def _rm_list_comprehension(regrets):
    positive = [r if r > 0 else 0.0 for r in regrets]
    total = sum(positive)
    return [p / total for p in positive] if total > 0 else [1 / len(regrets) for _ in regrets]


def _rm_loops(regrets):
    n = len(regrets)
    total = 0.0
    for r in regrets:
        if r > 0:
            total += r
    strategy = []
    for r in regrets:
        strategy.append((max(r, 0.0) / total) if total > 0 else 1.0 / n)
    return strategy


def _rm_float32_clip_where(regrets):
    positive = np.clip(regrets, 0, None).astype(np.float32)
    total = positive.sum()
    return np.where(total > 0, positive / max(total, np.float32(1e-30)), np.float32(1 / len(regrets)))


def _rm_copy_then_in_place(regrets):
    strategy = regrets.copy()  # a copy: changing it in place is fine
    strategy[strategy < 0] = 0
    if strategy.sum() == 0:
        strategy[:] = 1
    return strategy / strategy.sum()


def test_regret_matching_accepts_maximum_lists_loops_float32_and_copies():
    accepts(check.regret_matching, _rm_maximum)
    accepts(check.regret_matching, _rm_list_comprehension)
    accepts(check.regret_matching, _rm_loops)
    accepts(check.regret_matching, _rm_float32_clip_where)
    accepts(check.regret_matching, _rm_copy_then_in_place)


def test_the_accepted_styles_run_the_solver_the_notebook_runs():
    """A ✔ never leads to a crash: each style drives CFR as the notebook's next cell does."""
    for style in (_rm_maximum, _rm_list_comprehension, _rm_loops, _rm_float32_clip_where, _rm_copy_then_in_place):
        solver = CFR(regret_matching=style).fit(30, checkpoints=[30])
        assert solver.curve.exploitability[-1] < 0.2


def test_regret_matching_names_each_typical_mistake():
    rejects(check.regret_matching, _regret_matching_mistake("not_clipped"), hint="negative regrets were not clipped")
    rejects(check.regret_matching, _regret_matching_mistake("no_fallback"), hint=["division by zero", "uniform"])
    rejects(check.regret_matching, _regret_matching_mistake("by_count"), hint="number of actions instead of")
    rejects(check.regret_matching, _regret_matching_mistake("returns_regrets"), hint="returns the regrets themselves")
    rejects(check.regret_matching, _regret_matching_mistake("greedy_fallback"), hint="no regret is positive")
    rejects(check.regret_matching, _regret_matching_mistake("raw_sum_decides"), hint="not the sum of all regrets")
    rejects(check.regret_matching, _mutating_matching, hint="changed the regrets passed in")
    rejects(check.regret_matching, lambda regrets: None, hint="forget to `return`")

    def partly_clipped(regrets):
        return np.maximum(regrets, 0) / regrets.sum()

    rejects(check.regret_matching, partly_clipped, hint="the sum includes the negative regrets")

    def python_zero_division(regrets):
        positive = [max(r, 0.0) for r in regrets]
        return [p / sum(positive) for p in positive]

    rejects(check.regret_matching, python_zero_division, hint="divided by zero")
