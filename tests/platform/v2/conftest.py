"""Fixtures of the SDK v2 compatibility layer's tests (helpers.platform.v2)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def sdk_schema_checked_once():
    """The SDK validates its config file against its JSON schema each time it builds a session, trainer or
    resource, and ``jsonschema.validate`` first re-checks the schema itself, which is most of the cost
    (about 1 s a time on a loaded 2-core machine, a dozen times a test). Here a schema is checked once and
    its validator kept; every config is still validated against it, with the same error."""
    jsonschema = pytest.importorskip("jsonschema")
    original = jsonschema.validate
    validators: dict[int, tuple[object, object]] = {}

    def validate(instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return original(instance, schema, cls, *args, **kwargs)
        kept = validators.get(id(schema))
        if kept is None or kept[0] is not schema:
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            kept = validators[id(schema)] = (schema, validator_class(schema))
        error = jsonschema.exceptions.best_match(kept[1].iter_errors(instance))
        if error is not None:
            raise error

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonschema, "validate", validate)
        yield
