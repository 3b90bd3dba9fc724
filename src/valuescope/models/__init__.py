"""The model layer: one `Model` protocol, an embedded and an OpenAI-compatible backend, the
response cache and the token accounting (docs/design.md). Other backends register in
`BACKENDS` (entry-point group `valuescope.backends`): the simulated respondent (`sim`)
lives in `valuescope.sim`, above the instruments whose item banks it reads."""

from valuescope.models._cache import ResponseCache, default_cache_dir
from valuescope.models._cached import CachedModel, RunUsage
from valuescope.models._embedded import (
    EMBEDDED_MODELS,
    TINY_MODEL_WARNING,
    EmbeddedModelMissing,
    resolve_gguf,
    smollm2_path,
)
from valuescope.models._errors import (
    BackendError,
    BackendFailed,
    BackendRejected,
    BackendUnreachable,
    ImagesUnsupported,
    MissingApiKey,
    refuse_images,
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
from valuescope.models._llama_server import DEFAULT_SLOTS, start_server
from valuescope.models._protocol import Model, supports_images
from valuescope.models._registry import BACKENDS, get_model, load_backend
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import (
    LikertOnlyModel,
    ModelNameError,
    ModelSpec,
    parse_model_name,
    refuse_likert_only,
)
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

__all__ = [
    "BACKENDS",
    "DEFAULT_SLOTS",
    "EMBEDDED_MODELS",
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
    "LikertOnlyModel",
    "Message",
    "MissingApiKey",
    "Model",
    "ModelNameError",
    "ModelSettings",
    "ModelSpec",
    "ResponseCache",
    "RunUsage",
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
    "refuse_images",
    "refuse_likert_only",
    "resolve_gguf",
    "smollm2_path",
    "start_server",
    "supports_images",
    "system",
    "user",
]
