"""Extractive summaries: lead-biased sentence graph ranking on TF-IDF cosine, numpy only."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from service.text.normalize import normalize
from service.text.segment import segment

DAMPING = 0.85
# Power iteration stops when scores move less than this; ranking rounds to the same digits.
TOLERANCE = 1e-10
# Cells of the sentence × term matrix built at once (8 MB of float64).
BLOCK_CELLS = 1_000_000
DIGITS = 10
# Teleport weights fall as 1 / (1 + position / LEAD_SCALE): news puts what matters first.
LEAD_SCALE = 3.0
# A candidate this similar to one already chosen says the same thing again: skip it.
REDUNDANT = 0.6
# Sentences shorter than this, or without closing punctuation and shorter than LONG_LINE
# words, are headers, datelines and bylines: used only when nothing better is left.
MIN_CONTENT_WORDS = 5
LONG_LINE = 25

_WORD = re.compile(r"[^\W\d_]+")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_CLOSING = re.compile(r"[.!?؟…][\"'»”)\]]*$")


@dataclass(frozen=True)
class Chosen:
    """A source sentence picked for the summary and its position among the source's sentences."""

    index: int
    text: str


@dataclass(frozen=True)
class Extract:
    """An extractive summary: whole source sentences in source order."""

    sentences: tuple[Chosen, ...]

    @property
    def text(self) -> str:
        """The summary as one text."""
        return " ".join(s.text for s in self.sentences)


@functools.cache
def stopwords(language: str) -> frozenset[str]:
    """The shipped stop-word list of `language` (fa or en)."""
    raw = resources.files("service.pipelines").joinpath(f"stopwords/{language}.txt")
    lines = raw.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def sentences_of(text: str) -> list[str]:
    """The non-empty sentences of a text after normalization, as the summary quotes them."""
    return [p.text.strip() for p in segment(normalize(text)) if p.text.strip()]


def _stem_en(word: str) -> str:
    """Fold the commonest English plural forms so `talks` and `talk` count as one term."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(sentence: str, language: str) -> list[str]:
    """The content words of a sentence: letters only, lower-cased, no stop words."""
    words = _WORD.findall(_DIACRITICS.sub("", sentence).lower())
    stop = stopwords(language)
    found = [w for w in words if len(w) > 1 and w not in stop]
    return [_stem_en(w) for w in found] if language == "en" else found


def _similarity(bags: Sequence[Sequence[str]]) -> np.ndarray:
    """Cosine similarity of sentences as sublinear TF-IDF vectors.

    The sentence × term matrix is filled a block of terms at a time, so memory stays bounded
    (about sentences² plus BLOCK_CELLS) however many distinct words a long article has.
    """
    n = len(bags)
    vocabulary: dict[str, int] = {}
    cells: dict[tuple[int, int], int] = {}
    for row, bag in enumerate(bags):
        for term in bag:
            key = (row, vocabulary.setdefault(term, len(vocabulary)))
            cells[key] = cells.get(key, 0) + 1
    rows = np.array([r for r, _ in cells], dtype=np.intp)
    cols = np.array([c for _, c in cells], dtype=np.intp)
    counts = np.array(list(cells.values()), dtype=float)
    df = np.bincount(cols, minlength=len(vocabulary))
    values = (1 + np.log(counts)) * (np.log((1 + n) / (1 + df[cols])) + 1)
    dot = np.zeros((n, n))
    block = max(1, min(len(vocabulary), BLOCK_CELLS // max(n, 1)))
    for start in range(0, len(vocabulary), block):
        inside = (cols >= start) & (cols < start + block)
        weights = np.zeros((n, block))
        weights[rows[inside], cols[inside] - start] = values[inside]
        dot += weights @ weights.T
    norms = np.sqrt(np.diag(dot)).copy()
    norms[norms == 0] = 1
    similarity: np.ndarray = dot / np.outer(norms, norms)
    np.fill_diagonal(similarity, 0.0)
    return similarity


def rank(similarity: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """PageRank over the similarity graph, teleporting towards the lead sentences."""
    n = similarity.shape[0]
    prior = np.array([1.0 / (1.0 + p / LEAD_SCALE) for p in positions])
    prior /= prior.sum()
    row_sums = similarity.sum(axis=1, keepdims=True)
    # A sentence that shares no term with any other passes its weight on by the prior.
    transition = np.where(row_sums > 0, similarity / np.where(row_sums == 0, 1, row_sums), prior)
    forward = np.ascontiguousarray(transition.T)
    scores = np.full(n, 1.0 / n)
    for _ in range(100):
        updated = (1 - DAMPING) * prior + DAMPING * (forward @ scores)
        converged = float(np.abs(updated - scores).sum()) < TOLERANCE
        scores = updated
        if converged:
            break
    return scores


def _tiers(sentences: Sequence[str], bags: Sequence[Sequence[str]]) -> list[int]:
    """0 body, 1 header-like line, 2 only stop words, 3 no letters at all (never chosen)."""
    tiers = []
    for sentence, bag in zip(sentences, bags, strict=True):
        if not _WORD.search(sentence):
            tiers.append(3)
        elif not bag:
            tiers.append(2)
        elif len(bag) >= MIN_CONTENT_WORDS and (
            _CLOSING.search(sentence) or len(sentence.split()) >= LONG_LINE
        ):
            tiers.append(0)
        else:
            tiers.append(1)
    return tiers


def extract(text: str, language: str, max_sentences: int) -> Extract:
    """The `max_sentences` most central sentences, in source order.

    Fewer only when the text has fewer sentences with letters: a line of digits or dashes is
    never a summary.
    """
    sentences = sentences_of(text)
    bags = [terms(s, language) for s in sentences]
    tiers = _tiers(sentences, bags)
    chosen: list[int] = []
    for tier in (0, 1, 2):
        wanted = max_sentences - len(chosen)
        pool = [i for i, t in enumerate(tiers) if t == tier]
        if wanted <= 0 or not pool:
            continue
        similarity = _similarity([bags[i] for i in pool])
        # Rounding makes ties exact, so they go to the earlier sentence on every platform.
        scores = np.round(rank(similarity, range(len(pool))), DIGITS)
        order = sorted(range(len(pool)), key=lambda k: (-scores[k], k))
        picked: list[int] = []
        for k in order:
            if len(picked) == wanted:
                break
            if not picked or similarity[k, picked].max() < REDUNDANT:
                picked.append(k)
        # Near-duplicates are still better than returning fewer sentences than asked for.
        picked += [k for k in order if k not in picked][: wanted - len(picked)]
        chosen += [pool[k] for k in picked]
    return Extract(tuple(Chosen(i, sentences[i]) for i in sorted(chosen)))
