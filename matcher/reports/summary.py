"""The first page of a report: what it covers, its headline numbers and the actions the data
support, shared by the HTML and the PDF.

An action is either a gap, a (field, world region) cell with strong matches and few or no
partnerships, with the first contacts to make (the best-scoring strong pairs in the cell that are
neither known partners nor co-members nor dismissed), or a reported cluster without any
international partner, with its best options. Gaps come first, largest first; each action
names the anchor of the section that gives its details (``gap-<n>`` or ``cluster-<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.coverage import Cell
from .collect import ReportData

MAX_ACTIONS = 8
GAP_ACTIONS = 6
#: First contacts named in an action (its gap's section lists more).
ACTION_CONTACTS = 2
GAPS_LISTED = 15


@dataclass(frozen=True)
class Contact:
    """A suggested first contact: an international partner for a German cluster."""

    cluster: str
    cluster_name: str
    partner: str
    partner_name: str
    country: str
    score: float


@dataclass(frozen=True)
class Gap:
    """One of the largest gaps, with its first contacts; ``anchor`` names its section."""

    rank: int
    cell: Cell
    contacts: tuple[Contact, ...]

    @property
    def anchor(self) -> str:
        return f"gap-{self.rank}"


@dataclass(frozen=True)
class Action:
    """One thing to do: ``headline`` in bold, then ``detail``; ``anchor`` names its section."""

    headline: str
    detail: str
    anchor: str


@dataclass(frozen=True)
class Summary:
    covers: str
    clusters: int
    suggestions: int
    unpartnered: list[dict[str, object]]
    open_gaps: int
    gaps: list[Gap]
    actions: list[Action]
    #: How many suggestions a reader can follow up, in a sentence (:func:`reach_text`).
    reach: str = ""


def first_contacts(data: ReportData, cell: Cell, n: int = 3) -> tuple[Contact, ...]:
    """The best ``n`` strong pairs of ``cell`` that a cluster neither knows nor dismissed, one per
    partner, clusters of this report first."""
    reported = {r.query.id for r in data.results}
    details = data.coverage.cell_details(cell.field, cell.region)["strong_matches"]
    seen: set[str] = set()
    picked: list[Contact] = []
    for pair in sorted(details, key=lambda x: (x["german"] not in reported, -x["score"])):
        g, p = str(pair["german"]), str(pair["partner"])
        if p in seen or p in data.related.get(g, set()) or p in data.dismissed.get(g, []):
            continue
        seen.add(p)
        picked.append(Contact(g, data.names.get(g, g), p, data.names.get(p, p),
                              data.countries.get(p, ""), float(pair["score"])))
        if len(picked) == n:
            break
    return tuple(picked)


def contact_text(data: ReportData, contact: Contact) -> str:
    return (f"{contact.partner_name} ({data.country(contact.country)}) {data.word('for')} "
            f"{contact.cluster_name}")


def reach(data: ReportData) -> dict[str, int]:
    """How many of the suggestions name the partner's website, how many a contact route (a
    contact page, a partnership officer's page or a general address), and how many of the rest
    the German chamber abroad that arranges introductions: the catalogue's reach as the report's
    readers meet it."""
    shown = [m.id for r in data.results for m in r.matches]
    return {"suggestions": len(shown),
            "with_website": sum(1 for p in shown if data.websites.get(p)),
            "with_contact": sum(1 for p in shown if data.contacts.get(p)),
            "with_introduction": sum(1 for p in shown if p in data.introductions)}


def reach_text(data: ReportData, counts: dict[str, int] | None = None) -> str:
    """:func:`reach` in a sentence of the report's language (the summary's and the CLI's)."""
    counts = counts or reach(data)
    return data.word("reach", suggestions=counts["suggestions"], website=counts["with_website"],
                     contact=counts["with_contact"], introduction=counts["with_introduction"])


def summarise(data: ReportData) -> Summary:
    """The headline numbers and 0 to :data:`MAX_ACTIONS` actions of ``data``."""
    reported = [r.query.id for r in data.results]
    unpartnered = [u for u in data.coverage.unpartnered if u["id"] in set(reported)]
    gaps = [Gap(i, cell, first_contacts(data, cell))
            for i, cell in enumerate(data.coverage.top_gaps(GAPS_LISTED), start=1)]
    actions: list[Action] = []
    for gap in gaps:
        if len(actions) == GAP_ACTIONS:
            break
        if not gap.contacts:
            continue
        cell = gap.cell
        actions.append(Action(
            data.word("action_gap", field=data.field_name(cell.field), region=data.region(cell.region),
                      strong=cell.strong_matches, partnerships=cell.partnerships),
            f"{data.word('first_contacts')}: " + "; ".join(contact_text(data, c)
                                                        for c in gap.contacts[:ACTION_CONTACTS]),
            gap.anchor))
    for u in unpartnered:
        if len(actions) == MAX_ACTIONS:
            break
        options = [o for o in u["best_options"] if o["id"] not in data.dismissed.get(u["id"], [])]
        actions.append(Action(
            data.word("action_unpartnered", cluster=u["name"]),
            f"{data.word('best_options')}: " + "; ".join(
                f"{o['name']} ({data.country(o['country'])})" for o in options),
            f"cluster-{u['id']}"))
    applied = data.manifest["lists"]["dismissed"] == "applied"
    covers = data.word("covers", clusters=len(reported), top=data.manifest["top"],
                       profiles=data.profiles, german=data.german,
                       dismissals=data.word("dismissals_applied" if applied
                                            else "dismissals_not_applied"))
    counts = reach(data)
    return Summary(covers, len(reported), counts["suggestions"], unpartnered,
                   sum(1 for c in data.coverage.cells if c.strong_matches and not c.partnerships),
                   gaps, actions, reach_text(data, counts))
