"""The ``clusterbridge`` command line: an edge that maps errors to one line and exit code 2.

Commands: ``build``, ``match``, ``stats``, ``catalogue check``, ``coverage``, ``report``,
``evaluate``, ``crosslingual``, ``network``, ``serve`` (the web service), ``export``, ``token``
(per-cluster tokens for feedback), ``outcomes`` (the funnel of what suggestions became).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.catalogue import (
    HOME_COUNTRY,
    Catalogue,
    Reference,
    load_catalogue,
    load_config,
    parse_query_profile,
)
from matcher.config import MatcherConfig, Weights, default_data_dir, default_database, default_models_dir
from matcher.engine.bundle import build_bundle, ensure_bundle
from matcher.engine.embedding import DEFAULT_EMBEDDER, EmbeddingCache, get_embedder
from matcher.engine.filters import Filters
from matcher.engine.ranking import Matcher, MatchResult
from matcher.errors import CatalogueError, ClusterBridgeError, InvalidInputError, ProfileValidationError
from matcher.outcomes.feedback import MIN_FEEDBACK_LABELS, FeedbackLabels

if TYPE_CHECKING:
    from matcher.store import ProfileStore

logger = logging.getLogger("clusterbridge")


def _split(values: Sequence[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated lists."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


def _catalogue(args: argparse.Namespace) -> Catalogue:
    return load_catalogue(args.data, Reference.load(args.reference))


def cmd_build(args: argparse.Namespace, out: Any) -> int:
    catalogue = _catalogue(args)
    embedder = get_embedder(args.embedder)
    cache = EmbeddingCache(args.models / "cache", embedder)
    start = time.perf_counter()
    path = build_bundle(catalogue, embedder, models_dir=args.models, cache=cache,
                        config=load_config(args.data))
    elapsed = time.perf_counter() - start
    out.write(f"built {path} ({len(catalogue)} profiles, {cache.misses} texts embedded, "
              f"{elapsed:.1f} s)\n")
    return 0


def _read_profile_file(path: str, reference: Reference) -> tuple[Any, list[dict[str, Any]]]:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileValidationError(f"profile file {path} not found", field="profile") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileValidationError(f"profile file {path} is not valid JSON: {exc}",
                                     field="profile") from None
    try:
        return parse_query_profile(record, reference)
    except ProfileValidationError as exc:
        raise ProfileValidationError(f"profile file {path}: {exc}", field=exc.field) from None


def cmd_match(args: argparse.Namespace, out: Any) -> int:
    catalogue = _catalogue(args)
    filters = Filters(
        countries=_split(args.country),
        world_regions=_split(args.world_region),
        continents=_split(args.continent),
        fields=_split(args.field),
        kinds=_split(args.kind),
        exclude_partners=args.exclude_partners,
        exclude_co_members=args.exclude_co_members,
        include_home=args.include_home,
    )
    if args.cluster:
        catalogue.get(args.cluster)  # fail on an unknown id before any model is loaded
    query: Any = args.cluster
    mappings: list[dict[str, Any]] = []
    if args.profile:
        query, mappings = _read_profile_file(args.profile, catalogue.reference)
    bundle = ensure_bundle(catalogue, args.embedder, models_dir=args.models,
                           config=load_config(args.data))
    matcher = Matcher(bundle)
    weights = Weights() if args.weights == "hand" else None
    result = matcher.match(query, top=args.top, filters=filters, diversity=not args.no_diversity,
                           weights=weights, scope=args.scope, strict=args.strict)
    if mappings:
        result = MatchResult(result.query, result.matches, mappings, result.candidates, result.scope)
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
    stats = _catalogue(args).stats()
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


def cmd_serve(args: argparse.Namespace, out: Any) -> int:  # pragma: no cover - runs a server
    from service.serving import run

    if args.workers is not None and args.workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, not {args.workers}", field="workers")
    run(host=args.host, port=args.port, workers=args.workers)
    return 0


def _database_option(parser: argparse.ArgumentParser, help: str) -> None:

    parser.add_argument("--database", default=os.environ.get("CLUSTERBRIDGE_DATABASE",
                                                             default_database()),
                        help=f"{help}: a SQLite file or a postgresql:// URL (default: "
                             "$CLUSTERBRIDGE_DATABASE, else models/clusterbridge.sqlite3)")


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[ProfileStore]:
    """The service database named by ``--database`` (a SQLite file, which must exist, or a
    ``postgresql://`` URL)."""
    from matcher.store import is_postgres, open_store

    if not is_postgres(args.database) and not Path(args.database).exists():
        raise ProfileValidationError(f"database {args.database} not found", field="database")
    store = open_store(args.database)
    try:
        yield store
    finally:
        store.close()


def cmd_export(args: argparse.Namespace, out: Any) -> int:
    with _store(args) as store:
        store.export(Reference.load(args.reference), args.out)
        out.write(f"exported {store.location} to {args.out}\n")
    return 0


def cmd_token(args: argparse.Namespace, out: Any) -> int:
    from matcher.outcomes import tokens
    from matcher.store import utc_now

    with _store(args) as store:
        if args.action == "create":
            profile = store.catalogue(Reference.load(args.reference)).get(args.cluster)
            if profile.country != HOME_COUNTRY:
                raise InvalidInputError(f"tokens are for German clusters; {args.cluster!r} is in "
                                        f"{profile.country}", field="cluster")
            token, record = tokens.issue(profile.id, utc_now())
            store.add_token(record)
            out.write(f"{token}\n")
            sys.stderr.write(f"token {record.id} for {profile.id}: shown once, only its digest is "
                             f"stored; revoke with `clusterbridge token revoke {record.id}`\n")
        elif args.action == "revoke":
            found = store.token(args.id)
            if found is None or not store.revoke_token(args.id, utc_now()):
                raise InvalidInputError(f"no live token with id {args.id!r}", field="id")
            out.write(f"revoked token {args.id} of {found.cluster}\n")
        else:
            records = store.tokens()
            if args.json:
                out.write(json.dumps([r.public() for r in records], indent=2) + "\n")
            for r in [] if args.json else records:
                state = f"revoked {r.revoked_at}" if r.revoked_at else "live"
                out.write(f"{r.id}  {r.cluster}  created {r.created_at}  {state}\n")
    return 0


def cmd_outcomes(args: argparse.Namespace, out: Any) -> int:
    from matcher.outcomes.feedback import catalogue_funnel, format_funnel

    with _store(args) as store:
        catalogue = store.catalogue(Reference.load(args.reference))
        result = catalogue_funnel(catalogue, store.suggested_pairs(), store.feedback_history())
    out.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n" if args.json
              else format_funnel(result))
    return 0


