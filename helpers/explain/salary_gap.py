"""Find and explain the bias in the messy customers: women are paid less, and a model learns it.

The table was generated with a deliberate gap (women paid 0.92 times a man of the same country and
age; datasets/README.md), and :mod:`helpers.framing.protected` measured that a salary model given sex
repeats it. Here the same question is asked the way SageMaker Clarify asks it, for a decision:

1. **In the data** (pre-training): the label "high salary" (above the median of one's own country), the
   facet sex, women as the sensitive group: :func:`label_bias`.
2. **In a model's predictions** (post-training): the same label predicted by XGBoost, with sex as an
   input, without it, and without it but with a column that stands in for it (a first name, a title):
   :func:`prediction_bias` (cross-validated predictions, so every figure is on people the model did not
   see in training).
3. **What carries it**: per model, how much of the difference between women's and men's average score
   each input carries (TreeSHAP values averaged by sex, :func:`gap_carriers`), and how well each column
   alone tells a person's sex (:func:`proxy_strength`).

    from helpers.explain import salary_gap
    findings = salary_gap.find_the_gap()
    print(findings.summary())
    findings.variants          # DPPL, DI, AD, RD ... per model
    findings.carriers          # log-odds of the women-men gap carried by each input, per model
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.explain import attributions, bias

__all__ = ["HIGH_SALARY", "VARIANTS", "GapFindings", "plot_predicted_high", "customers", "label_bias", "predict_high_salary",
           "prediction_bias", "lookalike_features", "gap_carriers", "proxy_strength", "find_the_gap", "BIAS_CONFIG", "DATA_CONFIG"]

HIGH_SALARY = "high_salary"
CATEGORICAL = ("country", "sex", "first_name", "title")
# Which inputs each model may see. Age is in every one: salaries rise with experience.
VARIANTS: dict[str, tuple[str, ...]] = {
    "with sex": ("country", "age", "sex"),
    "without sex": ("country", "age"),
    "without sex, with first name": ("country", "age", "first_name"),
    "without sex, with title": ("country", "age", "title"),
}
# Women are the sensitive group d; a positive outcome is a high salary; strata for CDDL: the country.
BIAS_CONFIG = bias.BiasConfig(label_values_or_threshold=[1], facet_name="sex", facet_values_or_threshold=["F"],
                              group_name="country")
DATA_CONFIG = bias.DataConfig(label=HIGH_SALARY)


def customers(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The cleaned customers with a known sex, country and age, one row per person.

    ``frame``: the raw table (default ``data.load("messy_customers")``), cleaned with
    ``helpers.cleaning.clean_customers``. Columns: sex (F/M), country, age (years), first_name and title
    (categories; title "none" when not typed), salary (USD a year) and ``high_salary`` (1 when the salary
    is above the median of the person's own country: countries pay on very different scales, so a
    single threshold would measure the country mix, not the gap)."""
    from helpers import cleaning

    if frame is None:
        from helpers import data

        frame = data.load("messy_customers")
    clean, _ = cleaning.clean_customers(frame)
    people = clean.dropna(subset=["sex", "country", "age"]).reset_index(drop=True)
    out = pd.DataFrame({
        "sex": people["sex"].astype("str"),
        "country": people["country"].astype("category"),
        "age": people["age"].astype("float64"),
        "first_name": people["first_name"].astype("category"),
        "title": people["title"].fillna("none").astype("category"),
        "salary": people["salary"].astype("float64"),
    })
    median = out.groupby("country", observed=True)["salary"].transform("median")
    out[HIGH_SALARY] = (out["salary"] > median).astype("int64")
    return out


def label_bias(people: pd.DataFrame) -> bias.BiasReport:
    """Clarify's pre-training metrics of ``high_salary`` by sex (women: the sensitive group; CDDL by country)."""
    return bias.pre_training_bias(people, DATA_CONFIG, BIAS_CONFIG)


