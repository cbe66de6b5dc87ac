"""Benchmarks of ClusterBridge: run with ``python -m bench.run`` (see BENCHMARKS.md)."""

from __future__ import annotations

import platform
from collections.abc import Sequence


def print_table(command: str, context: str, header: Sequence[str],
                rows: Sequence[Sequence[object]]) -> None:
    """The benchmark's table in Markdown, headed by the command that produced it."""
    print(f"# {command}")
    print(f"# {platform.machine()}, python {platform.python_version()}, {context}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
