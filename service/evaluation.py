"""Test sets for `tarjoman eval`: aligned TXT files or NTREX, scored with sacrebleu (BLEU, chrF)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sacrebleu

NTREX_FILES = {"en": "newstest2019-src.eng.txt", "fa": "newstest2019-ref.fas.txt"}
NTREX_DOCUMENTS = "DOCUMENT_IDS.tsv"


class DataError(ValueError):
    """A test set that cannot be read: missing file, unaligned lines."""


@dataclass(frozen=True)
class ParallelSet:
    """Aligned source and reference lines of one direction, each line in a document."""

    source: str
    target: str
    sources: tuple[str, ...]
    references: tuple[str, ...]
    documents: tuple[str, ...]

    @property
    def direction(self) -> str:
        """`fa-en` or `en-fa`."""
        return f"{self.source}-{self.target}"

    def limited(self, lines: int | None) -> ParallelSet:
        """The first `lines` lines (all when None)."""
        if lines is None:
            return self
        return ParallelSet(
            self.source,
            self.target,
            self.sources[:lines],
            self.references[:lines],
            self.documents[:lines],
        )


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    return path.read_text(encoding="utf-8").splitlines()


def aligned(
    source_file: Path,
    reference_file: Path,
    source: str,
    target: str,
    documents_file: Path | None = None,
) -> ParallelSet:
    """Two TXT files, one sentence a line, line n of one the translation of line n of the other;
    documents from a file of one id a line (first tab-separated column), else one document."""
    sources, references = _lines(source_file), _lines(reference_file)
    if len(sources) != len(references):
        raise DataError(
            f"{source_file} has {len(sources)} lines but {reference_file} {len(references)}"
        )
    if documents_file is None:
        documents = [source_file.stem] * len(sources)
    else:
        documents = [line.split("\t")[0] for line in _lines(documents_file)]
        if len(documents) != len(sources):
            raise DataError(
                f"{documents_file} has {len(documents)} lines but {source_file} {len(sources)}"
            )
    return ParallelSet(source, target, tuple(sources), tuple(references), tuple(documents))


def ntrex(folder: Path, source: str, target: str) -> ParallelSet:
    """NTREX-128's English source and Persian reference, with its document ids.

    From Persian the source is the human translation, so fa→en scores are optimistic.
    """
    return aligned(
        folder / NTREX_FILES[source],
        folder / NTREX_FILES[target],
        source,
        target,
        folder / NTREX_DOCUMENTS,
    )


@dataclass(frozen=True)
class Score:
    """Corpus BLEU and chrF of some hypotheses against their references."""

    bleu: float
    chrf: float
    sentences: int


def score(hypotheses: Sequence[str], references: Sequence[str]) -> Score:
    """sacrebleu's corpus BLEU and chrF, its defaults (BLEU's `13a` tokenizer for both
    languages: the `flores200` one would download a sentencepiece model)."""
    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)])
    chrf = sacrebleu.corpus_chrf(list(hypotheses), [list(references)])
    return Score(round(bleu.score, 2), round(chrf.score, 2), len(hypotheses))


@dataclass
class Run:
    """One system's outputs on one test set, and the time they took."""

    name: str
    test: ParallelSet
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    demo: bool = False

    def total(self) -> Score:
        """The whole test set's score."""
        return score(self.outputs, self.test.references)

    def by_document(self) -> dict[str, Score]:
        """Each document's score, in the order documents first appear."""
        groups: OrderedDict[str, tuple[list[str], list[str]]] = OrderedDict()
        for document, output, reference in zip(
            self.test.documents, self.outputs, self.test.references, strict=True
        ):
            hypotheses, references = groups.setdefault(document, ([], []))
            hypotheses.append(output)
            references.append(reference)
        return {name: score(hyps, refs) for name, (hyps, refs) in groups.items()}


def agreement(first: Run, second: Run) -> float:
    """The share of lines on which two runs wrote exactly the same output."""
    pairs = list(zip(first.outputs, second.outputs, strict=True))
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else 1.0
