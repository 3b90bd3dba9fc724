"""The options every run command shares (`--model`, `--seed`, ... `--out`, `--resume`),
declared once.

`@run_options` adds them to a command: Typer sees them as the command's own parameters
(with the same help and bounds everywhere), and the command function receives them
together as one `RunOptions` argument named `run`. A command that declares one of them
itself (csi-validity's `--model`, whose default comes from another run) keeps its own
declaration, and its value still reaches `RunOptions`.

`reject_options_with_resume` enforces that `--resume DIR` takes nothing else: the run's
manifest holds its configuration.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_type_hints, overload

import typer

F = TypeVar("F", bound=Callable[..., Any])


class Constrain(StrEnum):
    guided_choice = "guided_choice"
    grammar = "grammar"


class ContinuationChoice(StrEnum):
    auto = "auto"
    prefill = "prefill"
    grammar = "grammar"
    none = "none"


@dataclass(frozen=True)
class RunOptions:
    """The shared options of one invocation, as parsed."""

    model: Annotated[
        str,
        typer.Option(
            help="llamacpp | llamacpp:PATH.gguf | openai:MODEL\\[@URL,...] | sim[:DESIGN.yaml] "
            "(simulated respondents)"
        ),
    ] = "llamacpp"
    seed: Annotated[int, typer.Option(help="Seed for sampling, shuffling and bootstraps.")] = 0
    min_option_mass: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Answers with less probability on the options are invalid."
        ),
    ] = 0.25
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, help="Requests in flight per endpoint (default 4 embedded, 32 servers)."
        ),
    ] = None
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable that holds the API key.")
    ] = "OPENAI_API_KEY"
    timeout: Annotated[float, typer.Option(help="Seconds before a server request times out.")] = (
        120.0
    )
    constrain: Annotated[
        Constrain | None,
        typer.Option(
            metavar="<kind>",
            help="Servers without log-probabilities: constrain the K samples that stand in "
            "for them to the options (guided_choice: vLLM/SGLang; grammar: llama.cpp); "
            "also holds a judge's all@once JSON to its template.",
        ),
    ] = None
    choose_samples: Annotated[
        int,
        typer.Option(min=1, help="K: samples per answer on servers without log-probabilities."),
    ] = 20
    continuation: Annotated[
        ContinuationChoice,
        typer.Option(
            metavar="<mode>",
            help="How a server scores options of several tokens: auto (probe once), prefill "
            "(llama-server, vLLM), grammar (llama.cpp servers), none (sample instead).",
        ),
    ] = ContinuationChoice.auto
    no_images: Annotated[
        bool,
        typer.Option(
            "--no-images",
            help="Treat an OpenAI-compatible server as text-only: items with images are "
            "skipped and counted instead of sent (the embedded model is always text-only).",
        ),
    ] = False
    cache_dir: Annotated[Path | None, typer.Option(help="Response cache folder.")] = None
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")
    ] = False
    out: Annotated[
        Path | None,
        typer.Option(
            help="Run directory (default: a new folder in runs/ named by time, command and model)."
        ),
    ] = None
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue the run in this directory; takes no other option."),
    ] = None
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 4 when the verdict is 'not interpretable' (validity: 'undecided' too), "
            "for scripts and CI; a failed run exits 4 anyway.",
        ),
    ] = False
    steering: Annotated[
        Path | None,
        typer.Option(
            help="Steer the measured model with a `valuescope steer` result: its run folder "
            "(one method), a method folder (RUN/methods/NAME) or an artifact.json. A judge is "
            "never steered."
        ),
    ] = None

    def config_fields(self, model: str | None = None) -> dict[str, Any]:
        """The `RunConfig` fields (`model` overrides `--model`, e.g. a default found
        elsewhere)."""
        from valuescope.models import ModelSettings

        return {
            "model": model or self.model,
            "seed": self.seed,
            "min_option_mass": self.min_option_mass,
            "settings": ModelSettings(
                concurrency=self.concurrency,
                api_key_env=self.api_key_env,
                timeout_s=self.timeout,
                choose_samples=self.choose_samples,
                constrain=self.constrain.value if self.constrain else None,
                continuation=self.continuation.value,
                images=not self.no_images,
            ),
            "use_cache": not self.no_cache,
            "cache_dir": str(self.cache_dir) if self.cache_dir else None,
            "steering": str(self.steering) if self.steering else None,
        }


@overload
def run_options(command: F) -> F: ...
@overload
def run_options(*, omit: tuple[str, ...]) -> Callable[[F], F]: ...
def run_options(command: F | None = None, *, omit: tuple[str, ...] = ()) -> F | Callable[[F], F]:
    """Give `command` the shared run options (see the module docstring); `omit` names those
    it does not take (they keep their defaults in its `RunOptions`)."""
    if command is None:
        return functools.partial(_add_run_options, omit=omit)
    return _add_run_options(command, omit)


def _add_run_options(command: F, omit: tuple[str, ...] = ()) -> F:
    own = inspect.signature(command, eval_str=True)
    hints = get_type_hints(RunOptions, include_extras=True)
    shared = [
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, annotation=hints[f.name], default=f.default
        )
        for f in fields(RunOptions)
        if f.name not in own.parameters and f.name not in omit
    ]
    names = [f.name for f in fields(RunOptions)]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs[name] for name in names if name in kwargs}
        for name in names:
            if name not in own.parameters:
                kwargs.pop(name, None)
        return command(*args, run=RunOptions(**values), **kwargs)

    # --model first (as users expect in --help), then the command's own, then the rest.
    first = [p for p in shared if p.name == "model"]
    rest = [p for p in shared if p.name != "model"]
    context = [p for p in own.parameters.values() if p.annotation is typer.Context]
    mine = [p for p in own.parameters.values() if p.name != "run" and p not in context]
    keyword = inspect.Parameter.KEYWORD_ONLY  # Typer passes every parameter by name
    parameters = [p.replace(kind=keyword) for p in context + first + mine + rest]
    wrapper.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]


def given_on_command_line(ctx: typer.Context, names: Iterable[str]) -> list[str]:
    """Those of the parameters `names` that the user typed, as `--option-name`s."""
    return [
        "--" + name.replace("_", "-")
        for name in names
        if name in ctx.params
        and getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
    ]


def reject_options_with_resume(ctx: typer.Context, allowed: tuple[str, ...] = ("resume",)) -> None:
    """Raise a user error naming any option given on the command line besides --resume
    (and the `allowed` ones, which change what is printed, not what is run)."""
    from valuescope.runs import RunStoreError

    given = given_on_command_line(ctx, [name for name in ctx.params if name not in allowed])
    if given:
        raise RunStoreError(
            f"--resume takes no other option (got {', '.join(given)}): the run's manifest "
            "holds its configuration"
        )


def refuse_likert_only(job: str, *given: tuple[str, str | None]) -> None:
    """Refuse at once, with exit 2, a model that answers Likert items only (the simulated
    respondent, `sim`) where `job` needs more (`steer asks for free text`): each of `given`
    is (the option as the user typed it, the model name or None for one not given)."""
    from valuescope.cli._console import user_errors
    from valuescope.models import refuse_likert_only as refuse

    with user_errors():
        for option, name in given:
            if name is not None:
                refuse(option, name, job)


_LIST_ITEM = re.compile(r"\s*([-*]|\d+[.)])\s")


def reflow(text: str) -> str:
    """`text` (a docstring) with each paragraph on one line, but for a list item, which
    starts its own line, and a paragraph marked `\\b`, kept as it is. Typer shows a
    docstring's own line breaks, and rich then wraps each source line again: at 80 columns
    that leaves ragged half lines."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if not paragraph.startswith("\b"):
            lines = paragraph.split("\n")
            paragraph = lines[0] + "".join(
                ("\n" if _LIST_ITEM.match(line) else " ") + line.strip() for line in lines[1:]
            )
        paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def reflow_help(app: typer.Typer) -> None:
    """Give every command of `app` (and of its groups) its help `reflow`ed, from its
    docstring where it has no `help=`."""
    for command in app.registered_commands:
        text = command.help or inspect.getdoc(command.callback)
        if text:
            command.help = reflow(text)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            reflow_help(group.typer_instance)
