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

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.tuning.tuner": "HyperparameterTuner",
    "helpers.platform.tuning.parameters": "ContinuousParameter IntegerParameter CategoricalParameter ParameterRange",
    "helpers.platform.tuning.records": (
        "HyperParameterTuningJob describe_hyper_parameter_tuning_job list_hyper_parameter_tuning_jobs "
        "list_training_jobs_for_hyper_parameter_tuning_job"),
    "helpers.platform.tuning.analytics": "HyperparameterTuningJobAnalytics",
})
