"""The replicas of one model: which one a request goes to, how many each takes at once, and
what happens when one slows down, refuses or dies.

- *Choice*: the healthy replica with the most room (fewest requests in flight for its
  limit), ties at random. A replica that is down or paused gets nothing new.
- *Adaptive concurrency (AIMD)*, per replica: its limit starts at the ceiling
  (`--concurrency`). A 429, a 503 or an answer much slower than the replica's usual (more
  than `SLOW_FACTOR` times its recent median, and over `SLOW_FLOOR_S`) halves it, at most
  once per `DECREASE_EVERY_S`, never below 1; each success adds 1/limit, so the limit
  grows by one per window of successful requests, back up to the ceiling.
- *Retry-After*: a 429 or 503 that says `Retry-After` (seconds, or an HTTP date) pauses
  that replica until then; the request goes to another replica at once, or waits.
- *Failover*: a connection that cannot be made, is reset or closed, or a request that times
  out, takes the replica down for `DOWN_S` seconds (doubling while it keeps failing, up to
  `MAX_DOWN_S`); its requests go to the others. After that time one request probes it; a
  success brings it back. Each time a replica goes down or comes back is an `Event` with
  its time, which the run reports (`endpoint_events` in its usage).

The pool knows nothing of HTTP: `_openai` says, per failure, what kind it was (`Failure`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Generic, Literal, TypeVar

C = TypeVar("C")

SLOW_FACTOR = 4.0
SLOW_FLOOR_S = 2.0
"""An answer counts as slow (a sign of overload) above SLOW_FACTOR x the replica's median
latency of its last LATENCY_WINDOW answers, and above SLOW_FLOOR_S seconds."""
LATENCY_WINDOW = 50
DECREASE_EVERY_S = 1.0
DOWN_S = 2.0
MAX_DOWN_S = 60.0
MAX_RETRY_AFTER_S = 300.0
"""A server's Retry-After is honoured up to this long; a longer one is read as this."""

Kind = Literal["overload", "dropped", "timeout", "other"]
"""What a failed request says about its replica: `overload` (429, 503: slow down),
`dropped` (connection refused, reset or closed), `timeout`, `other` (nothing)."""


@dataclass(frozen=True)
class Failure:
    """A failed request as the pool needs to know it."""

    kind: Kind
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Event:
    """A replica went down or came back."""

    at: str
    """ISO UTC time."""
    replica: str
    what: str

    def __str__(self) -> str:
        return f"{self.at} {self.replica}: {self.what}"


@dataclass
class Replica(Generic[C]):
    """One endpoint of the model, with its client and its state."""

    label: str
    client: C
    ceiling: int
    limit: float = 0.0
    in_flight: int = 0
    answered: bool = False
    """Whether a request has ever succeeded here."""
    down_until: float = 0.0
    paused_until: float = 0.0
    down_for: float = 0.0
    last_decrease: float = 0.0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))

    def __post_init__(self) -> None:
        self.limit = float(self.ceiling)

    def available(self, now: float) -> bool:
        return now >= self.down_until and now >= self.paused_until

    def room(self) -> float:
        return max(1.0, self.limit) - self.in_flight


class ReplicaPool(Generic[C]):
    """Hands out replicas for requests and learns from how they went (see module docstring)."""

    def __init__(self, replicas: list[tuple[str, C]], ceiling: int) -> None:
        self.replicas = [Replica(label, client, ceiling) for label, client in replicas]
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    async def acquire(self) -> Replica[C]:
        """The replica the next request goes to, once one has room (waits until then)."""
        while True:
            now = time.monotonic()
            open_ = [r for r in self.replicas if r.available(now) and r.room() >= 1]
            if open_:
                most = max(r.room() for r in open_)
                replica = random.choice([r for r in open_ if r.room() == most])
                replica.in_flight += 1
                return replica
            self._changed.clear()
            wake = [r.down_until for r in self.replicas if r.down_until > now]
            wake += [r.paused_until for r in self.replicas if r.paused_until > now]
            timeout = max(0.01, min(wake) - now) if wake else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    def succeeded(self, replica: Replica[C], seconds: float) -> None:
        """A request on `replica` came back after `seconds`."""
        self._release(replica)
        if replica.down_for > 0:
            self._event(replica, "answers again")
        replica.answered = True
        replica.down_for = 0.0
        replica.down_until = 0.0
        slow = len(replica.latencies) >= 10 and seconds > max(
            SLOW_FLOOR_S, SLOW_FACTOR * statistics.median(replica.latencies)
        )
        replica.latencies.append(seconds)
        if slow:
            self._decrease(replica)
        elif replica.limit < replica.ceiling:
            replica.limit = min(replica.ceiling, replica.limit + 1.0 / replica.limit)

    def failed(self, replica: Replica[C], failure: Failure) -> None:
        """A request on `replica` failed as `failure` says."""
        self._release(replica)
        now = time.monotonic()
        if failure.kind == "overload":
            self._decrease(replica)
            if failure.retry_after_s is not None:
                wait = min(MAX_RETRY_AFTER_S, max(0.0, failure.retry_after_s))
                replica.paused_until = max(replica.paused_until, now + wait)
        elif failure.kind in ("dropped", "timeout"):
            if replica.down_until <= now:  # not already down: one event per outage
                replica.down_for = min(MAX_DOWN_S, replica.down_for * 2 or DOWN_S)
                replica.down_until = now + replica.down_for
                why = "no answer in time" if failure.kind == "timeout" else "connection failed"
                self._event(replica, f"down ({why}); retrying it in {replica.down_for:g} s")
            self._decrease(replica)

    def never_answered(self) -> bool:
        """Whether no replica has ever answered (then a refused connection means a wrong URL)."""
        return not any(r.answered for r in self.replicas)

    def _decrease(self, replica: Replica[C]) -> None:
        now = time.monotonic()
        if now - replica.last_decrease >= DECREASE_EVERY_S:
            replica.limit = max(1.0, replica.limit / 2)
            replica.last_decrease = now

    def _release(self, replica: Replica[C]) -> None:
        replica.in_flight -= 1
        self._changed.set()

    def _event(self, replica: Replica[C], what: str) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self.events.append(Event(at, replica.label, what))


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date; None if
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
