"""The replica pool's rules, one at a time (`models._replicas`); the same rules on real
servers are in test_failover.py."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from valuescope.models._replicas import Failure, ReplicaPool, retry_after_s


def pool(n: int = 2, ceiling: int = 4) -> ReplicaPool[str]:
    return ReplicaPool([(f"r{i}", f"client{i}") for i in range(n)], ceiling)


def test_requests_spread_over_replicas_up_to_each_limit() -> None:
    async def main() -> list[str]:
        p = pool(2, 2)
        got = [await p.acquire() for _ in range(4)]
        waiter = asyncio.create_task(p.acquire())
        await asyncio.sleep(0.05)
        assert not waiter.done()  # both replicas full
        p.succeeded(got[0], 0.1)
        return [r.label for r in got] + [(await waiter).label]

    labels = asyncio.run(main())
    assert sorted(labels[:4]) == ["r0", "r0", "r1", "r1"] and labels[4] == labels[0]


def test_overload_halves_the_limit_and_successes_win_it_back() -> None:
    async def main() -> None:
        p = pool(1, 8)
        r = await p.acquire()
        p.failed(r, Failure("overload"))
        assert r.limit == 4
        r = await p.acquire()
        p.failed(r, Failure("overload"))
        assert r.limit == 4  # at most one decrease per DECREASE_EVERY_S
        for _ in range(40):
            p.succeeded(await p.acquire(), 0.01)
        assert r.limit == 8

    asyncio.run(main())


def test_retry_after_pauses_the_replica_and_sends_requests_elsewhere() -> None:
    async def main() -> None:
        p = pool(2, 4)
        first = await p.acquire()
        p.failed(first, Failure("overload", retry_after_s=30))
        labels = {(await p.acquire()).label for _ in range(3)}
        assert labels == {"r1" if first.label == "r0" else "r0"}
        assert first.paused_until - time.monotonic() > 25

    asyncio.run(main())


def test_a_dropped_replica_goes_down_once_and_comes_back_after_a_success() -> None:
    async def main() -> None:
        p = pool(2, 4)
        dead, alive = p.replicas
        for _ in range(5):  # from the third reset in a row it is down: one event
            dead.in_flight += 1
            p.failed(dead, Failure("dropped"))
        assert [e.replica for e in p.events] == ["r0"] and p.events[0].what.startswith("down")
        assert [(await p.acquire()).label for _ in range(3)] == ["r1"] * 3
        dead.down_until = 0.0  # its time is up: the next request may probe it
        probe = await p.acquire()
        assert probe is dead  # it has the most room
        p.succeeded(probe, 0.1)
        assert p.events[-1].what == "answers again" and alive.in_flight == 3

    asyncio.run(main())


def test_when_every_replica_is_down_a_request_waits_for_the_first_to_return() -> None:
    async def main() -> float:
        p = pool(1, 2)
        r = await p.acquire()
        p.failed(r, Failure("timeout"))
        r.down_until = time.monotonic() + 0.2
        started = time.monotonic()
        await p.acquire()
        return time.monotonic() - started

    assert 0.15 < asyncio.run(main()) < 2


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s(None) is None and retry_after_s("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert retry_after_s(later) == pytest.approx(20, abs=2)


def test_one_reset_is_noise_and_a_refused_connection_is_a_server_gone() -> None:
    p = pool(2, 4)
    noisy, gone = p.replicas
    for _ in range(4):  # resets with answers between them never take it down
        noisy.in_flight += 1
        p.failed(noisy, Failure("dropped"))
        noisy.in_flight += 1
        p.succeeded(noisy, 0.1)
    gone.in_flight += 1
    p.failed(gone, Failure("refused"))
    assert [e.replica for e in p.events] == ["r1"] and "refused" in p.events[0].what


def test_an_answer_slow_for_its_kind_halves_the_limit_and_other_kinds_do_not_count() -> None:
    p = pool(1, 8)
    (r,) = p.replicas
    for _ in range(20):
        r.in_flight += 1
        p.succeeded(r, 0.5, "short")
    r.in_flight += 1
    p.succeeded(r, 30.0, "long")  # the first of its kind: nothing to compare with
    assert r.limit == 8
    r.in_flight += 1
    p.succeeded(r, 3.0, "short")  # 6x the median of its kind
    assert r.limit == 4
    q = ReplicaPool([("own", "client")], 8, adapt_to_latency=False)
    (own,) = q.replicas
    for seconds in [0.5] * 20 + [30.0]:
        own.in_flight += 1
        q.succeeded(own, seconds, "short")
    assert own.limit == 8
