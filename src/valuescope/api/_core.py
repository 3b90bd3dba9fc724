"""The machinery under every API function: one `sync()` that makes the blocking form of an
async command, the CLI-to-config translation every command shares, the run of a registered
instrument, and the result of a composite command (`StudyRun`).

The CLI runs commands through the same functions; what only it needs (the command line for
the manifest, printing an instrument's plan before it runs) it hands over with `invocation`,
so the public signatures stay what a Python user types.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from pydantic import BaseModel

from valuescope.engine import ConfigError, Progress, Run, run_sync

if TYPE_CHECKING:
    from valuescope.engine import Instrument
    from valuescope.models import Model

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


def sync(function: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """The blocking form of the async command `function` (`ameasure` -> `measure`), with its
    signature and docstring. It works in a plain script and inside a running event loop
    (Jupyter), where the command runs on its own loop in a worker thread."""

    @functools.wraps(function)
    def blocking(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_sync(function(*args, **kwargs))

    name = function.__name__.removeprefix("a")
    blocking.__name__ = blocking.__qualname__ = name
    form = f"(Blocking; `await {function.__name__}(...)` is the async form.)"
    blocking.__doc__ = f"{function.__doc__ or ''}\n\n{form}"
    return blocking


@dataclass(frozen=True)
class Invocation:
    """What the CLI adds to a run: its command line (for the manifest) and a hook that sees
    the instrument before the run starts (to print the plan)."""

    command_line: str | None = None
    on_instrument: Callable[[Any], None] | None = None
    log: Callable[[str], None] | None = None


_INVOCATION: ContextVar[Invocation | None] = ContextVar("invocation", default=None)


def _current() -> Invocation:
    return _INVOCATION.get() or Invocation()


@contextlib.contextmanager
def invocation(
    command_line: str,
    on_instrument: Callable[[Any], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Within this block, runs record `command_line`, show `on_instrument` their instrument
    and `log` their progress lines ("measuring A ...") (the CLI's use; `asyncio.run` inside
    the block carries it along)."""
    token = _INVOCATION.set(Invocation(command_line, on_instrument, log))
    try:
        yield
    finally:
        _INVOCATION.reset(token)


def command_line() -> str | None:
    """The command line of the CLI invocation in progress (None from Python)."""
    return _current().command_line


def log(line: str) -> None:
    """A progress line of a composite command, for the CLI to print (silent from Python)."""
    write = _current().log
    if write is not None:
        write(line)


SETTINGS = {"concurrency": "concurrency", "api_key_env": "api_key_env", "timeout": "timeout_s",
            "choose_samples": "choose_samples", "constrain": "constrain",
            "continuation": "continuation"}  # fmt: skip
"""The CLI's model options (`--timeout` ...) -> `ModelSettings` fields."""


def plain(value: Any) -> Any:
    """A CLI value as a config takes it: a path as text, a choice as its value."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def config_fields(options: dict[str, Any], renames: dict[str, str] | None = None) -> dict[str, Any]:
    """Options named as on the command line (`timeout=`, `no_cache=`, `steering=`) or as the
    config's fields -> the config's fields. `renames` maps a command's own CLI names."""
    fields = {(renames or {}).get(k, k): plain(v) for k, v in options.items()}
    settings = {SETTINGS[k]: fields.pop(k) for k in list(fields) if k in SETTINGS}
    if "no_images" in fields:
        settings["images"] = not fields.pop("no_images")
    if settings:
        from valuescope.models import ModelSettings

        fields["settings"] = ModelSettings.model_validate(settings)
    if "no_cache" in fields:
        fields["use_cache"] = not fields.pop("no_cache")
    for role in ("model", "judge"):
        if role in fields and fields[role] is not None and not isinstance(fields[role], str):
            fields[role] = fields[role].name  # an own `Model`: the config keeps its name
    return fields


def own(value: Any) -> Model | None:
    """A caller's own `Model` object (None for a model name)."""
    return None if value is None or isinstance(value, str) else value


def split(value: str | list[str] | None) -> list[str]:
    """`"a,b"` or `["a", "b,c"]` (a repeated CLI option) -> names."""
    values = [value] if isinstance(value, str) else value or []
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def persona_fields(options: dict[str, Any]) -> None:
    """`personas="30"` (or 30) takes N from the shipped pool; `personas="FILE"` reads a file."""
    value = options.get("personas")
    if isinstance(value, str | Path) and not str(value).isdigit():
        options["personas_file"], options["personas"] = str(value), None
    elif isinstance(value, str):
        options["personas"] = int(value)


def new_instrument(command: str, fields: dict[str, Any]) -> Instrument[Any, Any, Any]:
    """The registered instrument of `command`, built from its config type (registry
    `INSTRUMENTS`) and `fields`."""
    from valuescope.engine import instrument_class

    cls = instrument_class(command)
    instrument = cls(cls.config_type.model_validate(fields))  # type: ignore[call-arg]
    hook = _current().on_instrument
    if hook is not None:
        hook(instrument)
    return instrument


async def arun_instrument(
    command: str,
    options: dict[str, Any],
    out: Path | str | None,
    progress: Progress | None,
    renames: dict[str, str] | None = None,
) -> Run[Any]:
    """Run the registered instrument of `command` with `options` (CLI or config names)."""
    from valuescope.engine import run

    fields = config_fields(options, renames)
    instrument = new_instrument(command, fields)
    model, judge = own(options.get("model")), own(options.get("judge"))
    return await run(instrument, path(out), progress, model, judge, command_line())


def path(out: Path | str | None) -> Path | None:
    return None if out is None else Path(out)


def require(condition: bool, message: str) -> None:
    """Refuse contradicting or missing options with a one-line `ConfigError`."""
    if not condition:
        raise ConfigError(message)


@dataclass
class StudyRun(Generic[R]):
    """A finished composite command (validity, steer, generate, construct, compare,
    agreement): its folder, its results (the content of its JSON file: `validity.json`,
    `steer.json`, ...) and the files it wrote."""

    directory: Path
    results: R
    files: list[Path] = field(default_factory=list)

    @property
    def report(self) -> Any:
        """`results` under the name steer's result had before (`SteerRun.report`)."""
        return self.results

    def to_dict(self) -> dict[str, Any]:
        """`{"directory", "results", "files"}` in plain JSON types."""
        return {
            "directory": str(self.directory),
            "results": self.results.model_dump(mode="json"),
            "files": [str(f) for f in self.files],
        }
