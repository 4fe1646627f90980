"""Hosting resources with the SageMaker names: ``Model``, ``ProductionVariant``, ``EndpointConfig``,
``DataCaptureConfig`` (SDK v3: ``sagemaker.core.resources`` / ``sagemaker.core.shapes`` /
``sagemaker.core.model_monitor``).

Locally they are JSON records in the store: ``<home>/models/<name>/model.json`` (the
``DescribeModel`` answer, plus where the artifact and the inference code are) and
``<home>/endpoint-configs/<name>.json``. An endpoint with two variants (A/B testing) is::

    config = EndpointConfig.create(
        endpoint_config_name="churn-ab",
        production_variants=[
            ProductionVariant(variant_name="A", model_name=model_a.model_name, initial_variant_weight=0.8),
            ProductionVariant(variant_name="B", model_name=model_b.model_name, initial_variant_weight=0.2)])
    endpoint = Endpoint.create(endpoint_name="churn-ab", endpoint_config_name="churn-ab")
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from helpers.platform.errors import warn_ignored
from helpers.platform.serving.capture import CaptureSettings
from helpers.platform.serving.registry import arn, check_name, now_iso, read_json, write_json
from helpers.platform_home import endpoint_configs_root as configs_root
from helpers.platform_home import models_root


def described(key: str, doc: str) -> property:
    """A read-only property: ``key`` of a fresh ``self.describe()``, read on every access as the SDK's
    resources do (a status changes while the object lives)."""
    return property(lambda self: self.describe()[key], doc=doc)


class Named:
    """A resource known by name, whose ``describe()`` raises (naming those that exist) when it has none."""

    @classmethod
    def get(cls, *args, **kwargs):
        """The resource the constructor's arguments name, once ``describe()`` has found it."""
        resource = cls(*args, **kwargs)
        resource.describe()
        return resource


