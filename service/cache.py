"""Cached answers of one worker: a bounded LRU map, emptied whenever the matcher changes.

Every swap of the matcher (a write here, a write another worker made and :meth:`ServiceState.sync`
applied, a rebuild) calls :meth:`AnswerCache.clear`, which raises the generation; an answer
computed under an older generation is not kept, so a request that raced a write never stores a
stale answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class AnswerCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.generation = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: object, generation: int) -> None:
        """Keep ``value`` if it was computed under the current generation."""
        if self.size == 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
