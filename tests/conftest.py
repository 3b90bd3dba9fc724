"""Shared fixtures: an isolated cache, the embedded model's path, a real llama.cpp server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from valuescope.models._embedded import smollm2_path

SERVER_MODEL = "smollm2"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own response cache, so no test sees another's answers."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(directory))
    return directory


@pytest.fixture(scope="session")
def gguf() -> Path:
    return smollm2_path()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
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


@pytest.fixture(scope="session")
def llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (`python -m llama_cpp.server`) on 127.0.0.1 with the
    embedded GGUF. Yields its base URL (`http://127.0.0.1:PORT/v1`)."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "llama_cpp.server",
                "--model", str(gguf),
                "--model_alias", SERVER_MODEL,
                "--host", "127.0.0.1",
                "--port", str(port),
                "--n_ctx", "2048",
                "--n_threads", str(os.cpu_count() or 2),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(base + "/models", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


LLAMA_SERVER_BIN = (
    Path(__file__).resolve().parents[1] / "build" / "llama-server" / "bin" / "llama-server"
)
"""llama.cpp's C++ server, built by `make server` (which `make test` runs first)."""
CPP_SERVER_SLOTS = 4
CPP_SERVER_SLOT_CTX = 2048


@pytest.fixture(scope="session")
def cpp_llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's C++ `llama-server` on 127.0.0.1 with the embedded GGUF as `smollm2`: 4
    parallel slots of 2048 tokens each, continuous batching. Yields its base URL
    (`http://127.0.0.1:PORT/v1`). Fails (does not skip) when the binary is missing: CI
    builds it with `make server`."""
    if not os.access(LLAMA_SERVER_BIN, os.X_OK):
        pytest.fail(f"{LLAMA_SERVER_BIN} is missing: run `make server` to build llama-server")
    port = free_port()
    log = tmp_path_factory.mktemp("cpp-server") / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(LLAMA_SERVER_BIN),
                "--model", str(gguf),
                "--alias", SERVER_MODEL,
                "--host", "127.0.0.1",
                "--port", str(port),
                "--parallel", str(CPP_SERVER_SLOTS),
                "--ctx-size", str(CPP_SERVER_SLOTS * CPP_SERVER_SLOT_CTX),
                "--threads", str(os.cpu_count() or 2),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", process)  # 200 once loaded
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"llama-server did not start: {exc}\n--- server log ---\n{tail}")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
