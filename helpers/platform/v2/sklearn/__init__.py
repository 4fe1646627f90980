"""SDK v2's ``sagemaker.sklearn``: ``SKLearn`` (script mode on the scikit-learn image), ``SKLearnModel``,
``SKLearnPredictor``."""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.v2.sklearn.estimator": "SKLearn",
    "helpers.platform.v2.sklearn.model": "SKLearnModel SKLearnPredictor",
})
