"""The one-off relationship migration: no relationship lost, none counted twice."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from matcher.catalogue.relationships import BILATERAL_KINDS, NETWORK_KINDS

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "tests" / "fixtures" / "migration" / "partnerships_v1.csv"


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("migrate_relationships",
                                                  ROOT / "scripts" / "migrate_relationships.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def migrated():  # type: ignore[no-untyped-def]
    script = _load_script()
    with open(OLD, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, script.migrate(rows)


def test_every_old_row_is_placed_once(migrated) -> None:  # type: ignore[no-untyped-def]
    rows, result = migrated
    assert sorted(result.placed) == list(range(len(rows)))


def test_no_relationship_is_lost(migrated) -> None:  # type: ignore[no-untyped-def]
    rows, result = migrated
    bilateral = {frozenset((r["a"], r["b"])) for r in result.partnerships}
    members: dict[str, set[str]] = {}
    for m in result.members:
        members.setdefault(m["network"], set()).add(m["profile"])
    for n, row in enumerate(rows):
        how, where = result.placed[n]
        pair = frozenset((row["a"], row["b"]))
        if how == "bilateral":
            assert pair in bilateral, row
        else:
            assert pair <= members[where], row
    sources = {u for r in result.partnerships for u in r["source"].split()}
    sources |= {u for m in result.members for u in m["source"].split()}
    assert {r["source"] for r in rows} <= sources  # no source dropped either


def test_nothing_is_counted_twice(migrated) -> None:  # type: ignore[no-untyped-def]
    _, result = migrated
    pairs = Counter(frozenset((r["a"], r["b"])) for r in result.partnerships)
    assert max(pairs.values()) == 1
    memberships = Counter((m["network"], m["profile"]) for m in result.members)
    assert max(memberships.values()) == 1
    # A pair that came from a network source is not also a bilateral tie from that source.
    bilateral_sources = {(frozenset((r["a"], r["b"])), u) for r in result.partnerships
                         for u in r["source"].split()}
    for m in result.members:
        others = [x["profile"] for x in result.members
                  if x["network"] == m["network"] and x["profile"] != m["profile"]]
        for other in others:
            for url in m["source"].split():
                assert (frozenset((m["profile"], other)), url) not in bilateral_sources


def test_tables_use_the_new_kinds_and_merge_duplicates(migrated) -> None:  # type: ignore[no-untyped-def]
    rows, result = migrated
    assert {r["kind"] for r in result.partnerships} <= set(BILATERAL_KINDS)
    assert {n["kind"] for n in result.networks} <= set(NETWORK_KINDS)
    used = {m["network"] for m in result.members}
    assert used == {n["id"] for n in result.networks}
    # Three old rows named Aéro Montréal and Hamburg Aviation: one tie, the earliest year,
    # the strongest kind, all three sources.
    tie = next(r for r in result.partnerships if {r["a"], r["b"]} == {"aero-montreal", "hamburg-aviation"})
    assert (tie["since"], tie["kind"], len(tie["source"].split())) == ("2008", "agreement", 3)
    # The largest old source (29 pairs of one multi-party MoU) became one network.
    assert sum(1 for r in rows if "escp-4i-join-forces" in r["source"]) == 29
    assert len([m for m in result.members if m["network"] == "escp-4i-joint-mou-2019"]) == 20
