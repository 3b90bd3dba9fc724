"""Taking a few records of a data file so that every group of them is represented."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def round_robin(groups: Iterable[Sequence[T]], limit: int) -> list[T]:
    """The first `limit` records taken in turn from each group (in the groups' order, each
    group in its own order), so that a small limit still covers every group; all of them
    where `limit` is no smaller than their number."""
    queues = [list(group) for group in groups]
    picked: list[T] = []
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return picked
