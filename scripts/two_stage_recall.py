"""Two-stage ranking against exact scoring on the shipped catalogue, the two stages forced.

    .venv/bin/python scripts/two_stage_recall.py [SAMPLE ...]

For each complementarity sample size (default 200 300 500), every German cluster's top 10 (main
list and "beyond your field") with ``two_stage_from`` at 1 against the same bundle ranked exactly:
recall@10 over all queries together and the largest gap between the scores shown in both (the
comparison of ``tests/test_two_stage.py``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.engine.embedding import DEFAULT_EMBEDDER
from tests.test_two_stage import EXACT, compare


def main() -> None:
    samples = [int(x) for x in sys.argv[1:]] or [200, 300, 500]
    bundle = ensure_bundle(load_catalogue(), DEFAULT_EMBEDDER, config=load_config())
    german = [p.id for p in bundle.catalogue.german()]
    print(f"{len(bundle.catalogue.profiles)} profiles, {len(german)} German queries")
    for sample in samples:
        cfg = replace(bundle.config, two_stage_from=1, two_stage_keep=1, two_stage_sample=sample)
        fast, exact = Matcher(bundle, cfg), Matcher(bundle, replace(cfg, two_stage_from=EXACT))
        for scope in ("all", "cross_field"):
            recall, gap = compare(fast, exact, german, scope)
            print(f"sample {sample}, {scope}: recall@10 {recall:.4f}, largest score gap {gap:.4f}")


if __name__ == "__main__":
    main()
