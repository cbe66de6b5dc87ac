"""The analysis commands: ``coverage`` (fields x world regions and their gaps), ``report`` (batch
reports), ``evaluate`` (quality against known partnerships), ``crosslingual`` and ``network``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.catalogue import (
    Catalogue,
)
from matcher.catalogue.languages import INTERFACE_LANGUAGES
from matcher.config import MatcherConfig
from matcher.engine.ranking import Matcher
from matcher.errors import InvalidInputError
from matcher.outcomes.feedback import MIN_FEEDBACK_LABELS, FeedbackLabels

if TYPE_CHECKING:
    pass

from .common import database_option, load, matcher_of, open_database, split_values

logger = logging.getLogger("clusterbridge")


def cmd_coverage(args: argparse.Namespace, out: Any) -> int:
    from matcher.analysis.coverage import compute_coverage, format_coverage

    coverage = compute_coverage(matcher_of(args), level=args.level, threshold=args.threshold)
    if args.json:
        out.write(json.dumps(coverage.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_coverage(coverage))
    return 0


def cmd_report(args: argparse.Namespace, out: Any) -> int:
    from matcher.reports import collect, parse_formats, write_report
    from matcher.reports.summary import reach_text

    formats = parse_formats(args.format)
    matcher = matcher_of(args)
    clusters = split_values(args.cluster)
    for cluster in clusters:
        matcher.catalogue.get(cluster)
    show = not args.quiet and sys.stderr.isatty()

    def progress(items: Any) -> Any:
        from tqdm import tqdm

        return tqdm(items, desc="clusters", unit="cluster", disable=not show, file=sys.stderr)

    dismissed = None
    if args.database is not None:
        with open_database(args) as store:
            dismissed = store.dismissed()
    start = time.perf_counter()
    data = collect(matcher, top=args.top, clusters=clusters, progress=progress, lang=args.lang,
                   dismissed=dismissed)
    names = write_report(data, args.out, formats)
    if not args.quiet:
        out.write(f"wrote {', '.join(names)} to {args.out} for {len(data.results)} clusters in "
                  f"{time.perf_counter() - start:.1f} s\n{reach_text(data)}\n")
    return 0


def _feedback_labels(args: argparse.Namespace, catalogue: Catalogue) -> FeedbackLabels | None:
    """The feedback labels of ``--database`` when ``--labels`` asks for them, restricted to
    pairs of the catalogue (a German query, an international candidate)."""
    from matcher.outcomes.feedback import feedback_labels

    asked = set(split_values([args.labels]))
    if asked - {"partnerships", "feedback"} or "partnerships" not in asked:
        raise InvalidInputError("labels: partnerships, optionally with feedback "
                                "(--labels partnerships,feedback)", field="labels")
    if "feedback" not in asked:
        return None
    with open_database(args) as store:
        history = store.feedback_history()
    labels, dropped = feedback_labels(history).restricted(
        (p.id for p in catalogue.german()), (p.id for p in catalogue.international()))
    if dropped:
        logger.warning("%d feedback labels name ids that are not a German cluster and an "
                       "international candidate of %s; left out", dropped, args.data)
    return labels


def cmd_evaluate(args: argparse.Namespace, out: Any) -> int:
    from matcher.evaluation import evaluate, format_table, save_learned_weights
    from matcher.evaluation.judged import JUDGED_SUBDIR, JUDGEMENTS_FILE, load_judgements

    feedback = _feedback_labels(args, load(args))
    matcher = matcher_of(args)
    if args.cross_field:
        from matcher.evaluation.cross_field import format_measures, measure

        measures = measure(matcher, top=10, seed=args.seed)
        out.write(json.dumps(measures.to_dict(), indent=2) + "\n" if args.json
                  else format_measures(measures))
        return 0
    hand = Matcher(matcher.bundle, MatcherConfig())  # the hand-set weights, as the `full` model
    judged = args.data / JUDGED_SUBDIR / JUDGEMENTS_FILE
    judgements = (load_judgements(judged, matcher.catalogue.by_id) if judged.exists() else None)
    result = evaluate(hand, seed=args.seed, temporal_split=args.temporal_split, shipped=matcher,
                      feedback=feedback, min_feedback=args.min_feedback, judgements=judgements)
    if args.save_weights:
        save_learned_weights(result, matcher.catalogue, args.data,
                             standardise=hand.config.standardise)
    if args.json:
        out.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        out.write(format_table(result))
    return 0


def cmd_crosslingual(args: argparse.Namespace, out: Any) -> int:
    from matcher.evaluation import LANGUAGE_QUERIES, crosslingual

    result = crosslingual(matcher_of(args), args.queries or LANGUAGE_QUERIES, top=args.top)
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


def cmd_network(args: argparse.Namespace, out: Any) -> int:
    from matcher.analysis.network import edges_csv, nodes_csv, partnership_network, to_graphml

    catalogue = load(args)
    view = partnership_network(catalogue, fields=split_values(args.field),
                               world_regions=split_values(args.world_region), edges=args.edges)
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


def add_parsers(sub: Any) -> None:
    """The subcommands of this module, each with its ``run``."""
    coverage = sub.add_parser("coverage", help="fields x world regions: partnerships and gaps")
    coverage.add_argument("--level", choices=["world_region", "continent"], default="world_region")
    coverage.add_argument("--threshold", type=float, default=None,
                          help="score of a strong match (default: the best 2%% of all pairs)")
    coverage.add_argument("--json", action="store_true")
    coverage.set_defaults(run=cmd_coverage)

    report = sub.add_parser("report", help="batch report of suggestions and coverage")
    report.add_argument("--out", type=Path, required=True, help="directory to write into")
    report.add_argument("--top", type=int, default=10)
    report.add_argument("--format", default="html,csv,xlsx,pdf", help="comma-separated formats")
    report.add_argument("--cluster", action="append", help="German cluster id(s); default all")
    report.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    report.add_argument("--lang", choices=INTERFACE_LANGUAGES, default=INTERFACE_LANGUAGES[0],
                        help="language of the HTML and PDF reports and their field, region and "
                             "country names")
    report.add_argument("--database", default=None,
                        help="the service database (a SQLite file or a postgresql:// URL) whose "
                             "dismissals each cluster's list leaves out, as its page does; "
                             "default: none applied")
    report.set_defaults(run=cmd_report)

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
    database_option(evaluate, "the service database holding the feedback (with --labels "
                     "...,feedback)")
    evaluate.add_argument("--min-feedback", type=int, default=MIN_FEEDBACK_LABELS,
                          help="positive feedback labels (not already partners) needed before "
                               "they take part in fitting the weights")
    evaluate.set_defaults(run=cmd_evaluate)

    crosslingual = sub.add_parser("crosslingual", help="German and French queries against English ones")
    crosslingual.add_argument("--queries", type=Path, default=None,
                              help="JSON Lines of paired queries (default: the shipped test set)")
    crosslingual.add_argument("--top", type=int, default=10)
    crosslingual.add_argument("--json", action="store_true")
    crosslingual.set_defaults(run=cmd_crosslingual)

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
    network.set_defaults(run=cmd_network)
