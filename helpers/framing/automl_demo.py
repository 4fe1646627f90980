"""A tiny AutoML search against a hand-tuned model, on the same budget, measured; and its diminishing returns.

AutoML (SageMaker Autopilot, auto-sklearn...) tries several model *families* and their
hyperparameters for you. Here it is scikit-learn's ``HalvingRandomSearchCV`` over five families
(:data:`SEARCH_SPACE`): it draws ``n_candidates`` random configurations, scores them all on a small
sample, keeps the best third, triples the sample, and so on (successive halving), so most candidates
cost little. A hand-tuned model is what an analyst does first: one family, four values of its most
important hyperparameter (:data:`HAND_GRIDS`: a logistic regression, or a random forest).

The tasks (:data:`TASKS`) are the maintenance table's machine failures (non-linear rules: trees win)
and the churn table (a logistic process: the linear model is already the best family). ROC AUC,
3-fold cross-validation on a seeded, stratified 70% training split; the chosen model is scored once
on the 30% test split.

**The budget** is counted two ways: ``fits`` (every model fitted, on however many rows) and
``full_fits`` (the same work in fits on the whole training split: a fit on a third of the rows counts
a third), plus the wall-clock ``seconds``, which depend on the machine and its load and so are only
reported, never compared in tests. Full fits understate what a search costs in seconds: a forest of
50 trees costs several logistic regressions, and AutoML tries forests where an analyst would not.

What seed 0 shows (``tests/framing/bench_framing.py`` prints it): on machine failures, the hand-tuned
logistic regression reaches test AUC 0.88; AutoML, with no hint, finds the forests and reaches 0.95 on
less than the same budget of full fits, about what a hand-tuned forest reaches (0.96) when the analyst
knows to try one; 3 -> 9 -> 27 -> 81 candidates give 0.92 -> 0.94 -> 0.95 -> 0.95: diminishing returns.
On churn, a logistic process, every budget chooses the logistic regression (0.825): search buys nothing.

    from helpers.framing import automl_demo
    data = automl_demo.split("maintenance")                # machine failures: 7,000 training rows
    hand = automl_demo.hand_tuned("random forest", data)   # 4 depths x 3 folds = 12 full fits
    n = automl_demo.candidates_within(hand.full_fits, len(data[0]))   # the same budget: 18 candidates
    auto = automl_demo.automl(n, data)
    print(hand.summary()); print(auto.summary())
    curve = automl_demo.budget_curve((3, 9, 27, 81), data)  # score vs budget: diminishing returns
    print(automl_demo.curve_summary(curve)); automl_demo.plot_curve(curve, hand)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

__all__ = ["SearchResult", "SEARCH_SPACE", "HAND_GRIDS", "TASKS", "planned_full_fits", "candidates_within", "split", "hand_tuned", "automl",
           "budget_curve", "curve_summary", "plot_curve"]

#: The tasks a search can run on: dataset -> (categorical inputs, numeric inputs, 0/1 target).
TASKS: dict[str, tuple[list[str], list[str], str]] = {
    "customer_churn": (["gender", "contract", "internet_service", "payment_method"],
                       ["tenure_months", "monthly_charges", "support_calls", "senior_citizen", "partner",
                        "paperless_billing"], "churn"),
    "maintenance": (["Type"], ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
                               "Torque [Nm]", "Tool wear [min]"], "Machine failure"),
}
_CV = 3
#: Rows each candidate sees in the first round of the halving search (two thirds of them per CV fit):
#: 450 rows hold about 15 machine failures, so every fold has both classes.
_MIN_ROWS = 450
_SCORING = "roc_auc"

#: The hand-tuned models: what an analyst tries first, four values of the one hyperparameter that matters
#: most, each cross-validated: (model family, grid). C is the inverse regularisation strength (no unit);
#: max_depth the depth of each tree (None: grown until the leaves are pure or hold 3 rows).
HAND_GRIDS: dict[str, tuple[str, dict[str, list]]] = {
    "logistic regression": ("LogisticRegression", {"model__C": [0.01, 0.1, 1.0, 10.0]}),
    "random forest": ("RandomForestClassifier", {"model__max_depth": [4, 8, 12, None]}),
}
_TREES = 50  # trees per random forest, in the hand grid and the search alike


def _search_space(seed: int) -> list[dict[str, Any]]:
    """The AutoML space: one dict per model family, each with its hyperparameter distributions."""
    from scipy.stats import loguniform, randint
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    return [
        {"model": [LogisticRegression(max_iter=2000)], "model__C": loguniform(1e-3, 1e2)},
        {"model": [DecisionTreeClassifier(random_state=seed)], "model__max_depth": randint(2, 13),
         "model__min_samples_leaf": randint(1, 60)},
        {"model": [RandomForestClassifier(n_estimators=_TREES, random_state=seed, n_jobs=1)],
         "model__max_depth": randint(3, 13), "model__max_features": [0.3, 0.6, 1.0],
         "model__min_samples_leaf": randint(1, 30)},
        {"model": [HistGradientBoostingClassifier(random_state=seed)], "model__learning_rate": loguniform(0.01, 0.3),
         "model__max_leaf_nodes": randint(4, 64), "model__max_iter": [50, 100, 200]},
        # At most 60 neighbours: the first round's folds hold 300 rows (_MIN_ROWS).
        {"model": [KNeighborsClassifier()], "model__n_neighbors": randint(5, 61)},
    ]


#: The families the AutoML search chooses among (names as the results report them).
SEARCH_SPACE = ("LogisticRegression", "DecisionTreeClassifier", "RandomForestClassifier",
                "HistGradientBoostingClassifier", "KNeighborsClassifier")


@dataclass(frozen=True)
class SearchResult:
    """What one search chose and what it cost.

    ``cv_auc``: the chosen configuration's mean cross-validated ROC AUC (on the rows of the last
    round for AutoML); ``test_auc``: its ROC AUC on the test split; ``fits``: models fitted during the
    search (the final refit excluded); ``full_fits``: the same work in fits on the whole training
    split; ``seconds``: wall-clock time of the search and refit (depends on the machine's load).
    """

    method: str
    candidates: int
    family: str
    params: dict
    cv_auc: float
    test_auc: float
    fits: int
    full_fits: float
    seconds: float

    def summary(self) -> str:
        return (f"{self.method}: {self.candidates} candidates, {self.fits} fits "
                f"(= {self.full_fits:.1f} fits on all training rows), chose {self.family}; "
                f"CV AUC {self.cv_auc:.3f}, test AUC {self.test_auc:.3f}")


def split(task: str = "maintenance", frame: pd.DataFrame | None = None, *, seed: int = 0, rows: int | None = None):
    """(X_train, X_test, y_train, y_test) of the churn table: stratified 70/30, seeded.

    ``rows``: use a seeded sample of that many rows first (for fast tests and SMOKE runs).
    """
    from sklearn.model_selection import train_test_split

    if task not in TASKS:
        raise ValueError(f"task={task!r}: the tasks are {list(TASKS)}.")
    categories, numbers, target = TASKS[task]
    if frame is None:
        from helpers import data

        frame = data.load(task)
    if rows is not None:
        frame = frame.sample(n=min(rows, len(frame)), random_state=seed)
    X, y = frame[categories + numbers], frame[target].astype(int)
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


def _pipeline(X: pd.DataFrame):
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    # Text columns are categories to one-hot encode; every other column is a number to standardise.
    categories = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    numbers = [c for c in X.columns if c not in categories]
    prepare = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), categories), (StandardScaler(), numbers))
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=2000))])


def _result(method: str, search, X_test, y_test, n_train: int, seconds: float) -> SearchResult:
    from sklearn.metrics import roc_auc_score

    results = pd.DataFrame(search.cv_results_)
    rows = results["n_resources"] if "n_resources" in results else pd.Series(n_train, index=results.index)
    fits = len(results) * _CV
    full_fits = float(_CV * rows.sum() / n_train)
    best = search.best_estimator_
    params = {k: v for k, v in search.best_params_.items() if k != "model"}
    test_auc = float(roc_auc_score(y_test, best.predict_proba(X_test)[:, 1]))
    candidates = getattr(search, "n_candidates_", [len(results)])[0]  # halving: the first round holds them all
    return SearchResult(method, int(candidates),
                        type(best.named_steps["model"]).__name__, params, float(search.best_score_), test_auc,
                        fits, round(full_fits, 2), seconds)


def hand_tuned(model: str = "random forest", data_split=None, *, seed: int = 0) -> SearchResult:
    """An analyst's model from :data:`HAND_GRIDS` (four values of one hyperparameter), 3-fold CV on every row."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    if model not in HAND_GRIDS:
        raise ValueError(f"model={model!r}: the hand-tuned models are {list(HAND_GRIDS)}.")
    family, grid = HAND_GRIDS[model]
    estimator = (LogisticRegression(max_iter=2000) if family == "LogisticRegression" else
                 RandomForestClassifier(n_estimators=_TREES, min_samples_leaf=3, random_state=seed, n_jobs=1))
    X_train, X_test, y_train, y_test = split(seed=seed) if data_split is None else data_split
    search = GridSearchCV(_pipeline(X_train).set_params(model=estimator), grid, scoring=_SCORING,
                          cv=StratifiedKFold(_CV, shuffle=True, random_state=seed), n_jobs=1)
    start = time.perf_counter()
    with threadpool_limits(limits=1):  # one thread per fit: the figures compare work, not thread contention
        search.fit(X_train, y_train)
    return _result(f"hand-tuned {model}", search, X_test, y_test, len(X_train), time.perf_counter() - start)


def automl(n_candidates: int = 18, data_split=None, *, seed: int = 0,
           families: Sequence[str] = SEARCH_SPACE) -> SearchResult:
    """Successive halving over :data:`SEARCH_SPACE`: ``n_candidates`` random configurations, factor 3.

    ``families``: the model families to search (default: all five of :data:`SEARCH_SPACE`).
    The first round fits every candidate on 450 of the training rows; each round keeps the best third
    and triples the rows, until the rows run out (the last round may keep several candidates).
    """
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (the import enables the class)
    from sklearn.model_selection import HalvingRandomSearchCV, StratifiedKFold

    if not isinstance(n_candidates, (int, np.integer)) or n_candidates < 2:
        raise ValueError(f"n_candidates={n_candidates!r}: a search needs at least 2 candidates to choose between.")
    unknown = [f for f in families if f not in SEARCH_SPACE]
    if unknown or not families:
        raise ValueError(f"families {unknown or '(none)'}: choose among {list(SEARCH_SPACE)}.")
    space = [d for d in _search_space(seed) if type(d["model"][0]).__name__ in families]
    X_train, X_test, y_train, y_test = split(seed=seed) if data_split is None else data_split
    search = HalvingRandomSearchCV(
        _pipeline(X_train), space, n_candidates=int(n_candidates), factor=3, resource="n_samples",
        min_resources=_MIN_ROWS, scoring=_SCORING, cv=StratifiedKFold(_CV, shuffle=True, random_state=seed),
        # A fold of a small round may still lack a class: that candidate scores NaN and is dropped, not the search.
        random_state=seed, n_jobs=1, error_score=np.nan,
    )
    start = time.perf_counter()
    with threadpool_limits(limits=1):  # HistGradientBoosting's OpenMP threads slow 20-fold on a busy machine
        search.fit(X_train, y_train)
    return _result(f"AutoML (successive halving, {len(space)} families)", search, X_test, y_test, len(X_train),
                   time.perf_counter() - start)


def planned_full_fits(n_candidates: int, n_train: int) -> float:
    """The work an :func:`automl` search with ``n_candidates`` will do, in fits on all ``n_train`` rows.

    Successive halving's schedule, as scikit-learn plans it: round i fits ceil(n / 3**i) candidates
    on 450 x 3**i rows, for as many rounds as the candidates need and the rows allow.
    """
    possible = 1 + int(np.floor(np.log(n_train // _MIN_ROWS) / np.log(3) + 1e-9))
    needed = 1 + int(np.floor(np.log(n_candidates) / np.log(3) + 1e-9))
    rows = sum(int(np.ceil(n_candidates / 3**i)) * _MIN_ROWS * 3**i for i in range(min(possible, needed)))
    return round(_CV * rows / n_train, 2)


def candidates_within(full_fits: float, n_train: int) -> int:
    """The most candidates an :func:`automl` search can try within ``full_fits`` (fits on all ``n_train`` rows)."""
    if planned_full_fits(2, n_train) > full_fits:
        raise ValueError(f"a budget of {full_fits} full fits is too small for even 2 candidates on {n_train} rows.")
    n = 2
    while planned_full_fits(n + 1, n_train) <= full_fits:
        n += 1
    return n


def budget_curve(budgets: Sequence[int] = (3, 9, 27, 81), data_split=None, *, seed: int = 0,
                 families: Sequence[str] = SEARCH_SPACE) -> list[SearchResult]:
    """One AutoML search per number of candidates in ``budgets`` (same data, same seed): score vs cost."""
    data_split = split(seed=seed) if data_split is None else data_split
    return [automl(n, data_split, seed=seed, families=families) for n in budgets]


def curve_summary(curve: Sequence[SearchResult]) -> str:
    """One line per budget: candidates, full fits, test AUC and the gain over the previous budget."""
    lines, previous = [], None
    for r in curve:
        gain = "" if previous is None else f" ({r.test_auc - previous:+.3f})"
        lines.append(f"{r.candidates:>4} candidates, {r.full_fits:6.1f} full fits: test AUC {r.test_auc:.3f}{gain}, "
                     f"chose {r.family}")
        previous = r.test_auc
    return "\n".join(lines)


def plot_curve(curve: Sequence[SearchResult], hand: SearchResult | None = None, ax=None):
    """Test AUC against the budget in full fits (log scale): AutoML as a line with markers, the hand-tuned
    model as a dashed line with its label. Returns the Axes."""
    from helpers.plots import LINESTYLES, PALETTE

    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(6, 3.5))[1]
    x = [r.full_fits for r in curve]
    ax.plot(x, [r.test_auc for r in curve], color=PALETTE[0], linestyle=LINESTYLES[0], marker="o", label="AutoML search")
    for r in curve:
        ax.annotate(f"{r.candidates}", (r.full_fits, r.test_auc), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize="small")
    if hand is not None:
        ax.axhline(hand.test_auc, color=PALETTE[1], linestyle=LINESTYLES[1],
                   label=f"{hand.method} ({hand.full_fits:.0f} full fits)")
    ax.set_xscale("log")
    ax.set_xlabel("budget: fits on all training rows (log scale); labels = candidates")
    ax.set_ylabel("test ROC AUC")
    ax.set_title("More search, smaller gains")
    ax.legend(loc="lower right", fontsize="small")
    return ax
