"""German and French queries against their English versions: top-10 overlap and the known partner's
rank, per language (``clusterbridge crosslingual``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..catalogue.catalogue import parse_query_profile
from ..config import PROJECT_DATA
from ..engine.ranking import Matcher
from .metrics import bootstrap_ci, exposure_of

#: German and French queries written from scratch, each with an English pair written separately.
LANGUAGE_QUERIES = PROJECT_DATA / "evaluation" / "language_queries.jsonl"


#: The "language" of a second English profile of a cluster, written independently from other
#: sources and paired with the first: its overlap with the English list is the ceiling that a
#: German or French overlap can reach (two authors never say the same things).
SECOND_ENGLISH = "en2"

#: A profile in more top-10 lists of one language's queries than this share is a hub.
HUB_SHARE = 0.25


def query_results(matcher: Matcher, queries: Path = LANGUAGE_QUERIES, *,
                  top: int = 10) -> list[dict[str, Any]]:
    """Per German, French or second-English record of ``queries``, in file order: ``key``,
    ``lang``, its top-``top`` ``list``, the ``overlap`` of that list with its English pair's, and
    where the ``subject`` has international bilateral partners still suggested (a profile that
    ended never is), whether the record finds one in its top 10 and top 20 (``hit@10``,
    ``hit@20``) beside the English pair (``english_hit@10``, ``english_hit@20``); without such
    partners those four are None. Both records run through the ad-hoc path (free-text fields
    mapped to the taxonomy), ranked by score without diversity."""
    catalogue = matcher.catalogue
    records = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    by_key = {r["key"]: r for r in records}
    relationships = catalogue.relationships

    def ranked(record: dict[str, Any]) -> list[str]:
        query, _ = parse_query_profile(record["profile"], catalogue.reference)
        return [m.id for m in matcher.match(query, top=max(top, 20), diversity=False).matches]

    out = []
    for record in records:
        if record["lang"] == "en":
            continue
        own, english = ranked(record), ranked(by_key[record["pair"]])
        subject = catalogue.by_id.get(record.get("subject") or "")
        found: set[str] = set()
        if subject is not None:
            partners = [catalogue.by_id[link.other(subject.id)] for link in relationships.labels()
                        if subject.id in (link.a, link.b)]
            found = {p.id for p in partners  # abroad, and still suggested (not ended)
                     if p.country != subject.country and p.ended is None}
        result: dict[str, Any] = {"key": record["key"], "lang": record["lang"], "list": own[:top],
                                  "overlap": len(set(own[:top]) & set(english[:top])) / top}
        for name, ids in (("", own), ("english_", english)):
            for k in (10, 20):
                result[f"{name}hit@{k}"] = float(bool(found & set(ids[:k]))) if found else None
        out.append(result)
    return out


def crosslingual(matcher: Matcher, queries: Path = LANGUAGE_QUERIES, *, top: int = 10,
                 seed: int = 0) -> dict[str, Any]:
    """German and French queries against English ones written separately about the same cluster.

    ``queries`` is a JSON Lines file of ``{"key", "lang", "pair", "subject", "profile"}``
    (``data/evaluation/language_queries.jsonl``): each German or French profile was written
    from scratch in its language, its English ``pair`` separately from the same sources.
    Per language, from :func:`query_results`: the mean top-``top`` overlap with the English pair;
    over the records whose subject has partners to find, how often the query finds one in its
    top 10 and top 20, beside the English pair; and hubs, profiles in more than
    :data:`HUB_SHARE` of the language's top-``top`` lists, with their text language. Records of
    :data:`SECOND_ENGLISH` are measured the same way against their first English profile.
    """
    from ..catalogue.languages import detect

    catalogue = matcher.catalogue
    per_lang: dict[str, list[dict[str, Any]]] = {}
    for result in query_results(matcher, queries, top=top):
        per_lang.setdefault(result["lang"], []).append(result)

    def mean_ci(values: list[float]) -> dict[str, Any]:
        return {"value": round(float(np.mean(values)), 4) if values else None,
                "ci95": list(bootstrap_ci(values, seed=seed))}

    out: dict[str, Any] = {}
    for lang, results in sorted(per_lang.items()):
        n = len(results)
        with_partners = [r for r in results if r["hit@10"] is not None]
        # at most top / HUB_SHARE profiles can each be in more than HUB_SHARE of the lists
        spread = exposure_of([r["list"] for r in results], list(catalogue.by_id),
                             hubs=int(top / HUB_SHARE))
        hubs = [{"id": h["id"], "share": round(h["count"] / n, 4),
                 "text_language": detect(catalogue.by_id[h["id"]].description)}
                for h in spread["most_suggested"] if h["count"] / n > HUB_SHARE]
        out[lang] = {
            "n": n,
            "overlap": mean_ci([r["overlap"] for r in results]),
            "n_with_partners": len(with_partners),
            **{f"{name}partner_hit@{k}": mean_ci([r[f"{name}hit@{k}"] for r in with_partners])
               for name in ("", "english_") for k in (10, 20)},
            "max_share": spread["max_share"],
            "hubs": hubs,
        }
    return out
