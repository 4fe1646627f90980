"""Pipelines on the sagemaker backend (helpers.platform.aws.pipelines), against moto, and botocore's Stubber for
the calls moto 5.2 lacks (ListPipelineExecutionSteps): the definition SageMaker stores is the local one with the
script moved to S3 (where the SDK puts it) and the pipeline's role on its jobs; each job step's run-time request
passes botocore's validation of its API; a function step, script-mode training, a local image, a local path or
the local default bucket is refused before any request; a long definition goes through S3; an execution answers
in the local execution's shape."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from helpers.platform import FailedStatusError, backend
from helpers.platform.pipelines import (ConditionGreaterThanOrEqualTo, ConditionStep, FailStep, ParameterFloat,
                                        ParameterString, Pipeline, ProcessingStep, RegisterModel,
                                        describe_pipeline_execution, list_pipelines)
from aws_support import module_account, on_module_account  # noqa: F401  (the fixtures "account" and "aws")

REGION = "us-east-1"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
BUCKET = "sagemaker-us-east-1-123456789012"  # the SDK's default bucket in moto's account
SCRIPT = ("import pandas as pd\n"
          "pd.read_csv('/opt/ml/processing/input/raw/raw.csv').to_csv('/opt/ml/processing/train/train.csv')\n")


def prepare(inputs, outputs):
    """A function step: runs only in this Python."""


def build(tmp_path, image_uri=SKLEARN, code=None, name="churn") -> Pipeline:
    """Prepare (script on ``image_uri``) -> Check (Quality >= 0.5) -> Register, else Fail."""
    script = tmp_path / "prep.py"
    if not script.exists():
        script.write_text(SCRIPT)
    input_data = ParameterString("InputData", default_value="s3://data/raw/")
    quality = ParameterFloat("Quality", default_value=0.9)
    process = ProcessingStep("Prepare", code=code or str(script), inputs={"raw": input_data}, image_uri=image_uri,
                             outputs=[{"output_name": "train", "s3_output": {
                                 "s3_uri": "s3://data/prepared/train", "local_path": "/opt/ml/processing/train"}}])
    register = RegisterModel("Register", model_package_group_name="churn-models", image_uri=XGBOOST,
                             model_data="s3://models/churn/model.tar.gz")
    check = ConditionStep("Check", conditions=[ConditionGreaterThanOrEqualTo(left=quality, right=0.5)],
                          if_steps=[register], else_steps=[FailStep("TooWeak", error_message="quality too low")],
                          depends_on=[process])
    return Pipeline(name, parameters=[input_data, quality], steps=[process, check])


def _pipeline_names() -> list[str]:
    return [p["PipelineName"] for p in list_pipelines()]


def _with_code_in_s3(local: dict, uri: str, role: str) -> dict:
    """``local``'s definition as SageMaker should store it: Prepare runs its script from the ``code`` input."""
    expected = json.loads(json.dumps(local))
    arguments = expected["Steps"][0]["Arguments"]
    assert "RoleArn" not in arguments  # moto's identity is a user, not a role: no execution role to find
    arguments["RoleArn"] = role  # so the job runs as the pipeline's role
    assert "ContainerArguments" not in arguments["AppSpecification"]  # CreateProcessingJob refuses an empty list
    arguments["AppSpecification"]["ContainerEntrypoint"][-1] = "/opt/ml/processing/input/code/prep.py"
    arguments["ProcessingInputs"].append({"InputName": "code", "AppManaged": False, "S3Input": {
        "S3Uri": uri, "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix", "S3InputMode": "File"}})
    return expected


def _code_uri(definition: str) -> str:
    inputs = json.loads(definition)["Steps"][0]["Arguments"]["ProcessingInputs"]
    return next(i["S3Input"]["S3Uri"] for i in inputs if i["InputName"] == "code")


