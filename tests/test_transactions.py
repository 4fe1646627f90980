"""helpers.transactions: payment features known at payment time, checked against a slow loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import transactions


@pytest.fixture
def payments() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    start = np.datetime64("2024-04-01T00:00:00")
    return pd.DataFrame({
        "tx_datetime": pd.to_datetime(start + rng.integers(0, 40 * 86_400, n).astype("timedelta64[s]")),
        "customer_id": rng.integers(0, 12, n),
        "terminal_id": rng.integers(0, 8, n),
        "amount": rng.gamma(2.0, 30.0, n).round(2),
        "is_fraud": (rng.random(n) < 0.1).astype(int),
    }).sample(frac=1.0, random_state=1)  # rows out of time order on purpose


def slow_window(frame, by, column, days, delay_days, i):
    """The definition for row i: same group, time in (t - delay - days, t - delay]."""
    t = frame["tx_datetime"].iloc[i]
    end = t - pd.Timedelta(days=delay_days)
    mask = (frame[by] == frame[by].iloc[i]) & (frame["tx_datetime"] > end - pd.Timedelta(days=days)) & (
        frame["tx_datetime"] <= end)
    return mask.sum(), frame.loc[mask, column].sum()


def test_window_sums_match_the_definition(payments):
    counts, sums = transactions.window_sums(payments["tx_datetime"].to_numpy(), payments["terminal_id"].to_numpy(),
                                            payments["is_fraud"].to_numpy(), days=7, delay_days=7)
    for i in range(0, len(payments), 17):
        count, total = slow_window(payments, "terminal_id", "is_fraud", 7, 7, i)
        assert (counts[i], sums[i]) == (count, total)


def test_payment_features_use_only_the_past(payments):
    features = transactions.payment_features(payments, windows=(1, 7))
    assert features.index.equals(payments.index)
    for i in range(0, len(payments), 23):
        count, total = slow_window(payments, "customer_id", "amount", 7, 0, i)
        assert features["customer_count_7d"].iloc[i] == count >= 1  # the payment itself is in its window
        assert features["customer_mean_amount_7d"].iloc[i] == pytest.approx(total / count)
        count, frauds = slow_window(payments, "terminal_id", "is_fraud", 1, 7, i)
        assert features["terminal_fraud_share_1d"].iloc[i] == pytest.approx(frauds / count if count else 0.0)
    # changing a label changes no feature of a payment made less than delay_days later
    changed = payments.copy()
    first = changed["tx_datetime"].idxmin()
    changed.loc[first, "is_fraud"] = 1 - changed.loc[first, "is_fraud"]
    soon = changed["tx_datetime"] < changed.loc[first, "tx_datetime"] + pd.Timedelta(days=7)
    assert transactions.payment_features(changed, windows=(1, 7))[soon].equals(features[soon])


def test_payment_features_refuse_missing_columns_and_bad_windows(payments):
    with pytest.raises(KeyError, match="'is_fraud'"):
        transactions.payment_features(payments.drop(columns="is_fraud"))
    with pytest.raises(ValueError, match="positive numbers of days"):
        transactions.payment_features(payments, windows=(0, 7))
    with pytest.raises(ValueError, match="same length"):
        transactions.window_sums(np.array(["2024-01-01"], dtype="datetime64[us]"), np.array([1, 2]), np.array([1.0]), days=1)
