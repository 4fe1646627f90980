"""Checks for 09_rl_intro."""

from __future__ import annotations

import numpy as np

from helpers.checks import LabChecks, check_callable, check_close, check_equal, check_shape, check_type, fail
from helpers.rl.bandits import ucb_scores as reference_ucb_scores
from helpers.rl.qlearning import q_update as reference_q_update

check = LabChecks("09_rl_intro")

# Each problem and the type of ML that fits it best.
USE_CASES = {
    "predict next month's sales from past sales": "supervised",
    "group shoppers by how they buy, without labels": "unsupervised",
    "decide how much stock to order each day": "reinforcement",
    "flag card transactions as fraud from labelled history": "supervised",
    "teach a robot arm to grasp by trial and error": "reinforcement",
    "find unusual sensor readings nobody has labelled": "unsupervised",
}
ML_TYPES = ("supervised", "unsupervised", "reinforcement")


@check.exercise(
    title="the three types of ML",
    hint="labels to learn from -> supervised; no labels, find structure -> unsupervised; "
    "actions whose rewards come later -> reinforcement",
    wrong=lambda: [
        ({case: "supervised" for case in USE_CASES},),
        ({**USE_CASES, "decide how much stock to order each day": "supervised"},),
        ({case: kind for case, kind in list(USE_CASES.items())[:3]},),  # half the cases missing
        ("reinforcement",),
    ],
)
def ml_types(answers):
    check_type("answers", answers, dict)
    # "Supervised learning" or "supervised" say the same.
    cleaned = {case: str(kind).strip().lower().removesuffix(" learning") for case, kind in answers.items()}
    unknown = sorted({kind for kind in cleaned.values() if kind not in ML_TYPES})
    if unknown:
        fail(f"`answers` uses {unknown}; the values must be one of {list(ML_TYPES)}.")
    extra = sorted(set(cleaned) - set(USE_CASES))
    if extra:
        fail(f"`answers` has keys that are not among the use cases: {extra}; copy the keys from USE_CASES.")
    check_equal("answers", cleaned, USE_CASES)


def _greedy_only(q, epsilon, rng):
    return int(np.argmax(q))


def _random_only(q, epsilon, rng):
    return int(rng.integers(len(q)))


def _explore_others_only(q, epsilon, rng):
    best = int(np.argmax(q))
    if rng.random() < epsilon:
        return int(rng.choice([a for a in range(len(q)) if a != best]))
    return best


def _inverted(q, epsilon, rng):
    if rng.random() > epsilon:
        return int(rng.integers(len(q)))
    return int(np.argmax(q))


def _frequencies(fn, q, epsilon, n, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(q))
    for _ in range(n):
        action = fn(np.array(q, dtype=float), epsilon, rng)
        if action is None:
            fail("`epsilon_greedy` returned None: did it forget to `return` the action?")
        if not isinstance(action, (int, np.integer)) or not 0 <= action < len(q):
            fail(f"`epsilon_greedy` returned {action!r}; it must return an action index from 0 to {len(q) - 1}.")
        counts[action] += 1
    return counts / n


@check.exercise(
    title="epsilon-greedy action choice",
    hint="if rng.random() < epsilon: return a random action among ALL of them (rng.integers(len(q_values))); "
    "else return int(np.argmax(q_values))",
    wrong=lambda: [(_greedy_only,), (_random_only,), (_explore_others_only,), (_inverted,),
                   (lambda q, e, rng: int(np.argmin(q)),), (lambda q, e, rng: None,)],
)
def epsilon_greedy(fn):
    check_callable("epsilon_greedy", fn)
    for q in ([0.1, 0.7, 0.3], [-2.0, -5.0, -1.0, -3.0], [4.0, 1.0]):
        action = fn(np.array(q), 0.0, np.random.default_rng(0))
        if action is None:
            fail("`epsilon_greedy` returned None: did it forget to `return` the action?")
        if action != int(np.argmax(q)):
            fail(f"with epsilon = 0 the choice must be the greedy action {int(np.argmax(q))} for q_values={q}, "
                 f"got {action!r}.")
    q = [1.0, 0.0, 3.0, 2.0]  # greedy action: 2
    n = 4000  # frequencies within ~0.03 of the truth, at 4 standard deviations
    uniform = _frequencies(fn, q, 1.0, n, seed=1)
    if np.abs(uniform - 0.25).max() > 0.04:
        fail(f"with epsilon = 1 every action should be picked about 25 % of the time, got "
             f"{np.round(uniform, 2).tolist()}.")
    mixed = _frequencies(fn, q, 0.3, n, seed=2)
    expected = np.full(4, 0.3 / 4)
    expected[2] += 0.7
    if np.abs(mixed - expected).max() > 0.03:
        fail(f"with epsilon = 0.3 and 4 actions the greedy action should be picked 0.7 + 0.3/4 = 77.5 % of the time "
             f"and each other one 7.5 %; got {np.round(mixed, 3).tolist()}.")


