"""TransformStep and TuningStep on the local Transformer and HyperparameterTuner: SageMaker's request shapes in
the definition, its property paths (TransformOutput.S3OutputPath, BestTrainingJob, TrainingJobSummaries and
get_top_model_s3_uri), caching, and failures that stop the execution with the job's reason.

One store for the module: a script model for the transforms, a tiny built-in algorithm for 2-trial tunings."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from helpers.platform import ModelTrainer, OutputDataConfig, Session, builtins, describe_training_job, storage
from helpers.platform.configs import InputData, SourceCode
from helpers.platform.pipelines import (CacheConfig, ConditionGreaterThanOrEqualTo, ConditionStep, FailStep,
                                        ParameterString, Pipeline, TransformInput, TransformStep, TuningStep)
from helpers.platform.pipelines.expressions import Context
from helpers.platform.serving import ModelBuilder
from helpers.platform.serving.transform import Transformer
from helpers.platform.tuning import ContinuousParameter, HyperparameterTuner
from algorithm_support import TINY_ALGORITHM_ENTRY, write_tiny_algorithm
from serving_support import module_store, script_score, write_script_model



@pytest.fixture(scope="module")
def store(tmp_path_factory):
    plugins = tmp_path_factory.mktemp("plugins")
    write_tiny_algorithm(plugins)
    path = os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")]))
    with module_store(tmp_path_factory, "pipeline-jobs-home", PYTHONPATH=path,
                      **{builtins.ENV: TINY_ALGORITHM_ENTRY}) as home:
        sys.path.insert(0, str(plugins))
        try:
            model_dir, code_dir = write_script_model(tmp_path_factory.mktemp("model"))
            model = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
                source_dir=str(code_dir), entry_script="inference.py")).build(model_name="pipeline-batch-model")
            session = Session(region="us-east-1")
            train = tmp_path_factory.mktemp("train") / "train.csv"
            train.write_text("1,0.5\n0,1.5\n1,2.5\n1,3.5\n")
            yield {"home": home, "model": model.model_name, "bucket": session.default_bucket(),
                   "train": session.upload_data(train, key_prefix="tune/train").rpartition("/")[0]}
        finally:
            sys.path.remove(str(plugins))


def rows_text(rows) -> bytes:
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n").encode()


def transform_pipeline(store, name: str, data) -> tuple[Pipeline, TransformStep]:
    transformer = Transformer(model_name=store["model"], strategy="MultiRecord", assemble_with="Line",
                              accept="text/csv")
    step = TransformStep("Score", transformer=transformer,
                         inputs=TransformInput(data=data, content_type="text/csv", split_type="Line"),
                         cache_config=None)
    pipeline = Pipeline(name, parameters=[data] if isinstance(data, ParameterString) else [], steps=[step])
    pipeline.upsert()
    return pipeline, step


def test_a_transform_step_scores_every_object_and_is_cached(store):
    rows = np.arange(12.0).reshape(3, 4)
    storage.put_bytes("s3://pipe-batch/in/a.csv", rows_text(rows))
    data = ParameterString("BatchData", default_value="s3://pipe-batch/in")
    transformer = Transformer(model_name=store["model"], strategy="MultiRecord", assemble_with="Line",
                              accept="text/csv")
    score = TransformStep("Score", transformer, TransformInput(data=data, content_type="text/csv", split_type="Line"),
                          cache_config=CacheConfig(enable_caching=True))
    pipeline = Pipeline("batch-scoring", parameters=[data], steps=[score])
    pipeline.upsert()
    request = json.loads(pipeline.definition())["Steps"][0]
    assert request["Type"] == "Transform" and request["CacheConfig"] == {"Enabled": True}
    assert request["Arguments"] == {
        "ModelName": store["model"], "BatchStrategy": "MultiRecord",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                           "S3Uri": {"Get": "Parameters.BatchData"}}},
                           "ContentType": "text/csv", "SplitType": "Line"},
        "TransformOutput": {"S3OutputPath": {"Std:Join": {"On": "/", "Values": [  # the SDK v3's default
                                "s3:/", store["bucket"], "batch-scoring", {"Get": "Execution.PipelineExecutionId"},
                                "Score"]}}, "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}

    first = pipeline.start(log=None)
    assert first.describe()["PipelineExecutionStatus"] == "Succeeded"
    job = first.result("Score")
    out = job["TransformOutput"]["S3OutputPath"]
    assert out == f"s3://{store['bucket']}/batch-scoring/{first.arn.rpartition('/')[2]}/Score"  # as resolved
    scores = np.array(storage.get_bytes(f"{out}/a.csv.out").split(), dtype=float)
    np.testing.assert_allclose(scores, script_score(rows))
    assert first.list_steps()[0]["Metadata"] == {"TransformJob": {"Arn": job["TransformJobArn"]}}

    second = pipeline.start(log=None)
    assert second.list_steps()[0]["CacheHitResult"] == {"SourcePipelineExecutionArn": first.arn}
    assert second.result("Score") == job


def test_a_failing_transform_stops_the_execution_with_the_jobs_reason(store):
    storage.put_bytes("s3://pipe-batch/bad/x.csv", b"1,2\n")  # two features: the model wants four
    pipeline, _ = transform_pipeline(store, "batch-broken", "s3://pipe-batch/bad")
    description = pipeline.start(log=None).describe()
    assert description["PipelineExecutionStatus"] == "Failed"
    assert description["FailureReason"].startswith("Step 'Score' failed: Transform job 'pipelines-Score-")
    assert description["FailureReason"].endswith("Each record must have 4 features (the model's feature_dim), got 2.")
    missing, _ = transform_pipeline(store, "batch-missing", "s3://pipe-batch/nothing-here")
    assert "no objects under s3://pipe-batch/nothing-here" in missing.start(log=None).describe()["FailureReason"]


def tuning_pipeline(store, name: str) -> tuple[Pipeline, TuningStep]:
    trainer = ModelTrainer(training_image="tiny-algo", base_job_name="tune",
                           output_data_config=OutputDataConfig(s3_output_path=f"s3://{store['bucket']}/tuned"))
    tuner = HyperparameterTuner(trainer, objective_metric_name="train:score", strategy="Random", max_jobs=2,
                                max_parallel_jobs=2, random_seed=7,
                                hyperparameter_ranges={"quality": ContinuousParameter(-1.0, 1.0)})
    input_data = ParameterString("TrainData", default_value=store["train"])
    tune = TuningStep("Tune", tuner, inputs=[InputData(channel_name="train", data_source=input_data)],
                      cache_config=CacheConfig(enable_caching=True, expire_after="P30D"))
    best = tune.properties.TrainingJobSummaries[0].FinalHyperParameterTuningJobObjectiveMetric.Value
    check = ConditionStep("Good", conditions=[ConditionGreaterThanOrEqualTo(left=best, right=0.0)],
                          else_steps=[FailStep("NoGoodTrial", error_message="no trial scored above 0")])
    pipeline = Pipeline(name, parameters=[input_data], steps=[tune, check])
    pipeline.upsert()
    return pipeline, tune


def test_a_tuning_step_ranks_its_trials_and_points_at_the_best_model(store):
    pipeline, tune = tuning_pipeline(store, "tuned")
    arguments = json.loads(pipeline.definition())["Steps"][0]["Arguments"]
    assert arguments["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"][0]["Name"] == \
        "quality"
    assert arguments["HyperParameterTuningJobConfig"]["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 2,
                                                                            "MaxParallelTrainingJobs": 2}
    assert arguments["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Parameters.TrainData"}
    top = tune.get_top_model_s3_uri(top_k=0, s3_bucket=store["bucket"], prefix="tuned")
    assert top.expr == {"Std:Join": {"On": "/", "Values": [
        "s3:/", store["bucket"], "tuned", {"Get": "Steps.Tune.TrainingJobSummaries[0].TrainingJobName"},
        "output/model.tar.gz"]}}

    execution = pipeline.start(log=None)
    result = execution.result("Tune")
    summaries = result["TrainingJobSummaries"]
    values = [s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for s in summaries
              if "FinalHyperParameterTuningJobObjectiveMetric" in s]
    assert len(summaries) == 2 and values == sorted(values, reverse=True)
    assert summaries[0]["TrainingJobName"] == result["BestTrainingJob"]["TrainingJobName"]
    uri = top.resolve(Context(steps={"Tune": result}))
    assert uri == describe_training_job(summaries[0]["TrainingJobName"])["ModelArtifacts"]["S3ModelArtifacts"]
    assert storage.s3_to_path(uri).is_file()
    again = pipeline.start(log=None)  # cached: no new tuning job, the same ranking
    assert {s["StepName"]: s for s in again.list_steps()}["Tune"]["CacheHitResult"] == {
        "SourcePipelineExecutionArn": execution.arn}
    assert again.result("Tune") == result
    with pytest.raises(ValueError, match="top_k=50: give 0 \\(the best trial\\) to 49"):
        tune.get_top_model_s3_uri(top_k=50, s3_bucket=store["bucket"])


def test_a_tuning_step_with_no_usable_trial_fails_with_the_reason(store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")  # no labels: every trial fails (division by zero), so no objective
    uri = Session(region="us-east-1").upload_data(empty, key_prefix="tune/empty").rpartition("/")[0]
    pipeline, _ = tuning_pipeline(store, "tuned-empty")
    description = pipeline.start(parameters={"TrainData": uri}, log=None).describe()
    assert description["PipelineExecutionStatus"] == "Failed"
    assert description["FailureReason"].startswith("Step 'Tune' failed: Tuning job ")
    assert "ended Failed: No training job completed with the objective metric 'train:score'" in \
        description["FailureReason"]
