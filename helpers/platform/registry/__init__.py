"""A model registry shaped like SageMaker's: model package groups, versions with metrics, approval status."""
