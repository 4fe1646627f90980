"""The ``/opt/ml`` tree a training container sees, built under a job's folder, and the ``SM_*``
environment SageMaker gives script-mode code.

Layout (SageMaker's "How Amazon SageMaker AI provides training information")::

    opt/ml/input/config/hyperparameters.json   every value a string
    opt/ml/input/config/inputdataconfig.json   {"train": {"ContentType": ..., "TrainingInputMode": "File", ...}}
    opt/ml/input/config/resourceconfig.json    {"current_host": "algo-1", "hosts": [...], ...}
    opt/ml/input/data/<channel>/               the channel's files
    opt/ml/input/data/code/                    script mode: a copy of source_dir (the working directory)
    opt/ml/model/                              packed into model.tar.gz after success
    opt/ml/output/failure                      its text becomes FailureReason
    opt/ml/output/data/                        packed into output.tar.gz

The environment mirrors the SDK v3 container driver (``sm_drivers/scripts/environment.py``) plus the
training toolkit's ``SM_USER_ARGS``/``SM_USER_ENTRY_POINT``; paths point into the job folder instead
of ``/opt/ml`` (code that reads the variables runs unchanged on SageMaker).
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers.platform_home import make_tree_private, private_dir, write_private_text

#: Copy channel files smaller than this; hard-link bigger ones (same disk, no copy time).
LINK_ABOVE_BYTES = 64 * 1024 * 1024


def _under(*parts: str) -> property:
    """A read-only attribute: ``root`` joined with ``parts``."""
    return property(lambda self: self.root.joinpath(*parts))


@dataclass(frozen=True)
class OptMl:
    root: Path

    # The /opt/ml contract's paths, relative to ``root``.
    input_dir = _under("input")
    config_dir = _under("input", "config")
    data_dir = _under("input", "data")
    code_dir = _under("input", "data", "code")
    model_dir = _under("model")
    output_dir = _under("output")
    output_data_dir = _under("output", "data")
    failure_file = _under("output", "failure")

    def channel_dir(self, name: str) -> Path:
        return self.data_dir / name

    def read_config(self, name: str) -> dict:
        with open(self.config_dir / name, encoding="utf-8") as handle:
            return json.load(handle)


def _write_json(path: Path, data) -> None:
    private_dir(path.parent)
    write_private_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def place_file(source: Path, target: Path) -> None:
    """Put one input file into the container tree: copy small files, hard-link big ones."""
    private_dir(target.parent)
    if source.stat().st_size > LINK_ABOVE_BYTES:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another disk, or links not allowed: copy instead
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)  # the job's copy of the data is the owner's only, as the store's is


def copy_source_dir(source_dir: Path, target: Path, ignore_patterns: list[str] | None) -> None:
    patterns = list(ignore_patterns or [])

    def ignore(_folder, names):
        return {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}

    shutil.copytree(source_dir, target, ignore=ignore, dirs_exist_ok=True)
    make_tree_private(target)  # copytree keeps the source's modes


def build(root: Path, *, hyperparameters: dict[str, str], input_data_config: dict[str, dict],
          resource_config: dict) -> OptMl:
    """Create the folders and the three config files; channels are filled by the caller."""
    tree = OptMl(root)
    for folder in (tree.config_dir, tree.data_dir, tree.model_dir, tree.output_data_dir):
        private_dir(folder)
    _write_json(tree.config_dir / "hyperparameters.json", hyperparameters)
    _write_json(tree.config_dir / "inputdataconfig.json", input_data_config)
    _write_json(tree.config_dir / "resourceconfig.json", resource_config)
    for channel in input_data_config:
        private_dir(tree.channel_dir(channel))
    return tree


def resource_config(instance_type: str, instance_count: int) -> dict:
    hosts = [f"algo-{i}" for i in range(1, max(1, instance_count) + 1)]
    return {
        "current_host": "algo-1",
        "current_group_name": "homogeneousCluster",
        "current_instance_type": instance_type,
        "hosts": hosts,
        "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": instance_type,
                             "hosts": hosts}],
        "network_interface_name": "eth0",
    }


def safe_deserialize(value):
    """The SDK driver's rule: a string that parses as JSON becomes that value."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def safe_serialize(value) -> str:
    """The SDK's rule for hyperparameter values: strings as-is, everything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)


def cli_args(hyperparameters: dict[str, str]) -> list[str]:
    """``--name value`` pairs, as SageMaker passes hyperparameters to an entry script."""
    args: list[str] = []
    for key, value in hyperparameters.items():
        args += [f"--{key}", safe_serialize(safe_deserialize(value))]
    return args


def environment(tree: OptMl, *, job_name: str, job_arn: str, hyperparameters: dict[str, str],
                input_data_config: dict[str, dict], resource_config: dict, entry_script: str | None = None,
                user_args: list[str] | None = None) -> dict[str, str]:
    """The ``SM_*`` variables (all strings) for a job's process."""
    channels = list(input_data_config)
    hps = {key: safe_deserialize(value) for key, value in hyperparameters.items()}
    hosts = sorted(resource_config["hosts"])
    num_cpus = os.cpu_count() or 1
    env: dict[str, object] = {
        "TRAINING_JOB_NAME": job_name,
        "TRAINING_JOB_ARN": job_arn,
        "SM_MODEL_DIR": str(tree.model_dir),
        "SM_INPUT_DIR": str(tree.input_dir),
        "SM_INPUT_DATA_DIR": str(tree.data_dir),
        "SM_INPUT_CONFIG_DIR": str(tree.config_dir),
        "SM_OUTPUT_DIR": str(tree.output_dir),
        "SM_OUTPUT_FAILURE": str(tree.failure_file),
        "SM_OUTPUT_DATA_DIR": str(tree.output_data_dir),
        "SM_LOG_LEVEL": 20,
        "SM_MASTER_ADDR": "algo-1",
        "SM_MASTER_PORT": 7777,
        "SM_CHANNELS": channels,
        "SM_HPS": hps,
        "SM_CURRENT_HOST": resource_config["current_host"],
        "SM_CURRENT_INSTANCE_TYPE": resource_config["current_instance_type"],
        "SM_HOSTS": hosts,
        "SM_NETWORK_INTERFACE_NAME": resource_config["network_interface_name"],
        "SM_HOST_COUNT": len(hosts),
        "SM_CURRENT_HOST_RANK": hosts.index(resource_config["current_host"]),
        "SM_NUM_CPUS": num_cpus,
        "SM_NUM_GPUS": 0,
        "SM_NUM_NEURONS": 0,
        "SM_RESOURCE_CONFIG": resource_config,
        "SM_INPUT_DATA_CONFIG": input_data_config,
        "SM_USER_ARGS": user_args or [],
        "FLYWHEEL_OPT_ML": str(tree.root),
    }
    for channel in channels:
        env[f"SM_CHANNEL_{channel.upper()}"] = str(tree.channel_dir(channel))
    for key, value in hps.items():
        env[f"SM_HP_{key.replace('-', '_').upper()}"] = value
    if entry_script:
        env["SM_SOURCE_DIR"] = str(tree.code_dir)
        env["SM_ENTRY_SCRIPT"] = entry_script
        env["SM_USER_ENTRY_POINT"] = entry_script
        env["SM_MODULE_DIR"] = str(tree.code_dir)
    env["SM_TRAINING_ENV"] = {
        "channel_input_dirs": {c: str(tree.channel_dir(c)) for c in channels},
        "current_host": env["SM_CURRENT_HOST"],
        "current_instance_type": env["SM_CURRENT_INSTANCE_TYPE"],
        "hosts": hosts,
        "master_addr": "algo-1",
        "master_port": 7777,
        "hyperparameters": hps,
        "input_data_config": input_data_config,
        "input_config_dir": str(tree.config_dir),
        "input_data_dir": str(tree.data_dir),
        "input_dir": str(tree.input_dir),
        "job_name": job_name,
        "log_level": 20,
        "model_dir": str(tree.model_dir),
        "module_dir": str(tree.code_dir) if entry_script else None,
        "network_interface_name": env["SM_NETWORK_INTERFACE_NAME"],
        "num_cpus": num_cpus,
        "num_gpus": 0,
        "num_neurons": 0,
        "output_data_dir": str(tree.output_data_dir),
        "output_dir": str(tree.output_dir),
        "resource_config": resource_config,
        "user_entry_point": entry_script,
    }
    return {key: safe_serialize(value) for key, value in env.items()}
