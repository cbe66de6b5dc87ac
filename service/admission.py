"""Admission of ad-hoc work: a few worker threads behind a queue with a limit.

An ad-hoc match embeds the query, which costs a model call; a burst of them must not pile up in
the server's thread pool, where abandoned requests would still be computed and every other
request would wait. :class:`WorkQueue` takes at most ``workers + queue`` jobs at once and refuses
the next with 503 and ``Retry-After``; a job whose client has disconnected, or whose deadline has
passed, is dropped before it starts; a client still waiting at its deadline gets 503. A job that
has started runs to its end (a model call cannot be interrupted) and keeps its place until then,
so the work in progress never exceeds the limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.requests import Request

from .errors import APIError

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: How often a waiting request checks whether its client is still there, in seconds.
POLL = 0.05


class Dropped(Exception):
    """A job dropped before it started: its client left or its deadline passed."""


class WorkQueue:
    """Runs jobs on ``workers`` threads, with at most ``queue`` more waiting.

    Args:
        workers: threads computing jobs.
        queue: jobs that may wait for a thread; one more is refused.
        timeout: seconds from admission after which a job is dropped if it has not started
            and its client is answered 503 if it is still waiting.
        name: for the thread names and messages.
    """

    def __init__(self, workers: int, queue: int, timeout: float, name: str) -> None:
        self.workers = workers
        self.limit = workers + queue
        self.timeout = timeout
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._admitted = 0
        self._seconds = 0.5  # running mean of a job's duration, for Retry-After

    def _retry_after(self) -> int:
        """Seconds until the jobs admitted now are likely done."""
        return max(1, math.ceil(self._admitted / self.workers * self._seconds))

    def _admit(self) -> None:
        with self._lock:
            if self._admitted >= self.limit:
                retry = self._retry_after()
                raise APIError(503, f"the service is busy with {self._admitted} {self.name} "
                               f"requests; try again in {retry} s",
                               {"limit": self.limit}, headers={"Retry-After": str(retry)})
            self._admitted += 1

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1

    def _learn(self, seconds: float) -> None:
        with self._lock:
            self._seconds = 0.8 * self._seconds + 0.2 * seconds

    async def run(self, request: Request, job: Callable[[], T]) -> T:
        """The result of ``job()``, computed on a worker thread.

        Raises:
            APIError: 503 with Retry-After when the queue is full or the deadline passed.
        """
        self._admit()
        deadline = time.monotonic() + self.timeout
        gone = threading.Event()

        def guarded() -> T:
            if gone.is_set() or time.monotonic() > deadline:
                raise Dropped
            start = time.monotonic()
            try:
                return job()
            finally:
                self._learn(time.monotonic() - start)

        try:
            future = self._executor.submit(guarded)
        except RuntimeError:  # shut down
            with self._lock:
                self._admitted -= 1
            raise APIError(503, "the service is stopping") from None
        future.add_done_callback(self._release)
        waiting = asyncio.wrap_future(future)
        # A job that fails after its client was answered: its error is nobody's to read.
        waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
        try:
            while True:
                done, _ = await asyncio.wait({waiting}, timeout=POLL)
                if done:
                    return waiting.result()
                if await request.is_disconnected():
                    logger.info("%s request dropped: the client left", self.name)
                    raise APIError(503, "the client disconnected")
                if time.monotonic() > deadline:
                    raise APIError(503, f"no answer within {self.timeout:g} s; try again later",
                                   {"timeout": self.timeout},
                                   headers={"Retry-After": str(self._retry_after())})
        except Dropped:
            raise APIError(503, "dropped before it started", {"timeout": self.timeout}) from None
        finally:
            if not future.done():
                gone.set()
                future.cancel()  # dropped at once if it has not started; else runs to its end

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
