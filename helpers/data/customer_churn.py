"""Customer churn: subscribers of a telecom service and whether they left (about 26%).

Shaped like the well-known IBM Telco churn table (which may not be redistributed), drawn afresh.

Generating process (seeded; published in datasets/README.md):

* contract: month-to-month 55%, one year 21%, two year 24%; tenure (months, 0-72) is drawn by
  contract: 1 + an exponential with mean 16 months for month-to-month, uniform on 0-72 for one year,
  72 minus an exponential with mean 15 for two year.
* internet service DSL 34% / fiber optic 44% / none 22%; monthly charges ($) ~ U(18, 26) without
  internet, U(45, 80) with DSL, U(70, 115) with fiber; total charges = monthly x tenure x N(1, 0.03),
  left empty (NaN) for customers in their first month (tenure 0), as in the Telco table.
* gender 50/50, senior citizen 16%, partner 48%, paperless billing 59%, payment method electronic
  check 34% / mailed check 23% / bank transfer 22% / credit card 21%; support calls in the last
  quarter ~ Poisson(0.8, or 1.6 with fiber).
* churn ~ Bernoulli(sigmoid(b + 1.6 [month-to-month] + 0.3 [one year] - 0.035 tenure + 0.7 [fiber]
  + 0.5 [electronic check] + 0.3 [senior] + 0.25 support calls + 0.3 [paperless] - 0.2 [partner])),
  with the intercept b solved so the expected churn rate is ``churn_rate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

SEED = 26


def _pick(rng: np.random.Generator, options: list[str], p: list[float], n: int) -> np.ndarray:
    return np.asarray(options)[rng.choice(len(options), n, p=p)]


def generate(seed: int = SEED, n_rows: int = 7_000, churn_rate: float = 0.26) -> pd.DataFrame:
    """One row per customer. Columns: customer_id, gender, senior_citizen, partner, tenure_months,
    contract, internet_service, payment_method, paperless_billing, monthly_charges ($/month),
    total_charges ($, NaN at tenure 0), support_calls (count, last quarter), churn (bool)."""
    if not 0 < churn_rate < 1:
        raise ValueError(f"churn_rate={churn_rate} must be strictly between 0 and 1; the default is 0.26.")
    rng = np.random.default_rng(seed)
    contract = _pick(rng, ["month-to-month", "one year", "two year"], [0.55, 0.21, 0.24], n_rows)
    tenure = np.select(
        [contract == "month-to-month", contract == "one year"],
        [1 + rng.exponential(16, n_rows), rng.uniform(0, 72, n_rows)],
        72 - rng.exponential(15, n_rows),
    )
    tenure = np.clip(np.floor(tenure), 0, 72).astype(np.int64)
    internet = _pick(rng, ["DSL", "fiber optic", "none"], [0.34, 0.44, 0.22], n_rows)
    low, high = np.select([internet == "none", internet == "DSL"], [18, 45], 70), np.select(
        [internet == "none", internet == "DSL"], [26, 80], 115)
    monthly = np.round(rng.uniform(low, high), 2)
    total = np.round(monthly * tenure * rng.normal(1, 0.03, n_rows), 2)
    total = np.where(tenure == 0, np.nan, total)
    gender = _pick(rng, ["female", "male"], [0.5, 0.5], n_rows)
    senior = rng.random(n_rows) < 0.16
    partner = rng.random(n_rows) < 0.48
    paperless = rng.random(n_rows) < 0.59
    payment = _pick(rng, ["electronic check", "mailed check", "bank transfer", "credit card"],
                    [0.34, 0.23, 0.22, 0.21], n_rows)
    calls = rng.poisson(np.where(internet == "fiber optic", 1.6, 0.8))
    score = (1.6 * (contract == "month-to-month") + 0.3 * (contract == "one year") - 0.035 * tenure
             + 0.7 * (internet == "fiber optic") + 0.5 * (payment == "electronic check") + 0.3 * senior
             + 0.25 * calls + 0.3 * paperless - 0.2 * partner)
    intercept = brentq(lambda b: expit(b + score).mean() - churn_rate, -20, 20)
    churn = rng.random(n_rows) < expit(intercept + score)
    return pd.DataFrame({
        "customer_id": pd.array([f"{i:05d}-{''.join(chr(65 + c) for c in code)}" for i, code in
                                 zip(rng.permutation(100_000)[:n_rows], rng.integers(0, 26, (n_rows, 4)))], dtype="str"),
        "gender": pd.array(gender, dtype="str"), "senior_citizen": senior, "partner": partner,
        "tenure_months": tenure, "contract": pd.array(contract, dtype="str"),
        "internet_service": pd.array(internet, dtype="str"), "payment_method": pd.array(payment, dtype="str"),
        "paperless_billing": paperless, "monthly_charges": monthly, "total_charges": total,
        "support_calls": calls.astype(np.int64), "churn": churn,
    })
