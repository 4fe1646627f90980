"""Bias metrics with SageMaker Clarify's definitions, configured and reported the way Clarify is.

Clarify compares two groups of rows, chosen by a *facet* (a column such as sex or age):

- **d**, the sensitive group (Clarify's "disadvantaged" facet): the rows whose facet value is in
  ``facet_values_or_threshold`` (or above it, for a numeric threshold);
- **a**, every other row (the "advantaged" facet).

An outcome is *positive* when the label is in ``label_values_or_threshold`` (or above it). Every
difference below is ``a - d`` unless its definition says otherwise, so a positive value means the
sensitive group fares worse; every metric is 0 when the two groups are treated alike (DI: 1).

    from helpers.explain import bias
    config = bias.BiasConfig(label_values_or_threshold=[1], facet_name="sex", facet_values_or_threshold=["F"])
    report = bias.pre_training_bias(frame, bias.DataConfig(label="high_salary"), config)
    print(report.text())          # the rendered table
    report.to_json()              # shaped like Clarify's analysis.json

The metric functions themselves take boolean arrays (``d``: row is in the sensitive group; ``y``: the
label is positive; ``yhat``: the prediction is positive), so each can be checked by hand on a few rows.
Clarify's conventions kept: ``0/0`` is 0 and ``x/0`` is infinite (written ``"inf"`` in JSON); KL, JS,
LP, TVD and KS compare the distributions of the two outcomes (negative, positive) in a and in d.
Where Clarify's code and its documentation differ, the documentation is followed and the docstring says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "BiasConfig", "DataConfig", "ModelPredictedLabelConfig", "BiasReport", "BiasConfigError",
    "PRE_TRAINING", "POST_TRAINING", "pre_training_bias", "post_training_bias", "bias_report",
    "ci", "dpl", "kl", "js", "lp", "tvd", "ks", "cdd", "dppl", "di", "dca", "dcr", "rd", "sd", "dar",
    "drr", "ad", "te", "ft", "ge",
]


class BiasConfigError(ValueError):
    """A configuration that does not fit the data; the message names the field and the fix."""


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConfig:
    """Which column is the label (Clarify's ``DataConfig(label=...)``); ``headers``: the columns to
    expect, checked when given."""

    label: str
    headers: Sequence[str] | None = None


@dataclass(frozen=True)
class BiasConfig:
    """Clarify's ``BiasConfig``: what a positive outcome is and which rows form the sensitive group.

    ``label_values_or_threshold``: a list of label values that count as positive, or one number: a
    label above it is positive. ``facet_name``: the column to compare on. ``facet_values_or_threshold``:
    a list of facet values forming the sensitive group d, or one number: rows whose facet is above it;
    ``None`` compares each value of the facet with all other rows in turn. ``group_name``: a column of
    strata for the conditional metrics CDDL and CDDPL (left out when ``None``).
    """

    label_values_or_threshold: Any
    facet_name: str
    facet_values_or_threshold: Any = None
    group_name: str | None = None


@dataclass(frozen=True)
class ModelPredictedLabelConfig:
    """Clarify's ``ModelPredictedLabelConfig``: predictions that are probabilities become labels by
    ``probability > probability_threshold`` (then 1 is positive); predictions that are labels are read
    with the ``BiasConfig``'s positive values."""

    probability_threshold: float | None = None


def _is_threshold(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _as_list(value, field_name: str) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray, pd.Index, pd.Series, set)):
        raise BiasConfigError(f"{field_name}={value!r} must be a list of values (e.g. [{value!r}]) or one number "
                              "used as a threshold")
    values = list(value)
    if not values:
        raise BiasConfigError(f"{field_name} is an empty list: give the value(s) that count, e.g. [1] or ['F']")
    return values


def _need_column(frame: pd.DataFrame, column: str, field_name: str) -> pd.Series:
    if column not in frame.columns:
        raise BiasConfigError(f"{field_name}={column!r} is not a column of the data; its columns are "
                              f"{list(frame.columns)}: set {field_name} to one of them")
    series = frame[column]
    missing = int(series.isna().sum())
    if missing:
        raise BiasConfigError(f"column {column!r} ({field_name}) has {missing} missing value(s): drop those rows "
                              "or fill them before measuring bias, so that no row is silently left out")
    return series


