"""Built-in-style algorithms with SageMaker's names, hyperparameters, data formats, metrics and
response shapes, for the local platform's training jobs and endpoints.

    from helpers import algorithms
    algo = algorithms.get("linear-learner")
    algo.train({"train": Path("data/train")}, {"predictor_type": "binary_classifier", "feature_dim": "30"}, model_dir)
    model = algo.model_fn(model_dir)
    body, content_type = algo.output_fn(algo.predict_fn(algo.input_fn(b"1,2,...", "text/csv"), model), "application/json")

Adding an algorithm is one module with an :class:`~helpers.algorithms.base.Algorithm` subclass and one
line in ``_REGISTRY``. Modules are imported on first use, so ``import helpers.algorithms`` stays light.
"""

from __future__ import annotations

import importlib

from helpers.algorithms.base import Algorithm
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError

__all__ = ["get", "names", "Algorithm", "HyperparameterError", "DataFormatError", "InferenceError"]

# SageMaker name -> "module:class"
_REGISTRY: dict[str, str] = {
    "linear-learner": "helpers.algorithms.linear_learner:LinearLearner",
    "xgboost": "helpers.algorithms.xgb:XGBoost",
    "kmeans": "helpers.algorithms.kmeans:KMeans",
    "pca": "helpers.algorithms.pca:PCA",
    "knn": "helpers.algorithms.knn:KNN",
    "factorization-machines": "helpers.algorithms.factorization_machines:FactorizationMachines",
    "randomcutforest": "helpers.algorithms.random_cut_forest:RandomCutForest",
    "deepar": "helpers.algorithms.deepar:DeepAR",
}

_instances: dict[str, Algorithm] = {}


def names() -> list[str]:
    """SageMaker names of the available algorithms."""
    return list(_REGISTRY)


def get(name: str) -> Algorithm:
    """The algorithm called ``name`` (SageMaker's name, e.g. ``"linear-learner"``)."""
    if name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown algorithm {name!r}.{hint} Available algorithms: {', '.join(_REGISTRY)}.")
    if name not in _instances:
        module_name, _, class_name = _REGISTRY[name].partition(":")
        _instances[name] = getattr(importlib.import_module(module_name), class_name)()
    return _instances[name]
