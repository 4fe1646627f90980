"""Port: DeepAR on synthetic hourly series, JSON Lines written with s3fs, forecasts through a subclass of
SDK v1's RealTimePredictor (aws/amazon-sagemaker-examples, SDK v1). The notebook makes its own data."""

from __future__ import annotations

from port_support import LIBS, Change, Port, run, v2, v2_imports

PANDAS_FREQ = "pandas 3 refuses the frequency alias 'H' ('h'); DeepAR's time_freq keeps SageMaker's 'H'"

PORT = Port(
    name="deepar_synthetic",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/deepar_synthetic/deepar_synthetic.ipynb",
    commit="0f357370017192dde6cc363ab36f81d5a44cf64a",
    smoke="10 series instead of 200 (400 hours each, as published), 1 epoch instead of 20, 2 layers of 10 cells "
          "instead of 3 of 40",
    changes=(
        *v2_imports(count_import_sagemaker=1),
        v2("from sagemaker.amazon.amazon_estimator import get_image_uri"),
        Change("shell", "!conda install -y s3fs\n", "# s3fs is installed with the kit\n"),
        Change("data", "bucket = '<your_s3_bucket_name_here>'", "bucket = sagemaker.Session().default_bucket()"),
        Change("smoke", "num_ts = 200", "num_ts = 10"),
        Change("smoke", '"epochs": "20"', '"epochs": "1"'),
        Change("smoke", '"num_cells": "40",\n    "num_layers": "3",', '"num_cells": "10",\n    "num_layers": "2",'),
        Change("workaround", "index = pd.DatetimeIndex(start=t0, freq=freq, periods=data_length)",
               "index = pd.date_range(start=t0, freq=freq.lower(), periods=data_length)",
               why=LIBS, what="pandas 1.0 removed DatetimeIndex(start=...); " + PANDAS_FREQ),
        Change("workaround", "prediction_index = pd.DatetimeIndex(start=prediction_times[k], freq=self.freq, periods=self.prediction_length)",
               "prediction_index = pd.date_range(start=prediction_times[k], freq=self.freq.lower(), periods=self.prediction_length)",
               why=LIBS, what="pandas 1.0 removed DatetimeIndex(start=...); " + PANDAS_FREQ),
        Change("workaround", "pd.Timedelta(1, unit=freq)", "pd.Timedelta(1, unit=freq.lower())", why=LIBS, what=PANDAS_FREQ),
    ),
)


def test_deepar_synthetic_notebook_runs(port_home):
    ns = run(PORT, port_home)
    forecasts = ns["list_of_df"]
    assert len(forecasts) == 5
    for frame in forecasts:
        assert list(frame.columns) == ["0.1", "0.5", "0.9"] and len(frame) == ns["prediction_length"]
        assert (frame["0.1"] <= frame["0.9"]).all()
