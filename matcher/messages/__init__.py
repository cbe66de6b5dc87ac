"""The sentences a user reads about a suggestion: one message catalogue per language.

An explanation (``matcher.engine.explanation``) is data: a list of :class:`Reason`, each a kind
and its parameters (needs and offers in the profiles' own words, taxonomy terms, role codes,
numbers). This module is the one place that turns a reason into a sentence, from the catalogue
``<lang>.json`` beside it, for the API and CLI summaries, the web pages, the reports and the
feeds alike. Field names come through the caller's ``field_name`` (the taxonomy knows them per
language); role names, relationship kinds and numbers are named here.

Kinds and their parameters:

- ``label``: ``label`` (similar and complementary, complementary, similar, weak fit);
- ``value_chain``: ``theirs``, ``ours`` (fields), ``pair`` (``need``, ``offer``) or None,
  ``they_offer``, ``relatedness`` (None where too weak to count as evidence), ``partnerships``;
- ``they_answer`` / ``we_answer``: ``need``, ``offer``, ``similarity``;
- ``shared_fields``: ``fields``; ``related_field``: ``theirs``, ``ours``, ``relatedness``;
- ``roles_added``: ``roles`` (role codes);
- ``tie``: ``kind``, ``since``, ``confirmed`` (the year a newer source confirmed it, or None),
  ``unconfirmed`` (its newest dated source is old);
- ``networks``: ``networks`` (name, since), the first two named;
- ``peers``: ``peers`` (names of German clusters that work with the suggestion), the first two named;
- ``standing``: ``rank``, ``pool``, ``percent`` (where the suggestion stands among the candidates);
- ``lifted``: ``parts`` (score components that lifted the score most, biggest first).

A ``label`` may also be ``broad fit`` (see ``matcher.engine.ranking.Standing.label``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..catalogue.languages import INTERFACE_LANGUAGES, format_number
from ..catalogue.profiles import FRESH_YEARS, outdated

FieldName = Callable[[str], str]


@dataclass(frozen=True)
class Reason:
    """One reason behind a suggestion: its ``kind`` and the parameters of its sentence."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The message catalogue of ``lang`` (English for a language without one)."""
    lang = lang if lang in INTERFACE_LANGUAGES else "en"
    path = Path(__file__).with_name(f"{lang}.json")
    messages: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return messages


def role_name(role: str, lang: str = "en") -> str:
    """A value-chain role (``research``, ``testing``, ...) in ``lang``."""
    return catalogue(lang).get(f"role.{role}", role)


def role_names(roles: Iterable[str], lang: str = "en") -> str:
    return ", ".join(role_name(r, lang) for r in roles)


def at_work(confirmed: int | None, year: int, lang: str = "en") -> tuple[str, str]:
    """When a source last showed an organisation at work, as (kind, text) in ``year``: ``fresh``
    ("active in 2025"), ``old`` ("not confirmed active since 2018", once the year is more than
    ``FRESH_YEARS`` old), or ``unseen`` when no dated source showed it at work ("not confirmed
    active in the last 5 years")."""
    if confirmed is None:
        return "unseen", catalogue(lang)["at_work.unseen"].format(years=FRESH_YEARS)
    kind = "old" if outdated(confirmed, year) else "fresh"
    return kind, catalogue(lang)[f"at_work.{kind}"].format(year=confirmed)


def _since(say: Mapping[str, str], year: int | None) -> str:
    return say["since"].format(year=year) if year else ""


def sentence(reason: Reason, lang: str = "en", field_name: FieldName = str) -> str:
    """``reason`` as one sentence in ``lang``; ``field_name`` names a taxonomy term."""
    say = catalogue(lang)
    p = reason.params
    kind = reason.kind
    if kind == "label":
        label = p["label"]
        if label in ("weak fit", "broad fit"):
            return say[f"label.{label}"]
        return say["label.partner"].format(label=say[f"label.{label}"])
    if kind == "standing":
        return say["standing"].format(rank=p["rank"], pool=p["pool"], percent=p["percent"])
    if kind == "lifted":
        names = [say[f"part.{part}"] for part in p["parts"]]
        key = "lifted.one" if len(names) == 1 else "lifted.many"
        return say[key].format(parts=say["and"].join(names))
    if kind == "value_chain":
        return _value_chain(p, say, lang, field_name)
    if kind in ("they_answer", "we_answer"):
        return say[kind].format(need=p["need"], offer=p["offer"])
    if kind == "shared_fields":
        fields = p["fields"]
        return say["shared_fields.one" if len(fields) == 1 else "shared_fields.many"].format(
            fields=", ".join(field_name(f) for f in fields))
    if kind == "related_field":
        return say["related_field"].format(theirs=field_name(p["theirs"]), ours=field_name(p["ours"]))
    if kind == "roles_added":
        roles = p["roles"]
        return say["roles_added.one" if len(roles) == 1 else "roles_added.many"].format(
            roles=role_names(roles, lang))
    if kind == "tie":
        since = _since(say, p["since"])
        if p["kind"] == "affiliation":
            return say["tie.affiliation"].format(since=since)
        seen = (say["tie.confirmed"].format(year=p["confirmed"]) if p.get("confirmed")
                else say["tie.unconfirmed"] if p.get("unconfirmed") else "")
        return say["tie"].format(kind=say.get(f"tie.{p['kind']}", p["kind"]), since=since,
                                 seen=seen)
    if kind == "networks":
        networks: Sequence[tuple[str, int | None]] = p["networks"]
        named = ", ".join(name + _since(say, since) for name, since in networks[:2])
        more = say["networks.more"].format(n=len(networks) - 2) if len(networks) > 2 else ""
        return say["networks"].format(names=named, more=more)
    if kind == "peers":
        peers: Sequence[str] = p["peers"]
        more = say["peers.more"].format(n=len(peers) - 2) if len(peers) > 2 else ""
        named = ", ".join(peers[:2])
        if not more and named.endswith("."):  # "... e.V." ends the list: one full stop, not two
            named = named[:-1]
        return say["peers"].format(names=named, more=more)
    raise ValueError(f"unknown reason kind {kind!r}")


def _value_chain(p: Mapping[str, Any], say: Mapping[str, str], lang: str,
                 field_name: FieldName) -> str:
    theirs, ours = field_name(p["theirs"]), field_name(p["ours"])
    pair = p["pair"]
    if pair is None:
        text = say["value_chain"].format(theirs=theirs, ours=ours)
    else:
        key = "value_chain.they_offer" if p["they_offer"] else "value_chain.we_offer"
        text = say[key].format(theirs=theirs, ours=ours, offer=pair["offer"], need=pair["need"])
    parts = []
    if p["relatedness"] is not None:
        parts.append(say["evidence.relatedness"].format(value=format_number(p["relatedness"], lang)))
    if p["partnerships"]:
        key = "evidence.partnership.many" if p["partnerships"] > 1 else "evidence.partnership.one"
        parts.append(say[key].format(n=p["partnerships"]))
    if parts:
        text += " " + say["evidence"].format(theirs=theirs, ours=ours, parts="; ".join(parts))
    return text


def sentences(reasons: Iterable[Reason], lang: str = "en", field_name: FieldName = str) -> list[str]:
    return [sentence(r, lang, field_name) for r in reasons]


def summary(reasons: Iterable[Reason], lang: str = "en", field_name: FieldName = str) -> str:
    """The reasons as one paragraph."""
    return " ".join(sentences(reasons, lang, field_name))
