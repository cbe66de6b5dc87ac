"""The catalogue commands: ``build`` (embed data/ into a bundle), ``match`` (suggestions for a
cluster or an ad-hoc profile), ``stats``, ``catalogue check``, ``catalogue closeness`` and
``export`` (the service database in the catalogue format).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.catalogue import (
    Reference,
    load_config,
    parse_query_profile,
)
from matcher.catalogue.profiles import FRESH_YEARS
from matcher.config import Weights
from matcher.engine.bundle import build_bundle, ensure_bundle
from matcher.engine.embedding import EmbeddingCache, get_embedder
from matcher.engine.filters import Filters
from matcher.engine.ranking import Matcher, MatchResult
from matcher.errors import ProfileValidationError

if TYPE_CHECKING:
    pass

from .common import database_option, load, open_database, split_values


def cmd_build(args: argparse.Namespace, out: Any) -> int:
    catalogue = load(args)
    embedder = get_embedder(args.embedder)
    cache = EmbeddingCache(args.models / "cache", embedder)
    start = time.perf_counter()
    path = build_bundle(catalogue, embedder, models_dir=args.models, cache=cache,
                        config=load_config(args.data))
    elapsed = time.perf_counter() - start
    out.write(f"built {path} ({len(catalogue)} profiles, {cache.misses} texts embedded, "
              f"{elapsed:.1f} s)\n")
    return 0


def _read_profile_file(path: str, reference: Reference) -> dict[str, Any]:
    """The record of an ad-hoc profile file, checked before any model is loaded."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileValidationError(f"profile file {path} not found", field="profile") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileValidationError(f"profile file {path} is not valid JSON: {exc}",
                                     field="profile") from None
    try:
        parse_query_profile(record, reference)
    except ProfileValidationError as exc:
        raise ProfileValidationError(f"profile file {path}: {exc}", field=exc.field) from None
    return dict(record)


def cmd_match(args: argparse.Namespace, out: Any) -> int:
    catalogue = load(args)
    filters = Filters(
        countries=split_values(args.country),
        world_regions=split_values(args.world_region),
        continents=split_values(args.continent),
        fields=split_values(args.field),
        kinds=split_values(args.kind),
        exclude_partners=args.exclude_partners,
        exclude_co_members=args.exclude_co_members,
        include_home=args.include_home,
        seen_at_work=args.seen_at_work,
    )
    if args.cluster:
        catalogue.get(args.cluster)  # fail on an unknown id before any model is loaded
    record = _read_profile_file(args.profile, catalogue.reference) if args.profile else None
    bundle = ensure_bundle(catalogue, args.embedder, models_dir=args.models,
                           config=load_config(args.data))
    matcher = Matcher(bundle)
    weights = Weights() if args.weights == "hand" else None
    options = {"top": args.top, "filters": filters, "diversity": not args.no_diversity,
               "weights": weights, "scope": args.scope, "strict": args.strict,
               "hide_relationships_of": args.hide_relationships_of}
    result = (matcher.match_record(record, **options) if record is not None
              else matcher.match(args.cluster, **options))
    if args.json:
        out.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_table(result))
    return 0


def format_table(result: MatchResult) -> str:
    q = result.query
    lines = [f"Partners for {q.name} ({q.id}, {q.country}) - {', '.join(q.fields) or 'no fields'}"]
    if result.scope == "cross_field":
        lines.append("  beyond your field: partners from other fields linked to these")
    for mapping in result.field_mappings:
        terms = ", ".join(mapping["terms"]) or "no match"
        lines.append(f"  field {mapping['given']!r} -> {terms} ({mapping['method']})")
    if not result.matches:
        lines.append("  no candidates pass the filters")
    for rank, m in enumerate(result.matches, start=1):
        lines.append(f"{rank:>3}. {m.score:.3f}  {m.name} [{m.id}] - {m.country}, {m.region}")
        wrapped = textwrap.fill(m.explanation.summary, width=96, initial_indent="       ",
                                subsequent_indent="       ")
        lines.append(wrapped)
    return "\n".join(lines) + "\n"


def cmd_stats(args: argparse.Namespace, out: Any) -> int:
    stats = load(args).stats()
    if args.json:
        out.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        return 0
    for key, value in stats.items():
        if isinstance(value, dict):
            out.write(f"{key}:\n")
            for k, v in value.items():
                out.write(f"  {k}: {v}\n")
        else:
            out.write(f"{key}: {value}\n")
    return 0


def cmd_catalogue(args: argparse.Namespace, out: Any) -> int:
    if args.action == "closeness":
        return cmd_closeness(args, out)
    from matcher.catalogue.curation import check_catalogue, format_report

    report = check_catalogue(args.data, Reference.load(args.reference))
    if args.json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_report(report))
    if report.errors:
        sys.stderr.write(f"clusterbridge: error: the catalogue check found {len(report.errors)} "
                         f"error(s) in {args.data}\n")
        return 1
    return 0


