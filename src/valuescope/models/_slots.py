"""Which of llama.cpp's slots each answer's requests go to (the embedded backend).

llama.cpp's server keeps one KV cache per slot and reuses the longest common prefix of the
slot's last prompt. An answer often takes several requests whose prompts extend each other:
a judge's `fill` asks one request per slot of its template, a multi-token `choose` one per
node of its token tree. Left to the server, consecutive requests of one answer land on
whichever slot is idle at that instant. With several answers in flight they take each
other's slots between two requests, and each request re-evaluates its text from the shared
system prompt on: measured on two judged texts at once, every request evaluated 549 of its
575-633 prompt tokens again, 19.3 s against 8.7 s with one slot per answer.

`SlotPool` gives each answer a slot of its own for all its requests (llama.cpp's `id_slot`,
sent through `REQUEST_FIELDS`): the free slot whose last prompt shares the most with this
one, ties to the one idle longest. It also bounds the answers in flight by the slots.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from valuescope.models._continuation import REQUEST_FIELDS

_HELD: ContextVar[tuple[int, int] | None] = ContextVar("held_slot", default=None)
"""(id of the pool, slot) held by the answer running in this context."""


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b` (binary search, C compares)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class SlotPool:
    """The slots of one llama.cpp server, handed to answers one at a time (see module)."""

    def __init__(self, slots: int) -> None:
        self._last = [""] * slots
        self._free = list(range(slots))  # idle longest first
        self._changed: tuple[asyncio.AbstractEventLoop, asyncio.Condition] | None = None

    def _condition(self) -> asyncio.Condition:
        """The pool's condition on the running loop. A model used again under another loop
        (each sync call runs its own) starts with every slot free: none can be in flight on
        a loop that has ended."""
        loop = asyncio.get_running_loop()
        if self._changed is None or self._changed[0] is not loop:
            self._changed = (loop, asyncio.Condition())
            self._free = list(range(len(self._last)))
        return self._changed[1]

    @asynccontextmanager
    async def hold(self, prompt: str) -> AsyncIterator[int]:
        """A slot for the requests made inside (a nested `hold` keeps the outer one's)."""
        held = _HELD.get()
        if held is not None and held[0] == id(self):
            yield held[1]
            return
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: bool(self._free))
            slot = max(self._free, key=lambda s: common_prefix(self._last[s], prompt))
            self._free.remove(slot)
        held_token = _HELD.set((id(self), slot))
        fields_token = REQUEST_FIELDS.set({**(REQUEST_FIELDS.get() or {}), "id_slot": slot})
        try:
            yield slot
        finally:
            REQUEST_FIELDS.reset(fields_token)
            _HELD.reset(held_token)
            self._last[slot] = prompt
            async with changed:
                self._free.append(slot)
                changed.notify()