# ------------------------------------------------------------------------------------------ Model
@dataclass
class Model(Named):
    """A model record (``CreateModel``): a container image, an artifact, and its inference code."""

    model_name: str

    @classmethod
    def get_all(cls, sort_by: str | None = None, sort_order: str | None = None, name_contains: str | None = None,
                creation_time_before=None, creation_time_after=None, session: Any = None,
                region: str | None = None) -> list["Model"]:
        """Every model record, as ``ListModels``: by name (default) or ``sort_by="CreationTime"``,
        ``sort_order`` "Ascending"/"Descending"; ``name_contains`` and the creation-time bounds
        (datetimes) filter. ``session``/``region`` are accepted with an IgnoredArgumentWarning."""
        warn_ignored("Model.get_all", [n for n, v in (("session", session), ("region", region)) if v is not None],
                     "the local store has one account and region")
        root = models_root()
        if not root.exists():
            return []
        records = [record for p in sorted(root.iterdir()) if (record := read_json(p / "model.json")) is not None]
        if name_contains:
            records = [r for r in records if name_contains.lower() in r["ModelName"].lower()]
        records = [r for r in records if created_within(r, creation_time_after, creation_time_before)]
        key = "CreationTime" if sort_by == "CreationTime" else "ModelName"
        if sort_by not in (None, "Name", "CreationTime") or sort_order not in (None, "Ascending", "Descending"):
            raise ValueError(f"sort_by={sort_by!r}, sort_order={sort_order!r}: use sort_by 'Name' or 'CreationTime' "
                             f"and sort_order 'Ascending' or 'Descending'.")
        records.sort(key=lambda r: r[key], reverse=sort_order == "Descending")
        return [cls(r["ModelName"]) for r in records]

    @property
    def folder(self) -> Path:
        return models_root() / check_name(self.model_name, "model")

    def describe(self) -> dict:
        """``DescribeModel`` (plus a ``Local`` block: algorithm, artifact path, sha256, code)."""
        record = read_json(self.folder / "model.json")
        if record is None:
            existing = [m.model_name for m in Model.get_all()]
            raise ValueError(f"Could not find model \"{self.model_name}\". Existing models: "
                             f"{', '.join(existing) or 'none'}; create one with ModelBuilder(...).build().")
        return record

    model_arn = described("ModelArn", "The model's ARN (str).")
    primary_container = described("PrimaryContainer", "Image, model data URL and environment (dict).")

    def delete(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __repr__(self) -> str:
        return f"Model(model_name={self.model_name!r})"


def created_within(record: dict, after, before, key: str = "CreationTime") -> bool:
    """Whether the record's ``key`` time (ISO 8601) is after ``after`` and before ``before`` (datetimes
    or None; a naive datetime is taken as UTC), as the List* calls' time filters."""
    if after is None and before is None:
        return True
    created = datetime.fromisoformat(str(record.get(key) or record["CreationTime"]).replace("Z", "+00:00"))

    def comparable(bound):
        return bound if bound.tzinfo is not None else bound.replace(tzinfo=timezone.utc)

    return (after is None or created > comparable(after)) and (before is None or created < comparable(before))


def write_model(model_name: str, image: str, model_data_url: str | None, environment: dict,
                local: dict, role_arn: str | None = None) -> Model:
    record = {
        "ModelName": model_name,
        "ModelArn": arn("model", model_name),
        "PrimaryContainer": {"Image": image, "Mode": "SingleModel", "ModelDataUrl": model_data_url,
                             "Environment": {k: str(v) for k, v in (environment or {}).items()}},
        "ExecutionRoleArn": role_arn or f"arn:aws:iam::000000000000:role/flywheel-local",
        "CreationTime": now_iso(),
        "Local": local,
    }
    write_json(models_root() / check_name(model_name, "model") / "model.json", record)
    return Model(model_name)


# ------------------------------------------------------------------------------ DataCaptureConfig
@dataclass
class DataCaptureConfig:
    """What to capture (``sagemaker.core.model_monitor.DataCaptureConfig``'s arguments).

    Args:
        enable_capture: capture at all.
        sampling_percentage: share of invocations captured, 0-100 (SDK default 20).
        destination_s3_uri: where capture files go (default
            ``s3://<default bucket>/model-monitor/data-capture``).
        capture_options: ``["REQUEST", "RESPONSE"]`` (default both).
        csv_content_types / json_content_types: content types recorded as CSV / JSON text; any
            other body is recorded base64-encoded, as on SageMaker.
    """

    enable_capture: bool = True
    sampling_percentage: float = 20
    destination_s3_uri: str | None = None
    kms_key_id: str | None = None
    capture_options: list[str] | None = None
    csv_content_types: list[str] | None = None
    json_content_types: list[str] | None = None
    sagemaker_session: Any = None

    API_MAPPING = {"REQUEST": "Input", "RESPONSE": "Output"}

    def __post_init__(self) -> None:
        if not 0 <= float(self.sampling_percentage) <= 100:
            raise ValueError(f"sampling_percentage={self.sampling_percentage!r}: give a percentage from 0 to 100.")
        options = [o.upper() for o in (self.capture_options or ["REQUEST", "RESPONSE"])]
        unknown = set(options) - set(self.API_MAPPING)
        if unknown or not options:
            raise ValueError(f"capture_options={self.capture_options!r}: use a list of 'REQUEST' and/or 'RESPONSE'.")
        self.capture_options = options
        self.csv_content_types = list(self.csv_content_types or ["text/csv"])
        self.json_content_types = list(self.json_content_types or ["application/json"])
        if self.destination_s3_uri is None:
            from helpers.platform.session import Session

            session = self.sagemaker_session or Session()
            self.destination_s3_uri = f"s3://{session.default_bucket()}/model-monitor/data-capture"

    def _to_request_dict(self) -> dict:
        return {
            "EnableCapture": self.enable_capture,
            "InitialSamplingPercentage": self.sampling_percentage,
            "DestinationS3Uri": self.destination_s3_uri,
            "CaptureOptions": [{"CaptureMode": self.API_MAPPING[o]} for o in self.capture_options],
            "CaptureContentTypeHeader": {"CsvContentTypes": self.csv_content_types,
                                         "JsonContentTypes": self.json_content_types},
        }

    def settings(self) -> CaptureSettings:
        from helpers.platform import storage

        return CaptureSettings(
            destination=storage.s3_to_path(self.destination_s3_uri),
            sampling_percentage=float(self.sampling_percentage),
            capture_input="REQUEST" in self.capture_options,
            capture_output="RESPONSE" in self.capture_options,
            csv_content_types=tuple(t.lower() for t in self.csv_content_types),
            json_content_types=tuple(t.lower() for t in self.json_content_types),
        )

    @classmethod
    def from_request_dict(cls, values: dict | None) -> "DataCaptureConfig | None":
        if not values or not values.get("EnableCapture", True):
            return None
        inverse = {v: k for k, v in cls.API_MAPPING.items()}
        headers = values.get("CaptureContentTypeHeader") or {}
        return cls(enable_capture=True, sampling_percentage=values.get("InitialSamplingPercentage", 20),
                   destination_s3_uri=values.get("DestinationS3Uri"),
                   capture_options=[inverse[o["CaptureMode"]] for o in values.get("CaptureOptions") or []] or None,
                   csv_content_types=headers.get("CsvContentTypes"), json_content_types=headers.get("JsonContentTypes"))


# ---------------------------------------------------------------------- ProductionVariant / config
@dataclass
class ProductionVariant:
    """One model behind an endpoint and its share of the traffic (``sagemaker.core.shapes``)."""

    variant_name: str
    model_name: str
    initial_instance_count: int = 1
    instance_type: str = "ml.m5.large"
    initial_variant_weight: float = 1.0

    def __post_init__(self) -> None:
        check_name(self.variant_name, "variant")
        if not float(self.initial_variant_weight) >= 0:
            raise ValueError(f"variant {self.variant_name!r}: initial_variant_weight must be >= 0.")
        if int(self.initial_instance_count) < 1:
            raise ValueError(f"variant {self.variant_name!r}: initial_instance_count must be at least 1.")

    def to_request(self) -> dict:
        return {"VariantName": self.variant_name, "ModelName": self.model_name,
                "InitialInstanceCount": int(self.initial_instance_count), "InstanceType": self.instance_type,
                "InitialVariantWeight": float(self.initial_variant_weight)}


@dataclass
class EndpointConfig:
    """Variants and data capture for an endpoint (``CreateEndpointConfig``)."""

    endpoint_config_name: str
    production_variants: list[dict] = field(default_factory=list)
    data_capture_config: dict | None = None

    @classmethod
    def create(cls, endpoint_config_name: str, production_variants: list[ProductionVariant],
               data_capture_config: DataCaptureConfig | None = None, tags: list | None = None,
               kms_key_id: str | None = None, async_inference_config: Any = None, explainer_config: Any = None,
               shadow_production_variants: list | None = None, execution_role_arn: str | None = None,
               vpc_config: Any = None, enable_network_isolation: bool | None = None, metrics_config: Any = None,
               session: Any = None, region: str | None = None) -> "EndpointConfig":
        """``CreateEndpointConfig``: the variants (weights, instance settings) and data capture.

        The SDK's other settings (KMS, async and explainer configs, shadow variants, VPC, role, tags,
        session, region) are accepted with an IgnoredArgumentWarning: a local endpoint is one
        real-time server that serves its variants only."""
        warn_ignored("EndpointConfig.create", [name for name, value in (
            ("tags", tags), ("kms_key_id", kms_key_id), ("async_inference_config", async_inference_config),
            ("explainer_config", explainer_config), ("shadow_production_variants", shadow_production_variants),
            ("execution_role_arn", execution_role_arn), ("vpc_config", vpc_config),
            ("enable_network_isolation", enable_network_isolation), ("metrics_config", metrics_config),
            ("session", session), ("region", region)) if value is not None],
            "a local endpoint is one real-time server serving its production variants")
        check_name(endpoint_config_name, "endpoint config")
        if not production_variants:
            raise ValueError("production_variants is empty: give at least one ProductionVariant(...).")
        seen = set()
        for variant in production_variants:
            if variant.variant_name in seen:
                raise ValueError(f"variant name {variant.variant_name!r} is used twice: each variant needs its own name.")
            seen.add(variant.variant_name)
            Model.get(variant.model_name)  # fails early, naming the models that exist
        if sum(float(v.initial_variant_weight) for v in production_variants) <= 0:
            raise ValueError("every variant has weight 0: give at least one variant a positive initial_variant_weight.")
        config = cls(endpoint_config_name, [v.to_request() for v in production_variants],
                     data_capture_config._to_request_dict() if data_capture_config else None)
        write_json(configs_root() / f"{endpoint_config_name}.json", {
            "EndpointConfigName": endpoint_config_name,
            "EndpointConfigArn": arn("endpoint-config", endpoint_config_name),
            "ProductionVariants": config.production_variants,
            "DataCaptureConfig": config.data_capture_config,
            "CreationTime": now_iso(),
        })
        return config

    @classmethod
    def get(cls, endpoint_config_name: str, session: Any = None, region: str | None = None) -> "EndpointConfig":
        warn_ignored("EndpointConfig.get", [n for n, v in (("session", session), ("region", region)) if v is not None],
                     "the local store has one account and region")
        record = read_json(configs_root() / f"{check_name(endpoint_config_name, 'endpoint config')}.json")
        if record is None:
            raise ValueError(f"Could not find endpoint configuration \"{endpoint_config_name}\": create it with "
                             f"EndpointConfig.create(endpoint_config_name=..., production_variants=[...]).")
        return cls(endpoint_config_name, record["ProductionVariants"], record.get("DataCaptureConfig"))

    def describe(self) -> dict:
        """``DescribeEndpointConfig``: name, ARN, variants, data capture, creation time."""
        record = read_json(configs_root() / f"{check_name(self.endpoint_config_name, 'endpoint config')}.json")
        if record is None:
            raise ValueError(f"Could not find endpoint configuration \"{self.endpoint_config_name}\": it was "
                             f"deleted or never created (EndpointConfig.create(...) or ModelBuilder.deploy()).")
        return record

    def refresh(self) -> "EndpointConfig":
        """Re-read the record (the SDK resource's ``refresh``)."""
        current = type(self).get(self.endpoint_config_name)
        self.production_variants, self.data_capture_config = current.production_variants, current.data_capture_config
        return self

    endpoint_config_arn = described("EndpointConfigArn", "The endpoint configuration's ARN (str).")
    creation_time = described("CreationTime", "When it was created (ISO 8601 str, UTC).")

    def delete(self) -> None:
        (configs_root() / f"{self.endpoint_config_name}.json").unlink(missing_ok=True)
