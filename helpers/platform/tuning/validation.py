"""Everything a tuning job can get wrong before its first training job: refused here, with the
problem and the fix in the message, so a typo costs no trial.

* the settings: strategy, objective type, job counts, early stopping;
* the ranges: their kinds (grid search takes categorical ranges only, as on SageMaker), and for a
  built-in algorithm the names, types and bounds from its hyperparameter schema;
* the objective metric: one the algorithm (or the metric definitions) can emit, measured on a
  channel the job gets.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Mapping

from helpers.platform.tuning.parameters import CategoricalParameter, ParameterRange
from helpers.platform.tuning.search import STRATEGIES, grid_size

OBJECTIVE_TYPES = ("Maximize", "Minimize")
EARLY_STOPPING_TYPES = ("Off", "Auto")
#: The static hyperparameters SageMaker reads Hyperband's MaxResource from when none is given.
EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
#: SageMaker adds this hyperparameter to every training job of a tuning job (built-in algorithms read it).
TUNING_OBJECTIVE = "_tuning_objective_metric"


def _one_of(value, allowed, what: str) -> str:
    if value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}.{hint}")
    return value


def _positive_int(value, what: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer, not {value!r} (e.g. {example}).")
    if value < 1:
        raise ValueError(f"{what} must be at least 1, got {value} (e.g. {example}).")
    return value


def check_settings(strategy, objective_type, max_jobs, max_parallel_jobs, early_stopping_type, random_seed,
                   ranges: Mapping[str, ParameterRange]) -> int:
    """Check the tuning job's settings and return the number of training jobs it will start."""
    _one_of(strategy, STRATEGIES, "strategy")
    _one_of(objective_type, OBJECTIVE_TYPES, "objective_type")
    _one_of(early_stopping_type, EARLY_STOPPING_TYPES, "early_stopping_type")
    _positive_int(max_parallel_jobs, "max_parallel_jobs", "max_parallel_jobs=2 runs two training jobs at a time")
    if random_seed is not None and (isinstance(random_seed, bool) or not isinstance(random_seed, int) or random_seed < 0):
        raise ValueError(f"random_seed must be an integer >= 0, got {random_seed!r}.")
    if strategy == "Hyperband" and early_stopping_type != "Off":
        raise ValueError("Hyperband stops poor training jobs itself: leave early_stopping_type='Off' with "
                         "strategy='Hyperband' (SageMaker refuses the combination).")
    if strategy == "Grid":
        size = grid_size(ranges)
        if max_jobs is not None and max_jobs != size:
            raise ValueError(f"Grid search runs every combination of the categorical values: {size} training jobs "
                             f"here, but max_jobs={max_jobs}. Leave max_jobs out (or set it to {size}).")
        return size
    if max_jobs is None:
        return 1  # the SDK's default for every strategy but Grid
    return _positive_int(max_jobs, "max_jobs", "max_jobs=20")


def check_ranges(ranges, strategy: str) -> dict[str, ParameterRange]:
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError("hyperparameter_ranges must be a non-empty dict: hyperparameter name -> range, e.g. "
                         "{'eta': ContinuousParameter(0.01, 0.5, scaling_type='Logarithmic'), "
                         "'max_depth': IntegerParameter(2, 10)}.")
    for name, spec in ranges.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"hyperparameter_ranges keys must be hyperparameter names (strings), not {name!r}.")
        if name == TUNING_OBJECTIVE:
            raise ValueError(f"{TUNING_OBJECTIVE!r} is set by the tuning job itself; it cannot be tuned.")
        if not isinstance(spec, ParameterRange):
            raise TypeError(f"hyperparameter_ranges[{name!r}] is {spec!r}: use ContinuousParameter(min, max), "
                            "IntegerParameter(min, max) or CategoricalParameter([...]) from helpers.platform.")
    if strategy == "Grid":
        numeric = [name for name, spec in ranges.items() if not isinstance(spec, CategoricalParameter)]
        if numeric:
            name = numeric[0]
            spec = ranges[name]
            example = [spec.min_value, spec.max_value]
            raise ValueError(
                f"Grid search takes categorical ranges only (SageMaker's rule), but {name!r} is {spec!r}. List the "
                f"values to try instead, e.g. CategoricalParameter({example!r}), or use strategy='Random' or "
                "'Bayesian' for continuous and integer ranges.")
    return dict(ranges)


