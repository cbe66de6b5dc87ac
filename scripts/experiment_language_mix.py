"""Experiment, not shipped: language-aware scoring of ad-hoc queries (issue #24, lever 2).

    .venv/bin/python scripts/experiment_language_mix.py {base,multilingual,nolex,multilingual-nolex}

Runs ``clusterbridge crosslingual`` (German and French queries against separately written English
ones) as shipped and then with one change for queries whose text is not English
(``languages.detect``), and prints each language's measures for both with the paired difference
(variant minus shipped, a bootstrap 95% interval over the same queries):
``multilingual`` scores them with the multilingual half of the fused vectors only (the MiniLM half
of the query's vectors set to zero, the USE half scaled by sqrt(2), so a cosine is the USE
cosine); ``nolex`` sets their lexical component to zero; ``multilingual-nolex`` both. English
queries and catalogue profiles are scored as shipped.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from matcher import Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.catalogue.languages import detect
from matcher.engine import ranking
from matcher.engine.embedding import MINILM, get_embedder
from matcher.evaluation.crosslingual import query_results
from matcher.evaluation.metrics import paired_difference

VARIANTS = ("base", "multilingual", "nolex", "multilingual-nolex")


def main() -> None:
    variant = sys.argv[1] if len(sys.argv) > 1 else "base"
    if variant not in VARIANTS:
        sys.exit(f"variant must be one of {', '.join(VARIANTS)}")
    matcher = Matcher(ensure_bundle(load_catalogue(), "fused", config=load_config()))
    base = query_results(matcher)
    split = get_embedder(MINILM).dimension  # fused = [MiniLM, USE], each scaled by 1/sqrt(2)

    def foreign(self: ranking.Matcher, query: ranking.Profile) -> bool:
        return query.id not in self.row and detect(query.description) != "en"

    if variant.startswith("multilingual"):
        query_arrays = ranking.Matcher._query_arrays

        def multilingual(self: ranking.Matcher, query: ranking.Profile) -> ranking.QueryArrays:
            arrays = query_arrays(self, query)
            if not foreign(self, query):
                return arrays

            def use_half(x: np.ndarray) -> np.ndarray:
                x = np.array(x, copy=True)
                x[..., :split] = 0.0
                x[..., split:] *= np.sqrt(2.0)
                return x

            return ranking.QueryArrays(use_half(arrays.profile), use_half(arrays.seeks),
                                       use_half(arrays.offers), arrays.lexical)

        ranking.Matcher._query_arrays = multilingual  # type: ignore[method-assign]
    if variant.endswith("nolex"):
        components = ranking.Matcher.components

        def without_lexical(self, query, candidates, arrays):  # type: ignore[no-untyped-def]
            out = components(self, query, candidates, arrays)
            if foreign(self, query):
                out["lexical"] = np.zeros_like(out["lexical"])
            return out

        ranking.Matcher.components = without_lexical  # type: ignore[method-assign]
    changed = query_results(matcher)
    for lang in sorted({r["lang"] for r in base}):
        pairs = [(b, c) for b, c in zip(base, changed, strict=True) if b["lang"] == lang]
        parts = []
        for name in ("overlap", "hit@10", "hit@20", "english_hit@10", "english_hit@20"):
            kept = [(b, c) for b, c in pairs if b[name] is not None]
            diff = paired_difference([c for _, c in kept], [b for b, _ in kept], [name], seed=0)
            lo, hi = diff[name]["ci95"]
            parts.append(f"{name} {np.mean([b[name] for b, _ in kept]):.3f} -> "
                         f"{np.mean([c[name] for _, c in kept]):.3f} "
                         f"({diff[name]['value']:+.3f} [{lo:+.3f}, {hi:+.3f}])")
        print(f"{variant} {lang} (n = {len(pairs)}, {sum(b['hit@10'] is not None for b, _ in pairs)} "
              f"with partners): " + "; ".join(parts))


if __name__ == "__main__":
    main()
