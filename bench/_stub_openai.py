"""A minimal OpenAI-compatible HTTP/1.1 server that answers every request at once.

Every POST gets the same canned `chat.completion` (one token, with its top-20
log-probabilities); GET .../models gets a model list. Keep-alive, asyncio streams, no
framework: the server's own cost stays far below the client's, so a benchmark against it
measures the client. Run as a process: `python bench/_stub_openai.py`; it binds a free port
on 127.0.0.1 and prints `PORT <n>` on its first line of output.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
from typing import Any

MODEL = "stub"


def completion_body() -> bytes:
    """A realistic chat.completion body for `choose`: first token "1", top-20 logprobs."""
    surfaces = ["1", "4", "3", "2", "5", "6", " 1", " 4", " 3", " 2", " 5", " 6"]
    surfaces += ["I", "The", "Not", "\n", "My", "A", "It", "Some"]
    weights = [0.30, 0.20, 0.10, 0.08, 0.05, 0.04] + [0.02] * 6 + [0.01] * 8
    top = [
        {"token": s, "logprob": math.log(w), "bytes": list(s.encode())}
        for s, w in zip(surfaces, weights, strict=True)
    ]
    body: dict[str, Any] = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "1"},
                "finish_reason": "length",
                "logprobs": {"content": [{**top[0], "top_logprobs": top}]},
            }
        ],
        "usage": {"prompt_tokens": 102, "completion_tokens": 1, "total_tokens": 103},
    }
    return json.dumps(body).encode()


def _response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


COMPLETION = _response(completion_body())
MODELS = _response(json.dumps({"object": "list", "data": [{"id": MODEL}]}).encode())


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            target = head.split(b" ", 2)[1]
            writer.write(MODELS if target.rstrip(b"/").endswith(b"/models") else COMPLETION)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
