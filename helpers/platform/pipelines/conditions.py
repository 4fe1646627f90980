"""Conditions a ``ConditionStep`` evaluates, named as SageMaker's: ``ConditionGreaterThanOrEqualTo(left,
right)`` and its siblings, ``ConditionNot`` and ``ConditionOr``. Either side may be a run-time value
(a step's metric, a ``JsonGet`` of a report, a parameter)."""

from __future__ import annotations

import operator

from helpers.platform.pipelines import expressions
from helpers.platform.pipelines.expressions import Context


class Condition:
    """Base: ``expr`` (its definition form), ``evaluate(context)`` -> bool, ``step_names()``."""

    def evaluate(self, context: Context) -> bool:
        raise NotImplementedError


def _number_or_value(value):
    """Metric values may arrive as strings ("0.91", e.g. CustomerMetadataProperties): compare them as numbers."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class ConditionComparison(Condition):
    type_name = ""
    compare = staticmethod(operator.eq)

    def __init__(self, left, right):
        self.left = left
        self.right = right

    @property
    def expr(self):
        return {"Type": self.type_name, "LeftValue": expressions.to_json(self.left),
                "RightValue": expressions.to_json(self.right)}

    def step_names(self) -> set[str]:
        return expressions.step_names([self.left, self.right])

    def evaluate(self, context: Context) -> bool:
        left = _number_or_value(expressions.resolve(self.left, context))
        right = _number_or_value(expressions.resolve(self.right, context))
        try:
            return bool(self.compare(left, right))
        except TypeError:
            raise TypeError(f"{self.type_name} cannot compare {left!r} ({type(left).__name__}) with {right!r} "
                            f"({type(right).__name__}): both sides must be numbers (or both strings).") from None


class ConditionEquals(ConditionComparison):
    type_name, compare = "Equals", staticmethod(operator.eq)


class ConditionGreaterThan(ConditionComparison):
    type_name, compare = "GreaterThan", staticmethod(operator.gt)


class ConditionGreaterThanOrEqualTo(ConditionComparison):
    type_name, compare = "GreaterThanOrEqualTo", staticmethod(operator.ge)


class ConditionLessThan(ConditionComparison):
    type_name, compare = "LessThan", staticmethod(operator.lt)


class ConditionLessThanOrEqualTo(ConditionComparison):
    type_name, compare = "LessThanOrEqualTo", staticmethod(operator.le)


class ConditionNot(Condition):
    def __init__(self, expression: Condition):
        self.expression = expression

    @property
    def expr(self):
        return {"Type": "Not", "Expression": self.expression.expr}

    def step_names(self) -> set[str]:
        return self.expression.step_names()

    def evaluate(self, context: Context) -> bool:
        return not self.expression.evaluate(context)


class ConditionOr(Condition):
    def __init__(self, conditions: list[Condition]):
        self.conditions = list(conditions)

    @property
    def expr(self):
        return {"Type": "Or", "Conditions": [c.expr for c in self.conditions]}

    def step_names(self) -> set[str]:
        return set().union(*(c.step_names() for c in self.conditions))

    def evaluate(self, context: Context) -> bool:
        return any(c.evaluate(context) for c in self.conditions)
