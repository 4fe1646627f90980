"""``Endpoint``: a running local endpoint, with the SDK v3 methods (``sagemaker.core.resources.Endpoint``).

``endpoint.invoke(body, content_type, accept)`` goes through botocore's own SageMaker Runtime
client, so the answer (``InvokeEndpointOutput``) and the errors (``ModelError``,
``ValidationError`` as ``botocore.exceptions.ClientError``) are exactly those of AWS.
``endpoint.predict(data)`` is the convenience on top: numpy / pandas / lists in, parsed answer out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from typing import Any

from helpers.platform.backend import Twin, dispatches
from helpers.platform.errors import warn_ignored
from helpers.platform.serving import limits, ports, processes, registry
from helpers.platform.serving.access import auth_headers, store_secret
from helpers.platform.serving.capture import capture_files
from helpers.platform.serving.payload import parse_response, to_request_body
from helpers.platform.serving.resources import (DataCaptureConfig, EndpointConfig, Model, Named, created_within,
                                                described)
from helpers.platform.serving.wire_formats import answer_of, recorded_schema, request_of
from helpers.platform_home import private_dir, write_private_text

DEFAULT_TIMEOUT_ENV = "FLYWHEEL_INVOCATION_TIMEOUT_SECONDS"
_clients: dict[str, Any] = {}


@dataclass
class InvokeEndpointOutput:
    """What ``Endpoint.invoke`` returns (SDK v3 ``sagemaker.core.shapes.InvokeEndpointOutput``).

    ``body`` is a readable stream: ``output.body.read()`` gives the bytes (once).
    """

    body: Any
    content_type: str | None = None
    invoked_production_variant: str | None = None
    custom_attributes: str | None = None


def _client(url: str):
    """A botocore SageMaker Runtime client for ``url`` (fake credentials: the server is local)."""
    client = _clients.get(url)
    if client is None:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client(
            "sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="flywheel-local", aws_secret_access_key="flywheel-local-secret",
            config=Config(retries={"max_attempts": 1}, read_timeout=120, connect_timeout=5))
        from helpers.platform.serving.runtime import guard_client

        guard_client(client)  # it carries the store's secret: never to another user's port
        _clients[url] = client
    return client


def _local_instances(variants: list[dict]) -> int:
    """How many server processes serve the endpoint: the largest ``InitialInstanceCount`` of its variants
    (each local instance serves every variant), at most this machine's CPU cores, which is said."""
    return _capped(max(int(variant["InitialInstanceCount"]) for variant in variants), "initial_instance_count")


def _capped(wanted: int, asked_as: str) -> int:
    cores = os.cpu_count() or 1
    if wanted > cores:
        warnings.warn(f"{asked_as}={wanted}, but this machine has {cores} CPU cores: {cores} local "
                      f"instances (server processes) serve the endpoint, since more would only share the same "
                      f"cores. describe_endpoint reports CurrentInstanceCount={cores} and DesiredInstanceCount="
                      f"{wanted}; on SageMaker each instance is a machine of its own.", RuntimeWarning, stacklevel=5)
    return min(wanted, cores)


def _spawn_instance(folder, number: int) -> None:
    """Start instance ``number`` (2..N): another server process of the same configuration, in its own folder."""
    instance = folder / registry.INSTANCES / str(number)
    private_dir(instance)
    shutil.copyfile(folder / "config.json", instance / "config.json")
    processes.spawn("helpers.platform.serving.server", [str(instance)], instance / "server.log",
                    env={"FLYWHEEL_HOME": str(registry.store_root())})


