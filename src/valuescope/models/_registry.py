"""`get_model`: from a model name to a ready backend (behind the cache).

Backends are imported lazily, so `valuescope --help` does not load llama.cpp and a user who
only talks to a server never imports it.
"""

from __future__ import annotations

from pathlib import Path

from valuescope.models._cache import ResponseCache, default_cache_dir
from valuescope.models._cached import CachedModel
from valuescope.models._protocol import Model
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import parse_model_name


def load_backend(name: str, settings: ModelSettings, cache_dir: Path | None = None) -> Model:
    """The backend for `name`, without the cache (what benchmarks and tests compare)."""
    spec = parse_model_name(name)
    if spec.backend == "llamacpp":
        from valuescope.models._embedded import resolve_gguf
        from valuescope.models._llamacpp import LlamaCppModel

        path, chat = resolve_gguf(spec.model, cache_dir or default_cache_dir())
        return LlamaCppModel(path, settings, name=name, chat=chat)
    if spec.backend == "sim":
        from valuescope.models._sim import SimModel

        return SimModel.from_name(spec.model, name=name)
    from valuescope.models._openai import OpenAIModel

    return OpenAIModel(spec, settings, name=name)


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
