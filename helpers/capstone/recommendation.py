"""Kit: recommendation (dataset ``ratings``: 100,000 star ratings shaped like MovieLens 100k).

One row per rating, in time order: would this user like this item if it were recommended now? Every
feature is computed from the ratings given *before* this one (the user's taste, the item's popularity
so far), so the frame never averages in the rating it predicts. The cost model prices a recommendation
the user dislikes against a liked item left out; the baseline recommends the items rated best so far.
"""

from __future__ import annotations

import pandas as pd

from helpers.capstone.framing import Framing, Vocabulary
from helpers.capstone.kit import DecisionCost, Frame, Kit, columns_for

__all__ = ["RecommendationKit"]

PRIOR_STARS, PRIOR_WEIGHT = 3.5, 5  # a mean of few ratings is pulled towards 3.5 stars, as if 5 more were given
LIKED_STARS = 4  # a rating of 4 or 5 stars is a like
BASELINE_STARS, BASELINE_COUNT = 3.8, 10  # today: recommend items averaging >= 3.8 stars over >= 10 ratings so far
_LEAK = "the rating being predicted (or an average that includes it and later ones) is known only after the user rated"


class RecommendationKit(Kit):
    name = "recommendation"
    title = "Recommendation: show each user items they will like"
    dataset = "ratings"
    vocabulary = Vocabulary(
        unit="rating",
        targets={"like": r"likes?|liked|enjoy(?:s|ed)?|4 or 5 stars|good ratings?|thumbs up",
                 "rating": r"ratings?|stars?"},
        absent_targets={r"watch(?:ing)? time|purchases?|clicks?|revenue|basket": "the data has star ratings only: predict "
                        "whether a user likes an item (4-5 stars) or the stars themselves."},
        features={"user history": r"users?(?:'s?)?|taste|own ratings|rating history|past ratings",
                  "item popularity": r"items?(?:'s?)?|popular(?:ity)?|movies?|films?|products?",
                  "item age": r"age|newness|release|first rated",
                  "time": r"time|weekday|day of (?:the )?week|hour"},
        leaks={r"the rating|this rating|stars? given|its rating|overall (?:average|mean)|(?:average|mean) (?:rating )?"
               r"over all(?: the)? (?:data|ratings)": _LEAK},
        units={r"ratings?": 1},
        granularities={"rating": r"(?:per|each|every) (?:rating|user-item pair|pair|recommendation)"},
        default_target="like", default_horizon=0, default_window=20, max_horizon=0, max_window=500,
        horizon_note="a recommendation is scored at the moment it is shown, from the ratings given before it; remove "
                     "the horizon from `how` (the history window, 'over the last 20 ratings', is what can change).",
        example_inputs=("the user's past ratings", "the item's popularity so far"),
    )
    cost_model = DecisionCost(miss=0.40, false_alarm=0.60, hit=0.0, truth="liked",
                              names=("liked item not recommended (lost engagement)",
                                     "recommended item the user dislikes (annoyance, churn risk)",
                                     "recommended item the user likes"),
                              baseline_name=f"recommend items averaging >= {BASELINE_STARS} stars over "
                                            f">= {BASELINE_COUNT} ratings so far")
    leaky_columns = {"rating": _LEAK, "liked": _LEAK}
    improve_hint = ("a disliked recommendation costs more than a missed like: score likes with predict_proba so the "
                    "threshold is chosen by cost, and combine the user's taste (their mean so far) with the item's "
                    "popularity: the baseline already knows the item.")

    def starter_statement(self):
        from helpers.problem import ProblemStatement

        return ProblemStatement(
            title="Recommend items each user will like",
            problem="The home page shows the same best-sellers to everyone, and many users dislike what they are shown.",
            why="A disliked recommendation costs about $0.60 in lost trust, a liked item never shown $0.40 of engagement.",
            how="A classifier (supervised learning) scores each user-item pair when the page is built, from the user's "
                "taste over the last 20 ratings and the item's popularity so far; the top scores are recommended.",
            business_metric="Cost of bad and missed recommendations below $3,000 per 20,000 ratings",
            baseline="Recommending items averaging 3.8 stars over 10 ratings costs about $3,450 per 20,000 ratings",
            data_sources=["ratings table of the website", "item catalogue"],
            labels="Whether the user liked the item: a rating of 4 or 5 stars, given after using it.",
            inputs=["the user's past ratings", "the item's popularity so far", "item age"],
            bias="Users rate what they chose to watch; heavy raters dominate, and new items have no ratings yet.",
        )

    def _build(self, raw: pd.DataFrame, framing: Framing) -> Frame:
        raw = raw.sort_values("timestamp", kind="stable").reset_index(drop=True)
        stars = raw["rating"].astype(float)
        liked = (raw["rating"] >= LIKED_STARS).astype("int64")
        table = pd.DataFrame(index=raw.index)
        for key, who in (("user_id", "user"), ("item_id", "item")):
            group = stars.groupby(raw[key])
            count = group.cumcount()  # ratings of this user (item) strictly before this one
            total = group.cumsum() - stars
            table[f"{who}_count_before"] = count.astype(float)
            table[f"{who}_mean_before"] = (total + PRIOR_STARS * PRIOR_WEIGHT) / (count + PRIOR_WEIGHT)
            # The mean of the last `window` earlier ratings: a difference of running sums, shifted within the group.
            older = total.groupby(raw[key]).shift(framing.window, fill_value=0.0)
            recent_count = count.clip(upper=framing.window)
            table[f"{who}_mean_last_{framing.window}"] = ((total - older) / recent_count.where(recent_count > 0)
                                                         ).fillna(PRIOR_STARS)
        table["user_like_share_before"] = ((liked.groupby(raw["user_id"]).cumsum() - liked + 0.5)
                                           / (table["user_count_before"] + 1))
        first_seen = raw.groupby("item_id")["timestamp"].transform("min")
        table["item_age_days"] = (raw["timestamp"] - first_seen) / 86_400
        when = pd.to_datetime(raw["timestamp"], unit="s")
        table["weekday"], table["hour"] = when.dt.dayofweek, when.dt.hour
        groups = {"user history": ["user_count_before", "user_mean_before", f"user_mean_last_{framing.window}",
                                   "user_like_share_before"],
                  "item popularity": ["item_count_before", "item_mean_before", f"item_mean_last_{framing.window}"],
                  "item age": ["item_age_days"], "time": ["weekday", "hour"]}
        baseline = (table["item_mean_before"] >= BASELINE_STARS) & (table["item_count_before"] >= BASELINE_COUNT)
        y = liked.rename("liked") if framing.target == "like" else raw["rating"].rename("rating")
        return Frame(X=table[columns_for(groups, framing)].astype(float), y=y, time=raw["timestamp"],
                     context=pd.DataFrame({"liked": liked, "baseline": baseline.astype(float)}), framing=framing)
