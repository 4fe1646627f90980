"""Explaining a model to the business: bias metrics shaped like SageMaker Clarify's, SHAP values and partial dependence."""
