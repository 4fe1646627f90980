"""From a training image to the algorithm that runs locally.

A built-in algorithm's ECR URI (``.../linear-learner:1``, ``.../sagemaker-xgboost:1.7-1``) or its bare
name (``"linear-learner"``) selects ``helpers.algorithms.get(name)``; framework images
(``pytorch-training``, ``sagemaker-scikit-learn``) run a learner's script (script mode).

``register(name, "package.module:object")`` adds an algorithm that implements the same interface
(used by tests, and by anyone bringing their own algorithm); registrations travel to job
processes through the ``FLYWHEEL_ALGORITHMS`` environment variable.
"""

from __future__ import annotations

import importlib
import os

from helpers.platform import image_uris

#: ECR repository -> algorithm name in helpers.algorithms (SageMaker's names): a built-in's repository
#: is its SDK name (image_uris), and xgboost's is also "sagemaker-xgboost"; deepar drops "forecasting-".
REPOSITORIES = {
    **{name: {"forecasting-deepar": "deepar"}.get(name, name) for name in image_uris.BUILT_IN_ALGORITHMS},
    "sagemaker-xgboost": "xgboost",
}
#: Framework containers: they run your script (SourceCode), they are not algorithms.
FRAMEWORK_REPOSITORIES = ("pytorch-training", "pytorch-inference", "sagemaker-scikit-learn")
ENV = "FLYWHEEL_ALGORITHMS"


def _extra() -> dict[str, str]:
    pairs = [item.split("=", 1) for item in os.environ.get(ENV, "").split(";") if "=" in item]
    return {name.strip(): target.strip() for name, target in pairs}


def register(name: str, target: str) -> None:
    """Make ``name`` resolve to the object at ``"module:attribute"`` here and in job processes."""
    if ":" not in target:
        raise ValueError(f"register({name!r}, {target!r}): target must look like 'package.module:object'.")
    extra = _extra()
    extra[name] = target
    os.environ[ENV] = ";".join(f"{k}={v}" for k, v in extra.items())


def unregister(name: str) -> None:
    extra = _extra()
    extra.pop(name, None)
    if extra:
        os.environ[ENV] = ";".join(f"{k}={v}" for k, v in extra.items())
    else:
        os.environ.pop(ENV, None)


def available() -> list[str]:
    """Algorithm names the local backend can run."""
    names = set(_extra())
    try:
        from helpers import algorithms
    except ImportError:
        pass
    else:
        names.update(algorithms.names())
    return sorted(names)


def load(name: str):
    """The Algorithm object for ``name`` (registered ones first, then helpers.algorithms)."""
    target = _extra().get(name)
    if target:
        module, _, attribute = target.partition(":")
        obj = getattr(importlib.import_module(module), attribute)
        return obj() if isinstance(obj, type) else obj
    try:
        from helpers import algorithms
    except ImportError:
        raise ValueError(f"Algorithm {name!r} is not available: helpers.algorithms is not installed.") from None
    return algorithms.get(name)


def algorithm_for_image(training_image: str) -> str | None:
    """The algorithm name a training image stands for, or None for a framework (script mode) image.

    Raises ValueError for an image the local backend cannot run, naming what it can run.
    """
    image = (training_image or "").strip()
    if image in _extra() or image in REPOSITORIES.values():
        return image
    if "/" not in image and ":" not in image and image in available():
        return image
    parsed = image_uris.parse(image)
    repository = parsed["repo"] if parsed else image.rsplit("/", 1)[-1].split(":", 1)[0]
    if repository in REPOSITORIES:
        return REPOSITORIES[repository]
    if repository in FRAMEWORK_REPOSITORIES:
        return None
    raise ValueError(
        f"The local backend cannot run the container image {training_image!r}. It runs the built-in "
        f"algorithms ({', '.join(available()) or 'none installed'}) given as "
        "image_uris.retrieve('<algorithm>', region), and your own script with a framework image, e.g. "
        "ModelTrainer(training_image=image_uris.retrieve('sklearn', region, version='1.2-1'), "
        "source_code=SourceCode(source_dir='src', entry_script='train.py'))."
    )
