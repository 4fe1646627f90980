"""Data quality decisions measured: statistical outliers, imputation compared, and the bias-variance trade-off.

One module per question, each importable on its own (``from helpers.data_quality import outliers``):

- :mod:`~helpers.data_quality.eda`: seaborn figures for a first look: distributions, box plots whose
  points are the IQR outliers, pair plots, a correlation heatmap, the label against each feature;
- :mod:`~helpers.data_quality.outliers`: impossible values (rules) kept apart from statistical outliers
  (IQR fences, robust z-score, isolation forest), and a table of flagged rows to decide on;
- :mod:`~helpers.data_quality.imputation`: mean, median, KNN and iterative imputation, with and without
  a missing indicator, on the same model and folds (Boston with values missing not at random);
- :mod:`~helpers.data_quality.binning`: a column cut by equal width, quantiles or domain edges, and what
  that does to a linear model;
- :mod:`~helpers.data_quality.cross_validation`: one split's luck against a k-fold mean, and the leak of
  a step fitted outside the folds;
- :mod:`~helpers.data_quality.bias_variance`: bias², variance and noise of models of growing complexity
  on a problem with a known truth.
"""
