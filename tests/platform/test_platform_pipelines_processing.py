"""Processing scripts run on SageMaker's processing contract: scripts in the style of the public examples
(census ``preprocessing.py``: argparse, defaults and arguments naming /opt/ml/processing paths; abalone
``evaluation.py``: ``model.tar.gz`` extracted into the working directory, f-strings on a ``base_dir``) run
unchanged; what the mapping cannot see fails with a reason that says so; LocalPaths outside the contract
and duplicate names are refused; the SDK v3 ``s3_input``/``s3_output`` shapes are accepted."""

from __future__ import annotations

import datetime
import io
import json
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers.platform import Session, storage
from helpers.platform.pipelines import (ConditionLessThanOrEqualTo, ConditionStep, FailStep, JsonGet, Pipeline,
                                        ProcessingInput, ProcessingOutput, ProcessingStep, PropertyFile)
from helpers.platform.pipelines.processing import rewrite_source

PREPROCESS = '''
import argparse
import os

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-test-split-ratio", type=float, default=0.3)
    parser.add_argument("--input-dir", default="/opt/ml/processing/somewhere-else")
    parser.add_argument("--train-dir", default="/opt/ml/processing/train")
    args, _ = parser.parse_known_args()
    input_data_path = os.path.join(args.input_dir, "raw.csv")
    rows = open(input_data_path).read().splitlines()
    split = int(len(rows) * (1 - args.train_test_split_ratio))
    with open(f"{args.train_dir}/train.csv", "w") as out:
        out.write("\\n".join(rows[:split]) + "\\n")
    with open(os.path.join("/opt/ml/processing/test", "test.csv"), "w") as out:
        out.write("\\n".join(rows[split:]) + "\\n")
'''

EVALUATE = '''
import json
import pathlib
import tarfile

if __name__ == "__main__":
    model_path = f"/opt/ml/processing/model/model.tar.gz"
    with tarfile.open(model_path) as tar:
        tar.extractall(path=".")
    model = json.load(open("model.json"))
    test_path = "/opt/ml/processing/test/test.csv"
    labels = [float(line.split(",")[0]) for line in open(test_path).read().splitlines()]
    mse = sum((y - model["bias"]) ** 2 for y in labels) / len(labels)
    report_dict = {"regression_metrics": {"mse": {"value": mse}}}
    output_dir = "/opt/ml/processing/evaluation"
    pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
    with open(f"{output_dir}/evaluation.json", "w") as f:
        f.write(json.dumps(report_dict))
'''


@pytest.fixture
def data(flywheel_home, tmp_path):
    session = Session(region="us-east-1")
    (tmp_path / "raw.csv").write_text("1,0.5\n3,1.5\n2,2.5\n4,3.5\n")
    model = io.BytesIO()
    with tarfile.open(fileobj=model, mode="w:gz") as tar:
        body = json.dumps({"bias": 3.0}).encode()
        member = tarfile.TarInfo("model.json")
        member.size = len(body)
        tar.addfile(member, io.BytesIO(body))
    (tmp_path / "model.tar.gz").write_bytes(model.getvalue())
    scripts = tmp_path / "code"
    scripts.mkdir()
    (scripts / "preprocessing.py").write_text(PREPROCESS)
    (scripts / "evaluation.py").write_text(EVALUATE)
    return {"raw": session.upload_data(tmp_path / "raw.csv", key_prefix="abalone/raw"),
            "model": session.upload_data(tmp_path / "model.tar.gz", key_prefix="abalone/model"),
            "scripts": scripts, "home": flywheel_home}


def abalone(data, max_mse: float = 1.0) -> Pipeline:
    prefix = "/opt/ml/processing"
    process = ProcessingStep(
        "Preprocess", code=str(data["scripts"] / "preprocessing.py"),
        inputs=[ProcessingInput(source=data["raw"], destination=f"{prefix}/input")],
        outputs=[ProcessingOutput(output_name="train", source=f"{prefix}/train"),
                 ProcessingOutput(output_name="test", source=f"{prefix}/test")],
        job_arguments=["--train-test-split-ratio", "0.5", "--input-dir", f"{prefix}/input"])
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        "Evaluate", code=str(data["scripts"] / "evaluation.py"), property_files=[report],
        inputs=[ProcessingInput(source=data["model"], destination=f"{prefix}/model"),
                ProcessingInput(source=process.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                                destination=f"{prefix}/test")],
        outputs=[ProcessingOutput(output_name="evaluation", source=f"{prefix}/evaluation")])
    mse = JsonGet(step_name=evaluate.name, property_file=report, json_path="regression_metrics.mse.value")
    check = ConditionStep("CheckMse", conditions=[ConditionLessThanOrEqualTo(left=mse, right=max_mse)],
                          else_steps=[FailStep("TooHigh", error_message="mse too high")])
    pipeline = Pipeline("abalone", steps=[process, evaluate, check])
    pipeline.upsert()
    return pipeline


