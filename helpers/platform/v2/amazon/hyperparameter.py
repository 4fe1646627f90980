"""SDK v2's ``sagemaker.amazon.hyperparameter.Hyperparameter``: a descriptor that converts, checks and
stores one hyperparameter of a first-party estimator (``kmeans.k = 10``), as SDK v2 does.

Values live in the estimator's ``_hyperparameters`` dict under SageMaker's name (``max_iterations`` is
sent as ``local_lloyd_max_iter``); ``None`` means "not sent". A value the check refuses raises
``ValueError`` naming the hyperparameter and what it expects, as SDK v2 does; the kit's own check of the
algorithm (``FailedStatusError``, "ClientError: ...") still runs when the job starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable


class Hyperparameter:
    """One hyperparameter: ``name`` (SageMaker's), checks ``validate`` (a predicate or several),
    ``validation_message`` (what is expected), ``data_type`` (applied to every value set)."""

    def __init__(self, name: str, validate: Callable | Iterable[Callable] = (), validation_message: str = "",
                 data_type: type = str):
        self.name = name
        self.validation = list(validate) if isinstance(validate, (list, tuple)) else [validate]
        self.validation_message = validation_message
        self.data_type = data_type

    def validate(self, value) -> None:
        """ValueError when a check refuses ``value`` (None is always allowed: it is not sent)."""
        if value is None:
            return
        for check in self.validation:
            if not check(value):
                message = f"Invalid hyperparameter value {value} for {self.name}"
                if self.validation_message:
                    message += f". Expecting: {self.validation_message}"
                raise ValueError(message)

    def _convert(self, value):
        try:
            return self.data_type(value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Invalid hyperparameter value {value!r} for {self.name}: not a "
                             f"{self.data_type.__name__}. Expecting: {self.validation_message or self.data_type.__name__}"
                             ) from error

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        values = obj.__dict__.get("_hyperparameters", {})
        if self.name not in values:
            raise AttributeError(f"hyperparameter {self.name!r} is not set")
        return values[self.name]

    def __set__(self, obj, value) -> None:
        value = None if value is None else self._convert(value)
        self.validate(value)
        obj.__dict__.setdefault("_hyperparameters", {})[self.name] = value

    def __delete__(self, obj) -> None:
        del obj.__dict__["_hyperparameters"][self.name]

    @staticmethod
    def serialize_all(obj) -> dict[str, str]:
        """Every set (non-None) hyperparameter of ``obj`` as SageMaker's strings (lists as JSON)."""
        values = obj.__dict__.get("_hyperparameters", {})
        return {name: json.dumps(value) if isinstance(value, list) else str(value)
                for name, value in values.items() if value is not None}
