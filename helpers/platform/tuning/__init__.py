"""Automatic model tuning on the local platform, with SageMaker SDK v3's names.

- :mod:`~helpers.platform.tuning.parameters`: ``ContinuousParameter``, ``IntegerParameter``,
  ``CategoricalParameter``;
- :mod:`~helpers.platform.tuning.tuner`: ``HyperparameterTuner`` (``tune``, ``best_training_job``,
  ``describe``, ``analytics``);
- :mod:`~helpers.platform.tuning.search`: the strategies (optuna samplers) and the early-stopping rule;
- :mod:`~helpers.platform.tuning.runner`: the loop that runs the trials as training jobs;
- :mod:`~helpers.platform.tuning.records`: tuning jobs on disk, ``HyperParameterTuningJob``;
- :mod:`~helpers.platform.tuning.analytics`: ``HyperparameterTuningJobAnalytics`` (the trials' DataFrame);
- :mod:`~helpers.platform.tuning.validation`: bad input refused before any training job;
- the same calls through the real SDK: :mod:`helpers.platform.aws.tuning` (chosen by ``helpers.platform.backend``).

Names load lazily: importing this package imports neither optuna nor pandas.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "HyperparameterTuner": ("helpers.platform.tuning.tuner", "HyperparameterTuner"),
    "ContinuousParameter": ("helpers.platform.tuning.parameters", "ContinuousParameter"),
    "IntegerParameter": ("helpers.platform.tuning.parameters", "IntegerParameter"),
    "CategoricalParameter": ("helpers.platform.tuning.parameters", "CategoricalParameter"),
    "ParameterRange": ("helpers.platform.tuning.parameters", "ParameterRange"),
    "HyperParameterTuningJob": ("helpers.platform.tuning.records", "HyperParameterTuningJob"),
    "HyperparameterTuningJobAnalytics": ("helpers.platform.tuning.analytics", "HyperparameterTuningJobAnalytics"),
    "describe_hyper_parameter_tuning_job": ("helpers.platform.tuning.records", "describe_hyper_parameter_tuning_job"),
    "list_hyper_parameter_tuning_jobs": ("helpers.platform.tuning.records", "list_hyper_parameter_tuning_jobs"),
    "list_training_jobs_for_hyper_parameter_tuning_job": (
        "helpers.platform.tuning.records", "list_training_jobs_for_hyper_parameter_tuning_job"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'helpers.platform.tuning' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