def test_scripts_written_for_sagemaker_run_unchanged(data):
    before = (data["scripts"] / "preprocessing.py").read_text()
    execution = abalone(data).start(log=None)
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded", execution.describe()
    outputs = {o["OutputName"]: o["S3Output"]["S3Uri"]
               for o in execution.result("Preprocess")["ProcessingOutputConfig"]["Outputs"]}
    assert storage.s3_to_path(outputs["train"] + "/train.csv").read_text() == "1,0.5\n3,1.5\n"
    assert storage.s3_to_path(outputs["test"] + "/test.csv").read_text() == "2,2.5\n4,3.5\n"
    # labels 2 and 4 against a bias of 3: mse 1
    assert execution.result("Evaluate")["PropertyFiles"]["EvaluationReport"] == {
        "regression_metrics": {"mse": {"value": 1.0}}}
    assert (data["scripts"] / "preprocessing.py").read_text() == before  # the user's script is never edited
    job = next((data["home"] / "pipelines" / "abalone" / "executions").glob("*/steps/Evaluate"))
    copy = (job / "opt/ml/processing/input/code/evaluation.py").read_text()
    assert '"/opt/ml/processing' not in copy and str(job / "opt/ml/processing/model/model.tar.gz") in copy
    assert not (data["scripts"] / "model.json").exists()  # extractall(path=".") lands in the job's own folder
    # After success the job keeps the script's copy and its logs; the data is in the store.
    assert sorted(str(p.relative_to(job)) for p in job.rglob("*") if p.is_file()) == [
        "opt/ml/processing/input/code/evaluation.py", "stderr.log", "stdout.log"]


def test_a_path_the_mapping_cannot_see_fails_with_the_reason_and_uploads_nothing(data):
    script = data["scripts"] / "pieces.py"
    script.write_text('import os\nbase = "/opt/ml" + "/processing"\nopen(os.path.join(base, "input", "raw.csv"))\n')
    step = ProcessingStep("Pieces", code=str(script), inputs=[ProcessingInput(source=data["raw"], destination=
                                                                               "/opt/ml/processing/input")],
                          outputs=["out"])
    pipeline = Pipeline("pieces", steps=[step])
    pipeline.upsert()
    reason = pipeline.start(log=None).describe()["FailureReason"]
    assert reason.startswith("Step 'Pieces' failed: AlgorithmError: pieces.py exited with status 1: "
                             "FileNotFoundError: ")
    assert "/opt/ml/processing/input/raw.csv" in reason and "only string literals" in reason
    default_bucket = Session(region="us-east-1").default_bucket()
    assert not storage.s3_to_path(f"s3://{default_bucket}/pieces/Pieces/output/out").exists()
    job = next((data["home"] / "pipelines" / "pieces" / "executions").glob("*/steps/Pieces"))
    assert (job / "opt/ml/processing/input/raw.csv").is_file()  # a failed job keeps its tree to look into
    assert "FileNotFoundError" in (job / "stderr.log").read_text()


def test_local_paths_outside_the_contract_and_duplicate_names_are_refused(data):
    with pytest.raises(ValueError, match="'train' source '/tmp/train' must be a folder under /opt/ml/processing/"):
        ProcessingOutput(output_name="train", source="/tmp/train")
    with pytest.raises(ValueError, match="destination '/opt/ml/processing/input/code' must be a folder under"):
        ProcessingInput(source=data["raw"], input_name="raw", destination="/opt/ml/processing/input/code")
    with pytest.raises(ValueError, match="names output 'train' twice"):
        ProcessingStep("Twice", code=str(data["scripts"] / "preprocessing.py"), outputs=["train", "train"])
    with pytest.raises(ValueError, match="needs a source"):
        ProcessingInput(input_name="raw")


