"""Parsing model names (`llamacpp:...`, `openai:MODEL@URL,URL`, `sim:FILE.yaml`) into a
`ModelSpec`.

The backend is what precedes the *first* colon, so model names that contain colons
(Ollama's `qwen2.5:7b`) pass through untouched. For `openai:`, everything after the first
`@` is a comma-separated list of base URLs: replicas of one model. `sim` is the simulated
respondent (`valuescope.sim`); what follows `sim:` is its design file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from valuescope.errors import UserError

BACKENDS = ("llamacpp", "openai", "sim")
LIKERT_ONLY = ("sim",)
"""Backends that answer Likert items only (options listed as `N = anchor` lines): no free
text, no multiple-choice questions."""


class ModelNameError(UserError, ValueError):
    """A model name that valuescope cannot parse."""


class LikertOnlyModel(ModelNameError):
    """A model that answers Likert items only (the simulated respondent), named for a job
    that needs free text or other questions: refused before any work (exit 2)."""


def refuse_likert_only(option: str, name: str, job: str) -> None:
    """Raise `LikertOnlyModel` if `name`, given as `option` (`--judge`), names a backend that
    answers Likert items only; `job` says what it would have to do (`steer asks for free
    text`). Parses the name, so a malformed one is a `ModelNameError` here too."""
    if parse_model_name(name).backend in LIKERT_ONLY:
        raise LikertOnlyModel(
            f"{option} {name}: the simulated respondent answers Likert items only, but {job}; "
            "give a language model (llamacpp, openai:MODEL)"
        )


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model name."""

    backend: str
    model: str
    """For llamacpp: an embedded model's alias or a GGUF path ("" = the default); for sim:
    the design file ("" = every default)."""
    urls: tuple[str, ...] = field(default_factory=tuple)
    """For openai: the replicas' base URLs; empty = OPENAI_BASE_URL or the SDK default."""

    @property
    def display(self) -> str:
        """A short name fit for a directory name or a table heading (`sim-my_design` for
        `sim:designs/my_design.yaml`)."""
        if self.backend == "sim":
            return f"sim-{PurePath(self.model).stem}" if self.model else "sim-default"
        tail = self.model.rsplit("/", 1)[-1] if self.model else "default"
        return f"{self.backend}-{tail}"


def parse_model_name(name: str) -> ModelSpec:
    """Parse a model name; raise `ModelNameError` with a usage hint when it is malformed."""
    backend, _, rest = name.strip().partition(":")
    if backend not in BACKENDS:
        raise ModelNameError(
            f"unknown backend {backend!r} in model name {name!r}; expected one of "
            f"{', '.join(BACKENDS)} (e.g. 'llamacpp', 'openai:gpt-4o-mini', "
            "'openai:MODEL@http://127.0.0.1:8000/v1', 'sim:design.yaml')"
        )
    if backend == "llamacpp":
        return ModelSpec(backend=backend, model=rest)
    if backend == "sim":
        path = rest.strip()
        if path and PurePath(path).suffix.lower() not in (".yaml", ".yml"):
            raise ModelNameError(
                f"model name {name!r}: the simulated respondent takes a YAML design file, "
                "'sim:FILE.yaml' (or 'sim' for every default)"
            )
        return ModelSpec(backend=backend, model=path)
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
