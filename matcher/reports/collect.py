"""What a report shows, computed once for every format: each cluster's list of suggestions by the
rule of its own page, its known partners apart, the coverage, and the run manifest.

A cluster's list follows :func:`~matcher.engine.filters.cluster_page_filters`: its known partners
and network co-members are not suggested (they have a section of their own, :attr:`ReportData.known`)
and the candidates it dismissed are left out when the caller passes them (the service reads them
from its store; the CLI from ``--database`` when given). The manifest records both choices.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import messages
from ..analysis.coverage import Cell, Coverage, compute_coverage
from ..catalogue.catalogue import Catalogue
from ..catalogue.chambers import Chamber
from ..catalogue.languages import LANGUAGES, country_name, format_number, region_name
from ..catalogue.profiles import scrub
from ..catalogue.taxonomy import Taxonomy
from ..config import COMPONENTS
from ..engine.filters import cluster_page_filters
from ..engine.ranking import Match, Matcher, MatchResult
from ..errors import InvalidInputError
from .words import WORDS, words_for


def printable(value: str) -> str:
    """``value`` with every character a profile may not hold shown as U+FFFD: writable to UTF-8,
    to XML (XLSX) and to a PDF, whatever was stored."""
    return scrub(value, multiline=True, replacement="\ufffd")


@dataclass(frozen=True)
class Relation:
    """A known partner or network co-member of a cluster, with what links them."""

    id: str
    name: str
    country: str
    tie_kind: str | None  # "affiliation", a partnership kind, or None (networks only)
    tie_since: int | None
    networks: tuple[tuple[str, int | None], ...]  # (network name, since)
    tie_confirmed: int | None = None  # the year a newer source last confirmed the tie
    ended: int | None = None  # the year the partner stopped working (it is never suggested)


@dataclass
class ReportData:
    """Everything a report shows, computed once for all formats."""

    results: list[MatchResult]
    coverage: Coverage
    manifest: dict[str, Any]
    sources: dict[str, str]
    #: Each profile's website and contact page ("" when not known).
    websites: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    #: Each cluster's "beyond your field" suggestions, in the order of ``results``.
    cross_field: list[MatchResult] = field(default_factory=list)
    lang: str = "en"
    taxonomy: Taxonomy | None = None
    #: Each reported cluster's known partners and co-members (not among its suggestions).
    known: dict[str, list[Relation]] = field(default_factory=dict)
    #: Each cluster's dismissed candidates (in the catalogue), which its lists leave out.
    dismissed: dict[str, list[str]] = field(default_factory=dict)
    #: Every German cluster's known partners and co-members (for the first contacts of gaps).
    related: dict[str, set[str]] = field(default_factory=dict)
    #: Name and country of every profile.
    names: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    #: The year the newest source seen showed each profile at work (only those with one).
    confirmed: dict[str, int] = field(default_factory=dict)
    #: The site a contact route leads to, for routes not on the organisation's own site.
    contact_hosts: dict[str, str] = field(default_factory=dict)
    #: Where no contact route is known, the German chamber abroad covering the country.
    introductions: dict[str, Chamber] = field(default_factory=dict)
    profiles: int = 0
    german: int = 0

    def word(self, key: str, **values: Any) -> str:
        text = words_for(self.lang)[key]
        return text.format(**values) if values else text

    def field_name(self, term: str) -> str:
        return self.taxonomy.name(term, self.lang) if self.taxonomy is not None else term

    def region(self, name: str) -> str:
        return region_name(name, self.lang)

    def country(self, code: str) -> str:
        return country_name(code, self.lang)

    def num(self, value: float, digits: int = 2) -> str:
        return format_number(value, self.lang, digits)

    def contact_word(self, profile_id: str) -> str:
        """The label of a contact link: "contact", or "contact via <site>" when the route is
        not on the organisation's own site (``Profile.contact_elsewhere``)."""
        host = self.contact_hosts.get(profile_id)
        return self.word("contact_via", host=host) if host else self.word("contact")

    def at_work(self, profile_id: str) -> str:
        """When a source last showed the partner at work, as of the report's date
        (:func:`matcher.messages.at_work`)."""
        return messages.at_work(self.confirmed.get(profile_id), self.created().year, self.lang)[1]

    def summary(self, match: Match) -> str:
        return match.explanation.summary_in(self.lang, self.field_name)

    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.manifest["created"])

    def date(self) -> str:
        """The creation date, written out in the report's language."""
        from babel.dates import format_date

        locale = self.lang if self.lang in WORDS else "en"  # as the words around it
        return str(format_date(self.created().date(), format="long", locale=locale))

    def gap_legend(self) -> str:
        """How to read the gap charts, with the strong-match threshold of this run."""
        share = round((1 - float(self.manifest["strong_match_quantile"])) * 100, 1)
        return self.word("gap_legend", share=self.num(share, 0 if share.is_integer() else 1),
                         threshold=self.num(self.manifest["strong_match_threshold"], 3))

    def relation_text(self, relation: Relation) -> str:
        """How a cluster knows ``relation``, in words: "partner since 2019; network X"."""
        parts = []
        if relation.tie_kind == "affiliation":
            parts.append(self.word("affiliation"))
        elif relation.tie_kind:
            tie_since = f" {self.word('since')} {relation.tie_since}" if relation.tie_since else ""
            parts.append(self.word("partner_since") + tie_since)
        for name, year in relation.networks[:2]:
            parts.append(f"{self.word('network')} {name}"
                         + (f" ({self.word('since')} {year})" if year else ""))
        return "; ".join(parts)

    def rows(self) -> list[list[Any]]:
        return self._rows(self.results)

    def cross_field_rows(self) -> list[list[Any]]:
        """Rows of :data:`~matcher.reports.tables.CROSS_FIELD_COLUMNS`."""
        return self._rows(self.cross_field, linked=True)

    def _rows(self, results: Sequence[MatchResult], linked: bool = False) -> list[list[Any]]:
        out: list[list[Any]] = []
        for result in results:
            q = result.query
            for rank, m in enumerate(result.matches, start=1):
                e = m.explanation
                row = [
                    q.id, q.name, rank, m.id, m.name, m.country, m.world_region,
                    round(m.score, 4), e.label, *(round(e.components[c], 4) for c in COMPONENTS),
                    "yes" if e.existing_partner else "no", e.summary, *self.reach(m.id),
                ]
                if linked:
                    link = e.value_chain.links[0] if e.value_chain and e.value_chain.links else None
                    row += [link.theirs, link.ours] if link else ["", ""]
                out.append(row)
        return out

    def introduction(self, profile_id: str) -> tuple[str, str]:
        """Where no contact route is known: the website and the link label of the German chamber
        abroad that arranges introductions in the partner's country (``("", "")`` where none
        covers it), as the HTML and PDF list their (url, label) links."""
        chamber = self.introductions.get(profile_id)
        if chamber is None:
            return ("", "")
        return (chamber.website, self.word("introduction", name=chamber.name_in(self.lang)))

    def reach(self, profile_id: str) -> list[Any]:
        """How to reach a partner, as the tables' last columns: website, contact route, the
        chamber abroad that arranges an introduction where no contact route is known, first source
        and the year a source last showed it at work ("" where unknown)."""
        chamber = self.introductions.get(profile_id)
        return [self.websites.get(profile_id, ""), self.contacts.get(profile_id, ""),
                chamber.website if chamber else "",
                self.sources.get(profile_id, ""), self.confirmed.get(profile_id, "")]

    def partner_rows(self) -> list[list[Any]]:
        """Rows of :data:`~matcher.reports.tables.PARTNER_COLUMNS`: one per partner of the lists,
        the most suggested first (then by best place and id), with how many of the reported
        clusters' lists hold it and how to reach it, so that a missing website or contact route is
        filled where readers meet it most."""
        lists: Counter[str] = Counter()
        best: dict[str, int] = {}
        partners: dict[str, Match] = {}
        for result in self.results:
            for rank, m in enumerate(result.matches, start=1):
                lists[m.id] += 1
                best[m.id] = min(best.get(m.id, rank), rank)
                partners.setdefault(m.id, m)
        order = sorted(partners, key=lambda pid: (-lists[pid], best[pid], pid))
        return [[pid, partners[pid].name, partners[pid].country, partners[pid].world_region,
                 lists[pid], best[pid], *self.reach(pid)] for pid in order]

    def known_rows(self) -> list[list[Any]]:
        """One row per (reported cluster, known partner or co-member)."""
        return [[r.query.id, r.query.name, k.id, k.name, k.country, k.tie_kind or "",
                 k.tie_since or "", k.tie_confirmed or "", "; ".join(name for name, _ in k.networks),
                 self.websites.get(k.id, ""), self.contacts.get(k.id, ""), k.ended or ""]
                for r in self.results for k in self.known.get(r.query.id, [])]

    def coverage_rows(self, cells: Sequence[Cell] | None = None) -> list[list[Any]]:
        """One row per cell (default: every cell); numbers stay numbers."""
        return [[c.field, c.region, c.german_clusters, c.partnerships, c.strong_matches,
                 c.co_memberships, round(c.gap, 4)]
                for c in (self.coverage.cells if cells is None else cells)]


