"""Experiment, not shipped: a prior on the candidate's kind learned from other clusters' ties
(issue #24, lever 3).

    .venv/bin/python scripts/experiment_kind_prior.py

For each query, the rate at which the other German clusters' international ties end at each kind
of organisation (cluster organisation, network, agency, research institution, technology park,
...; add-one smoothed, the query's own ties never counted), standardised, joins the six components
as a seventh feature of the learned weights (5-fold cross-validation grouped by German cluster).
Prints partner hit@10 / MRR and the judged measures against the learned weights and TF-IDF, with
paired intervals.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from protocol_setup import protocol_set, report_extra_feature


def main() -> None:
    catalogue, _, es = protocol_set()
    german = {p.id for p in catalogue.german()}
    kinds = sorted({c.kind for c in es.candidates})
    count = {k: sum(c.kind == k for c in es.candidates) for k in kinds}
    ends: dict[str, list[str]] = {}
    for link in catalogue.relationships.labels():
        for a, b in ((link.a, link.b), (link.b, link.a)):
            if a in german and catalogue.by_id[b].country != "DE":
                ends.setdefault(a, []).append(catalogue.by_id[b].kind)

    def prior(i: int) -> np.ndarray:
        query = es.queries[i].profile.id
        tally = dict.fromkeys(kinds, 1.0)  # add-one smoothing
        for g, found in ends.items():
            if g != query:  # never the query's own ties
                for k in found:
                    tally[k] += 1
        rate = {k: tally[k] / (count[k] + 1) for k in kinds}
        v = np.asarray([rate[c.kind] for c in es.candidates])
        return (v - v.mean()) / v.std()

    report_extra_feature(catalogue, es, "kind prior", prior)


if __name__ == "__main__":
    main()