def cmd_closeness(args: argparse.Namespace, out: Any) -> int:
    """The runs of words a profile's texts share with pages it cites (saved as text files)."""
    from matcher.catalogue.curation import CLOSE_RUN, TEXT_FIELDS, closeness

    min_words = CLOSE_RUN if args.min_words is None else args.min_words
    if min_words < 2:
        raise ProfileValidationError(f"--min-words must be 2 or more, not {min_words}",
                                     field="min_words")
    profile = load(args).get(args.id)
    if args.candidate:
        profile = dataclasses.replace(profile, **_read_candidate(args.candidate))
    sources = []
    for path in args.sources:
        try:
            sources.append(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileValidationError(f"source text {path} cannot be read: {exc}",
                                         field="sources") from None
    runs = closeness(profile, sources, min_words)
    longest = max((run.count(" ") + 1 for found in runs.values() for run in found), default=0)
    if args.json:
        out.write(json.dumps({"id": profile.id, "min_words": min_words, "runs": runs,
                              "longest": longest}, ensure_ascii=False, indent=2) + "\n")
        return 0
    for name in TEXT_FIELDS:
        out.write(f"{name}: {len(runs[name])} run(s) of {min_words}+ words shared\n")
        for run in runs[name]:
            out.write(f"  [{run.count(' ') + 1}] {run}\n")
    out.write(f"longest shared run: {longest} words; names and fixed terms aside, reword runs of "
              f"{CLOSE_RUN} or more\n")
    return 0


def _read_candidate(path: str) -> dict[str, Any]:
    """The texts of a proposed rewording: a JSON object with ``description``, ``offers`` and/or
    ``seeks``, in place of the profile's own."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileValidationError(f"candidate file {path} cannot be read as JSON: {exc}",
                                     field="candidate") from None
    if not isinstance(record, dict):
        raise ProfileValidationError(f"candidate file {path} must hold a JSON object",
                                     field="candidate")
    texts: dict[str, Any] = {}
    for key, value in record.items():
        if key == "description" and isinstance(value, str):
            texts[key] = value
        elif key in ("offers", "seeks") and isinstance(value, list) and all(
                isinstance(item, str) for item in value):
            texts[key] = tuple(value)
        else:
            raise ProfileValidationError(
                f"candidate file {path}: {key!r} must be description (a string), offers or "
                f"seeks (lists of strings)", field=key)
    return texts


def cmd_export(args: argparse.Namespace, out: Any) -> int:
    with open_database(args) as store:
        store.export(Reference.load(args.reference), args.out)
        out.write(f"exported {store.location} to {args.out}\n")
    return 0


def add_parsers(sub: Any) -> None:
    """The subcommands of this module, each with its ``run``."""
    build = sub.add_parser("build", help="embed the catalogue and write the bundle into models/")
    build.set_defaults(run=cmd_build)

    match = sub.add_parser("match", help="suggest partners for a cluster or an ad-hoc profile")
    who = match.add_mutually_exclusive_group(required=True)
    who.add_argument("--cluster", help="catalogue profile id")
    who.add_argument("--profile", help="JSON file with an ad-hoc profile (name, country, description)")
    match.add_argument("--top", type=int, default=10)
    match.add_argument("--country", action="append", help="ISO codes, repeatable or comma-separated")
    match.add_argument("--world-region", action="append", help="UN M49 sub-region, e.g. 'Eastern Asia'")
    match.add_argument("--continent", action="append", help="e.g. Europe, Asia, North America")
    match.add_argument("--field", action="append", help="taxonomy term")
    match.add_argument("--kind", action="append", help="profile kind, e.g. 'cluster organisation'")
    match.add_argument("--exclude-partners", action="store_true",
                       help="leave out bilateral partners")
    match.add_argument("--exclude-co-members", action="store_true",
                       help="also leave out co-members of the query's networks")
    match.add_argument("--include-home", action="store_true", help="also suggest from the query's country")
    match.add_argument("--seen-at-work", action="store_true",
                       help=f"only partners a source of the last {FRESH_YEARS} years showed at work")
    match.add_argument("--no-diversity", action="store_true", help="rank by score only")
    match.add_argument("--weights", choices=["default", "hand"], default="default",
                       help="default: the catalogue's learned weights if it has them; hand: the "
                            "hand-set weights of matcher/config.py")
    match.add_argument("--scope", choices=["all", "cross_field"], default="all",
                       help="all: every candidate; cross_field: partners from other fields linked "
                            "to the query's (\"beyond your field\"), by two-sided need/offer fit")
    match.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True,
                       help="with --scope cross_field: no suggestion shares a field with the query "
                            "(default); --no-strict allows shared fields beside a new linked one")
    match.add_argument("--hide-relationships-of", metavar="ID", default=None,
                       help="with --profile: score it as the evaluation scores catalogue profile ID, "
                            "none of ID's relationships counting and ID not a candidate")
    match.add_argument("--json", action="store_true")
    match.set_defaults(run=cmd_match)

    catalogue = sub.add_parser("catalogue", help="curate the catalogue")
    catalogue_sub = catalogue.add_subparsers(dest="action", required=True)
    check = catalogue_sub.add_parser("check", help="list stubs, stand-ins, stale records, missing "
                                     "websites and texts that name related organisations")
    check.add_argument("--json", action="store_true")
    close = catalogue_sub.add_parser(
        "closeness", help="runs of words a profile's texts share with pages it cites")
    close.add_argument("id", help="catalogue profile id")
    close.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="text files, each the text of a page the profile cites")
    close.add_argument("--candidate", metavar="FILE",
                       help="JSON object with a proposed description, offers and/or seeks to "
                            "measure in place of the profile's own")
    close.add_argument("--min-words", type=int, default=None,
                       help="shortest run to list (default: CLOSE_RUN, 6)")
    close.add_argument("--json", action="store_true")
    catalogue.set_defaults(run=cmd_catalogue)

    stats = sub.add_parser("stats", help="counts of the catalogue")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=cmd_stats)

    export = sub.add_parser("export", help="write the service database in the catalogue format")
    database_option(export, "the service database")
    export.add_argument("--out", type=Path, required=True, help="directory to write")
    export.set_defaults(run=cmd_export)
