"""How much should the "beyond your field" list hold a candidate's typical fit against it?

For each weight given (``MatcherConfig.cross_field_typical_weight``), the strict cross-field
top 10 of every German cluster on the shipped catalogue: the mean two-sided need/offer fit of the
suggestions, with the paired difference to the first weight given (bootstrap interval over the
clusters); their mean typical fit; how concentrated the lists are (the share of lists holding the
most suggested profile, the share of slots the ten most suggested hold, the Gini coefficient,
how many profiles appear at all); and how many of the known cross-field partnerships each finds
(see :mod:`matcher.evaluation.cross_field`).

    .venv/bin/python scripts/experiment_typical_fit.py 0 0.1 0.2 0.25 0.3 0.5 1
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from matcher import Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.evaluation.cross_field import cross_field_partnerships, found
from matcher.evaluation.metrics import exposure_of, paired_difference


def main(weights: list[float]) -> None:
    config = load_config()
    bundle = ensure_bundle(load_catalogue(), "fused", config=config)
    catalogue = bundle.catalogue
    pairs = cross_field_partnerships(catalogue)
    n_pairs = sum(len(p) for p in pairs.values())
    every = [p.id for p in catalogue.profiles]
    first: list[dict[str, float]] = []
    for weight in weights:
        matcher = Matcher(bundle, dataclasses.replace(config, cross_field_typical_weight=weight))
        per_query, lists = [], []
        for query in catalogue.german():
            matches = matcher.match(query, top=10, scope="cross_field").matches
            lists.append([m.id for m in matches])
            per_query.append({
                "fit": float(np.mean([m.explanation.components["complementarity"] for m in matches]))
                if matches else 0.0,
                "typical": float(np.mean([matcher.typical[matcher.row[m.id]] for m in matches]))
                if matches else 0.0})
        first = first or per_query
        hits = sum(found(matcher.match(pid, top=10, scope="cross_field"), partners)
                   for pid, partners in sorted(pairs.items()))
        e = exposure_of(lists, every)
        diff = paired_difference(per_query, first, ["fit"], seed=0)["fit"]
        print(f"weight {weight:.2f}: fit {np.mean([q['fit'] for q in per_query]):.4f} "
              f"({diff['value']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}] against "
              f"{weights[0]:.2f}), typical fit {np.mean([q['typical'] for q in per_query]):.4f}, "
              f"most suggested in {e['max_share']:.1%} of lists, the 10 most suggested hold "
              f"{e['share_of_top_10']:.1%} of slots, Gini {e['gini']:.3f}, "
              f"{len(every) - e['never_suggested']} profiles shown, partners found {hits} of "
              f"{n_pairs}; most: " + ", ".join(f"{h['id']} ({h['count']})"
                                              for h in e["most_suggested"][:3]))


if __name__ == "__main__":
    main([float(w) for w in sys.argv[1:]] or [0.0, 0.25])
