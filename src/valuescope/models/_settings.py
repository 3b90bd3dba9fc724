"""Settings that shape how a backend is driven (not what the model is asked)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ModelSettings(BaseModel):
    """How to drive a backend. Part of a run's manifest, so it holds no secrets: the API key
    is named by `api_key_env` and read from the environment when the client is built."""

    concurrency: int | None = None
    """Requests in flight per endpoint; None = the backend's default (the embedded server's 4
    slots, 32 over HTTP)."""
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    max_retries: int = 6
    choose_samples: int = 20
    """K, the number of constrained samples `choose` draws where no log-probabilities exist."""
    constrain: Literal["guided_choice", "grammar"] | None = None
    """How to constrain those samples on servers without log-probabilities: vLLM/SGLang's
    `guided_choice`, llama.cpp server's GBNF `grammar`, or not at all (then free samples
    are matched against the options and the rest lowers `option_mass`)."""
    continuation: Literal["auto", "prefill", "grammar", "none"] = "auto"
    """How `choose` on a server scores options of several tokens ("comedy" = com + edy, "10"):
    by asking for the next token after a prefix as a continued assistant message (`prefill`:
    vLLM, SGLang, llama.cpp's llama-server) or by forcing the option with a grammar
    (`grammar`: llama.cpp servers); `auto` probes the server once; `none` samples instead."""
    images: bool = True
    """Whether an OpenAI-compatible server is sent images (`Message.images`, as `image_url`
    data URLs). On by default: servers are how vision models are reached, and a text-only
    server refuses such a request with its own message (`BackendRejected`). Off
    (`--no-images`), the backend says it reads text only, so image items are skipped and
    counted. The embedded and simulated backends never take images, whatever this says."""
    n_ctx: int = 4096
    n_threads: int | None = None
    """The embedded llama.cpp server's threads; None = `$VALUESCOPE_THREADS`, else every core
    (see `_llama_server.default_threads`: on a busy machine, fewer are faster)."""