def test_upsert_sends_the_local_definition_with_the_script_in_s3(aws, tmp_path, flywheel_home):
    pipeline = build(tmp_path)
    local = json.loads(pipeline.definition())
    assert pipeline.upsert(role_arn=aws["role"])["PipelineArn"].endswith(":pipeline/churn")
    stored = pipeline.describe()
    uri = _code_uri(stored["PipelineDefinition"])
    assert uri.startswith(f"s3://{BUCKET}/churn/code/") and uri.endswith("/prep.py")
    assert json.loads(stored["PipelineDefinition"]) == _with_code_in_s3(local, uri, aws["role"])
    assert stored["RoleArn"] == aws["role"]
    key = uri.removeprefix(f"s3://{BUCKET}/")
    assert aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode() == SCRIPT

    # a changed script is a new code URI, sent by UpdatePipeline (the name exists)
    (tmp_path / "prep.py").write_text(SCRIPT + "print('done')\n")
    pipeline.upsert(role_arn=aws["role"], description="prints when done")
    stored = pipeline.describe()
    assert _code_uri(stored["PipelineDefinition"]) != uri and stored["PipelineDescription"] == "prints when done"
    assert "churn" in _pipeline_names()
    assert pipeline.delete()["PipelineArn"] == stored["PipelineArn"]
    assert "churn" not in _pipeline_names()
    assert not (flywheel_home / "pipelines").exists()  # nothing went to the local store


EXPRESSIONS = {"Get", "Std:Join", "Std:JsonGet"}
REQUESTS = {"Processing": ("CreateProcessingJob", "ProcessingJobName"),
            "Training": ("CreateTrainingJob", "TrainingJobName"), "RegisterModel": ("CreateModelPackage", None),
            "Tuning": ("CreateHyperParameterTuningJob", "HyperParameterTuningJobName"),
            "Transform": ("CreateTransformJob", "TransformJobName")}


def _resolved(value):
    """``value`` with every run-time expression replaced by a string, as SageMaker resolves them before the call."""
    if isinstance(value, dict):
        if len(value) == 1 and set(value) <= EXPRESSIONS:
            return "s3://bucket/resolved-at-run-time"
        return {k: _resolved(v) for k, v in value.items()}
    return [_resolved(v) for v in value] if isinstance(value, list) else value


