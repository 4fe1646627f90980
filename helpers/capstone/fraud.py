"""Kit: card-fraud detection (dataset ``card_transactions``), the worked example of notebook 10 as a kit.

One row per payment, in time order. Features are known at payment time (``helpers.transactions``):
the windows follow the statement's history window, and the terminal's fraud share uses only labels
older than the label delay the statement's ``labels`` give ("about a week after the payment": 7 days).
The cost model: a missed fraud is refunded (its amount), a review costs $5; the baseline is today's
rule, review every payment above $220.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from helpers.capstone.framing import Framing, KitError, Vocabulary
from helpers.capstone.kit import DecisionCost, Frame, Kit, columns_for

__all__ = ["FraudKit"]

REVIEW_COST = 5.0  # US dollars per payment an analyst reviews
RULE_AMOUNT = 220.0  # US dollars: today's rule reviews every payment above it
_DELAY = re.compile(r"(\d+|a|one|two|three)\s+(days?|weeks?)", re.IGNORECASE)


def label_delay_days(labels: str) -> int:
    """Days between a payment and its fraud label, from the statement's ``labels`` ("a week after": 7); 7 if unsaid."""
    match = _DELAY.search(labels)
    if not match:
        return 7
    amount = {"a": 1, "one": 1, "two": 2, "three": 3}.get(match.group(1).lower())
    amount = int(match.group(1)) if amount is None else amount
    return amount * (7 if match.group(2).lower().startswith("week") else 1)


class FraudKit(Kit):
    name = "fraud"
    title = "Card fraud: flag payments for review before they are refunded"
    dataset = "card_transactions"
    vocabulary = Vocabulary(
        unit="day",
        targets={"is_fraud": r"is_fraud|fraud|fraudulent"},
        absent_targets={r"chargeback amounts?|money laundering|identity theft|account takeover":
                        "the data marks card-payment fraud only (is_fraud), nothing else."},
        features={"amount": r"amounts?|value|sum paid", "time": r"time|hour|night|weekend|when",
                  "customer history": r"customers?|card(?:holder)?s?|spending|habits?",
                  "terminal history": r"terminals?|shops?|merchants?|stores?"},
        leaks={r"fraud[ _]scenarios?|scenarios?": "fraud_scenario says how the fraud was made, known only after an "
               "investigation",
               r"is_fraud|fraud labels?|chargebacks?|disputes?": "a dispute is the label itself, and it arrives days "
               "after the payment"},
        units={r"days?": 1, r"weeks?": 7, r"months?": 30},
        granularities={"payment": r"(?:per|each|every) (?:card )?payment|payments? as (?:it|they) happens?"},
        default_target="is_fraud", default_horizon=0, default_window=30, max_horizon=0, max_window=30,
        horizon_note="a payment is scored at the moment it is made, before it is approved; the delay that matters is "
                     "the label's, which `labels` gives ('labels arrive about a week after the payment'). Remove the "
                     "horizon from `how`.",
        example_inputs=("amount", "time of the payment", "customer history"),
    )
    cost_model = DecisionCost(miss="amount", false_alarm=REVIEW_COST, hit=REVIEW_COST,
                              names=("missed fraud (refunded)", "review of a genuine payment", "review of a fraud"),
                              baseline_name=f"review every payment above ${RULE_AMOUNT:,.0f}")
    leaky_columns = {"is_fraud": "it is the label", "fraud_scenario": "it says how the fraud was made, known only "
                     "after an investigation"}
    improve_hint = ("with 0.2 % fraud, boosted trees with default settings memorise the few frauds: regularise them "
                    "(shallow trees, a large min_samples_leaf) or start from make_pipeline(StandardScaler(), "
                    "LogisticRegression()); score with predict_proba so the threshold is chosen by cost, and keep the "
                    "terminal's history (its share of fraud) and the customer's habits in `inputs`.")

    def starter_statement(self):
        from helpers.problem import ProblemStatement

        return ProblemStatement(
            title="Flag card fraud for review before it is refunded",
            problem="Fraudulent card payments are noticed only when the cardholder disputes them, days or weeks later.",
            why="Every missed fraud is refunded in full; the bank pays it, and the customer loses trust in the card.",
            how="A classifier (supervised learning) scores each payment as it happens, from the amount and the "
                "customer's and terminal's history over the last 30 days; payments above a threshold go to review.",
            business_metric="Refunds of missed fraud plus $5 per review below $1,000 per week",
            baseline="Today's rule, review every payment above $220, costs about $1,400 per week",
            data_sources=["card payments table (payment switch)", "chargeback records from the disputes team"],
            labels="Fraud confirmed by the disputes team, which arrives about a week after the payment.",
            inputs=["amount", "time of the payment", "customer id and history", "terminal id and history"],
            bias="Fraud patterns move: a compromised terminal can dominate a month and be absent the next; new "
                 "customers and terminals have no history.",
        )

    def _build(self, raw: pd.DataFrame, framing: Framing) -> Frame:
        from helpers.transactions import payment_features

        windows = tuple(sorted({w for w in (1, 7, 30) if w < framing.window} | {framing.window}))
        raw = raw.sort_values("tx_datetime", kind="stable")
        features = payment_features(raw, windows=windows, delay_days=framing.label_delay)
        groups = {
            "amount": ["amount"], "time": ["is_night", "is_weekend"],
            "customer history": [f"customer_{k}_{w}d" for w in windows for k in ("count", "mean_amount")]
                                + ["amount_to_customer_mean"],
            "terminal history": [f"terminal_{k}_{w}d" for w in windows for k in ("count", "fraud_share")],
        }
        context = pd.DataFrame({"amount": raw["amount"], "baseline": (raw["amount"] > RULE_AMOUNT).astype(float)})
        return Frame(X=features[columns_for(groups, framing)], y=raw["is_fraud"].rename("is_fraud"),
                     time=raw["tx_datetime"], context=context, framing=framing)

    def framing(self, statement):
        framing = super().framing(statement)
        delay = label_delay_days(statement.labels)
        if delay < 1:
            raise KitError(f"`labels` says fraud labels arrive after {delay} days: a dispute takes days; say how long, "
                           "e.g. 'about a week after the payment', so the terminal's fraud share uses known labels only.")
        return dataclasses.replace(framing, label_delay=delay)
