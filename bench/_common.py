"""Helpers shared by the benchmark scripts (not part of the package).

The scripts are run as files (`python bench/prefix.py`), so `bench/` is on `sys.path` and
this module is imported as `_common`. Servers are started by `tests/helpers/local_servers.py`, the
same code the tests' fixtures use; `tests/` is put on `sys.path` for it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.local_servers import (
    free_port,
    python_server_command,
    serve,
)
from valuescope.frameworks import load_framework
from valuescope.instruments.likert import Condition, select_items
from valuescope.instruments.likert.items import (
    Item,
    ItemBank,
    builtin_item_bank_path,
    load_item_bank,
)
from valuescope.models import Message, ModelSettings, load_backend
from valuescope.models._llamacpp import LlamaCppModel

PYSERVER_MISSING = (
    "llama-cpp-python is not installed, so there is no `python -m llama_cpp.server`: "
    "pip install '.[pyserver]' (or make pyserver)"
)
"""What a script says where it needs llama-cpp-python's server and it is not there."""

ASC_NONE = Condition(order="asc", framing="none")
"""The one condition the benchmarks ask items under: ascending labels, no system message."""


def schwartz_items(n: int) -> tuple[ItemBank, list[Item]]:
    """The Schwartz item bank and its first `n` items, round-robin across dimensions (as
    `valuescope measure --limit n` picks them). At most the bank's size (90)."""
    framework = load_framework("schwartz10")
    bank = load_item_bank(builtin_item_bank_path("schwartz10"), framework)
    return bank, select_items(bank, framework.ids, n)


def embedded_model(settings: ModelSettings | None = None) -> LlamaCppModel:
    """SmolLM2-135M-Instruct on llama.cpp's server in this process (the `llamacpp` backend),
    without the response cache. `ModelSettings(concurrency=1)` gives the server one slot,
    so consecutive requests meet the KV cache the previous one left."""
    model = load_backend("llamacpp", settings or ModelSettings())
    assert isinstance(model, LlamaCppModel)
    return model


def fresh_embedded_model(settings: ModelSettings | None = None) -> LlamaCppModel:
    """`embedded_model` on a server of its own, started now: the backend keeps one server per
    settings for the life of the process (`_llama_server._SERVERS`), so that registry is
    emptied first. A fresh server's KV cache and RAM prompt cache hold nothing, so an arm
    run on it cannot reuse prompts an earlier arm left. The previous server stops once its
    model is dropped."""
    from valuescope.models import _llama_server

    with _llama_server._LOCK:
        _llama_server._SERVERS.clear()
    return embedded_model(settings)


async def prompt_tokens(model: LlamaCppModel, messages: list[Message]) -> list[int]:
    """The tokens of the prompt the server evaluates for `messages` (its chat template
    applied by the server's /apply-template, tokenized by its /tokenize)."""
    return await model.tokenize(await model.render(messages))


def common_prefix(sequences: Sequence[Sequence[int]]) -> list[int]:
    """The longest token prefix shared by every sequence."""
    first = list(sequences[0])
    length = len(first)
    for seq in sequences[1:]:
        n = 0
        for a, b in zip(first[:length], seq, strict=False):
            if a != b:
                break
            n += 1
        length = n
    return first[:length]


async def prime(model: LlamaCppModel, prefix: list[int]) -> dict[str, Any]:
    """Leave exactly `prefix` in the server's slot (untimed set-up before a timed call).

    One request to llama.cpp's native `/completion` with the token ids as the prompt,
    `n_predict: 0` and `cache_prompt: true`: the slot evaluates `prefix` (reusing what it
    already holds of it) and keeps it, so the next request whose prompt starts with `prefix`
    evaluates only what follows. This is the steady state of a run, where consecutive items
    share the template up to the item. Meant for a one-slot server (`concurrency=1`): with
    several slots the next request may land on another one. Returns the server's `timings`.
    """
    body = {"prompt": prefix, "n_predict": 0, "cache_prompt": True}
    response = await model._client().post("/completion", json=body)
    response.raise_for_status()
    return dict(response.json().get("timings") or {})


def summary(values: Sequence[float]) -> str:
    """'mean / median' of a list of seconds, in milliseconds."""
    if not values:
        return "n/a"
    mean, median = 1000 * statistics.fmean(values), 1000 * statistics.median(values)
    return f"mean {mean:8.1f} ms  median {median:8.1f} ms"


@contextmanager
def llama_server(gguf: Path, alias: str, n_ctx: int = 2048) -> Iterator[str]:
    """A real `python -m llama_cpp.server` on 127.0.0.1 serving `gguf` as `alias`; yields its
    base URL (`http://127.0.0.1:PORT/v1`). Its log goes to a temporary file, shown if it
    fails to start. Needs llama-cpp-python (`pip install '.[pyserver]'`): check with
    `python_server_available()` first."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="valuescope-bench-") as tmp:
        command = python_server_command(gguf, alias, port, n_ctx)
        with serve(command, port, Path(tmp) / "server.log") as url:
            yield url
