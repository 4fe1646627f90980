"""helpers.explain.salary_gap: the messy customers' gender gap found in the labels, in models, and in a proxy."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.explain import salary_gap


@pytest.fixture(scope="module")
def people():
    return salary_gap.customers()


@pytest.fixture(scope="module")
def findings():
    return salary_gap.find_the_gap()


def _without_the_gap():
    """The raw table with every woman's salary raised by 1/0.92, undoing the generator's gap."""
    from helpers import data

    raw = data.load("messy_customers")
    women = raw["sex"].str.strip().str.lower().str[0].eq("f")
    salary = pd.to_numeric(raw["salary"].str.replace(",", "", regex=False), errors="coerce")
    raised = (salary / 0.92).round().astype("Int64").astype("str")
    return raw.assign(salary=raw["salary"].mask(women & salary.notna(), raised))


def test_the_labels_hold_the_gap(people):
    report = salary_gap.label_bias(people)
    shares = people.groupby("sex")["high_salary"].mean()
    assert report.value("DPL") == pytest.approx(shares["M"] - shares["F"])
    assert report.value("DPL") > 0.05                    # women less often above their country's median
    assert abs(report.value("CI")) < 0.05                # ... though both sexes are equally represented
    per_country = people.groupby(["country", "sex"], observed=True)["high_salary"].mean().unstack()
    assert (per_country["M"] > per_country["F"]).sum() >= 4   # in (nearly) every country, not by the mix


def test_a_model_given_sex_repeats_the_gap_and_one_without_it_does_not(findings):
    v = findings.variants
    data_gap = findings.label_report.value("DPL")
    assert v.loc["with sex", "DPPL"] > data_gap               # thresholding a score widens the labels' gap
    assert v.loc["with sex", "DI"] < 0.8                      # below the four-fifths line
    # Women refused where the men of their country closest in age are accepted, net of the reverse.
    assert v.loc["with sex", "FT"] > 0.1 > v.loc["without sex", "FT"]
    assert abs(v.loc["without sex", "DPPL"]) < data_gap / 2
    # Blind to sex, the model still errs by sex: the labels differ, its predictions do not.
    assert v.loc["without sex", "RD"] < v.loc["with sex", "RD"]
    # A first name stands in for sex and brings part of the gap back.
    assert v.loc["without sex, with first name", "DPPL"] > v.loc["without sex", "DPPL"]


def test_the_carriers_name_sex_and_its_proxy(findings):
    carriers = findings.carriers
    assert carriers.loc["with sex"].abs().idxmax() == "sex"
    assert carriers.loc["with sex", "sex"] > 0.3              # log-odds: men scored higher for being men
    assert carriers.loc["without sex, with first name", "first_name"] > 0.05
    proxies = findings.proxies
    assert proxies.loc["first_name", "overall"] > 0.9         # a first name tells the sex
    assert proxies.loc["country", "overall"] < 0.6            # a country does not
    assert proxies.loc["title", "told"] < 0.2                 # a title is rarely typed


def test_the_summary_states_the_figures(findings):
    text = findings.summary()
    assert f"DPL {findings.label_report.value('DPL'):+.3f}" in text
    assert f"DPPL {findings.variants.loc['with sex', 'DPPL']:+.3f}" in text
    assert "first_name tells it right" in text


def test_without_the_gap_in_the_data_there_is_little_to_find(people):
    original = people
    fair = salary_gap.customers(_without_the_gap())
    assert salary_gap.label_bias(fair).value("DPL") < salary_gap.label_bias(original).value("DPL") / 2
    carried = salary_gap.gap_carriers(fair, salary_gap.VARIANTS["with sex"])["sex"]
    assert abs(carried) < salary_gap.gap_carriers(original, salary_gap.VARIANTS["with sex"])["sex"] / 2


def test_the_salary_is_refused_as_an_input(people):
    with pytest.raises(ValueError, match="the salary is the answer"):
        salary_gap.predict_high_salary(people, ["age", "salary"])


def test_the_plot_has_two_cues_and_says_its_figures(findings):
    import matplotlib.pyplot as plt

    from helpers import plots

    fig = salary_gap.plot_predicted_high(findings)
    words = plots.in_words(fig)
    assert "Legend: women, men" in words and "(hatched //)" in words
    assert f"{findings.high_share['F']:.3g} at" in words
    assert f"{findings.variants.loc['with sex', 'predicted high, men']:.3g} at" in words
    plt.close(fig)
