"""The ad-hoc work queue alone: its limit, its deadline, and clients that leave."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from service.admission import WorkQueue
from service.errors import APIError


class FakeRequest:
    def __init__(self) -> None:
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


def blocker(release: threading.Event, ran: list[str], name: str) -> Any:
    def job() -> str:
        ran.append(name)
        release.wait(5)
        return name
    return job


def test_the_queue_refuses_beyond_its_limit_with_retry_after() -> None:
    queue = WorkQueue(workers=1, queue=1, timeout=5, name="test")
    release, ran = threading.Event(), []

    async def scenario() -> None:
        first = asyncio.ensure_future(queue.run(FakeRequest(), blocker(release, ran, "a")))
        second = asyncio.ensure_future(queue.run(FakeRequest(), blocker(release, ran, "b")))
        await asyncio.sleep(0.1)
        with pytest.raises(APIError) as info:
            await queue.run(FakeRequest(), blocker(release, ran, "c"))
        assert info.value.status == 503 and int(info.value.headers["Retry-After"]) >= 1
        release.set()
        assert await first == "a" and await second == "b"

    asyncio.run(scenario())
    assert ran == ["a", "b"]
    queue.close()


def test_work_of_a_client_that_left_is_never_started() -> None:
    queue = WorkQueue(workers=1, queue=4, timeout=5, name="test")
    release, ran = threading.Event(), []

    async def scenario() -> None:
        busy = asyncio.ensure_future(queue.run(FakeRequest(), blocker(release, ran, "busy")))
        leaving = FakeRequest()
        waiting = asyncio.ensure_future(queue.run(leaving, blocker(release, ran, "left")))
        await asyncio.sleep(0.1)
        leaving.gone = True
        with pytest.raises(APIError):
            await waiting
        release.set()
        await busy

    asyncio.run(scenario())
    time.sleep(0.1)
    assert ran == ["busy"]
    queue.close()


def test_work_past_its_deadline_is_dropped_and_answered_503() -> None:
    queue = WorkQueue(workers=1, queue=4, timeout=0.3, name="test")
    release, ran = threading.Event(), []

    async def scenario() -> None:
        busy = asyncio.ensure_future(queue.run(FakeRequest(), blocker(release, ran, "busy")))
        await asyncio.sleep(0.05)
        start = time.monotonic()
        with pytest.raises(APIError) as info:
            await queue.run(FakeRequest(), blocker(release, ran, "late"))
        assert info.value.status == 503 and time.monotonic() - start < 1.0
        release.set()
        with pytest.raises(APIError):  # the busy one outlived its own deadline too
            await busy

    asyncio.run(scenario())
    time.sleep(0.1)
    assert ran == ["busy"]
    queue.close()
