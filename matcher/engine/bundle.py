"""The built bundle: embeddings of a catalogue, with a manifest that says how they were made.

``clusterbridge build`` writes a bundle into ``models/bundles/<build-id>/`` and then points the
``models/current`` symlink at it in one atomic rename, so a reader sees the old bundle or the new
one, never a half-written one. A bundle holds::

    manifest.json          format version, embedder, dimension, metric, data hash, weights,
                           library versions, counts, sha256 of every other file
    catalogue/             the catalogue snapshot the vectors were made from
    ids.json               profile ids, row order of every array
    profile_vectors.npy    (N, d) float32 L2-normalised: fields + description
    offer_vectors.npy      (R_o, d) rows of every profile's offers; offer_offsets.npy (N+1,)
    seek_vectors.npy       (R_s, d) rows of every profile's seeks;  seek_offsets.npy (N+1,)
    lexical_vocabulary.json, lexical_idf.npy, lexical_rows.npz
                           the TF-IDF model fitted on the catalogue and its (N, V) CSR rows

A profile without offers (or seeks) gets its description as the single row, so every profile
has at least one row of each. No pickle anywhere.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from ..catalogue.catalogue import Catalogue, Reference, load_catalogue, write_catalogue
from ..catalogue.profiles import Profile
from ..config import MatcherConfig, default_models_dir
from ..errors import BundleCorruptError, BundleMissingError, CatalogueError
from .embedding import Embedder, EmbeddingCache, Vectors
from .lexical import TOKENIZER_VERSION, LexicalModel, profile_words

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
METRIC = "inner_product_on_l2_normalised"
ARRAY_FILES = (
    "profile_vectors.npy",
    "offer_vectors.npy",
    "offer_offsets.npy",
    "seek_vectors.npy",
    "seek_offsets.npy",
)


def offer_texts(profile: Profile) -> list[str]:
    return list(profile.offers) or [profile.text()]


def seek_texts(profile: Profile) -> list[str]:
    return list(profile.seeks) or [profile.text()]


def _flatten(profiles: list[Profile], offers: list[list[str]], seeks: list[list[str]]) -> list[str]:
    return [p.text() for p in profiles] + [t for o in offers for t in o] + [t for s in seeks for t in s]


@dataclass
class ProfileVectors:
    """Every embedding of a catalogue, row-aligned with ``ids``."""

    ids: list[str]
    profile: Vectors
    offers: Vectors
    offer_offsets: np.ndarray[Any, np.dtype[np.int64]]
    seeks: Vectors
    seek_offsets: np.ndarray[Any, np.dtype[np.int64]]

    @staticmethod
    def flat_texts(profiles: list[Profile]) -> list[str]:
        """Every text of ``profiles`` in row order: profile texts, then offers, then seeks."""
        return _flatten(profiles, [offer_texts(p) for p in profiles],
                        [seek_texts(p) for p in profiles])

    def as_flat(self) -> Vectors:
        """The rows of :meth:`flat_texts`, in the same order."""
        return np.concatenate([self.profile, self.offers, self.seeks])

    @classmethod
    def embed(cls, profiles: list[Profile], encode: Any) -> ProfileVectors:
        """Embed ``profiles`` with ``encode(texts) -> (n, d)``, one call for all texts."""
        offers = [offer_texts(p) for p in profiles]
        seeks = [seek_texts(p) for p in profiles]
        vectors = encode(_flatten(profiles, offers, seeks))
        n, n_off = len(profiles), sum(len(o) for o in offers)

        def offsets(groups: list[list[str]]) -> np.ndarray[Any, np.dtype[np.int64]]:
            return np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)

        return cls(
            ids=[p.id for p in profiles],
            profile=vectors[:n],
            offers=vectors[n : n + n_off],
            offer_offsets=offsets(offers),
            seeks=vectors[n + n_off :],
            seek_offsets=offsets(seeks),
        )

    def arrays(self) -> dict[str, np.ndarray[Any, Any]]:
        return dict(zip(ARRAY_FILES, (self.profile, self.offers, self.offer_offsets,
                                      self.seeks, self.seek_offsets), strict=True))


def write_lexical(directory: Path, model: LexicalModel, rows: sparse.csr_matrix) -> None:
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    (directory / "lexical_vocabulary.json").write_text(json.dumps(terms, ensure_ascii=False))
    np.save(directory / "lexical_idf.npy", model.idf, allow_pickle=False)
    with open(directory / "lexical_rows.npz", "wb") as f:
        np.savez(f, data=rows.data, indices=rows.indices, indptr=rows.indptr,
                 shape=np.asarray(rows.shape, dtype=np.int64))


def read_lexical(directory: Path) -> tuple[LexicalModel, sparse.csr_matrix]:
    terms = json.loads((directory / "lexical_vocabulary.json").read_text())
    idf = np.load(directory / "lexical_idf.npy", allow_pickle=False)
    with np.load(directory / "lexical_rows.npz", allow_pickle=False) as z:
        rows = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]),
                                 shape=tuple(int(x) for x in z["shape"]))
    return LexicalModel({t: i for i, t in enumerate(terms)}, idf), rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("clusterbridge", "numpy", "faiss-cpu", "onnxruntime", "sentence-transformers",
                    "torch"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


@dataclass
class Bundle:
    """A loaded bundle: the manifest, the catalogue snapshot, its vectors and lexical rows."""

    path: Path
    manifest: dict[str, Any]
    catalogue: Catalogue
    vectors: ProfileVectors
    lexical: LexicalModel
    lexical_rows: sparse.csr_matrix

    @property
    def embedder_name(self) -> str:
        return str(self.manifest["embedder"]["name"])

    @property
    def config(self) -> MatcherConfig:
        return MatcherConfig.from_dict(self.manifest["config"])


def build_bundle(
    catalogue: Catalogue,
    embedder: Embedder,
    *,
    models_dir: Path | None = None,
    config: MatcherConfig | None = None,
    cache: EmbeddingCache | None = None,
    extra_manifest: dict[str, Any] | None = None,
) -> Path:
    """Embed ``catalogue`` and publish it as the current bundle; returns the bundle directory.

    Only texts missing from ``cache`` are embedded. The bundle is written to a temporary
    directory, renamed into ``models/bundles/`` and then made current by replacing the
    ``models/current`` symlink, so an interrupted build leaves the previous bundle current.
    """
    models_dir = models_dir or default_models_dir()
    config = config or MatcherConfig()
    cache = cache or EmbeddingCache(None, embedder)
    vectors = ProfileVectors.embed(catalogue.profiles, cache.encode)
    cache.save()
    bundles = models_dir / "bundles"
    bundles.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=bundles, prefix=".tmp-"))
    tmp.chmod(0o755)
    try:
        write_catalogue(catalogue, tmp / "catalogue")
        (tmp / "ids.json").write_text(json.dumps(vectors.ids))
        for name, array in vectors.arrays().items():
            np.save(tmp / name, array, allow_pickle=False)
        write_lexical(tmp, *LexicalModel.fit_transform([profile_words(p) for p in catalogue.profiles]))
        files = sorted(
            str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()
        )
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "embedder": embedder.describe(),
            "dimension": embedder.dimension,
            "metric": METRIC,
            "normalised": True,
            "data_hash": catalogue.data_hash(),
            "counts": {
                "profiles": len(vectors.ids),
                "offer_rows": len(vectors.offers),
                "seek_rows": len(vectors.seeks),
                **catalogue.relationships.counts(),
            },
            "config": config.to_dict(),
            "lexical": {"tokenizer": TOKENIZER_VERSION},
            "libraries": library_versions(),
            "checksums": {name: _sha256(tmp / name) for name in files},
            **(extra_manifest or {}),
        }
        with open(tmp / "manifest.json", "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        final = bundles / f"{stamp}-{manifest['data_hash'][:12]}"
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link_tmp = models_dir / f".current-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(Path("bundles") / final.name)
    os.replace(link_tmp, models_dir / "current")
    _prune(bundles, keep={final.name})
    logger.info("built bundle %s (%d profiles, %d texts embedded)", final.name,
                len(vectors.ids), cache.misses)
    return final


def _prune(bundles: Path, keep: set[str], retain: int = 2) -> None:
    """Remove all but the newest ``retain`` bundles (and failed temporaries)."""
    done = sorted((p for p in bundles.iterdir() if not p.name.startswith(".")), reverse=True)
    for old in done[retain:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def load_bundle(path: Path | None = None, *, reference: Reference | None = None) -> Bundle:
    """Load and verify a bundle (default: ``models/current``).

    Raises:
        BundleMissingError: nothing at ``path``.
        BundleCorruptError: an unknown format version, a file whose checksum or shape does not
            match the manifest, or a catalogue snapshot that does not match the data hash.
    """
    path = path or default_models_dir() / "current"
    manifest_path = path / "manifest.json"
    if not manifest_path.exists():
        raise BundleMissingError(
            f"no bundle at {path}; build one with `clusterbridge build`"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BundleCorruptError(f"unreadable manifest {manifest_path}: {exc}") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleCorruptError(
            f"bundle format {manifest.get('format_version')!r} is not {FORMAT_VERSION}; rebuild it"
        )
    for name, expected in manifest.get("checksums", {}).items():
        file = path / name
        if not file.exists() or _sha256(file) != expected:
            raise BundleCorruptError(f"bundle file {name} is missing or fails its checksum")
    try:
        catalogue = load_catalogue(path / "catalogue", reference, require_sources=False)
    except CatalogueError as exc:
        raise BundleCorruptError(f"bundle catalogue snapshot is invalid: {exc}") from None
    if catalogue.data_hash() != manifest["data_hash"]:
        raise BundleCorruptError("bundle catalogue does not match the manifest's data hash")
    ids = json.loads((path / "ids.json").read_text())
    arrays = [np.load(path / name, allow_pickle=False) for name in ARRAY_FILES]
    vectors = ProfileVectors(ids, *arrays)
    d, n = manifest["dimension"], len(ids)
    if (
        ids != [p.id for p in catalogue.profiles]
        or vectors.profile.shape != (n, d)
        or vectors.offers.shape[1:] != (d,)
        or vectors.seeks.shape[1:] != (d,)
        or vectors.offer_offsets.shape != (n + 1,)
        or vectors.seek_offsets.shape != (n + 1,)
        or int(vectors.offer_offsets[-1]) != len(vectors.offers)
        or int(vectors.seek_offsets[-1]) != len(vectors.seeks)
    ):
        raise BundleCorruptError("bundle arrays do not match the manifest and catalogue")
    lexical, lexical_rows = read_lexical(path)
    if lexical_rows.shape != (n, len(lexical.vocabulary)) or len(lexical.idf) != len(lexical.vocabulary):
        raise BundleCorruptError("bundle lexical rows do not match the catalogue")
    return Bundle(path.resolve(), manifest, catalogue, vectors, lexical, lexical_rows)


def ensure_bundle(
    catalogue: Catalogue,
    embedder_name: str,
    *,
    models_dir: Path | None = None,
    config: MatcherConfig | None = None,
    embedder: Embedder | None = None,
) -> Bundle:
    """The current bundle if it was built from ``catalogue`` with ``embedder_name``; else build.

    Rebuilding embeds only texts missing from the embedding cache in ``models/cache``, with
    ``embedder`` when one called ``embedder_name`` is already loaded (else one is created).
    Processes that start together (the workers of one server) build once: each waits for an
    exclusive lock on ``models/.build.lock``, and those after the first find the bundle built.
    """
    models_dir = models_dir or default_models_dir()
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _ensure_bundle(catalogue, embedder_name, models_dir, config, embedder)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_bundle(catalogue: Catalogue, embedder_name: str, models_dir: Path,
                   config: MatcherConfig | None, embedder: Embedder | None) -> Bundle:
    from .embedding import get_embedder

    try:
        bundle = load_bundle(models_dir / "current", reference=catalogue.reference)
        if (bundle.manifest["data_hash"] == catalogue.data_hash()
                and bundle.embedder_name == embedder_name
                and bundle.manifest.get("lexical", {}).get("tokenizer") == TOKENIZER_VERSION
                and (config is None or bundle.manifest["config"] == config.to_dict())):
            return bundle
        logger.warning("the catalogue or settings changed since the last build; rebuilding")
    except BundleMissingError:
        logger.warning("no bundle yet; building one")
    except BundleCorruptError as exc:
        # A bundle is a cache of the catalogue: one that cannot be used (a snapshot written
        # before a validation rule, a damaged file) is rebuilt, never served.
        logger.warning("the current bundle cannot be used (%s); rebuilding", exc)
    if embedder is None or embedder.name != embedder_name:
        embedder = get_embedder(embedder_name)
    cache = EmbeddingCache(models_dir / "cache", embedder)
    path = build_bundle(catalogue, embedder, models_dir=models_dir, config=config, cache=cache)
    return load_bundle(path, reference=catalogue.reference)
