"""The ``serve`` command: the web pages and the JSON API (``service``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from matcher.errors import InvalidInputError

if TYPE_CHECKING:
    pass



def cmd_serve(args: argparse.Namespace, out: Any) -> int:  # pragma: no cover - runs a server
    from service.serving import run

    if args.workers is not None and args.workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, not {args.workers}", field="workers")
    run(host=args.host, port=args.port, workers=args.workers)
    return 0


def add_parsers(sub: Any) -> None:
    """The subcommands of this module, each with its ``run``."""
    serve = sub.add_parser("serve", help="run the web pages and JSON API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: the number of cores); they share the "
                            "database and see each other's writes within a second")
    serve.set_defaults(run=cmd_serve)
