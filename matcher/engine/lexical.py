"""Lexical similarity: TF-IDF vectors of the profile words, fitted on the catalogue.

The embedding captures meaning; TF-IDF captures the rare words two profiles share (a programme,
a technology, a place). Fitted at build time and stored in the bundle as its vocabulary, idf
weights and the rows of every profile (no pickle). Tokens are lower-cased words of two or more
letters without the function words of English, German and French (so that two texts are never
similar for sharing a language); ``tf = 1 + ln(count)``, ``idf = ln((1 + n) / (1 + df)) + 1``;
rows are L2-normalised, so a dot product is a cosine in [0, 1].
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..catalogue.languages import stop_words
from ..catalogue.profiles import Profile

TOKEN = re.compile(r"(?u)\b\w\w+\b")
#: Changes whenever tokenising changes, so that bundles fitted with other tokens are rebuilt
#: (2: the function words of German and French are stop words too).
TOKENIZER_VERSION = 2


def profile_words(profile: Profile) -> str:
    """Fields, description, offers and seeks (not the name: it says little of the work)."""
    return " ".join([" ".join(profile.fields), profile.description, " ".join(profile.offers),
                     " ".join(profile.seeks)])


def tokens(text: str, stop: frozenset[str]) -> list[str]:
    return [t for t in TOKEN.findall(text.casefold()) if t not in stop and not t.isdigit()]


@dataclass
class LexicalModel:
    """Vocabulary (term -> column) and idf (V,) float32."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]

    @classmethod
    def fit_transform(cls, texts: Sequence[str]) -> tuple[LexicalModel, sparse.csr_matrix]:
        """Fit on ``texts`` and return their rows, tokenising each text once."""
        stop = stop_words()
        counted = [Counter(tokens(text, stop)) for text in texts]
        df: Counter[str] = Counter()
        for counts in counted:
            df.update(counts.keys())
        terms = sorted(df)
        n = len(texts)
        idf = np.asarray([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
        model = cls({t: i for i, t in enumerate(terms)}, idf)
        return model, model._rows(counted)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """(len(texts), V) float32 CSR, rows L2-normalised; unknown words are ignored."""
        stop = stop_words()
        return self._rows([Counter(t for t in tokens(text, stop) if t in self.vocabulary)
                           for text in texts])

    def _rows(self, counted: Sequence[Counter[str]]) -> sparse.csr_matrix:
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for counts in counted:
            pairs = sorted((self.vocabulary[t], c) for t, c in counts.items())
            cols = [col for col, _ in pairs]
            values = np.asarray([(1.0 + math.log(c)) * self.idf[col] for col, c in pairs])
            norm = float(np.linalg.norm(values)) if len(values) else 0.0
            data.extend((values / norm).tolist() if norm else [])
            indices.extend(cols if norm else [])
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
             np.asarray(indptr, dtype=np.int64)),
            shape=(len(counted), len(self.vocabulary)),
        )

