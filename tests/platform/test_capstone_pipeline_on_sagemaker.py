"""Notebook 10's retraining pipeline, built from the notebook's own cell: on the sagemaker backend (moto) it passes
the twin's pre-flight and SageMaker stores its definition with both scripts in S3; locally it runs with the same
step statuses as the notebook's three executions, and the evaluation script's dollars are helpers.evaluation's."""

from __future__ import annotations

import json
import tarfile

import nbformat
import numpy as np
import pandas as pd
import pytest
import xgboost

from helpers import ROOT, evaluation
from helpers.platform import InputData, ModelTrainer, Session, image_uris, storage
from helpers.platform import pipelines
from aws_support import module_account, on_module_account  # noqa: F401  (the fixtures "account" and "aws")

NOTEBOOK = ROOT / "solutions" / "10_capstone.ipynb"
SCRIPTS = ROOT / "helpers" / "train_scripts" / "capstone_pipeline"
REGION = "us-east-1"
SKLEARN = image_uris.retrieve("sklearn", REGION, version="1.2-1")
XGBOOST = image_uris.retrieve("xgboost", REGION, version="1.7-1")
FEATURES = ["hour", "amount", "signal"]  # the amount is not the first feature, as in the notebook
REVIEW_COST = 5.0  # dollars, the notebook's
THRESHOLD = 0.5


def notebook_pipeline_code() -> str:
    """The notebook's constants and the statements that build its pipeline (up to ``pipeline.upsert``)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c.source for c in notebook.cells if c.cell_type == "code" and 'Pipeline("card-fraud-retrain"' in c.source)
    constants = [line for line in cell.splitlines() if line.startswith(("GROUP, MARGIN =", "NOTHING_TO_BEAT =", "SCRIPTS ="))]
    assert len(constants) == 3, cell
    return "\n".join(constants) + "\n" + cell[cell.index("first_day, last_day = "):cell.index("pipeline.upsert(")]


def build(trainer, labelled: str) -> dict:
    """The notebook's pipeline on ``trainer`` and the labelled table's folder: the names the cell defines."""
    namespace = {name: getattr(pipelines, name) for name in pipelines.__all__}
    namespace.update(ROOT=ROOT, InputData=InputData, image_uris=image_uris, region=REGION, trainer=trainer,
                     labelled=labelled, threshold=THRESHOLD, REVIEW_COST=REVIEW_COST, FEATURES=FEATURES)
    exec(compile(notebook_pipeline_code(), str(NOTEBOOK), "exec"), namespace)
    return namespace


def notebook_trainer(**kwargs):
    """Section 4's trainer (fewer rounds): the built-in XGBoost by its ECR image."""
    return ModelTrainer(training_image=XGBOOST, base_job_name="card-fraud-xgb", hyperparameters={
        "objective": "binary:logistic", "eval_metric": "auc", "num_round": 5, "max_depth": 3, "eta": 0.3,
        "min_child_weight": 1, "seed": 0}, **kwargs)


# ------------------------------------------------------------------------------- on SageMaker (moto)

def _strict_json(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} in the definition: JSON has no such number and SageMaker refuses it")
    return json.loads(text, parse_constant=refuse)


def _processing_steps(definition: dict) -> dict:
    steps = {}
    for step in definition["Steps"]:
        steps.update({s["Name"]: s for s in [step] if s["Type"] == "Processing"})
    return steps


def _valid(step: dict, role: str) -> None:
    """The step's CreateProcessingJob request (run-time values as strings) passes botocore's validation."""
    import botocore.session
    from botocore.validate import ParamValidator

    def resolved(value):
        if isinstance(value, dict):
            if len(value) == 1 and set(value) <= {"Get", "Std:Join", "Std:JsonGet"}:
                return "s3://bucket/resolved-at-run-time"
            return {k: resolved(v) for k, v in value.items()}
        return [resolved(v) for v in value] if isinstance(value, list) else value

    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateProcessingJob")
    report = ParamValidator().validate({**resolved(step["Arguments"]), "ProcessingJobName": "job", "RoleArn": role},
                                       shape.input_shape)
    assert not report.has_errors(), (step["Name"], report.generate_report())


