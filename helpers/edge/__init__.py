"""The edge: a trained model exported to ONNX and run with ONNX Runtime, before and after quantization (what Neo does for a device)."""