def test_the_sdk_v3_input_and_output_shapes_are_accepted(data):
    unassigned = type("Unassigned", (), {})()  # how sagemaker.core.shapes marks an absent field
    step = ProcessingStep(
        "Preprocess", code=str(data["scripts"] / "preprocessing.py"),
        inputs=[SimpleNamespace(input_name="raw", s3_input=SimpleNamespace(
            s3_uri=data["raw"], s3_data_type="S3Prefix", local_path="/opt/ml/processing/input")),
                SimpleNamespace(input_name="extra", s3_input=SimpleNamespace(s3_uri=data["model"],
                                                                             local_path=unassigned))],
        outputs=[ProcessingOutput(output_name="train", s3_output=SimpleNamespace(
            s3_uri="s3://bucket/abalone/train", s3_upload_mode="EndOfJob", local_path="/opt/ml/processing/train")),
                 {"output_name": "test", "s3_output": {"s3_uri": "s3://bucket/abalone/test",
                                                       "local_path": "/opt/ml/processing/test"}}])
    arguments = step.to_request("abalone")["Arguments"]
    assert [(i["InputName"], i["S3Input"]["S3Uri"], i["S3Input"]["LocalPath"])
            for i in arguments["ProcessingInputs"]] == [
        ("raw", data["raw"], "/opt/ml/processing/input"),
        ("extra", data["model"], "/opt/ml/processing/input/extra")]
    assert [(o["OutputName"], o["S3Output"]["S3Uri"], o["S3Output"]["LocalPath"])
            for o in arguments["ProcessingOutputConfig"]["Outputs"]] == [
        ("train", "s3://bucket/abalone/train", "/opt/ml/processing/train"),
        ("test", "s3://bucket/abalone/test", "/opt/ml/processing/test")]
    assert step.local_only is False
    assert ProcessingStep("Function", code=test_the_sdk_v3_input_and_output_shapes_are_accepted).local_only is True


def test_only_string_literals_are_rewritten(tmp_path):
    source = ('# reads /opt/ml/processing/input\n'
              'BASE = "/opt/ml/processing"  # /opt/ml/processing stays in comments\n'
              "TEXT = '''first line\n/opt/ml/processing/train'''\n"
              'path = f"/opt/ml/processing/{BASE}/x"; raw = rb"/opt/ml/processing"\n')
    rewritten = rewrite_source(source, Path("/jobs/1/opt/ml/processing"))
    assert rewritten == ('# reads /opt/ml/processing/input\n'
                         'BASE = "/jobs/1/opt/ml/processing"  # /opt/ml/processing stays in comments\n'
                         "TEXT = '''first line\n/jobs/1/opt/ml/processing/train'''\n"
                         'path = f"/jobs/1/opt/ml/processing/{BASE}/x"; raw = rb"/jobs/1/opt/ml/processing"\n')
    with pytest.raises(ValueError, match="quote, backslash or brace"):
        rewrite_source(source, tmp_path / "we{ird}")
    broken = 'open("/opt/ml/processing/input/x.csv")\ndef f(:\n'
    assert rewrite_source(broken + "(", Path("/jobs/1")) == broken + "("  # left for Python to report


def test_a_script_with_a_syntax_error_fails_with_pythons_message(data):
    script = data["scripts"] / "typo.py"
    script.write_text('print("/opt/ml/processing/input")\nif True\n    pass\n')
    pipeline = Pipeline("typo", steps=[ProcessingStep("Typo", code=str(script))])
    pipeline.upsert()
    assert pipeline.start(log=None).describe()["FailureReason"] == (
        "Step 'Typo' failed: AlgorithmError: typo.py exited with status 1: SyntaxError: expected ':'")


# ------------------------------------------------------------- per-execution outputs, execution variables

def write_value(inputs, outputs, value, seen=""):
    """A function step: writes ``value`` (and what it was told of its execution) to its report."""
    (outputs["report"] / "report.json").write_text(json.dumps({"value": value, "seen": seen}))


