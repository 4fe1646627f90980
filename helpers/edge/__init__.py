"""The edge: a trained model exported to ONNX and run with ONNX Runtime, before and after quantization (what Neo does for a device).

    from helpers import edge
    split = edge.maintenance_split()                 # the milling-machine sensors, float32 [N, 8]
    models = edge.fit_models(split)                  # scaling + logistic regression, scaling + MLP
    exported = edge.export_models(models)            # float32 ONNX, int8 and uint8 quantized, as bytes
    edge.save(exported["MLP"]["ONNX int8"], folder / "mlp-int8.onnx")
    device = edge.EdgeModel(folder / "mlp-int8.onnx")  # ONNX Runtime, CPU, one thread
    table = edge.measure(models, exported, split)    # size, latency, accuracy per model and runtime
    print(edge.summary(table)); print(edge.explain())

Modules: ``models`` (data and training), ``export`` (ONNX, quantization, the device-side model),
``benchmark`` (timing and the table), ``plots`` (the figure and its text), ``devices`` (Neo, Greengrass).
"""

from helpers.edge.benchmark import (FLOAT32, INT8, PROBABILITY_ATOL, QUANTIZED, RUNTIMES, SKLEARN, UINT8, Timing,
                                    batch_latency, export_models, measure, row_latency, summary)
from helpers.edge.devices import SERVICES, explain
from helpers.edge.export import INPUT_NAME, EdgeModel, operators, quantize, quantized_nodes, save, to_onnx
from helpers.edge.models import FEATURES, Split, fit_models, maintenance_features, maintenance_split

__all__ = ["FEATURES", "FLOAT32", "INPUT_NAME", "INT8", "PROBABILITY_ATOL", "QUANTIZED", "RUNTIMES", "SERVICES",
           "SKLEARN", "UINT8", "EdgeModel", "Split", "Timing", "batch_latency", "explain", "export_models",
           "fit_models", "maintenance_features", "maintenance_split", "measure", "operators", "quantize",
           "quantized_nodes", "row_latency", "save", "summary", "to_onnx"]
