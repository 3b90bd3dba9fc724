"""The model layer: one `Model` protocol, an embedded and an OpenAI-compatible backend, the
response cache and the token accounting. See DESIGN.md, "The model layer"."""

from valuescope.models._cache import ResponseCache, default_cache_dir
from valuescope.models._cached import CachedModel, RunUsage
from valuescope.models._embedded import TINY_MODEL_WARNING, EmbeddedModelMissing
from valuescope.models._errors import (
    BackendError,
    BackendFailed,
    BackendRejected,
    BackendUnreachable,
    MissingApiKey,
)
from valuescope.models._protocol import Model
from valuescope.models._registry import get_model, load_backend
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import ModelNameError, ModelSpec, parse_model_name
from valuescope.models._types import (
    Choice,
    Completion,
    GenerateConfig,
    Message,
    TokenUsage,
    system,
    user,
)

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
    "GenerateConfig",
    "Message",
    "MissingApiKey",
    "Model",
    "ModelNameError",
    "ModelSettings",
    "ModelSpec",
    "ResponseCache",
    "RunUsage",
    "TokenUsage",
    "default_cache_dir",
    "get_model",
    "load_backend",
    "parse_model_name",
    "system",
    "user",
]
