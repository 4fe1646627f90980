"""SDK v2's ``sagemaker.model_monitor`` path for the kit's capture and monitoring names (same arguments):
``deploy(..., data_capture_config=DataCaptureConfig(enable_capture=True, sampling_percentage=100))``."""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.serving": "DataCaptureConfig DefaultModelMonitor DatasetFormat",
})
