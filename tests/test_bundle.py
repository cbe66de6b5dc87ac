"""Bundles: round trip, checksums, atomic publication, incremental embedding."""

import json
from pathlib import Path

import numpy as np
import pytest

from matcher import (
    BundleCorruptError,
    BundleMissingError,
    Catalogue,
    EmbeddingCache,
    HashingEmbedder,
    build_bundle,
    load_bundle,
)
from matcher.catalogue.profiles import Profile


def test_round_trip_keeps_vectors_and_manifest(catalogue: Catalogue, tmp_path: Path) -> None:
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path)
    bundle = load_bundle(tmp_path / "current", reference=catalogue.reference)
    assert bundle.path == path.resolve()
    m = bundle.manifest
    assert m["format_version"] == 2
    assert m["embedder"]["name"] == "hashing-384"
    assert m["dimension"] == 384
    assert m["data_hash"] == catalogue.data_hash()
    assert set(m["config"]["weights"]) == {"thematic", "complementarity", "relatedness", "roles",
                                           "parity", "lexical"}
    assert "faiss-cpu" in m["libraries"]
    assert bundle.vectors.ids == [p.id for p in catalogue.profiles]
    assert bundle.vectors.profile.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(bundle.vectors.profile, axis=1), 1.0, rtol=1e-5)


def test_missing_bundle_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(BundleMissingError, match="clusterbridge build"):
        load_bundle(tmp_path / "current")


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_file_is_refused(catalogue: Catalogue, tmp_path: Path, damage: str) -> None:
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path)
    target = path / "offer_vectors.npy"
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[-5] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target.write_bytes(bytes(data[: len(data) // 2]))
    else:
        target.unlink()
    with pytest.raises(BundleCorruptError, match=r"offer_vectors\.npy"):
        load_bundle(path, reference=catalogue.reference)


def test_wrong_format_version_is_refused(catalogue: Catalogue, tmp_path: Path) -> None:
    path = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleCorruptError, match="format"):
        load_bundle(path, reference=catalogue.reference)


def test_failed_build_leaves_previous_bundle_current(catalogue: Catalogue, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path)

    def broken_save(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(OSError):
        build_bundle(catalogue, HashingEmbedder(), models_dir=tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "current").resolve() == first.resolve()
    assert load_bundle(tmp_path / "current", reference=catalogue.reference).path == first.resolve()
    assert not [p for p in (tmp_path / "bundles").iterdir() if p.name.startswith(".tmp")]


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        return super().encode(texts)


def test_rebuild_embeds_only_the_changed_profile(catalogue: Catalogue, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    build_bundle(catalogue, embedder, models_dir=tmp_path,
                 cache=EmbeddingCache(tmp_path / "cache", embedder))
    first = len(embedder.seen)
    assert first > 0
    old = catalogue.get("za-med")
    changed = Profile(**{**old.__dict__, "description": "A new description of the cluster.",
                         "offers": ("brand-new offer",)})
    embedder.seen.clear()
    # A new cache object reads what the first build saved on disk.
    build_bundle(catalogue.with_profile(changed), embedder, models_dir=tmp_path,
                 cache=EmbeddingCache(tmp_path / "cache", embedder))
    assert sorted(embedder.seen) == sorted([changed.text(), "brand-new offer"])


def test_a_bundle_tokenised_differently_is_rebuilt(catalogue: Catalogue, tmp_path: Path) -> None:
    from matcher import ensure_bundle
    from matcher.engine.lexical import TOKENIZER_VERSION

    first = ensure_bundle(catalogue, "hashing-384", models_dir=tmp_path)
    assert first.manifest["lexical"] == {"tokenizer": TOKENIZER_VERSION}
    assert ensure_bundle(catalogue, "hashing-384", models_dir=tmp_path).path == first.path
    manifest = first.path / "manifest.json"
    body = json.loads(manifest.read_text())
    body["lexical"]["tokenizer"] = TOKENIZER_VERSION - 1  # fitted with the old stop words
    manifest.write_text(json.dumps(body))
    assert ensure_bundle(catalogue, "hashing-384", models_dir=tmp_path).path != first.path