def test_the_notebooks_pipeline_goes_to_sagemaker_pipelines_as_it_is(aws):
    bucket = Session().default_bucket()  # the SDK's, in moto's account
    names = build(notebook_trainer(role=aws["role"]), f"s3://{bucket}/10-capstone/labelled-x")
    pipeline = names["pipeline"]
    local = _strict_json(pipeline.definition())
    pipeline.upsert(role_arn=aws["role"])
    stored = _strict_json(pipeline.describe()["PipelineDefinition"])

    steps = _processing_steps(stored)
    assert set(steps) == {"TrainWindow", "Holdout", "Evaluate"}
    assert {name: s["Arguments"]["AppSpecification"]["ImageUri"] for name, s in steps.items()} == {
        "TrainWindow": SKLEARN, "Holdout": SKLEARN, "Evaluate": XGBOOST}
    for name, step in steps.items():
        script = "evaluate.py" if name == "Evaluate" else "select_days.py"
        specification = step["Arguments"]["AppSpecification"]
        assert specification["ContainerEntrypoint"] == ["python3", f"/opt/ml/processing/input/code/{script}"]
        # a container's command line is text: a parameter goes as a Std:Join, never as a bare number
        assert all(isinstance(a, str) or set(a) == {"Std:Join"} for a in specification["ContainerArguments"]), step
        code = next(i for i in step["Arguments"]["ProcessingInputs"] if i["InputName"] == "code")["S3Input"]["S3Uri"]
        assert code.startswith(f"s3://{bucket}/card-fraud-retrain/code/") and code.endswith(f"/{script}")
        key = code.removeprefix(f"s3://{bucket}/")
        assert aws["s3"].get_object(Bucket=bucket, Key=key)["Body"].read() == (SCRIPTS / script).read_bytes()
        _valid(step, aws["role"])
    window = steps["TrainWindow"]["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert window[1] == {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.FirstTrainDay"}]}}

    # apart from the scripts' move to S3 (and the role each job runs as), SageMaker stores the local definition
    for step in _processing_steps(local).values():
        step["Arguments"]["AppSpecification"]["ContainerEntrypoint"] = None
    for step in steps.values():
        step["Arguments"]["AppSpecification"]["ContainerEntrypoint"] = None
        step["Arguments"]["ProcessingInputs"] = [i for i in step["Arguments"]["ProcessingInputs"] if i["InputName"] != "code"]
        assert step["Arguments"].pop("RoleArn", aws["role"]) == aws["role"]
    for stored_step, local_step in zip(stored.pop("Steps"), local.pop("Steps"), strict=True):
        assert stored_step == local_step, stored_step["Name"]
    assert stored == local
    assert stored["Parameters"][2] == {"Name": "MaxCost", "Type": "Float", "DefaultValue": names["NOTHING_TO_BEAT"]}
    pipeline.delete()


def test_a_processing_step_carries_its_image_and_a_function_takes_none(flywheel_home, tmp_path):
    def prepare(inputs, outputs):
        """A function step."""

    step = pipelines.ProcessingStep("Prepare", code=SCRIPTS / "select_days.py", image_uri=SKLEARN,
                                    inputs={"table": "s3://data/table"}, outputs=["rows"])
    assert step.to_request("p")["Arguments"]["AppSpecification"]["ImageUri"] == SKLEARN
    with pytest.raises(ValueError, match="'Prepare': a function runs in this Python, never in an image: drop image_uri"):
        pipelines.ProcessingStep("Prepare", code=prepare, image_uri=SKLEARN)


# ------------------------------------------------------------------------------------------ locally

