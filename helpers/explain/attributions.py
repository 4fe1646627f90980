"""Why did the model say that? SHAP values from xgboost's own exact TreeSHAP, and partial dependence.

A SHAP value splits one prediction into a part per feature: the model's average output (the *base
value*) plus each feature's contribution gives exactly this row's output. For a tree model the split
is computed exactly and fast by TreeSHAP, which xgboost ships (``Booster.predict(...,
pred_contribs=True)``): no ``shap`` package, no sampling. Units are the model's *margin*: log-odds for
a classifier (``binary:logistic``), the target's units for a regressor.

    from helpers.explain import attributions
    fraud = attributions.card_fraud_model()              # the capstone's XGBoost on the card payments
    shap = attributions.shap_values(fraud.model, fraud.X_test, names=attributions.payment_feature_names())
    shap.additivity_error()                               # base + contributions = margin, to float32 rounding
    shap.importance()                                     # mean |SHAP| per feature, largest first
    print(shap.explain(0, outcome="fraud"))               # one prediction in words, for the business
    fig = attributions.plot_importance(shap); print(attributions.plots.in_words(fig))

:func:`shapley_brute_force` recomputes the same values from the trees by enumerating every subset of
features (Shapley's definition, with TreeSHAP's conditional expectation along the tree's cover):
independent of xgboost's code, exponential in the number of features, so for small models only.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers import plots

__all__ = ["Attributions", "FraudModel", "payment_feature_names", "shap_values", "shapley_brute_force",
           "sampled_shapley", "interventional_brute_force", "partial_dependence",
           "plot_importance", "plot_partial_dependence", "card_fraud_model", "plots"]


def _booster(model):
    import xgboost as xgb

    if isinstance(model, xgb.Booster):
        return model
    if hasattr(model, "get_booster"):
        return model.get_booster()
    raise TypeError(f"SHAP values here need an XGBoost model (XGBClassifier, XGBRegressor or Booster), not "
                    f"{type(model).__name__}: for other models use partial_dependence, or train an XGBoost model")


def _matrix(booster, X: pd.DataFrame):
    import xgboost as xgb

    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"pass the rows to explain as a DataFrame with the training columns, not {type(X).__name__}")
    names = booster.feature_names
    if names is not None and list(X.columns) != list(names):
        missing = [n for n in names if n not in X.columns]
        raise ValueError(f"the rows' columns differ from the model's: missing {missing}, order must be {list(names)}; "
                         f"select them with X[{list(names)!r}]" if missing else
                         f"the rows' columns are in another order than the model's: use X[{list(names)!r}]")
    return xgb.DMatrix(X, enable_categorical=True)


@dataclass
class Attributions:
    """SHAP values of ``len(data)`` predictions.

    ``values``: rows x features, margin units (log-odds for a classifier); ``base_value``: the model's
    expected margin (the same for every row); ``margin``: each row's model output in margin units;
    ``data``: the explained rows; ``seconds``: wall time of the TreeSHAP call; ``link``: "logistic"
    when the margin is log-odds, else "identity".
    """

    values: pd.DataFrame
    base_value: float
    margin: np.ndarray
    data: pd.DataFrame
    seconds: float
    link: str = "logistic"
    names: Mapping[str, str] = field(default_factory=dict)

    def additivity_error(self) -> float:
        """max over rows of |base + sum of contributions - margin| (0 up to float32 rounding)."""
        return float(np.max(np.abs(self.values.sum(axis=1).to_numpy() + self.base_value - self.margin)))

    def importance(self) -> pd.Series:
        """Global importance: the mean |SHAP| per feature over these rows, largest first (margin units)."""
        return self.values.abs().mean().sort_values(ascending=False).rename("mean |SHAP|")

    def direction(self) -> pd.Series:
        """Per feature, the correlation between its value and its SHAP value: > 0 when higher values
        raise the output (NaN for a constant or non-numeric feature)."""
        out = {}
        for column in self.values.columns:
            x = pd.to_numeric(self.data[column], errors="coerce") if not isinstance(
                self.data[column].dtype, pd.CategoricalDtype) else pd.Series(np.nan, index=self.data.index)
            s = self.values[column]
            ok = x.notna()
            out[column] = float(np.corrcoef(x[ok], s[ok])[0, 1]) if ok.sum() > 2 and x[ok].std() > 0 and s[ok].std() > 0 else np.nan
        return pd.Series(out, name="direction")

    def _name(self, column: str) -> str:
        return self.names.get(column, column)

    def _to_output(self, margin: float) -> float:
        return 1 / (1 + math.exp(-margin)) if self.link == "logistic" else margin

    def importance_text(self, top: int = 5, digits: int = 3) -> str:
        """The global summary in words: the ``top`` features by mean |SHAP| and which way they push."""
        unit = "log-odds" if self.link == "logistic" else "output units"
        importance, direction = self.importance(), self.direction()
        lines = [f"Over {len(self.values)} predictions, the features that move the model's output most "
                 f"(mean |SHAP|, {unit}):"]
        for column in importance.index[:top]:
            way = direction[column]
            how = ("higher values raise it" if way > 0.3 else "higher values lower it" if way < -0.3
                   else "no simple direction")
            lines.append(f"  {self._name(column)}: {importance[column]:.{digits}g} ({how})")
        return "\n".join(lines)

    def explain(self, row: int, *, top: int = 3, outcome: str = "the positive class", digits: int = 3) -> str:
        """One prediction in words for the business: the score, the average score, and the ``top``
        features that pushed it up and down (``row`` is a position, 0..len-1)."""
        if not 0 <= row < len(self.values):
            raise IndexError(f"row {row} is outside 0..{len(self.values) - 1}: pass a position, not an index label")
        contributions = self.values.iloc[row]
        values = self.data.iloc[row]
        score, average = self._to_output(self.margin[row]), self._to_output(self.base_value)
        unit = "log-odds" if self.link == "logistic" else "units"
        if self.link == "logistic":
            head = (f"The model gives a probability of {outcome} of {score:.{digits}g} "
                    f"(its baseline, the average log-odds as a probability: {average:.{digits}g}).")
        else:
            head = f"The model predicts {score:.{digits}g} (its baseline, the average prediction: {average:.{digits}g})."

        def listed(items):
            return "; ".join(f"{self._name(c)} = {_show(values[c], digits)} ({contributions[c]:+.{digits}g} {unit})"
                             for c in items) or "nothing"

        ranked = contributions.sort_values()
        total = float(contributions.sum())
        up = [c for c in ranked.index[::-1][:top] if contributions[c] > 0]
        down = [c for c in ranked.index[:top] if contributions[c] < 0]
        return "\n".join([head, f"Pushed it up: {listed(up)}.", f"Pulled it down: {listed(down)}.",
                          f"The contributions, in {unit}, add up from the average to this prediction "
                          f"({self.base_value:.{digits}g} {'-' if total < 0 else '+'} {abs(total):.{digits}g} "
                          f"= {self.margin[row]:.{digits}g})."])


def _show(value, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}g}"
    return str(value)


def shap_values(model, X: pd.DataFrame, *, names: Mapping[str, str] | None = None) -> Attributions:
    """Exact TreeSHAP values of an XGBoost ``model`` for the rows of ``X`` (rows x the training columns).

    ``names``: optional readable names for the texts ({"amount": "amount paid (USD)"})."""
    booster = _booster(model)
    matrix = _matrix(booster, X)
    start = time.perf_counter()
    contributions = booster.predict(matrix, pred_contribs=True)
    seconds = time.perf_counter() - start
    if contributions.ndim != 2:
        raise ValueError("SHAP values here are for one output (binary classification or regression); this "
                         f"model gives {contributions.shape[1]} outputs per row")
    margin = booster.predict(matrix, output_margin=True)
    objective = _objective(booster)
    link = "logistic" if objective.startswith("binary:logistic") or objective == "reg:logistic" else "identity"
    values = pd.DataFrame(contributions[:, :-1], index=X.index, columns=list(X.columns))
    return Attributions(values, float(contributions[0, -1]), np.asarray(margin, dtype="float64"), X, seconds,
                        link, dict(names or {}))


def _objective(booster) -> str:
    import json

    return json.loads(booster.save_config())["learner"]["objective"]["name"]


# --- the independent check: Shapley values by brute force over feature subsets --------------------


def _trees(booster) -> list[dict[str, dict[str, Any]]]:
    """Each tree as {node id: node}, from xgboost's own table of the trees (numeric splits only)."""
    table = booster.trees_to_dataframe()
    if "Category" in table.columns and table["Category"].notna().any():
        raise ValueError("the brute-force check reads numeric splits only; this model splits on categories")
    trees = []
    for _, nodes in table.groupby("Tree", sort=True):
        trees.append({row.ID: row._asdict() for row in nodes.itertuples(index=False)})
    return trees