def _select(series: pd.Series, values_or_threshold, field_name: str, *, may_be_empty: bool = False) -> np.ndarray:
    """Boolean mask: value in the list, or value > the threshold. Refuses a selection that matches nothing
    (a typo, most often), unless ``may_be_empty`` (a model may predict no positive at all) and the values
    are of the column's type."""
    if _is_threshold(values_or_threshold):
        if not pd.api.types.is_numeric_dtype(series):
            raise BiasConfigError(f"{field_name}={values_or_threshold!r} is a threshold but column {series.name!r} "
                                  f"is not numeric ({series.dtype}): give a list of its values instead, e.g. "
                                  f"{[_plain(series.iloc[0])]!r}")
        mask = series.to_numpy(dtype="float64") > values_or_threshold
        if not mask.any() and not may_be_empty:
            raise BiasConfigError(f"{field_name}={values_or_threshold!r}: no value of {series.name!r} is above it "
                                  f"(its maximum is {_plain(series.max())!r}); lower the threshold")
        return mask
    values = _as_list(values_or_threshold, field_name)
    mask = series.isin(values).to_numpy()
    if not mask.any():
        present = [_plain(v) for v in sorted(pd.unique(series), key=str)[:10]]
        hint = _type_hint(values, present)
        if may_be_empty and "another type" not in hint:
            return mask
        raise BiasConfigError(f"{field_name}={values!r} matches no row of column {series.name!r}; its values are "
                              f"{present!r}{hint}")
    return mask


def _plain(value):
    """A numpy scalar as the Python value it holds, so messages show 1, not np.int64(1)."""
    return value.item() if isinstance(value, np.generic) else value


def _type_hint(values: list, present: list) -> str:
    as_text = {str(v) for v in present}
    if any(str(v) in as_text for v in values):
        return f" (same text, another type: did you mean {[p for p in present if str(p) in {str(v) for v in values}]!r}?)"
    return ": pick the positive / sensitive value(s) from them"


def _facet_groups(facet: pd.Series, config: BiasConfig) -> list[tuple[str, np.ndarray]]:
    """(value_or_threshold as Clarify writes it, mask of the sensitive group d) per comparison."""
    chosen = config.facet_values_or_threshold
    if chosen is None:
        values = [_plain(v) for v in sorted(pd.unique(facet), key=str)]
        if len(values) < 2:
            raise BiasConfigError(f"facet {config.facet_name!r} has one value only ({values[0]!r}): there is no "
                                  "other group to compare with; choose another facet_name")
        return [(str(v), facet.eq(v).to_numpy()) for v in values]
    mask = _select(facet, chosen, "facet_values_or_threshold")
    if mask.all():
        raise BiasConfigError(f"facet_values_or_threshold={chosen!r} selects every row of {config.facet_name!r}, "
                              "leaving no other group to compare with: select only the sensitive group")
    label = f"(>{chosen})" if _is_threshold(chosen) else ",".join(str(v) for v in _as_list(chosen, "facet"))
    return [(label, mask)]


def _positive(series: pd.Series, config: BiasConfig, field_name: str) -> np.ndarray:
    return _select(series, config.label_values_or_threshold, field_name)


# --- arithmetic with Clarify's conventions ---------------------------------------------------------


def _divide(a: float, b: float) -> float:
    """a / b, with 0/0 = 0 and x/0 = +-inf (Clarify's convention)."""
    if b == 0:
        return 0.0 if a == 0 else math.copysign(math.inf, a)
    return a / b


def _difference(x: float, y: float) -> float:
    """x - y, with inf - inf = 0 (both groups equally undefined is no difference, as in Clarify)."""
    if math.isinf(x) and x == y:
        return 0.0
    return x - y


def _groups(d) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(d, dtype=bool)
    if d.all() or not d.any():
        raise ValueError("the facet must split the rows into two non-empty groups (d: sensitive, a: the rest); "
                         f"here d has {int(d.sum())} of {d.size} rows")
    return d, ~d


def _counts(mask, outcome) -> tuple[int, int]:
    """(rows of the group, rows of the group with a positive outcome)."""
    outcome = np.asarray(outcome, dtype=bool)
    return int(mask.sum()), int((mask & outcome).sum())


def _confusion(mask, y, yhat) -> dict[str, int]:
    y, yhat = np.asarray(y, dtype=bool), np.asarray(yhat, dtype=bool)
    return {"TP": int((mask & y & yhat).sum()), "FP": int((mask & ~y & yhat).sum()),
            "FN": int((mask & y & ~yhat).sum()), "TN": int((mask & ~y & ~yhat).sum())}


