"""Exceptions with the SageMaker SDK v3 names (``sagemaker.core.utils.exceptions``).

``trainer.train(wait=True)`` raises ``FailedStatusError`` when the job fails, as the SDK's
``TrainingJob.wait`` does; ours also carries the job's DescribeTrainingJob dict (``.description``)
so a notebook can show the reason and the log without another call.

Code written for SageMaker catches them too: once the SDK's exception modules are imported (a cell
that writes ``except FailedStatusError`` imported it), a raised ``FailedStatusError`` is also an
instance of the SDK's ``FailedStatusError`` and of ``UnexpectedStatusException`` (the older name), and
``TimeoutExceededError`` of the SDK's. The SDK is never imported here: importing ``sagemaker.core``
takes seconds, and nobody can be catching a class that was never imported.
"""

from __future__ import annotations

import sys

from helpers.algorithms import errors as algorithm_errors

#: SDK classes (module, name) that except clauses written for SageMaker name, per kit class name.
SDK_CLASSES = {
    "FailedStatusError": (("sagemaker.core.utils.exceptions", "FailedStatusError"),
                          ("sagemaker.core.exceptions", "UnexpectedStatusException")),
    "TimeoutExceededError": (("sagemaker.core.utils.exceptions", "TimeoutExceededError"),),
}
_WITH_SDK_BASES: dict[tuple, type] = {}


def _loaded_sdk_classes(cls: type) -> tuple[type, ...]:
    """The SDK classes ``cls`` stands for whose modules are already imported (never imports them)."""
    found = []
    for klass in cls.__mro__:
        for module_name, name in SDK_CLASSES.get(klass.__name__, ()):
            sdk_class = getattr(sys.modules.get(module_name), name, None)
            if isinstance(sdk_class, type) and not issubclass(cls, sdk_class) and sdk_class not in found:
                found.append(sdk_class)
    return tuple(found)


def _with_sdk_bases(cls: type) -> type:
    """``cls``, or a subclass of it and of the loaded SDK classes it stands for, with the same name
    (``except`` matches on real subclasses only: registering a virtual subclass would not do)."""
    sdk_bases = _loaded_sdk_classes(cls)
    if not sdk_bases:
        return cls
    key = (cls, sdk_bases)
    if key not in _WITH_SDK_BASES:
        _WITH_SDK_BASES[key] = type(cls.__name__, (cls, *sdk_bases),
                                    {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                     "_kit_class": cls})
    return _WITH_SDK_BASES[key]


def _rebuild(cls: type, args: tuple, state: dict) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class SageMakerCoreError(Exception):
    """Base class, as in the SDK. Instances also derive from the SDK classes of the same meaning
    when the SDK is loaded (see the module's docstring)."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(_with_sdk_bases(cls), *args, **kwargs)

    def __init__(self, *args):
        # Exception's own: the SDK's __init__ (which may follow in the MRO) formats a template instead.
        Exception.__init__(self, *args)

    def __reduce__(self):
        # Pickle as the kit's class: the subclass made for the SDK exists only in this process.
        return _rebuild, (getattr(type(self), "_kit_class", type(self)), self.args, dict(self.__dict__))


class WaiterError(SageMakerCoreError):
    """Raised while waiting for a job."""


class FailedStatusError(WaiterError):
    """The job ended ``Failed``. Same message shape as the SDK's, plus ``.description``."""

    def __init__(self, resource_type: str = "TrainingJob", status: str = "Failed", reason: str = "(Unknown)",
                 description: dict | None = None):
        self.resource_type = resource_type
        self.status = status
        self.reason = reason
        self.description = description or {}
        self.actual_status = status  # UnexpectedStatusException's attributes (SDK v2 and older code)
        self.allowed_statuses = ["Completed", "Stopped"]
        name = self.description.get(f"{resource_type}Name")
        where = f" {name!r}" if name else ""
        super().__init__(
            f"Encountered unexpected failed state while waiting for {resource_type}{where}. "
            f"Final Resource State: {status}. Failure Reason: {reason}"
        )

    @property
    def failure_reason(self) -> str:
        return self.reason


class StoppedError(WaiterError):
    """The job was stopped: it ran past ``StoppingCondition.MaxRuntimeInSeconds`` or was interrupted.

    (The SDK returns quietly on ``Stopped``; locally a stopped job has no model, so we say so.)"""

    def __init__(self, reason: str, description: dict | None = None):
        self.reason = reason
        self.description = description or {}
        super().__init__(reason)


class TimeoutExceededError(WaiterError):
    """``wait(timeout=...)`` gave up before the job finished (the job keeps running)."""


# FailedStatusError first: its __new__ and __init__ must come before ValueError's in the MRO.
class HyperparameterError(FailedStatusError, algorithm_errors.HyperparameterError):
    """A built-in algorithm refused the job's hyperparameters, before the job ran.

    On SageMaker the job is created and then fails with ``ClientError: ...``, so notebooks catch
    ``FailedStatusError``; locally the check is instant, and this error is both: a
    ``FailedStatusError`` (``.reason`` is ``"ClientError: <message>"``, ``.description`` the failed
    job's DescribeTrainingJob dict, empty when no job was made) and the algorithms'
    ``HyperparameterError`` (a ValueError). ``str()`` is the message alone: it names the
    hyperparameter and its valid values.
    """

    def __init__(self, message: str, description: dict | None = None):
        FailedStatusError.__init__(self, "TrainingJob", "Failed", f"ClientError: {message}", description)
        self.args = (message,)


class InputDataError(ValueError):
    """A channel is missing, unknown, or points at no data. Raised before the job starts."""


class IgnoredArgumentWarning(UserWarning):
    """An SDK argument the local backend accepts (so the same cell runs on both backends) but does
    not act on. Silence it with ``warnings.filterwarnings("ignore", category=IgnoredArgumentWarning)``."""


def warn_ignored(owner: str, names, why: str = "it has no local meaning") -> None:
    """One IgnoredArgumentWarning naming the SDK arguments ``owner`` received and will not use."""
    import warnings

    names = sorted(names)
    if names:
        warnings.warn(f"{owner}: {', '.join(names)} accepted but not used ({why}).", IgnoredArgumentWarning,
                      stacklevel=3)
