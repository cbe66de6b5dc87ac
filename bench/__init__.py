"""Benchmarks of ClusterBridge: run with ``python -m bench.run`` (see BENCHMARKS.md)."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence

import numpy as np

from matcher import load_catalogue


def print_table(command: str, context: str, header: Sequence[str],
                rows: Sequence[Sequence[object]]) -> None:
    """The benchmark's table in Markdown, headed by the command that produced it."""
    print(f"# {command}")
    print(f"# {platform.machine()}, python {platform.python_version()}, {context}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")


def percentiles(values: Sequence[float], also: str = "") -> str:
    """p50 and p99 of ``values`` (milliseconds); ``also="mean"`` adds their mean, ``"rate"``
    the calls per second it implies."""
    p50, p99 = np.percentile(np.asarray(values), [50, 99])
    text = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    if also == "mean":
        text += f", mean {statistics.mean(values):.1f} ms"
    elif also == "rate":
        text += f", {1000 / statistics.mean(values):.0f}/s"
    return text


def adhoc_records(n: int, start: int = 0) -> list[dict[str, object]]:
    """``n`` profiles of the shipped catalogue from ``start`` on as ad-hoc records: real descriptions,
    seeks and offers in several languages, what a user types into the ad-hoc form (named apart
    from the catalogue's profile, so that its vectors are not reused)."""
    return [{"name": f"{p.name} (ad hoc)", "country": p.country, "description": p.description,
             "fields": list(p.fields), "offers": list(p.offers), "seeks": list(p.seeks)}
            for p in load_catalogue().profiles[start : start + n]]