def _valid_requests(pipeline) -> set[str]:
    """The types of the stored definition's steps whose run-time request (CreateProcessingJob...) passes botocore's
    validation of that API (an AssertionError names a step whose request does not)."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("sagemaker")
    checked = set()
    for step in _each(json.loads(pipeline.describe()["PipelineDefinition"])["Steps"]):
        if step["Type"] not in REQUESTS:
            continue
        operation, name_field = REQUESTS[step["Type"]]
        request = {**_resolved(step["Arguments"]), **({name_field: "job"} if name_field else {})}
        report = ParamValidator().validate(request, model.operation_model(operation).input_shape)
        assert not report.has_errors(), (step["Name"], report.generate_report())
        checked.add(step["Type"])
    return checked


def test_each_step_sent_is_a_request_its_api_accepts(aws, tmp_path):
    pipeline = build(tmp_path, name="valid")
    pipeline.upsert(role_arn=aws["role"])
    assert _valid_requests(pipeline) == {"Processing", "RegisterModel"}
    pipeline.delete()


def _each(steps):
    for step in steps:
        yield step
        yield from _each(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))


def test_tuning_and_transform_steps_go_as_requests_their_apis_accept(aws):
    from helpers.platform import (ContinuousParameter, HyperparameterTuner, InputData, ModelTrainer, OutputDataConfig,
                                  Transformer)
    from helpers.platform.pipelines import TrainingStep, TransformInput, TransformStep, TuningStep

    backend.choose("local")  # (the sagemaker backend's trainer and tuner are the SDK's: seconds to build)
    trainer = ModelTrainer(training_image=XGBOOST, hyperparameters={"num_round": 3, "objective": "binary:logistic"},
                           output_data_config=OutputDataConfig(s3_output_path="s3://models/tuning/"))
    tuner = HyperparameterTuner(trainer, "validation:auc", {"eta": ContinuousParameter(0.1, 0.5)}, max_jobs=2)
    backend.choose("sagemaker")
    tune = TuningStep("Tune", tuner, inputs=[InputData(channel_name="train", data_source="s3://data/train/"),
                                             InputData(channel_name="validation", data_source="s3://data/valid/")])
    score = TransformStep("Score", Transformer(model_name="churn-model", output_path="s3://data/scored/"),
                          TransformInput(data="s3://data/batch/", content_type="text/csv"), depends_on=[tune])
    pipeline = Pipeline("tune-and-score", steps=[tune, score])
    pipeline.upsert(role_arn=aws["role"])
    assert _valid_requests(pipeline) == {"Tuning", "Transform"}
    stored = json.loads(pipeline.describe()["PipelineDefinition"])["Steps"]
    assert stored[0]["Arguments"]["TrainingJobDefinition"]["RoleArn"] == aws["role"]  # not the local made-up one
    pipeline.delete()

    backend.choose("local")
    local_output = ModelTrainer(training_image=XGBOOST, hyperparameters={"num_round": 3})
    backend.choose("sagemaker")
    with pytest.raises(ValueError, match="'Train': the output path is 's3://sagemaker-us-east-1-000000000000/.*local "
                                         "platform's default bucket.*after use_backend\\('sagemaker'\\)"):
        Pipeline("local-bucket", steps=[TrainingStep("Train", local_output)]).upsert(role_arn=aws["role"])


@pytest.mark.skipif(os.environ.get("FLYWHEEL_FULL") != "1",
                    reason="the SDK's own ScriptProcessor and pipeline take ~10 s to build: set FLYWHEEL_FULL=1")
def test_the_script_goes_where_the_sdk_puts_it(aws, tmp_path):
    """The SDK v3's own ProcessingStep for the same script: same entrypoint, code input, S3 URI and role."""
    from sagemaker.core.processing import ScriptProcessor
    from sagemaker.core.shapes import ProcessingInput, ProcessingOutput
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.mlops.workflow.pipeline import Pipeline as SDKPipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep as SDKProcessingStep

    ours = build(tmp_path, name="parity")
    ours.upsert(role_arn=aws["role"])
    session = PipelineSession()
    processor = ScriptProcessor(image_uri=SKLEARN, command=["python3"], role=aws["role"], instance_count=1,
                                instance_type="ml.m5.xlarge", sagemaker_session=session)
    step_args = processor.run(code=str(tmp_path / "prep.py"), inputs=[ProcessingInput(
        input_name="raw", s3_input={"s3_uri": "s3://data/raw/", "local_path": "/opt/ml/processing/input/raw",
                                    "s3_data_type": "S3Prefix", "s3_input_mode": "File"})])
    sdk = SDKPipeline(name="parity", steps=[SDKProcessingStep(name="Prepare", step_args=step_args)],
                      sagemaker_session=session)

    def essentials(definition: str) -> tuple:
        arguments = json.loads(definition)["Steps"][0]["Arguments"]
        code = [{k: i[k] for k in ("InputName",)} | {k: i["S3Input"][k] for k in ("S3Uri", "LocalPath")}
                for i in arguments["ProcessingInputs"] if i["InputName"] == "code"]
        return arguments["AppSpecification"]["ContainerEntrypoint"], code, arguments["RoleArn"]

    assert essentials(ours.describe()["PipelineDefinition"]) == essentials(sdk.definition())
    ours.delete()

    # an output without a destination: the SDK's default S3Uri (a folder per execution), and no empty arguments
    (tmp_path / "prep.py").write_text(SCRIPT)
    ours = Pipeline("parity", steps=[ProcessingStep("Prepare", code=str(tmp_path / "prep.py"), image_uri=SKLEARN,
                                                    inputs={"raw": "s3://data/raw/"}, outputs=["train"])])
    step_args = processor.run(code=str(tmp_path / "prep.py"), outputs=[ProcessingOutput(
        output_name="train", s3_output={"s3_uri": "/opt/ml/processing/output/train",
                                        "local_path": "/opt/ml/processing/output/train", "s3_upload_mode": "EndOfJob"})])
    sdk = SDKPipeline(name="parity", steps=[SDKProcessingStep(name="Prepare", step_args=step_args)],
                      sagemaker_session=session)

    def output(definition: str) -> tuple:
        arguments = json.loads(definition)["Steps"][0]["Arguments"]
        return arguments["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"], set(arguments["AppSpecification"])

    assert output(ours.definition()) == output(sdk.definition())


def test_a_definition_over_100_kib_goes_through_s3_as_the_sdk_sends_it(aws):
    message = "x" * 100 * 1024  # a FailStep's message makes the definition long
    pipeline = Pipeline("long", steps=[FailStep("Stop", error_message=message)])
    pipeline.upsert(role_arn=aws["role"])
    # (moto answers DescribePipeline with the S3 definition parsed, not as text: read the object itself)
    stored = aws["s3"].get_object(Bucket=BUCKET, Key="long")["Body"].read()
    assert json.loads(stored) == json.loads(pipeline.definition())
    assert "long" in _pipeline_names()
    pipeline.delete()


