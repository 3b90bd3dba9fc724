"""Package attributes that load on first use (PEP 562): a package's `__getattr__` looks a
name up in a table of modules and imports the module only then, so importing the package
stays cheap (`valuescope --help` imports none of the heavy parts)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: `modules` maps a name to the module that
    defines it (imported on first use), or a subpackage's name to itself (`"api":
    "valuescope.api"`); any other name is an `AttributeError`."""

    def getattr_(name: str) -> Any:
        if name in modules:
            module = importlib.import_module(modules[name])
            return module if modules[name] == f"{package}.{name}" else getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return getattr_
