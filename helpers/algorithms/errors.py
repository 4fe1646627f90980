"""The three ways a built-in algorithm refuses its input, each with a message that names the problem
and the fix.

* :class:`HyperparameterError`: a hyperparameter is unknown, of the wrong type, out of range, or a
  required one is missing. A training job refused for it fails at once with ``ClientError: ...``, and
  ``ModelTrainer.train`` raises ``helpers.platform.errors.HyperparameterError``, which is this class and
  a ``FailedStatusError`` both (what code written for SageMaker catches).
* :class:`DataFormatError`: a training channel is missing, empty, or holds rows SageMaker's CSV format
  does not allow (header, NaN, wrong column count, text); the message names the channel, the file and
  the 1-based row.
* :class:`InferenceError`: an inference request the model cannot answer; ``status_code`` is the HTTP
  status the container returns (400 bad body, 406 unsupported Accept, 415 unsupported Content-Type).
"""

from __future__ import annotations

__all__ = ["HyperparameterError", "DataFormatError", "InferenceError"]


class HyperparameterError(ValueError):
    """A hyperparameter SageMaker would reject; the message names it and its valid values."""


class DataFormatError(ValueError):
    """Training data SageMaker's built-in algorithms cannot read; the message says where and why."""


class InferenceError(ValueError):
    """A request the model cannot answer. ``status_code``: 400, 406 or 415."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.status_code = status_code
