"""Persian output polish: half-spaces (ZWNJ) the tokenizer turned into spaces, Persian letters."""

# Rules act only on pairs of Persian words a single space apart, never inside URLs or e-mail
# addresses (spans.py), never on Latin text or placeholders. Each rule is a productive pattern;
# the word lists in polish_words.py name the real words that look like one and are not.

from __future__ import annotations

import re

from service.text import polish_words as words
from service.text.spans import outside, protected_spans

ZWNJ = "\u200c"
_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
# A Persian word: Arabic-script letters, diacritics, hamza forms and ZWNJ, nothing else.
_LETTER = "\u0621-\u063a\u0641-\u065f\u0670\u067e\u0686\u0698\u06a9\u06af\u06cc\u06c0"
_WORD = re.compile(f"[{_LETTER}\u200c]+")
_PUNCT_SPACE = re.compile("(?<=[\u0621-\u06ff]) ([.!؟،؛:»),;?](?=\\s|$))")
# Latin , ; ? right after a Persian letter: the Persian marks (not after digits: `۱,۰۰۰`).
_LATIN_PUNCT = re.compile("(?<=[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc])[,;?](?=\\s|$)")
_PERSIAN_PUNCT = {",": "،", ";": "؛", "?": "؟"}
_NON_JOINING = frozenset("اآأإدذرزژوؤۀ")
_LEFT_PUNCT = "«(\"'"
_RIGHT_PUNCT = ".,!?؟،؛:»)\"'…"


def polish(text: str) -> str:
    """`text` with Persian letters and the half-spaces of the productive patterns restored."""
    return "".join(
        text[start:end] if kept else _polish_plain(text[start:end])
        for start, end, kept in outside(text, protected_spans(text))
    )


def _polish_plain(text: str) -> str:
    text = text.translate(_LETTERS)
    text = _PUNCT_SPACE.sub(r"\1", text)
    text = _LATIN_PUNCT.sub(lambda m: _PERSIAN_PUNCT[m.group()], text)
    return "\n".join(_polish_line(line) for line in text.split("\n"))


def _core(chunk: str) -> tuple[str, str, str]:
    """(leading punctuation, word, trailing punctuation) of a space-separated chunk."""
    body = chunk.lstrip(_LEFT_PUNCT)
    lead = chunk[: len(chunk) - len(body)]
    word = body.rstrip(_RIGHT_PUNCT)
    return lead, word, body[len(word) :]


def _is_word(word: str) -> bool:
    return bool(word) and _WORD.fullmatch(word) is not None


def _polish_line(line: str) -> str:
    chunks = line.split(" ")
    out: list[str] = []
    for index, chunk in enumerate(chunks):
        lead, word, trail = _core(chunk)
        if _is_word(word) and not lead:
            word = fix_word(word)
            chunk = word + trail
        if out and not lead:
            previous = out[-1]
            _, p_word, p_trail = _core(previous)
            following = _core(chunks[index + 1])[1] if index + 1 < len(chunks) else ""
            glue = None if p_trail else joiner(p_word, word, following)
            if glue is not None:
                out[-1] = previous + glue + chunk
                continue
        out.append(chunk)
    return " ".join(out)


def _last(word: str) -> str:
    """The part of a (possibly already joined) word after its last half-space."""
    return word.rsplit(ZWNJ, 1)[-1]


def silent_he(word: str) -> bool:
    """Whether `word` ends in a silent ه (`خانه`), not a pronounced one (`کوه`, `دانشگاه`)."""
    last = _last(word)
    return (
        len(last) >= 2
        and last.endswith("ه")
        and last not in words.PRONOUNCED_HE
        and not last.endswith(("گاه", "اه", "وه"))
    )


def joiner(left: str, right: str, following: str = "") -> str | None:
    """How two Persian words a space apart should be written together: ZWNJ, '' or None (apart)."""
    if not (_is_word(left) and _is_word(right)):
        return None
    last = _last(left)
    if (left, right) in words.COMPOUNDS:
        return words.COMPOUNDS[(left, right)]
    if left in ("می", "نمی") and right not in words.NOT_AFTER_MI and len(right) >= 2:
        return ZWNJ
    if left == "بی" and right not in words.LETTER_NAMES and right not in words.FUNCTION_WORDS:
        return ZWNJ
    if right in ("تر", "ترین", "تری") and last in words.FUSED_COMPARATIVES:
        return ""  # بهتر, بیشتر, کمتر: always written as one word
    if last in words.FUNCTION_WORDS:
        return None
    if right in words.PLURALS and len(last) >= 2:
        return ZWNJ
    if right in ("تر", "ترین", "تری"):
        return _comparative(last, right, following)
    if silent_he(left) and right in words.AFTER_SILENT_HE:
        return ZWNJ
    if right in words.AGENT_SUFFIXES and len(last) >= 2:
        return ZWNJ
    return None


def _comparative(last: str, right: str, following: str) -> str | None:
    if len(last) < 2:
        return None
    # `تر` alone is also an adjective ("wet"): joined only after a known adjective or before
    # `از` ("than"); `ترین` is never a word of its own.
    if right == "تر" and last not in words.ADJECTIVES and following != "از":
        return None
    return ZWNJ


def fix_word(word: str) -> str:
    """Half-spaces inside one written-together word: `میشود` → `می‌شود`, `خانهها` → `خانه‌ها`."""
    if word in words.REAL_WORDS:
        return word
    for prefix in ("نمی", "می"):
        rest = word[len(prefix) :]
        if word.startswith(prefix) and _is_verb(rest):
            return prefix + ZWNJ + rest
    for suffix in words.PLURALS:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 2 and silent_he(stem):
            return stem + ZWNJ + suffix
    for suffix in ("ترین", "تر"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and stem in words.ADJECTIVES and stem[-1] not in _NON_JOINING:
            return stem + ZWNJ + suffix
    return word


def _is_verb(rest: str) -> bool:
    """Whether `rest` is a verb stem with a personal ending (`شود`, `کردند`, `رفت`, `توان`)."""
    if rest in words.PAST_STEMS or rest in words.BARE_VERBS:
        return True
    for ending in words.PERSONAL_ENDINGS:
        stem = rest[: -len(ending)]
        if rest.endswith(ending) and (stem in words.PRESENT_STEMS or stem in words.PAST_STEMS):
            return True
    return False
