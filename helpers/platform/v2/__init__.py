"""SDK v2's module paths on the kit: a SageMaker Python SDK v2 (or v1) notebook runs with only its
imports changed::

    import helpers.platform.v2 as sagemaker                 # was: import sagemaker
    from helpers.platform.v2.estimator import Estimator     # was: from sagemaker.estimator import Estimator
    from helpers.platform.v2.amazon.amazon_estimator import get_image_uri

Everything here is built on the kit's public SDK v3 names (``helpers.platform.ModelTrainer``,
``InputData``, ``HyperparameterTuner``, ``ModelBuilder``, ``Endpoint``, ``Transformer``, ``Session``),
so ``use_backend("sagemaker")`` sends the same v2 calls to AWS through the kit's twins (the one exception:
the kit's Transformer has no twin, so ``transformer`` sends CreateTransformJob itself there). Modules:

- ``estimator`` (``Estimator``, ``Framework``), ``inputs`` (``TrainingInput``, v1 ``s3_input``), ``session``
  (``Session``, ``get_execution_role``, ``production_variant``, ``container_def``), ``local`` (``LocalSession``),
  ``image_uris``, ``tuner``, ``parameter``, ``transformer``, ``model``, ``analytics``, ``model_monitor``, ``s3``,
  ``utils``; the script-mode frameworks ``sklearn`` and ``pytorch``;
- ``predictor``, ``serializers``, ``deserializers`` and ``amazon`` (the first-party algorithms, ``record_set``,
  RecordIO-protobuf) for endpoints.

SDK v1's argument names (``train_instance_count``, ``image_name``...) and names (``s3_input``,
``RealTimePredictor``, ``get_image_uri``) work with a DeprecationWarning naming the v2 one. Names load
lazily: ``import helpers.platform.v2`` imports nothing else.
"""

from __future__ import annotations

import importlib

from helpers.platform import lazy

_V2 = "helpers.platform.v2"
#: The submodules, reached as attributes the way ``sagemaker.estimator.Estimator`` reaches them.
SUBMODULES = ("estimator", "inputs", "session", "image_uris", "tuner", "parameter", "transformer", "model", "s3", "utils",
              "analytics", "model_monitor", "sklearn", "pytorch", "local", "predictor", "serializers", "deserializers", "amazon")

_names, _dir_names, _exported = lazy.exports(__name__, {
    f"{_V2}.session": "Session get_execution_role",
    f"{_V2}.local": "LocalSession",
    f"{_V2}.inputs": "TrainingInput s3_input",
    f"{_V2}.estimator": "Estimator",
    f"{_V2}.tuner": "HyperparameterTuner ContinuousParameter IntegerParameter CategoricalParameter",
    f"{_V2}.model": "Model",
    f"{_V2}.transformer": "Transformer",
    f"{_V2}.predictor": "Predictor RealTimePredictor",
    f"{_V2}.analytics": "HyperparameterTuningJobAnalytics TrainingJobAnalytics",
    f"{_V2}.amazon.kmeans": "KMeans KMeansPredictor KMeansModel",
    f"{_V2}.amazon.pca": "PCA PCAPredictor PCAModel",
    f"{_V2}.amazon.linear_learner": "LinearLearner LinearLearnerPredictor LinearLearnerModel",
    f"{_V2}.amazon.factorization_machines": "FactorizationMachines FactorizationMachinesPredictor FactorizationMachinesModel",
    f"{_V2}.amazon.knn": "KNN KNNPredictor KNNModel",
    f"{_V2}.amazon.randomcutforest": "RandomCutForest RandomCutForestPredictor RandomCutForestModel",
})
__all__ = sorted([*_exported, *SUBMODULES])


def __getattr__(name: str):
    if name in SUBMODULES:
        return importlib.import_module(f"{_V2}.{name}")
    return _names(name)


def __dir__() -> list[str]:
    return sorted({*_dir_names(), *SUBMODULES})
