"""SDK v2's ``sagemaker.amazon.validation``: the checks a first-party estimator's hyperparameters run
when they are set (``KMeans(k=1)`` fails at once, before any job): each returns a predicate on the value."""

from __future__ import annotations


def gt(minimum):
    """Value > ``minimum``."""
    return lambda value: value > minimum


def ge(minimum):
    """Value >= ``minimum``."""
    return lambda value: value >= minimum


def lt(maximum):
    """Value < ``maximum``."""
    return lambda value: value < maximum


def le(maximum):
    """Value <= ``maximum``."""
    return lambda value: value <= maximum


def isin(*expected):
    """Value is one of ``expected``."""
    return lambda value: value in expected


def istype(expected):
    """Value is an instance of ``expected``."""
    return lambda value: isinstance(value, expected)