def _report(execution) -> tuple[str, dict]:
    uri = execution.result("Write")["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    return uri, json.loads((storage.s3_to_path(uri) / "report.json").read_text())


def test_a_default_output_is_per_execution_and_a_cache_hit_reads_the_run_it_hits(data):
    from helpers.platform.pipelines import CacheConfig, ParameterString

    value = ParameterString("Value", default_value="a")
    step = ProcessingStep("Write", code=write_value, outputs=["report"], job_arguments={"value": value},
                          cache_config=CacheConfig(enable_caching=True))
    pipeline = Pipeline("per-run", parameters=[value], steps=[step])
    pipeline.upsert()
    bucket = Session().default_bucket()
    output = json.loads(pipeline.definition())["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]
    assert output["S3Output"]["S3Uri"] == {"Std:Join": {"On": "/", "Values": [  # the SDK v3's default
        "s3:/", bucket, "per-run", {"Get": "Execution.PipelineExecutionId"}, "Write", "output", "report"]}}
    first, second, third = (pipeline.start(parameters={"Value": v}, log=None) for v in ("a", "b", "a"))
    (uri_1, report_1), (uri_2, report_2), (uri_3, report_3) = map(_report, (first, second, third))
    for execution, uri in ((first, uri_1), (second, uri_2)):
        assert uri == f"s3://{bucket}/per-run/{execution.arn.rpartition('/')[2]}/Write/output/report"  # as resolved
    assert third.list_steps()[0]["CacheHitResult"] == {"SourcePipelineExecutionArn": first.arn}
    assert (uri_3, report_3["value"]) == (uri_1, "a") and report_2["value"] == "b"


def test_execution_variables_resolve_to_the_running_execution(data):
    from helpers.platform.pipelines import ExecutionVariables, Join

    variables = [ExecutionVariables.PIPELINE_NAME, ExecutionVariables.PIPELINE_ARN,
                 ExecutionVariables.PIPELINE_EXECUTION_ID, ExecutionVariables.PIPELINE_EXECUTION_ARN,
                 ExecutionVariables.START_DATETIME, ExecutionVariables.CURRENT_DATETIME]
    step = ProcessingStep("Write", code=write_value, outputs=["report"],
                          job_arguments={"value": ExecutionVariables.PIPELINE_EXECUTION_ID,
                                         "seen": Join(on="|", values=variables)})
    pipeline = Pipeline("variables", steps=[step])
    pipeline.upsert()
    arguments = json.loads(pipeline.definition())["Steps"][0]["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert arguments[1] == {"Get": "Execution.PipelineExecutionId"}
    assert [v["Get"] for v in arguments[3]["Std:Join"]["Values"]] == [
        "Execution.PipelineName", "Execution.PipelineArn", "Execution.PipelineExecutionId",
        "Execution.PipelineExecutionArn", "Execution.StartDateTime", "Execution.CurrentDateTime"]
    execution = pipeline.start(log=None)
    _, report = _report(execution)
    name, arn, execution_id, execution_arn, started, current = report["seen"].split("|")
    assert (name, arn, execution_arn) == ("variables", pipeline.arn, execution.arn)
    assert report["value"] == execution_id == execution.arn.rpartition("/")[2]
    created = execution.describe()["CreationTime"]
    assert started == created.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"
    assert started <= current  # ISO 8601 in UTC: text order is time order


def test_the_local_definition_is_a_valid_request_as_it_is(data):
    """CreateProcessingJob as the definition holds it (run-time values resolved, the job name SageMaker adds):
    a role, and no empty ContainerArguments (the API wants at least one item, or none)."""
    import botocore.session
    from botocore.validate import ParamValidator

    from helpers.platform import get_execution_role

    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model(
        "CreateProcessingJob").input_shape
    for step in json.loads(abalone(data).definition())["Steps"]:
        if step["Type"] != "Processing":
            continue
        request = json.loads(json.dumps(step["Arguments"]), object_hook=lambda d: "s3://b/k" if set(d) & {
            "Get", "Std:Join"} else d)
        report = ParamValidator().validate({**request, "ProcessingJobName": "job"}, shape)
        assert not report.has_errors(), (step["Name"], report.generate_report())
        assert step["Arguments"]["RoleArn"] == get_execution_role()
    evaluate = json.loads(abalone(data).definition())["Steps"][1]["Arguments"]
    assert "ContainerArguments" not in evaluate["AppSpecification"]  # it has none


def test_a_cached_step_given_another_output_runs_again(data):
    from helpers.platform.pipelines import CacheConfig

    def pipeline_with(outputs):
        step = ProcessingStep("Write", code=write_value, outputs=outputs, job_arguments={"value": "a"},
                              cache_config=CacheConfig(enable_caching=True))
        pipeline = Pipeline("more-outputs", steps=[step])
        pipeline.upsert()
        return pipeline.start(log=None)

    pipeline_with(["report"])
    again = pipeline_with(["report", "extra"])
    assert "CacheHitResult" not in again.list_steps()[0]
    assert [o["OutputName"] for o in again.result("Write")["ProcessingOutputConfig"]["Outputs"]] == ["report", "extra"]


def test_a_given_destination_keeps_a_folder_per_inputs_so_a_hit_still_reads_its_run(data):
    from helpers.platform.pipelines import CacheConfig, ParameterString

    value = ParameterString("Value", default_value="a")
    fixed = f"s3://{Session().default_bucket()}/fixed/report"  # the same in every execution
    step = ProcessingStep("Write", code=write_value, outputs=[ProcessingOutput(output_name="report", destination=fixed)],
                          job_arguments={"value": value}, cache_config=CacheConfig(enable_caching=True))
    pipeline = Pipeline("fixed-output", parameters=[value], steps=[step])
    pipeline.upsert()
    first, second, third = (pipeline.start(parameters={"Value": v}, log=None) for v in ("a", "b", "a"))
    (uri_1, _), (uri_2, report_2), (uri_3, report_3) = map(_report, (first, second, third))
    assert uri_1.startswith(fixed + "/") and uri_2.startswith(fixed + "/") and uri_1 != uri_2
    assert (uri_3, report_3["value"], report_2["value"]) == (uri_1, "a", "b")