class Endpoint(Twin, Named):
    """A local endpoint by name. ``Endpoint.get(name)`` checks it exists.

    On the ``sagemaker`` backend, ``Endpoint(name)`` / ``Endpoint.get(name)`` is the AWS endpoint of
    that name (its twin in ``helpers.platform.backend.TWINS``)."""

    #: False on the SageMaker twin, which sends invoke()'s multi-model and component targets to AWS.
    _serves_locally = True

    def __init__(self, endpoint_name: str):
        self.endpoint_name = registry.check_name(endpoint_name)

    # ------------------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, endpoint_name: str, endpoint_config_name: str, wait: bool = True,
               invocation_timeout_seconds: float | None = None, startup_timeout_seconds: float = 120.0,
               replace: bool = False, deployment_config: Any = None, tags: list | None = None,
               session: Any = None, region: str | None = None) -> "Endpoint":
        """Start a server for the endpoint configuration's variants (``CreateEndpoint``).

        Args:
            invocation_timeout_seconds: longest a model may take to answer (SageMaker: 60 s); env
                ``FLYWHEEL_INVOCATION_TIMEOUT_SECONDS`` sets the default.
            startup_timeout_seconds: longest the server may take to load the models.
            replace: stop and replace an existing endpoint of that name (like ``UpdateEndpoint``).
            deployment_config, tags, session, region: the SDK's; accepted with an IgnoredArgumentWarning.
        """
        warn_ignored("Endpoint.create", [n for n, v in (("deployment_config", deployment_config), ("tags", tags),
                                                        ("session", session), ("region", region)) if v is not None],
                     "a local endpoint starts at once, in the local store's one account and region")
        registry.check_name(endpoint_name)
        config = EndpointConfig.get(endpoint_config_name)
        # the limit's check and the new record under one lock (a no-op without FLYWHEEL_MAX_ENDPOINTS)
        with limits.endpoint_slot(endpoint_name):
            if registry.read_record(endpoint_name) is not None:
                if not replace:
                    raise ValueError(
                        f'Cannot create already existing endpoint "{registry.arn("endpoint", endpoint_name)}". '
                        f"Delete it first (Endpoint({endpoint_name!r}).delete()), pick another name, or pass "
                        f"update_endpoint=True to deploy() to replace it.")
                registry.delete_endpoint(endpoint_name)
            timeout = float(invocation_timeout_seconds or os.environ.get(DEFAULT_TIMEOUT_ENV) or 60)
            folder = registry.endpoint_dir(endpoint_name)
            shutil.rmtree(folder, ignore_errors=True)
            private_dir(folder)
            capture = DataCaptureConfig.from_request_dict(config.data_capture_config)
            variants = []
            for variant in config.production_variants:
                variants.append({**variant, "Model": Model.get(variant["ModelName"]).describe()})
            registry.write_json(folder / "config.json", {
                "EndpointName": endpoint_name,
                "Variants": variants,
                "DataCapture": capture.settings().to_dict() if capture else None,
                "InvocationTimeoutSeconds": timeout,
            })
            log_file = folder / "server.log"
            instances = _local_instances(config.production_variants)
            record = {
                "EndpointName": endpoint_name,
                "EndpointArn": registry.arn("endpoint", endpoint_name),
                "EndpointConfigName": endpoint_config_name,
                "ProductionVariants": [{
                    "VariantName": v["VariantName"], "ModelName": v["ModelName"],
                    "CurrentWeight": v["InitialVariantWeight"], "DesiredWeight": v["InitialVariantWeight"],
                    "CurrentInstanceCount": min(v["InitialInstanceCount"], instances),
                    "DesiredInstanceCount": v["InitialInstanceCount"],
                    "InstanceType": v["InstanceType"]} for v in config.production_variants],
                "DataCaptureConfig": ({
                    "EnableCapture": True, "CaptureStatus": "Started",
                    "CurrentSamplingPercentage": config.data_capture_config["InitialSamplingPercentage"],
                    "DestinationS3Uri": config.data_capture_config["DestinationS3Uri"]} if capture else None),
                "CreationTime": registry.now_iso(),
                "Local": {"LogFile": str(log_file), "InvocationTimeoutSeconds": timeout},
            }
            ref = processes.spawn("helpers.platform.serving.server", [str(folder)], log_file,
                                  env={"FLYWHEEL_HOME": str(registry.store_root())})
            # written once, with the pid: describe() never sees an endpoint without its process
            record["Local"].update(SpawnPid=ref.pid, SpawnCreateTime=ref.create_time)
            registry.write_record(endpoint_name, record)
            for number in range(2, instances + 1):
                _spawn_instance(folder, number)

        from helpers.platform.serving.runtime import use_local_runtime

        try:
            # While the server loads its models: one runtime URL for every endpoint, and boto3's
            # sagemaker-runtime client pointed at it, so AWS code runs unchanged.
            use_local_runtime(start=True)
        except RuntimeError as error:  # the endpoint still works on its own URL
            warnings.warn(f"the local SageMaker Runtime did not start ({error}); boto3 cannot reach "
                          f"{endpoint_name} until it does, but Endpoint.invoke() works.", RuntimeWarning)
        endpoint = cls(endpoint_name)
        if wait:
            endpoint.wait_for_status("InService", timeout=startup_timeout_seconds)
            endpoint.wait_for_ping(timeout=startup_timeout_seconds)
            endpoint._wait_for_instances(instances, startup_timeout_seconds)
        return endpoint

    @classmethod
    def get_all(cls, sort_by: str | None = None, sort_order: str | None = None, name_contains: str | None = None,
                creation_time_before=None, creation_time_after=None, last_modified_time_before=None,
                last_modified_time_after=None, status_equals: str | None = None, session: Any = None,
                region: str | None = None) -> list["Endpoint"]:
        """Every local endpoint, as ``ListEndpoints``: newest first unless ``sort_by`` ("Name",
        "CreationTime", "Status") / ``sort_order``; filtered by name, status and time bounds (datetimes)."""
        warn_ignored("Endpoint.get_all", [n for n, v in (("session", session), ("region", region)) if v is not None],
                     "the local store has one account and region")
        keys = {None: "CreationTime", "CreationTime": "CreationTime", "Name": "EndpointName", "Status": "EndpointStatus"}
        if sort_by not in keys or sort_order not in (None, "Ascending", "Descending"):
            raise ValueError(f"sort_by={sort_by!r}, sort_order={sort_order!r}: use sort_by 'Name', 'CreationTime' or "
                             f"'Status' and sort_order 'Ascending' or 'Descending'.")
        summaries = [s for s in registry.list_endpoints()
                     if (not name_contains or name_contains.lower() in s["EndpointName"].lower())
                     and (status_equals is None or s["EndpointStatus"] == status_equals)
                     and created_within(s, creation_time_after, creation_time_before)
                     and created_within(s, last_modified_time_after, last_modified_time_before, "LastModifiedTime")]
        descending = sort_order == "Descending" or (sort_order is None and sort_by in (None, "CreationTime"))
        summaries.sort(key=lambda s: s.get(keys[sort_by]) or "", reverse=descending)
        return [cls(summary["EndpointName"]) for summary in summaries]

    def describe(self) -> dict:
        """``DescribeEndpoint``: status (checked against the server process), variants, capture."""
        return registry.describe_endpoint(self.endpoint_name)

    def refresh(self) -> "Endpoint":
        self.describe()
        return self

    endpoint_status = described("EndpointStatus", "Creating, InService, Failed... (str).")
    endpoint_arn = described("EndpointArn", "The endpoint's ARN (str).")
    production_variants = described("ProductionVariants", "One dict per variant: name, weight, model...")
    endpoint_config_name = described("EndpointConfigName", "The endpoint configuration it runs (str).")

    @property
    def failure_reason(self) -> str | None:
        return self.describe().get("FailureReason")

    @property
    def url(self) -> str:
        """The endpoint server's own address (``/ping``, ``/invocations``)."""
        return self._serving()["Url"]

    def _serving(self) -> dict:
        """The ``Local`` part of ``describe()`` (``Url``, ``Port``, ``Pid``) of an endpoint InService."""
        view = self.describe()
        if view["EndpointStatus"] != "InService":
            raise RuntimeError(f"endpoint {self.endpoint_name} is {view['EndpointStatus']}: "
                               f"{view.get('FailureReason') or 'not serving yet.'}")
        return view["Local"]

    def wait_for_status(self, target_status: str = "InService", timeout: float = 120.0,
                        poll: float = 0.05) -> "Endpoint":
        """Poll ``describe()`` every ``poll`` s until ``target_status``; raise ``FailedStatusError`` if the
        endpoint fails, and what ``_gave_up`` raises after ``timeout`` s."""
        from helpers.platform.errors import FailedStatusError

        deadline = time.monotonic() + timeout
        while True:
            view = self.describe()
            status = view["EndpointStatus"]
            if status == target_status:
                return self
            if status == "Failed":
                self._stop_server()  # it is exiting: reap it
                raise FailedStatusError("Endpoint", "Failed", view.get("FailureReason") or "(Unknown)", view)
            if time.monotonic() > deadline:
                raise self._gave_up(view, timeout)
            time.sleep(poll)

    def _stop_server(self) -> None:
        processes.stop(registry.server_ref(self.endpoint_name))

    def _gave_up(self, view: dict, timeout: float) -> Exception:
        """A server that has not started in time is stopped and the endpoint marked Failed, with why."""
        from helpers.platform.errors import FailedStatusError

        self._stop_server()
        reason = f"the server did not start within {timeout:g} s; see {view['Local'].get('LogFile')}"
        write_private_text(registry.endpoint_dir(self.endpoint_name) / "failure", reason)
        return FailedStatusError("Endpoint", "Failed", reason, view)

    def wait_for_ping(self, timeout: float = 30.0) -> "Endpoint":
        """Wait until ``GET /ping`` answers 200 (the container's health check)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"endpoint {self.endpoint_name} does not answer GET /ping after {timeout:g} s; "
                                   f"see {self.describe()['Local'].get('LogFile')}")
            time.sleep(0.05)

    def update_instance_count(self, instance_count: int, timeout: float = 120.0) -> list[dict]:
        """Run ``instance_count`` instances (``UpdateEndpointWeightsAndCapacities`` with each variant's
        ``DesiredInstanceCount``): start more, or stop the last ones (instance 1 keeps serving). Instances
        that stopped by themselves are replaced. Returns the variants as ``describe()`` shows them."""
        if isinstance(instance_count, bool) or not isinstance(instance_count, int) or instance_count < 1:
            raise ValueError(f"instance_count={instance_count!r}: give a whole number of instances >= 1, e.g. 2")
        if self.describe()["EndpointStatus"] != "InService":
            raise RuntimeError(f"endpoint {self.endpoint_name} is not InService: it cannot change its instances")
        count = _capped(instance_count, "instance_count")
        folder = registry.endpoint_dir(self.endpoint_name)
        running = {state["Url"] for state in registry.running_instances(self.endpoint_name)}
        kept = []
        for instance in registry.instance_dirs(self.endpoint_name):
            state = registry.read_json(instance / "server.json") or {}
            if state.get("Url") in running and len(kept) < count - 1:
                kept.append(instance)
            else:  # one too many, or stopped by itself: stopped (gracefully: captured data is written) and removed
                processes.stop(processes.ProcessRef.from_dict(state))
                shutil.rmtree(instance, ignore_errors=True)
        highest = max((int(instance.name) for instance in kept), default=1)
        for number in range(highest + 1, highest + 1 + count - 1 - len(kept)):
            _spawn_instance(folder, number)
        self._wait_for_instances(count, timeout)
        record = registry.read_record(self.endpoint_name)
        for variant in record["ProductionVariants"]:
            variant["DesiredInstanceCount"] = instance_count
        registry.write_record(self.endpoint_name, record)
        return self.describe()["ProductionVariants"]

    def _wait_for_instances(self, count: int, timeout: float) -> None:
        """Wait until ``count`` instances serve, so ``CurrentInstanceCount`` is true when deploy returns;
        an instance that could not start is said (the others serve)."""
        if count < 2:
            return
        folders = registry.instance_dirs(self.endpoint_name)
        started = processes.wait_until(
            lambda: all((f / "server.json").exists() or (f / "failure").exists() for f in folders), timeout)
        failed = [f for f in folders if (f / "failure").exists() or not (f / "server.json").exists()]
        if failed or not started:
            warnings.warn(f"endpoint {self.endpoint_name}: {len(failed)} of {count} instances did not start; "
                          f"see {', '.join(str(f / 'server.log') for f in failed)}", RuntimeWarning, stacklevel=3)

    def delete(self) -> None:
        """Stop the server and remove the endpoint (``DeleteEndpoint``). Captured data is kept."""
        registry.delete_endpoint(self.endpoint_name)

    # ------------------------------------------------------------------------------ inference
    def _runtime_client(self):
        """The sagemaker-runtime client invoke() sends through: the endpoint server's own Runtime
        path, with the store's secret as the URL's path prefix (see helpers.platform.serving.access), once
        the server's port is known to be ours (see helpers.platform.serving.ports)."""
        local = self._serving()
        ports.check(local["Port"], local.get("Pid"))
        return _client(f"{local['Url']}/{store_secret()}")

    def invoke(self, body: bytes | str, content_type: str | None = None, accept: str | None = None,
               custom_attributes: str | None = None, target_model: str | None = None,
               target_variant: str | None = None, target_container_hostname: str | None = None,
               inference_id: str | None = None, enable_explanations: str | None = None,
               inference_component_name: str | None = None, session_id: str | None = None,
               session: Any = None, region: str | None = None) -> InvokeEndpointOutput:
        """``InvokeEndpoint``: raises ``botocore.exceptions.ClientError`` (``ModelError``, ...) as AWS does.

        Multi-model, multi-container, explainer, inference-component and stateful-session targets
        (and ``session``/``region``) are accepted with an IgnoredArgumentWarning: one local server
        serves the endpoint's variants."""
        targets = (("TargetModel", target_model), ("TargetContainerHostname", target_container_hostname),
                   ("EnableExplanations", enable_explanations), ("InferenceComponentName", inference_component_name),
                   ("SessionId", session_id))
        unused = [n for n, v in (("session", session), ("region", region)) if v is not None]
        if self._serves_locally:
            unused += [re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() for key, value in targets if value is not None]
        warn_ignored("Endpoint.invoke", unused, "one local server serves the endpoint's variants")
        args: dict[str, Any] = {"EndpointName": self.endpoint_name, "Body": body}
        for key, value in (("ContentType", content_type), ("Accept", accept),
                           ("CustomAttributes", custom_attributes), ("TargetVariant", target_variant),
                           ("InferenceId", inference_id), *targets):
            if value is not None:
                args[key] = value
        answer = self._runtime_client().invoke_endpoint(**args)
        return InvokeEndpointOutput(
            body=answer["Body"], content_type=answer.get("ContentType"),
            invoked_production_variant=answer.get("InvokedProductionVariant"),
            custom_attributes=answer.get("CustomAttributes"))

    def predict(self, data: Any, accept: str | None = None, content_type: str | None = None,
                target_variant: str | None = None) -> Any:
        """Send ``data`` (array, DataFrame, list of rows, dict, or str/bytes) and parse the answer.

        Arrays and tables go as CSV rows (no header); a dict goes as JSON. The answer is parsed by
        its content type: JSON -> Python objects, CSV -> a numpy array (1-D for one column). A model
        built with a SchemaBuilder is sent and read in its formats instead, however the endpoint was reached.
        """
        schema = recorded_schema(self.endpoint_name, target_variant) if self._serves_locally else None
        if schema is not None:
            return self._predict_with(schema, data, accept, content_type, target_variant)
        body, sent_type = to_request_body(data, content_type)
        answer = self.invoke(body, content_type=sent_type, accept=accept, target_variant=target_variant)
        return parse_response(answer.body.read(), answer.content_type)

    def _predict_with(self, schema, data: Any, accept: str | None, content_type: str | None,
                      target_variant: str | None) -> Any:
        """``data`` sent in a SchemaBuilder's input format, the answer read as its sample output; explicit
        ``content_type`` / ``accept`` win. ``Endpoint.invoke``, since LocalEndpoint's takes payloads."""
        body, sent_type, wanted = request_of(schema, data)
        answer = Endpoint.invoke(self, body, content_type=content_type or sent_type, accept=accept or wanted,
                                 target_variant=target_variant)
        return answer_of(schema, answer.body.read(), answer.content_type)

    # ------------------------------------------------------------------------------- local extras
    def _admin(self, path: str, payload: dict | None = None, server: dict | None = None) -> dict:
        """GET (or POST ``payload`` to) ``path`` of ``server`` (``Url``, ``Port``, ``Pid``; default the
        endpoint's first instance), once its port is known to be ours."""
        data = None if payload is None else json.dumps(payload).encode()
        headers = {**auth_headers(), "Content-Type": "application/json"}
        server = server or self._serving()
        ports.check(server["Port"], server.get("Pid"))
        request = urllib.request.Request(server["Url"] + path, data=data, headers=headers,
                                         method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def _instances(self) -> list[dict]:
        """``Url``, ``Port`` and ``Pid`` of each instance that serves (one for an endpoint of one instance)."""
        instances = self.describe()["Local"].get("Instances")
        return instances or [self._serving()]

    def _admin_all(self, path: str, payload: dict | None = None) -> list[dict]:
        return [self._admin(path, payload, server) for server in self._instances()]

    def metrics(self) -> list[dict]:
        """Per-variant counts since start: Invocations, Invocation4XXErrors / 5XX, ModelLatency (µs);
        summed over the endpoint's instances (latency: their mean, weighted by answered requests)."""
        answers = [answer["Variants"] for answer in self._admin_all("/_flywheel/metrics")]
        return answers[0] if len(answers) == 1 else _sum_metrics(answers)

    def instance_metrics(self) -> list[list[dict]]:
        """:meth:`metrics` of each instance on its own, instance 1 first."""
        return [answer["Variants"] for answer in self._admin_all("/_flywheel/metrics")]

    def update_weights(self, weights: dict[str, float]) -> list[dict]:
        """Shift traffic between variants (``UpdateEndpointWeightsAndCapacities``), e.g. {"A": 0, "B": 1}."""
        try:
            answers = self._admin_all("/_flywheel/weights", {k: float(v) for k, v in weights.items()})
            variants = answers[0]["Variants"]  # every instance has the same weights now
        except urllib.error.HTTPError as error:
            raise ValueError(json.loads(error.read()).get("Message")) from None
        record = registry.read_record(self.endpoint_name)
        current = {v["VariantName"]: v["CurrentWeight"] for v in variants}
        for variant in record["ProductionVariants"]:
            variant["CurrentWeight"] = variant["DesiredWeight"] = current[variant["VariantName"]]
        registry.write_record(self.endpoint_name, record)
        return variants

    def flush_capture(self) -> int:
        """Write captured invocations to their files now (the server does it every half second)."""
        return sum(answer["Flushed"] for answer in self._admin_all("/_flywheel/flush", {}))

    def capture_files(self, variant: str | None = None) -> list:
        """Local paths of this endpoint's capture files (flushed first)."""
        capture = self.describe().get("DataCaptureConfig")
        if not capture:
            return []
        if self.describe()["EndpointStatus"] == "InService":
            self.flush_capture()
        from helpers.platform import storage

        return capture_files(storage.s3_to_path(capture["DestinationS3Uri"]), self.endpoint_name, variant)

    def __repr__(self) -> str:
        return f"Endpoint(endpoint_name={self.endpoint_name!r})"


@dispatches
def list_endpoints() -> list[dict]:
    """Summaries of every endpoint (name, status, times), newest first: local, or SageMaker's."""
    return registry.list_endpoints()


@dispatches
def describe_endpoint(endpoint_name: str) -> dict:
    return registry.describe_endpoint(endpoint_name)


@dispatches
def delete_endpoint(endpoint_name: str) -> None:
    """Delete the endpoint (on SageMaker also its endpoint config and model, so nothing is left billed)."""
    registry.delete_endpoint(endpoint_name)


def _sum_metrics(answers: list[list[dict]]) -> list[dict]:
    """Per-variant metrics of several instances as one: counts summed, ModelLatency weighted by answers."""
    merged = []
    for variants in zip(*answers):
        total = {**variants[0]}
        for key in ("Invocations", "Invocation4XXErrors", "Invocation5XXErrors"):
            total[key] = sum(variant[key] for variant in variants)
        answered = [(variant["Invocations"] - variant["Invocation4XXErrors"] - variant["Invocation5XXErrors"],
                     variant["ModelLatency"]) for variant in variants if variant["ModelLatency"] is not None]
        count = sum(ok for ok, _ in answered)
        total["ModelLatency"] = round(sum(ok * latency for ok, latency in answered) / count, 1) if count else None
        merged.append(total)
    return merged
