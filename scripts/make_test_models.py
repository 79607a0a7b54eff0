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
import functools
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


def train_spm(lines: list[str], vocab_size: int, **extra: int) -> bytes:
    """A unigram sentencepiece model, trained deterministically in one thread (memoized)."""
    return _train_spm(tuple(lines), vocab_size, tuple(sorted(extra.items())))


@functools.cache
def _train_spm(
    lines: tuple[str, ...], vocab_size: int, extra: tuple[tuple[str, int], ...]
) -> bytes:
    # Both Marian directions train on the same two corpora, and M2M100 and mT5 share one
    # joint model: training each once keeps the whole build within seconds.
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
        **dict(extra),
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


def joint_corpus() -> list[str]:
    """Persian and English lines together, for the multilingual tokenizers."""
    return corpus("fa") + corpus("en")


def joint_spm() -> bytes:
    """The Persian+English sentencepiece model of M2M100 and mT5, with T5's ids (pad 0, eos 1)."""
    # M2M100's vocab.json renumbers the pieces its own way, so the ids suit both.
    return train_spm(joint_corpus(), VOCAB_SIZE, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)


def train_bpe(
    lines: list[str], special: list[str], byte_level: bool
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """BPE vocabulary and merges trained by `tokenizers`: byte-level (BART) or Metaspace (NLLB)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token=None if byte_level else "<unk>"))
    if byte_level:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        alphabet = pre_tokenizers.ByteLevel.alphabet()
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        alphabet = []
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=special,
        initial_alphabet=alphabet,
        show_progress=False,
    )
    tokenizer.train_from_iterator(lines, trainer=trainer)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [
        tuple(m.split(" ", 1)) if isinstance(m, str) else (m[0], m[1]) for m in model["merges"]
    ]
    return dict(model["vocab"]), merges  # type: ignore[return-value]


def build_m2m100(out: Path) -> None:
    """An M2M100 model with M2M100Tokenizer: sentencepiece, vocab.json, then `__fa__`/`__en__`."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    model_spm = joint_spm()
    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in spm_pieces(model_spm):
        vocab.setdefault(piece, len(vocab))
    out.mkdir(parents=True)
    (out / "sentencepiece.bpe.model").write_bytes(model_spm)
    (out / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    tokenizer = M2M100Tokenizer(
        vocab_file=str(out / "vocab.json"),
        spm_file=str(out / "sentencepiece.bpe.model"),
        src_lang="fa",
        tgt_lang="en",
    )
    tokenizer.save_pretrained(out)
    torch.manual_seed(1)
    # As in m2m100_418M (128112 = 128004 + 100 + 8): the language tokens and eight made-up
    # words sit after vocab.json, outside len(tokenizer).
    config = M2M100Config(
        vocab_size=len(vocab) + len(tokenizer.lang_code_to_id) + tokenizer.num_madeup_words,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        scale_embedding=True,
        **tiny_dims(),
    )
    M2M100ForConditionalGeneration(config).save_pretrained(out)


def build_nllb(out: Path) -> None:
    """An NLLB (M2M100 architecture) model with NllbTokenizer and the FLORES-200 codes."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    vocab, merges = train_bpe(joint_corpus(), ["<s>", "<pad>", "</s>", "<unk>"], byte_level=False)
    tokenizer = NllbTokenizer(vocab=vocab, merges=merges, src_lang="pes_Arab", tgt_lang="eng_Latn")
    out.mkdir(parents=True)
    tokenizer.save_pretrained(out)
    torch.manual_seed(2)
    config = M2M100Config(
        vocab_size=len(tokenizer),
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        scale_embedding=True,
        **tiny_dims(),
    )
    M2M100ForConditionalGeneration(config).save_pretrained(out)


def build_mt5(out: Path) -> None:
    """An mT5 model with T5Tokenizer from a sentencepiece unigram model (pad 0, eos 1, unk 2)."""
    import sentencepiece as spm
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    model_spm = joint_spm()
    processor = spm.SentencePieceProcessor(model_proto=model_spm)
    pieces = [
        (processor.id_to_piece(i), processor.get_score(i))
        for i in range(processor.get_piece_size())
    ]
    out.mkdir(parents=True)
    (out / "spiece.model").write_bytes(model_spm)
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    tokenizer.save_pretrained(out)
    torch.manual_seed(3)
    config = MT5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_kv=16,
        d_ff=64,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        relative_attention_num_buckets=8,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        tie_word_embeddings=False,
    )
    MT5ForConditionalGeneration(config).save_pretrained(out)


def build_bart(out: Path) -> None:
    """A BART model with a byte-level BPE from `tokenizers` (BartTokenizer is RobertaTokenizer)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    vocab, merges = train_bpe(corpus("en"), special, byte_level=True)
    tokenizer = BartTokenizer(vocab=vocab, merges=merges)
    out.mkdir(parents=True)
    tokenizer.save_pretrained(out)
    torch.manual_seed(4)
    config = BartConfig(
        vocab_size=len(tokenizer),
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
        **tiny_dims(),
    )
    BartForConditionalGeneration(config).save_pretrained(out)


Builder = Callable[[Path], None]
BUILDERS: dict[str, Builder] = {
    "marian-fa-en": lambda out: build_marian(out, "fa", "en"),
    "marian-en-fa": lambda out: build_marian(out, "en", "fa"),
    "m2m100": build_m2m100,
    "nllb": build_nllb,
    "mt5": build_mt5,
    "bart": build_bart,
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
