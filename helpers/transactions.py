"""Features of card payments that are known at the moment a payment is made.

After the feature engineering of Le Borgne et al., *Reproducible Machine Learning for Credit Card
Fraud Detection - Practical Handbook* (2022), chapter 3, which the ``card_transactions`` generator
also follows:

- the payment itself: amount, at night, at the weekend;
- the customer's habits: number of payments and mean amount over the last 1, 7 and 30 days
  (including this payment), and this amount relative to the 30-day mean;
- the terminal's risk: the share of its payments that turned out to be fraud over 1, 7 and 30 day
  windows that end ``delay_days`` before the payment, because a fraud label arrives late (a
  cardholder disputes a payment days after it). Using labels that were not yet known would leak
  the answer into the inputs.

Every window is computed with sorted keys and ``np.searchsorted``: exact, and fast on 100k rows.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["payment_features", "window_sums"]

_DAY = np.timedelta64(1, "D")
_NEEDED = ("tx_datetime", "customer_id", "terminal_id", "amount", "is_fraud")


def window_sums(
    times: np.ndarray, groups: np.ndarray, values: np.ndarray, *, days: float, delay_days: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many rows of the same group fall in the window, and the sum of their ``values``.

    The window of a row at time t is (t - delay_days - days, t - delay_days], so with
    ``delay_days=0`` it includes the row itself. ``times`` are datetime64 values, ``groups``
    integer ids, ``values`` numbers, all of shape (n,). Returns (counts, sums), each of shape (n,),
    in the input's row order.
    """
    times = np.asarray(times, dtype="datetime64[us]")
    groups = np.asarray(groups)
    values = np.asarray(values, dtype=float)
    if not (times.shape == groups.shape == values.shape) or times.ndim != 1:
        raise ValueError(
            f"times, groups and values must be 1-D and of the same length, got shapes {times.shape}, "
            f"{groups.shape} and {values.shape}: pass three columns of the same table."
        )
    if days <= 0 or delay_days < 0:
        raise ValueError(f"days must be > 0 and delay_days >= 0, got days={days}, delay_days={delay_days}.")
    if times.size == 0:
        return np.zeros(0), np.zeros(0)
    # Sort by (group, time); then a window is a contiguous slice found with searchsorted on
    # (group rank, time) pairs, and a sum over it is a difference of cumulative sums.
    _, rank = np.unique(groups, return_inverse=True)
    micros = (times - times.min()).astype(np.int64)
    order = np.lexsort((micros, rank))
    span = int(micros.max()) + 1
    width = span + int((days + delay_days) * 86_400_000_000) + 1  # keeps every window inside its group
    keys = rank[order].astype(np.int64) * width + micros[order]
    cumulative = np.concatenate([[0.0], np.cumsum(values[order])])
    to_micros = 86_400_000_000
    end = np.searchsorted(keys, keys - int(delay_days * to_micros), side="right")
    start = np.searchsorted(keys, keys - int((delay_days + days) * to_micros), side="right")
    counts = np.empty(len(keys))
    sums = np.empty(len(keys))
    counts[order] = end - start
    sums[order] = cumulative[end] - cumulative[start]
    return counts, sums


def payment_features(
    frame: pd.DataFrame, *, windows: Sequence[int] = (1, 7, 30), delay_days: int = 7
) -> pd.DataFrame:
    """Model inputs for ``card_transactions`` rows (same index, same order; label not included).

    Columns: ``amount`` (US dollars), ``is_night`` (0/1, before 06:00), ``is_weekend`` (0/1), then
    per window w in days: ``customer_count_{w}d`` and ``customer_mean_amount_{w}d`` (US dollars),
    ``terminal_count_{w}d`` and ``terminal_fraud_share_{w}d`` (0..1, 0 when the terminal had no
    payments), the terminal windows ending ``delay_days`` before the payment; and
    ``amount_to_customer_mean`` (this amount / the mean over the longest window).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"payment_features needs the card_transactions DataFrame, got a {type(frame).__name__}.")
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise KeyError(
            f"payment_features: no column {', '.join(map(repr, missing))}; it needs {list(_NEEDED)} "
            "as in data.load('card_transactions')."
        )
    if not windows or any(int(w) <= 0 for w in windows):
        raise ValueError(f"windows must be positive numbers of days, e.g. (1, 7, 30); got {tuple(windows)}.")
    times = frame["tx_datetime"].to_numpy(dtype="datetime64[us]")
    out = pd.DataFrame(index=frame.index)
    out["amount"] = frame["amount"].astype("float64")
    out["is_night"] = (frame["tx_datetime"].dt.hour < 6).astype("int64")
    out["is_weekend"] = (frame["tx_datetime"].dt.day_of_week >= 5).astype("int64")
    customers = frame["customer_id"].to_numpy()
    terminals = frame["terminal_id"].to_numpy()
    for w in windows:
        count, total = window_sums(times, customers, frame["amount"].to_numpy(), days=w)
        out[f"customer_count_{w}d"] = count
        out[f"customer_mean_amount_{w}d"] = total / count  # count >= 1: the window holds the payment itself
        count, frauds = window_sums(times, terminals, frame["is_fraud"].to_numpy(), days=w, delay_days=delay_days)
        out[f"terminal_count_{w}d"] = count
        out[f"terminal_fraud_share_{w}d"] = np.divide(frauds, count, out=np.zeros_like(frauds), where=count > 0)
    out["amount_to_customer_mean"] = out["amount"] / out[f"customer_mean_amount_{max(windows)}d"]
    return out