def _expected(tree: dict, node_id: str, x: Mapping[str, float], known: frozenset) -> float:
    """E[tree(x) | the features in ``known``], TreeSHAP's way: follow x on a known feature, otherwise
    average both branches weighted by how many training rows (cover) went each way."""
    node = tree[node_id]
    if node["Feature"] == "Leaf":
        return float(node["Gain"])
    feature = node["Feature"]
    if feature in known:
        value = x[feature]
        branch = node["Missing"] if value is None or (isinstance(value, float) and math.isnan(value)) else (
            node["Yes"] if np.float32(value) < np.float32(node["Split"]) else node["No"])  # xgboost compares in float32
        return _expected(tree, branch, x, known)
    yes, no = tree[node["Yes"]], tree[node["No"]]
    cover = yes["Cover"] + no["Cover"]
    return (yes["Cover"] * _expected(tree, node["Yes"], x, known)
            + no["Cover"] * _expected(tree, node["No"], x, known)) / cover


def shapley_brute_force(model, X: pd.DataFrame, *, max_features: int = 10) -> tuple[pd.DataFrame, np.ndarray]:
    """Shapley values by their definition, phi_i = sum over subsets S of the other features of
    |S|! (M - |S| - 1)! / M! [v(S + i) - v(S)], with v(S) the trees' expected output given the features
    in S (TreeSHAP's conditional expectation along the cover). Returns (values rows x features, the
    expected margin v(empty set) + the model's base score, per row). Costs 2^M tree walks per row."""
    booster = _booster(model)
    columns = list(X.columns)
    if len(columns) > max_features:
        raise ValueError(f"{len(columns)} features means 2^{len(columns)} subsets per row: the brute force is for "
                         f"at most {max_features} features (raise max_features if you mean it)")
    trees = _trees(booster)
    m = len(columns)
    weight = {size: math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m) for size in range(m)}
    margins = booster.predict(_matrix(booster, X), output_margin=True)
    rows, bias = [], []
    for position, (_, record) in enumerate(X.iterrows()):
        x = record.to_dict()
        value = {}
        for size in range(m + 1):
            for subset in itertools.combinations(columns, size):
                known = frozenset(subset)
                value[known] = sum(_expected(t, f"{i}-0", x, known) for i, t in enumerate(trees))
        everything = frozenset(columns)
        base_score = float(margins[position]) - value[everything]  # the constant xgboost adds to every tree sum
        phi = [sum(weight[len(s)] * (value[s | {c}] - value[s]) for s in value if c not in s) for c in columns]
        rows.append(phi)
        bias.append(base_score + value[frozenset()])
    return pd.DataFrame(rows, index=X.index, columns=columns), np.array(bias)


