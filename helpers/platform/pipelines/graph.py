"""The order steps run in: a topological sort of the "needs" relation (data links and ``depends_on``),
ties broken by the order the steps were listed, so every run of a pipeline runs its steps in the same order.

A condition's branch steps are not in the top-level order: they run when their condition chooses them.
"""

from __future__ import annotations

from helpers.platform.pipelines import expressions
from helpers.platform.pipelines.steps import ConditionStep, Step


def all_steps(steps: list[Step]) -> list[tuple[Step, str | None]]:
    """Every step with the condition step whose branch holds it (None at the top level)."""
    found = []
    for step in steps:
        found.append((step, None))
        if isinstance(step, ConditionStep):
            found += [(inner, owner or step.name) for inner, owner in all_steps(step.branch_steps())]
    return found


def check(steps: list[Step], parameter_names: set[str], pipeline_name: str) -> None:
    """Refuse, with the fix, duplicate names, unknown dependencies, links into another branch, and
    parameters a step uses that the pipeline does not declare."""
    found = all_steps(steps)
    owners: dict[str, str | None] = {}
    for step, owner in found:
        if step.name in owners:
            raise ValueError(f"Two steps are named {step.name!r}: step names must be unique in a pipeline.")
        owners[step.name] = owner
    for step, owner in found:
        needs = step.dependencies(pipeline_name) if not isinstance(step, ConditionStep) else (
            set().union(*(c.step_names() for c in step.conditions)) | set(step.depends_on))
        for name in sorted(needs):
            if name not in owners:
                raise ValueError(f"Step {step.name!r} depends on {name!r}, which is not in the pipeline: add that "
                                 f"step to steps=[...] (known: {', '.join(owners)}).")
            if owners[name] is not None and owners[name] != owner:
                raise ValueError(f"Step {step.name!r} uses {name!r}, which runs only inside condition "
                                 f"{owners[name]!r}'s branch: move {step.name!r} into that branch too.")
        used = expressions.parameter_names(step.arguments(pipeline_name))
        if isinstance(step, ConditionStep):
            used = set().union(*(_condition_parameters(c) for c in step.conditions))
        missing = sorted(used - parameter_names)
        if missing:
            raise ValueError(f"Step {step.name!r} uses parameter(s) {', '.join(map(repr, missing))} that the pipeline "
                             "does not declare: add them to Pipeline(parameters=[...]).")
    ordered(steps, pipeline_name)  # a cycle fails here, at definition time


def _condition_parameters(condition) -> set[str]:
    parts = [getattr(condition, a) for a in ("left", "right") if hasattr(condition, a)]
    inner = getattr(condition, "conditions", []) + ([condition.expression] if hasattr(condition, "expression") else [])
    return expressions.parameter_names(parts).union(*(_condition_parameters(c) for c in inner))


def ordered(steps: list[Step], pipeline_name: str) -> list[Step]:
    """``steps`` in a runnable order (needs outside ``steps`` are taken as done); a cycle is a ValueError."""
    names = [s.name for s in steps]
    needs = {s.name: s.dependencies(pipeline_name) & set(names) for s in steps}
    done: list[Step] = []
    remaining = list(steps)
    while remaining:
        ready = [s for s in remaining if needs[s.name] <= {d.name for d in done}]
        if not ready:
            raise ValueError(f"Steps {', '.join(s.name for s in remaining)} depend on each other in a cycle: "
                             "remove one of the links (a property used, or depends_on).")
        done.append(ready[0])
        remaining.remove(ready[0])
    return done
