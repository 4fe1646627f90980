"""Package names that import their module on first use (PEP 562), from one import-string table.

``helpers.platform``, ``helpers.platform.tuning`` and ``helpers.platform.serving`` export names this
way, so importing a package costs nothing until a name is used (job processes import
``helpers.platform`` on every start; the local path must never import ``sagemaker``)::

    __getattr__, __dir__, __all__ = lazy.exports(__name__, {
        "helpers.platform.configs": "InputData SourceCode",   # module -> the names taken from it
        "helpers.platform.image_uris": None,                   # None: the module itself, by its last name
    })
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable


def table(names_by_module: dict[str, str | None]) -> dict[str, tuple[str, str | None]]:
    """Exported name -> (module import string, attribute; None for the module itself)."""
    found: dict[str, tuple[str, str | None]] = {}
    for module, names in names_by_module.items():
        pairs = [(module.rpartition(".")[2], None)] if names is None else [(name, name) for name in names.split()]
        for name, attribute in pairs:
            if name in found:
                raise ValueError(f"{name!r} is exported from both {found[name][0]} and {module}: keep one.")
            found[name] = (module, attribute)
    return found


def exports(package: str, names_by_module: dict[str, str | None]) -> tuple[Callable, Callable, list[str]]:
    """The ``__getattr__``, ``__dir__`` and ``__all__`` of ``package`` (its ``__name__``).

    A name, once loaded, is stored in the package's namespace, so later uses are plain lookups.
    """
    exported = table(names_by_module)
    namespace = vars(sys.modules[package])

    def __getattr__(name: str):
        try:
            module_name, attribute = exported[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module = importlib.import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exported))

    return __getattr__, __dir__, sorted(exported)
