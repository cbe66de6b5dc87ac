"""Checks of the curated catalogue: what a curator fixes before a release.

``clusterbridge catalogue check`` runs :func:`check_catalogue` on a catalogue directory and lists
each finding with file, row and field. Errors make the check fail; warnings are shown. The checks:

- ``invalid``: anything the loader refuses (schema, ids, duplicate pairs, unknown ids);
- ``names-related`` (error): a description, offer or seek names an organisation or network the
  profile is related to (name, part of the name, acronym or id). Relationships live in their own
  tables; in a text they leak the answer to any matcher that reads words;
- ``stub`` (error): a description under :data:`MIN_DESCRIPTION` characters;
- ``template`` (error): two descriptions that share most of their wording;
- ``stand-in`` (error): an "innovation region" with no website, i.e. a place without an
  organisation that speaks for it;
- ``stale`` (error): ``checked`` more than :data:`STALE_MONTHS` months ago;
- ``staging`` (error): a source, website or contact route on a staging, test, cached or temporary
  copy of a site or on a bare IP address (:func:`staging_host`), in a profile or in a relationship
  table: what such a copy shows may never have been published, or not at that address, so it is no
  source; cite the page where its site publishes it;
- ``mirror`` (note): a source on a document-sharing site or a Wikipedia mirror (:func:`mirror_host`),
  in a profile or in a relationship table: a last resort, cited only where the original was not
  found; each is listed so that a curator can look for the original, and the profiles that cite
  one are counted (``mirror_profiles``);
- ``no-website`` (warning): no ``website``; the share of profiles with one is reported against
  :data:`WEBSITE_GOAL`;
- the share of international profiles with a ``contact`` route is reported against
  :data:`CONTACT_GOAL` (a count, not a warning per profile: most have none yet), and how many
  of those routes lead to another site than the organisation's own (``contact_elsewhere``);
- the active international and German profiles that a source of the last
  :data:`~.profiles.FRESH_YEARS` years shows at work (``confirmed``) are counted: the others are
  not judged, or marked "not confirmed active since" wherever they are shown;
- the dated partnerships (affiliations aside) not confirmed within :data:`~.profiles.FRESH_YEARS` years
  (``Partnership.unconfirmed``) are counted: they are marked so wherever a tie is shown.

``clusterbridge catalogue closeness`` runs :func:`closeness` on one profile and the text of pages
it cites, saved by the curator: the runs of :data:`CLOSE_RUN` or more words its texts share with
them, which (names and fixed terms aside) a curator rewords.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CatalogueError
from .catalogue import Catalogue, Reference, load_catalogue
from .profiles import FRESH_YEARS, Profile
from .relationships import MEMBER_COLUMNS, NETWORK_COLUMNS, PARTNERSHIP_COLUMNS, read_csv_rows

MIN_DESCRIPTION = 330
STALE_MONTHS = 24
WEBSITE_GOAL = 0.98
#: Share of international profiles with a contact route (contact page, partnership officer, address).
CONTACT_GOAL = 0.80
#: Word 5-gram Jaccard overlap from which two descriptions count as one template.
TEMPLATE_OVERLAP = 0.5
#: Acronyms are all-capital tokens of two to this many characters ("EACP", "CE4BIG"); longer
#: all-capital tokens are words ("AEROSPACE").
ACRONYM_MAX = 6
#: Abbreviations that name no organisation.
GENERIC = frozenset({"GmbH", "ICT", "SME", "SMEs", "R&D", "EU", "USA", "UK", "AG", "EV", "IT", "AI",
                     "PLUS", "EEIG", "CEO", "GPS", "USD", "EUR", "NGO", "ESCP"})
TEXT_FIELDS = ("description", "offers", "seeks")
#: A run of this many words that a profile's text shares with a page it cites follows that page
#: too closely (texts are the curators' own words, ``SOURCES.md``), unless it is a name or a
#: fixed term.
CLOSE_RUN = 6
#: Host labels that mark a staging or test copy of a site ("test.pharmabiz.com",
#: "forschungscampus2.staging.ptj.de"). The last two labels of a host are its registered name,
#: so "test.de" is a site of its own.
STAGING_LABELS = frozenset({"test", "stage", "staging", "dev", "preprod", "typo3"})
#: Registered names that serve only temporary copies of other sites.
TEMPORARY_HOSTS = frozenset({"hosted-temp.com"})
#: A host label with this in it marks a cache's copy of another site's page
#: ("www-pref-mie-lg-jp.cache.yimg.jp", "webcachetest.london.gov.uk").
CACHE_LABEL = "cache"
_STAGING = "{!r} is a staging, test or cached copy of a page, not a published source"
#: Registered names of document-sharing sites and Wikipedia mirrors: they serve copies of what
#: others published ("docslib.org", "wikimili.com"), a last resort as a source (``SOURCES.md``).
MIRROR_HOSTS = frozenset({
    "scribd.com", "docslib.org", "readkong.com", "doczz.net", "expydoc.com", "issuu.com",
    "yumpu.com", "dokumen.tips", "fdokumen.com", "studylib.net", "studylib.es", "studylibfr.com",
    "wikimili.com", "wikisum.wiki", "everybodywiki.com"})
_MIRROR = "{!r} is a copy on a document-sharing site or Wikipedia mirror; cite the original where found"
#: The relationship tables and their columns, read again for the rows of their sources.
RELATIONSHIP_TABLES = (("partnerships.csv", PARTNERSHIP_COLUMNS), ("networks.csv", NETWORK_COLUMNS),
                       ("network_members.csv", MEMBER_COLUMNS))


@dataclass(frozen=True)
class Finding:
    severity: str  # "error", "warning" or "note"
    check: str
    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.file}:{self.row}: {self.field}: [{self.check}] {self.message}"


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    profiles: int = 0
    with_website: int = 0
    international: int = 0
    with_contact: int = 0
    #: Contact routes that lead to another site than the organisation's own (``contact_elsewhere``).
    contact_elsewhere: int = 0
    #: Active international profiles, and those a source showed at work within FRESH_YEARS years.
    active_international: int = 0
    confirmed_at_work: int = 0
    #: The same for the German profiles (the users' own clusters).
    active_german: int = 0
    german_at_work: int = 0
    dated_ties: int = 0
    unconfirmed_ties: int = 0
    #: Profiles that cite a copy on a document-sharing site or Wikipedia mirror.
    mirror_profiles: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def website_share(self) -> float:
        return self.with_website / self.profiles if self.profiles else 0.0

    @property
    def contact_share(self) -> float:
        return self.with_contact / self.international if self.international else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"profiles": self.profiles, "with_website": self.with_website,
                "website_share": round(self.website_share, 4), "website_goal": WEBSITE_GOAL,
                "international": self.international, "with_contact": self.with_contact,
                "contact_share": round(self.contact_share, 4), "contact_goal": CONTACT_GOAL,
                "contact_elsewhere": self.contact_elsewhere,
                "active_international": self.active_international,
                "confirmed_at_work": self.confirmed_at_work,
                "active_german": self.active_german, "german_at_work": self.german_at_work,
                "dated_ties": self.dated_ties, "unconfirmed_ties": self.unconfirmed_ties,
                "mirror_profiles": self.mirror_profiles,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings]}


def name_variants(name: str, identifier: str | None = None,
                  places: frozenset[str] = frozenset()) -> set[str]:
    """The ways a text may name an organisation: its name, the name without a parenthesis, what
    the parenthesis holds, the parts of a name joined by a dash or slash, its acronyms (all-capital
    tokens), and its id; less generic abbreviations, the names of ``places`` and what has no letter
    (the year in "Memorandum (Astana, 2022)")."""
    variants = {name.strip(), re.sub(r"\s*\([^)]*\)", "", name).strip()}
    for inner in re.findall(r"\(([^)]+)\)", name):
        variants.update(part.strip() for part in re.split(r"[,;/]| – ", inner))
    for part in re.split(r" – | - |/", name):
        variants.add(part.strip())
    for token in re.findall(r"(?<![\w.])[A-Z0-9²&]{2,}(?![\w.])", name):
        if len(token) <= ACRONYM_MAX and any(c.isalpha() for c in token):
            variants.add(token)
    if identifier:
        variants.add(identifier)
    return {v for v in variants if len(v) >= 3 and any(c.isalpha() for c in v)
            and v not in GENERIC and v.casefold() not in places}


def staging_host(url: str) -> bool:
    """Whether ``url`` lies on a staging, test, cached or temporary copy of a site, or on a bare
    IP address (a copy served without the site's name, "http://18.195.164.189/wirtschaft/...")."""
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    return (any(label in STAGING_LABELS or CACHE_LABEL in label for label in labels[:-2])
            or ".".join(labels[-2:]) in TEMPORARY_HOSTS or _is_ip(host))


def mirror_host(url: str) -> bool:
    """Whether ``url`` lies on a document-sharing site or Wikipedia mirror (:data:`MIRROR_HOSTS`),
    under any of its subdomains ("fr.scribd.com", "deploy.doczz.net")."""
    labels = (urlsplit(url).hostname or "").lower().rstrip(".").split(".")
    return ".".join(labels[-2:]) in MIRROR_HOSTS


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pattern(variant: str) -> re.Pattern[str]:
    # Acronyms and short names must match in case; a one-word id ("biom") matches "BioM".
    flags = 0 if variant.isupper() or (len(variant) <= 5 and not variant.islower()) else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + re.escape(variant) + r"(?![\w-])", flags)