def _matcher(args: argparse.Namespace) -> Matcher:
    catalogue = _catalogue(args)
    return Matcher(ensure_bundle(catalogue, args.embedder, models_dir=args.models,
                                 config=load_config(args.data)))


def cmd_coverage(args: argparse.Namespace, out: Any) -> int:
    from matcher.analysis.coverage import compute_coverage, format_coverage

    coverage = compute_coverage(_matcher(args), level=args.level, threshold=args.threshold)
    if args.json:
        out.write(json.dumps(coverage.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_coverage(coverage))
    return 0


def cmd_report(args: argparse.Namespace, out: Any) -> int:
    from matcher.reports import collect, parse_formats, write_report

    formats = parse_formats(args.format)
    matcher = _matcher(args)
    clusters = _split(args.cluster)
    for cluster in clusters:
        matcher.catalogue.get(cluster)
    show = not args.quiet and sys.stderr.isatty()

    def progress(items: Any) -> Any:
        from tqdm import tqdm

        return tqdm(items, desc="clusters", unit="cluster", disable=not show, file=sys.stderr)

    dismissed = None
    if args.database is not None:
        with _store(args) as store:
            dismissed = store.dismissed()
    start = time.perf_counter()
    data = collect(matcher, top=args.top, clusters=clusters, progress=progress, lang=args.lang,
                   dismissed=dismissed)
    names = write_report(data, args.out, formats)
    if not args.quiet:
        out.write(f"wrote {', '.join(names)} to {args.out} for {len(data.results)} clusters in "
                  f"{time.perf_counter() - start:.1f} s\n")
    return 0


def _feedback_labels(args: argparse.Namespace, catalogue: Catalogue) -> FeedbackLabels | None:
    """The feedback labels of ``--database`` when ``--labels`` asks for them, restricted to
    pairs of the catalogue (a German query, an international candidate)."""
    from matcher.outcomes.feedback import feedback_labels

    asked = set(_split([args.labels]))
    if asked - {"partnerships", "feedback"} or "partnerships" not in asked:
        raise InvalidInputError("labels: partnerships, optionally with feedback "
                                "(--labels partnerships,feedback)", field="labels")
    if "feedback" not in asked:
        return None
    with _store(args) as store:
        history = store.feedback_history()
    labels, dropped = feedback_labels(history).restricted(
        (p.id for p in catalogue.german()), (p.id for p in catalogue.international()))
    if dropped:
        logger.warning("%d feedback labels name ids that are not a German cluster and an "
                       "international candidate of %s; left out", dropped, args.data)
    return labels


def cmd_evaluate(args: argparse.Namespace, out: Any) -> int:
    from matcher.evaluation.protocol import evaluate, format_table, save_learned_weights

    feedback = _feedback_labels(args, _catalogue(args))
    matcher = _matcher(args)
    if args.cross_field:
        from matcher.evaluation.cross_field import format_measures, measure

        measures = measure(matcher, top=10, seed=args.seed)
        out.write(json.dumps(measures.to_dict(), indent=2) + "\n" if args.json
                  else format_measures(measures))
        return 0
    hand = Matcher(matcher.bundle, MatcherConfig())  # the hand-set weights, as the `full` model
    result = evaluate(hand, seed=args.seed, temporal_split=args.temporal_split, shipped=matcher,
                      feedback=feedback, min_feedback=args.min_feedback)
    if args.save_weights:
        save_learned_weights(result, matcher.catalogue, args.data,
                             standardise=hand.config.standardise)
    if args.json:
        out.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        out.write(format_table(result))
    return 0


def cmd_network(args: argparse.Namespace, out: Any) -> int:
    from matcher.analysis.network import edges_csv, nodes_csv, partnership_network, to_graphml

    catalogue = _catalogue(args)
    view = partnership_network(catalogue, fields=_split(args.field),
                               world_regions=_split(args.world_region), edges=args.edges)
    if args.format == "summary":
        c = view.counts
        lines = [f"{c['nodes']} profiles ({c['german']} German), {c['bilateral']} bilateral ties, "
                 f"{c['co_membership']} co-membership ties",
                 "brokers (betweenness): " + ", ".join(
                     f"{b} ({view.metrics[b].betweenness:.3f})" for b in view.brokers),
                 f"German clusters without an international tie ({len(view.without_international_tie)}): "
                 + ", ".join(view.without_international_tie)]
        out.write("\n".join(lines) + "\n")
        return 0
    body = {"json": lambda: json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n",
            "graphml": lambda: to_graphml(view.graph, view.metrics).decode("utf-8"),
            "csv": lambda: edges_csv(view.graph) if args.table == "edges"
            else nodes_csv(view.graph, view.metrics)}[args.format]()
    if args.out is None:
        out.write(body)
        return 0
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(args.out)
    out.write(f"wrote {args.out} ({view.counts['nodes']} profiles, {view.counts['edges']} ties)\n")
    return 0


def cmd_crosslingual(args: argparse.Namespace, out: Any) -> int:
    from matcher.evaluation.protocol import LANGUAGE_QUERIES, crosslingual

    result = crosslingual(_matcher(args), args.queries or LANGUAGE_QUERIES, top=args.top)
    if args.json:
        out.write(json.dumps({"embedder": args.embedder, "languages": result}, indent=2) + "\n")
        return 0
    for lang, m in result.items():
        def fmt(x: dict[str, Any]) -> str:
            if x["value"] is None:
                return "n/a"
            return f"{x['value']:.3f} [{x['ci95'][0]:.2f}, {x['ci95'][1]:.2f}]"

        out.write(f"{args.embedder} {lang} (n = {m['n']}): top-{args.top} overlap with English "
                  f"{fmt(m['overlap'])}; known partner found ({m['n_with_partners']} queries) "
                  f"top 10 {fmt(m['partner_hit@10'])} vs English {fmt(m['english_partner_hit@10'])}, "
                  f"top 20 {fmt(m['partner_hit@20'])} vs English {fmt(m['english_partner_hit@20'])}; "
                  f"most frequent profile in {m['max_share']:.0%} of the lists; hubs: "
                  + (", ".join(f"{h['id']} ({h['share']:.0%}, text {h['text_language']})"
                               for h in m["hubs"]) or "none") + "\n")
    return 0


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

    sub.add_parser("build", help="embed the catalogue and write the bundle into models/")

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
    match.add_argument("--json", action="store_true")

    catalogue = sub.add_parser("catalogue", help="curate the catalogue")
    catalogue_sub = catalogue.add_subparsers(dest="action", required=True)
    check = catalogue_sub.add_parser("check", help="list stubs, stand-ins, stale records, missing "
                                     "websites and texts that name related organisations")
    check.add_argument("--json", action="store_true")

    stats = sub.add_parser("stats", help="counts of the catalogue")
    stats.add_argument("--json", action="store_true")

    coverage = sub.add_parser("coverage", help="fields x world regions: partnerships and gaps")
    coverage.add_argument("--level", choices=["world_region", "continent"], default="world_region")
    coverage.add_argument("--threshold", type=float, default=None,
                          help="score of a strong match (default: the best 2%% of all pairs)")
    coverage.add_argument("--json", action="store_true")

    report = sub.add_parser("report", help="batch report of suggestions and coverage")
    report.add_argument("--out", type=Path, required=True, help="directory to write into")
    report.add_argument("--top", type=int, default=10)
    report.add_argument("--format", default="html,csv,xlsx,pdf", help="comma-separated formats")
    report.add_argument("--cluster", action="append", help="German cluster id(s); default all")
    report.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    report.add_argument("--lang", choices=["en", "de"], default="en",
                        help="language of the HTML and PDF reports and their field, region and "
                             "country names")
    report.add_argument("--database", default=None,
                        help="the service database (a SQLite file or a postgresql:// URL) whose "
                             "dismissals each cluster's list leaves out, as its page does; "
                             "default: none applied")

    evaluate = sub.add_parser("evaluate", help="hit@k, MRR, nDCG against known partnerships")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--temporal-split", type=int, default=2018,
                          help="learn on partnerships up to this year, test on later ones")
    evaluate.add_argument("--save-weights", action="store_true",
                          help="write the learned weights to DATA/learned_weights.json")
    evaluate.add_argument("--cross-field", action="store_true",
                          help="measure the 'beyond your field' list against the main list instead")
    evaluate.add_argument("--labels", default="partnerships",
                          help="partnerships (default), or partnerships,feedback: also the "
                               "suggestions cluster managers marked, read from --database")
    _database_option(evaluate, "the service database holding the feedback (with --labels "
                     "...,feedback)")
    evaluate.add_argument("--min-feedback", type=int, default=MIN_FEEDBACK_LABELS,
                          help="positive feedback labels (not already partners) needed before "
                               "they take part in fitting the weights")

    crosslingual = sub.add_parser("crosslingual", help="German and French queries against English ones")
    crosslingual.add_argument("--queries", type=Path, default=None,
                              help="JSON Lines of paired queries (default: the shipped test set)")
    crosslingual.add_argument("--top", type=int, default=10)
    crosslingual.add_argument("--json", action="store_true")

    network = sub.add_parser("network", help="the partnership network: degree, brokers, German "
                             "clusters without an international tie; GraphML, CSV or JSON")
    network.add_argument("--field", action="append", help="taxonomy term")
    network.add_argument("--world-region", action="append",
                         help="partners' UN M49 sub-region (German clusters always stay)")
    network.add_argument("--edges", choices=["all", "bilateral", "co_membership"], default="all")
    network.add_argument("--format", choices=["summary", "json", "graphml", "csv"],
                         default="summary")
    network.add_argument("--table", choices=["edges", "nodes"], default="edges",
                         help="with --format csv: the ties or the profiles")
    network.add_argument("--out", type=Path, default=None, help="file to write (default stdout)")

    serve = sub.add_parser("serve", help="run the web pages and JSON API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: the number of cores); they share the "
                            "database and see each other's writes within a second")

    export = sub.add_parser("export", help="write the service database in the catalogue format")
    _database_option(export, "the service database")
    export.add_argument("--out", type=Path, required=True, help="directory to write")

    token = sub.add_parser("token", help="per-cluster tokens that let a cluster's managers mark "
                           "its suggestions (stored as salted digests)")
    _database_option(token, "the service database")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="issue a token for a German cluster; printed once")
    create.add_argument("--cluster", required=True, help="German cluster id")
    revoke = token_sub.add_parser("revoke", help="revoke a token by its id (at the next request)")
    revoke.add_argument("id", help="the token's id (token list shows it)")
    listing = token_sub.add_parser("list", help="ids, clusters, dates; never the tokens")
    listing.add_argument("--json", action="store_true")

    outcomes = sub.add_parser("outcomes", help="the funnel suggested -> interested -> contacted -> "
                              "meeting -> agreement, by field and world region, beside the 10.5%% "
                              "meeting-to-MoU anchor")
    _database_option(outcomes, "the service database")
    outcomes.add_argument("--json", action="store_true")
    return parser


COMMANDS = {"build": cmd_build, "match": cmd_match, "stats": cmd_stats, "serve": cmd_serve,
            "catalogue": cmd_catalogue,
            "export": cmd_export, "coverage": cmd_coverage,
            "report": cmd_report, "evaluate": cmd_evaluate, "crosslingual": cmd_crosslingual,
            "network": cmd_network, "token": cmd_token, "outcomes": cmd_outcomes}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return COMMANDS[args.command](args, sys.stdout)
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