# --- pre-training metrics (labels only) ------------------------------------------------------------


def ci(d) -> float:
    """Class imbalance, (n_a - n_d) / (n_a + n_d), in [-1, 1]: positive when d is the smaller group."""
    d, a = _groups(d)
    return (int(a.sum()) - int(d.sum())) / d.size


def dpl(d, y) -> float:
    """Difference in proportions of labels, q_a - q_d, q = share of the group with a positive label."""
    d, a = _groups(d)
    (na, na1), (nd, nd1) = _counts(a, y), _counts(d, y)
    return na1 / na - nd1 / nd


def _outcome_distributions(d, y) -> tuple[np.ndarray, np.ndarray]:
    """P_a and P_d over the two outcomes (negative, positive)."""
    d, a = _groups(d)
    (na, na1), (nd, nd1) = _counts(a, y), _counts(d, y)
    return np.array([(na - na1) / na, na1 / na]), np.array([(nd - nd1) / nd, nd1 / nd])


def kl(d, y) -> float:
    """Kullback-Leibler divergence KL(P_a || P_d) = sum_y P_a(y) log(P_a(y) / P_d(y)), in nats, >= 0.

    Infinite when an outcome occurs in a but never in d. (Clarify's code instead drops outcomes that
    either group lacks, which hides exactly that case; its documentation gives the sum above.)"""
    pa, pd_ = _outcome_distributions(d, y)
    terms = [p * math.log(p / q) if q > 0 else math.inf for p, q in zip(pa, pd_) if p > 0]
    return float(sum(terms))


def js(d, y) -> float:
    """Jensen-Shannon divergence 0.5 [KL(P_a || P) + KL(P_d || P)], P = (P_a + P_d) / 2; in [0, ln 2]."""
    pa, pd_ = _outcome_distributions(d, y)
    mix = (pa + pd_) / 2

    def to_mix(p):
        return sum(pi * math.log(pi / mi) for pi, mi in zip(p, mix) if pi > 0)

    return 0.5 * (to_mix(pa) + to_mix(pd_))


def lp(d, y, p: float = 2) -> float:
    """L-p norm of P_a - P_d (p = 2, Clarify's choice): sqrt(sum_y (P_a(y) - P_d(y))^2)."""
    pa, pd_ = _outcome_distributions(d, y)
    return float(np.linalg.norm(pa - pd_, p))


def tvd(d, y) -> float:
    """Total variation distance, half the L1 norm of P_a - P_d, in [0, 1]."""
    return 0.5 * lp(d, y, 1)


def ks(d, y) -> float:
    """Kolmogorov-Smirnov distance, max_y |P_a(y) - P_d(y)|, in [0, 1]."""
    return lp(d, y, np.inf)


def cdd(d, outcome, strata) -> float:
    """Conditional demographic disparity: sum_i n_i DD_i / n over strata i, with
    DD_i = (d's share of the stratum's negative outcomes) - (d's share of its positive outcomes).

    ``outcome`` is the label (CDDL) or the prediction (CDDPL). A stratum without negative (positive)
    outcomes contributes 0 for that share, as in Clarify."""
    d, _ = _groups(d)
    outcome = np.asarray(outcome, dtype=bool)
    if outcome.all() or not outcome.any():
        raise ValueError("conditional demographic disparity needs both positive and negative outcomes")
    strata = np.asarray(strata)
    total = 0.0
    for stratum in pd.unique(strata):
        rows = strata == stratum
        accepted, rejected = rows & outcome, rows & ~outcome
        share_rejected = (d & rejected).sum() / rejected.sum() if rejected.any() else 0.0
        share_accepted = (d & accepted).sum() / accepted.sum() if accepted.any() else 0.0
        total += rows.sum() * (share_rejected - share_accepted)
    return float(total / d.size)


# --- post-training metrics (labels and predictions) ------------------------------------------------


def dppl(d, yhat) -> float:
    """Difference in positive proportions in predicted labels, q'_a - q'_d (DPL on the predictions)."""
    return dpl(d, yhat)


