"""A complete, valid ProblemStatement for the tests of helpers.problem and helpers.architecture."""

from __future__ import annotations

from helpers.problem import ProblemStatement


def good_statement(**changes) -> ProblemStatement:
    """A statement with every field filled in well; ``changes`` replace fields."""
    values = dict(
        title="Cut card-fraud losses",
        problem="Fraudulent card transactions are found weeks later, when the cardholder complains.",
        why="Chargebacks cost the bank about $2.1 million a year and every fraud case annoys a customer.",
        how="A classifier scores each transaction as it happens; supervised learning on past chargebacks.",
        business_metric="Fraud losses below $1.2 million per year with at most 200 blocked good transactions a day",
        baseline="Today's amount rule catches 41% of fraud and costs $2.1 million per year",
        data_sources=["card transactions table", "chargeback records"],
        labels="Chargebacks confirmed by the fraud team, about six weeks after the transaction.",
        inputs=["amount", "terminal id", "time of day"],
        bias="Fraud patterns change; new terminals and customers have little history in the data.",
    )
    values.update(changes)
    return ProblemStatement(**values)
