"""Cached answers of one worker: an LRU map bounded in entries and in bytes, emptied whenever the
matcher changes.

Every swap of the matcher (a write here, a write another worker made and :meth:`ServiceState.sync`
applied, a rebuild) calls :meth:`AnswerCache.clear`, which raises the generation; an answer
computed under an older generation is not kept, so a request that raced a write never stores a
stale answer.

Sizes: an answer sent as is (the API's JSON) counts its length; another (the two match lists of
a cluster page) is measured by :func:`approximate_size`, which walks its containers and
dataclasses. A single answer over the byte budget is not kept.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable

#: How deep :func:`approximate_size` walks (a match result is four levels deep).
MAX_DEPTH = 8


def approximate_size(value: object, depth: int = 0, seen: set[int] | None = None) -> int:
    """Bytes held by ``value`` and what it contains (each object counted once)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if depth >= MAX_DEPTH or isinstance(value, (str, bytes, bytearray, int, float, bool)):
        return size
    if isinstance(value, dict):
        items: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = [getattr(value, f.name) for f in dataclasses.fields(value)]
    else:
        items = []
    return size + sum(approximate_size(item, depth + 1, seen) for item in items)


class AnswerCache:
    """At most ``size`` answers taking at most ``max_bytes`` together (None: no byte bound)."""

    def __init__(self, size: int, max_bytes: int | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.generation = 0
        self.hits = 0
        self.misses = 0
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: object, generation: int) -> None:
        """Keep ``value`` if it was computed under the current generation and fits."""
        if self.size == 0 or self.max_bytes == 0:
            return
        nbytes = len(value) if isinstance(value, bytes) else approximate_size(value)
        if self.max_bytes is not None and nbytes > self.max_bytes:
            return
        with self._lock:
            if generation != self.generation:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, nbytes)
            self.bytes += nbytes
            while len(self._entries) > self.size or (
                    self.max_bytes is not None and self.bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