def di(d, yhat) -> float:
    """Disparate impact, q'_d / q'_a: 1 is parity, below 1 the sensitive group is predicted positive less
    often (the US "four-fifths rule" flags values below 0.8)."""
    d, a = _groups(d)
    (na, na1), (nd, nd1) = _counts(a, yhat), _counts(d, yhat)
    return _divide(nd1 / nd, na1 / na)


def dca(d, y, yhat) -> float:
    """Difference in conditional acceptance, c_a - c_d with c = (positive labels) / (positive predictions):
    above 1 a group is accepted less often than its labels merit."""
    d, a = _groups(d)
    c = [_divide(_counts(g, y)[1], _counts(g, yhat)[1]) for g in (a, d)]
    return _difference(c[0], c[1])


def dcr(d, y, yhat) -> float:
    """Difference in conditional rejection, r_d - r_a with r = (negative labels) / (negative predictions)."""
    d, a = _groups(d)
    r = [_divide(int((g & ~np.asarray(y, bool)).sum()), int((g & ~np.asarray(yhat, bool)).sum())) for g in (d, a)]
    return _difference(r[0], r[1])


def _rate(matrix: dict[str, int], hit: str, other: str) -> float:
    return _divide(matrix[hit], matrix[hit] + matrix[other])


def _both(d, y, yhat) -> tuple[dict[str, int], dict[str, int]]:
    d, a = _groups(d)
    return _confusion(a, y, yhat), _confusion(d, y, yhat)


def rd(d, y, yhat) -> float:
    """Recall difference, TP/(TP+FN) in a minus in d: the model finds d's true positives less often."""
    ma, md = _both(d, y, yhat)
    return _difference(_rate(ma, "TP", "FN"), _rate(md, "TP", "FN"))


def sd(d, y, yhat) -> float:
    """Specificity difference, TN/(TN+FP) in d minus in a."""
    ma, md = _both(d, y, yhat)
    return _difference(_rate(md, "TN", "FP"), _rate(ma, "TN", "FP"))


def dar(d, y, yhat) -> float:
    """Difference in acceptance rates (precision), TP/(TP+FP) in a minus in d."""
    ma, md = _both(d, y, yhat)
    return _difference(_rate(ma, "TP", "FP"), _rate(md, "TP", "FP"))


def drr(d, y, yhat) -> float:
    """Difference in rejection rates, TN/(TN+FN) in d minus in a."""
    ma, md = _both(d, y, yhat)
    return _difference(_rate(md, "TN", "FN"), _rate(ma, "TN", "FN"))


def ad(d, y, yhat) -> float:
    """Accuracy difference, accuracy in a minus accuracy in d."""
    ma, md = _both(d, y, yhat)

    def accuracy(m):
        return _divide(m["TP"] + m["TN"], sum(m.values()))

    return _difference(accuracy(ma), accuracy(md))


def te(d, y, yhat) -> float:
    """Treatment equality, FN/FP in d minus FN/FP in a (note the order: d - a, as Clarify defines it)."""
    ma, md = _both(d, y, yhat)
    return _difference(_divide(md["FN"], md["FP"]), _divide(ma["FN"], ma["FP"]))


def ft(d, yhat, features, *, neighbors: int | None = None) -> float:
    """Counterfactual flip test, (F+ - F-) / n_d.

    For each member of d, the ``neighbors`` nearest members of a (Euclidean, on ``features``; 5, or 1 when
    a has at most 9 rows, as Clarify) vote with their predictions. F+ counts members of d predicted
    negative whose look-alikes in a are predicted positive; F- the reverse. Positive: d is refused where
    a look-alike from a is accepted. ``features``: numeric array or frame, rows x features, without the
    facet and label (scale them first: the distance is in their units). This follows Clarify's
    documentation; its code counts F+ and F- the other way round.
    """
    from sklearn.neighbors import KNeighborsClassifier

    d, a = _groups(d)
    yhat = np.asarray(yhat, dtype=bool)
    x = _numeric_features(features, d.size)
    k = neighbors or (5 if a.sum() > 9 else 1)
    vote = KNeighborsClassifier(n_neighbors=k).fit(x[a], yhat[a]).predict(x[d]).astype(bool)
    own = yhat[d]
    return (int((~own & vote).sum()) - int((own & ~vote).sum())) / int(d.sum())