def relations(catalogue: Catalogue, profile_id: str) -> list[Relation]:
    """The known partners and network co-members of ``profile_id`` in the catalogue, by name."""
    rel = catalogue.relationships
    out = []
    for other in rel.related_to(profile_id):
        profile = catalogue.by_id.get(other)
        if profile is None:
            continue
        tie = rel.tie(profile_id, other)
        out.append(Relation(other, profile.name, profile.country, tie.kind if tie else None,
                            tie.since if tie else None,
                            tuple((n.name, n.since) for n in rel.shared_networks(profile_id, other)),
                            tie.confirmed if tie else None, profile.ended))
    return sorted(out, key=lambda r: (r.name.casefold(), r.id))


def collect(matcher: Matcher, *, top: int = 10, clusters: Sequence[str] = (),
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
            lang: str = "en", dismissed: Mapping[str, Collection[str]] | None = None) -> ReportData:
    """Suggestions for every German cluster (or ``clusters``), coverage, and the run manifest.

    Args:
        top: suggestions per cluster.
        clusters: German cluster ids; empty means every German cluster.
        progress: wraps the iteration over clusters (a progress bar).
        lang: language of the HTML and PDF (one of ``LANGUAGES``).
        dismissed: cluster id -> candidates it dismissed, left out of its lists; None when the
            caller has no store (recorded in the manifest as not applied).
    """
    if lang not in LANGUAGES:
        raise InvalidInputError(f"unknown language {lang!r}; languages: {', '.join(LANGUAGES)}",
                                field="lang")
    catalogue = matcher.catalogue
    queries = [catalogue.get(c) for c in clusters] if clusters else catalogue.german()
    iterate = progress or (lambda xs: xs)
    results, cross_field = [], []
    marks = {cluster: sorted(c for c in candidates if c in catalogue.by_id)
             for cluster, candidates in (dismissed or {}).items()}
    marks = {cluster: candidates for cluster, candidates in marks.items() if candidates}
    left_out = {q.id: marks[q.id] for q in queries if q.id in marks}
    for q in iterate(queries):
        shown = cluster_page_filters(dismissed=marks.get(q.id, ()), known=False)
        results.append(matcher.match(q, top=top, filters=shown))
        cross_field.append(matcher.match(q, top=top, filters=shown, scope="cross_field"))
    coverage = compute_coverage(matcher)
    manifest = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "catalogue_hash": catalogue.data_hash(),
        "embedder": matcher.bundle.manifest["embedder"],
        "weights": matcher.config.weights.as_dict(),
        "strong_match_threshold": coverage.threshold,
        "strong_match_quantile": matcher.config.strong_match_quantile,
        "software": {"clusterbridge": importlib.metadata.version("clusterbridge")},
        "top": top,
        "lang": lang,
        "clusters": [q.id for q in queries],
        "lists": {
            "known_partners_and_co_members": "listed apart, not suggested",
            "dismissed": "applied" if dismissed is not None else "not applied (no store given)",
            "dismissed_left_out": left_out,
        },
    }
    profiles = catalogue.profiles
    german = catalogue.german()
    return ReportData(
        results, coverage, manifest,
        {p.id: p.sources[0] if p.sources else "" for p in profiles},
        {p.id: p.website or "" for p in profiles},
        {p.id: p.contact or "" for p in profiles},
        cross_field, lang, catalogue.reference.taxonomy,
        known={q.id: relations(catalogue, q.id) for q in queries},
        dismissed=marks,
        related={g.id: catalogue.relationships.related_to(g.id) for g in german},
        names={p.id: p.name for p in profiles},
        countries={p.id: p.country for p in profiles},
        confirmed={p.id: p.confirmed for p in profiles if p.confirmed is not None},
        contact_hosts={p.id: p.contact_elsewhere for p in profiles if p.contact_elsewhere},
        introductions={p.id: chamber for p in profiles
                       if (chamber := catalogue.reference.chambers.introduction_for(p))},
        profiles=len(profiles), german=len(german),
    )
