"""SDK v2's ``sagemaker.pytorch.estimator.PyTorch``: your training script on SageMaker's PyTorch image
(locally: the course environment's CPU torch)."""

from __future__ import annotations

from helpers.platform.errors import warn_ignored
from helpers.platform.v2.estimator import Framework
from helpers.platform.v2.pytorch.model import PyTorchPredictor


class PyTorch(Framework):
    """``PyTorch(entry_point="train.py", framework_version="2.1", py_version="py310", instance_count=1,
    instance_type=..., role=..., source_dir=..., hyperparameters={...})``: ``fit`` runs the script with
    SageMaker's ``SM_*`` environment; ``deploy`` serves it (``model_fn``... in ``inference.py`` or the script)
    and returns a ``PyTorchPredictor`` (numpy in, numpy out). ``distribution`` (multi-instance training) is
    accepted with an ``IgnoredArgumentWarning``: a local job is one process."""

    framework_name = "pytorch"
    predictor_cls = PyTorchPredictor

    def __init__(self, entry_point: str, framework_version: str | None = None, py_version: str | None = None,
                 source_dir: str | None = None, hyperparameters: dict | None = None, image_uri: str | None = None,
                 distribution: dict | None = None, compiler_config=None, **kwargs):
        if image_uri is None and (framework_version is None or py_version is None):
            raise ValueError("PyTorch needs framework_version and py_version (e.g. '2.1', 'py310'), or image_uri "
                             "(SDK v2's rule).")
        warn_ignored("PyTorch", [n for n, v in (("distribution", distribution), ("compiler_config", compiler_config))
                                 if v], "a local job is one process on this machine's CPU")
        super().__init__(entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         framework_version=framework_version, py_version=py_version, image_uri=image_uri, **kwargs)
