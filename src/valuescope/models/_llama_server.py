"""llama.cpp's own OpenAI-compatible server, in this process, from the prebuilt `xllamacpp`
wheel (no compiler needed).

`xllamacpp.Server` runs llama.cpp's C++ `llama-server` on threads of this process: it loads a
GGUF, listens on 127.0.0.1 (a free port) and serves `/v1/chat/completions` with
log-probabilities, assistant-prefill continuation, GBNF grammars, seeds, several parallel
slots with continuous batching, and prompt (prefix) caching per slot. The embedded backend
(`_llamacpp.py`) talks to it over HTTP with the same code as to any OpenAI-compatible
server; `python -m valuescope.models.llama_server` runs one on a port of your choice.

- One server per (GGUF, slots, context, threads, embedding) per process, started on first
  use and kept until the process exits: a run's model, its judge and its sub-runs share it.
- The wheel is built for x86-64 CPUs with AVX2 (and FMA, F16C). On a CPU without them the
  library would die with an illegal instruction, which no `except` can catch, so the CPU is
  checked first and the user is told what to do instead (`UnsupportedCPU`).
- A GGUF without a chat template (Gemma 3 270M base) is served with `PLAIN_TEMPLATE`: the
  messages' contents joined by blank lines, the plain completion prompt it needs.
"""

from __future__ import annotations

import atexit
import os
import platform
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuescope.errors import BackendError

PLAIN_TEMPLATE = (
    "{% for message in messages %}{% if not loop.first %}\n\n{% endif %}"
    "{{ message['content'] }}{% endfor %}"
)
"""Chat template for GGUFs that have none: the contents joined by blank lines."""
REQUIRED_CPU_FLAGS = ("avx2", "fma", "f16c")
"""What the xllamacpp CPU wheel's code needs (it is compiled for the AVX2 level of x86-64)."""
DEFAULT_SLOTS = 4
"""Parallel slots: requests the server decodes together in one batch."""


def prompt_cache_mib() -> int:
    """Host memory for llama.cpp's prompt cache: `$VALUESCOPE_PROMPT_CACHE_MIB`, else 0.

    The cache keeps the state of a prompt that leaves a slot and restores it when a later
    prompt shares its prefix: a judge's long instructions after the subject's answer took
    the slot. It pays where long instructions alternate with other prompts, and costs a
    copy of a state at every change of prompt where they do not. Measured on 2 cores:
    a safety run (6 answers, judged, one thread) 40.7 s without it, 33.2 s with 128 MiB;
    the demo (360 answers, two threads) 31.8-32.3 s without it, 37.8-38.9 s with it. Off
    by default (llama.cpp's own default is 8 GiB); the tests set 128. A number that is not
    a whole number of MiB is an error.
    """
    given = os.environ.get("VALUESCOPE_PROMPT_CACHE_MIB", "").strip()
    if not given:
        return 0
    if not given.isdigit():
        raise ValueError(
            f"VALUESCOPE_PROMPT_CACHE_MIB must be a whole number of MiB, not {given!r}"
        )
    return int(given)


