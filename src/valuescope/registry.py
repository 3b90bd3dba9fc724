"""One kind of registry for everything valuescope looks up by name.

Instruments, backends, report kinds, steering methods, benchmarks and the hooks that connect
the layers (a finished run's report, a steered model) are each a `Registry`: a name maps to
"module:attribute", and the module is imported only when that name is used, so
`valuescope --help` imports none of them. A registry is also open to plugins: packages that
declare entry points in the group `valuescope.<group>` (in their pyproject.toml,
`[project.entry-points."valuescope.instruments"] mine = "my_pkg.instrument:MyInstrument"`)
are found on first use, and valuescope declares its own hooks the same way, so a lower
layer never names a higher one (see docs/extending.md).

    BENCHMARKS: Registry[Benchmark] = Registry("benchmarks", "benchmark", {
        "motive": "valuescope.instruments.bench.motive:BENCHMARK",
    })
    motive = BENCHMARKS.get("motive")   # imports the module now

Entries given in code are the package's own members; entry points add the rest (and are
how one layer reaches a higher one: the engine runs the `on_finish` hooks, among them the
report, without importing it).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import metadata
from typing import Generic, TypeVar

from valuescope.errors import UserError

T = TypeVar("T")


@cache
def _entry_points(group: str) -> list[tuple[str, str]]:
    """(name, "module:attribute") of every installed entry point of `group`, read once."""
    return [(point.name, point.value) for point in metadata.entry_points(group=group)]


class UnknownName(UserError, LookupError):
    """A name no registry entry has; the message lists the known ones."""


class Registry(Generic[T]):
    """Names -> objects, each imported from its "module:attribute" on first use."""

    def __init__(self, group: str, what: str, entries: Mapping[str, str] | None = None) -> None:
        self.group = group
        """The entry-point group is `valuescope.<group>`."""
        self.what = what
        """What an entry is, for messages ("no instrument 'x'")."""
        self._targets: dict[str, str] = dict(entries or {})
        self._loaded: dict[str, T] = {}
        self._plugins_read = False

    def register(self, name: str, target: str) -> None:
        """Add (or replace) `name`, given as "module:attribute"."""
        if ":" not in target:
            raise ValueError(f"{self.what} {name!r}: {target!r} is not 'module:attribute'")
        self._targets[name] = target
        self._loaded.pop(name, None)

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        for name, value in _entry_points(f"valuescope.{self.group}"):
            self._targets.setdefault(name, value)

    def names(self) -> list[str]:
        self._read_plugins()
        return list(self._targets)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        self._read_plugins()
        return name in self._targets

    def target(self, name: str) -> str:
        """The "module:attribute" of `name` (UnknownName, listing the known ones, if none)."""
        if name not in self:
            known = ", ".join(sorted(self._targets)) or "none"
            raise UnknownName(f"no {self.what} {name!r} (known: {known})")
        return self._targets[name]

    def get(self, name: str) -> T:
        """The object `name` stands for, imported on first use."""
        if name not in self._loaded:
            module, _, attribute = self.target(name).partition(":")
            value: object = importlib.import_module(module)
            for part in attribute.split("."):
                value = getattr(value, part)
            self._loaded[name] = value  # type: ignore[assignment]
        return self._loaded[name]

    def items(self) -> Iterator[tuple[str, T]]:
        """Every entry, each imported (for hooks, which all run)."""
        for name in self.names():
            yield name, self.get(name)
