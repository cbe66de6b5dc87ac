"""What the evaluation scripts share: the protocol's evaluation set on the shipped catalogue.

``from protocol_setup import protocol_set`` in a script of this folder (the scripts put the
project root and this folder on ``sys.path``).
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matcher import Catalogue, Matcher, ensure_bundle, load_catalogue
from matcher.catalogue import load_config
from matcher.config import MatcherConfig
from matcher.engine.embedding import DEFAULT_EMBEDDER
from matcher.evaluation import EvaluationSet, build_set


def protocol_set(models_dir: Path | None = None) -> tuple[Catalogue, Matcher, EvaluationSet]:
    """The catalogue, a matcher with the hand-set weights (the protocol's ``full`` model) on the
    current bundle (built if missing), and the evaluation set of ``clusterbridge evaluate``."""
    catalogue = load_catalogue()
    shipped = Matcher(ensure_bundle(catalogue, DEFAULT_EMBEDDER, models_dir=models_dir,
                                    config=load_config()))
    hand = Matcher(shipped.bundle, MatcherConfig())
    return catalogue, hand, build_set(hand)
