"""Pipeline parameters, as SageMaker's ``ParameterString``, ``ParameterInteger``, ``ParameterFloat``
and ``ParameterBoolean``: a name, a type and a default, overridden per execution with
``pipeline.start(parameters={"Name": value})``."""

from __future__ import annotations

from helpers.platform.pipelines.expressions import Context, Expression


class Parameter(Expression):
    """A named, typed value of one execution (``default_value`` unless ``start`` overrides it)."""

    type_name = ""
    python_types: tuple[type, ...] = ()

    def __init__(self, name: str, default_value=None):
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            raise ValueError(f"Invalid parameter name {name!r}: letters, digits and underscores, e.g. 'InputData'.")
        self.name = name
        self.default_value = None if default_value is None else self.check(default_value)

    def check(self, value):
        """``value`` if it fits this parameter's type (an int passes for a Float), else a TypeError naming it."""
        if isinstance(value, bool) and bool not in self.python_types or not isinstance(value, self.python_types):
            raise TypeError(f"Parameter {self.name!r} is a {self.type_name}: {value!r} ({type(value).__name__}) "
                            f"does not fit; pass e.g. {self.example!r}.")
        return float(value) if self.type_name == "Float" else value

    example = None

    def to_request(self) -> dict:
        """Its entry in the definition's ``Parameters`` list."""
        entry = {"Name": self.name, "Type": self.type_name}
        if self.default_value is not None:
            entry["DefaultValue"] = self.default_value
        return entry

    @property
    def expr(self):
        return {"Get": f"Parameters.{self.name}"}

    def resolve(self, context: Context):
        return context.parameters[self.name]

    def parameter_names(self) -> set[str]:
        return {self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, default_value={self.default_value!r})"


class ParameterString(Parameter):
    type_name, python_types, example = "String", (str,), "s3://bucket/data/train.csv"


class ParameterInteger(Parameter):
    type_name, python_types, example = "Integer", (int,), 3


class ParameterFloat(Parameter):
    type_name, python_types, example = "Float", (int, float), 0.5


class ParameterBoolean(Parameter):
    type_name, python_types, example = "Boolean", (bool,), True


def values_for(parameters: list[Parameter], overrides: dict | None) -> dict:
    """Each parameter's value in an execution: its override, else its default.

    An unknown name, a value of the wrong type or a parameter with neither is a clear error.
    """
    by_name = {p.name: p for p in parameters}
    unknown = sorted(set(overrides or {}) - set(by_name))
    if unknown:
        raise ValueError(f"Unknown pipeline parameter(s) {', '.join(map(repr, unknown))}: this pipeline declares "
                         f"{', '.join(by_name) or 'none'}.")
    values = {}
    for name, parameter in by_name.items():
        if name in (overrides or {}):
            values[name] = parameter.check(overrides[name])
        elif parameter.default_value is not None:
            values[name] = parameter.default_value
        else:
            raise ValueError(f"Parameter {name!r} has no default: pass it, start(parameters={{{name!r}: ...}}).")
    return values
