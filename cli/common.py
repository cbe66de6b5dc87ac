"""What the commands share: list options, loading the catalogue and the matcher, the database."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from matcher.catalogue import (
    Catalogue,
    Reference,
    load_catalogue,
    load_config,
)
from matcher.config import default_database
from matcher.engine.bundle import ensure_bundle
from matcher.engine.ranking import Matcher
from matcher.errors import InvalidInputError

if TYPE_CHECKING:
    from matcher.store import ProfileStore



def split_values(values: Sequence[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated lists."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


def load(args: argparse.Namespace) -> Catalogue:
    return load_catalogue(args.data, Reference.load(args.reference))


def database_option(parser: argparse.ArgumentParser, help: str) -> None:

    parser.add_argument("--database", default=os.environ.get("CLUSTERBRIDGE_DATABASE",
                                                             default_database()),
                        help=f"{help}: a SQLite file or a postgresql:// URL (default: "
                             "$CLUSTERBRIDGE_DATABASE, else models/clusterbridge.sqlite3)")


@contextmanager
def open_database(args: argparse.Namespace) -> Iterator[ProfileStore]:
    """The service database named by ``--database`` (a SQLite file, which must exist, or a
    ``postgresql://`` URL)."""
    from matcher.store import is_postgres, open_store

    if not is_postgres(args.database) and not Path(args.database).exists():
        raise InvalidInputError(f"database {args.database} not found", field="database")
    store = open_store(args.database)
    try:
        yield store
    finally:
        store.close()


def matcher_of(args: argparse.Namespace) -> Matcher:
    catalogue = load(args)
    return Matcher(ensure_bundle(catalogue, args.embedder, models_dir=args.models,
                                 config=load_config(args.data)))
