#!/usr/bin/env python3
"""Build tiny models of each real architecture, with real tokenizer classes, for tests and demos.

Tokenizers are trained on ../shared/data (TARJOMAN_TEST_DATA) when it is there, else on the
project's own seed text; weights are random (seeded), so the output is noise, never a
translation. Each model is saved with save_pretrained and loaded with from_pretrained like
real weights. Deterministic: the same inputs give the same bytes. Rebuilds only when this
script, its inputs or the library versions change.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = ROOT / "scripts" / "seed_text"
VOCAB_SIZE = 800


def data_dir() -> Path:
    """Where the shared test data lives."""
    return Path(os.environ.get("TARJOMAN_TEST_DATA", ROOT.parent / "shared" / "data"))


def corpus(lang: str) -> list[str]:
    """Training lines for one language: shared data if present, plus the project's seed text."""
    lines = (SEED_TEXT / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    shared = data_dir()
    ntrex = (
        shared
        / "ntrex"
        / ("newstest2019-ref.fas.txt" if lang == "fa" else "newstest2019-src.eng.txt")
    )
    if ntrex.is_file():
        lines += ntrex.read_text(encoding="utf-8").splitlines()
    irna = shared / "irna-kuwait-2017-fa.txt"
    if lang == "fa" and irna.is_file():
        lines += irna.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def train_spm(lines: list[str], vocab_size: int, **extra: object) -> bytes:
    """A unigram sentencepiece model, trained deterministically in one thread."""
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
        hard_vocab_limit=False,  # the seed text alone (no shared data) has fewer pieces
        **extra,
    )
    return buffer.getvalue()


def spm_pieces(model: bytes) -> list[str]:
    """The pieces of a sentencepiece model, in id order."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def tiny_dims() -> dict[str, int]:
    """Model sizes small enough to build in seconds and stay well under 5 MB."""
    return {
        "d_model": 32,
        "encoder_layers": 1,
        "decoder_layers": 1,
        "encoder_attention_heads": 2,
        "decoder_attention_heads": 2,
        "encoder_ffn_dim": 64,
        "decoder_ffn_dim": 64,
        "max_position_embeddings": 1024,
    }


def build_marian(out: Path, source: str, target: str) -> None:
    """A Marian model with MarianTokenizer (source.spm, target.spm, shared vocab.json)."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    source_spm = train_spm(corpus(source), VOCAB_SIZE)
    target_spm = train_spm(corpus(target), VOCAB_SIZE)
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in spm_pieces(source_spm) + spm_pieces(target_spm):
        if piece not in vocab and piece not in ("<s>", "</s>", "<unk>", "<pad>"):
            vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    out.mkdir(parents=True)
    (out / "source.spm").write_bytes(source_spm)
    (out / "target.spm").write_bytes(target_spm)
    (out / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang=source,
        target_lang=target,
    )
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(vocab),
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0,
        **tiny_dims(),
    )
    MarianMTModel(config).save_pretrained(out)


Builder = Callable[[Path], None]
BUILDERS: dict[str, Builder] = {
    "marian-fa-en": lambda out: build_marian(out, "fa", "en"),
    "marian-en-fa": lambda out: build_marian(out, "en", "fa"),
}


def inputs_digest() -> str:
    """A digest of everything the build depends on."""
    import sentencepiece
    import tokenizers
    import torch
    import transformers

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for version in (
        torch.__version__,
        transformers.__version__,
        sentencepiece.__version__,
        tokenizers.__version__,
    ):
        digest.update(version.encode())
    for lang in ("fa", "en"):
        for line in corpus(lang):
            digest.update(line.encode())
    return digest.hexdigest()[:16]


def iter_files(folder: Path) -> Iterator[Path]:
    """Every file under a folder, sorted."""
    return iter(sorted(p for p in folder.rglob("*") if p.is_file()))


def main(argv: list[str] | None = None) -> int:
    """Build every tiny model into OUT/tiny, unless it is already up to date."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / ".cache" / "test-models",
        help="models folder; the models go to OUT/tiny/NAME",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    target: Path = args.out / "tiny"
    stamp = target / ".built"
    digest = inputs_digest()
    if not args.force and stamp.is_file() and stamp.read_text() == digest:
        return 0
    source = "shared data" if (data_dir() / "ntrex").is_dir() else "the project's seed text"
    print(
        f"building tiny test models into {target} (tokenizers trained on {source})", file=sys.stderr
    )
    staging = target.with_name("tiny.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, build in BUILDERS.items():
        build(staging / name)
    (staging / ".built").write_text(digest)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