@check.exercise(
    title="UCB scores",
    hint="values + c * np.sqrt(np.log(t) / counts); arms with counts == 0 get np.inf",
    wrong=lambda: [
        (lambda v, n, t, c: np.asarray(v, dtype=float),),  # no bonus at all
        (lambda v, n, t, c: np.asarray(v) + c * np.log(t) / np.maximum(n, 1e-12),),  # no square root
        (lambda v, n, t, c: np.asarray(v) + np.sqrt(np.log(t) / np.maximum(n, 1e-12)),),  # c ignored
        (lambda v, n, t, c: np.asarray(v) + c * np.sqrt(t / np.maximum(n, 1e-12)),),  # no log
        (lambda v, n, t, c: np.asarray(v) + c * np.sqrt(np.log(t) / (np.asarray(n) + 1.0)),),  # untried arms finite
        (lambda v, n, t, c: None,),
    ],
)
def ucb_scores(fn):
    check_callable("ucb_scores", fn)
    cases = [
        ([0.5, 0.2, 0.9], [10, 2, 30], 42, 1.0),
        ([0.0, 1.0, 0.4, 0.6], [1, 5, 3, 7], 16, 2.0),
        ([0.3, 0.0, 0.7], [4, 0, 6], 10, 0.5),
    ]
    for values, counts, t, c in cases:
        with np.errstate(divide="ignore", invalid="ignore"):
            got = fn(np.array(values, dtype=float), np.array(counts, dtype=float), t, c)
        expected = reference_ucb_scores(values, counts, t, c)
        name = f"ucb_scores(values={values}, counts={counts}, t={t}, c={c})"
        if got is None:
            fail(f"`{name}` returned None: did it forget to `return` the scores?")
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            fail(f"`{name}` has shape {got.shape}; one score per arm, shape {expected.shape}, is expected.")
        untried = np.isinf(expected)
        _name_ucb_slip(name, got, values, counts, t, c, untried)
        if untried.any() and not np.all(np.isposinf(got[untried])):
            fail(f"`{name}`: an arm never pulled (count 0) must score +inf so that every arm is tried once; "
                 f"got {got[untried].tolist()}.")
        check_close(name, got[~untried], expected[~untried])


def _name_ucb_slip(name, got, values, counts, t, c, untried) -> None:
    """Fail naming the usual slip when the tried arms' scores are what it would give."""
    v, n = np.asarray(values, dtype=float), np.asarray(counts, dtype=float)
    tried = ~untried
    with np.errstate(divide="ignore", invalid="ignore"):
        slips = {
            "the bonus divides by counts + 1: divide by counts, and give arms never pulled np.inf":
                v + c * np.sqrt(np.log(t) / (n + 1)),
            "the bonus has no square root: c * np.sqrt(np.log(t) / counts)": v + c * np.log(t) / n,
            "the bonus ignores c, the exploration weight": v + np.sqrt(np.log(t) / n),
            "the bonus has no log: np.log(t) grows slowly, so exploration fades": v + c * np.sqrt(t / n),
            "there is no exploration bonus: add c * np.sqrt(np.log(t) / counts)": v,
        }
    for slip, scores in slips.items():
        if not np.allclose(scores[tried], reference_ucb_scores(values, counts, t, c)[tried]) and np.allclose(
                got[tried], scores[tried]):
            fail(f"`{name}`: {slip}.")


