"""SDK v2's ``sagemaker.pytorch``: ``PyTorch`` (script mode on the PyTorch images), ``PyTorchModel``,
``PyTorchPredictor``."""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.v2.pytorch.estimator": "PyTorch",
    "helpers.platform.v2.pytorch.model": "PyTorchModel PyTorchPredictor",
})