def _numeric_features(features, rows: int) -> np.ndarray:
    frame = pd.DataFrame(features)
    text = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    if text:
        raise BiasConfigError(f"the flip test needs numeric features; {text} are not: one-hot encode them "
                              "(pd.get_dummies) or leave them out")
    if len(frame) != rows:
        raise BiasConfigError(f"features have {len(frame)} rows, the data {rows}: pass the same rows")
    return frame.to_numpy(dtype="float64")


def ge(y, yhat, alpha: float = 2) -> float:
    """Generalized entropy of the benefits b = yhat - y + 1 (0 a missed positive, 1 right, 2 a false
    positive): sum((b / mean b)^alpha - 1) / (n alpha (alpha - 1)); alpha = 2 as Clarify. Not per facet."""
    b = np.asarray(yhat, dtype=int) - np.asarray(y, dtype=int) + 1
    if b.mean() == 0:
        raise ValueError("every prediction is a false negative: generalized entropy is undefined")
    return float(((b / b.mean()) ** alpha - 1).sum() / (b.size * alpha * (alpha - 1)))


# --- the registry: name, description, how to call -----------------------------------------------


@dataclass(frozen=True)
class _Metric:
    name: str
    description: str
    compute: Callable[..., float]
    needs: tuple[str, ...]  # from: d, y, yhat, strata, features


PRE_TRAINING = {m.name: m for m in [
    _Metric("CI", "Class Imbalance (CI)", ci, ("d",)),
    _Metric("DPL", "Difference in Positive Proportions in Labels (DPL)", dpl, ("d", "y")),
    _Metric("KL", "Kullback-Leibler Divergence (KL)", kl, ("d", "y")),
    _Metric("JS", "Jensen-Shannon Divergence (JS)", js, ("d", "y")),
    _Metric("LP", "L-p Norm (LP)", lp, ("d", "y")),
    _Metric("TVD", "Total Variation Distance (TVD)", tvd, ("d", "y")),
    _Metric("KS", "Kolmogorov-Smirnov Distance (KS)", ks, ("d", "y")),
    _Metric("CDDL", "Conditional Demographic Disparity in Labels (CDDL)", cdd, ("d", "y", "strata")),
]}
POST_TRAINING = {m.name: m for m in [
    _Metric("DPPL", "Difference in Positive Proportions in Predicted Labels (DPPL)", dppl, ("d", "yhat")),
    _Metric("DI", "Disparate Impact (DI)", di, ("d", "yhat")),
    _Metric("DCA", "Difference in Conditional Acceptance (DCA)", dca, ("d", "y", "yhat")),
    _Metric("DCR", "Difference in Conditional Rejection (DCR)", dcr, ("d", "y", "yhat")),
    _Metric("RD", "Recall Difference (RD)", rd, ("d", "y", "yhat")),
    _Metric("SD", "Specificity Difference (SD)", sd, ("d", "y", "yhat")),
    _Metric("DAR", "Difference in Acceptance Rates (DAR)", dar, ("d", "y", "yhat")),
    _Metric("DRR", "Difference in Rejection Rates (DRR)", drr, ("d", "y", "yhat")),
    _Metric("AD", "Accuracy Difference (AD)", ad, ("d", "y", "yhat")),
    _Metric("TE", "Treatment Equality (TE)", te, ("d", "y", "yhat")),
    _Metric("CDDPL", "Conditional Demographic Disparity in Predicted Labels (CDDPL)", cdd, ("d", "yhat", "strata")),
    _Metric("FT", "Flip Test (FT)", ft, ("d", "yhat", "features")),
    _Metric("GE", "Generalized Entropy (GE)", ge, ("y", "yhat")),
]}


def _chosen(methods, registry: dict[str, _Metric], kind: str) -> list[_Metric]:
    if methods == "all":
        return list(registry.values())
    names = [methods] if isinstance(methods, str) else list(methods)
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise BiasConfigError(f"unknown {kind} metric(s) {unknown}: choose from {list(registry)} or 'all'")
    return [registry[n] for n in names]


def _entry(metric: _Metric, inputs: dict[str, Any]) -> dict[str, Any]:
    missing = [n for n in metric.needs if inputs.get(n) is None]
    entry: dict[str, Any] = {"name": metric.name, "description": metric.description}
    if missing:
        why = {"strata": "set BiasConfig.group_name", "features": "pass features= (numeric columns)"}
        entry.update(value=None, error=f"not computed: {'; '.join(why.get(n, n) for n in missing)}")
        return entry
    try:
        entry["value"] = float(metric.compute(*(inputs[n] for n in metric.needs)))
    except ValueError as error:  # a degenerate group: reported, as Clarify does, not raised
        entry.update(value=None, error=str(error))
    return entry


