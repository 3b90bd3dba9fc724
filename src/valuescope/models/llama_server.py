"""Run llama.cpp's C++ server (from the prebuilt xllamacpp wheel) on a port, until stopped.

    python -m valuescope.models.llama_server --model smollm2 --port 8080 --parallel 4

It serves the OpenAI-compatible API at http://HOST:PORT/v1 (chat completions with
log-probabilities, assistant prefill, grammars) and /health, like a `llama-server` binary
with the same options; `--model` takes a GGUF path or an embedded model's alias. valuescope
reaches it as `openai:ALIAS@http://HOST:PORT/v1`. The tests and `bench/server.py` use it as
their C++ server. It binds 127.0.0.1 unless `--host` says otherwise.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m valuescope.models.llama_server")
    parser.add_argument("--model", default="smollm2", help="GGUF path or embedded alias")
    parser.add_argument("--alias", default=None, help="the model name clients send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--parallel", type=int, default=4, help="slots decoded together")
    parser.add_argument("--ctx-size", type=int, default=8192, help="tokens, all slots")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--flash-attn", choices=("on", "off", "auto"), default="auto")
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's own log")
    args = parser.parse_args(argv)

    from valuescope.models._cache import default_cache_dir
    from valuescope.models._embedded import EmbeddedModelMissing, resolve_gguf
    from valuescope.models._llama_server import LlamaServerFailed, UnsupportedCPU, start_server

    try:
        path, chat = resolve_gguf(args.model, default_cache_dir())
        server = start_server(
            path,
            slots=args.parallel,
            n_ctx=max(1, args.ctx_size // args.parallel),
            threads=args.threads,
            chat=chat,
            flash_attn=args.flash_attn,
            port=args.port,
            host=args.host,
            alias=args.alias or args.model,
            verbose=args.verbose,
        )
    except (EmbeddedModelMissing, LlamaServerFailed, UnsupportedCPU) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    print(f"serving {path.name} as {args.alias or args.model} at {server.v1}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
