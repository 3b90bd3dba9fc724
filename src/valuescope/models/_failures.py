"""How the OpenAI-compatible backend treats a failed request (`_openai`): which failures are
retried and after what wait, and the one-line error each becomes."""

from __future__ import annotations

import json
import random

import openai

from valuescope.models._errors import (
    BackendError,
    BackendFailed,
    BackendRejected,
    BackendUnreachable,
)
from valuescope.models._replicas import Failure, retry_after_s

FIRST_RETRY_WAIT_S = 1.0
"""Mean wait before the first retry; later ones double (with jitter) up to MAX_RETRY_WAIT_S."""
MAX_RETRY_WAIT_S = 30.0
RETRIED_STATUS = (408, 429)
"""Client errors worth retrying (request timeout, rate limit); all 5xx are retried too."""
MESSAGE_CHARS = 300
"""A server's error message is cut to this many characters in ours."""


def is_transient(exc: Exception, *, answered: bool) -> bool:
    """Failures worth retrying: 429, 408, 5xx, timeouts, and dropped connections while the
    model is `answered` (reachable: some replica has answered, or some replica has not yet
    refused a connection; when every one refused and none answered, the URL is wrong)."""
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError, its base class
        return True
    if isinstance(exc, openai.APIConnectionError):
        return answered
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRIED_STATUS or exc.status_code >= 500
    return False


def failure_kind(exc: Exception) -> Failure:
    """What a failed request says about its replica, for the pool (`_replicas.Kind`): a
    connection that could not be made is `refused` (httpx's ConnectError on the chain), one
    reset or closed without an answer `dropped`; 429 and 503 are `overload`, with the
    server's Retry-After."""
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError, its base class
        return Failure("timeout")
    if isinstance(exc, openai.APIConnectionError):
        return Failure("refused" if _connect_failed(exc) else "dropped")
    if isinstance(exc, openai.APIStatusError) and exc.status_code in (429, 503):
        return Failure("overload", retry_after_s(exc.response.headers.get("retry-after")))
    return Failure("other")


def _connect_failed(exc: BaseException) -> bool:
    """Whether the chain holds a failure to connect (refused, no route): httpx's or its
    fork's `ConnectError`, matched by name since the SDK may ship either."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ == "ConnectError":
            return True
        seen.append(current)
        current = current.__cause__ or current.__context__
    return False


def backoff_s(retry: int) -> float:
    """The wait before retry number `retry` (1, 2, ...): a mean of FIRST_RETRY_WAIT_S,
    doubling each time up to MAX_RETRY_WAIT_S, times a random factor in [0.5, 1.5)."""
    mean = min(MAX_RETRY_WAIT_S, FIRST_RETRY_WAIT_S * 2.0 ** (retry - 1))
    return mean * (0.5 + random.random())


def describe(exc: BaseException) -> str:
    """One line that says what failed: `HTTP 503: <the server's message>` for an error
    status; else the innermost exception's class and the innermost message on the chain
    (`ConnectionResetError: [Errno 104] Connection reset by peer`), never empty: the
    SDK's and httpx's own wrappers often have no message."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {server_message(exc)}"
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while isinstance(current, Exception) and current not in chain:  # not CancelledError
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = next((_one_line(str(e)) for e in reversed(chain) if str(e).strip()), "")
    name = type(chain[-1]).__name__
    return f"{name}: {text}" if text else name


def server_message(exc: openai.APIStatusError) -> str:
    """The server's own error message, on one line: `error.message` in OpenAI's format
    (the SDK unwraps `error`), vLLM's and llama.cpp's; else the body as it came."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        text = body["message"]
    elif isinstance(body, str):
        text = body
    elif body is not None:
        text = json.dumps(body, ensure_ascii=False)
    else:
        text = exc.response.text
    return _one_line(text) or exc.response.reason_phrase or "(no message)"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


def exhausted(where: str, exc: Exception, attempts: int, timeout_s: float) -> BackendFailed:
    """The error for a transient failure that outlasted the retries."""
    what = describe(exc)
    if isinstance(exc, openai.APITimeoutError):
        what += f" (no answer within {timeout_s:g} s)"
    return BackendFailed(
        f"the model server at {where} still failed after {attempts} attempts: {what}"
    )


def fatal(where: str, exc: Exception, api_key_env: str, model: str) -> BackendError:
    """The error for a failure that retrying would not cure; it names the URL (`where`)."""
    if isinstance(exc, openai.AuthenticationError):
        # Not the server's message: some echo the key they were given.
        return BackendUnreachable(
            f"{where} rejected the API key from ${api_key_env} (HTTP {exc.status_code})"
        )
    if isinstance(exc, openai.NotFoundError):
        return BackendUnreachable(f"{where} does not serve model {model!r}: {describe(exc)}")
    if isinstance(exc, openai.APIStatusError):
        return BackendRejected(f"{where} rejected the request: {describe(exc)}")
    return BackendUnreachable(f"cannot reach the model server at {where}: {describe(exc)}")