# --- the model-agnostic alternative: Shapley values by sampling permutations ----------------------


def _mixed(x: pd.Series, background: pd.DataFrame, take_x: np.ndarray) -> pd.DataFrame:
    """Rows of ``background`` with the columns flagged in ``take_x`` (shape rows x features) set to x's."""
    values = np.where(take_x, x.to_numpy(dtype="float64")[None, :], background.to_numpy(dtype="float64"))
    return pd.DataFrame(values, columns=background.columns)


def sampled_shapley(predict, X: pd.DataFrame, background: pd.DataFrame, *, permutations: int = 20,
                    seed: int = 0) -> pd.DataFrame:
    """Model-agnostic Shapley values by sampling feature orders (Strumbelj and Kononenko, 2014): for each
    order, switch features one by one from a background row to the explained row and credit each with the
    change of ``predict``; average over ``permutations`` orders and the ``background`` rows.

    ``predict``: function of a DataFrame (rows x features) to one number per row, e.g. the margin
    ``lambda d: model.predict(d, output_margin=True)``. This is the *interventional* Shapley value
    (features outside the coalition take background values), which TreeSHAP's path-dependent values
    approximate but do not equal. Each row's values add up to predict(x) - mean predict(background)
    exactly; the sampling error shrinks as 1/sqrt(permutations). Costs permutations x (features + 1) x
    len(background) predictions per row: what TreeSHAP saves on trees. Numeric features only."""
    rng = np.random.default_rng(seed)
    columns, m = list(X.columns), X.shape[1]
    if list(background.columns) != columns:
        raise ValueError("the background rows must have the same columns, in the same order, as X")
    out = np.zeros((len(X), m))
    n_b = len(background)
    for r, (_, x) in enumerate(X.iterrows()):
        orders = [rng.permutation(m) for _ in range(permutations)]
        masks = []
        for order in orders:
            take = np.zeros(m, dtype=bool)
            masks.append(take.copy())
            for feature in order:
                take[feature] = True
                masks.append(take.copy())
        batch = pd.concat([_mixed(x, background, np.broadcast_to(mask, (n_b, m))) for mask in masks], ignore_index=True)
        values = np.asarray(predict(batch), dtype="float64").reshape(permutations, m + 1, n_b).mean(axis=2)
        for p, order in enumerate(orders):
            out[r, order] += np.diff(values[p])
    return pd.DataFrame(out / permutations, index=X.index, columns=columns)


