"""The model layer: one `Model` protocol, an embedded and an OpenAI-compatible backend, a
simulated respondent (`sim`: answers from a graded response model with known parameters),
the response cache and the token accounting. See DESIGN.md, "The model layer"."""

from typing import TYPE_CHECKING, Any

from valuescope.models._cache import ResponseCache, default_cache_dir
from valuescope.models._cached import CachedModel, RunUsage
from valuescope.models._embedded import TINY_MODEL_WARNING, EmbeddedModelMissing
from valuescope.models._errors import (
    BackendError,
    BackendFailed,
    BackendRejected,
    BackendUnreachable,
    ImagesUnsupported,
    MissingApiKey,
)
from valuescope.models._fill import (
    Filled,
    FillsTemplates,
    Slot,
    SlotAnswer,
    Template,
    fill,
    read_slots,
)
from valuescope.models._protocol import Model, supports_images
from valuescope.models._registry import get_model, load_backend
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import ModelNameError, ModelSpec, parse_model_name
from valuescope.models._types import (
    Choice,
    Completion,
    GenerateConfig,
    ImagePart,
    Message,
    TokenLogprobs,
    TokenUsage,
    image,
    system,
    user,
)

if TYPE_CHECKING:
    from valuescope.models._sim import (
        SimConfig,
        SimItemFile,
        SimModel,
        SimParameters,
        SimUnsupported,
    )

_LAZY = ("SimConfig", "SimItemFile", "SimModel", "SimParameters", "SimUnsupported")


def __getattr__(name: str) -> Any:
    """The simulated respondent's names load on first use: it imports numpy and the
    frameworks, which `valuescope --help` and server-only runs do not need."""
    if name in _LAZY:
        from valuescope.models import _sim

        return getattr(_sim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TINY_MODEL_WARNING",
    "BackendError",
    "BackendFailed",
    "BackendRejected",
    "BackendUnreachable",
    "CachedModel",
    "Choice",
    "Completion",
    "EmbeddedModelMissing",
    "Filled",
    "FillsTemplates",
    "GenerateConfig",
    "ImagePart",
    "ImagesUnsupported",
    "Message",
    "MissingApiKey",
    "Model",
    "ModelNameError",
    "ModelSettings",
    "ModelSpec",
    "ResponseCache",
    "RunUsage",
    "SimConfig",
    "SimItemFile",
    "SimModel",
    "SimParameters",
    "SimUnsupported",
    "Slot",
    "SlotAnswer",
    "Template",
    "TokenLogprobs",
    "TokenUsage",
    "default_cache_dir",
    "fill",
    "get_model",
    "image",
    "load_backend",
    "parse_model_name",
    "read_slots",
    "supports_images",
    "system",
    "user",
]
