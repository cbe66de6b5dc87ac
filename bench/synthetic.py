"""A deterministic synthetic catalogue for benchmarks: realistic shapes, invented content.

Profiles are assembled from field names and capability phrases so that texts vary (each
profile's description is unique); nothing here is a real cluster and nothing is committed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from matcher import Reference

COUNTRIES = ["DE", "FR", "US", "CA", "JP", "KR", "CN", "IN", "BR", "MX", "ZA", "KE", "AU", "NZ",
             "SG", "TH", "IL", "AE", "GB", "NL", "SE", "ES", "IT", "PL", "CZ", "AT", "CH", "MA"]
ACTIVITIES = ["testing", "design", "pilot production", "certification", "prototyping", "training",
              "market access", "simulation", "recycling", "supply", "integration", "research"]
OBJECTS = ["lightweight structures", "battery cells", "laser sources", "medical implants",
           "vaccines", "sensors", "power electronics", "hydrogen electrolysers", "printed circuits",
           "cabin interiors", "robot cells", "bio-based plastics", "solar modules", "software tools",
           "diagnostics", "composite parts", "optical fibres", "food ingredients", "drones"]


def phrase(rng: random.Random) -> str:
    return f"{rng.choice(ACTIVITIES)} of {rng.choice(OBJECTS)}"


def generate(n: int, directory: Path, seed: int = 0) -> Path:
    """Write ``n`` synthetic profiles as a catalogue directory; returns ``directory``."""
    rng = random.Random(seed)
    terms = Reference.load().taxonomy.terms
    (directory / "profiles").mkdir(parents=True, exist_ok=True)
    with open(directory / "profiles" / "synthetic.jsonl", "w") as f:
        for i in range(n):
            fields = rng.sample(terms, rng.randint(1, 3))
            offers = [phrase(rng) for _ in range(rng.randint(2, 4))]
            seeks = [phrase(rng) for _ in range(rng.randint(1, 3))]
            record = {
                "id": f"synthetic-{i:07d}",
                "name": f"Synthetic Cluster {i}",
                "country": rng.choice(COUNTRIES),
                "fields": fields,
                "description": (f"Synthetic cluster {i} of firms working on {', '.join(fields)}; "
                                f"known for {offers[0]} and looking for {seeks[0]}."),
                "offers": offers,
                "seeks": seeks,
                "roles": rng.sample(["research", "development", "production", "application",
                                     "testing"], rng.randint(1, 3)),
                "size": {"members": rng.randint(10, 800)},
                "sources": ["https://example.org/synthetic"],
                "checked": "2026-12-01",
            }
            f.write(json.dumps(record) + "\n")
    (directory / "partnerships.csv").write_text("a,b,since,kind,source,note\n")
    return directory