def _q_wrong(kind):
    def update(Q, s, a, r, s2, terminated, alpha, gamma):
        best = Q[s2].max()
        if kind == "no_discount":
            target = r + (0 if terminated else best)
        elif kind == "no_max":
            target = r + (0 if terminated else gamma * Q[s2, a])
        elif kind == "mean":
            target = r + (0 if terminated else gamma * Q[s2].mean())
        elif kind == "ignore_terminated":
            target = r + gamma * best
        else:
            target = r + (0 if terminated else gamma * best)
        if kind == "wrong_sign":
            Q[s, a] -= alpha * (target - Q[s, a])
        elif kind == "no_alpha":
            Q[s, a] = target
        elif kind == "no_update":
            return None
        else:
            Q[s, a] += alpha * (target - Q[s, a])

    return update


def _returns_a_copy(Q, s, a, r, s2, terminated, alpha, gamma):
    Q = Q.copy()
    reference_q_update(Q, s, a, r, s2, terminated, alpha, gamma)
    return Q


_Q_MISTAKES = {
    "no_discount": "the future value is not multiplied by gamma",
    "wrong_sign": "Q moves away from the target: the sign of the update is flipped",
    "no_max": "the future is valued by the same action in the next state, not the best one (max over next actions)",
    "mean": "the future is valued by the mean of the next state's Q-values, not their max",
    "ignore_terminated": "a terminal next state still adds gamma * max Q[next_state]; when terminated there is no future",
    "no_alpha": "Q[state, action] jumps to the target instead of moving a fraction alpha towards it",
    "no_update": "Q did not change: update Q[state, action] in place",
}


@check.exercise(
    title="the Q-learning update",
    hint="target = reward + (0 if terminated else gamma * Q[next_state].max()); "
    "Q[state, action] += alpha * (target - Q[state, action])",
    wrong=lambda: [(_q_wrong(kind),) for kind in _Q_MISTAKES] + [(lambda *args: None,), (_returns_a_copy,)],
)
def q_update(fn):
    check_callable("q_update", fn)
    rng = np.random.default_rng(9)
    start = rng.normal(size=(5, 3))
    cases = [(0, 1, 1.0, 2, False, 0.5, 0.9), (3, 2, -1.0, 4, True, 0.1, 0.99), (2, 0, 0.5, 2, False, 0.3, 0.8),
             (4, 1, 0.0, 1, False, 1.0, 0.5)]
    for case in cases:
        s, a, r, s2, terminated, alpha, gamma = case
        mine, reference = start.copy(), start.copy()
        returned = fn(mine, s, a, r, s2, terminated, alpha, gamma)
        if np.array_equal(mine, start) and isinstance(returned, np.ndarray):
            fail("`Q` itself did not change: the function returned a new table instead. Update it in place, "
                 "`Q[state, action] += ...`, because the training loop keeps using the table it passed in.")
        reference_q_update(reference, s, a, r, s2, terminated, alpha, gamma)
        if np.allclose(mine, reference):
            continue
        for kind, explanation in _Q_MISTAKES.items():
            guess = start.copy()
            _q_wrong(kind)(guess, s, a, r, s2, terminated, alpha, gamma)
            if np.allclose(mine, guess):
                fail(f"for the step (s={s}, a={a}, r={r}, s'={s2}, terminated={terminated}): {explanation}.")
        changed = np.argwhere(~np.isclose(mine, reference))
        fail(f"for the step (s={s}, a={a}, r={r}, s'={s2}, terminated={terminated}, alpha={alpha}, gamma={gamma}) "
             f"Q differs from the expected update at {[tuple(map(int, i)) for i in changed[:3]]}.")


# --- regret matching (section 6, self-play poker) ------------------------------------------------------

# (regrets, what regret matching plays): positive and negative regrets, 2 to 4 actions, none positive.
_REGRET_CASES = [
    ([1.0, 3.0], [0.25, 0.75]),
    ([-1.0, 2.0], [0.0, 1.0]),
    ([2.0, -1.0, 2.0], [0.5, 0.0, 0.5]),
    ([0.5, 1.5, -3.0, 2.0], [0.125, 0.375, 0.0, 0.5]),
    ([1.0, -3.0], [1.0, 0.0]),  # the regrets sum to a negative number, yet one is positive
    ([-1.0, -2.0], [0.5, 0.5]),  # none positive: uniform
    ([0.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]),
]


