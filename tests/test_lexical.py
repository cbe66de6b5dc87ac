"""TF-IDF on hand-made texts with known values."""

import math

import numpy as np
import pytest

from matcher.engine.lexical import LexicalModel


def test_fit_transform_known_values() -> None:
    model, rows = LexicalModel.fit_transform(["laser laser optics", "optics fibres", "the of 2024"])
    assert sorted(model.vocabulary) == ["fibres", "laser", "optics"]  # stop words, numbers dropped
    idf = dict(zip(sorted(model.vocabulary), model.idf, strict=True))
    assert idf["laser"] == pytest.approx(math.log(4 / 2) + 1)
    assert idf["optics"] == pytest.approx(math.log(4 / 3) + 1)
    first = rows[0].toarray().ravel()
    laser = (1 + math.log(2)) * idf["laser"]
    optics = idf["optics"]
    norm = math.hypot(laser, optics)
    assert first[model.vocabulary["laser"]] == pytest.approx(laser / norm, rel=1e-5)
    assert first[model.vocabulary["optics"]] == pytest.approx(optics / norm, rel=1e-5)
    assert rows[2].nnz == 0  # nothing but stop words: an empty row, not NaN


def test_transform_ignores_unknown_words_and_matches_fit() -> None:
    texts = ["laser optics", "optics fibres"]
    model, rows = LexicalModel.fit_transform(texts)
    np.testing.assert_allclose(model.transform(texts).toarray(), rows.toarray(), rtol=1e-6)
    query = model.transform(["laser welding robots"]).toarray().ravel()
    assert query[model.vocabulary["laser"]] == pytest.approx(1.0)
