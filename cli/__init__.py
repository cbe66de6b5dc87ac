"""The ``clusterbridge`` command line: an edge that maps errors to one line and exit code 2.

Commands: ``build``, ``match``, ``stats``, ``catalogue check``, ``coverage``, ``report``,
``evaluate``, ``crosslingual``, ``network``, ``serve`` (the web service), ``export``, ``token``
(per-cluster tokens for feedback), ``outcomes`` (the funnel of what suggestions became).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matcher.config import default_data_dir, default_models_dir
from matcher.engine.embedding import DEFAULT_EMBEDDER
from matcher.errors import CatalogueError, ClusterBridgeError

from . import analysis, catalogue, outcomes, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clusterbridge",
                                     description="Find complementary international cluster partners.")
    parser.add_argument("--data", type=Path, default=default_data_dir(),
                        help="catalogue directory (profiles/*.jsonl, partnerships.csv)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="directory with taxonomy.csv and reference/ (default: the project's data/)")
    parser.add_argument("--models", type=Path, default=default_models_dir(),
                        help="where bundles and the embedding cache live")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER,
                        help=f"embedder name (default {DEFAULT_EMBEDDER}; hashing-384 for tests)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    for commands in (catalogue, analysis, serve, outcomes):
        commands.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        run: Callable[[argparse.Namespace, Any], int] = args.run
        return run(args, sys.stdout)
    except CatalogueError as exc:
        for problem in exc.problems[1:]:
            sys.stderr.write(f"  {problem}\n")
        sys.stderr.write(f"clusterbridge: error: {exc}\n")
        return 2
    except ClusterBridgeError as exc:
        sys.stderr.write(f"clusterbridge: error: {exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