def payments(rows: int = 400) -> pd.DataFrame:
    """Label first, FEATURES, the day last: the notebook's labelled table, small. Fraud follows ``signal``."""
    rng = np.random.default_rng(7)
    signal = rng.normal(size=rows)
    table = pd.DataFrame({"is_fraud": (signal + rng.normal(scale=0.7, size=rows) > 1.0).astype(int),
                          "hour": rng.integers(0, 24, rows), "amount": rng.lognormal(4, 1, rows).round(2),
                          "signal": signal.round(4), "day": rng.integers(0, 61, rows)})
    return table


def statuses(execution) -> dict:
    """``{step: (status, cache hit, condition outcome)}`` as the notebook's steps_table shows them."""
    return {s["StepName"]: (s["StepStatus"], "CacheHitResult" in s, s.get("Metadata", {}).get("Condition", {}).get("Outcome", ""))
            for s in execution.list_steps()}


def report(execution) -> dict:
    uri = execution.result("Evaluate")["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    return json.loads((storage.s3_to_path(uri) / "evaluation.json").read_text())


def expected_cost(execution, table: pd.DataFrame) -> float:
    """helpers.evaluation's dollars for the execution's model on the holdout days (53 on), computed here."""
    artifact = storage.s3_to_path(execution.result("Train")["ModelArtifacts"]["S3ModelArtifacts"])
    with tarfile.open(artifact) as archive:
        booster = xgboost.Booster()
        booster.load_model(bytearray(archive.extractfile("xgboost-model").read()))
    holdout = table[table["day"] >= 53]
    flagged = booster.predict(xgboost.DMatrix(holdout[FEATURES].to_numpy())) >= THRESHOLD
    return round(evaluation.cost_of_predictions(holdout["is_fraud"], flagged, fn_cost=holdout["amount"].to_numpy(),
                                                fp_cost=REVIEW_COST, tp_cost=REVIEW_COST), 2)


def test_the_notebooks_pipeline_runs_locally_with_the_notebooks_statuses(flywheel_home, tmp_path):
    table = payments()
    (tmp_path / "labelled.csv").write_text(table.to_csv(header=False, index=False))
    labelled = Session().upload_data(str(tmp_path / "labelled.csv"), key_prefix="10-capstone/labelled").rsplit("/", 1)[0]
    names = build(notebook_trainer(), labelled)
    pipeline, unbeatable = names["pipeline"], names["NOTHING_TO_BEAT"]
    pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/local")
    ran = ("Succeeded", False, "")

    first = pipeline.start(parameters={"FirstTrainDay": 7, "LastTrainDay": 45, "MaxCost": unbeatable}, log=None)
    assert statuses(first) == {"TrainWindow": ran, "Holdout": ran, "Train": ran, "Evaluate": ran,
                               "BeatsApproved": ("Succeeded", False, "True"), "RegisterApproved": ran}
    first_cost = report(first)["cost"]["value"]
    assert first_cost == expected_cost(first, table)
    window = storage.s3_to_path(first.result("TrainWindow")["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"])
    chosen = table[(table["day"] >= 7) & (table["day"] < 45)].drop(columns="day")
    assert pd.read_csv(window / "rows.csv", header=None).to_numpy().tolist() == chosen.to_numpy().tolist()

    bar = first_cost - 20.0
    second = pipeline.start(parameters={"FirstTrainDay": 30, "LastTrainDay": 53, "MaxCost": bar}, log=None)
    second_cost = report(second)["cost"]["value"]
    assert second_cost == expected_cost(second, table)
    approved = second_cost <= bar
    assert statuses(second) == {"TrainWindow": ran, "Holdout": ("Succeeded", True, ""), "Train": ran, "Evaluate": ran,
                                "BeatsApproved": ("Succeeded", False, str(approved)),
                                f"Register{'Approved' if approved else 'Rejected'}": ran}

    third = pipeline.start(parameters={"FirstTrainDay": 7, "LastTrainDay": 45, "MaxCost": first_cost - 20.0}, log=None)
    cached = ("Succeeded", True, "")
    assert statuses(third) == {"TrainWindow": cached, "Holdout": cached, "Train": cached, "Evaluate": cached,
                               "BeatsApproved": ("Succeeded", False, "False"), "RegisterRejected": ran}
