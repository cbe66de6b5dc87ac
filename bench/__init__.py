"""Benchmarks of ClusterBridge: run with ``python -m bench.run`` (see BENCHMARKS.md)."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence

import numpy as np


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
