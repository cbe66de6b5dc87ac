"""What the running service holds: the profile database and the current matcher.

Created in the app's lifespan (never at import) and reached by routes through dependencies. A
write embeds the new profile into a new :class:`~matcher.Matcher` first, then commits it to the
database, then swaps the matcher in one assignment, so readers see the old or the new state.
"""

from __future__ import annotations

import logging
import threading

from matcher import Matcher, Profile, Reference, ensure_bundle, load_catalogue
from matcher.coverage import Coverage, compute_coverage
from matcher.store import ProfileStore, VersionConflictError

from .settings import Settings

logger = logging.getLogger(__name__)


class ServiceState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reference = Reference.load()
        self.store = ProfileStore(settings.database)
        if self.store.is_empty():
            self.store.seed(load_catalogue(settings.data_dir, self.reference))
            logger.info("seeded %s from %s", settings.database, settings.data_dir)
        catalogue = self.store.catalogue(self.reference)
        bundle = ensure_bundle(catalogue, settings.embedder, models_dir=settings.models_dir)
        self.matcher = Matcher(bundle)
        self._write_lock = threading.Lock()
        self._coverage: dict[tuple[int, str], Coverage] = {}

    def update_profile(self, profile: Profile, expected_version: int | None) -> int:
        """Persist ``profile`` and make it visible to matches; returns its new version."""
        with self._write_lock:
            current = self.store.version(profile.id)
            if expected_version is not None and expected_version != (current or 0):
                raise VersionConflictError(profile.id, expected_version, current)
            updated = self.matcher.with_profile(profile)
            version = self.store.upsert(profile, expected_version)
            self.matcher = updated
            return version

    def coverage(self, level: str) -> Coverage:
        """The coverage of the current matcher, computed once per matcher and level."""
        matcher = self.matcher
        key = (id(matcher), level)
        cached = self._coverage.get(key)
        if cached is None:
            cached = compute_coverage(matcher, level=level)
            self._coverage = {k: v for k, v in self._coverage.items() if k[0] == id(matcher)}
            self._coverage[key] = cached
        return cached

    def ready(self) -> bool:
        return self.matcher is not None and self.store.integrity_ok()

    def close(self) -> None:
        self.store.close()
