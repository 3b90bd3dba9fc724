"""Real OpenAI-compatible servers on 127.0.0.1, for the tests and the benchmarks:
llama-cpp-python's `python -m llama_cpp.server` (the `pyserver` extra) and llama.cpp's C++
`llama-server` (from the prebuilt xllamacpp wheel, run in its own process by
`python -m valuescope.models.llama_server`), both serving a GGUF file under an alias.

One place starts them, waits until they answer and stops them, so that a test fixture and a
benchmark arm run the same server the same way. The benchmarks (run as files from `bench/`)
put this folder on `sys.path` to import it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

CPP_SERVER_MODULE = "valuescope.models.llama_server"
"""Runs llama.cpp's C++ server from the xllamacpp wheel (a dependency of valuescope)."""


class ServerDidNotStart(RuntimeError):
    """A server exited or did not answer in time; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    """Return once `url` answers 200; raise if `process` exits first or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_threads() -> int:
    """llama.cpp threads for a test server: what the embedded backend takes (the tests set
    VALUESCOPE_THREADS=1, see conftest.py)."""
    from valuescope.models._llama_server import default_threads

    return default_threads()


def python_server_command(
    gguf: Path, alias: str, port: int, n_ctx: int = 2048, threads: int | None = None
) -> list[str]:
    """`python -m llama_cpp.server` (one request at a time; `n_ctx` tokens)."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(threads or test_threads()),
    ]  # fmt: skip


def cpp_server_command(
    gguf: Path, alias: str, port: int, *options: str, threads: int | None = None
) -> list[str]:
    """llama.cpp's C++ server in a process of its own; `options` such as `--parallel 4
    --ctx-size 8192` (the same names as `llama-server`'s)."""
    return [
        sys.executable, "-m", CPP_SERVER_MODULE,
        "--model", str(gguf), "--alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--threads", str(threads or test_threads()),
        *options,
    ]  # fmt: skip


def python_server_available() -> bool:
    """Whether llama-cpp-python's server is installed (`pip install '.[pyserver]'`)."""
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def ready_url(command: Sequence[str], port: int) -> str:
    """What answers 200 once the model is loaded: llama.cpp's /health, else /v1/models."""
    if CPP_SERVER_MODULE in command:
        return f"http://127.0.0.1:{port}/health"
    return f"http://127.0.0.1:{port}/v1/models"


@contextmanager
def serve(command: Sequence[str], port: int, log: Path) -> Iterator[str]:
    """Run a server `command` listening on `port`, its output appended to `log`; yield its
    base URL (`http://127.0.0.1:PORT/v1`) once it answers, and stop it on exit."""
    with log.open("ab") as log_file:
        process = subprocess.Popen(list(command), stdout=log_file, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_http(ready_url(command, port), process)
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace")[-3000:]
            raise ServerDidNotStart(f"{exc}\n--- server log ({log}) ---\n{tail}") from exc
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(process)