def test_start_sends_the_parameters_and_returns_an_execution(aws, tmp_path):
    pipeline = build(tmp_path, name="started")
    with pytest.raises(ValueError, match="does not exist in SageMaker yet: call pipeline.upsert"):
        pipeline.start(log=None)
    pipeline.upsert(role_arn=aws["role"])
    with pytest.raises(ValueError, match="Unknown pipeline parameter.*'Qualty'.*declares InputData, Quality"):
        pipeline.start(parameters={"Qualty": 0.2}, log=None)
    with pytest.raises(TypeError, match="'Quality' is a Float"):
        pipeline.start(parameters={"Quality": "high"}, log=None)
    messages = []
    execution = pipeline.start(parameters={"Quality": 0.2}, execution_display_name="low-quality", log=messages.append)
    assert messages == [f"Pipeline execution {execution.arn.rpartition('/')[2]} started on SageMaker"]
    sent = aws["sagemaker"].list_pipeline_parameters_for_execution(PipelineExecutionArn=execution.arn)
    assert sent["PipelineParameters"] == [{"Name": "Quality", "Value": "0.2"}]  # the defaults stay SageMaker's
    described = execution.describe()
    assert described["PipelineExecutionDisplayName"] == "low-quality" and "ResponseMetadata" not in described
    assert execution.status == "Succeeded"  # moto ends executions at once
    assert describe_pipeline_execution(execution.arn)["PipelineExecutionDisplayName"] == "low-quality"  # the ARN's
    execution.wait(delay=0)
    summaries = pipeline.list_executions()["PipelineExecutionSummaries"]
    assert [s["PipelineExecutionArn"] for s in summaries] == [execution.arn]

    (tmp_path / "prep.py").write_text(SCRIPT + "# edited\n")
    with pytest.raises(ValueError, match="changed since its last upsert"):
        pipeline.start(log=None)


def test_a_function_step_is_refused_before_any_request(aws, tmp_path, monkeypatch):
    from helpers.platform.aws import pipelines as twin

    def no_request(*args, **kwargs):
        raise AssertionError("a request was about to be made")

    monkeypatch.setattr(twin, "client", no_request)
    monkeypatch.setattr(twin, "sdk_session", no_request)  # not even for the default bucket
    pipeline = build(tmp_path, image_uri=None, code=prepare, name="function-step")
    for call in (lambda: pipeline.upsert(role_arn=aws["role"]), lambda: pipeline.start(log=None)):
        with pytest.raises(ValueError, match="'Prepare' runs the Python function prepare.*SageMaker runs scripts "
                                             "in containers.*/opt/ml/processing/input/"):
            call()


def test_a_local_image_or_a_local_input_is_refused_with_the_fix(aws, tmp_path):
    pipeline = build(tmp_path, image_uri=None, name="local-image")
    with pytest.raises(ValueError, match=f"'Prepare' runs the image 'flywheel-local-python'.*ECR.*image_uri="
                                         f"image_uris.retrieve\\('sklearn', 'us-east-1', version='1.2-1'\\)\\) "
                                         f"\\(= '{SKLEARN}'\\)"):
        pipeline.upsert(role_arn=aws["role"])
    pipeline = build(tmp_path, name="local-input")
    pipeline.parameters[0].default_value = str(tmp_path / "raw.csv")
    pipeline.steps[0].inputs[0].source = str(tmp_path / "raw.csv")
    with pytest.raises(ValueError, match="input 'raw' is .*raw.csv.*upload it first.*Session\\(\\).upload_data"):
        pipeline.upsert(role_arn=aws["role"])
    with pytest.raises(ValueError, match="upsert\\(role_arn='arn:aws:iam::"):
        build(tmp_path, name="no-role").upsert()
    assert not {"local-image", "local-input", "no-role"} & set(_pipeline_names())


def test_a_training_pipeline_goes_as_it_is_and_script_mode_is_refused(aws, tmp_path):
    from helpers.platform import InputData, ModelTrainer, SourceCode
    from helpers.platform.pipelines import TrainingStep

    def pipeline_of(trainer, name="train-only"):
        channel = InputData(channel_name="train", data_source="s3://data/train/")
        return Pipeline(name, steps=[TrainingStep("Train", trainer, inputs=[channel])])

    pipeline = pipeline_of(ModelTrainer(training_image=XGBOOST, role=aws["role"], hyperparameters={"num_round": 3}))
    pipeline.upsert(role_arn=aws["role"])
    assert json.loads(pipeline.describe()["PipelineDefinition"]) == json.loads(pipeline.definition())  # no script
    assert _valid_requests(pipeline) == {"Training"}

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('training')\n")
    backend.choose("local")  # (the sagemaker backend's ModelTrainer takes seconds to build: the SDK's)
    script_mode = ModelTrainer(training_image=SKLEARN, role=aws["role"],
                               source_code=SourceCode(source_dir=str(tmp_path / "src"), entry_script="train.py"))
    local_trainer = ModelTrainer(training_image="xgboost", hyperparameters={"num_round": 3})
    backend.choose("sagemaker")
    with pytest.raises(ValueError, match="TrainingStep 'Train' trains your script.*does not upload the code"):
        pipeline_of(script_mode, "script-mode").upsert(role_arn=aws["role"])
    with pytest.raises(ValueError, match="runs the image 'xgboost'.*training_image=image_uris"
                                         "\\.retrieve\\('xgboost', 'us-east-1'"):
        pipeline_of(local_trainer, "local-trainer").upsert(role_arn=aws["role"])
    assert "train-only" in _pipeline_names() and not {"script-mode", "local-trainer"} & set(_pipeline_names())


