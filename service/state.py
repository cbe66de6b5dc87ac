"""What the running service holds: the profile database and the current matcher.

Created in the app's lifespan (never at import) and reached by routes through dependencies. A
write embeds the new profile into a new :class:`~matcher.Matcher` first, then commits it to the
database, then swaps the matcher in one assignment, so readers see the old or the new state.

Several workers (processes, or hosts sharing PostgreSQL) each hold a matcher. :meth:`sync`, run
on requests at most every ``sync_interval_s``, reads the database's data version; when another
worker wrote, it applies the profiles written since (embedding only those) and drops this
worker's cached answers. Answers are cached per matcher generation, which every swap raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, cast

from matcher import (
    Bundle,
    Embedder,
    EmbeddingCache,
    InvalidInputError,
    Matcher,
    Profile,
    Reference,
    build_bundle,
    ensure_bundle,
    get_embedder,
    load_bundle,
    load_catalogue,
)
from matcher.analysis.coverage import Coverage, compute_coverage
from matcher.analysis.network import PartnershipNetwork, partnership_network
from matcher.catalogue import load_config
from matcher.catalogue.languages import LANGUAGES
from matcher.catalogue.places import places_named
from matcher.engine.embedding import RecentTexts
from matcher.outcomes.feedback import Feedback, Funnel, catalogue_funnel, new_mark
from matcher.reports import collect, write_report
from matcher.store import VersionConflictError, open_store, utc_now
from service.report_jobs import ReportArchive

from .admission import WorkQueue
from .cache import AnswerCache
from .errors import APIError
from .follow import Follower
from .settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


#: Seconds a client is asked to wait when the report queue is full (a report takes ~15 s).
REPORT_RETRY_AFTER = 30
#: How deep in a cluster's ranking (without filters) a candidate counts as suggested and may be
#: marked: the most the API and the pages list.
MARKABLE_TOP = 100


#: Texts encoded once before the service is ready, a short and a long one, so that the first
#: request does not pay for the models' first runs.
WARM_UP = ("warm-up", " ".join(["a cluster of companies and research institutes"] * 30))


def load_embedder(name: str) -> Embedder:
    """The embedder called ``name``, loaded and warmed up. It remembers the query texts it
    encoded last, so that a user refining an ad-hoc query is not kept waiting for the models
    again."""
    embedder = get_embedder(name)
    embedder.encode(WARM_UP)
    embedder.encode_query(WARM_UP)
    return RecentTexts(embedder)


class ServiceState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reference = Reference.load()
        self.store = open_store(settings.database)
        if self.store.is_empty():
            self.store.seed(load_catalogue(settings.data_dir, self.reference))
            logger.info("seeded %s from %s", settings.database, settings.data_dir)
        elif self.store.needs_relationships:
            curated = load_catalogue(settings.data_dir, self.reference).relationships
            stored = self.store.catalogue(self.reference).by_id
            self.store.replace_relationships(curated.restricted_to(stored))
            logger.info("replaced the relationships of %s from %s (schema upgrade)",
                        settings.database, settings.data_dir)
        self.answers = AnswerCache(settings.answer_cache,
                                   max_bytes=int(settings.answer_cache_mb * 1_000_000))
        # Read before the catalogue: a write in between is applied again by the first sync.
        self._version = self.store.data_version()
        self._checked = time.monotonic()
        catalogue = self.store.catalogue(self.reference)
        # Loaded (and used once) before the service says it is ready: the first ad-hoc match or
        # write must not wait for a model.
        embedder = load_embedder(settings.embedder)
        bundle = ensure_bundle(catalogue, settings.embedder, models_dir=settings.models_dir,
                               config=load_config(settings.data_dir), embedder=embedder)
        self.matcher = Matcher(bundle, embedder=embedder)
        self._warm_up_ad_hoc()
        # Ad-hoc matches embed their query: a bounded queue of its own, off the server's pool.
        self.adhoc = WorkQueue(settings.adhoc_workers, settings.adhoc_queue,
                               settings.adhoc_timeout_s, "ad-hoc")
        self._write_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._coverage: dict[tuple[int, str], Coverage] = {}
        self._networks: tuple[Matcher, dict[tuple[object, ...], PartnershipNetwork]] | None = None
        self.reports = ReportArchive(settings.report_dir,
                                     max_age=settings.report_max_age_days * 86400,
                                     max_bytes=int(settings.report_max_total_mb * 1_000_000))
        self._report_lock = threading.Lock()
        # One report at a time: a burst of requests queues (up to report_queue) instead of
        # starving the matcher.
        self._reports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
        # Each German cluster's top-k is followed in the background from the first matcher on.
        self.follow = Follower(self.store, settings, lambda: self.matcher)
        self.follow.notify()

    def _warm_up_ad_hoc(self) -> None:
        """One ad-hoc match before the service says it is ready, shaped like a user's (a text,
        offers and seeks) and taking the API's path (places asked for included), and the place
        names of every language a query may be read in: the first real one is then no slower
        than the rest."""
        if not self.matcher.catalogue.profiles:
            return
        sample = self.matcher.catalogue.profiles[0]
        self.matcher.match_record({
            "name": "warm-up", "country": sample.country, "description": sample.description,
            "fields": list(sample.fields), "offers": list(sample.offers),
            "seeks": list(sample.seeks)}, top=10)
        for lang in LANGUAGES:
            places_named("", self.matcher.catalogue.reference.geography, lang)

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    @matcher.setter
    def matcher(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self.answers.clear()

    @property
    def data_version(self) -> int:
        """The database's data version this worker's matcher reflects."""
        return self._version

    def sync_due(self) -> bool:
        return time.monotonic() - self._checked >= self.settings.sync_interval_s

    def sync(self, force: bool = False) -> None:
        """Apply what other workers wrote since this one last looked (at most every
        ``sync_interval_s`` unless ``force``)."""
        if not force and not self.sync_due():
            return
        self._checked = time.monotonic()
        version = self.store.data_version()
        if version == self._version:
            return
        with self._write_lock:
            if version <= self._version:
                return  # another thread of this worker caught up meanwhile
            changed = self.store.changed_since(self._version, self.reference)
            matcher = self.matcher.with_profiles(changed)
            self._version = version
            # Swapped even when no profile changed (a feedback mark): cached answers go.
            self.matcher = matcher
        if changed:
            self.follow.notify()

    def answer(self, key: Hashable, compute: Callable[[Matcher], T], looked: bool = False) -> T:
        """The cached answer to ``key``, else ``compute(matcher)`` with the current matcher,
        kept unless the matcher changed meanwhile. ``key`` must name everything the answer
        depends on besides the database (the request's path, query and language); ``looked``:
        the caller found nothing under ``key`` just before."""
        generation = self.answers.generation  # read before the matcher: see AnswerCache
        matcher = self.matcher
        found = None if looked else self.answers.get(key)
        if found is not None:
            return cast(T, found)
        value = compute(matcher)
        self.answers.put(key, value, generation)
        return value

    def update_profile(self, profile: Profile, expected_version: int | None) -> int:
        """Persist ``profile`` and make it visible to matches; returns its new version."""
        with self._write_lock:
            # Checked here too (the store checks again in its transaction) so that a stale write
            # is refused before its texts are embedded.
            current = self.store.version(profile.id)
            if expected_version is not None and expected_version != (current or 0):
                raise VersionConflictError(profile.id, expected_version, current)
            updated = self.matcher.with_profile(profile)
            version = self.store.upsert(profile, expected_version)
            self.matcher = updated
        self.sync(force=True)
        self.follow.notify()
        return version

    def record_feedback(self, cluster: str, candidate: str, status: str, reason: str | None,
                        note: str | None, actor: str) -> tuple[Feedback, bool]:
        """Check and store a mark of a suggestion; returns the pair's current mark and whether
        this one was recorded (False: it repeats the current one)."""
        mark = new_mark(self.matcher.catalogue, cluster, candidate, status, reason, note,
                        actor=actor, at=utc_now())
        if candidate not in self.suggested_to(cluster):
            raise InvalidInputError(f"candidate: {candidate!r} was never suggested to {cluster!r}",
                                    field="candidate")
        recorded = self.store.record_feedback(mark)
        self.sync(force=True)  # this worker's cached answers show the mark at once
        return recorded

    def suggested_to(self, cluster: str) -> set[str]:
        """The candidates ``cluster`` is or was suggested: its followed top-k lists, its top
        :data:`MARKABLE_TOP` (with and without diversity) and cross-field suggestions now, and
        its known partners and co-members (listed on its page)."""
        matcher = self.matcher
        found = {c for k, c in self.store.suggested_pairs() if k == cluster}
        for diversity in (True, False):
            found.update(m.id for m in matcher.match(cluster, top=MARKABLE_TOP,
                                                     diversity=diversity).matches)
        found.update(m.id for m in matcher.match(cluster, top=MARKABLE_TOP,
                                                 scope="cross_field").matches)
        found.update(matcher.catalogue.relationships.related_to(cluster))
        return found

    def outcomes(self) -> Funnel:
        """The funnel of every suggested pair and every mark so far."""
        return catalogue_funnel(self.matcher.catalogue, self.store.suggested_pairs(),
                                self.store.feedback_history())

    def rebuild(self) -> None:
        """Build a new bundle from the database and switch to it; readers keep the old matcher
        until the new one is complete."""
        with self._rebuild_lock:
            catalogue = self.store.catalogue(self.reference)
            embedder = self.matcher.embedder
            cache = EmbeddingCache(self.settings.models_dir / "cache", embedder)
            config = load_config(self.settings.data_dir)
            path = build_bundle(catalogue, embedder, models_dir=self.settings.models_dir,
                                config=config, cache=cache)
            self._switch(load_bundle(path, reference=self.reference))

    def reload(self) -> None:
        """Load ``models/current`` (verified); raise and keep serving the old one if it is bad."""
        with self._rebuild_lock:
            bundle = load_bundle(self.settings.models_dir / "current", reference=self.reference)
            self._switch(bundle)

    def _switch(self, bundle: Bundle) -> None:
        with self._write_lock:
            # Profiles written since the bundle's catalogue was taken are applied on top.
            same = bundle.embedder_name == self.matcher.bundle.embedder_name
            embedder = self.matcher.embedder if same else load_embedder(bundle.embedder_name)
            matcher = Matcher(bundle, embedder=embedder)
            self.matcher = matcher.with_profiles(self.store.catalogue(self.reference).profiles)
        self.follow.notify()

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

    def network(self, fields: tuple[str, ...], world_regions: tuple[str, ...],
                edges: str) -> PartnershipNetwork:
        """A view of the partnership network of the current matcher's catalogue, computed once
        per matcher and view (at most 32 views kept)."""
        matcher = self.matcher
        if self._networks is None or self._networks[0] is not matcher:
            self._networks = (matcher, {})
        views = self._networks[1]
        key = (tuple(sorted(set(fields))), tuple(sorted(set(world_regions))), edges)
        cached = views.get(key)
        if cached is None:
            cached = partnership_network(matcher.catalogue, fields=key[0], world_regions=key[1],
                                         edges=edges)
            if len(views) >= 32:
                views.pop(next(iter(views)))
            views[key] = cached
        return cached

    def start_report(self, top: int, formats: tuple[str, ...], clusters: tuple[str, ...],
                     lang: str = "en") -> str:
        """Queue a report for the background worker; returns its id.

        Raises:
            APIError: 429 when ``report_queue`` reports are already queued or being written.
        """
        for cluster in clusters:
            self.matcher.catalogue.get(cluster)
        with self._report_lock:
            pending = self.reports.running()
            if pending >= self.settings.report_queue:
                raise APIError(429, f"{pending} reports are queued or being written, the limit; "
                               "try again later", {"limit": self.settings.report_queue},
                               headers={"Retry-After": str(REPORT_RETRY_AFTER)})
            record = self.reports.create(
                clusters=clusters, cluster_count=len(clusters) or len(self.matcher.catalogue.german()),
                lang=lang, top=top, formats=formats)
        matcher = self.matcher

        def work() -> None:
            try:
                # The clusters' lists as their pages show them: their dismissals left out.
                data = collect(matcher, top=top, clusters=clusters, lang=lang,
                               dismissed=self.store.dismissed())
                files = write_report(data, self.reports.folder(record.id), formats)
                self.reports.finish(record.id, files)
            except Exception:
                logger.exception("report %s failed", record.id)
                self.reports.fail(record.id)

        self._reports.submit(work)
        return record.id

    def ready(self) -> bool:
        return self.matcher is not None and self.store.integrity_ok()

    def close(self) -> None:
        self.follow.close()
        self.adhoc.close()
        self._reports.shutdown(wait=True, cancel_futures=True)
        self.reports.fail_running()  # those cancelled in the queue
        self.store.close()
