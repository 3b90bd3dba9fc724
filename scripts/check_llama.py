"""Check that the prebuilt llama.cpp (xllamacpp) runs here: load the embedded model in an
in-process server and score one answer.

Run as a script (a subprocess of `make setup`), since a library built for instructions this
CPU lacks dies with a signal, not an exception. valuescope itself checks the CPU's flags
before loading and says what to do instead (`models/_llama_server.py`).
"""

from __future__ import annotations

import asyncio
import sys


def main() -> int:
    from valuescope.models import ModelSettings, load_backend, user

    async def ask() -> float:
        model = load_backend("llamacpp", ModelSettings(n_ctx=512, concurrency=1))
        try:
            choice = await model.choose([user("Is the sky blue? Answer yes or no.")], ["yes", "no"])
        finally:
            await model.aclose()
        return choice.option_mass

    try:
        mass = asyncio.run(ask())
    except Exception as exc:  # one line for set-up, whatever failed
        print(f"the embedded model does not run here: {exc}", file=sys.stderr)
        return 1
    print(f"embedded llama.cpp server ok (option mass {mass:.2f} on a yes/no question)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
