"""Shared fixtures: an isolated cache, the embedded model's path, a real llama.cpp server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.local_servers import (
    cpp_server_command,
    free_port,
    python_server_available,
    python_server_command,
    serve,
)
from valuescope.models._embedded import smollm2_path

SERVER_MODEL = "smollm2"
BATCH_SPLIT_TOLERANCE = 0.05
"""How far one answer's probabilities move with what the embedded server's prefix cache held
(how llama.cpp split the prompt into batches): two runs of the demo (360 answers, 4 slots)
differ by 0.0003 on average and 0.037 at most (`bench/parity.py` on two `make demo` runs).
Tests that compare a resumed run with a clean one allow this much."""

# One llama.cpp thread per process: `make test` runs 2 pytest workers on 2 cores, besides
# the servers some tests start, and llama.cpp's threads spin-wait for each other, so a
# second thread on a busy core slows a forward pass many times over. Servers and CLI
# subprocesses inherit it.
os.environ.setdefault("VALUESCOPE_THREADS", "1")
# llama.cpp's prompt cache in host memory (off for users by default): the suite's many judge
# runs restore their instructions instead of evaluating them again, about 3 of 13 minutes
os.environ.setdefault("VALUESCOPE_PROMPT_CACHE_MIB", "128")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own response cache, so no test sees another's answers."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(directory))
    return directory


@pytest.fixture(scope="session")
def gguf() -> Path:
    return smollm2_path()


@pytest.fixture(scope="session")
def llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (`python -m llama_cpp.server`) on 127.0.0.1 with the
    embedded GGUF. Yields its base URL (`http://127.0.0.1:PORT/v1`). Needs the pyserver extra
    (`make pyserver`, which `make test` runs): without it the tests that use it skip, and
    fail in CI (CI=true)."""
    if not python_server_available():
        message = "llama_cpp.server is not installed: make pyserver (pip install '.[pyserver]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with serve(python_server_command(gguf, SERVER_MODEL, port), port, log) as url:
        yield url


CPP_SERVER_SLOTS = 4
CPP_SERVER_SLOT_CTX = 2048


@pytest.fixture(scope="session")
def cpp_llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's C++ server (from the xllamacpp wheel, in a process of its own) on
    127.0.0.1 with the embedded GGUF as `smollm2`: 4 parallel slots of 2048 tokens each,
    continuous batching. Yields its base URL (`http://127.0.0.1:PORT/v1`)."""
    port = free_port()
    log = tmp_path_factory.mktemp("cpp-server") / "server.log"
    slots = ["--parallel", str(CPP_SERVER_SLOTS)]
    context = ["--ctx-size", str(CPP_SERVER_SLOTS * CPP_SERVER_SLOT_CTX)]
    with serve(cpp_server_command(gguf, SERVER_MODEL, port, *slots, *context), port, log) as url:
        yield url


MODEL_FIXTURES = {"gguf", "llama_server", "cpp_llama_server", "gallery", "embedded"}
"""Fixtures that load the embedded model or start a server: a test that uses one is `slow`
(left out of `make check`) whether or not it says so itself."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a model fixture are marked `slow`."""
    for item in items:
        if set(getattr(item, "fixturenames", ())) & MODEL_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real run of every kind (`tests/helpers/gallery.py`, embedded model, a few minutes once
    per test run). VALUESCOPE_GALLERY names a folder to make them in and reuse across
    sessions (`python tests/helpers/gallery.py DIR` makes one by hand). Tests that change a run
    copy it first. Under pytest-xdist the workers share one gallery and split the making
    of it (`make_gallery` takes the kinds no other worker has claimed)."""
    from helpers.gallery import make_gallery

    given = os.environ.get("VALUESCOPE_GALLERY")
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    root = Path(given) if given else shared / "gallery"
    root.mkdir(parents=True, exist_ok=True)
    return make_gallery(root)