# ------------------------------------------------------------------- an execution, in the local shape

def _members(shape_name: str) -> set[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return set(model.shape_for(shape_name).members)


@pytest.fixture
def stubbed(aws):
    """``stubbed(*responses)``: an execution of the twin whose client answers ``responses`` (method, response[,
    expected parameters]) in order, then ``(execution, stubber, arn)``; the stubber is removed after the test (the
    module shares the client)."""
    from botocore.stub import Stubber

    from helpers.platform.aws.pipelines import SageMakerPipelineExecution

    made = []

    def stub(*responses):
        sagemaker = aws["sagemaker"]
        stubber = Stubber(sagemaker)
        for method, response, *expected in responses:
            stubber.add_response(method, response, *expected)
        stubber.activate()
        made.append(stubber)
        arn = f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/churn/execution/abc123"
        return SageMakerPipelineExecution(arn, sagemaker), stubber, arn

    yield stub
    for stubber in made:
        stubber.deactivate()


def _local_execution(flywheel_home):
    """A local execution of a one-step pipeline that fails, for the shape of its answers."""
    backend.choose("local")
    pipeline = Pipeline("shape", steps=[FailStep("Stop", error_message="quality too low")])
    pipeline.upsert()
    execution = pipeline.start(log=None)
    answers = execution.describe(), execution.list_steps()
    backend.choose("sagemaker")
    return answers


def test_an_execution_answers_in_the_local_shape(aws, flywheel_home, stubbed):
    local_description, local_steps = _local_execution(flywheel_home)
    # every field the local platform answers is one SageMaker's API has (so code reading one reads both)
    assert set(local_description) <= _members("DescribePipelineExecutionResponse")
    assert set().union(*local_steps) <= _members("PipelineExecutionStep")
    now = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    job_arn = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-abc-prepare"
    steps = [{"StepName": "Check", "StepStatus": "Succeeded", "StartTime": now, "EndTime": now, "AttemptCount": 1,
              "Metadata": {"Condition": {"Outcome": "False"}}},
             {"StepName": "Train", "StepStatus": "Failed", "StartTime": now, "EndTime": now, "AttemptCount": 1,
              "FailureReason": "ClientError: AlgorithmError: train.csv is empty", "Metadata": {}},
             {"StepName": "Prepare", "StepStatus": "Succeeded", "StartTime": now, "EndTime": now, "AttemptCount": 1,
              "Metadata": {"ProcessingJob": {"Arn": job_arn}}}]
    job = {"ProcessingJobName": "pipelines-abc-prepare", "ProcessingJobArn": job_arn, "CreationTime": now,
           "ProcessingJobStatus": "Completed", "AppSpecification": {"ImageUri": SKLEARN},
           "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                     "VolumeSizeInGB": 30}}}
    description = {"PipelineExecutionArn": "x", "PipelineExecutionStatus": "Failed",
                   "FailureReason": "Step failure: One or multiple steps failed."}
    listed = ("list_pipeline_execution_steps", {"PipelineExecutionSteps": steps})
    execution, stubber, arn = stubbed(listed, listed, listed, listed,
                                       ("describe_processing_job", job, {"ProcessingJobName": "pipelines-abc-prepare"}),
                                       ("stop_pipeline_execution", {"PipelineExecutionArn": "x"}),
                                       ("describe_pipeline_execution",
                                        {**description, "PipelineExecutionStatus": "Stopping"}),
                                       ("describe_pipeline_execution", description))
    assert execution.list_steps() == steps
    assert execution.result("Check") == {"Outcome": "False"}
    with pytest.raises(ValueError, match="'Train' has no result in this execution \\(steps with one: Check, "
                                         "Prepare\\)"):
        execution.result("Train")
    assert execution.result("Prepare") == job  # its job's DescribeProcessingJob
    execution.stop()
    with pytest.raises(FailedStatusError, match="PipelineExecution.*Failed.*One or multiple steps failed") as failed:
        execution.wait(delay=0)
    assert failed.value.description["PipelineExecutionStatus"] == "Failed"
    stubber.assert_no_pending_responses()
    assert local_description["PipelineExecutionStatus"] == "Failed" and local_steps[0]["StepStatus"] == "Failed"


def _same_interface(execution) -> None:
    """What a notebook does with an execution, asserted the same way on either backend's object: a pipeline whose
    condition (Quality >= 0.5, run with 0.2) chose its FailStep."""
    assert execution.status == "Failed"
    description = execution.describe()
    assert description["FailureReason"].endswith("quality too low")
    assert set(description) <= _members("DescribePipelineExecutionResponse")  # no PipelineParameters there
    assert [(s["StepName"], s["StepStatus"]) for s in execution.list_steps()] == [("TooWeak", "Failed"),
                                                                                  ("Check", "Succeeded")]
    assert execution.result("Check") == {"Outcome": "False"}
    with pytest.raises(ValueError, match="'TooWeak' has no result in this execution \\(steps with one: Check\\)"):
        execution.result("TooWeak")
    assert execution.list_parameters() == {"PipelineParameters": [{"Name": "Quality", "Value": "0.2"}]}
    with pytest.raises(FailedStatusError, match="PipelineExecution.*Failed.*quality too low"):
        execution.wait(delay=0)
    execution.stop()


def test_both_backends_executions_have_one_interface(aws, flywheel_home, stubbed):
    backend.choose("local")
    quality = ParameterFloat("Quality", default_value=0.9)
    check = ConditionStep("Check", conditions=[ConditionGreaterThanOrEqualTo(left=quality, right=0.5)],
                          else_steps=[FailStep("TooWeak", error_message="quality too low")])
    pipeline = Pipeline("interface", parameters=[quality], steps=[check])
    pipeline.upsert()
    local = pipeline.start(parameters={"Quality": 0.2}, log=None)
    _same_interface(local)
    # the twin, answered by Stubber with the local execution's own answers (so they are valid SageMaker shapes)
    description, steps, parameters = local.describe(), local.list_steps(), local.list_parameters()
    backend.choose("sagemaker")
    described = ("describe_pipeline_execution", description)
    listed = ("list_pipeline_execution_steps", {"PipelineExecutionSteps": steps})
    twin, stubber, arn = stubbed(described, described, listed, listed, listed,
                                  ("list_pipeline_parameters_for_execution", parameters), described,
                                  ("stop_pipeline_execution", {"PipelineExecutionArn": local.arn}))
    _same_interface(twin)
    stubber.assert_no_pending_responses()


def test_a_default_output_in_the_local_bucket_is_refused_and_in_yours_goes_as_the_sdks(aws, tmp_path):
    from helpers.platform import Session

    def with_default_output(name, session=None):
        (tmp_path / "prep.py").write_text(SCRIPT)
        step = ProcessingStep("Prepare", code=str(tmp_path / "prep.py"), image_uri=SKLEARN, outputs=["train"],
                              inputs={"raw": "s3://data/raw/"}, role=aws["role"], sagemaker_session=session)
        return Pipeline(name, steps=[step])

    backend.choose("local")  # a Session made here has the local platform's default bucket
    local = with_default_output("local-bucket", Session())
    backend.choose("sagemaker")
    with pytest.raises(ValueError, match="output .train. is .*000000000000.*in the local platform.s default bucket.*"
                                         "trainer, transformer or sagemaker_session after use_backend"):
        local.upsert(role_arn=aws["role"])
    pipeline = with_default_output("your-bucket")
    pipeline.upsert(role_arn=aws["role"])
    step = json.loads(pipeline.describe()["PipelineDefinition"])["Steps"][0]["Arguments"]
    assert step["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == {"Std:Join": {"On": "/", "Values": [
        "s3:/", BUCKET, "your-bucket", {"Get": "Execution.PipelineExecutionId"}, "Prepare", "output", "train"]}}
    assert step["RoleArn"] == aws["role"]  # the step's own
    assert "local-bucket" not in _pipeline_names()
    pipeline.delete()
