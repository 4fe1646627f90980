"""Pipelines shaped like SageMaker Pipelines: parameters, steps, a JSON definition, step caching and executions, run locally.

    from helpers.platform.pipelines import (Pipeline, ParameterString, ParameterFloat, ProcessingStep,
        TrainingStep, TransformStep, TransformInput, TuningStep, ConditionStep, ConditionGreaterThanOrEqualTo,
        RegisterModel, FailStep, CacheConfig, StepRetryPolicy, SageMakerJobStepRetryPolicy, PropertyFile, JsonGet,
        Join, ExecutionVariables)

Names load on first use (``helpers.platform.lazy``).
"""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.pipelines.pipeline": "Pipeline list_pipelines",
    "helpers.platform.pipelines.parameters": "ParameterString ParameterInteger ParameterFloat ParameterBoolean",
    "helpers.platform.pipelines.steps": (
        "ProcessingStep ProcessingInput ProcessingOutput TrainingStep ConditionStep RegisterModel FailStep"),
    "helpers.platform.pipelines.conditions": (
        "ConditionEquals ConditionGreaterThan ConditionGreaterThanOrEqualTo ConditionLessThan "
        "ConditionLessThanOrEqualTo ConditionNot ConditionOr"),
    "helpers.platform.pipelines.expressions": "PropertyFile JsonGet Join ExecutionVariables",
    "helpers.platform.pipelines.job_steps": "TransformStep TransformInput TuningStep",
    "helpers.platform.pipelines.caching": "CacheConfig",
    "helpers.platform.pipelines.retry": (
        "StepRetryPolicy SageMakerJobStepRetryPolicy StepExceptionTypeEnum SageMakerJobExceptionTypeEnum"),
    "helpers.platform.pipelines.execution": (
        "PipelineExecution describe_pipeline_execution list_pipeline_execution_steps stop_pipeline_execution "
        "reconcile_executions"),
    "helpers.platform.pipelines.store": "corrupt_records",
    "helpers.platform.pipelines.retraining": "baseline_metric drift_found retrain_if_drifted",
})
