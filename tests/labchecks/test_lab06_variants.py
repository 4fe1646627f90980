"""Lab 06: answers in learners' own styles are accepted; typical mistakes are rejected by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error
from sklearn.model_selection import KFold

from helpers import evaluation
from helpers.labchecks.lab06 import DAYS, FIX, FIXES, _miss_case, check
from variant_harness import accepts, rejects

# --- exercise 1: precision and recall ------------------------------------------------------------


def test_precision_recall_accepts_unpacking_ravel_and_slices():
    def unpack(m):
        (tn, fp), (fn, tp) = m
        return tp / (tp + fp), tp / (tp + fn)

    def ravel(m):
        tn, fp, fn, tp = np.asarray(m).ravel()
        return [float(tp / (tp + fp)), float(tp / (tp + fn))]

    accepts(check.precision_recall, unpack)
    accepts(check.precision_recall, ravel)
    accepts(check.precision_recall, lambda m: (m[1, 1] / m[:, 1].sum(), m[1, 1] / m[1].sum()))
    accepts(check.precision_recall, lambda m: tuple(np.float32([m[1][1] / (m[1][1] + m[0][1]), m[1][1] / sum(m[1])])))


def test_precision_recall_names_swaps_accuracy_and_tn():
    rejects(check.precision_recall, lambda m: (m[1, 1] / m[1].sum(), m[1, 1] / m[:, 1].sum()), hint="swapped")
    rejects(check.precision_recall, lambda m: (np.trace(m) / m.sum(), m[1, 1] / m[1].sum()), hint="accuracy")
    rejects(check.precision_recall, lambda m: (m[1, 1] / m[:, 1].sum(), m[1, 1] / (m[1, 1] + m[0, 0])),
            hint="tn is not a denominator")
    rejects(check.precision_recall, lambda m: m[1, 1] / m[:, 1].sum(), hint="should return two numbers")


# --- exercise 2: the cost of a threshold ------------------------------------------------------------


def _cost_loop(y_true, scores, amounts, threshold, review_cost):
    cost = 0.0
    for truth, score, amount in zip(y_true, scores, amounts):
        if score >= threshold:
            cost += review_cost
        elif truth == 1:
            cost += amount
    return cost


def _cost_pandas(y_true, scores, amounts, threshold, review_cost):
    frame = pd.DataFrame({"y": y_true, "score": scores, "amount": amounts})
    frame["flagged"] = frame["score"] >= threshold
    return review_cost * frame["flagged"].sum() + frame.loc[(frame["y"] == 1) & ~frame["flagged"], "amount"].sum()


def test_threshold_cost_accepts_masks_loops_where_and_pandas():
    accepts(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + a[(y == 1) & (s < t)].sum())
    accepts(check.threshold_cost, _cost_loop)
    accepts(check.threshold_cost, lambda y, s, a, t, r: np.where(s >= t, r, np.where(y == 1, a, 0.0)).sum())
    accepts(check.threshold_cost, _cost_pandas)
    accepts(check.threshold_cost, lambda y, s, a, t, r: np.float32(r) * (s >= t).sum()
            + a.astype(np.float32)[(y == 1) & (s < t)].sum())


def test_threshold_cost_names_the_strict_comparison_and_the_cost_slips():
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s > t).sum() + a[(y == 1) & (s <= t)].sum(),
            hint="`scores >= threshold`, not `>`")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * ((s >= t) & (y == 0)).sum() + a[(y == 1) & (s < t)].sum(),
            hint="a caught fraud is reviewed too")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + r * ((y == 1) & (s < t)).sum(),
            hint="costs its amount")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s >= t).sum() + a[y == 1].sum(), hint="*not* flagged")
    rejects(check.threshold_cost, lambda y, s, a, t, r: r * (s < t).sum() + a[(y == 1) & (s >= t)].sum(),
            hint="wrong way round")
    rejects(check.threshold_cost, lambda y, s, a, t, r: None, hint="forget to `return`")


# --- exercise 3: the cheapest threshold ----------------------------------------------------------------


def _cost(y, s, a, t, r):
    return r * (s >= t).sum() + a[(y == 1) & (s < t)].sum()


def _cheapest_loop(y, s, a, r, thresholds):
    best, best_cost = None, float("inf")
    for t in thresholds:
        cost = _cost(y, s, a, t, r)
        if cost < best_cost:
            best, best_cost = t, cost
    return best


def test_cheapest_threshold_accepts_argmin_min_loops_and_idxmin():
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: ts[int(np.argmin([_cost(y, s, a, t, r) for t in ts]))])
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: min(ts, key=lambda t: _cost(y, s, a, t, r)))
    accepts(check.cheapest_threshold, _cheapest_loop)
    accepts(check.cheapest_threshold, lambda y, s, a, r, ts: pd.Series({t: _cost(y, s, a, t, r) for t in ts}).idxmin())


def test_cheapest_threshold_names_cost_position_and_dearest():
    costs = lambda y, s, a, r, ts: np.array([_cost(y, s, a, t, r) for t in ts])  # noqa: E731
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: float(costs(y, s, a, r, ts).min()),
            hint="not a cost or a position")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: int(np.argmin(costs(y, s, a, r, ts))),
            hint="not a cost or a position")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: ts[int(np.argmax(costs(y, s, a, r, ts)))],
            hint="return the threshold with the smallest cost")
    rejects(check.cheapest_threshold, lambda y, s, a, r, ts: [0.5], hint="should be an int or float")


# --- exercise 4: RMSE and MAE ------------------------------------------------------------------------


def _errors_loop(y_true, y_pred):
    squares, absolutes = 0.0, 0.0
    for truth, guess in zip(y_true, y_pred):
        squares += (guess - truth) ** 2
        absolutes += abs(guess - truth)
    return (squares / len(y_true)) ** 0.5, absolutes / len(y_true)


def test_regression_errors_accept_numpy_sklearn_loops_and_float32():
    accepts(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.mean(np.abs(p - y))))
    accepts(check.regression_errors, lambda y, p: (root_mean_squared_error(y, p), mean_absolute_error(y, p)))
    accepts(check.regression_errors, lambda y, p: (mean_squared_error(y, p) ** 0.5, mean_absolute_error(y, p)))
    accepts(check.regression_errors, _errors_loop)
    accepts(check.regression_errors, lambda y, p: tuple(np.float32([np.sqrt(np.mean((y - p) ** 2)), np.mean(np.abs(y - p))])))


def test_regression_errors_name_mse_signed_errors_sums_and_swaps():
    rejects(check.regression_errors, lambda y, p: (np.mean((p - y) ** 2), np.mean(np.abs(p - y))), hint="the MSE")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.mean(p - y)), hint="np.abs")
    rejects(check.regression_errors, lambda y, p: (np.mean(np.abs(p - y)), np.sqrt(np.mean((p - y) ** 2))), hint="swapped")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.sum((p - y) ** 2)), np.mean(np.abs(p - y))), hint="*sum* of squares")
    rejects(check.regression_errors, lambda y, p: (np.sqrt(np.mean((p - y) ** 2)), np.sum(np.abs(p - y))), hint="take their mean")


# --- exercise 5: the diagnosis -----------------------------------------------------------------------

RIGHT = {"shallow tree": "underfitting", "deep tree": "overfitting", "pruned tree": "good fit"}


def test_diagnosis_accepts_any_case_and_spelling():
    accepts(check.diagnosis, RIGHT)
    accepts(check.diagnosis, {k: v.upper() for k, v in RIGHT.items()})
    accepts(check.diagnosis, {"shallow tree": "Underfit", "deep tree": "over-fitting", "pruned tree": "good_fit"})
    accepts(check.diagnosis, dict(reversed(list(RIGHT.items()))))


def test_diagnosis_names_the_swap_and_the_tree():
    rejects(check.diagnosis, {**RIGHT, "shallow tree": "overfitting", "deep tree": "underfitting"}, hint="swapped")
    rejects(check.diagnosis, {**RIGHT, "deep tree": "good fit"}, hint="deep tree")
    rejects(check.diagnosis, {**RIGHT, "pruned tree": "high variance"}, hint="answer with one of")
    rejects(check.diagnosis, {k: v for k, v in RIGHT.items() if k != "pruned tree"}, hint="no entry for 'pruned tree'")


# --- exercise 4: the miss table ----------------------------------------------------------------------


def _miss_groupby(missed, groups):
    frame = pd.DataFrame({"group": groups, "missed": missed})
    table = frame.groupby("group").agg(rows=("missed", "size"), misses=("missed", "sum"))
    table["miss rate"] = table["misses"] / table["rows"]
    table["share of misses"] = table["misses"] / table["misses"].sum()
    return table.sort_values("misses", ascending=False)


def _miss_loops(missed, groups):
    rows, misses = {}, {}
    for group, miss in zip(groups, missed):
        rows[group] = rows.get(group, 0) + 1
        misses[group] = misses.get(group, 0) + int(miss)
    total = sum(misses.values())
    records = [{"group": g, "rows": rows[g], "misses": misses[g], "miss rate": misses[g] / rows[g],
                "share of misses": misses[g] / total} for g in rows]
    records.sort(key=lambda record: record["misses"], reverse=True)
    return pd.DataFrame(records).set_index("group")


def _miss_crosstab(missed, groups):
    counts = pd.crosstab(groups, missed)
    table = pd.DataFrame({"rows": counts.sum(axis=1), "misses": counts.get(True, 0)})
    table["miss rate"] = table["misses"] / table["rows"]
    table["share of misses"] = table["misses"] / table["misses"].sum()
    return table.sort_values(by="misses", ascending=False)


def _miss_pivot_as_column(missed, groups):
    frame = pd.DataFrame({"segment": groups.to_numpy(), "missed": missed.to_numpy().astype(int)})
    table = frame.pivot_table(index="segment", values="missed", aggfunc=["count", "sum"])
    table.columns = ["rows", "misses"]
    table = table.assign(miss_rate=table["misses"] / table["rows"],
                         share_of_misses=table["misses"] / table["misses"].sum())
    return table.sort_values("misses", ascending=False).reset_index()  # the group as a column


def _miss_numpy_float32(missed, groups):
    names, codes = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    rows = np.bincount(codes)
    misses = np.bincount(codes, weights=np.asarray(missed, dtype=np.float32))
    order = np.argsort(-misses, kind="stable")
    table = pd.DataFrame({"rows": rows, "misses": misses, "Miss Rate": (misses / rows).astype(np.float32),
                          "Share of misses": (misses / misses.sum()).astype(np.float32)}, index=names)
    table.index = [next(g for g in pd.unique(groups) if str(g) == name) for name in table.index]
    return table.iloc[order]


def test_miss_table_accepts_groupby_loops_crosstab_pivot_and_numpy():
    accepts(check.miss_table, _miss_groupby)
    accepts(check.miss_table, _miss_loops)
    accepts(check.miss_table, _miss_crosstab)
    accepts(check.miss_table, _miss_pivot_as_column)
    accepts(check.miss_table, _miss_numpy_float32)


def test_miss_table_names_rate_vs_count_all_rows_unsorted_and_lost_groups():
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).sort_values("miss rate", ascending=False),
            hint="sorted by miss rate")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).sort_index(), hint="not sorted by misses")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).sort_values("misses"), hint="smallest first")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).assign(**{"miss rate": lambda t: t["misses"] / len(m)}),
            hint="divides by all rows")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).assign(**{"share of misses": lambda t: t["miss rate"]}),
            hint="the share of misses is the miss rate again")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).assign(**{"share of misses": lambda t: t["rows"] / len(m)}),
            hint="share of the rows")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).assign(**{"miss rate": lambda t: 100 * t["misses"] / t["rows"]}),
            hint="in percent")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m[m], g[m]), hint="a group without a miss")
    rejects(check.miss_table, lambda m, g: _miss_groupby(~m, g), hint="the model got right")
    rejects(check.miss_table, lambda m, g: pd.DataFrame({"group": g, "missed": m}).groupby("group")["missed"]
            .agg(rows="size", misses="count").assign(**{"miss rate": 1.0, "share of misses": lambda t: t["misses"] / len(m)})
            .sort_values("misses", ascending=False), hint="count the True values")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g)["misses"], hint="return a DataFrame")
    rejects(check.miss_table, lambda m, g: _miss_groupby(m, g).drop(columns="share of misses"),
            hint="no column 'share of misses'")
    rejects(check.miss_table, lambda m, g: None, hint="forget to `return`")


def test_miss_table_shows_a_positional_loop_its_own_line():
    def positional(missed, groups):
        rows = {}
        for i in range(len(groups)):
            rows[groups[i]] = rows.get(groups[i], 0) + missed[i]  # labels of a shuffled index: KeyError
        return pd.DataFrame({"misses": rows})

    rejects(check.miss_table, positional, hint=["KeyError", "groups[i]"])


# --- exercise 5: the fixable group ------------------------------------------------------------------

# The validation misses in miniature: the big group holds most misses, the small one the highest rate.
MISSED, GROUPS = _miss_case({"compromised terminal": (40, 30), "large amount": (9, 1), "compromised card": (3, 3)}, 5)
RIGHT_ANALYSIS = {"days": "validation days", "group": "compromised terminal", "fix": FIX}


def test_error_analysis_accepts_any_case_spacing_order_and_the_options_themselves():
    accepts(check.error_analysis, RIGHT_ANALYSIS, MISSED, GROUPS)
    accepts(check.error_analysis, {k: v.upper() for k, v in reversed(list(RIGHT_ANALYSIS.items()))}, MISSED, GROUPS)
    accepts(check.error_analysis, {"days": DAYS[1], "group": evaluation.miss_table(MISSED, GROUPS).index[0],
                                   "fix": FIXES[2]}, MISSED, GROUPS)
    accepts(check.error_analysis, {"days": "  Validation  days", "group": "Compromised terminal ",
                                   "fix": " " + FIX.capitalize()}, MISSED, GROUPS)


def test_error_analysis_names_training_and_test_days_the_rate_trap_and_each_wrong_fix():
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "days": "training days"}, MISSED, GROUPS,
            hint="learned from the training days")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "days": "test days"}, MISSED, GROUPS,
            hint="kept for the one final check")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "group": "compromised card"}, MISSED, GROUPS,
            hint=["highest miss rate", "3 of the 34 misses"])
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "group": "large amount"}, MISSED, GROUPS,
            hint="pick where the misses concentrate")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "group": "stolen card"}, MISSED, GROUPS,
            hint="one of the groups of the table")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "fix": FIXES[0]}, MISSED, GROUPS, hint="lower threshold")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "fix": FIXES[1]}, MISSED, GROUPS, hint="no model can learn")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "fix": FIXES[3]}, MISSED, GROUPS, hint="hides the misses")
    rejects(check.error_analysis, {**RIGHT_ANALYSIS, "fix": "retrain"}, MISSED, GROUPS, hint="one of the printed options")
    rejects(check.error_analysis, {"days": "validation days", "group": "compromised terminal"}, MISSED, GROUPS,
            hint="no entry for 'fix'")


# --- exercise 7: k-fold cross-validation by hand ------------------------------------------------------
# The check's model records which rows each fit and score saw, so these answers are judged on their folds.


def _kfold_array_split(model, X, y, k):
    positions = np.arange(len(X))
    scores = []
    for held_out in np.array_split(positions, k):
        train = np.setdiff1d(positions, held_out)
        fitted = clone(model).fit(X.iloc[train], y.iloc[train])
        scores.append(fitted.score(X.iloc[held_out], y.iloc[held_out]))
    return scores


def _kfold_slicing_loop(model, X, y, k):
    n = len(X)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]  # as KFold: the first n % k folds one longer
    scores, start = np.empty(k), 0
    for i, size in enumerate(sizes):
        stop = start + size
        X_train = pd.concat([X.iloc[:start], X.iloc[stop:]])
        y_train = pd.concat([y.iloc[:start], y.iloc[stop:]])
        fitted = clone(model).fit(X_train, y_train)
        scores[i] = r2_score(y.iloc[start:stop], fitted.predict(X.iloc[start:stop]))
        start = stop
    return scores


def _kfold_numpy_float32(model, X, y, k):
    X, y = X.to_numpy(), y.to_numpy()  # positions are all a numpy array has: no index to get wrong
    folds = np.array_split(np.arange(len(X)), k)
    return np.float32([clone(model).fit(np.delete(X, f, axis=0), np.delete(y, f)).score(X[f], y[f]) for f in folds])


def _kfold_boolean_masks(model, X, y, k):
    fold_of_row = np.repeat(np.arange(k), [len(f) for f in np.array_split(np.arange(len(X)), k)])
    return pd.Series({i: clone(model).fit(X[fold_of_row != i], y[fold_of_row != i]).score(X[fold_of_row == i], y[fold_of_row == i])
                      for i in range(k)})


def test_k_fold_scores_accepts_array_split_kfold_slicing_numpy_masks_and_comprehensions():
    accepts(check.k_fold_scores, _kfold_array_split)
    accepts(check.k_fold_scores, lambda model, X, y, k: [clone(model).fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te])
                                                         for tr, te in KFold(k).split(X)])
    accepts(check.k_fold_scores, _kfold_slicing_loop)
    accepts(check.k_fold_scores, _kfold_numpy_float32)
    accepts(check.k_fold_scores, _kfold_boolean_masks)


def test_k_fold_scores_names_training_scores_no_clone_lost_rows_and_the_mean():
    def on_training_rows(model, X, y, k):
        return [clone(model).fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[tr], y.iloc[tr]) for tr, _ in KFold(k).split(X)]

    def same_object(model, X, y, k):
        return [model.fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te]) for tr, te in KFold(k).split(X)]

    def one_clone_refitted(model, X, y, k):
        copy = clone(model)
        return [copy.fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te]) for tr, te in KFold(k).split(X)]

    def floor_sized_folds(model, X, y, k):
        size, scores = len(X) // k, []
        for i in range(k):
            held_out = np.arange(i * size, (i + 1) * size)
            train = np.setdiff1d(np.arange(len(X)), held_out)
            scores.append(clone(model).fit(X.iloc[train], y.iloc[train]).score(X.iloc[held_out], y.iloc[held_out]))
        return scores

    rejects(check.k_fold_scores, on_training_rows, hint="scored on the rows it was trained on")
    rejects(check.k_fold_scores, same_object, hint=["same model object", "clone(model)"])
    rejects(check.k_fold_scores, one_clone_refitted, hint="same model object")
    rejects(check.k_fold_scores, floor_sized_folds, hint=["never held out", "n % k"])
    rejects(check.k_fold_scores, lambda model, X, y, k: float(np.mean(_kfold_array_split(model, X, y, k))),
            hint="not their mean")
    rejects(check.k_fold_scores, lambda model, X, y, k: None, hint="forget to `return`")


def test_k_fold_scores_names_overlaps_leaks_unpaired_shuffles_and_shuffled_folds():
    def overlapping(model, X, y, k):
        starts = np.linspace(0, len(X) - len(X) // k - 1, k).astype(int)  # windows one row too long
        scores = []
        for start in starts:
            held_out = np.arange(start, start + len(X) // k + 1)
            train = np.setdiff1d(np.arange(len(X)), held_out)
            scores.append(clone(model).fit(X.iloc[train], y.iloc[train]).score(X.iloc[held_out], y.iloc[held_out]))
        return scores

    def test_in_training(model, X, y, k):
        return [clone(model).fit(X, y).score(X.iloc[te], y.iloc[te]) for _, te in KFold(k).split(X)]

    def shuffled_X_only(model, X, y, k):
        X = X.sample(frac=1, random_state=0)  # the rows move, the labels stay: pairs broken
        return [clone(model).fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te]) for tr, te in KFold(k).split(X)]

    def shuffled_together(model, X, y, k):
        return [clone(model).fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te])
                for tr, te in KFold(k, shuffle=True, random_state=0).split(X)]

    def positions_as_labels(model, X, y, k):
        return [clone(model).fit(X.loc[tr], y.loc[tr]).score(X.loc[te], y.loc[te]) for tr, te in KFold(k).split(X)]

    def root_mean_squared_error_scores(model, X, y, k):
        return [root_mean_squared_error(y.iloc[te], clone(model).fit(X.iloc[tr], y.iloc[tr]).predict(X.iloc[te]))
                for tr, te in KFold(k).split(X)]

    rejects(check.k_fold_scores, overlapping, hint="overlap")
    rejects(check.k_fold_scores, test_in_training, hint="held-out fold is among the training rows")
    rejects(check.k_fold_scores, shuffled_X_only, hint="shuffled (or indexed) apart")
    rejects(check.k_fold_scores, shuffled_together, hint="not consecutive")
    rejects(check.k_fold_scores, positions_as_labels, hint=["KeyError", "X.loc[tr]"])
    rejects(check.k_fold_scores, root_mean_squared_error_scores, hint="model.score")


# --- exercise 9: what to do about the bias --------------------------------------------------------
# Judged against the figures passed in: the same answer is right on one dataset and wrong on another.

from helpers.labchecks.lab06 import ACTIONS, REASONS, _FIGURES_EXAMPLE  # noqa: E402

FIGURES = _FIGURES_EXAMPLE
DROP = {"action": ACTIONS[0], "reasons": [REASONS[0], REASONS[2], REASONS[5]]}
STILL_BIASED = {**FIGURES, "DI without sex": 0.71}
NO_WIDENING = {**FIGURES, "DPPL with sex": 0.10, "DI with sex": 0.85}


def test_bias_decision_accepts_lists_tuples_sets_case_and_extra_true_reasons():
    accepts(check.bias_decision, DROP, FIGURES)
    accepts(check.bias_decision, {"reasons": tuple(reversed(DROP["reasons"])) + (REASONS[4],),
                                  "action": ACTIONS[0].upper()}, FIGURES)
    accepts(check.bias_decision, {"action": "  Drop sex and its proxies,  then measure again ",
                                  "reasons": {r.capitalize() for r in DROP["reasons"]}}, FIGURES)


def test_bias_decision_follows_the_figures_to_another_action():
    accepts(check.bias_decision, {"action": ACTIONS[2], "reasons": [REASONS[3], REASONS[0]]}, STILL_BIASED)
    accepts(check.bias_decision, {"action": ACTIONS[1], "reasons": [REASONS[1]]}, NO_WIDENING)
    rejects(check.bias_decision, DROP, STILL_BIASED, hint="DI without sex is 0.710")
    rejects(check.bias_decision, {"action": ACTIONS[0], "reasons": [REASONS[3]]}, STILL_BIASED,
            hint="dropping sex does not level the model")


def test_bias_decision_names_keeping_stopping_the_accuracy_myth_and_the_forgotten_proxy():
    rejects(check.bias_decision, {"action": ACTIONS[1], "reasons": [REASONS[0]]}, FIGURES, hint="makes the bias worse")
    rejects(check.bias_decision, {"action": ACTIONS[3], "reasons": [REASONS[0], REASONS[2]]}, FIGURES,
            hint="throws away a fix")
    rejects(check.bias_decision, {"action": ACTIONS[2], "reasons": [REASONS[0]]}, FIGURES,
            hint="already passes the four-fifths rule")
    rejects(check.bias_decision, {**DROP, "reasons": DROP["reasons"] + [REASONS[6]]}, FIGURES, hint="not fairness")
    rejects(check.bias_decision, {**DROP, "reasons": [REASONS[0], REASONS[2]]}, FIGURES,
            hint="leaves its stand-in")
    rejects(check.bias_decision, {**DROP, "reasons": DROP["reasons"] + [REASONS[1]]}, FIGURES,
            hint="DPPL +0.230 with sex")
    rejects(check.bias_decision, {**DROP, "action": "remove the column"}, FIGURES, hint="one of the printed options")
    rejects(check.bias_decision, {"action": ACTIONS[0]}, FIGURES, hint="no entry for 'reasons'")
    rejects(check.bias_decision, {**DROP, "reasons": []}, FIGURES, hint="list of reasons")
