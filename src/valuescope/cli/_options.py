"""Options that every run command shares (`measure`, `dilemmas`, `csi`), declared once.

Each is an `Annotated` type to use as a parameter's annotation, so the help text and the
bounds stay the same everywhere; `run_config_fields` turns a command's parsed parameters
into the fields of `engine.RunConfig`, and `reject_options_with_resume` enforces that
`--resume DIR` takes nothing else (the run's manifest holds its configuration).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from valuescope.models import ModelSettings
from valuescope.runs import RunStoreError

ModelOption = Annotated[
    str, typer.Option(help="llamacpp | llamacpp:PATH.gguf | openai:MODEL[@URL,...]")
]
SeedOption = Annotated[int, typer.Option(help="Seed for sampling, shuffling and bootstraps.")]
MinOptionMassOption = Annotated[
    float,
    typer.Option(
        min=0.0, max=1.0, help="Answers with less probability on the options are invalid."
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(min=1, help="Requests in flight per endpoint (default 1 embedded, 32 servers)."),
]
ApiKeyEnvOption = Annotated[str, typer.Option(help="Environment variable that holds the API key.")]
TimeoutOption = Annotated[float, typer.Option(help="Seconds before a server request times out.")]
CacheDirOption = Annotated[Path | None, typer.Option(help="Response cache folder.")]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")
]
OutOption = Annotated[
    Path | None, typer.Option(help="Run directory (default runs/<UTC>-<command>-<model>/).")
]
ResumeOption = Annotated[
    Path | None, typer.Option(help="Continue the run in this directory; takes no other option.")
]


def run_config_fields(params: Mapping[str, Any]) -> dict[str, Any]:
    """The `RunConfig` fields from a command's parsed parameters (`ctx.params`), which
    must include every shared option above (`--model` ... `--no-cache`)."""
    return {
        "model": params["model"],
        "seed": params["seed"],
        "min_option_mass": params["min_option_mass"],
        "settings": ModelSettings(
            concurrency=params["concurrency"],
            api_key_env=params["api_key_env"],
            timeout_s=params["timeout"],
        ),
        "use_cache": not params["no_cache"],
        "cache_dir": str(params["cache_dir"]) if params["cache_dir"] else None,
    }


def reject_options_with_resume(ctx: typer.Context) -> None:
    """Raise a user error naming any option given on the command line besides --resume."""
    given = [
        "--" + name.replace("_", "-")
        for name in ctx.params
        if name != "resume"
        and getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
    ]
    if given:
        raise RunStoreError(
            f"--resume takes no other option (got {', '.join(given)}): the run's manifest "
            "holds its configuration"
        )
