"""A fault-injecting HTTP proxy on 127.0.0.1, in front of a real OpenAI-compatible server.

Each request it receives is, by a seeded draw, passed through untouched or met with one
fault that servers and networks really produce:

- `reset`: the connection is reset (TCP RST) before any answer;
- `stall`: nothing comes back until well past the client's timeout;
- `5xx`: a 500, 502 or 503 with a short body;
- `429`: a rate-limit refusal with `Retry-After` (1 s unless told otherwise);
- `truncated`: the server's real answer, cut mid-body (its `Content-Length` kept, then the
  connection closed), so the client holds half a JSON document.

The proxy counts what it did (`FaultProxy.counts`) and every request it forwarded
(`forwarded`), so a test can tell how many faults the client rode out. HTTP/1.1 keep-alive
on both sides; the upstream is one connection per client connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

FAULTS = ("reset", "stall", "5xx", "429", "truncated")


@dataclass
class FaultProxy:
    """A running proxy: its URL (`url`, with `/v1`), and what it has done so far."""

    url: str
    counts: Counter[str] = field(default_factory=Counter)
    forwarded: int = 0


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """(head, body) of one HTTP request, or None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    """One whole HTTP response (with a Content-Length) from the upstream."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head + await reader.readexactly(length)


def _response(status: int, reason: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:  # linger 0: close sends RST, not FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Proxy:
    def __init__(self, upstream: tuple[str, int], rate: float, seed: int, stall_s: float,
                 faults: tuple[str, ...], state: FaultProxy,
                 schedule: Callable[[int], str | None] | None,
                 retry_after: int) -> None:  # fmt: skip
        self.upstream, self.rate, self.stall_s = upstream, rate, stall_s
        self.faults, self.state, self.schedule = faults, state, schedule
        self.retry_after = retry_after
        self.random = random.Random(seed)
        self.posts = 0

    def _draw(self, head: bytes) -> str | None:
        if not head.startswith(b"POST"):
            return None
        self.posts += 1
        if self.schedule is not None:
            return self.schedule(self.posts)
        if self.random.random() >= self.rate:
            return None
        return self.random.choice(self.faults)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader: asyncio.StreamReader | None = None
        up_writer: asyncio.StreamWriter | None = None
        try:
            while (request := await _read_request(reader)) is not None:
                head, body = request
                fault = self._draw(head)
                if fault is not None:
                    self.state.counts[fault] += 1
                if fault == "reset":
                    _reset(writer)
                    return
                if fault == "stall":
                    await asyncio.sleep(self.stall_s)
                    _reset(writer)
                    return
                if fault == "5xx":
                    status = self.random.choice([500, 502, 503])
                    writer.write(_response(status, "Error", b'{"error": "injected"}'))
                    await writer.drain()
                    continue
                if fault == "429":
                    body = b'{"error": "rate limited"}'
                    after = f"Retry-After: {self.retry_after}\r\n"
                    writer.write(_response(429, "Too Many Requests", body, after))
                    await writer.drain()
                    continue
                if up_writer is None:
                    up_reader, up_writer = await asyncio.open_connection(*self.upstream)
                assert up_reader is not None
                up_writer.write(head + body)
                await up_writer.drain()
                answer = await _read_response(up_reader)
                self.state.forwarded += 1
                if fault == "truncated":
                    writer.write(
                        answer[
                            : len(answer) - max(1, (len(answer) - answer.find(b"\r\n\r\n")) // 2)
                        ]
                    )
                    await writer.drain()
                    _reset(writer)
                    return
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # the proxy is stopping
            writer.transport.abort()
        finally:
            if up_writer is not None:
                up_writer.transport.abort()
            if not writer.transport.is_closing():
                writer.close()


@contextlib.contextmanager
def fault_proxy(
    upstream_url: str,
    rate: float = 0.1,
    seed: int = 0,
    stall_s: float = 5.0,
    faults: tuple[str, ...] = FAULTS,
    schedule: Callable[[int], str | None] | None = None,
    retry_after: int = 1,
) -> Iterator[FaultProxy]:
    """Run a proxy to `upstream_url` (`http://127.0.0.1:PORT/v1`) on a thread of its own;
    a share `rate` of POST requests meets one of `faults` (a fault listed twice is drawn
    twice as often), drawn with `seed`; or `schedule(n)` says the fault of the n-th POST."""
    host_port = upstream_url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state = FaultProxy(url="")
    box: dict[str, asyncio.AbstractServer] = {}

    async def start() -> None:
        proxy = _Proxy((host, int(port)), rate, seed, stall_s, faults, state, schedule, retry_after)
        server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
        box["server"] = server
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        # stopped: close the listener and every connection still open, then the loop
        box["server"].close()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(box["server"].wait_closed())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield state
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
