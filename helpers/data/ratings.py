"""Ratings shaped like MovieLens 100k (943 users x 1,682 items, 100,000 ratings of 1-5 stars, at least
20 per user, density 6.3%, long-tailed item popularity). MovieLens itself may not be redistributed, so
this is drawn from a latent-factor model instead.

Generating process (seeded; published in datasets/README.md):

1. How many items each user rates: 20 + a share of the remaining ratings proportional to
   max(log-normal(0, 1.4) - 0.15, 0) (so some users stop at 20 and a few rate hundreds of items; at
   most 45% of the items), rounded to integers summing exactly to ``n_ratings``.
2. Which items: item popularity ~ log-normal(0, 1.3) (a long tail); each user takes their items by
   weighted sampling without replacement (Gumbel top-k). Items nobody picked are swapped in for one
   item of a heavy user, so every item has at least one rating.
3. The rating: 3.4 + user bias N(0, 0.5) + item bias N(0, 0.45) + 0.2 x standardised log popularity
   (popular items are liked more) + p_u . q_i (8 latent factors, each ~ N(0, 0.42)) + noise N(0, 0.85),
   rounded to the nearest star and clipped to 1-5.
4. When: each user is active for an exponential(30 days) stretch starting uniformly between
   1997-09-20 and 1998-04-22 (MovieLens 100k's window); each rating gets a uniform time in it (Unix seconds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 100
WINDOW = (874_724_710, 893_286_638)  # 1997-09-20 .. 1998-04-22, Unix seconds


def _per_user(rng: np.random.Generator, n_users: int, n_items: int, n_ratings: int, minimum: int) -> np.ndarray:
    extra_total = n_ratings - minimum * n_users
    if extra_total < 0:
        raise ValueError(f"n_ratings={n_ratings} cannot give {n_users} users {minimum} ratings each; "
                         f"ask for at least {minimum * n_users}.")
    weight = np.maximum(rng.lognormal(0.0, 1.4, n_users) - 0.15, 0.0)  # zero: the user stops at the minimum
    cap = int(0.45 * n_items) - minimum
    capped = np.zeros(n_users, dtype=bool)
    while True:  # give capped users the cap and share the rest among the others in proportion
        share = np.where(capped, cap, weight * (extra_total - cap * capped.sum()) / weight[~capped].sum())
        if not (share > cap).any():
            break
        capped |= share > cap
    extra = np.floor(share).astype(np.int64)
    remainder = extra_total - extra.sum()
    # hand out the rounding remainder to the users with the largest fractional parts (deterministic)
    extra[np.argsort(-(share - extra), kind="stable")[:remainder]] += 1
    return minimum + extra


def _cover_every_item(rng: np.random.Generator, chosen: list[np.ndarray], n_items: int) -> None:
    counts = np.bincount(np.concatenate(chosen), minlength=n_items)
    heavy = np.argsort([-len(c) for c in chosen], kind="stable")[:100]
    for item in np.flatnonzero(counts == 0):
        user = heavy[rng.integers(len(heavy))]
        items = chosen[user]
        swappable = np.flatnonzero(counts[items] > 1)
        out = swappable[rng.integers(len(swappable))]
        counts[items[out]] -= 1
        counts[item] += 1
        items[out] = item


def generate(seed: int = SEED, n_users: int = 943, n_items: int = 1682, n_ratings: int = 100_000,
             min_per_user: int = 20, n_factors: int = 8) -> pd.DataFrame:
    """One row per rating, sorted by time. Columns: user_id (1..n_users), item_id (1..n_items),
    rating (1-5 stars), timestamp (Unix seconds)."""
    rng = np.random.default_rng(seed)
    per_user = _per_user(rng, n_users, n_items, n_ratings, min_per_user)
    popularity = rng.lognormal(0.0, 1.3, n_items)
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(n_users, n_items))
    ranked = np.argsort(-keys, axis=1, kind="stable")
    chosen = [ranked[u, : per_user[u]].copy() for u in range(n_users)]
    _cover_every_item(rng, chosen, n_items)

    user = np.repeat(np.arange(n_users), per_user)
    item = np.concatenate(chosen)
    log_pop = np.log(popularity)
    user_bias = rng.normal(0, 0.5, n_users)
    item_bias = rng.normal(0, 0.45, n_items) + 0.2 * (log_pop - log_pop.mean()) / log_pop.std()
    p = rng.normal(0, 0.42, (n_users, n_factors))
    q = rng.normal(0, 0.42, (n_items, n_factors))
    score = 3.4 + user_bias[user] + item_bias[item] + np.einsum("ij,ij->i", p[user], q[item])
    rating = np.clip(np.rint(score + rng.normal(0, 0.85, len(user))), 1, 5).astype(np.int64)

    start = rng.uniform(WINDOW[0], WINDOW[1], n_users)
    length = rng.exponential(30 * 86_400, n_users)
    stop = np.minimum(start + length, WINDOW[1])
    timestamp = (start[user] + rng.random(len(user)) * (stop - start)[user]).astype(np.int64)

    order = np.lexsort((item, user, timestamp))
    return pd.DataFrame({"user_id": user[order] + 1, "item_id": item[order] + 1, "rating": rating[order],
                         "timestamp": timestamp[order]}).astype("int64")