def related_names(catalogue: Catalogue, profile_id: str) -> dict[str, str]:
    """Name variant -> what it names, for every organisation and network related to the profile,
    less any variant that is also part of the profile's own name."""
    rel = catalogue.relationships
    geo = catalogue.reference.geography
    places = frozenset(x.casefold() for x in (*(c.name for c in geo.countries.values()),
                                              *geo.world_regions, *geo.continents))
    own = " ".join(name_variants(catalogue.by_id[profile_id].name, profile_id)).casefold()
    out: dict[str, str] = {}
    for other in sorted(rel.related_to(profile_id)):
        for v in name_variants(catalogue.by_id[other].name, other, places):
            out.setdefault(v, other)
    for network in rel.networks_of(profile_id):
        for v in name_variants(network.name, network.id, places):
            out.setdefault(v, f"network {network.id}")
    return {v: what for v, what in out.items() if v.casefold() not in own}


def texts_naming_related(catalogue: Catalogue, profile_id: str) -> list[tuple[str, str, str]]:
    """(field, variant, what it names) for each related name found in the profile's texts."""
    profile = catalogue.by_id[profile_id]
    found = []
    names = related_names(catalogue, profile_id)
    for name in TEXT_FIELDS:
        value = getattr(profile, name)
        text = " | ".join(value) if isinstance(value, tuple) else value
        for variant, what in names.items():
            if _pattern(variant).search(text):
                found.append((name, variant, what))
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 0))}


