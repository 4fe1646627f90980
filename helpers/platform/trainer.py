"""``ModelTrainer``: SageMaker SDK v3's training entry point, run on the local platform.

Same constructor arguments as ``sagemaker.train.ModelTrainer`` and the same
``train(input_data_config=[InputData(...)], wait=True, logs=True)``. The training image picks the
mode: a built-in algorithm's image (``image_uris.retrieve("linear-learner", region)``) runs that
algorithm from ``helpers.algorithms``; a framework image with ``source_code=SourceCode(...)`` runs
your script with SageMaker's ``SM_*`` environment (script mode).

Everything that can be checked before a job starts is checked first (hyperparameters against the
algorithm's schema, channels present and non-empty), so a typo costs no running job: bad channels
make none, refused hyperparameters a job that is Failed at once with SageMaker's ``ClientError`` (what
SageMaker's container would report minutes later) and a ``FailedStatusError``. The job itself runs
in its own process (``helpers.platform.runner``); with the ``sagemaker`` backend the same
constructor returns its twin (``helpers.platform.backend.TWINS``), which drives the real SDK.

Channels are ``InputData`` (a URI, or an ``S3DataSource``) or ``Channel`` (SDK v3's names, every option of
CreateTrainingJob's Channel), checked by ``validation.channel_options`` on both backends. Locally: a
``ManifestFile`` channel gets exactly the files its manifest lists, at their relative paths; ``Gzip`` objects
(Pipe mode) land decompressed and ``RecordIO`` wrapping frames each object as one record, as SageMaker
streams them; ``Pipe`` is read as File (a warning says so); ``ShardedByS3Key`` gives the one local process
every object (a built-in combines its hosts' shards anyway; a script is warned when ``instance_count`` > 1);
``AugmentedManifestFile`` is refused with the reason. DescribeTrainingJob shows the options as they were asked for.
"""

from __future__ import annotations

import gzip
import json
import os
import shlex
import sys
import warnings
import zlib
from dataclasses import replace
from pathlib import Path

from helpers.algorithms.errors import HyperparameterError as RefusedHyperparameters
from helpers.platform import builtins, jobs, opt_ml, records, runner, storage, validation
from helpers.platform.backend import Twin
from helpers.platform.configs import Channel, Compute, InputData, OutputDataConfig, SourceCode, StoppingCondition
from helpers.platform.errors import HyperparameterError, IgnoredArgumentWarning, InputDataError
from helpers.platform.metrics import normalise
from helpers.platform.session import Session
from helpers.platform.validation import load_hyperparameters

DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"
DEFAULT_MAX_RUNTIME_IN_SECONDS = 3600
LOCAL_ROLE = "arn:aws:iam::000000000000:role/FlywheelLocalSageMakerRole"
_SDK_ONLY = ("training_mode", "networking", "checkpoint_config", "training_image_config", "tags",
             "local_container_root", "input_s3_key_prefix")


def _repo_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def manifest_files(uri: str, channel_name: str) -> list[tuple[str, str]]:
    """``(object URI, path relative to the channel folder)`` for each file a ``ManifestFile`` lists, as
    SageMaker reads it: ``[{"prefix": "s3://b/p/"}, "rel/key1", ...]``, each file at ``prefix + rel``."""
    where = f"Channel {channel_name!r}: the manifest {uri}"
    try:
        manifest = json.loads(storage.get_bytes(uri))
    except (FileNotFoundError, IsADirectoryError):
        raise InputDataError(f"{where} does not exist (a ManifestFile channel's s3_uri is the manifest object): "
                             "upload it, or pass s3_data_type='S3Prefix' for a folder.") from None
    except ValueError:
        manifest = None
    ok = (isinstance(manifest, list) and len(manifest) > 1 and isinstance(manifest[0], dict)
          and isinstance(manifest[0].get("prefix"), str) and str(manifest[0]["prefix"]).startswith("s3://")
          and all(isinstance(name, str) and name and not name.startswith("/") and ".." not in name.split("/")
                  for name in manifest[1:]))
    if not ok:
        raise InputDataError(f"{where} is not a manifest of files: SageMaker reads a JSON list "
                             '[{"prefix": "s3://bucket/folder/"}, "file1", "sub/file2", ...] (relative keys, at least '
                             "one). Fix the file, or point an S3Prefix channel at the folder.")
    prefix = manifest[0]["prefix"]
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    files = [(prefix + name, name) for name in manifest[1:]]
    missing = [object_uri for object_uri, _ in files if not storage.s3_to_path(object_uri).is_file()]
    if missing:
        raise InputDataError(f"{where} lists {len(missing)} object(s) that do not exist, e.g. {missing[0]}: "
                             "upload them, or fix the manifest.")
    return files


def place_object(source: Path, target: Path, options: validation.ChannelOptions, object_uri: str) -> None:
    """One object into the channel folder as SageMaker delivers it: decompressed for a Gzip channel (named
    without ``.gz``), framed as one RecordIO record for RecordIO wrapping, else as it is."""
    if options.compression == "Gzip":
        target = target.with_name(target.name.removesuffix(".gz"))
        _gunzip_file(source, target, object_uri, options.name)
        source = target
    if options.record_wrapper == "RecordIO":
        from helpers.algorithms.recordio import RecordIOError, frame

        try:
            framed = frame(source.read_bytes())
        except RecordIOError as exc:
            raise InputDataError(f"Channel {options.name!r}: {object_uri} cannot be wrapped: {exc} Split it into "
                                 "smaller objects.") from None
        opt_ml.private_dir(target.parent)
        target.write_bytes(framed)
        os.chmod(target, 0o600)
    elif options.compression != "Gzip":
        opt_ml.place_file(source, target)


def _gunzip_file(source: Path, target: Path, object_uri: str, channel_name: str) -> None:
    """Place ``source`` decompressed (what SageMaker streams for a Gzip channel), or say it is not gzip."""
    opt_ml.private_dir(target.parent)
    try:
        with gzip.open(source, "rb") as compressed, open(target, "wb") as out:
            while chunk := compressed.read(1 << 20):
                out.write(chunk)
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:  # not its data (a full disk is reported as such)
        target.unlink(missing_ok=True)
        raise InputDataError(f"Channel {channel_name!r} has compression_type='Gzip' but {object_uri} is not gzip "
                             f"data ({exc}): compress every object of the channel, or drop compression_type.") from None
    os.chmod(target, 0o600)


def _warn_unmet_requirements(path: Path) -> None:
    """Warn for each requirement of ``path`` the venv does not meet: the local job runs on the venv's
    packages (nothing is installed), where SageMaker's container would pip install the file."""
    import importlib.metadata

    from packaging.requirements import InvalidRequirement, Requirement

    # stacklevel 4: the notebook line that built the ModelTrainer (through __init__ and the source check)
    for line in path.read_text(errors="replace").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")):  # comments and pip options (-r, -e, --index-url)
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:  # a URL or a path: nothing to compare
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed is not None and requirement.specifier.contains(installed, prereleases=True):
            continue
        have = f"this environment has {requirement.name} {installed}" if installed else \
            f"{requirement.name} is not installed here"
        warnings.warn(f"{path.name} asks for {line!r} but {have}: the local job runs on the course environment's "
                      f"packages (requirements are not installed locally), where SageMaker's container would pip "
                      f"install {line!r}. Align the requirement with the local version, or expect the local run to "
                      f"differ.", IgnoredArgumentWarning, stacklevel=4)


