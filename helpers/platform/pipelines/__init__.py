"""Pipelines shaped like SageMaker Pipelines: parameters, steps, a JSON definition, step caching and executions, run locally."""
