"""Is a model output in proportion to its source? Too short, looping or far too long: suspect."""

# Characters, not tokens: the output's tokens are another vocabulary's. English written from
# Persian runs about 1.1-1.2 times the characters of its source, Persian from English about
# 0.9 times; the bounds below are several times wider than either, so only a real failure (a
# sentence cut in half, a phrase repeated to the token limit) is flagged.

from __future__ import annotations

CHAR_RATIO = {("fa", "en"): 1.15, ("en", "fa"): 0.9}
SHORT = 0.3  # under 30% of the expected length
LONG = 3.0  # over 3 times the expected length
MIN_CHARS = 24  # sources shorter than this are not judged on length
MAX_NGRAM = 4


def longest_repeat(text: str) -> int:
    """How many times in a row one word n-gram (n ≤ 4) occurs at most: `a b a b a b` → 3."""
    words = text.split()
    best = 1
    for n in range(1, MAX_NGRAM + 1):
        index = 0
        while index + 2 * n <= len(words):
            run = 1
            while words[index + run * n : index + (run + 1) * n] == words[index : index + n]:
                run += 1
            best = max(best, run)
            index += max(1, (run - 1) * n) if run > 1 else 1
    return best


def suspect(source: str, output: str, source_lang: str, target_lang: str) -> str | None:
    """`short`, `repeats` or `long` when `output` is out of proportion to `source`, else None."""
    if longest_repeat(output) >= longest_repeat(source) + 3:
        return "repeats"
    if len(source) < MIN_CHARS:
        return None
    expected = len(source) * CHAR_RATIO.get((source_lang, target_lang), 1.0)
    if len(output) < SHORT * expected:
        return "short"
    if len(output) > LONG * expected + MIN_CHARS:
        return "long"
    return None
