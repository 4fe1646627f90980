"""The processes behind the control plane's create calls (``control_api``), ``python -m`` this module.

``train <name>``: start the training job whose CreateTrainingJob request ``control_api`` left in the
job's folder and watch it to the end, as a notebook's ``ModelTrainer.train()`` does (the job's
monitor is this process, detached from the router, so the job outlives a router that stops). SIGTERM
stops the job (``StopTrainingJob``): it ends Stopped, as on SageMaker.

``CreateModel`` / ``CreateEndpoint`` / ``UpdateEndpoint``: read the request (JSON) on stdin, make the
resource with the kit's ``ModelBuilder`` / ``Endpoint`` and print one JSON line,
``{"answer": {...}}`` or ``{"error": {"code": ..., "message": ...}}``. They run here, not in the
router, because the kit's endpoint code starts and registers with the router itself.
"""

from __future__ import annotations

import json
import signal
import sys
import warnings

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


def create_model(params: dict) -> dict:
    from helpers.platform.serving.model_builder import ModelBuilder

    container = params.get("PrimaryContainer") or params["Containers"][0]
    model = ModelBuilder(image_uri=container["Image"], s3_model_data_url=container["ModelDataUrl"],
                         role_arn=params["ExecutionRoleArn"], env_vars=container.get("Environment") or {},
                         ).build(model_name=params["ModelName"])
    return {"ModelArn": model.describe()["ModelArn"]}


def start_endpoint(params: dict, replace: bool) -> dict:
    """CreateEndpoint (``replace=False``) or UpdateEndpoint: the server starts; Describe says Creating
    (Updating) until it answers, then InService, which boto3's ``endpoint_in_service`` waiter polls."""
    from helpers.platform.serving import registry
    from helpers.platform.serving.endpoint import Endpoint

    name = params["EndpointName"]
    Endpoint.create(endpoint_name=name, endpoint_config_name=params["EndpointConfigName"], wait=False,
                    replace=replace)
    return {"EndpointArn": registry.arn("endpoint", name)}


OPERATIONS = {"CreateModel": create_model,
              "CreateEndpoint": lambda params: start_endpoint(params, replace=False),
              "UpdateEndpoint": lambda params: start_endpoint(params, replace=True)}


def main(argv: list[str]) -> int:
    if argv[:1] == ["train"] and len(argv) == 2:
        return train(argv[1])
    if len(argv) != 1 or argv[0] not in OPERATIONS:
        print(f"usage: python -m {__spec__.name if __spec__ else 'control_worker'} train <job name> | "
              f"{' | '.join(OPERATIONS)} < request.json", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # an answer is one JSON line; the kit's warnings concern notebooks
    try:
        result = {"answer": OPERATIONS[argv[0]](json.load(sys.stdin))}
    except (ValueError, KeyError, TypeError, FileNotFoundError) as error:  # the kit's checks name the fix
        result = {"error": {"code": "ValidationException", "message": str(error)}}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
