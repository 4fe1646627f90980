"""The processes behind the control plane's create calls (``control_api``), ``python -m`` this module.

``train <name>``: start the training job whose CreateTrainingJob request ``control_api`` left in the
job's folder and watch it to the end, as a notebook's ``ModelTrainer.train()`` does (the job's
monitor is this process, detached from the router, so the job outlives a router that stops). SIGTERM
stops the job (``StopTrainingJob``): it ends Stopped, as on SageMaker.

``transform <name>`` / ``tune <name>``: the same for CreateTransformJob (the kit's ``Transformer``;
SIGTERM: Stopped) and CreateHyperParameterTuningJob (the kit's ``HyperparameterTuner``, this process
its monitor; SIGTERM stops its trials).

``update <endpoint>``: UpdateEndpoint, blue/green: the new configuration's servers start beside the
endpoint's, which serve meanwhile, and the two folders are swapped once the new ones serve.

``CreateModel`` / ``CreateEndpoint``: read the request (JSON) on stdin, make the resource with the kit's
``ModelBuilder`` / ``Endpoint`` and print one JSON line, ``{"answer": {...}}`` or
``{"error": {"code": ..., "message": ...}}``. They run here, not in the router, because the kit's
endpoint code starts and registers with the router itself.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import warnings
from contextlib import contextmanager

STOP_MESSAGE = "StopTrainingJob was called."


def train(name: str) -> int:
    from helpers.platform import jobs
    from helpers.platform.serving.control_api import _trainer_and_channels
    from helpers.platform.serving.registry import read_json

    request = read_json(jobs.job_dir(name) / "create-request.json")
    trainer, channels = _trainer_and_channels(request)
    stop_requested = []

    def stop(*_) -> None:  # StopTrainingJob signals this process (control_api.stop_training_job)
        stop_requested.append(True)  # and again once the job's process runs: a stop before that is a no-op
        run = jobs.active(name)
        if run is not None:
            run.stop(STOP_MESSAGE)

    signal.signal(signal.SIGTERM, stop)
    try:
        job = trainer.start_job(channels, training_job_name=name)
        if stop_requested:
            stop()
        job.wait(logs=False)
    except Exception as error:  # the job's record says how it ended; the worker's log says it too
        print(f"training job {name}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def tune(name: str) -> int:
    """Run the tuning job whose CreateHyperParameterTuningJob request ``control_api`` spooled, as the kit's
    ``HyperparameterTuner(...).tune()`` does: this process is the job's monitor, to the end. SIGTERM
    (StopHyperParameterTuningJob) stops its trials; the job ends Stopped. A request the kit refuses
    before the job exists is left in the spool's ``create-error.json`` for the create call to answer."""
    import shutil

    from helpers.platform.serving.control_api import _tuner_and_channels, _tuning_spool
    from helpers.platform.serving.registry import read_json, write_json
    from helpers.platform.tuning import records

    spool = _tuning_spool(name)  # while it exists, StopHyperParameterTuningJob signals this process
    request = read_json(spool / "create-request.json")
    stop_requested = []

    def stop(*_) -> None:
        stop_requested.append(True)  # and again once the tuning run exists: a stop before that is a no-op
        run = records.active(name)
        if run is not None:
            run.request_stop("StopHyperParameterTuningJob was called.")

    signal.signal(signal.SIGTERM, stop)
    try:
        tuner, channels = _tuner_and_channels(request)
        tuner.tune(inputs=channels, job_name=name, wait=False)
    except Exception as error:  # noqa: BLE001 - the create call answers it as a ValidationException
        write_json(spool / "create-error.json", {"message": str(error)})
        return 1
    if stop_requested:
        stop()
    folder = records.folder(name)
    try:
        tuner.latest_tuning_job.wait()
    except Exception as error:  # noqa: BLE001 - the job's record says how it ended
        print(f"tuning job {name}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.move(spool / "create.log", folder / "create.log")
        shutil.rmtree(spool, ignore_errors=True)
    return 0


class Stopped(BaseException):
    """StopTransformJob was called (SIGTERM): the job ends Stopped. A BaseException, as KeyboardInterrupt,
    so that no ``except Exception`` on the way turns it into a failure."""


def _stop_on_sigterm(*_) -> None:
    raise Stopped("StopTransformJob was called.")


def transform(name: str) -> int:
    """Run the transform job whose CreateTransformJob request is in its folder, as
    ``Transformer(...).transform(...)`` does; its record says how it ended (Completed, Failed, Stopped)."""
    import psutil

    from helpers.platform.serving import processes
    from helpers.platform.serving.control_api import WORKER_FILE
    from helpers.platform.serving.registry import read_json, write_json
    from helpers.platform_home import transform_jobs_root

    folder = transform_jobs_root() / name
    request = read_json(folder / "create-request.json")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    write_json(folder / WORKER_FILE, processes.ProcessRef(os.getpid(), psutil.Process().create_time()).to_dict())
    try:
        _run_transform(name, request)
    except (Exception, Stopped) as error:  # noqa: BLE001 - every way it ends is the job's record
        _record_end(folder, name, request, error)
        print(f"transform job {name}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def _run_transform(name: str, request: dict) -> None:
    """The kit's ``Transformer`` with the request's settings, run to the end."""
    from helpers.platform.serving.control_api import _s3
    from helpers.platform.serving.transform import Transformer

    source, output = request["TransformInput"], request["TransformOutput"]
    processing, resources = request.get("DataProcessing") or {}, request["TransformResources"]
    transformer = Transformer(
        model_name=request["ModelName"], instance_count=resources["InstanceCount"],
        instance_type=resources["InstanceType"], strategy=request.get("BatchStrategy"),
        assemble_with=output.get("AssembleWith"), output_path=_s3(output["S3OutputPath"], "S3OutputPath"),
        accept=output.get("Accept"), max_concurrent_transforms=request.get("MaxConcurrentTransforms"),
        max_payload=request.get("MaxPayloadInMB"), env=request.get("Environment"))
    transformer.transform(
        _s3(source["DataSource"]["S3DataSource"]["S3Uri"], "S3Uri"), content_type=source.get("ContentType"),
        split_type=source.get("SplitType"), job_name=name, input_filter=processing.get("InputFilter"),
        output_filter=processing.get("OutputFilter"), join_source=processing.get("JoinSource"),
        model_client_config=request.get("ModelClientConfig"), logs=True)


def _record_end(folder, name: str, request: dict, error: BaseException) -> None:
    """The job's record, Stopped (StopTransformJob) or Failed with SageMaker's "ClientError: ..." reason;
    a job the transformer refused before it wrote a record gets one (SageMaker creates the job, then fails it)."""
    from helpers.platform.serving.registry import arn, now_iso, read_json, write_json

    record = read_json(folder / "job.json") or {
        "TransformJobName": name, "TransformJobArn": arn("transform-job", name), "ModelName": request["ModelName"],
        "TransformInput": request["TransformInput"], "TransformOutput": request["TransformOutput"],
        "TransformResources": request["TransformResources"], "CreationTime": now_iso()}
    stopped = isinstance(error, Stopped)
    record.update(TransformJobStatus="Stopped" if stopped else "Failed", TransformEndTime=now_iso())
    if stopped:
        record.pop("FailureReason", None)
    else:
        record["FailureReason"] = f"ClientError: {getattr(error, 'description', {}).get('FailureReason') or error}"
    write_json(folder / "job.json", record)


def create_model(params: dict) -> dict:
    from helpers.platform.serving.model_builder import ModelBuilder

    container = params.get("PrimaryContainer") or params["Containers"][0]
    model = ModelBuilder(image_uri=container["Image"], s3_model_data_url=container["ModelDataUrl"],
                         role_arn=params["ExecutionRoleArn"], env_vars=container.get("Environment") or {},
                         ).build(model_name=params["ModelName"])
    return {"ModelArn": model.describe()["ModelArn"]}


def create_endpoint(params: dict) -> dict:
    """CreateEndpoint: the server starts; Describe says Creating until it answers, then InService, which
    boto3's ``endpoint_in_service`` waiter polls."""
    from helpers.platform.serving import registry
    from helpers.platform.serving.endpoint import Endpoint

    name = params["EndpointName"]
    Endpoint.create(endpoint_name=name, endpoint_config_name=params["EndpointConfigName"], wait=False)
    return {"EndpointArn": registry.arn("endpoint", name)}


OPERATIONS = {"CreateModel": create_model, "CreateEndpoint": create_endpoint}

#: Longest the new configuration's servers may take to serve (Endpoint.create's startup timeout).
UPDATE_STARTUP_SECONDS = 120.0
UPDATE_POLL_SECONDS = 0.2
UPDATE_LOG = "update-server.log"  # a failed update's server log, kept in the endpoint's folder


def update(name: str) -> int:
    """UpdateEndpoint's worker (blue/green): start the new configuration's servers in a folder beside the
    endpoint's, the old servers serving meanwhile; once every new one serves, swap the two folders in one
    step (the router then sends invocations to the new servers) and stop the old ones. If the new servers
    fail, they are removed and the endpoint keeps its old configuration, with the FailureReason."""
    import shutil

    import psutil

    from helpers.platform.serving import processes, registry

    live = registry.endpoint_dir(name)
    # not a resource name, so no list or router sees it; and its own, since the servers started there keep
    # its path on their command line (where delete_endpoint and cleanup look for stragglers)
    staged = live.with_name(f".{name}.update-{os.getpid()}")
    plan = registry.read_json(live / registry.UPDATE_FILE) or {}
    plan.update(processes.ProcessRef(os.getpid(), psutil.Process().create_time()).to_dict())
    registry.write_json(live / registry.UPDATE_FILE, plan)
    old = registry.read_record(name)
    with _endpoint_folder(name, staged):
        try:
            instances = _stage(name, plan["EndpointConfigName"], old, staged, live)
            reason = _serving(name, live, instances)
        except Exception as error:  # noqa: BLE001 - every way the update fails is its FailureReason
            reason = f"{type(error).__name__}: {error}"
        if reason is not None and staged.exists():
            if live.is_dir() and (staged / "server.log").exists():  # kept for the learner: why it failed
                shutil.copyfile(staged / "server.log", live / UPDATE_LOG)
            registry.delete_endpoint(name)  # the new servers: their folder is staged here
    if reason is None:
        _switch(live, staged)
        return 0
    print(f"UpdateEndpoint {name}: {reason}", file=sys.stderr)
    if live.is_dir():  # not deleted meanwhile
        registry.write_json(live / registry.UPDATE_FILE, {**plan, "FailureReason": reason})
    return 1


@contextmanager
def _endpoint_folder(name: str, folder):
    """Within the block, the registry's folder of endpoint ``name`` is ``folder``: the kit's
    ``Endpoint.create`` then builds the new configuration's folder and servers there, exactly as it
    builds an endpoint's, and the registry reads their state there (this process only)."""
    from helpers.platform.serving import registry

    original = registry.endpoint_dir
    registry.endpoint_dir = lambda wanted: folder if wanted == name else original(wanted)
    try:
        yield
    finally:
        registry.endpoint_dir = original


def _stage(name: str, config: str, old: dict, staged, live) -> int:
    """Start the servers of endpoint configuration ``config`` in ``staged``; the endpoint's record there
    keeps its creation time and names the log where it will be. Returns how many instances start."""
    from helpers.platform.serving import registry
    from helpers.platform.serving.endpoint import Endpoint

    Endpoint.create(endpoint_name=name, endpoint_config_name=config, wait=False,
                    invocation_timeout_seconds=old["Local"].get("InvocationTimeoutSeconds"))
    record = registry.read_record(name)
    record["CreationTime"] = old.get("CreationTime")
    record["Local"]["LogFile"] = str(live / "server.log")
    registry.write_record(name, record)
    return 1 + len(registry.instance_dirs(name))


def _serving(name: str, live, instances: int) -> str | None:
    """Wait until each of the ``instances`` new servers serves (None), or say why not: one failed,
    the time ran out, or the endpoint was deleted meanwhile."""
    import time

    from helpers.platform.serving import registry

    deadline = time.monotonic() + UPDATE_STARTUP_SECONDS
    while live.is_dir():
        view = registry.describe_endpoint(name)  # the new servers' folder (_endpoint_folder)
        if view["EndpointStatus"] == "Failed":
            return view.get("FailureReason") or "the new configuration's server failed."
        if view["EndpointStatus"] == "InService" and len(registry.running_instances(name)) >= instances:
            return None
        if time.monotonic() > deadline:
            return (f"the new configuration's servers did not serve within {UPDATE_STARTUP_SECONDS:.0f} s; see "
                    f"{live / UPDATE_LOG}.")
        time.sleep(UPDATE_POLL_SECONDS)
    return "the endpoint was deleted during the update."


def _switch(live, staged) -> None:
    """Swap the new servers' folder into the endpoint's place, then stop the old servers (now in ``staged``)."""
    import shutil

    from helpers.platform.serving import processes, registry
    from helpers.platform_home import exchange_folders

    exchange_folders(staged, live)
    for folder in [staged, *sorted((staged / registry.INSTANCES).glob("*"))]:
        processes.stop(processes.ProcessRef.from_dict(registry.read_json(folder / "server.json")))
    shutil.rmtree(staged, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["train"] and len(argv) == 2:
        return train(argv[1])
    if argv[:1] == ["transform"] and len(argv) == 2:
        return transform(argv[1])
    if argv[:1] == ["tune"] and len(argv) == 2:
        return tune(argv[1])
    if argv[:1] == ["update"] and len(argv) == 2:
        return update(argv[1])
    if len(argv) != 1 or argv[0] not in OPERATIONS:
        print(f"usage: python -m {__spec__.name if __spec__ else 'control_worker'} train|transform|tune <job name> | update <endpoint name> | "
              f"{' | '.join(OPERATIONS)} < request.json", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # an answer is one JSON line; the kit's warnings concern notebooks
    try:
        result = {"answer": OPERATIONS[argv[0]](json.load(sys.stdin))}
    except (ValueError, KeyError, TypeError, FileNotFoundError) as error:  # the kit's checks name the fix
        # A quota (the classroom's endpoint limit) answers with SageMaker's code for one: ResourceLimitExceeded.
        code = getattr(error, "aws_code", "ValidationException")
        result = {"error": {"code": code, "message": str(error)}}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    from helpers.platform.serving.processes import args

    raise SystemExit(main(args()))  # the job's name came in the environment: `ps` shows no name
