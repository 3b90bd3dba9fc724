"""Helpers shared by the benchmark scripts (not part of the package).

The scripts are run as files (`python bench/prefix.py`), so `bench/` is on `sys.path` and
this module is imported as `_common`. Servers are started by `tests/local_servers.py`, the
same code the tests' fixtures use; `tests/` is put on `sys.path` for it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from local_servers import (
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
from valuescope.models import ModelSettings, load_backend
from valuescope.models._llamacpp import LlamaCppModel

ASC_NONE = Condition(order="asc", framing="none")
"""The one condition the benchmarks ask items under: ascending labels, no system message."""


def schwartz_items(n: int) -> tuple[ItemBank, list[Item]]:
    """The Schwartz item bank and its first `n` items, round-robin across dimensions (as
    `valuescope measure --limit n` picks them). At most the bank's size (90)."""
    framework = load_framework("schwartz10")
    bank = load_item_bank(builtin_item_bank_path("schwartz10"), framework)
    return bank, select_items(bank, framework.ids, n)


def embedded_model() -> LlamaCppModel:
    """SmolLM2-135M-Instruct in this process, without the response cache."""
    model = load_backend("llamacpp", ModelSettings())
    assert isinstance(model, LlamaCppModel)
    return model


def prompt_tokens(model: LlamaCppModel, prompt: str) -> list[int]:
    """The tokens `model` evaluates for a rendered prompt (as `choose` and `generate` do)."""
    return model._tokens(prompt)


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


def prime(model: LlamaCppModel, prefix: list[int]) -> None:
    """Leave exactly `prefix` in the KV cache (untimed set-up before a timed call).

    Uses the backend's own `_evaluate_prompt`, so the cache state is one the backend itself
    produces: the next request reuses `prefix` and evaluates only what follows it. This is
    the steady state of a run, where consecutive items share the template up to the item.
    """
    with model._lock:
        model._evaluate_prompt(prefix)
    assert model._llm.n_tokens == len(prefix)


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
    fails to start."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="valuescope-bench-") as tmp:
        command = python_server_command(gguf, alias, port, n_ctx)
        with serve(command, port, Path(tmp) / "server.log") as url:
            yield url