def _regret_slips(regrets: np.ndarray) -> dict[str, np.ndarray]:
    """What the usual slips of regret matching return for ``regrets``, each with the words that name it."""
    positive = np.maximum(regrets, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "negative regrets were not clipped: an action with a negative regret gets probability 0, and only "
            "the positive regrets enter the sum": regrets / regrets.sum(),
            "returns the regrets themselves, not probabilities: keep the positive part and divide by its sum":
                regrets,
            "the sum includes the negative regrets: divide by the sum of the positive regrets only":
                positive / regrets.sum(),
            "normalised by the number of actions instead of by the sum of the positive regrets, so the "
            "probabilities do not sum to 1": positive / len(regrets),
            "plays uniformly although a regret is positive: decide on the positive regrets' sum, not the sum of "
            "all regrets": np.full(len(regrets), 1 / len(regrets)),
        }


def _regret_matching_mistake(kind: str):
    def matching(regrets):
        regrets = np.asarray(regrets, dtype=float)
        positive = np.maximum(regrets, 0.0)
        if kind == "not_clipped":
            return regrets / regrets.sum() if regrets.sum() != 0 else np.full(len(regrets), 1 / len(regrets))
        if kind == "no_fallback":
            return positive / positive.sum()
        if kind == "by_count":
            return positive / len(regrets)
        if kind == "returns_regrets":
            return regrets
        if kind == "greedy_fallback":
            return positive / positive.sum() if positive.sum() > 0 else np.eye(len(regrets))[np.argmax(regrets)]
        if kind == "raw_sum_decides":
            return positive / positive.sum() if regrets.sum() > 0 else np.full(len(regrets), 1 / len(regrets))
        raise ValueError(kind)

    return matching


def _mutating_matching(regrets):
    regrets[regrets < 0] = 0.0  # changes the caller's array
    total = regrets.sum()
    return regrets / total if total > 0 else np.full(len(regrets), 1 / len(regrets))


@check.exercise(
    title="regret matching",
    hint="keep only the positive part of each regret and divide by the sum of those parts; "
    "when no regret is positive, every action gets the same probability",
    wrong=lambda: [(_regret_matching_mistake(kind),) for kind in
                   ("not_clipped", "no_fallback", "by_count", "returns_regrets", "greedy_fallback",
                    "raw_sum_decides")] + [(_mutating_matching,), (lambda regrets: None,)],
)
def regret_matching(fn):
    check_callable("regret_matching", fn)
    for regrets, expected in _REGRET_CASES:
        given = np.array(regrets)
        name = f"regret_matching(np.array({regrets}))"
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                got = fn(given)
            except ZeroDivisionError:
                fail(f"`{name}` divided by zero: no regret is positive, so their sum is 0. In that case play "
                     "every action with the same probability, 1 / (number of actions).")
        if got is None:
            fail(f"`{name}` returned None: did it forget to `return` the probabilities?")
        if not np.array_equal(given, regrets):
            fail(f"`{name}` changed the regrets passed in (now {given.tolist()}): the solver keeps adding to that "
                 "table, so work on a copy (np.maximum returns a new array).")
        got = check_shape(name, got, (len(regrets),))
        if not np.isfinite(got).all():
            fail(f"`{name}` returned {got.tolist()}: when no regret is positive their sum is 0 and the division "
                 "by zero gives nan. Fall back to the uniform strategy, 1 / (number of actions) each.")
        if not np.allclose(got, expected, atol=1e-6):
            _name_regret_slip(name, got, np.array(regrets), np.array(expected))
        check_close(name, got, expected)


def _name_regret_slip(name: str, got: np.ndarray, regrets: np.ndarray, expected: np.ndarray) -> None:
    """Fail naming the slip whose output ``got`` matches; return when none does (check_close then fails)."""
    if (regrets <= 0).all():
        fail(f"`{name}` returned {np.round(got, 3).tolist()}: no regret is positive, so nothing is known to be "
             f"better. Play every action with the same probability, {1 / len(regrets):.3g} each.")
    for slip, output in _regret_slips(regrets).items():
        if not np.allclose(output, expected) and np.allclose(got, output, equal_nan=True):
            fail(f"`{name}` returned {np.round(got, 3).tolist()} instead of {np.round(expected, 3).tolist()}: {slip}.")
    if abs(got.sum() - 1) > 1e-6 or (got < 0).any():
        fail(f"`{name}` returned {np.round(got, 3).tolist()}, which is not a probability distribution (each >= 0, "
             f"summing to 1; the sum is {got.sum():.3g}).")
