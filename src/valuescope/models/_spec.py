"""Parsing model names (`llamacpp:...`, `openai:MODEL@URL,URL`) into a `ModelSpec`.

The backend is what precedes the *first* colon, so model names that contain colons
(Ollama's `qwen2.5:7b`) pass through untouched. For `openai:`, everything after the first
`@` is a comma-separated list of base URLs: replicas of one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BACKENDS = ("llamacpp", "openai")


class ModelNameError(ValueError):
    """A model name that valuescope cannot parse."""


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model name."""

    backend: str
    model: str
    """For llamacpp: an embedded model's alias or a GGUF path ("" = the default)."""
    urls: tuple[str, ...] = field(default_factory=tuple)
    """For openai: the replicas' base URLs; empty = OPENAI_BASE_URL or the SDK default."""

    @property
    def display(self) -> str:
        """A short name fit for a directory name or a table heading."""
        tail = self.model.rsplit("/", 1)[-1] if self.model else "default"
        return f"{self.backend}-{tail}"


def parse_model_name(name: str) -> ModelSpec:
    """Parse a model name; raise `ModelNameError` with a usage hint when it is malformed."""
    backend, _, rest = name.strip().partition(":")
    if backend not in BACKENDS:
        raise ModelNameError(
            f"unknown backend {backend!r} in model name {name!r}; expected one of "
            f"{', '.join(BACKENDS)} (e.g. 'llamacpp', 'openai:gpt-4o-mini', "
            "'openai:MODEL@http://127.0.0.1:8000/v1')"
        )
    if backend == "llamacpp":
        return ModelSpec(backend=backend, model=rest)
    model, at, url_list = rest.partition("@")
    if not model:
        raise ModelNameError(f"model name {name!r} names no model after 'openai:'")
    urls = tuple(u.strip().rstrip("/") for u in url_list.split(",") if u.strip())
    if at and not urls:
        raise ModelNameError(f"model name {name!r} has an empty URL list after '@'")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ModelNameError(f"replica URL {url!r} in {name!r} must start with http(s)://")
    return ModelSpec(backend=backend, model=model, urls=urls)
