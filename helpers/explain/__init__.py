"""Explaining a model to the business: bias metrics shaped like SageMaker Clarify's, SHAP values and partial dependence.

- :mod:`helpers.explain.bias`: Clarify's pre-training (CI, DPL, KL, JS, LP, TVD, KS, CDDL) and
  post-training (DPPL, DI, DCA, DCR, RD, SD, DAR, DRR, AD, TE, CDDPL, FT, GE) metrics, a
  ``BiasConfig`` / ``DataConfig`` with Clarify's field names, and a report shaped like ``analysis.json``.
- :mod:`helpers.explain.attributions`: SHAP values from xgboost's exact TreeSHAP, a brute-force
  Shapley check, partial dependence (scikit-learn), a global summary, a prediction in words, plots.
- :mod:`helpers.explain.salary_gap`: the messy customers' gender gap found in the labels, in models
  with and without sex, and in the proxies that carry it.
"""
