"""The follow run: each German cluster's list of suggestions, taken again when the catalogue changes.

The records and the comparison are ``matcher.outcomes.alerts``; this module runs the matcher
(:func:`take_snapshots`), names what it serves (:func:`catalogue_version`) and does one follow
step against a store (:func:`follow`), so that the service, a command or a cron job share it. Only
delivering alerts (a webhook) is left to the caller.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Collection, Mapping

from ..engine.filters import cluster_page_filters
from ..engine.ranking import Matcher
from ..outcomes.alerts import Alert, Entry, alerts_between
from ..store import ProfileStore, utc_now

logger = logging.getLogger(__name__)


def catalogue_version(matcher: Matcher) -> str:
    """A short hash of what ``matcher`` ranks with: its catalogue's data, embedder and config."""
    manifest = matcher.bundle.manifest
    body = json.dumps({"data": manifest["data_hash"], "embedder": manifest["embedder"],
                       "config": matcher.config.to_dict()}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]



def take_snapshots(matcher: Matcher, *, top: int,
                   dismissed: Mapping[str, Collection[str]]) -> dict[str, list[Entry]]:
    """The top-``top`` of every German cluster of ``matcher`` as its page lists its new
    suggestions (:func:`~matcher.engine.filters.cluster_page_filters`, diversity on)."""
    out = {}
    for profile in matcher.catalogue.german():
        filters = cluster_page_filters(dismissed=dismissed.get(profile.id, ()))
        result = matcher.match(profile.id, top=top, filters=filters)
        out[profile.id] = [Entry(m.id, place, m.score)
                           for place, m in enumerate(result.matches, start=1)]
    return out


def follow(store: ProfileStore, matcher: Matcher, *, owner: str, lease_s: float, top: int,
           min_score: float, min_rise: int, delivery: str) -> list[Alert]:
    """Take and store the top-``top`` lists of ``matcher`` unless its catalogue version is the
    stored one; returns the new alerts, stored with delivery status ``delivery``.

    Several workers (or hosts) follow the same catalogue: the first to claim it does the work;
    the others skip it unless the claim is older than ``lease_s`` (its worker died).
    """
    version = catalogue_version(matcher)
    previous_version = store.snapshot_version()
    if version == previous_version:
        return []
    if not store.claim("follow", version, owner, time.time(), lease_s):
        logger.info("version %s is being followed by another worker", version)
        return []
    started = time.perf_counter()
    current = take_snapshots(matcher, top=top, dismissed=store.dismissed())
    now = utc_now()
    alerts = alerts_between(store.snapshots(), current, previous_version=previous_version,
                            version=version, created_at=now, min_score=min_score, min_rise=min_rise)
    added = store.save_snapshots(version, current, alerts, now, delivery)
    logger.info("followed %d clusters at version %s in %.2f s: %d alerts", len(current),
                version, time.perf_counter() - started, len(added))
    return added
