"""Local pipelines: processing -> training -> condition -> register, executed; the step cache; a failing step
stopping its execution; the definition's JSON shape; parameters overridden at start; records read back by
a new process, reconciled after a dead kernel, and named when corrupt.

Training runs a tiny stand-in algorithm (a real job subprocess doing almost nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, builtins, list_training_jobs, registry
from helpers.platform.pipelines import (CacheConfig, ConditionGreaterThanOrEqualTo, FailStep, Join, Pipeline,
                                        ParameterFloat, ParameterString, ProcessingStep, RegisterModel,
                                        TrainingStep, describe_pipeline_execution)
from helpers.platform.pipelines import ConditionStep
from helpers.platform.records import CorruptRecord
from algorithm_support import TINY_ALGORITHM_ENTRY, write_tiny_algorithm


CALLS: list[str] = []  # every run of a processing function, to prove the cache skips them


def prepare(inputs, outputs, keep):
    """Keep the first `keep` rows of the raw CSV as the training channel."""
    CALLS.append("prepare")
    rows = (inputs["raw"] / "raw.csv").read_text().splitlines()[: int(keep)]
    (outputs["train"] / "train.csv").write_text("\n".join(rows) + "\n")


def broken_prepare(inputs, outputs):
    CALLS.append("broken")
    raise ValueError("column 'churn' is missing from raw.csv")


@pytest.fixture
def workspace(flywheel_home, tmp_path, monkeypatch):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    write_tiny_algorithm(plugins)
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv(builtins.ENV, TINY_ALGORITHM_ENTRY)
    (tmp_path / "raw.csv").write_text("1,0.5\n0,1.5\n1,2.5\n1,3.5\n")
    raw = Session(region="us-east-1").upload_data(tmp_path / "raw.csv", key_prefix="raw")
    CALLS.clear()
    return {"raw": raw.rpartition("/")[0], "home": flywheel_home}


def build(raw_uri: str, code=prepare, name: str = "churn") -> Pipeline:
    input_data = ParameterString("InputData", default_value=raw_uri)
    quality = ParameterFloat("Quality", default_value=0.9)
    approval = ParameterString("ModelApprovalStatus", default_value="PendingManualApproval")
    process = ProcessingStep("Prepare", code=code, inputs={"raw": input_data}, outputs=["train"],
                             job_arguments={"keep": 4} if code is prepare else None,
                             cache_config=CacheConfig(enable_caching=True, expire_after="PT1H"))
    trainer = ModelTrainer(training_image="tiny-algo", hyperparameters={"quality": 0.5}, base_job_name="tiny")
    train = TrainingStep("Train", trainer, hyperparameters={"quality": quality},
                         inputs=[InputData(channel_name="train", content_type="text/csv",
                                           data_source=process.properties.ProcessingOutputConfig.Outputs["train"]
                                           .S3Output.S3Uri)],
                         cache_config=CacheConfig(enable_caching=True))
    score = train.properties.FinalMetricDataList["train:score"].Value
    register = RegisterModel("Register", model_package_group_name="tiny-models", image_uri="tiny-algo",
                             model_data=train.properties.ModelArtifacts.S3ModelArtifacts, approval_status=approval,
                             customer_metadata_properties={"score": score})
    too_weak = FailStep("TooWeak", error_message=Join(on=" ", values=["score below 0.5 with quality", quality]))
    check = ConditionStep("Check", conditions=[ConditionGreaterThanOrEqualTo(left=score, right=0.5)],
                          if_steps=[register], else_steps=[too_weak])
    pipeline = Pipeline(name, parameters=[input_data, quality, approval], steps=[check, train, process])
    pipeline.upsert()
    return pipeline


def statuses(execution) -> dict:
    return {s["StepName"]: s["StepStatus"] for s in execution.list_steps()}


def test_processing_training_condition_register(workspace):
    pipeline = build(workspace["raw"])
    execution = pipeline.start(log=None)
    execution.wait()
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    steps = execution.list_steps()
    assert [s["StepName"] for s in steps] == ["Register", "Check", "Train", "Prepare"]  # latest first, as SageMaker
    assert set(statuses(execution).values()) == {"Succeeded"}
    by_name = {s["StepName"]: s for s in steps}
    assert by_name["Check"]["Metadata"] == {"Condition": {"Outcome": "True"}}
    job = execution.result("Train")
    assert job["TrainingJobStatus"] == "Completed"
    package = registry.describe_model_package("tiny-models/1")
    assert registry.model_data_url(package) == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert float(package["CustomerMetadataProperties"]["score"]) == pytest.approx(0.9 * 3 / 4)
    assert by_name["Register"]["Metadata"]["RegisterModel"]["Arn"] == package["ModelPackageArn"]
    assert CALLS == ["prepare"]


def test_a_rerun_with_the_same_arguments_hits_the_cache(workspace):
    pipeline = build(workspace["raw"])
    first = pipeline.start(log=None)
    messages: list[str] = []
    second = pipeline.start(log=messages.append)
    by_name = {s["StepName"]: s for s in second.list_steps()}
    for step in ("Prepare", "Train"):
        assert by_name[step]["CacheHitResult"] == {"SourcePipelineExecutionArn": first.arn}
    assert "CacheHitResult" not in by_name["Register"]  # registering is never cached
    assert any("Step Train: cache hit, reusing the outputs of " + first.arn.rpartition("/")[2] in m for m in messages)
    assert CALLS == ["prepare"] and len(list_training_jobs()) == 1
    assert second.result("Train") == first.result("Train")
    assert [s["ModelPackageVersion"] for s in registry.list_model_packages("tiny-models")] == [1, 2]
    # Another quality: the processing step is still cached, the training step runs again.
    third = pipeline.start(parameters={"Quality": 0.8}, log=None)
    by_name = {s["StepName"]: s for s in third.list_steps()}
    assert "CacheHitResult" in by_name["Prepare"] and "CacheHitResult" not in by_name["Train"]
    assert len(list_training_jobs()) == 2
    assert {"Name": "Quality", "Value": "0.8"} in third.list_parameters()["PipelineParameters"]


def test_a_cached_step_whose_outputs_are_gone_runs_again(workspace):
    pipeline = build(workspace["raw"])
    first = pipeline.start(log=None)
    uri = first.result("Prepare")["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    from helpers.platform import storage
    storage.delete(uri + "/train.csv")
    storage.s3_to_path(uri).rmdir()
    second = pipeline.start(log=None)
    assert "CacheHitResult" not in {s["StepName"]: s for s in second.list_steps()}["Prepare"]
    assert CALLS == ["prepare", "prepare"]


def test_a_failing_step_stops_the_execution_with_its_reason(workspace):
    pipeline = build(workspace["raw"], code=broken_prepare)
    execution = pipeline.start(log=None)
    description = execution.describe()
    assert description["PipelineExecutionStatus"] == "Failed"
    assert description["FailureReason"] == ("Step 'Prepare' failed: ValueError: column 'churn' is missing "
                                            "from raw.csv")
    assert statuses(execution) == {"Prepare": "Failed"}  # Train, Check, Register never started
    assert list_training_jobs() == []
    with pytest.raises(FailedStatusError, match="column 'churn' is missing"):
        execution.wait()


def test_the_else_branch_fail_step_ends_the_execution_with_its_message(workspace):
    execution = build(workspace["raw"]).start(parameters={"Quality": 0.2}, log=None)
    assert statuses(execution) == {"Prepare": "Succeeded", "Train": "Succeeded", "Check": "Succeeded",
                                   "TooWeak": "Failed"}
    step = {s["StepName"]: s for s in execution.list_steps()}["TooWeak"]
    assert step["Metadata"] == {"Fail": {"ErrorMessage": "score below 0.5 with quality 0.2"}}
    assert execution.describe()["FailureReason"] == "Step 'TooWeak' failed: score below 0.5 with quality 0.2"
    with pytest.raises(ValueError, match="No groups yet|not found"):
        registry.list_model_packages("tiny-models")


def test_the_definition_has_sagemakers_shape(workspace):
    pipeline = build(workspace["raw"])
    definition = json.loads(pipeline.definition())
    assert definition["Version"] == "2020-12-01"
    assert definition["Parameters"] == [
        {"Name": "InputData", "Type": "String", "DefaultValue": workspace["raw"]},
        {"Name": "Quality", "Type": "Float", "DefaultValue": 0.9},
        {"Name": "ModelApprovalStatus", "Type": "String", "DefaultValue": "PendingManualApproval"}]
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert [s["Name"] for s in definition["Steps"]] == ["Check", "Train", "Prepare"]  # branches nest in Check
    assert {s["Type"] for s in definition["Steps"]} == {"Condition", "Training", "Processing"}
    train = steps["Train"]["Arguments"]
    assert train["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Steps.Prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    assert train["HyperParameters"] == {"quality": {"Get": "Parameters.Quality"}}
    assert steps["Train"]["CacheConfig"] == {"Enabled": True}
    assert steps["Prepare"]["CacheConfig"] == {"Enabled": True, "ExpireAfter": "PT1H"}
    assert steps["Prepare"]["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"] == {"Get": "Parameters.InputData"}
    check = steps["Check"]["Arguments"]
    assert check["Conditions"] == [{"Type": "GreaterThanOrEqualTo", "LeftValue": {
        "Get": "Steps.Train.FinalMetricDataList['train:score'].Value"}, "RightValue": 0.5}]
    assert [s["Name"] for s in check["IfSteps"]] == ["Register"] and check["ElseSteps"][0]["Type"] == "Fail"
    assert check["ElseSteps"][0]["Arguments"]["ErrorMessage"] == {
        "Std:Join": {"On": " ", "Values": ["score below 0.5 with quality", {"Get": "Parameters.Quality"}]}}
    assert check["IfSteps"][0]["Arguments"]["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    # An explicit dependency shows as DependsOn and orders the run.
    late = FailStep("Late", error_message="stop here", depends_on=["Other"])
    other = FailStep("Other", error_message="first")
    ordered = json.loads(Pipeline("order", steps=[late, other]).definition())["Steps"]
    assert ordered[0]["DependsOn"] == ["Other"]


def test_parameters_are_checked_and_overridden_at_start(workspace):
    pipeline = build(workspace["raw"])
    with pytest.raises(TypeError, match="Parameter 'Quality' is a Float: 'high'"):
        pipeline.start(parameters={"Quality": "high"}, log=None)
    with pytest.raises(ValueError, match="Unknown pipeline parameter.*'Qualty'.*Quality"):
        pipeline.start(parameters={"Qualty": 1.0}, log=None)
    execution = pipeline.start(parameters={"ModelApprovalStatus": "Approved"}, log=None)
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    assert registry.latest_approved_model_package("tiny-models")["ModelPackageVersion"] == 1


def test_definition_errors_name_the_fix(workspace):
    with pytest.raises(ValueError, match="call pipeline.upsert\\(\\) before"):
        Pipeline("fresh", steps=[FailStep("Stop", error_message="x")]).start(log=None)
    pipeline = build(workspace["raw"])
    pipeline.steps[0].conditions[0].right = 0.6
    with pytest.raises(ValueError, match="changed since its last upsert"):
        pipeline.start(log=None)
    dangling = ProcessingStep("Use", code=prepare, inputs={"raw": FailStep("Ghost").properties.Outputs},
                              outputs=["train"])
    with pytest.raises(ValueError, match="'Use' depends on 'Ghost', which is not in the pipeline"):
        Pipeline("bad", steps=[dangling])
    with pytest.raises(ValueError, match="does not declare: add them to Pipeline\\(parameters"):
        Pipeline("bad", steps=[FailStep("F", error_message=ParameterString("Why", "x"))])
    a, b = FailStep("A", depends_on=["B"]), FailStep("B", depends_on=["A"])
    with pytest.raises(ValueError, match="cycle"):
        Pipeline("bad", steps=[a, b])
    with pytest.raises(ValueError, match="expire_after='1 hour' is not an ISO 8601 duration.*PT1H"):
        CacheConfig(enable_caching=True, expire_after="1 hour")


def test_executions_are_read_back_by_a_new_process(workspace):
    execution = build(workspace["raw"]).start(log=None)
    code = textwrap.dedent(f"""
        import json
        from helpers.platform.pipelines import Pipeline, describe_pipeline_execution, list_pipeline_execution_steps
        arn = {execution.arn!r}
        steps = list_pipeline_execution_steps(arn, sort_order="Ascending")
        print(json.dumps([describe_pipeline_execution(arn)["PipelineExecutionStatus"],
                          [(s["StepName"], s["StepStatus"]) for s in steps]]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == ["Succeeded", [["Prepare", "Succeeded"], ["Train", "Succeeded"],
                                                     ["Check", "Succeeded"], ["Register", "Succeeded"]]]


def test_an_execution_orphaned_by_a_dead_kernel_is_failed(workspace):
    execution = build(workspace["raw"]).start(log=None)
    path = next((workspace["home"] / "pipelines" / "churn" / "executions").glob("*/execution.json"))
    record = json.loads(path.read_text())
    record["PipelineExecutionStatus"] = "Executing"
    record["Steps"][-1]["StepStatus"] = "Executing"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    record["FlywheelLocal"].update(Pid=int(dead.stdout), Started=1.0)
    path.write_text(json.dumps(record))
    description = describe_pipeline_execution(execution.arn)
    assert description["PipelineExecutionStatus"] == "Failed"
    assert "exited before it finished" in description["FailureReason"]
    assert statuses(execution)["Register"] == "Failed"


def test_a_corrupt_execution_record_is_named(workspace):
    pipeline = build(workspace["raw"])
    execution = pipeline.start(log=None)
    path = next((workspace["home"] / "pipelines" / "churn" / "executions").glob("*/execution.json"))
    path.write_text("")
    with pytest.raises(CorruptRecord, match=r"execution.json is corrupt: the file is empty.*rm -r"):
        execution.describe()
    with pytest.warns(UserWarning, match="execution.json is corrupt"):
        assert pipeline.list_executions()["PipelineExecutionSummaries"] == []


# A processing script written for SageMaker: literal /opt/ml/processing paths, as the public examples write them.
SCRIPT = '''
import os, sys
raw = open(os.path.join("/opt/ml/processing/input/raw", "raw.csv")).read().splitlines()
if sys.argv[1:] == ["--fail"]:
    raise SystemExit("no rows to keep")
with open("/opt/ml/processing/output/train/train.csv", "w") as out:
    out.write("\\n".join(raw[:2]) + "\\n")
'''


def evaluate(inputs, outputs):
    rows = (inputs["train"] / "train.csv").read_text().splitlines()
    report = {"metrics": {"auc": {"value": len(rows) / 4}}}
    (outputs["evaluation"] / "evaluation.json").write_text(json.dumps(report))


def test_a_script_step_and_a_condition_on_a_json_report(workspace, tmp_path):
    from helpers.platform.pipelines import JsonGet, ParameterFloat, PropertyFile

    script = tmp_path / "prepare.py"
    script.write_text(SCRIPT)
    threshold = ParameterFloat("MinAuc", default_value=0.4)
    prepare_step = ProcessingStep("Prepare", code=str(script), inputs={"raw": workspace["raw"]}, outputs=["train"])
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate_step = ProcessingStep("Evaluate", code=evaluate, outputs=["evaluation"], property_files=[report],
                                   inputs={"train": prepare_step.properties.ProcessingOutputConfig.Outputs["train"]
                                           .S3Output.S3Uri})
    auc = JsonGet(step_name=evaluate_step.name, property_file=report, json_path="metrics.auc.value")
    check = ConditionStep("Check", conditions=[ConditionGreaterThanOrEqualTo(left=auc, right=threshold)],
                          else_steps=[FailStep("Weak", error_message=Join(on=" ", values=["auc", auc]))])
    pipeline = Pipeline("scripted", parameters=[threshold], steps=[prepare_step, evaluate_step, check])
    pipeline.upsert()
    definition = {s["Name"]: s for s in json.loads(pipeline.definition())["Steps"]}
    assert definition["Evaluate"]["PropertyFiles"] == [
        {"PropertyFileName": "EvaluationReport", "OutputName": "evaluation", "FilePath": "evaluation.json"}]
    assert definition["Check"]["Arguments"]["Conditions"][0]["LeftValue"] == {"Std:JsonGet": {
        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"}, "Path": "metrics.auc.value"}}
    passed = pipeline.start(log=None)
    assert passed.describe()["PipelineExecutionStatus"] == "Succeeded"
    assert passed.result("Evaluate")["PropertyFiles"]["EvaluationReport"] == {"metrics": {"auc": {"value": 0.5}}}
    failed = pipeline.start(parameters={"MinAuc": 0.9}, log=None)
    assert failed.describe()["FailureReason"] == "Step 'Weak' failed: auc 0.5"


def test_a_failing_script_names_its_last_error_line(workspace, tmp_path):
    script = tmp_path / "prepare.py"
    script.write_text(SCRIPT)
    step = ProcessingStep("Prepare", code=str(script), inputs={"raw": workspace["raw"]}, outputs=["train"],
                          job_arguments=["--fail"])
    pipeline = Pipeline("scripted", steps=[step])
    pipeline.upsert()
    reason = pipeline.start(log=None).describe()["FailureReason"]
    assert reason == "Step 'Prepare' failed: AlgorithmError: prepare.py exited with status 1: no rows to keep"


def counted(inputs, outputs):
    CALLS.append("counted")
    (outputs["out"] / "done.txt").write_text("ok")


def test_an_expired_cache_entry_is_a_miss_and_is_pruned_when_the_pipeline_runs(workspace, monkeypatch):
    from helpers.platform.pipelines import caching

    clock = {"now": caching.wall_clock()}
    monkeypatch.setattr(caching, "wall_clock", lambda: clock["now"])
    hourly = ProcessingStep("Count", code=counted, outputs=["out"],
                            cache_config=CacheConfig(enable_caching=True, expire_after="PT1H"))
    forever = ProcessingStep("Keep", code=counted, outputs=["out"], cache_config=CacheConfig(enable_caching=True))
    pipeline = Pipeline("expiring", steps=[hourly, forever])
    pipeline.upsert()
    cache = workspace["home"] / "pipelines" / "expiring" / "cache"
    first = pipeline.start(log=None)
    assert CALLS == ["counted", "counted"] and len(list(cache.glob("*.json"))) == 2
    clock["now"] += 3599  # just inside the hour: both hit
    second = pipeline.start(log=None)
    assert all(s["CacheHitResult"] == {"SourcePipelineExecutionArn": first.arn} for s in second.list_steps())
    clock["now"] += 2  # past it: Count's entry is pruned before the run and the step runs again; Keep's stays
    messages: list[str] = []
    third = pipeline.start(log=messages.append)
    assert "Step cache: removed 1 entry older than their step's expire_after" in messages
    by_name = {s["StepName"]: s for s in third.list_steps()}
    assert "CacheHitResult" not in by_name["Count"] and "CacheHitResult" in by_name["Keep"]
    assert CALLS == ["counted", "counted", "counted"]
    entries = {json.loads(p.read_text())["StepName"]: json.loads(p.read_text()) for p in cache.glob("*.json")}
    assert entries["Count"]["SourcePipelineExecutionArn"] == third.arn  # the fresh entry replaced the pruned one
    assert entries["Keep"]["SourcePipelineExecutionArn"] == first.arn


def test_cache_durations_are_iso_8601():
    from helpers.platform.pipelines.caching import duration_seconds

    assert duration_seconds("PT1H") == 3600 and duration_seconds("P30D") == 30 * 86400
    assert duration_seconds("p1dt12h") == 36 * 3600  # lower case, as the SDK's own example 'p30d'
    assert duration_seconds("PT0.5S") == 0.5
    for bad in ("30D", "P", "PT", "P1H", "1 hour", "", None, 3600):
        with pytest.raises(ValueError, match="is not an ISO 8601 duration: write e.g. 'PT1H'"):
            CacheConfig(enable_caching=True, expire_after=bad) if bad is not None else duration_seconds(bad)


def stop_running(inputs, outputs):
    """Stop whichever execution of 'stoppable' is running (as another notebook would)."""
    from helpers.platform.pipelines import stop_pipeline_execution

    summaries = Pipeline("stoppable").list_executions()["PipelineExecutionSummaries"]
    stop_pipeline_execution(next(s["PipelineExecutionArn"] for s in summaries
                                 if s["PipelineExecutionStatus"] == "Executing"))


def test_stop_ends_the_execution_before_its_next_step(workspace):
    first = ProcessingStep("First", code=stop_running, outputs=["out"])
    later = ProcessingStep("Later", code=counted, outputs=["out"], depends_on=[first])
    pipeline = Pipeline("stoppable", steps=[later, first])
    pipeline.upsert()
    execution = pipeline.start(log=None)
    description = execution.describe()
    assert description["PipelineExecutionStatus"] == "Stopped"
    assert description["FailureReason"] == "Stopped before step 'Later': stop() was called."
    assert statuses(execution) == {"First": "Succeeded"} and CALLS == []
    execution.wait()  # a stopped execution is over: wait returns


def test_cleanup_fails_orphaned_executions_and_the_doctor_names_corrupt_records(workspace, capsys):
    from helpers.course import cleanup, doctor

    execution = build(workspace["raw"]).start(log=None)
    executions = workspace["home"] / "pipelines" / "churn" / "executions"
    path = next(executions.glob("*/execution.json"))
    record = json.loads(path.read_text())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    record.update(PipelineExecutionStatus="Executing")
    record["FlywheelLocal"].update(Pid=int(dead.stdout), Started=1.0)
    path.write_text(json.dumps(record))
    assert cleanup.main([], root=None) == 0
    assert f"pipeline execution {execution.arn}: the notebook that ran it had exited; marked Failed" in \
        capsys.readouterr().out
    assert json.loads(path.read_text())["PipelineExecutionStatus"] == "Failed"
    assert doctor.check_records().ok
    package = workspace["home"] / "model-registry" / "tiny-models" / "versions" / "1" / "package.json"
    package.write_text("[]")
    path.write_text("{")
    finding = doctor.check_records()
    assert not finding.ok and str(package) in finding.detail and str(path) in finding.detail
    assert "rm -r" in finding.fix
    assert cleanup.main(["--list"], root=None) == 0
    assert str(package) in capsys.readouterr().out


def test_the_sagemaker_backend_is_refused_with_the_fix(workspace, monkeypatch):
    pipeline = build(workspace["raw"])
    monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")
    # Refused before any request: a function step is local-only (or, without the SageMaker twin, start() is).
    with pytest.raises((NotImplementedError, ValueError),
                       match="use_backend\\('local'\\)|SageMaker runs scripts in containers"):
        pipeline.start(log=None)


def test_a_failed_training_job_fails_its_step_with_the_jobs_reason(workspace):
    execution = build(workspace["raw"]).start(parameters={"Quality": -1.0}, log=None)
    assert statuses(execution) == {"Prepare": "Succeeded", "Train": "Failed"}
    reason = execution.describe()["FailureReason"]
    job = list_training_jobs()[0]["TrainingJobName"]
    assert reason.startswith(f"Step 'Train' failed: Training job {job!r} failed: ")
    assert reason.endswith("AlgorithmError: ValueError: quality must not be negative")


def champion_pipeline(raw_uri: str) -> Pipeline:
    """Register the new model Approved only when its score beats the approved one's (BaselineScore)."""
    from helpers.platform.pipelines import ConditionGreaterThan

    input_data = ParameterString("InputData", default_value=raw_uri)
    quality = ParameterFloat("Quality", default_value=0.9)
    baseline = ParameterFloat("BaselineScore", default_value=0.0)
    trainer = ModelTrainer(training_image="tiny-algo", base_job_name="tiny")
    train = TrainingStep("Train", trainer, hyperparameters={"quality": quality},
                         inputs=[InputData(channel_name="train", data_source=input_data)])
    score = train.properties.FinalMetricDataList["train:score"].Value
    approve = RegisterModel("RegisterApproved", model_package_group_name="champions", image_uri="tiny-algo",
                            model_data=train.properties.ModelArtifacts.S3ModelArtifacts, approval_status="Approved",
                            customer_metadata_properties={"score": score})
    beats = ConditionStep("BeatsCurrent", conditions=[ConditionGreaterThan(left=score, right=baseline)],
                          if_steps=[approve])
    pipeline = Pipeline("champion", parameters=[input_data, quality, baseline], steps=[train, beats])
    pipeline.upsert()
    return pipeline


def test_drift_retrains_and_only_a_better_model_is_approved(workspace):
    from types import SimpleNamespace

    from helpers.platform.pipelines import baseline_metric, retrain_if_drifted

    pipeline = champion_pipeline(workspace["raw"])
    calm = SimpleNamespace(violations=[], drifted_features=[])
    drifted = SimpleNamespace(violations=[{"feature_name": "tenure", "description": "tenure drifted (KS 0.4)"}],
                              drifted_features=["tenure"])
    messages: list[str] = []
    assert retrain_if_drifted(calm, pipeline, log=messages.append) is None
    assert "nothing retrained" in messages[-1] and pipeline.list_executions()["PipelineExecutionSummaries"] == []

    assert baseline_metric("champions", "score", default=0.0) == 0.0  # no approved model yet: anything beats it
    first = retrain_if_drifted(drifted, pipeline, parameters={"BaselineScore": 0.0}, log=messages.append)
    assert "Retraining: tenure drifted (KS 0.4); feature 'tenure' drifted" in messages
    assert first.describe()["PipelineExecutionStatus"] == "Succeeded"
    champion = baseline_metric("champions", "score")
    assert champion == pytest.approx(0.9 * 3 / 4)

    worse = retrain_if_drifted(drifted, pipeline, parameters={"BaselineScore": champion, "Quality": 0.5}, log=None)
    assert {s["StepName"]: s for s in worse.list_steps()}["BeatsCurrent"]["Metadata"] == {
        "Condition": {"Outcome": "False"}}
    assert registry.latest_approved_model_package("champions")["ModelPackageVersion"] == 1

    better = retrain_if_drifted(drifted, pipeline, parameters={"BaselineScore": champion, "Quality": 1.0}, log=None)
    assert better.describe()["PipelineExecutionStatus"] == "Succeeded"
    assert registry.latest_approved_model_package("champions")["ModelPackageVersion"] == 2
    assert baseline_metric("champions", "score") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="has no metric 'auc' \\(it has: score\\)"):
        baseline_metric("champions", "auc")


def interrupted(inputs, outputs):
    raise KeyboardInterrupt


def test_interrupting_the_notebook_stops_the_execution_and_its_step(workspace):
    pipeline = Pipeline("interrupted", steps=[ProcessingStep("Slow", code=interrupted, outputs=["out"])])
    pipeline.upsert()
    with pytest.raises(KeyboardInterrupt):
        pipeline.start(log=None)
    arn = pipeline.list_executions()["PipelineExecutionSummaries"][0]["PipelineExecutionArn"]
    description = describe_pipeline_execution(arn)
    assert (description["PipelineExecutionStatus"], description["FailureReason"]) == (
        "Stopped", "Interrupted (KeyboardInterrupt in the notebook).")
    from helpers.platform.pipelines import PipelineExecution
    assert statuses(PipelineExecution(arn)) == {"Slow": "Stopped"}
