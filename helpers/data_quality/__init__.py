"""Data quality decisions measured: statistical outliers, imputation compared, and the bias-variance trade-off."""
