"""Errors the model layer raises for users to read (kept import-light for the CLI).

Each message is one line that names the server's URL and what went wrong, so the CLI can
print it as it is, without a traceback.
"""

from typing import Any

from valuescope.errors import BackendError
from valuescope.models._spec import ModelNameError

__all__ = [
    "BackendError",  # valuescope.errors.BackendError, importable here as before
    "BackendFailed",
    "BackendRejected",
    "BackendUnreachable",
    "ImagesUnsupported",
    "MissingApiKey",
    "refuse_images",
]


class BackendUnreachable(BackendError):
    """A model server could not be used at all: nothing answered at its URL before (refused,
    DNS, TLS, reset), it rejected the API key (401) or serves no such model (404)."""


class BackendRejected(BackendError):
    """The server refused a request as malformed (HTTP 400, 422 and other 4xx but 401, 404,
    408 and 429), e.g. a server that does not support `top_logprobs`. Not retried: the same
    request would be refused again. The message names the URL, the status and the server's
    own message."""


class BackendFailed(BackendError):
    """A server kept failing (5xx, 429, timeouts, connection resets) until the retries ran
    out. The message names the URL, the last failure and the number of attempts."""


class MissingApiKey(ModelNameError):
    """A model name that names no server while no API key is set: a mistake in how the model
    was named or configured, not a failure of a backend (so a `ModelNameError`, like the
    other mistakes in a model name)."""


class ImagesUnsupported(BackendRejected):
    """A message with images was given to a backend that reads text only (the embedded
    llama.cpp models, the simulated respondent, a server run with `--no-images`). Callers
    are meant to check `supports_images(model)` and skip such items, counting them; this
    error is what happens when one does not."""


def refuse_images(messages: Any, backend: str) -> None:
    """Raise `ImagesUnsupported` if any of `messages` carries an image."""
    count = sum(len(m.images) for m in messages)
    if count:
        raise ImagesUnsupported(
            f"{backend} reads text only, but the request has {count} image(s); skip image "
            "items for this model (supports_images is false) or use a server with a vision "
            "model"
        )