# --- the report ------------------------------------------------------------------------------------


@dataclass
class BiasReport:
    """Bias metrics in the shape of Clarify's ``analysis.json``.

    ``analysis``: ``{"version": "1.0", "pre_training_bias_metrics": {...}, "post_training_bias_metrics":
    {...}}``; each section holds ``label``, ``label_value_or_threshold`` and ``facets``: ``{facet_name:
    [{"value_or_threshold": ..., "metrics": [{"name", "description", "value"}]}]}``.
    """

    analysis: dict[str, Any] = field(default_factory=lambda: {"version": "1.0"})

    def to_json(self, indent: int | None = 2) -> str:
        """The analysis as JSON text; infinite values are written "inf"/"-inf" (JSON has no infinity)."""
        return json.dumps(_json_safe(self.analysis), indent=indent)

    def save(self, path) -> None:
        """Write ``analysis.json`` (UTF-8)."""
        from pathlib import Path

        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    def table(self) -> pd.DataFrame:
        """One row per (stage, facet value, metric): stage, facet, value_or_threshold, metric, description, value."""
        rows = []
        for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
            section = self.analysis.get(stage)
            if not section:
                continue
            for facet, groups in section["facets"].items():
                for group in groups:
                    for m in group["metrics"]:
                        rows.append({"stage": stage.split("_bias")[0].replace("_", "-"), "facet": facet,
                                     "value_or_threshold": group["value_or_threshold"], "metric": m["name"],
                                     "description": m["description"], "value": m["value"]})
        return pd.DataFrame(rows, columns=["stage", "facet", "value_or_threshold", "metric", "description", "value"])

    def value(self, name: str, value_or_threshold: str | None = None) -> float | None:
        """One metric's value (for the only facet group, or the one named)."""
        table = self.table()
        rows = table[table["metric"] == name]
        if value_or_threshold is not None:
            rows = rows[rows["value_or_threshold"] == str(value_or_threshold)]
        if len(rows) != 1:
            raise KeyError(f"{len(rows)} results for metric {name!r} and group {value_or_threshold!r}; "
                           f"the groups are {sorted(table['value_or_threshold'].unique())}")
        return rows["value"].iloc[0]

    def text(self, digits: int = 3) -> str:
        """The report as plain text: a header per section and facet group, one line per metric."""
        lines = []
        for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
            section = self.analysis.get(stage)
            if not section:
                continue
            title = "Pre-training bias (labels)" if stage.startswith("pre") else "Post-training bias (predictions)"
            lines.append(f"{title}: label {section['label']!r}, positive = {section['label_value_or_threshold']}")
            for facet, groups in section["facets"].items():
                for group in groups:
                    lines.append(f"  facet {facet} = {group['value_or_threshold']} (sensitive group d) vs the rest (a)")
                    for m in group["metrics"]:
                        shown = "-" if m["value"] is None else f"{m['value']:.{digits}f}"
                        note = f"  ({m['error']})" if "error" in m else ""
                        lines.append(f"    {m['name']:<6}{shown:>10}  {m['description']}{note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.table().to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-")


def _json_safe(obj):
    if isinstance(obj, float) and math.isinf(obj):
        return "inf" if obj > 0 else "-inf"
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def _threshold_text(values_or_threshold) -> str:
    if _is_threshold(values_or_threshold):
        return f"(>{values_or_threshold})"
    return ",".join(str(v) for v in _as_list(values_or_threshold, "label_values_or_threshold"))


def _check(frame: pd.DataFrame, data_config: DataConfig, config: BiasConfig):
    if not isinstance(frame, pd.DataFrame):
        raise BiasConfigError(f"the data must be a pandas DataFrame, not {type(frame).__name__}")
    if not isinstance(data_config, DataConfig):
        raise BiasConfigError("pass a DataConfig(label='<label column>') as data_config")
    if not isinstance(config, BiasConfig):
        raise BiasConfigError("pass a BiasConfig(label_values_or_threshold=..., facet_name=...) as bias_config")
    if data_config.headers is not None and list(data_config.headers) != list(frame.columns):
        raise BiasConfigError(f"DataConfig.headers {list(data_config.headers)} differ from the data's columns "
                              f"{list(frame.columns)}: fix headers or leave them out")
    if config.facet_name == data_config.label:
        raise BiasConfigError(f"facet_name and the label are both {config.facet_name!r}: the facet is the "
                              "sensitive column (e.g. sex), the label the outcome")
    label = _need_column(frame, data_config.label, "DataConfig.label")
    facet = _need_column(frame, config.facet_name, "facet_name")
    strata = None if config.group_name is None else _need_column(frame, config.group_name, "group_name").to_numpy()
    y = _positive(label, config, "label_values_or_threshold")
    return y, _facet_groups(facet, config), strata


def _section(data_config, config, groups, metrics, inputs_for) -> dict[str, Any]:
    return {"label": data_config.label,
            "label_value_or_threshold": _threshold_text(config.label_values_or_threshold),
            "facets": {config.facet_name: [
                {"value_or_threshold": name, "metrics": [_entry(m, inputs_for(mask)) for m in metrics]}
                for name, mask in groups]}}


def pre_training_bias(frame: pd.DataFrame, data_config: DataConfig, bias_config: BiasConfig,
                      methods="all") -> BiasReport:
    """Clarify's pre-training metrics on the labels of ``frame`` (rows x columns).

    ``methods``: "all" or a list of names from :data:`PRE_TRAINING` (CDDL needs ``group_name``)."""
    metrics = _chosen(methods, PRE_TRAINING, "pre-training")
    y, groups, strata = _check(frame, data_config, bias_config)
    report = BiasReport()
    report.analysis["pre_training_bias_metrics"] = _section(
        data_config, bias_config, groups, metrics, lambda d: {"d": d, "y": y, "strata": strata})
    return report


def _predicted_positive(predicted, frame, data_config, config, predicted_config) -> np.ndarray:
    series = pd.Series(np.asarray(predicted), name="predicted_label")
    if len(series) != len(frame):
        raise BiasConfigError(f"{len(series)} predictions for {len(frame)} rows: predict every row of the data, "
                              "in its order")
    if series.isna().any():
        raise BiasConfigError(f"{int(series.isna().sum())} prediction(s) are missing: predict every row")
    threshold = None if predicted_config is None else predicted_config.probability_threshold
    if threshold is not None:
        if not pd.api.types.is_numeric_dtype(series) or series.min() < 0 or series.max() > 1:
            raise BiasConfigError("probability_threshold is set but the predictions are not probabilities in [0, 1]: "
                                  "pass probabilities, or leave probability_threshold out for predicted labels")
        return series.to_numpy() > threshold
    return _select(series, config.label_values_or_threshold, "label_values_or_threshold (applied to the predictions)",
                   may_be_empty=True)


def post_training_bias(frame: pd.DataFrame, predicted_label, data_config: DataConfig, bias_config: BiasConfig,
                       *, predicted_label_config: ModelPredictedLabelConfig | None = None, features=None,
                       methods="all") -> BiasReport:
    """Clarify's post-training metrics: the model's ``predicted_label`` (one per row of ``frame``, in the
    label's own values, or probabilities with ``predicted_label_config``) against the labels.

    ``features``: numeric rows x features for the flip test FT (left out, with a note, when ``None``)."""
    metrics = _chosen(methods, POST_TRAINING, "post-training")
    y, groups, strata = _check(frame, data_config, bias_config)
    yhat = _predicted_positive(predicted_label, frame, data_config, bias_config, predicted_label_config)
    if features is not None:
        features = _numeric_features(features, len(frame))
    report = BiasReport()
    report.analysis["post_training_bias_metrics"] = _section(
        data_config, bias_config, groups, metrics,
        lambda d: {"d": d, "y": y, "yhat": yhat, "strata": strata, "features": features})
    return report


def bias_report(frame: pd.DataFrame, data_config: DataConfig, bias_config: BiasConfig, predicted_label=None,
                **post_options) -> BiasReport:
    """Both sections in one report, as a Clarify job run with ``pre_training_methods`` and
    ``post_training_methods`` writes them (post-training only when predictions are given)."""
    report = pre_training_bias(frame, data_config, bias_config)
    if predicted_label is not None:
        post = post_training_bias(frame, predicted_label, data_config, bias_config, **post_options)
        report.analysis["post_training_bias_metrics"] = post.analysis["post_training_bias_metrics"]
    return report