def interventional_brute_force(predict, x: pd.Series, background: pd.DataFrame) -> pd.Series:
    """The exact interventional Shapley values of one row, by enumerating every coalition S:
    v(S) = mean over background rows of predict(x on S, background elsewhere). 2^M coalitions."""
    columns, m = list(background.columns), background.shape[1]
    value = {}
    for size in range(m + 1):
        for subset in itertools.combinations(range(m), size):
            take = np.zeros(m, dtype=bool)
            take[list(subset)] = True
            mixed = _mixed(x[columns], background, np.broadcast_to(take, background.shape))
            value[frozenset(subset)] = float(np.mean(predict(mixed)))
    weight = {k: math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m) for k in range(m)}
    phi = [sum(weight[len(s)] * (value[s | {i}] - value[s]) for s in value if i not in s) for i in range(m)]
    return pd.Series(phi, index=columns)


# --- partial dependence -----------------------------------------------------------------------------


def partial_dependence(model, X: pd.DataFrame, features: Sequence[str], *, grid_resolution: int = 20,
                       percentiles: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """The average prediction as one feature varies over a grid, every other feature as observed
    (``sklearn.inspection.partial_dependence``, kind="average"). For a classifier the prediction is the
    probability of the positive class. The grid spans the ``percentiles`` of the feature, or its whole
    range when those coincide (a feature that is 0 for most rows). Returns long rows: feature, value,
    average_prediction."""
    from sklearn.inspection import partial_dependence as sklearn_pd

    unknown = [f for f in features if f not in X.columns]
    if unknown:
        raise ValueError(f"features {unknown} are not columns of X; choose from {list(X.columns)}")
    frames = []
    for feature in features:
        try:
            result = sklearn_pd(model, X, [feature], kind="average", grid_resolution=grid_resolution,
                                percentiles=percentiles)
        except ValueError as error:  # a feature that is mostly one value (a fraud share, 0 for most rows)
            if "percentiles are too close" not in str(error):
                raise
            result = sklearn_pd(model, X, [feature], kind="average", grid_resolution=grid_resolution,
                                percentiles=(0.0, 1.0))
        frames.append(pd.DataFrame({"feature": feature, "value": result["grid_values"][0],
                                    "average_prediction": result["average"][0]}))
    return pd.concat(frames, ignore_index=True)


# --- plots, each with its text equivalent (helpers.plots.in_words) ------------------------------------


def plot_importance(attributions: Attributions, *, top: int = 10, ax=None):
    """Horizontal bars of mean |SHAP| per feature, largest on top. Two cues for direction: colour
    (blue: higher values raise the output, vermillion: lower it, grey-black: mixed) and hatching
    (none / ``//`` / ``..``), named in the legend; the value is written at each bar's end."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.4 * min(top, len(attributions.values.columns)) + 1.5))
    importance = attributions.importance().iloc[:top][::-1]
    direction = attributions.direction()
    styles = {"raises": (plots.OKABE_ITO["blue"], ""), "lowers": (plots.OKABE_ITO["vermillion"], "//"),
              "mixed": (plots.OKABE_ITO["black"], "..")}

    def kind(column):
        way = direction[column]
        return "raises" if way > 0.3 else "lowers" if way < -0.3 else "mixed"

    labels = [attributions._name(c) for c in importance.index]
    for y, column in enumerate(importance.index):
        colour, hatch = styles[kind(column)]
        ax.barh(y, importance[column], color=colour, hatch=hatch, edgecolor="white" if not hatch else "grey")
        ax.text(importance[column], y, f" {importance[column]:.2g}", va="center", fontsize="small")
    ax.set_yticks(range(len(labels)), labels)
    unit = "log-odds" if attributions.link == "logistic" else "output units"
    ax.set_xlabel(f"mean |SHAP value| ({unit})")
    ax.set_title(f"What moves the model's output, over {len(attributions.values)} predictions")
    used = sorted({kind(c) for c in importance.index}, key=list(styles).index)
    ax.legend([Patch(facecolor=styles[k][0], hatch=styles[k][1], edgecolor="grey") for k in used],
              [{"raises": "higher values raise it", "lowers": "higher values lower it", "mixed": "no simple direction"}[k]
               for k in used],
              loc="lower right", fontsize="small")
    ax.margins(x=0.15)
    return ax.figure


def plot_partial_dependence(curves: pd.DataFrame, *, ax=None, ylabel: str = "average prediction"):
    """One line per feature of :func:`partial_dependence`'s result, each in its own panel."""
    import matplotlib.pyplot as plt

    features = list(dict.fromkeys(curves["feature"]))
    if ax is None:
        fig, axes = plt.subplots(1, len(features), figsize=(3.5 * len(features), 3), squeeze=False, sharey=True)
        axes = axes[0]
    else:
        axes, fig = [ax], ax.figure
    for i, (axis, feature) in enumerate(zip(axes, features)):
        part = curves[curves["feature"] == feature]
        axis.plot(part["value"], part["average_prediction"], color=plots.PALETTE[i % len(plots.PALETTE)],
                  linestyle=plots.LINESTYLES[i % len(plots.LINESTYLES)], marker="o", markersize=3, label=feature)
        axis.set_xlabel(feature)
        axis.set_title(f"partial dependence on {feature}", fontsize="small")
    axes[0].set_ylabel(ylabel)
    return fig


# --- the capstone-like model ---------------------------------------------------------------------------


def payment_feature_names(windows=(1, 7, 30)) -> dict[str, str]:
    """Readable names of ``helpers.transactions.payment_features`` columns, for texts the business reads."""
    names = {"amount": "amount paid (USD)", "is_night": "paid at night", "is_weekend": "paid at the weekend",
             "amount_to_customer_mean": "amount / the customer's usual amount"}
    for w in windows:
        span = "day" if w == 1 else f"{w} days"
        names |= {f"customer_count_{w}d": f"customer's payments in the last {span}",
                  f"customer_mean_amount_{w}d": f"customer's mean amount in the last {span} (USD)",
                  f"terminal_count_{w}d": f"terminal's payments over {span}",
                  f"terminal_fraud_share_{w}d": f"terminal's fraud share over {span}"}
    return names


@dataclass
class FraudModel:
    """The capstone's model, trained in the notebook process: an XGBClassifier on the card payments'
    features (helpers.transactions), days 7-44 for training and 53-60 as the test rows."""

    model: Any
    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series


def card_fraud_model(*, num_round: int = 100, frame: pd.DataFrame | None = None) -> FraudModel:
    """Train the capstone's XGBoost (binary:logistic, max_depth 3, eta 0.1, min_child_weight 5, seed 0,
    ``num_round`` trees) on ``card_transactions`` (default: the shipped set)."""
    import xgboost as xgb

    from helpers import data, transactions

    payments = data.load("card_transactions") if frame is None else frame
    features = transactions.payment_features(payments)
    day = payments["tx_time_days"]
    train, test = (day >= 7) & (day < 45), day >= 53
    model = xgb.XGBClassifier(n_estimators=num_round, max_depth=3, learning_rate=0.1, min_child_weight=5,
                              random_state=0, n_jobs=1, eval_metric="auc")
    model.fit(features[train], payments.loc[train, "is_fraud"])
    return FraudModel(model, features[train], payments.loc[train, "is_fraud"], features[test],
                      payments.loc[test, "is_fraud"])