def _inputs(people: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    unknown = [f for f in features if f not in people.columns or f in (HIGH_SALARY, "salary")]
    if unknown:
        raise ValueError(f"inputs {unknown} are not allowed: choose from {[c for c in CATEGORICAL] + ['age']} "
                         "(the salary is the answer, not an input)")
    X = people[list(features)].copy()
    for column in X.columns:
        if column in CATEGORICAL:
            X[column] = X[column].astype("category")
    return X


def _model(seed: int):
    import xgboost as xgb

    return xgb.XGBClassifier(n_estimators=100, max_depth=2, learning_rate=0.1, min_child_weight=5,
                             enable_categorical=True, tree_method="hist", random_state=seed, n_jobs=1)


def predict_high_salary(people: pd.DataFrame, features: Sequence[str], *, folds: int = 5,
                        seed: int = 0) -> np.ndarray:
    """Cross-validated predictions (0/1, one per person) of ``high_salary`` from ``features``: each
    person is predicted by a model trained on the other folds, stratified by sex and label."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X = _inputs(people, features)
    strata = people["sex"].astype(str) + people[HIGH_SALARY].astype(str)
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, strata)
    return cross_val_predict(_model(seed), X, people[HIGH_SALARY], cv=list(split)).astype("int64")


SHOWN = ("DPPL", "DI", "AD", "RD", "SD", "TE", "CDDPL", "FT")


def lookalike_features(people: pd.DataFrame) -> pd.DataFrame:
    """Numeric features for the flip test: age in years and the country one-hot x 100, so that a
    woman's nearest men are always from her own country, then the closest in age."""
    countries = pd.get_dummies(people["country"].astype(str), dtype="float64") * 100
    return pd.concat([people[["age"]], countries], axis=1)


def prediction_bias(people: pd.DataFrame, variants: Mapping[str, Sequence[str]] = VARIANTS, *,
                    seed: int = 0) -> tuple[pd.DataFrame, dict[str, bias.BiasReport]]:
    """Per model variant: accuracy, the share predicted high for women and for men, and Clarify's
    post-training metrics (women: d; the flip test FT compares each woman with the 5 men of her country
    closest in age). Returns (table with one row per variant, the full reports)."""
    rows, reports = {}, {}
    for name, features in variants.items():
        predicted = predict_high_salary(people, features, seed=seed)
        report = bias.post_training_bias(people, predicted, DATA_CONFIG, BIAS_CONFIG,
                                         features=lookalike_features(people))
        women = people["sex"].eq("F").to_numpy()
        rows[name] = {"inputs": ", ".join(features),
                      "accuracy": float((predicted == people[HIGH_SALARY].to_numpy()).mean()),
                      "predicted high, women": float(predicted[women].mean()),
                      "predicted high, men": float(predicted[~women].mean()),
                      **{metric: report.value(metric) for metric in SHOWN}}
        reports[name] = report
    return pd.DataFrame.from_dict(rows, orient="index"), reports


def gap_carriers(people: pd.DataFrame, features: Sequence[str], *, seed: int = 0) -> pd.Series:
    """How much of the difference between men's and women's average score (log-odds of a high salary)
    each input carries: mean SHAP value among men minus among women, per input, for a model trained on
    everyone. The values add up to the whole difference in average score (the base value cancels)."""
    X = _inputs(people, features)
    model = _model(seed).fit(X, people[HIGH_SALARY])
    shap = attributions.shap_values(model, X)
    men = people["sex"].eq("M").to_numpy()
    carried = shap.values[men].mean() - shap.values[~men].mean()
    return carried.rename("men - women, log-odds")


def proxy_strength(people: pd.DataFrame, columns: Sequence[str] = ("first_name", "title", "country", "age")) -> pd.DataFrame:
    """How well each column alone tells a person's sex: guess the commoner sex among the people sharing
    the value (age in 10-year bands; "none" titles count as not telling). Columns: ``told`` (share of
    people whose value points to a sex), ``right`` (share of those guessed right), ``overall`` (share of
    everyone guessed right, a coin flip on the rest: 0.5 is no proxy, 1.0 a perfect one)."""
    out = {}
    sex = people["sex"]
    for column in columns:
        values = (people[column] // 10 * 10).astype("Int64").astype(str) if column == "age" else people[column].astype(str)
        share_women = sex.eq("F").groupby(values).transform("mean")
        tells = share_women.ne(0.5) & values.ne("none") & values.ne("nan")
        guess = np.where(share_women > 0.5, "F", "M")
        right = (guess == sex.to_numpy()) & tells.to_numpy()
        out[column] = {"told": float(tells.mean()),
                       "right": float(right.sum() / tells.sum()) if tells.any() else np.nan,
                       "overall": float((right.sum() + 0.5 * (~tells).sum()) / len(people))}
    return pd.DataFrame.from_dict(out, orient="index")


@dataclass
class GapFindings:
    """Everything :func:`find_the_gap` measured: ``people``, the pre-training ``label_report``, the
    ``variants`` table and their ``reports``, the ``carriers`` (variant x input, log-odds), the
    ``proxies`` table and the ``high_share`` of each sex in the data."""

    people: int
    label_report: bias.BiasReport
    variants: pd.DataFrame
    reports: dict[str, bias.BiasReport]
    carriers: pd.DataFrame
    proxies: pd.DataFrame
    high_share: dict[str, float]  # share of women ("F") and of men ("M") with a high salary, in the data

    def summary(self) -> str:
        """The findings in words, each with its figure."""
        dpl, ci = self.label_report.value("DPL"), self.label_report.value("CI")
        cddl = self.label_report.value("CDDL")
        v = self.variants
        lines = [
            f"In the data ({self.people} customers): women and men are equally represented (CI {ci:+.3f}), but "
            f"women are less often paid above their country's median (DPL {dpl:+.3f}: {self.high_share['F']:.1%} "
            f"of women against {self.high_share['M']:.1%} of men; CDDL by country {cddl:+.3f}).",
        ]
        for name, row in v.iterrows():
            lines.append(f"Model {name}: accuracy {row['accuracy']:.3f}; predicted high for {row['predicted high, women']:.1%} "
                         f"of women and {row['predicted high, men']:.1%} of men (DPPL {row['DPPL']:+.3f}, DI {row['DI']:.3f}, "
                         f"recall difference {row['RD']:+.3f}, flip test {row['FT']:+.3f}).")
        for name, carried in self.carriers.iterrows():
            top = carried.abs().idxmax()
            lines.append(f"What carries the gap in '{name}': {top} ({carried[top]:+.3f} of {carried.sum():+.3f} log-odds).")
        best = self.proxies["overall"].idxmax()
        lines.append(f"The strongest stand-in for sex: {best} tells it right for {self.proxies.loc[best, 'overall']:.1%} "
                     "of people (a coin flip: 50%).")
        return "\n".join(lines)


def find_the_gap(frame: pd.DataFrame | None = None, *, seed: int = 0) -> GapFindings:
    """Run the whole investigation on the messy customers (``frame``: the raw table; default the shipped one)."""
    people = customers(frame)
    label_report = label_bias(people)
    variants, reports = prediction_bias(people, seed=seed)
    carriers = pd.DataFrame({name: gap_carriers(people, features, seed=seed) for name, features in VARIANTS.items()}).T
    shares = people.groupby("sex")[HIGH_SALARY].mean()
    return GapFindings(len(people), label_report, variants, reports, carriers, proxy_strength(people),
                       {sex: float(shares[sex]) for sex in ("F", "M")})


def plot_predicted_high(findings: GapFindings, *, ax=None):
    """Grouped bars: the share of women and of men with a high salary in the data and as each model
    predicts it. Two cues for sex: colour (vermillion women, blue men) and hatching (``//`` women),
    named in the legend; each bar carries its percentage. Text equivalent: ``helpers.plots.in_words(fig)``."""
    import matplotlib.pyplot as plt

    from helpers import plots

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    groups = ["in the data"] + list(findings.variants.index)
    women = [findings.high_share["F"]] + list(findings.variants["predicted high, women"])
    men = [findings.high_share["M"]] + list(findings.variants["predicted high, men"])
    x = np.arange(len(groups))
    width = 0.38
    for offset, shares, label, colour, hatch in [(-width / 2, women, "women", plots.OKABE_ITO["vermillion"], "//"),
                                                 (width / 2, men, "men", plots.OKABE_ITO["blue"], "")]:
        bars = ax.bar(x + offset, shares, width, label=label, color=colour, hatch=hatch, edgecolor="white")
        ax.bar_label(bars, labels=[f"{v:.0%}" for v in shares], fontsize="small")
    ax.set_xticks(x, [g.replace(", ", ",\n") for g in groups], fontsize="small")
    ax.set_ylabel("share with a high salary")
    ax.set_ylim(0, 1)
    ax.set_title("High salary (above the country's median): the data and each model's predictions")
    ax.legend(loc="upper right", fontsize="small")
    return ax.figure
