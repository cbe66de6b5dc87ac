"""Learned weights: a logistic regression on the score components, fitted with cross-validation
grouped by German cluster so that no query's own partnerships score it, and saved to data/.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..config import COMPONENTS, Weights
from ..errors import InvalidInputError, NotFittedError
from .metrics import Array
from .models import Model, linear
from .sets import EvaluationSet


class WeightLearner:
    """Logistic regression on the score components; ``weights_`` are its clipped, normalised
    coefficients. Estimator conventions: settings in ``__init__``, ``fit`` returns ``self``."""

    def __init__(self, C: float = 1.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed

    def fit(self, features: Array, labels: npt.NDArray[np.int64]) -> WeightLearner:
        from sklearn.linear_model import LogisticRegression

        if labels.sum() == 0 or labels.sum() == len(labels):
            raise InvalidInputError("weights need both partners and non-partners to learn from",
                                    field="labels")
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                   random_state=self.seed)
        model.fit(features, labels)
        coef = np.clip(model.coef_[0], 0.0, None)
        if coef.sum() <= 0:
            coef = np.ones_like(coef)
        self.coef_ = model.coef_[0].copy()
        self.weights_ = Weights(**{c: round(float(v / coef.sum()), 4)
                                   for c, v in zip(COMPONENTS, coef, strict=True)})
        return self

    @property
    def weights(self) -> Weights:
        if not hasattr(self, "weights_"):
            raise NotFittedError("WeightLearner is not fitted; call fit first")
        return self.weights_


def training_data(es: EvaluationSet, queries: Sequence[int], *,
                  use_feedback: bool = True) -> tuple[Array, npt.NDArray[np.int64]]:
    """Features and labels of ``queries``; without ``use_feedback`` the labels that come from
    feedback only are left out, and so is a query left without any label."""
    labels = {i: es.queries[i].hidden - (set() if use_feedback else es.queries[i].from_feedback)
              for i in queries}
    kept = [i for i in queries if labels[i]]
    if not kept:
        raise InvalidInputError("no query with a label to learn the weights from (with feedback "
                                "below its minimum, try fewer folds)", field="labels")
    x = np.concatenate([es.queries[i].features for i in kept])
    y = np.concatenate([np.isin(np.arange(len(es.candidates)), list(labels[i]))
                        for i in kept]).astype(np.int64)
    return x, y


def cross_validated_learned(es: EvaluationSet, *, folds: int, seed: int,
                            use_feedback: bool = True) -> tuple[Model, list[Weights]]:
    """A model scoring each query with weights fitted on the other folds' queries only."""
    from sklearn.model_selection import GroupKFold

    n = len(es.queries)
    folds = max(2, min(folds, n))
    fold_weights: dict[int, Weights] = {}
    learned: list[Weights] = []
    splitter = GroupKFold(n_splits=folds)
    for train, test in splitter.split(np.zeros(n), groups=np.arange(n)):
        weights = WeightLearner(seed=seed).fit(
            *training_data(es, train, use_feedback=use_feedback)).weights
        learned.append(weights)
        for i in test:
            fold_weights[int(i)] = weights

    def model(es_: EvaluationSet, i: int) -> Array:
        return linear(fold_weights[i])(es_, i)

    return model, learned
