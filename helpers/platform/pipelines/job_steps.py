"""``TransformStep`` and ``TuningStep``: a pipeline's batch transform and hyperparameter tuning, run by the
local platform's ``Transformer`` (``serving.transform``) and ``HyperparameterTuner`` (``tuning``).

Their Arguments are the CreateTransformJob / CreateHyperParameterTuningJob requests (without the job
name, as SageMaker's pipeline definition writes them); their properties the Describe* answers, so
``transform.properties.TransformOutput.S3OutputPath`` and ``tuning.properties.BestTrainingJob.TrainingJobName``
read as on SageMaker, and ``tuning.get_top_model_s3_uri(top_k=0, s3_bucket=...)`` is the best trial's
``model.tar.gz``. Both are cacheable and take retry policies like processing and training steps.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

from helpers.platform import storage
from helpers.platform.configs import InputData
from helpers.platform.errors import FailedStatusError
from helpers.platform.pipelines.expressions import ExecutionVariables, Join
from helpers.platform.pipelines.steps import RunInfo, Step, StepFailed, source_dir_hash, training_job_request
from helpers.platform.session import Session
from helpers.platform.validation import channel_from_request

MAX_TOP_JOBS = 50  # SageMaker keeps the 50 best trials in a tuning step's TrainingJobSummaries


def _present(mapping: dict) -> dict:
    """``mapping`` without the keys whose value is None (SageMaker's requests omit unset fields)."""
    return {k: v for k, v in mapping.items() if v is not None}


# -------------------------------------------------------------------------------------- transform

@dataclass
class TransformInput:
    """What a transform step reads, as the SDK's ``TransformInput``: ``data`` (an s3:// prefix, a parameter
    or another step's property) and how its records are split, filtered and joined."""

    data: object
    data_type: str = "S3Prefix"
    content_type: str | None = None
    compression_type: str | None = None
    split_type: str | None = None
    input_filter: str | None = None
    output_filter: str | None = None
    join_source: str | None = None
    model_client_config: dict | None = None


class TransformStep(Step):
    """Run a batch transform of ``transformer`` (a ``Transformer``) over ``inputs`` (a ``TransformInput``).

    ``model_name`` overrides the transformer's (it may be a parameter). Without an ``output_path`` on the
    transformer, results go, as the SDK's, to ``s3://<bucket>/<pipeline>/<execution id>/<step>`` (a ``Join`` on
    ``ExecutionVariables.PIPELINE_EXECUTION_ID``), so no execution overwrites another's; the output path is not
    part of the cache key, so a later execution with the same model and input is a hit that reads the run it hit.
    As for processing, below a given ``output_path`` (the same in every execution) each distinct set of arguments
    writes under its own ``<hash>`` folder; ``TransformOutput.S3OutputPath`` is the folder used.
    """

    step_type = "Transform"
    cacheable = True

    def __init__(self, name: str, transformer, inputs: TransformInput, *, model_name=None, **kwargs):
        super().__init__(name, **kwargs)
        if not isinstance(inputs, TransformInput):
            raise ValueError(f"TransformStep {name!r}: inputs must be TransformInput(data=..., content_type=..., "
                             f"split_type='Line'), not {inputs!r}.")
        self.transformer = transformer
        self.inputs = inputs
        self.model_name = model_name if model_name is not None else transformer.model_name

    def arguments(self, pipeline_name: str) -> dict:
        t, i = self.transformer, self.inputs
        output_path = t.output_path or self._default_output(t.sagemaker_session or Session(), pipeline_name)
        processing = _present({"InputFilter": i.input_filter, "OutputFilter": i.output_filter,
                               "JoinSource": i.join_source})
        return _present({
            "ModelName": self.model_name,
            "MaxConcurrentTransforms": t.max_concurrent_transforms,
            "MaxPayloadInMB": t.max_payload,
            "BatchStrategy": t.strategy,
            "Environment": t.env or None,
            "ModelClientConfig": i.model_client_config,
            "TransformInput": _present({
                "DataSource": {"S3DataSource": {"S3DataType": i.data_type, "S3Uri": i.data}},
                "ContentType": i.content_type, "CompressionType": i.compression_type, "SplitType": i.split_type}),
            "TransformOutput": _present({"S3OutputPath": output_path, "Accept": t.accept,
                                         "AssembleWith": t.assemble_with}),
            "TransformResources": {"InstanceType": t.instance_type, "InstanceCount": t.instance_count},
            "DataProcessing": processing or None,
        })

    def _default_output(self, session, pipeline_name: str) -> Join:
        prefix = getattr(session, "default_bucket_prefix", None)
        return Join(on="/", values=["s3:/", session.default_bucket(), *([prefix] if prefix else []), pipeline_name,
                                    ExecutionVariables.PIPELINE_EXECUTION_ID, self.name])

    def cache_arguments(self, arguments: dict) -> dict:
        """Everything but where the results go (its default holds the execution id), which decides nothing."""
        output = {k: v for k, v in arguments.get("TransformOutput", {}).items() if k != "S3OutputPath"}
        return {**arguments, "TransformOutput": output}

    def outputs_exist(self, properties: dict) -> bool:
        uri = properties.get("TransformOutput", {}).get("S3OutputPath", "")
        return bool(uri) and storage.s3_to_path(uri).is_dir()

    def metadata(self, properties: dict) -> dict:
        return {"TransformJob": {"Arn": properties.get("TransformJobArn", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        from helpers.platform.serving.transform import TransformError, Transformer

        output = arguments["TransformOutput"]
        uri = output["S3OutputPath"].rstrip("/")
        if self.transformer.output_path:  # the same in every execution: a folder per arguments
            uri = f"{uri}/{info.key[:16]}"
        folder = storage.s3_to_path(uri)
        if folder.exists():
            shutil.rmtree(folder)  # a rerun without caching starts from an empty folder
        source = arguments["TransformInput"]
        processing = arguments.get("DataProcessing", {})
        transformer = Transformer(
            model_name=arguments["ModelName"], instance_count=arguments["TransformResources"]["InstanceCount"],
            instance_type=arguments["TransformResources"]["InstanceType"], strategy=arguments.get("BatchStrategy"),
            assemble_with=output.get("AssembleWith"), output_path=uri, accept=output.get("Accept"),
            max_concurrent_transforms=arguments.get("MaxConcurrentTransforms"),
            max_payload=arguments.get("MaxPayloadInMB"), env=arguments.get("Environment"),
            base_transform_job_name=f"pipelines-{self.name}".replace("_", "-"))
        try:
            description = transformer.transform(
                source["DataSource"]["S3DataSource"]["S3Uri"], data_type=source["DataSource"]["S3DataSource"]
                ["S3DataType"], content_type=source.get("ContentType"), compression_type=source.get("CompressionType"),
                split_type=source.get("SplitType"), input_filter=processing.get("InputFilter"),
                output_filter=processing.get("OutputFilter"), join_source=processing.get("JoinSource"),
                model_client_config=arguments.get("ModelClientConfig"), logs=False)
        except TransformError as error:
            job = error.description
            raise StepFailed(f"Transform job {job['TransformJobName']!r} failed: {job.get('FailureReason')}") from None
        return json.loads(json.dumps(description, default=str))


# ----------------------------------------------------------------------------------------- tuning

class TuningStep(Step):
    """Run a hyperparameter tuning job of ``tuner`` (a ``HyperparameterTuner``) on ``inputs`` (``InputData``,
    whose ``data_source`` may be a parameter or another step's output).

    Properties: DescribeHyperParameterTuningJob (``.BestTrainingJob.TrainingJobName``) plus
    ``TrainingJobSummaries``, best first (at most 50), as SageMaker's tuning step gives them. The step fails
    when the tuning job does not complete or no trial reported the objective.
    """

    step_type = "Tuning"
    cacheable = True

    def __init__(self, name: str, tuner, *, inputs: list[InputData] | None = None, **kwargs):
        super().__init__(name, **kwargs)
        self.tuner = tuner
        self.inputs = list(inputs or [])

    def arguments(self, pipeline_name: str) -> dict:
        tuner = self.tuner
        trainer = tuner.model_trainer
        config = {
            "Strategy": tuner.strategy,
            "HyperParameterTuningJobObjective": {"Type": tuner.objective_type,
                                                 "MetricName": tuner.objective_metric_name},
            "ResourceLimits": _present({"MaxNumberOfTrainingJobs": tuner.max_jobs,
                                        "MaxParallelTrainingJobs": tuner.max_parallel_jobs,
                                        "MaxRuntimeInSeconds": tuner.max_runtime_in_seconds}),
            "ParameterRanges": tuner.hyperparameter_ranges(),
            "TrainingJobEarlyStoppingType": tuner.early_stopping_type,
            **({"RandomSeed": tuner.random_seed} if tuner.random_seed is not None else {}),
        }
        definition = training_job_request(
            trainer, self.inputs,
            static_hyperparameters={str(k): str(v) for k, v in tuner.static_hyperparameters.items()})
        return {"HyperParameterTuningJobConfig": config, "TrainingJobDefinition": definition}

    def code_identity(self) -> str:
        return source_dir_hash(self.tuner.model_trainer)

    def outputs_exist(self, properties: dict) -> bool:
        from helpers.platform.jobs import describe_training_job

        best = properties.get("BestTrainingJob", {}).get("TrainingJobName")
        try:
            uri = describe_training_job(best)["ModelArtifacts"]["S3ModelArtifacts"] if best else ""
        except (ValueError, KeyError):
            return False
        return bool(uri) and storage.s3_to_path(uri).is_file()

    def metadata(self, properties: dict) -> dict:
        return {"TuningJob": {"Arn": properties.get("HyperParameterTuningJobArn", "")}}

    def execute(self, arguments: dict, info: RunInfo) -> dict:
        from helpers.platform.tuning.records import list_training_jobs_for_hyper_parameter_tuning_job

        channels = [channel_from_request(c, c["DataSource"]["S3DataSource"]["S3Uri"])  # every option kept
                    for c in arguments["TrainingJobDefinition"]["InputDataConfig"]]
        try:
            self.tuner.tune(inputs=channels or None, wait=True)
        except FailedStatusError:
            pass  # a Failed tuning job: the status check below gives the step's failure reason
        description = json.loads(json.dumps(dict(self.tuner.describe()), default=str))
        name = description["HyperParameterTuningJobName"]
        status = description["HyperParameterTuningJobStatus"]
        if status != "Completed" or not description.get("BestTrainingJob"):
            why = description.get("FailureReason") or "no training job reported the objective metric " \
                                                       f"{self.tuner.objective_metric_name!r}"
            raise StepFailed(f"Tuning job {name!r} ended {status}: {why}")
        summaries = json.loads(json.dumps(list_training_jobs_for_hyper_parameter_tuning_job(name), default=str))
        description["TrainingJobSummaries"] = _best_first(summaries, self.tuner.objective_type)[:MAX_TOP_JOBS]
        return description

    def get_top_model_s3_uri(self, top_k: int, s3_bucket: str, prefix: str = "") -> Join:
        """The ``model.tar.gz`` of the ``top_k``-th best trial (0: the best), as the SDK builds it:
        ``s3://<s3_bucket>/<prefix>/<training job name>/output/model.tar.gz`` (the trainer's output path must be
        ``s3://<s3_bucket>/<prefix>``)."""
        if not isinstance(top_k, int) or not 0 <= top_k < MAX_TOP_JOBS:
            raise ValueError(f"top_k={top_k!r}: give 0 (the best trial) to {MAX_TOP_JOBS - 1}.")
        values = ["s3:/", s3_bucket] + ([prefix] if prefix else [])
        return Join(on="/", values=values + [self.properties.TrainingJobSummaries[top_k].TrainingJobName,
                                             "output/model.tar.gz"])


def _best_first(summaries: list[dict], objective_type: str) -> list[dict]:
    """Trials with an objective value, best first; the others after them, in the order they started."""
    scored = [s for s in summaries if "Value" in s.get("FinalHyperParameterTuningJobObjectiveMetric", {})]
    others = [s for s in summaries if s not in scored]
    scored.sort(key=lambda s: float(s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]),
                reverse=objective_type == "Maximize")
    return scored + others

