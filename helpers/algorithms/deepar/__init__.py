"""SageMaker's DeepAR forecasting algorithm, locally: one autoregressive LSTM trained over many
related time series, with a likelihood head (student-T, gaussian, negative-binomial, beta or
deterministic-L1), forecasting by sampling paths.

Training data (channel ``train``, required; ``test``, optional): JSON Lines files (``.json``, or
``.json.gz``), one series per line::

    {"start": "2024-01-01 00:00:00", "target": [412, 388, "NaN", 455], "cat": [2]}

``test`` holds the full series; after training DeepAR forecasts the last ``prediction_length``
values of each from the rest and logs ``test:RMSE`` (of the mean forecast) and
``test:mean_wQuantileLoss`` (mean over ``test_quantiles`` of
``2 sum(tau (y - q)+ + (1 - tau) (q - y)+) / sum |y|``); ``train:final_loss`` is the mean negative
log-likelihood of the last epoch. The usual split: the full series in ``test``, the series without
their last ``prediction_length`` values in ``train``.

Inference (application/json)::

    {"instances": [{"start": "2024-12-01 00:00:00", "target": [...], "cat": [2]}],
     "configuration": {"num_samples": 100, "output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.9"]}}

returns ``{"predictions": [{"mean": [...], "quantiles": {"0.1": [...], "0.9": [...]}}]}`` with
``prediction_length`` values each (``"samples"`` adds the sample paths). application/jsonlines takes
one instance per line (batch transform) with the configuration from ``DEEPAR_INFERENCE_CONFIG``.

Local choices SageMaker does not document: lags (in steps) 1, 2, 3 and the seasonal ones (daily:
7, 14, 21, 28 and 364 days; hourly: 24, 48, 72, 168; weekly: 4, 52; monthly: 12; minutes: up to an
hour); date features as GluonTS (e.g. daily: day of week, of month, of year) plus an age feature;
``dropout_rate`` is dropout between LSTM layers (SageMaker uses zoneout; with ``num_layers=1`` it has
no effect); an epoch samples about as many windows as cover every value once; Adam with gradient
clipping at 10, the learning rate halved after 10 epochs without improvement; the best epoch's
weights are kept; ``dynamic_feat`` is not supported (set ``num_dynamic_feat="ignore"`` to train on
records that carry it); Parquet input is not read; seeds are fixed, so a request gets the same
sample paths every time.
"""

from helpers.algorithms.deepar.algorithm import DEFAULT_CONFIGURATION, DeepAR, DeepARModel, weighted_quantile_loss

__all__ = ["DeepAR", "DeepARModel", "weighted_quantile_loss", "DEFAULT_CONFIGURATION"]
