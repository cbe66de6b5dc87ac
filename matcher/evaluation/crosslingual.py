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
from .metrics import bootstrap_ci

#: German and French queries written from scratch, each with an English pair written separately.
LANGUAGE_QUERIES = PROJECT_DATA / "evaluation" / "language_queries.jsonl"


#: The "language" of a second English profile of a cluster, written independently from other
#: sources and paired with the first: its overlap with the English list is the ceiling that a
#: German or French overlap can reach (two authors never say the same things).
SECOND_ENGLISH = "en2"

#: A profile in more top-10 lists of one language's queries than this share is a hub.
HUB_SHARE = 0.25


def crosslingual(matcher: Matcher, queries: Path = LANGUAGE_QUERIES, *, top: int = 10,
                 seed: int = 0) -> dict[str, Any]:
    """German and French queries against English ones written separately about the same cluster.

    ``queries`` is a JSON Lines file of ``{"key", "lang", "pair", "subject", "profile"}``
    (``data/evaluation/language_queries.jsonl``): each German or French profile was written
    from scratch in its language, its English ``pair`` separately from the same sources. Both
    run through the ad-hoc path (free-text fields mapped to the taxonomy), ranked by score
    without diversity. Per language: the top-``top`` overlap with the English pair; where the
    ``subject`` (the catalogue cluster described) has international bilateral partners (those still
    active: a profile that ended is never suggested), whether
    the query finds one in its top 10 and top 20, beside the English pair; and hubs, profiles in
    more than :data:`HUB_SHARE` of the language's top-``top`` lists, with their text language.
    Records of :data:`SECOND_ENGLISH` are measured the same way against their first English
    profile.
    """
    from ..catalogue.languages import detect

    catalogue = matcher.catalogue
    records = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    by_key = {r["key"]: r for r in records}
    relationships = catalogue.relationships
    per_lang: dict[str, dict[str, list[Any]]] = {}

    def ranked(record: dict[str, Any]) -> list[str]:
        query, _ = parse_query_profile(record["profile"], catalogue.reference)
        return [m.id for m in matcher.match(query, top=max(top, 20), diversity=False).matches]

    for record in records:
        if record["lang"] == "en":
            continue
        own, english = ranked(record), ranked(by_key[record["pair"]])
        bucket = per_lang.setdefault(record["lang"], {"overlap": [], "hit10": [], "hit20": [],
                                                      "en_hit10": [], "en_hit20": [], "lists": []})
        bucket["overlap"].append(len(set(own[:top]) & set(english[:top])) / top)
        bucket["lists"].append(own[:top])
        subject = catalogue.by_id.get(record.get("subject") or "")
        found: set[str] = set()
        if subject is not None:
            partners = [catalogue.by_id[link.other(subject.id)] for link in relationships.labels()
                        if subject.id in (link.a, link.b)]
            found = {p.id for p in partners  # abroad, and still suggested (not ended)
                     if p.country != subject.country and p.ended is None}
        if found:
            for name, ids in (("", own), ("en_", english)):
                bucket[f"{name}hit10"].append(float(bool(found & set(ids[:10]))))
                bucket[f"{name}hit20"].append(float(bool(found & set(ids[:20]))))

    def mean_ci(values: list[float]) -> dict[str, Any]:
        return {"value": round(float(np.mean(values)), 4) if values else None,
                "ci95": list(bootstrap_ci(values, seed=seed))}

    out: dict[str, Any] = {}
    for lang, values in sorted(per_lang.items()):
        counts: dict[str, int] = {}
        for ids in values["lists"]:
            for pid in ids:
                counts[pid] = counts.get(pid, 0) + 1
        n = len(values["lists"])
        hubs = [{"id": pid, "share": round(c / n, 4),
                 "text_language": detect(catalogue.by_id[pid].description)}
                for pid, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                if c / n > HUB_SHARE]
        out[lang] = {
            "n": n,
            "overlap": mean_ci(values["overlap"]),
            "n_with_partners": len(values["hit10"]),
            "partner_hit@10": mean_ci(values["hit10"]),
            "partner_hit@20": mean_ci(values["hit20"]),
            "english_partner_hit@10": mean_ci(values["en_hit10"]),
            "english_partner_hit@20": mean_ci(values["en_hit20"]),
            "max_share": round(max(counts.values()) / n, 4) if counts else 0.0,
            "hubs": hubs,
        }
    return out