def default_threads() -> int:
    """llama.cpp's threads: `$VALUESCOPE_THREADS`, else every core.

    llama.cpp's threads spin-wait for each other at every step of a forward pass, so when
    other work needs the cores they are descheduled in turn and a pass takes many times
    longer (on 2 cores busy with another job, 20 answers took 18-59 s with 2 threads and
    3.4-3.8 s with 1; on 2 idle cores the demo takes 38-42 s with 2 and 63-77 s with 1).
    On a shared machine set VALUESCOPE_THREADS=1, or to the cores you can count on; the
    tests do.
    """
    given = os.environ.get("VALUESCOPE_THREADS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return os.cpu_count() or 1


class UnsupportedCPU(BackendError):
    """This CPU cannot run the prebuilt llama.cpp library."""


class LlamaServerFailed(BackendError):
    """xllamacpp could not load the model or start the server."""


@dataclass(frozen=True)
class ServerKey:
    path: str
    slots: int
    n_ctx: int
    threads: int
    chat: bool
    embedding: bool = False
    flash_attn: str = "off"
    prompt_cache_mib: int = 0


@dataclass
class LlamaServer:
    """A running in-process server: its base URL (`http://127.0.0.1:PORT`) and the handle
    that keeps it alive."""

    url: str
    key: ServerKey
    handle: Any

    @property
    def v1(self) -> str:
        return f"{self.url}/v1"


_SERVERS: dict[ServerKey, LlamaServer] = {}
_LOCK = threading.Lock()


def missing_cpu_flags(cpuinfo: str | None = None) -> list[str]:
    """The flags in REQUIRED_CPU_FLAGS this CPU lacks ([] where it has them, or where we
    cannot tell: not Linux on x86-64)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return []
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return []
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            break
    if not flags:
        return []
    return [flag for flag in REQUIRED_CPU_FLAGS if flag not in flags]


def check_cpu() -> None:
    """Raise `UnsupportedCPU` with what to do where the wheel cannot run."""
    missing = missing_cpu_flags()
    if missing:
        raise UnsupportedCPU(
            f"this CPU lacks {', '.join(m.upper() for m in missing)}, which the prebuilt "
            "llama.cpp (xllamacpp) needs: run a llama.cpp server built here and use "
            "--model openai:MODEL@http://127.0.0.1:PORT/v1"
        )


def start_server(
    path: Path,
    *,
    slots: int = DEFAULT_SLOTS,
    n_ctx: int = 4096,
    threads: int | None = None,
    chat: bool = True,
    embedding: bool = False,
    flash_attn: str = "off",
    port: int = 0,
    host: str = "127.0.0.1",
    alias: str | None = None,
    verbose: bool = False,
) -> LlamaServer:
    """The server for `path` (started once per process and settings; `port` 0 = a free one).

    `n_ctx` is each slot's context, so the server holds `slots * n_ctx` tokens of KV cache.
    `flash_attn` ("on", "off", "auto") is off by default: with it, a small model's
    log-probabilities move by up to 0.15 with what the KV cache holds; without, they agree
    between identical requests to about 1e-4.
    """
    threads = threads or default_threads()
    key = ServerKey(
        str(path), slots, n_ctx, threads, chat, embedding, flash_attn, prompt_cache_mib()
    )
    with _LOCK:
        if key in _SERVERS and port == 0:
            return _SERVERS[key]
        server = _start(key, port=port, host=host, alias=alias, verbose=verbose)
        if port == 0:
            _SERVERS[key] = server
        return server


def _start(
    key: ServerKey, *, port: int, host: str, alias: str | None, verbose: bool
) -> LlamaServer:
    check_cpu()
    try:
        import xllamacpp
    except ImportError as exc:  # pragma: no cover - a dependency
        raise LlamaServerFailed(f"the embedded backend needs xllamacpp: {exc}") from exc
    params = xllamacpp.CommonParams()
    params.model.path = key.path
    params.model_alias = {alias or Path(key.path).stem}
    params.n_parallel = key.slots
    params.n_ctx = key.n_ctx * key.slots
    params.cpuparams.n_threads = key.threads
    params.cpuparams_batch.n_threads = key.threads
    params.hostnames = [host]
    params.port = port
    params.warmup = False
    params.cache_ram_mib = key.prompt_cache_mib
    flash = {"on": "ENABLED", "off": "DISABLED", "auto": "AUTO"}[key.flash_attn]
    params.flash_attn_type = getattr(
        xllamacpp.llama_flash_attn_type, f"LLAMA_FLASH_ATTN_TYPE_{flash}"
    )
    params.verbosity = 3 if verbose else -1
    if not key.chat:
        params.chat_template = PLAIN_TEMPLATE
    if key.embedding:
        params.embedding = True
        params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    try:
        handle = xllamacpp.Server(params)
    except Exception as exc:
        raise LlamaServerFailed(f"llama.cpp could not serve {key.path}: {exc}") from exc
    server = LlamaServer(url=str(handle.listening_address).rstrip("/"), key=key, handle=handle)
    return server


@atexit.register
def _stop_all() -> None:
    """Stop the servers before the interpreter tears down the modules they run in."""
    with _LOCK:
        _SERVERS.clear()