def hyperband_resources(strategy_config, static_hyperparameters: Mapping[str, Any]) -> tuple[int, int]:
    """(MinResource, MaxResource) from ``strategy_config`` or, as SageMaker does, from an epochs key."""
    config = strategy_config or {}
    if not isinstance(config, Mapping):  # the SDK's HyperParameterTuningJobStrategyConfig shape object
        inner = getattr(config, "hyperband_strategy_config", None)
        config = {"HyperbandStrategyConfig": {"MinResource": getattr(inner, "min_resource", None),
                                              "MaxResource": getattr(inner, "max_resource", None)}}
    hyperband = dict(config.get("HyperbandStrategyConfig") or {})
    min_resource = hyperband.get("MinResource") or 1
    max_resource = hyperband.get("MaxResource")
    if max_resource is None:
        for key in EPOCH_KEYS:
            if key in static_hyperparameters:
                max_resource = int(float(static_hyperparameters[key]))
                break
    if max_resource is None:
        raise ValueError("Hyperband needs the most epochs (or boosting rounds) a training job runs, and none of the "
                         f"static hyperparameters {', '.join(EPOCH_KEYS)} is set. Pass strategy_config="
                         "{'HyperbandStrategyConfig': {'MinResource': 1, 'MaxResource': 50}} (e.g. MaxResource = "
                         "num_round for XGBoost).")
    min_resource, max_resource = int(min_resource), int(max_resource)
    if not 1 <= min_resource <= max_resource:
        raise ValueError(f"HyperbandStrategyConfig: need 1 <= MinResource <= MaxResource, got MinResource={min_resource}, "
                         f"MaxResource={max_resource}.")
    return min_resource, max_resource


def emitted_metrics(algorithm, metric_definitions) -> list[str]:
    """Metric names a trial can report: the algorithm's own, or the regex definitions (script mode)."""
    if algorithm is not None:
        return [d["Name"] for d in algorithm.metric_definitions()]
    return [d["Name"] for d in metric_definitions or []]


def check_objective(objective_metric_name, algorithm, algorithm_name, metric_definitions) -> str:
    if not isinstance(objective_metric_name, str) or not objective_metric_name.strip():
        raise ValueError("objective_metric_name must name a metric, e.g. 'validation:auc'.")
    names = emitted_metrics(algorithm, metric_definitions)
    if objective_metric_name in names:
        return objective_metric_name
    if algorithm is None and not names:
        raise ValueError(
            f"A metric is required for this hyperparameter tuning job objective ({objective_metric_name!r}): provide "
            "it in the metric definitions, e.g. metric_definitions=[{'Name': "
            f"'{objective_metric_name}', 'Regex': '{objective_metric_name}=([0-9.]+)'}}] (a regex over your script's log).")
    close = difflib.get_close_matches(objective_metric_name, names, n=3)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    source = f"the {algorithm_name} algorithm" if algorithm is not None else "the metric definitions"
    shown = names if len(names) <= 12 else names[:12] + ["..."]
    raise ValueError(f"Objective metric {objective_metric_name!r} is never emitted by {source}, so no trial could be "
                     f"scored.{hint} Metrics it emits: {', '.join(shown)}.")


def check_objective_channel(objective_metric_name: str, algorithm_name, channel_names) -> None:
    """A built-in's ``validation:*`` / ``test:*`` metric needs that channel among the job's inputs."""
    if algorithm_name is None or ":" not in objective_metric_name:
        return
    channel = objective_metric_name.split(":", 1)[0]
    if channel in ("validation", "test") and channel not in channel_names:
        raise ValueError(
            f"Objective {objective_metric_name!r} is measured on the {channel!r} channel, but the tuning job's inputs "
            f"are {', '.join(map(repr, sorted(channel_names))) or 'none'}. Add InputData(channel_name={channel!r}, "
            f"data_source=...) to tune(inputs=[...]), or tune on a train:* metric.")


def _schema_kind(algorithm, name: str) -> str | None:
    schema = getattr(algorithm, "hyperparameters", None)
    spec = schema.get(name) if isinstance(schema, Mapping) else None
    return getattr(spec, "kind", None)


def check_against_algorithm(algorithm, algorithm_name: str, static: Mapping[str, str],
                            ranges: Mapping[str, ParameterRange], extra) -> None:
    """Every range's names, kinds and values through the built-in algorithm's own validation.

    ``extra(hyperparameters) -> dict`` adds what the tuning job itself adds to each trial.
    """
    from helpers.algorithms.errors import HyperparameterError

    schema = getattr(algorithm, "hyperparameters", None)
    if isinstance(schema, Mapping) and schema:
        unknown = [name for name in ranges if name not in schema]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(schema), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise HyperparameterError(
                f"hyperparameter_ranges[{unknown[0]!r}]: {algorithm_name} has no hyperparameter {unknown[0]!r}.{hint} "
                f"Its hyperparameters: {', '.join(sorted(schema))}.")
    for name, spec in ranges.items():
        kind = _schema_kind(algorithm, name)
        if kind == "int" and type(spec).__name__ == "ContinuousParameter":
            raise HyperparameterError(
                f"hyperparameter_ranges[{name!r}]: {name!r} takes whole numbers in {algorithm_name}, but {spec!r} would "
                f"send fractions. Use IntegerParameter({int(spec.min_value)}, {int(spec.max_value)}).")
        if kind in ("choice", "bool", "custom") and not isinstance(spec, CategoricalParameter):
            raise HyperparameterError(
                f"hyperparameter_ranges[{name!r}]: {name!r} is not a number in {algorithm_name}; list the values to try "
                "with CategoricalParameter([...]).")
    baseline = {name: spec.format(spec.probe_values()[0]) if not isinstance(spec, CategoricalParameter)
                else spec.values[0] for name, spec in ranges.items()}
    try:
        algorithm.validate_hyperparameters(extra({**static, **baseline}))
    except HyperparameterError as exc:
        raise HyperparameterError(f"The trainer's hyperparameters with the ranges' first values are refused by "
                                  f"{algorithm_name}: {exc}") from None
    for name, spec in ranges.items():
        for value in spec.probe_values():
            text = value if isinstance(spec, CategoricalParameter) else spec.format(value)
            try:
                algorithm.validate_hyperparameters(extra({**static, **baseline, name: text}))
            except HyperparameterError as exc:
                raise HyperparameterError(f"hyperparameter_ranges[{name!r}] = {spec!r} reaches {text!r}, which "
                                          f"{algorithm_name} refuses: {exc}") from None


