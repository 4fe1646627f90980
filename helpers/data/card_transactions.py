"""Card transactions with rare fraud, after the simulator of the Fraud Detection Handbook
(Le Borgne, Siblini, Lebichot and Bontempi, 2022, "Reproducible Machine Learning for Credit Card
Fraud Detection - Practical Handbook", chapter 3), scaled down and with a settable fraud rate.

Generating process (seeded; published in datasets/README.md):

* Customers sit at a random point of a 100 x 100 grid, with a mean amount ~ U(5, 100) (sd = mean / 2)
  and a mean number of transactions per day ~ U(0, 4). Terminals sit at random points too; a
  customer pays at the terminals within distance 5 (the nearest one when none is that close).
* Each day a customer makes Poisson(rate) payments, at a time of day ~ N(12:00, 20,000 s) kept within
  the day, at a terminal drawn uniformly from their reachable ones, of an amount ~ N(mean, sd); an
  amount <= 0 is drawn again ~ U(0, 2 * mean) and genuine amounts are capped at 220.
* Fraud, ``fraud_rate`` of the rows in total, split 20/40/40 between three scenarios:
  1. large amount: a random transaction gets an amount ~ U(220, 1,000) (any amount > 220 is fraud);
  2. compromised terminal: a random terminal from a random day on: every payment there during the next
     28 days is fraud;
  3. compromised card: a random customer from a random day on: a third of their payments during the
     next 14 days are fraud and five times the usual amount.
  Scenarios 2 and 3 compromise one terminal or card at a time until their share is reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 7
START = "2024-04-01"
SECONDS_PER_DAY = 86_400
CAP = 220.0


def _customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    mean_amount = rng.uniform(5, 100, n)
    return {"xy": rng.uniform(0, 100, (n, 2)), "mean_amount": mean_amount, "std_amount": mean_amount / 2,
            "rate": rng.uniform(0, 4, n)}


def _reachable(customer_xy: np.ndarray, terminal_xy: np.ndarray, radius: float) -> list[np.ndarray]:
    distance = np.linalg.norm(customer_xy[:, None, :] - terminal_xy[None, :, :], axis=2)
    return [np.flatnonzero(row < radius) if (row < radius).any() else np.array([row.argmin()]) for row in distance]


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    seconds = rng.normal(SECONDS_PER_DAY / 2, 20_000, n)
    bad = (seconds < 0) | (seconds >= SECONDS_PER_DAY)
    while bad.any():  # redraw the few that fall outside the day
        seconds[bad] = rng.normal(SECONDS_PER_DAY / 2, 20_000, bad.sum())
        bad = (seconds < 0) | (seconds >= SECONDS_PER_DAY)
    return seconds.astype(np.int64)


def _until(target: int, pick) -> None:
    """Call ``pick()`` (which marks rows as fraud and returns how many) until ``target`` rows are marked."""
    marked = 0
    while marked < target:
        marked += pick()


def generate(seed: int = SEED, n_customers: int = 700, n_terminals: int = 1400, n_days: int = 61,
             fraud_rate: float = 0.002, radius: float = 5.0) -> pd.DataFrame:
    """Transactions sorted by time. Columns: transaction_id, tx_datetime, customer_id, terminal_id,
    amount (US dollars), tx_time_days (days since the start), is_fraud (0/1), fraud_scenario
    (0 genuine, 1 large amount, 2 compromised terminal, 3 compromised card).

    ``fraud_rate`` is the share of fraudulent rows (the default 0.2% is close to the 0.17% of the ULB
    card-fraud set); the realised rate overshoots it by at most one compromised terminal or card.
    """
    if not 0 <= fraud_rate < 0.5:
        raise ValueError(f"fraud_rate={fraud_rate} must be in [0, 0.5); the default is 0.002 (0.2%).")
    rng = np.random.default_rng(seed)
    customers = _customers(rng, n_customers)
    terminal_xy = rng.uniform(0, 100, (n_terminals, 2))
    reachable = _reachable(customers["xy"], terminal_xy, radius)

    counts = rng.poisson(np.repeat(customers["rate"][:, None], n_days, axis=1))  # customer x day
    customer = np.repeat(np.arange(n_customers), counts.sum(axis=1))
    day = np.concatenate([np.repeat(np.arange(n_days), row) for row in counts])
    n = len(customer)
    seconds = _time_of_day(rng, n)
    pick = rng.random(n)
    terminal = np.array([reachable[c][int(p * len(reachable[c]))] for c, p in zip(customer, pick)])
    mean, std = customers["mean_amount"][customer], customers["std_amount"][customer]
    amount = rng.normal(mean, std)
    bad = amount <= 0
    amount[bad] = rng.uniform(0, 2 * mean[bad])
    amount = np.clip(amount, 0.01, CAP)  # a card payment of 0.00 is not a payment

    scenario = np.zeros(n, dtype=np.int64)
    target = int(round(fraud_rate * n))
    large = rng.choice(n, int(round(0.2 * target)), replace=False)
    scenario[large] = 1
    amount[large] = rng.uniform(CAP, 1000, len(large))

    def terminal_compromise() -> int:
        t, start = rng.integers(n_terminals), rng.integers(n_days)
        hit = (terminal == t) & (day >= start) & (day < start + 28) & (scenario == 0)
        scenario[hit] = 2
        return int(hit.sum())

    def card_compromise() -> int:
        c, start = rng.integers(n_customers), rng.integers(n_days)
        rows = np.flatnonzero((customer == c) & (day >= start) & (day < start + 14) & (scenario == 0))
        hit = rows[rng.random(len(rows)) < 1 / 3]
        scenario[hit] = 3
        amount[hit] *= 5
        return len(hit)

    _until(int(round(0.4 * target)), terminal_compromise)
    _until(target - int((scenario > 0).sum()), card_compromise)

    order = np.lexsort((customer, seconds, day))
    start = np.datetime64(START, "s")
    when = start + (day[order] * SECONDS_PER_DAY + seconds[order]).astype("timedelta64[s]")
    return pd.DataFrame({
        "transaction_id": np.arange(n, dtype=np.int64),
        "tx_datetime": pd.to_datetime(when).as_unit("us"),
        "customer_id": customer[order].astype(np.int64),
        "terminal_id": terminal[order].astype(np.int64),
        "amount": np.round(amount[order], 2),
        "tx_time_days": day[order].astype(np.int64),
        "is_fraud": (scenario[order] > 0).astype(np.int64),
        "fraud_scenario": scenario[order],
    })