def shared_runs(text: str, sources: Iterable[str], min_words: int = CLOSE_RUN) -> list[str]:
    """The maximal runs of at least ``min_words`` words of ``text`` whose every ``min_words``-word
    stretch one of ``sources`` also holds in that order, longest first; case and punctuation
    aside ("Founded in 2009, it ..." and "founded in 2009 it" are one run). A run never spans
    two sources."""
    return _longest_first(_runs(text, _source_grams(sources, min_words), min_words))


def closeness(profile: Profile, sources: Iterable[str],
              min_words: int = CLOSE_RUN) -> dict[str, list[str]]:
    """Each text field of ``profile`` (:data:`TEXT_FIELDS`) -> its :func:`shared_runs` with the
    text of pages it cites; each offer and seek is read on its own."""
    grams = _source_grams(sources, min_words)
    runs: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        value = getattr(profile, name)
        items = value if isinstance(value, tuple) else (value,)
        runs[name] = _longest_first([run for item in items for run in _runs(item, grams, min_words)])
    return runs


def _source_grams(sources: Iterable[str], n: int) -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for source in sources:
        grams |= _shingles(source, n)
    return grams


def _runs(text: str, grams: set[tuple[str, ...]], n: int) -> list[str]:
    """The maximal runs of ``text`` whose every ``n``-word stretch is in ``grams``."""
    words = _words(text)
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in grams:
            covered[i : i + n] = [True] * n
    runs: list[str] = []
    start = None
    for i, inside in enumerate([*covered, False]):
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            runs.append(" ".join(words[start:i]))
            start = None
    return runs


def _longest_first(runs: list[str]) -> list[str]:
    return sorted(runs, key=lambda run: -run.count(" "))


