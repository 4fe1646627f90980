"""SDK v2's ``sagemaker.utils`` names notebooks call to make unique names."""

from __future__ import annotations

import random
import time

_MAX_NAME = 63


def sagemaker_timestamp() -> str:
    """UTC time with milliseconds, ``YYYY-mm-dd-HH-MM-SS-mmm``, as SDK v2's."""
    now = time.time()
    return time.strftime("%Y-%m-%d-%H-%M-%S-{}", time.gmtime(now)).format(f"{int(now * 1000) % 1000:03d}")


def sagemaker_short_timestamp() -> str:
    return time.strftime("%y%m%d-%H%M", time.gmtime())


def name_from_base(base: str, max_length: int = _MAX_NAME, short: bool = False) -> str:
    """``<base>-<timestamp>``, ``base`` cut so the whole fits in ``max_length`` characters."""
    stamp = sagemaker_short_timestamp() if short else sagemaker_timestamp()
    return f"{base[:max_length - len(stamp) - 1]}-{stamp}"


def unique_name_from_base(base: str, max_length: int = _MAX_NAME) -> str:
    """``<base>-<epoch seconds>-<4 random hex>``, as SDK v2's (unique across parallel runs)."""
    suffix = f"{int(time.time())}-{random.randrange(16 ** 4):04x}"
    return f"{base[:max_length - len(suffix) - 1]}-{suffix}"


def base_name_from_image(image: str, default_base_name: str | None = None) -> str:
    """The repository name of an image URI (``.../kmeans:1`` -> ``kmeans``)."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0] if image else ""
    return name or default_base_name or "base-name"