class ModelTrainer(Twin):
    """Train a model as a SageMaker training job (locally by default).

    Args:
        training_image: ECR URI of a built-in algorithm (``image_uris.retrieve("xgboost", region,
            version="1.7-1")``) or of a framework container for script mode; locally the bare
            algorithm name (``"linear-learner"``) works too.
        source_code: ``SourceCode(source_dir="src", entry_script="train.py")`` for script mode.
        compute: ``Compute(instance_type="ml.m5.xlarge", instance_count=1)`` (recorded locally).
        hyperparameters: dict (values sent as strings, as SageMaker does) or a JSON/YAML file path.
        base_job_name: job names are ``<base_job_name>-<timestamp>``.
        output_data_config: ``OutputDataConfig(s3_output_path="s3://bucket/prefix")``; default
            ``s3://<default bucket>/<base_job_name>``.
        stopping_condition: ``StoppingCondition(max_runtime_in_seconds=...)``; default 3600 s.
        input_data_config: channels used by every ``train()`` (``train``'s own list wins per name).
        environment: extra environment variables for the job's process.
        sagemaker_session, role: as in the SDK (the local backend needs no role).
    """

    def __init__(self, *, training_image: str | None = None, algorithm_name: str | None = None,
                 source_code: SourceCode | None = None, compute: Compute | None = None,
                 hyperparameters=None, base_job_name: str | None = None,
                 output_data_config: OutputDataConfig | None = None,
                 stopping_condition: StoppingCondition | None = None,
                 input_data_config: list[InputData] | None = None, environment: dict | None = None,
                 sagemaker_session: Session | None = None, role: str | None = None,
                 training_input_mode: str = "File", **sdk_only):
        unknown = sorted(set(sdk_only) - set(_SDK_ONLY))
        if unknown:
            raise TypeError(f"ModelTrainer() got unexpected argument(s) {', '.join(unknown)}. Metric definitions for "
                            "script mode go through .with_metric_definitions([...]).")
        if bool(training_image) == bool(algorithm_name):
            raise ValueError("Pass exactly one of training_image or algorithm_name, e.g. "
                             "training_image=image_uris.retrieve('linear-learner', 'us-east-1').")
        self.training_image = training_image or algorithm_name
        self.algorithm_name = algorithm_name
        self.source_code = source_code
        self.hyperparameters = load_hyperparameters(hyperparameters)
        self.sagemaker_session = sagemaker_session or Session()
        self.role = role or LOCAL_ROLE
        self.environment = dict(environment or {})
        self.training_input_mode = training_input_mode
        self.input_data_config = [replace(c) if isinstance(c, (InputData, Channel)) else c
                                  for c in input_data_config or []]
        self._algorithm = builtins.algorithm_for_image(self.training_image)
        if self._algorithm is not None and self._algorithm not in builtins.available():
            raise ValueError(
                f"The local backend does not implement the {self._algorithm!r} algorithm yet. Local algorithms: "
                f"{', '.join(builtins.available())}. (On SageMaker it runs: use_backend('sagemaker').)")
        self._validate_source_code()
        self.base_job_name = jobs.check_base_name(base_job_name or f"{_repo_name(self.training_image)}-job")
        # Defaults are filled into copies: a config shared by two trainers (one OutputDataConfig() for
        # both) must not carry the first trainer's output path into the second one's jobs.
        compute = compute or Compute()
        self.compute = replace(compute, instance_type=compute.instance_type or DEFAULT_INSTANCE_TYPE,
                               instance_count=compute.instance_count or 1)
        stopping_condition = stopping_condition or StoppingCondition()
        max_runtime = stopping_condition.max_runtime_in_seconds
        max_runtime = DEFAULT_MAX_RUNTIME_IN_SECONDS if max_runtime is None else max_runtime
        if max_runtime <= 0:
            raise ValueError("StoppingCondition.max_runtime_in_seconds must be a positive number of seconds.")
        self.stopping_condition = replace(stopping_condition, max_runtime_in_seconds=max_runtime)
        output_data_config = output_data_config or OutputDataConfig()
        output_path = output_data_config.s3_output_path
        if not output_path:
            bucket = self.sagemaker_session.default_bucket()
            prefix = self.sagemaker_session.default_bucket_prefix
            output_path = "s3://" + "/".join(p for p in (bucket, prefix, self.base_job_name) if p)
        output_path = storage.s3_uri_of(output_path)  # SageMaker takes https S3 URLs here too
        storage.parse_s3_uri(output_path)
        self.output_data_config = replace(output_data_config, s3_output_path=output_path,
                                          compression_type=output_data_config.compression_type or "GZIP")
        self._metric_definitions: list[dict] | None = None
        self._latest_training_job: jobs.TrainingJob | None = None

    # ----------------------------------------------------------------- SDK-style configuration
    def with_metric_definitions(self, metric_definitions) -> "ModelTrainer":
        """Regexes that pull metrics out of a script's log (built-in algorithms bring their own)."""
        self._metric_definitions = normalise(metric_definitions)
        return self

    @property
    def latest_training_job(self) -> jobs.TrainingJob | None:
        """The job the last ``train()`` started (the SDK keeps it in ``_latest_training_job``)."""
        return self._latest_training_job

    @property
    def output_data(self) -> str:
        """``<output path>/<job name>/output/output.tar.gz`` of the latest job."""
        if self._latest_training_job is None:
            raise ValueError("No training job is associated with this ModelTrainer. Call train() first.")
        return (f"{self.output_data_config.s3_output_path.rstrip('/')}/"
                f"{self._latest_training_job.training_job_name}/output/output.tar.gz")

    @property
    def script_mode(self) -> bool:
        return self._algorithm is None

    @property
    def builtin_algorithm(self) -> str | None:
        """The built-in algorithm the image runs (None in script mode); the SageMaker twin has it too."""
        return self._algorithm

    @property
    def metric_definitions(self) -> list[dict]:
        """The script's metric regexes (``with_metric_definitions``), as ``[{"Name": ..., "Regex": ...}]``."""
        return list(self._metric_definitions or [])

    def channels(self, input_data_config=None) -> list[InputData]:
        """The channels a ``train(input_data_config)`` would use: the trainer's, replaced by name, checked."""
        return validation.merge_channels(self.input_data_config, input_data_config)

    def _validate_source_code(self) -> None:
        code = self.source_code
        if self._algorithm is not None:
            if code is not None:
                raise ValueError(
                    f"{self.training_image!r} is the built-in {self._algorithm!r} algorithm: it takes no source_code. "
                    "For your own script use a framework image, e.g. "
                    "image_uris.retrieve('sklearn', region, version='1.2-1'), with source_code=SourceCode(...).")
            return
        if code is None:
            raise ValueError(f"{self.training_image!r} is a framework image: it runs your script. Pass "
                             "source_code=SourceCode(source_dir='src', entry_script='train.py').")
        if not (code.entry_script or code.command):
            raise ValueError("SourceCode needs entry_script='train.py' (or command='python train.py').")
        if not code.source_dir:
            raise ValueError("SourceCode needs source_dir: the folder that holds your entry script.")
        source_dir = Path(code.source_dir)
        if not source_dir.is_dir():
            raise ValueError(f"Invalid 'source_dir' {code.source_dir!r}: no such folder (relative paths start at "
                             f"{Path.cwd()}).")
        if code.entry_script and not code.command:
            if not (source_dir / code.entry_script).is_file():
                raise ValueError(f"Invalid 'entry_script' {code.entry_script!r}: not a file in {source_dir}.")
            if not code.entry_script.endswith((".py", ".sh")):
                raise ValueError(f"Unsupported entry script {code.entry_script!r}: use a .py or .sh file.")
        if code.requirements and not (source_dir / code.requirements).is_file():
            raise ValueError(f"Invalid 'requirements' {code.requirements!r}: not a file in {source_dir}.")
        if code.requirements:
            _warn_unmet_requirements(source_dir / code.requirements)

    # ----------------------------------------------------------------- training
    def train(self, input_data_config: list[InputData] | None = None, wait: bool = True, logs: bool = True,
              dry_run: bool = False):
        """Run a training job. With ``wait=True`` (default) block until it ends, streaming its log
        when ``logs=True``; raise ``FailedStatusError`` (with ``.description``) if it fails.
        ``dry_run=True`` only validates. Returns None, as the SDK does: the job is
        ``trainer.latest_training_job`` (``_latest_training_job`` in the SDK)."""
        try:
            job = self.start_job(input_data_config, dry_run=dry_run)
        except HyperparameterError as error:  # the job exists and failed, as on SageMaker
            if error.description:
                self._latest_training_job = jobs.TrainingJob(error.description["TrainingJobName"])
            raise
        if job is None:
            return None
        self._latest_training_job = job
        if wait:
            job.wait(logs=logs)
        return None

    def _check_local_channel_options(self, by_name: dict[str, validation.ChannelOptions]) -> None:
        """Refuse (or warn about) the channel options SageMaker acts on and one local process cannot."""
        for options in by_name.values():
            where = f"Channel {options.name!r}"
            if options.s3_data_type == "AugmentedManifestFile":
                raise InputDataError(f"{where}: s3_data_type='AugmentedManifestFile' (JSON lines streamed in Pipe "
                                     "mode) is not read by the local platform: use a ManifestFile or an S3Prefix "
                                     "channel, or use_backend('sagemaker').")
            unused = [name for name, value in (("shuffle_config", options.shuffle_seed is not None),
                                               ("instance_group_names", options.instance_group_names),
                                               ("attribute_names", options.attribute_names)) if value]
            if unused:
                warnings.warn(f"{where}: {', '.join(unused)} accepted but not used (one local process reads every "
                              "object as a file, in no instance group; attribute names select fields of an "
                              "AugmentedManifestFile, which only SageMaker reads).", IgnoredArgumentWarning,
                              stacklevel=4)
            if options.input_mode == "Pipe":
                warnings.warn(f"{where}: input_mode 'Pipe' is read as File locally (the same objects, "
                              f"{'decompressed, ' if options.compression == 'Gzip' else ''}as files in "
                              f"/opt/ml/input/data/{options.name}/): a script that reads the Pipe FIFO "
                              f"({options.name}_0) runs only on SageMaker.", IgnoredArgumentWarning, stacklevel=4)
            if (options.distribution == "ShardedByS3Key" and (self.compute.instance_count or 1) > 1
                    and self._algorithm is None):
                warnings.warn(f"{where}: ShardedByS3Key over {self.compute.instance_count} instances: the local job "
                              f"is one process (host algo-1) and gets every object, where on SageMaker each "
                              f"instance gets about 1/{self.compute.instance_count} of them.",
                              IgnoredArgumentWarning, stacklevel=4)

    def _resolve_sources(self, channels) -> dict[str, tuple[str, object]]:
        """channel -> ("s3", uri), ("manifest", the manifest's uri) or ("local", Path), failing fast on
        missing or empty data. ``channels``: ``validation.ChannelOptions``."""
        resolved = {}
        for channel in channels:
            source = channel.source
            if isinstance(source, str) and source.startswith("https://"):  # an S3 URL, as SageMaker takes
                source = storage.s3_uri_of(source)
            if channel.s3_data_type == "ManifestFile":
                if not (isinstance(source, str) and source.startswith("s3://")):
                    raise InputDataError(f"Channel {channel.name!r}: a ManifestFile channel's s3_uri is the manifest's "
                                         f"s3:// URI, not {source!r}.")
                manifest_files(source, channel.name)
                resolved[channel.name] = ("manifest", source)
                continue
            if isinstance(source, (str, os.PathLike)) and str(source).startswith("s3://"):
                uri = str(source)
                if not storage.channel_files(uri):
                    raise InputDataError(
                        f"Channel {channel.name!r}: no data under {uri}. Upload it first, e.g. "
                        f"data_source=Session().upload_data('train.csv', key_prefix='...'), or check the URI "
                        f"(storage.list_prefix('{uri.rsplit('/', 1)[0]}/') lists what is there).")
                resolved[channel.name] = ("s3", uri)
            elif isinstance(source, (str, os.PathLike)):
                path = Path(source)
                if not path.exists():
                    raise InputDataError(f"Channel {channel.name!r}: {path} does not exist. Pass an s3:// URI "
                                         "from upload_data(...) or the path of a local file or folder.")
                if path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
                    raise InputDataError(f"Channel {channel.name!r}: the folder {path} is empty.")
                resolved[channel.name] = ("local", path)
            else:
                raise InputDataError(f"Channel {channel.name!r}: data_source must be an s3:// URI or a local "
                                     f"path, not {type(source).__name__}.")
        return resolved

    def start_job(self, input_data_config=None, hyperparameters: dict | None = None, dry_run: bool = False,
                  base_job_name: str | None = None, training_job_name: str | None = None) -> jobs.TrainingJob | None:
        """Validate, prepare and launch one job without waiting; returns its TrainingJob.

        ``hyperparameters`` override the trainer's for this job only (how a tuner launches trials).
        Hyperparameters a built-in algorithm refuses make a job that fails at once, as SageMaker's does
        minutes later, and raise ``HyperparameterError`` (a ``FailedStatusError`` with that job's
        description; with ``dry_run``, no job and an empty description). ``training_job_name``: an
        exact name whose job folder the caller has already claimed (boto3's ``CreateTrainingJob``).
        """
        channels = self.channels(input_data_config)
        by_name = {c.channel_name: validation.channel_options(c, self.training_input_mode) for c in channels}
        self._check_local_channel_options(by_name)
        values = dict(self.hyperparameters)
        values.update(hyperparameters or {})
        string_hps = {str(k): opt_ml.safe_serialize(v) for k, v in values.items()}
        recorded = string_hps  # what the job was given (Describe shows it); string_hps is what runs
        if self._algorithm == "xgboost":
            from helpers.algorithms.xgb import legacy_hyperparameters

            string_hps, notes = legacy_hyperparameters(self.training_image, string_hps)
            for note in notes:
                warnings.warn(note, UserWarning, stacklevel=3)
        algorithm = refused = None
        if self._algorithm is not None:
            algorithm = builtins.load(self._algorithm)
            try:
                algorithm.validate_hyperparameters(string_hps)
            except RefusedHyperparameters as exc:
                if dry_run:
                    raise HyperparameterError(str(exc)) from None
                refused = str(exc)
            validation.check_algorithm_channels(self._algorithm, algorithm, [c.channel_name for c in channels])
        sources = self._resolve_sources(by_name.values())
        if dry_run:
            return None

        name = training_job_name or jobs.reserve_name(base_job_name or self.base_job_name)
        region = self.sagemaker_session.boto_region_name
        arn = f"arn:aws:sagemaker:{region}:{self.sagemaker_session.account_id()}:training-job/{name}"
        for channel_name, (kind, path) in list(sources.items()):
            if kind == "local":  # the SDK uploads local data under the job's input prefix
                target = f"s3://{self.sagemaker_session.default_bucket()}/{self.base_job_name}/{name}/input/{channel_name}"
                uri = storage.upload(path, target if path.is_dir() else f"{target}/{path.name}")
                sources[channel_name] = ("s3", uri)
        output_path = self.output_data_config.s3_output_path.rstrip("/")
        metric_definitions = (normalise(algorithm.metric_definitions()) if algorithm is not None
                              else list(self._metric_definitions or []))
        record = {
            "TrainingJobName": name,
            "TrainingJobArn": arn,
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Starting",
            "HyperParameters": recorded,
            "AlgorithmSpecification": {
                "TrainingImage": self.training_image,
                "AlgorithmName": self._algorithm,
                "TrainingInputMode": self.training_input_mode,
                "MetricDefinitions": metric_definitions,
                "EnableSageMakerMetricsTimeSeries": False,
            },
            "RoleArn": self.role,
            "InputDataConfig": [by_name[channel_name].channel(uri) for channel_name, (_, uri) in sources.items()],
            "OutputDataConfig": {"S3OutputPath": output_path, "KmsKeyId": self.output_data_config.kms_key_id or "",
                                 "CompressionType": self.output_data_config.compression_type},
            "ResourceConfig": {"InstanceType": self.compute.instance_type,
                               "InstanceCount": self.compute.instance_count,
                               "VolumeSizeInGB": self.compute.volume_size_in_gb or 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": int(self.stopping_condition.max_runtime_in_seconds)},
            "CreationTime": jobs.now(),
            "LastModifiedTime": jobs.now(),
            "SecondaryStatusTransitions": [],
            "FinalMetricDataList": [],
            "Environment": dict(self.environment),
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": False,
            "EnableManagedSpotTraining": bool(self.compute.enable_managed_spot_training),
            jobs.PRIVATE: {"MonitorPid": os.getpid(), "MonitorStarted": jobs.process_started(os.getpid()),
                           "ArtifactUri": f"{output_path}/{name}/output/model.tar.gz"},
        }
        tree = opt_ml.OptMl(jobs.job_dir(name) / "opt" / "ml")
        code = self.source_code
        if code is not None:
            record["SourceCode"] = {"SourceDir": str(Path(code.source_dir).resolve()), "EntryScript": code.entry_script,
                                    "Command": code.command, "Requirements": code.requirements,
                                    "CodeDir": str(tree.code_dir)}
        command, cwd = self._command(tree, string_hps)
        env = self._environment(tree, name, arn, string_hps, sources, by_name)
        run = runner.LocalRun(name, record, command, env, cwd, tree.model_dir, tree.output_data_dir,
                              tree.failure_file, metric_definitions, label=self._algorithm or "training")
        run.transition("Starting")
        if refused is not None:  # the check SageMaker's container makes once started, made without starting
            run.fail(f"ClientError: {refused}")
            raise HyperparameterError(refused, jobs.TrainingJob(name).describe())
        try:
            run.transition("Downloading")
            self._materialise(tree, string_hps, sources, by_name)
        except Exception as exc:
            reason = (records.write_failure(exc, "the job's input") if records.is_disk_full(exc)
                      else f"could not prepare the job's input: {exc}")
            run.fail(f"ClientError: {reason}")
            raise
        run.start()
        return jobs.TrainingJob(name)

    # ----------------------------------------------------------------- job process details
    def _input_data_config(self, sources, by_name) -> dict:
        config = {}
        for channel_name in sources:
            options = by_name[channel_name]
            entry = {"TrainingInputMode": "File" if options.input_mode == "Pipe" else options.input_mode,
                     "S3DistributionType": options.distribution, "RecordWrapperType": options.record_wrapper}
            if options.content_type:
                entry["ContentType"] = options.content_type
            config[channel_name] = entry
        return config

    def _materialise(self, tree: opt_ml.OptMl, string_hps, sources, by_name) -> None:
        opt_ml.build(tree.root, hyperparameters=string_hps,
                     input_data_config=self._input_data_config(sources, by_name),
                     resource_config=opt_ml.resource_config(self.compute.instance_type, self.compute.instance_count))
        for channel_name, (kind, uri) in sources.items():
            files = manifest_files(uri, channel_name) if kind == "manifest" else storage.channel_files(uri)
            for object_uri, relative in files:
                place_object(storage.s3_to_path(object_uri), tree.channel_dir(channel_name) / relative,
                             by_name[channel_name], object_uri)
        if self.source_code is not None:
            opt_ml.copy_source_dir(Path(self.source_code.source_dir), tree.code_dir, self.source_code.ignore_patterns)

    def _command(self, tree: opt_ml.OptMl, string_hps) -> tuple[list[str], Path]:
        if self._algorithm is not None:
            return [sys.executable, "-m", "helpers.platform.container", "train"], tree.root.parent.parent
        code = self.source_code
        if code.command:
            parts = shlex.split(code.command) + [str(a) for a in (code.args or [])]
            if parts and parts[0] in ("python", "python3"):
                parts[0] = sys.executable
            return parts, tree.code_dir
        args = opt_ml.cli_args(string_hps)
        if code.entry_script.endswith(".sh"):
            return ["/bin/sh", code.entry_script, *args], tree.code_dir
        return [sys.executable, code.entry_script, *args], tree.code_dir

    def _environment(self, tree, name, arn, string_hps, sources, by_name) -> dict[str, str]:
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in self.environment.items()})
        script = self.source_code.entry_script if self.source_code is not None else None
        env.update(opt_ml.environment(
            tree, job_name=name, job_arn=arn, hyperparameters=string_hps,
            input_data_config=self._input_data_config(sources, by_name),
            resource_config=opt_ml.resource_config(self.compute.instance_type, self.compute.instance_count),
            entry_script=script, user_args=opt_ml.cli_args(string_hps) if script else []))
        env["PYTHONUNBUFFERED"] = "1"
        if self._algorithm is not None:
            env["FLYWHEEL_ALGORITHM"] = self._algorithm
            from helpers import ROOT

            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        return env

    def __repr__(self) -> str:
        mode = f"algorithm={self._algorithm!r}" if self._algorithm else f"script={self.source_code.entry_script!r}"
        return f"ModelTrainer({mode}, training_image={self.training_image!r}, base_job_name={self.base_job_name!r})"
