"""The evaluation as text tables, as ``clusterbridge evaluate`` prints them.
"""

from __future__ import annotations

from typing import Any

from .judged import POOL_DEPTH, POOL_MODELS
from .protocol import SHIPPED, EvaluationResult


def format_table(result: EvaluationResult) -> str:
    cols = ["hit@1", "hit@5", "hit@10", "hit@20", "recall@10", "mrr", "ndcg@10", "country_hit@10"]
    protocol = result.protocol
    lines = [f"protocol: {protocol['name']}; n_queries = {result.n_queries} ({protocol['queries']})",
             "", *_metrics_table(result.models, cols), ""]
    lines.append("learned weights: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                  result.learned_weights.items()))
    if SHIPPED in result.models:
        lines.append(f"{SHIPPED}: the weights the service ranks with (the saved learned weights), "
                     "fitted on the partner labels of an earlier catalogue whose queries are "
                     "mostly among these: its partner metrics are not cross-validated, its judged "
                     "ones are fair")
    for a, b in result.paired_pairs():
        paired = result.paired(a, b)["metrics"]
        lines.append(f"{a} - {b}, paired over the same queries: " + ", ".join(
            f"{name} {d['value']:+.3f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}]"
            for name, d in paired.items()))
    if result.labels is not None:
        lab = result.labels
        moves = ("yes" if lab["feedback_moves_weights"] else
                 f"no, fewer than {lab['min_feedback_for_weights']} new positive labels; the "
                 "weights are fitted on the partnerships alone")
        dismissed = lab["dismissed_in_top_10"]
        shown = ", ".join(f"{name} {d['value']:.3f}" for name, d in dismissed.items()
                          if d["value"] is not None)
        n = next(iter(dismissed.values()))["n_queries"]
        lines += [f"labels: {lab['partnership_pairs']} partnership pairs + feedback "
                  f"({lab['feedback_positive']} positive, {lab['feedback_positive_new']} of them "
                  f"not already partners; {lab['feedback_dismissed']} marked not relevant); "
                  f"feedback moves the weights: {moves}",
                  f"share of the candidates marked not relevant still in the top 10 ({n} queries; "
                  f"lower is better): {shown or 'none marked'}"]
    if result.judged is not None:
        j = result.judged
        lines += ["", f"judged set: {j['n_judgements']} judgements (0-3, blind, pooled top "
                      f"{POOL_DEPTH} of {', '.join(POOL_MODELS)}) on {j['n_queries']} queries", "",
                  *_metrics_table(j["models"], ["ndcg@10", "excellent@10", "judged@10"])]
        for paired in j["paired_differences"]:
            a, b = paired["models"]
            lines.append(f"{a} - {b}, paired: " + ", ".join(
                f"{name} {d['value']:+.3f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}]"
                for name, d in paired["metrics"].items()))
        check = j["known_partners_vs_others"]
        lines.append("check of the judges: " + ", ".join(
            f"{name} {c['n']} judged, mean grade {c['mean_grade']:.2f}, excellent {c['excellent']:.0%}"
            for name, c in (("known partners", check["partners"]),
                            ("other candidates", check["others"]))))
    if result.temporal and result.temporal.get("models"):
        t = result.temporal
        lines += ["", f"temporal split: learn on partnerships up to {t['split']} "
                      f"({t['n_train_queries']} queries), test on later ones ({t['n_queries']} queries)",
                  "", "| model | hit@10 | mrr |", "|---|---|---|"]
        for name, metrics in t["models"].items():
            lines.append(f"| {name} | {metrics['hit@10']['value']:.3f} "
                         f"[{metrics['hit@10']['ci95'][0]:.2f}, {metrics['hit@10']['ci95'][1]:.2f}] | "
                         f"{metrics['mrr']['value']:.3f} [{metrics['mrr']['ci95'][0]:.2f}, "
                         f"{metrics['mrr']['ci95'][1]:.2f}] |")
    for name, table in result.secondary.items():
        lines += ["", f"{name}: n_queries = {table['n_queries']} ({table['description']})", "",
                  *_metrics_table(table["models"], ["hit@10", "hit@20", "mrr", "ndcg@10"])]
    if result.exposure:
        e = result.exposure
        share = next(v for k, v in e.items() if k.startswith("share_of_top_"))
        lines += ["", f"exposure of the shipped ranking over {e['slots']} top-{e['top']} slots: "
                      f"the {len(e['most_suggested'])} most suggested profiles hold {share:.3f}, "
                      f"Gini {e['gini']:.3f}, never suggested {e['never_suggested']}; most: "
                      + ", ".join(f"{m['id']} ({m['count']})" for m in e["most_suggested"])]
    return "\n".join(lines) + "\n"


def _metrics_table(models: dict[str, dict[str, dict[str, Any]]], cols: list[str]) -> list[str]:
    lines = ["| model | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, metrics in models.items():
        cells = [f"{metrics[c]['value']:.3f} [{metrics[c]['ci95'][0]:.2f}, {metrics[c]['ci95'][1]:.2f}]"
                 for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines
