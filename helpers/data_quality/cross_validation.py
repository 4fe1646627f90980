"""Two cross-validation lessons, measured: one split is luck, and a step fitted outside the folds lies.

``sklearn.model_selection.cross_validate`` does the cross-validation (notebook 06 shows it); this
module measures what a learner should believe about it:

- :func:`holdout_vs_kfold`: the same model scored by one 80/20 split and by the mean of k folds,
  each repeated with many seeds; :func:`spread` shows how far a single split's score wanders
  compared with a k-fold mean (the reason for k-fold: a number with an error bar);
- :func:`selection_leak`: on pure noise, where no model can beat a coin, picking the "best" features
  on all rows before cross-validating reports a skill that does not exist; the same selection inside
  the pipeline reports the coin. The classic leak (Hastie, Tibshirani and Friedman, ESL 7.10.2)::

    from helpers.data_quality import cross_validation as cvl
    print(cvl.selection_leak())
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

__all__ = ["holdout_vs_kfold", "spread", "selection_leak"]


def _scorer(scoring: str) -> tuple[str, float]:
    from sklearn.metrics import get_scorer_names

    if scoring not in get_scorer_names():
        raise ValueError(f"scoring {scoring!r} is not a scikit-learn scorer: e.g. 'neg_root_mean_squared_error' or 'accuracy'.")
    # scikit-learn maximises, so errors come negated: flip them back to the usual unit.
    return (scoring.removeprefix("neg_"), -1.0) if scoring.startswith("neg_") else (scoring, 1.0)


def holdout_vs_kfold(model: Any, X: Any, y: Any, *, seeds: Iterable[int] = range(20), test_size: float = 0.2, k: int = 5,
                     scoring: str = "neg_root_mean_squared_error") -> pd.DataFrame:
    """Per seed: the score of one holdout split (``test_size`` held out) and the mean over ``k`` shuffled folds.

    Both use the seed to shuffle, so the two columns differ only in the procedure. Returns a tidy
    frame: seed, procedure ("holdout 20%" / "5-fold mean"), metric ("neg_" dropped), score (errors positive).
    """
    from sklearn.model_selection import KFold, ShuffleSplit, cross_validate

    metric, sign = _scorer(scoring)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1 (0.2 holds out a fifth), got {test_size!r}.")
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"k must be an integer >= 2 (5 or 10 are usual), got {k!r}.")
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError("give at least two seeds: the lesson is how the score moves from one seed to the next.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must describe the same rows.")
    rows = []
    for seed in seeds:
        holdout = cross_validate(model, X, y, cv=ShuffleSplit(1, test_size=test_size, random_state=seed), scoring=scoring)
        folds = cross_validate(model, X, y, cv=KFold(k, shuffle=True, random_state=seed), scoring=scoring)
        rows.append((seed, f"holdout {test_size:.0%}", sign * holdout["test_score"][0]))
        rows.append((seed, f"{k}-fold mean", sign * folds["test_score"].mean()))
    frame = pd.DataFrame(rows, columns=["seed", "procedure", "score"])
    frame.insert(2, "metric", pd.Series([metric] * len(frame), dtype="str"))
    return frame.astype({"procedure": "str"})


def spread(table: pd.DataFrame) -> pd.DataFrame:
    """How far the score wanders across seeds, per procedure: min, max, range (max - min) and std."""
    if not isinstance(table, pd.DataFrame) or not {"procedure", "score"} <= set(table.columns):
        raise ValueError("spread needs the frame of holdout_vs_kfold(...) (columns procedure and score).")
    out = table.groupby("procedure", sort=False)["score"].agg(["min", "max", "std"])
    out.insert(2, "range", out["max"] - out["min"])
    return out.reset_index()


def selection_leak(*, n_rows: int = 100, n_features: int = 1000, k_best: int = 10, folds: int = 5,
                   seed: int = 0) -> pd.DataFrame:
    """Cross-validated accuracy on random labels, with the k best features chosen outside or inside the folds.

    Data: ``n_rows`` x ``n_features`` standard normal numbers and balanced random 0/1 labels (seeded):
    nothing to learn, the true accuracy of any model is 0.5. Model: ``SelectKBest(f_classif, k_best)``
    then ``LogisticRegression``. Returns one row per procedure: procedure, accuracy mean and std over
    the folds, and the truth (0.5).
    """
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline

    for name, value, minimum in (("n_rows", n_rows, 20), ("n_features", n_features, 2), ("folds", folds, 2)):
        if not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    if not isinstance(k_best, (int, np.integer)) or not 1 <= k_best < n_features:
        raise ValueError(f"k_best must be an integer from 1 to n_features - 1 ({n_features - 1}), got {k_best!r}.")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    y = rng.permutation(np.arange(n_rows) % 2)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    # The mistake: the selection sees every label, the validation folds' included.
    chosen = SelectKBest(f_classif, k=k_best).fit(X, y).transform(X)
    outside = cross_validate(LogisticRegression(), chosen, y, cv=splitter, scoring="accuracy")["test_score"]
    inside = cross_validate(make_pipeline(SelectKBest(f_classif, k=k_best), LogisticRegression()), X, y, cv=splitter,
                            scoring="accuracy")["test_score"]
    return pd.DataFrame({
        "procedure": pd.Series(["features chosen on all rows, then CV (leak)", "selection inside the CV pipeline"], dtype="str"),
        "accuracy": [outside.mean(), inside.mean()],
        "std": [outside.std(ddof=1), inside.std(ddof=1)],
        "truth": [0.5, 0.5],
    })
