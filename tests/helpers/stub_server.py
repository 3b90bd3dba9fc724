"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for testing the client's failure
handling (retries, dropped connections, servers without log-probabilities) that a healthy
llama.cpp server never exercises. It speaks real HTTP over real sockets; only its answers
are scripted."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

RESET: Literal["reset"] = "reset"
"""A reply that is no answer: the server reads the request, then resets the connection (TCP
RST), as an overloaded server or a proxy in between does."""
Reply = tuple[int, dict[str, Any]] | Literal["reset"]


def completion(text: str, logprobs: list[tuple[str, float]] | None = None) -> dict[str, Any]:
    """A chat.completion body; with `logprobs`, the first token's top log-probabilities."""
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "finish_reason": "stop",
        "logprobs": None,
    }
    if logprobs is not None:
        top = [{"token": t, "logprob": lp, "bytes": None} for t, lp in logprobs]
        choice["logprobs"] = {"content": [{**top[0], "top_logprobs": top}]}
    return {
        "id": "stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [choice],
        "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8},
    }


@contextmanager
def stub_server(
    answer: Callable[[dict[str, Any], int], Reply],
    backlog: int = 5,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve `answer(request_body, request_number) -> (status, body) or RESET`; yields (base
    URL, list of received request bodies). Requests are answered on threads, one per
    connection; `backlog` is the listen queue's length (connections not yet accepted)."""
    received: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                received.append(body)
                number = len(received)
            reply_or_reset = answer(body, number)
            if isinstance(reply_or_reset, str):  # RESET
                # Linger 0: closing sends a TCP RST instead of a FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            status, reply = reply_or_reset
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    class Server(ThreadingHTTPServer):
        request_queue_size = backlog

        def handle_error(self, request: Any, client_address: Any) -> None:
            return None  # a client that gave up (a timeout) is no error of the stub's

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", received
    finally:
        server.shutdown()
        server.server_close()