def _rows(directory: Path) -> dict[str, tuple[str, int]]:
    """Profile id -> (file name, row) in a catalogue directory."""
    where: dict[str, tuple[str, int]] = {}
    for path in sorted((directory / "profiles").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for row, line in enumerate(f, start=1):
                if line.strip():
                    where[str(json.loads(line).get("id"))] = (path.name, row)
    return where


def check_catalogue(directory: Path, reference: Reference | None = None,
                    today: dt.date | None = None) -> CheckReport:
    """Every finding for the catalogue in ``directory``."""
    report = CheckReport()
    try:
        catalogue = load_catalogue(directory, reference)
    except CatalogueError as exc:
        report.findings = [Finding("error", "invalid", p.file, p.row, p.field, p.message)
                           for p in exc.problems]
        return report
    today = today or dt.date.today()
    where = _rows(directory)
    report.profiles = len(catalogue)

    def add(severity: str, check: str, pid: str, field_name: str, message: str) -> None:
        file, row = where.get(pid, ("profiles", 0))
        report.findings.append(Finding(severity, check, file, row, field_name, message))

    shingles = {p.id: _shingles(p.description) for p in catalogue.profiles}
    international = catalogue.international()
    report.international = len(international)
    report.with_contact = sum(1 for p in international if p.contact)
    report.contact_elsewhere = sum(1 for p in international if p.contact_elsewhere)
    report.active_international, report.confirmed_at_work = _at_work(international, today.year)
    report.active_german, report.german_at_work = _at_work(catalogue.german(), today.year)
    dated = [t for t in catalogue.relationships.labels() if t.since or t.confirmed]
    report.dated_ties = len(dated)
    report.unconfirmed_ties = sum(1 for t in dated if t.unconfirmed(today.year))
    for p in catalogue.profiles:
        for name, variant, what in texts_naming_related(catalogue, p.id):
            add("error", "names-related", p.id, name, f"names {variant!r} ({what}); relationships "
                "belong in the relationship tables, not in texts")
        if len(p.description) < MIN_DESCRIPTION:
            add("error", "stub", p.id, "description",
                f"{len(p.description)} characters; at least {MIN_DESCRIPTION} from sources")
        if p.kind == "innovation region" and not p.website:
            add("error", "stand-in", p.id, "kind", "a region needs an organisation that speaks "
                "for it: name it and give its website")
        if p.checked and _months(dt.date.fromisoformat(p.checked), today) > STALE_MONTHS:
            add("error", "stale", p.id, "checked",
                f"last compared with its sources on {p.checked}, over {STALE_MONTHS} months ago")
        for name, urls in (("sources", p.sources), ("website", (p.website,)),
                           ("contact", (p.contact,))):
            for url in urls:
                if url and staging_host(url):
                    add("error", "staging", p.id, name, _STAGING.format(url))
        mirrors = [url for url in p.sources if mirror_host(url)]
        for url in mirrors:
            add("note", "mirror", p.id, "sources", _MIRROR.format(url))
        report.mirror_profiles += bool(mirrors)
        if p.website:
            report.with_website += 1
        else:
            add("warning", "no-website", p.id, "website", "no website of the organisation")
    for a, b in _similar_pairs(shingles):
        add("error", "template", b, "description", f"shares most of its wording with {a!r}")
    for table, columns in RELATIONSHIP_TABLES:
        rows, _ = read_csv_rows(directory / table, columns, ())
        for row, values in rows:
            for url in (values.get("source") or "").split():
                if staging_host(url):
                    report.findings.append(Finding("error", "staging", table, row, "source",
                                                   _STAGING.format(url)))
                elif mirror_host(url):
                    report.findings.append(Finding("note", "mirror", table, row, "source",
                                                   _MIRROR.format(url)))
    return report


def _at_work(profiles: Iterable[Profile], year: int) -> tuple[int, int]:
    """How many of ``profiles`` have not ended, and how many of those a source of the last
    :data:`~.profiles.FRESH_YEARS` years shows at work."""
    active = [p for p in profiles if p.ended is None]
    return len(active), sum(1 for p in active if p.seen_at_work(year))


def _months(then: dt.date, now: dt.date) -> int:
    return (now.year - then.year) * 12 + now.month - then.month


def _similar_pairs(shingles: dict[str, set[tuple[str, ...]]]) -> Iterable[tuple[str, str]]:
    owners: dict[tuple[str, ...], list[str]] = {}
    for pid, grams in shingles.items():
        for gram in grams:
            owners.setdefault(gram, []).append(pid)
    shared: dict[tuple[str, str], int] = {}
    for ids in owners.values():
        if len(ids) > 20:  # a common phrase, not a template
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                key = (min(a, b), max(a, b))
                shared[key] = shared.get(key, 0) + 1
    for (a, b), count in sorted(shared.items()):
        union = len(shingles[a] | shingles[b])
        if union and count / union >= TEMPLATE_OVERLAP:
            yield a, b


def format_report(report: CheckReport) -> str:
    lines = [str(f) for f in report.findings]
    lines.append(f"{report.profiles} profiles; {len(report.errors)} errors, "
                 f"{len(report.warnings)} warnings; website on "
                 f"{report.with_website} ({report.website_share:.1%}, goal {WEBSITE_GOAL:.0%}); "
                 f"contact route on {report.with_contact} of {report.international} international "
                 f"({report.contact_share:.1%}, goal {CONTACT_GOAL:.0%}; "
                 f"{report.contact_elsewhere} of them on another site); "
                 f"a source of the last {FRESH_YEARS} years shows {report.confirmed_at_work} of "
                 f"{report.active_international} active international and "
                 f"{report.german_at_work} of {report.active_german} German at work; "
                 f"{report.unconfirmed_ties} of {report.dated_ties} dated ties not confirmed "
                 f"within {FRESH_YEARS} years; {report.mirror_profiles} profiles cite a "
                 f"document-sharing copy or Wikipedia mirror")
    return "\n".join(lines) + "\n"
