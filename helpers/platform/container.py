"""The built-in algorithm "container": ``python -m helpers.platform.container train``.

Runs inside a job's process, like SageMaker's algorithm image: reads the ``/opt/ml`` tree
(``FLYWHEEL_OPT_ML``), calls ``Algorithm.train(channels, hyperparameters, model_dir, log)`` and, on
an error, writes ``/opt/ml/output/failure`` the way built-in algorithms do: ``ClientError: ...`` for
bad data or hyperparameters (the learner's to fix), ``AlgorithmError: ...`` for anything else.

Kept light on imports: everything here is paid on every job start.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from pathlib import Path

CLIENT_ERRORS = ("DataFormatError", "HyperparameterError", "InputDataError")

#: Libraries an algorithm's own imports drag in without using them. xgboost imports scikit-learn
#: (and through it scipy) only for its sklearn-style wrappers, which algorithm mode never touches;
#: importing xgboost with scikit-learn hidden saves about a second per job (see
#: tests/benchmarks/bench_job_overhead.py). scikit-learn stays importable afterwards.
LEAN_IMPORTS = {"xgboost": ("xgboost", ("sklearn",))}


def _log(message: str) -> None:
    print(message, flush=True)


def _is_client_error(exc: BaseException) -> bool:
    return any(cls.__name__ in CLIENT_ERRORS for cls in type(exc).__mro__)


def _write_failure(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or not path.read_text().strip():
        path.write_text(text, encoding="utf-8")


def _import_without(module: str, hidden: tuple[str, ...]) -> None:
    import importlib

    already = {name: sys.modules[name] for name in hidden if name in sys.modules}
    sys.modules.update(dict.fromkeys(hidden))  # None: `import name` raises ImportError while `module` loads
    try:
        importlib.import_module(module)
    finally:
        for name in hidden:
            sys.modules.pop(name, None)
        sys.modules.update(already)


def train() -> int:
    from helpers.platform import builtins
    from helpers.platform.opt_ml import OptMl

    tree = OptMl(Path(os.environ["FLYWHEEL_OPT_ML"]))
    name = os.environ["FLYWHEEL_ALGORITHM"]
    try:
        if name in LEAN_IMPORTS:
            _import_without(*LEAN_IMPORTS[name])
        hyperparameters = tree.read_config("hyperparameters.json")
        config = tree.read_config("inputdataconfig.json")
        channels = {channel: tree.channel_dir(channel) for channel in config}
        algorithm = builtins.load(name)
        # ContentType as the job has it (absent: SageMaker's default for the algorithm applies); an
        # algorithm registered with the older four-argument train() reads its channels its own way
        extra = {}
        if "content_types" in inspect.signature(algorithm.train).parameters:
            extra["content_types"] = {channel: entry.get("ContentType") for channel, entry in config.items()}
        algorithm.train(channels, hyperparameters, tree.model_dir, log=_log, **extra)
    except Exception as exc:  # the job's one place that turns errors into a FailureReason
        if _is_client_error(exc):
            reason = f"ClientError: {exc}"
            _log(reason)
        else:
            traceback.print_exc(file=sys.stdout)
            reason = f"AlgorithmError: {type(exc).__name__}: {exc}"
        sys.stdout.flush()
        _write_failure(tree.failure_file, reason)
        return 2 if _is_client_error(exc) else 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] != ["train"]:
        print("usage: python -m helpers.platform.container train", file=sys.stderr)
        return 64
    return train()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
