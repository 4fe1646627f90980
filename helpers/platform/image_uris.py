"""ECR image URIs of SageMaker's built-in algorithms and framework containers, offline.

``retrieve(framework, region, version=None, ...)`` answers what
``sagemaker.core.image_uris.retrieve`` answers for the frameworks the course uses, from a table
(``image_uri_config.json``) copied out of the SageMaker SDK's own config files, so the local
path never imports ``sagemaker``. Regenerate the table after an SDK upgrade with
``python -m helpers.platform.image_uris --regenerate`` (reads the installed sagemaker-core files).

Only the plain CPU/GPU images are covered: Graviton, Neuron, Elastic Inference and HuggingFace
images are out of scope (the SDK itself still answers those on the ``sagemaker`` backend).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from helpers.platform_home import write_atomic

TABLE = Path(__file__).with_name("image_uri_config.json")

#: SageMaker's built-in algorithms, as the SDK names them (also the ECR repository, but for xgboost's).
BUILT_IN_ALGORITHMS = ("linear-learner", "xgboost", "kmeans", "pca", "knn", "factorization-machines",
                       "randomcutforest", "forecasting-deepar")
#: SDK framework name -> the image config file it comes from (the same name). Built-in algorithms first.
FRAMEWORKS = {name: name for name in (*BUILT_IN_ALGORITHMS, "sklearn", "pytorch")}
#: Names learners may type that the SDK spells differently.
ALIASES = {"deepar": "forecasting-deepar", "scikit-learn": "sklearn", "linear_learner": "linear-learner"}

_INSTANCE_FAMILY = re.compile(r"^ml[._]([a-z\d\-]+)\.?\w*$")


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(TABLE, encoding="utf-8") as handle:
        return json.load(handle)


def list_frameworks() -> list[str]:
    """The framework / algorithm names ``retrieve`` knows."""
    return sorted(_table()["frameworks"])


def _options_error(what: str, value, options, fix: str = "") -> ValueError:
    listed = ", ".join(str(o) for o in options)
    return ValueError(f"Unsupported {what}: {value!r}. Supported {what}(s): {listed}.{(' ' + fix) if fix else ''}")


def _scope_config(framework: str, image_scope: str | None) -> dict:
    scopes = _table()["frameworks"][framework]
    if len(scopes) == 1:
        return next(iter(scopes.values()))
    if image_scope is None and set(scopes) == {"training", "inference"} and scopes["training"] == scopes["inference"]:
        return scopes["training"]  # built-in algorithms: one image serves both
    if image_scope is None and framework in ("xgboost", "sklearn"):
        image_scope = "training"  # the SDK's default for these two
    if image_scope not in scopes:
        raise _options_error("image scope", image_scope, sorted(scopes),
                             f"Pass image_scope='training' for a training job (or 'inference' to serve).")
    return scopes[image_scope]


def _parse_version(version: str):
    from packaging.version import Version  # only on the rare "latest version" path

    return Version(version)


def _resolve_version(framework: str, version, config: dict, image_scope: str | None) -> str:
    versions = list(config["versions"])
    aliases = config.get("version_aliases", {})
    if len(versions) == 1 and version not in aliases:
        return versions[0]  # single-version algorithms ignore the version argument, as the SDK does
    if version is None and image_scope is not None:
        version = aliases.get("latest")
        if version is None:
            first, last = versions[0], versions[-1]
            version = first if _parse_version(first) >= _parse_version(last) else last
    if version not in versions and version not in aliases:
        raise _options_error(f"{framework} version", version, versions + list(aliases),
                             f"Pass version=..., e.g. retrieve({framework!r}, region, version={versions[-1]!r}).")
    return version


def _processor(instance_type: str | None, available: list[str] | None) -> str | None:
    if not available:
        return None
    if len(available) == 1 and not instance_type:
        return available[0]
    if not instance_type:
        raise ValueError(
            f"This image comes in {', '.join(available)} flavours: pass instance_type=..., "
            "e.g. instance_type='ml.m5.xlarge' (CPU) or 'ml.g5.xlarge' (GPU)."
        )
    if instance_type.startswith("local"):
        processor = "cpu" if instance_type == "local" else "gpu"
    else:
        match = _INSTANCE_FAMILY.match(instance_type)
        if not match:
            raise ValueError(f"Invalid SageMaker instance type: {instance_type!r}. Expected e.g. 'ml.m5.xlarge'.")
        family = match.group(1)
        if family in available:
            processor = family
        elif family[0] in ("g", "p"):
            processor = "gpu"
        else:
            processor = "cpu"
    if processor not in available:
        raise _options_error("processor", processor, available)
    return processor


def retrieve(framework: str, region: str, version: str | None = None, py_version: str | None = None,
             instance_type: str | None = None, image_scope: str | None = None) -> str:
    """The ECR URI of a SageMaker image, e.g. ``retrieve("linear-learner", "us-east-1")`` ->
    ``"382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"``.

    Same arguments and answers as ``sagemaker.core.image_uris.retrieve`` for the frameworks in
    ``list_frameworks()``: built-in algorithms need only the region; ``xgboost`` and ``sklearn``
    need a version (e.g. ``"1.7-1"``, ``"1.2-1"``); ``pytorch`` needs ``image_scope`` and
    ``instance_type`` (the tag says cpu or gpu).
    """
    name = ALIASES.get(framework, framework)
    table = _table()
    if name not in table["frameworks"]:
        raise _options_error("framework", framework, list_frameworks(),
                             "The built-in algorithms are linear-learner, xgboost, kmeans, pca, knn, "
                             "factorization-machines, randomcutforest, forecasting-deepar.")
    config = _scope_config(name, image_scope)
    version = _resolve_version(name, version, config, image_scope)
    version_config = config["versions"][config.get("version_aliases", {}).get(version, version)]

    py_versions = version_config.get("py_versions")
    if not py_versions:
        py_version = None
    elif py_version is None and len(py_versions) == 1:
        py_version = py_versions[0]
    elif py_version not in py_versions:
        raise _options_error("Python version", py_version, py_versions)

    registries = table["registry_sets"][version_config["registries"]]
    if region not in registries:
        raise _options_error("region", region, sorted(registries))
    hostname = table["hostnames"].get(region, f"ecr.{region}.amazonaws.com")

    processor = _processor(instance_type, config.get("processors") or version_config.get("processors"))
    tag_prefix = version_config.get("tag_prefix", version)
    tag = "-".join(part for part in (tag_prefix, processor, py_version) if part)
    repository = version_config["repository"] + (f":{tag}" if tag else "")
    return f"{registries[region]}.dkr.{hostname}/{repository}"


_ECR_URI = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.[a-z0-9.]+/(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?")


def parse(image_uri: str) -> dict | None:
    """Split an ECR image URI into account, region, repository and tag (None if not ECR)."""
    match = _ECR_URI.match(image_uri or "")
    return match.groupdict() if match else None


# ---------------------------------------------------------------- regeneration (maintainers only)

def regenerate(path: Path = TABLE) -> Path:
    """Rebuild the bundled table from the installed sagemaker-core config files and botocore's
    endpoint data. Reads JSON files only: never imports ``sagemaker``."""
    from importlib.metadata import distribution

    import botocore.loaders
    import botocore.regions

    dist = distribution("sagemaker-core")
    folder = Path(dist.locate_file("sagemaker/core/image_uri_config"))
    resolver = botocore.regions.EndpointResolver(botocore.loaders.create_loader().load_data("endpoints"))
    registry_sets: list[dict] = []
    regions: set[str] = set()

    def registry_index(registries: dict) -> int:
        regions.update(registries)
        if registries not in registry_sets:
            registry_sets.append(registries)
        return registry_sets.index(registries)

    def slim(scope_config: dict) -> dict:
        out = {k: scope_config[k] for k in ("version_aliases", "processors") if k in scope_config}
        out["versions"] = {}
        for version, vc in scope_config["versions"].items():
            entry = {k: v for k, v in vc.items() if k in ("repository", "processors", "py_versions", "tag_prefix")}
            entry["registries"] = registry_index(vc["registries"])
            out["versions"][version] = entry
        return out

    frameworks = {}
    for name, filename in FRAMEWORKS.items():
        config = json.loads((folder / f"{filename}.json").read_text())
        if "scope" in config:  # built-in algorithms: one config shared by training and inference
            shared = slim(config)
            frameworks[name] = {scope: shared for scope in config["scope"]}
        else:
            frameworks[name] = {scope: slim(config[scope]) for scope in ("training", "inference") if scope in config}
    hostnames = {}
    for region in sorted(regions):
        endpoint = resolver.construct_endpoint("ecr", region)
        hostnames[region] = endpoint["hostname"] if endpoint else f"ecr.{region}.amazonaws.com"
    table = {
        "source": f"sagemaker-core {dist.version} sagemaker/core/image_uri_config/*.json",
        "hostnames": hostnames,
        "registry_sets": registry_sets,
        "frameworks": frameworks,
    }
    write_atomic(path, json.dumps(table, indent=1) + "\n", file_mode=None)
    _table.cache_clear()
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--regenerate"]:
        print(f"wrote {regenerate()}")
    else:
        print("usage: python -m helpers.platform.image_uris --regenerate")
