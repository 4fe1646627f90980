"""The edge lesson on this machine: size, latency and accuracy of the maintenance models as scikit-learn,
float32 ONNX and 8-bit ONNX. Prints figures; asserts nothing (pytest does not collect it).

    python tests/benchmarks/bench_edge.py                 # full data, 1,000 one-row calls per runtime (~15 s)
    python tests/benchmarks/bench_edge.py --repeats 200   # quicker, noisier

Every runtime runs on one thread; the load average (``uptime``) is printed first and last because the
timings move with it. The CPU's vector extensions are printed too: int8 quantization's accuracy and speed
depend on them (AVX2 without VNNI saturates signed-int8 products; see helpers.edge.export.quantize).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_extensions() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return platform.machine()
    wanted = [flag for flag in flags if flag.startswith(("avx", "amx")) or "vnni" in flag]
    return f"{platform.machine()}: {' '.join(wanted) or 'no AVX'}" + ("" if any("vnni" in f for f in flags) else " (no VNNI)")


def installed_megabytes(package: str) -> float:
    """The size on disk of an installed package's folder, in MB (what `du -s` counts, roughly)."""
    spec = importlib.util.find_spec(package)
    folder = Path(spec.origin).parent
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<44} {time.perf_counter() - start:6.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1000, help="one-row calls timed per runtime (default 1000)")
    parser.add_argument("--batch-repeats", type=int, default=100, help="whole-test-split calls timed (default 100)")
    args = parser.parse_args()

    import onnx
    import onnxruntime
    import pandas as pd
    import skl2onnx
    import sklearn

    from helpers import edge

    print(uptime())
    print(f"CPU {cpu_extensions()}; onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}, "
          f"skl2onnx {skl2onnx.__version__}, scikit-learn {sklearn.__version__}")
    print("installed: " + ", ".join(f"{name} {installed_megabytes(name):.0f} MB" for name in ("onnxruntime", "onnx", "skl2onnx")))
    split = timed("load and split maintenance (10,000 rows)", edge.maintenance_split)
    models = timed("fit both models (MLP: 60 epochs)", lambda: edge.fit_models(split))
    exported = timed("export to ONNX and quantize", lambda: edge.export_models(models))
    table = timed(f"measure ({args.repeats} rows, {args.batch_repeats} batches)",
                  lambda: edge.measure(models, exported, split, row_repeats=args.repeats, batch_repeats=args.batch_repeats))
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
        print(table.drop(columns="operators").to_string(index=False))
    print()
    print(edge.summary(table))
    print(uptime())


if __name__ == "__main__":
    main()
