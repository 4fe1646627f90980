"""What AWS adds between "an ONNX file that runs here" and "a model running on a thousand devices".

This lesson does two of Neo's steps by hand on this machine: export to a framework-neutral format
(ONNX) and shrink the weights (int8 quantization), then measure. The managed services add the parts
that need the target hardware or a fleet. Kept as data so the notebook prints it and a test checks
that every step this lesson does is matched to a service step.
"""

from __future__ import annotations

# Each entry: what the service is for, what it adds on a device, and what this lesson did instead.
SERVICES: dict[str, dict[str, object]] = {
    "SageMaker Neo": {
        "what": "a compiler: a trained model in, an executable for one named target out",
        "adds": (
            "compiles for a target chip (a cloud instance family such as ml_c5, or an edge device such as an "
            "NVIDIA Jetson or a Raspberry Pi, or an OS/architecture/accelerator triple): operator fusion, "
            "memory layout and kernels chosen for that CPU, GPU or NPU, where ONNX Runtime here picks kernels "
            "for the CPU it happens to run on",
            "takes the model in its own framework (PyTorch, TensorFlow, MXNet, ONNX, XGBoost, TFLite, among others) "
            "with the input shape declared up front (DataInputConfig), as this lesson fixes [N, 8] float32 at export",
            "a small runtime (the Deep Learning Runtime, DLR) to load the compiled artefact on the device, "
            "instead of a full framework",
            "a compilation job (CreateCompilationJob) whose output is an artefact in S3 that SageMaker "
            "hosting or Greengrass can deploy",
        ),
        "here": "to_onnx (a framework-neutral graph with a fixed input) and quantize (8-bit weights), "
                "measured with ONNX Runtime on this machine's CPU",
    },
    "AWS IoT Greengrass": {
        "what": "a runtime and deployment service for fleets of devices",
        "adds": (
            "deploys the model and the code that calls it as versioned components to a device or a group of "
            "thousands, and rolls out updates (or rolls them back) over the air",
            "runs inference on the device, next to the sensor: it keeps working when the network is down and "
            "raw readings need not leave the site",
            "sends results and a sample of inputs to the cloud (through AWS IoT Core) when connected, so the "
            "fleet can be monitored and the model retrained, as notebook 08 monitors an endpoint",
            "manages the device's identity and permissions (certificates, a role per device group)",
            "fleet-wide model management is Greengrass's job now: SageMaker Edge Manager, which did it before, "
            "was discontinued on 26 April 2024 (AWS's notice on the Greengrass Edge Manager component page)",
        ),
        "here": "save() writes one .onnx file and EdgeModel loads it in one process: no fleet, no updates",
    },
}


def explain() -> str:
    """The services in plain text, one paragraph each: what it is, what it adds on a device, what the lesson did."""
    paragraphs = []
    for name, service in SERVICES.items():
        adds = "\n".join(f"  - {item}" for item in service["adds"])
        paragraphs.append(f"{name}: {service['what']}.\n{adds}\n  In this lesson: {service['here']}.")
    return "\n\n".join(paragraphs)
