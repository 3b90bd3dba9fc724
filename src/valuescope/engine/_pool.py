"""The worker pool that keeps `concurrency` requests in flight.

`concurrency` workers share one iterator over the requests: taking the next request never
awaits, so no request is taken twice, and the requests leave in the order the instrument
planned them (consecutive requests share their prompt prefix, which a server's prefix cache
or llama.cpp's KV cache reuses). When workers fail, the first failure is re-raised itself
rather than an ExceptionGroup: every worker tends to fail the same way, e.g. when the server
is down, and the user needs one clear message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def run_pool(
    requests: Sequence[T], answer: Callable[[T], Awaitable[None]], concurrency: int
) -> None:
    """Answer every request with at most `concurrency` in flight (see module docstring)."""
    pending = iter(requests)
    n_workers = max(1, min(concurrency, len(requests)))

    async def worker() -> None:
        for request in pending:
            await answer(request)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(n_workers):
                group.create_task(worker())
    except ExceptionGroup as failures:
        raise first_failure(failures) from None


def first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return first_failure(first) if isinstance(first, BaseExceptionGroup) else first
