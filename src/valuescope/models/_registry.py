"""`get_model`: from a model name to a ready backend (behind the cache).

Backends are imported lazily, so `valuescope --help` does not load llama.cpp and a user who
only talks to a server never imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from valuescope.models._cache import ResponseCache, default_cache_dir
from valuescope.models._cached import CachedModel
from valuescope.models._protocol import Model
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import ModelSpec, parse_model_name
from valuescope.registry import Registry


class OpenBackend(Protocol):
    """How a registered backend opens: the parsed name, the name as given, the settings and
    the cache directory (where the embedded model's weights are unpacked)."""

    def __call__(
        self, spec: ModelSpec, name: str, settings: ModelSettings, cache_dir: Path
    ) -> Model: ...


def _open_llamacpp(spec: ModelSpec, name: str, settings: ModelSettings, cache_dir: Path) -> Model:
    from valuescope.models._embedded import resolve_gguf
    from valuescope.models._llamacpp import LlamaCppModel

    path, chat = resolve_gguf(spec.model, cache_dir)
    return LlamaCppModel(path, settings, name=name, chat=chat)


def _open_openai(spec: ModelSpec, name: str, settings: ModelSettings, cache_dir: Path) -> Model:
    from valuescope.models._openai import OpenAIModel

    return OpenAIModel(spec, settings, name=name)


BACKENDS: Registry[OpenBackend] = Registry(
    "backends",
    "backend",
    {
        "llamacpp": "valuescope.models._registry:_open_llamacpp",
        "openai": "valuescope.models._registry:_open_openai",
    },
)
"""Backend name (a model name's prefix) -> how it opens; `sim` comes from its entry point."""


def load_backend(name: str, settings: ModelSettings, cache_dir: Path | None = None) -> Model:
    """The backend for `name`, without the cache (what benchmarks and tests compare)."""
    spec = parse_model_name(name)
    return BACKENDS.get(spec.backend)(spec, name, settings, cache_dir or default_cache_dir())


def get_model(
    name: str,
    settings: ModelSettings | None = None,
    *,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> CachedModel:
    """A model ready for instruments: the backend behind the response cache.

    Example:
        ```python
        model = get_model("openai:qwen2.5-7b-instruct@http://127.0.0.1:8000/v1")
        choice = await model.choose([user("Yes or no?")], ["Yes", "No"])
        ```
    """
    directory = cache_dir or default_cache_dir()
    backend = load_backend(name, settings or ModelSettings(), directory)
    return CachedModel(backend, ResponseCache(directory) if use_cache else None)