# ----------------------------------------------------------------------------------- the whole request


def xgboost_objective_metric(hyperparameters: dict, objective_metric_name: str) -> dict:
    """SageMaker's XGBoost container evaluates the tuning objective even when ``eval_metric`` omits it;
    the local XGBoost logs only its ``eval_metric``s, so add the objective's metric to them."""
    metric = objective_metric_name.split(":", 1)[-1]
    current = hyperparameters.get("eval_metric")
    names = [m.strip() for m in str(current).strip("[]").replace('"', "").replace("'", "").split(",") if m.strip()] \
        if current else []
    if metric not in names:
        hyperparameters = {**hyperparameters, "eval_metric": ",".join(names + [metric])}
    return hyperparameters


#: What a built-in algorithm's container does with a tuning job's objective, keyed by algorithm name.
CONTAINER_TUNING_RULES = {"xgboost": xgboost_objective_metric}


def trial_extras(algorithm_name: str | None, objective_metric_name: str, hyperparameters: dict) -> dict:
    """What the tuning job adds to every trial's hyperparameters (built-in algorithms only)."""
    if algorithm_name is None:
        return dict(hyperparameters)
    out = {**hyperparameters, TUNING_OBJECTIVE: objective_metric_name}
    rule = CONTAINER_TUNING_RULES.get(algorithm_name)
    return rule(out, objective_metric_name) if rule else out


@dataclass(frozen=True)
class TuningRequest:
    """A tuning request both backends accept: checked ranges, budget, objective and static values."""

    ranges: dict[str, ParameterRange]
    max_jobs: int
    objective_metric_name: str
    metric_definitions: list[dict]
    static_hyperparameters: dict[str, str]
    hyperband: tuple[int, int] | None


def check_request(*, algorithm_name: str | None, algorithm, trainer_hyperparameters: Mapping[str, Any],
                  metric_definitions: list[dict], objective_metric_name, hyperparameter_ranges, strategy,
                  objective_type, max_jobs, max_parallel_jobs, max_runtime_in_seconds, base_tuning_job_name,
                  strategy_config, early_stopping_type, random_seed) -> TuningRequest:
    """Every check of a tuning request, run by the local tuner and the SageMaker one alike, so a typo
    fails in a second on both and the two cannot drift.

    ``algorithm`` is the local built-in (None for script mode, or for a built-in the local backend
    lacks: SageMaker then checks the ranges itself); ``metric_definitions`` are already normalised.
    """
    from helpers.platform.opt_ml import safe_serialize
    from helpers.platform.tuning import records

    ranges = check_ranges(hyperparameter_ranges, strategy)
    max_jobs = check_settings(strategy, objective_type, max_jobs, max_parallel_jobs, early_stopping_type,
                              random_seed, ranges)
    if max_runtime_in_seconds is not None and (isinstance(max_runtime_in_seconds, bool) or not isinstance(
            max_runtime_in_seconds, (int, float)) or max_runtime_in_seconds <= 0):
        raise ValueError(f"max_runtime_in_seconds must be a positive number of seconds, got {max_runtime_in_seconds!r}.")
    if base_tuning_job_name is not None:
        records.check_name(base_tuning_job_name[:records.MAX_NAME])
    if algorithm is not None or algorithm_name is None:
        objective_metric_name = check_objective(objective_metric_name, algorithm, algorithm_name, metric_definitions)
    static = {str(k): safe_serialize(v) for k, v in trainer_hyperparameters.items() if k not in ranges}
    hyperband = hyperband_resources(strategy_config, static) if strategy == "Hyperband" else None
    if algorithm is not None:
        check_against_algorithm(algorithm, algorithm_name, static, ranges,
                                lambda hps: trial_extras(algorithm_name, objective_metric_name, hps))
    return TuningRequest(ranges, max_jobs, objective_metric_name, list(metric_definitions), static, hyperband)
