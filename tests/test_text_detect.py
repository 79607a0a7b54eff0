"""detect: script-ratio language detection per text, with a confidence; the module is pure."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.settings import PROJECT_ROOT
from service.text.detect import (
    MIN_CONFIDENCE,
    Detection,
    detect,
    detect_each,
    has_letters,
    is_arabic_script,
    is_latin,
    letter_counts,
)


def test_persian_and_english() -> None:
    assert detect("وزارت کشور کویت اعلام کرد.") == Detection("fa", 1.0)
    assert detect("The ministry said so.") == Detection("en", 1.0)


def test_a_persian_text_with_a_latin_name_is_still_persian() -> None:
    found = detect("شرکت Microsoft امروز گزارش جدیدی منتشر کرد.")
    assert found.language == "fa"
    assert MIN_CONFIDENCE < found.confidence < 1
    assert found.reliable


def test_digits_punctuation_urls_and_emails_are_not_letters() -> None:
    assert detect("۱۳۹۶ - 2017 !!! https://example.com/news a@b.com") == Detection(None, 0.0)
    assert not has_letters("12:30 ... https://irna.ir/x")
    assert has_letters("ok 12")


@given(st.text(alphabet="aé۱س1 .:/@-_https" + "\u200c\n", max_size=60))
@settings(max_examples=300, deadline=None)
def test_has_letters_says_whether_letter_counts_finds_any(text: str) -> None:
    assert has_letters(text) == (sum(letter_counts(text)) > 0)


def test_half_and_half_is_not_reliable() -> None:
    found = detect("hello دنیا")
    assert not found.reliable
    assert found.confidence == pytest.approx(5 / 9)


def test_other_scripts_lower_the_confidence() -> None:
    assert letter_counts("abc Привет دو") == (2, 3, 6)
    assert not detect("Привет мир and hello").reliable


def test_every_item_of_a_list_gets_its_own_language() -> None:
    texts = ["Good morning.", "صبح بخیر.", "2017", "The news from Kuwait.", "خبر کویت"]
    assert [d.language for d in detect_each(texts)] == ["en", "fa", None, "en", "fa"]


def test_script_predicates() -> None:
    assert is_arabic_script("ی")
    assert is_arabic_script("\ufee6")
    assert not is_arabic_script("a")
    assert is_latin("é")
    assert is_latin("Z")
    assert not is_latin("ж")


def test_service_text_imports_neither_torch_nor_flask() -> None:
    code = (
        "import sys\n"
        "import service.text.chunk, service.text.detect, service.text.glossary\n"
        "import service.text.markup, service.text.normalize, service.text.segment\n"
        "import service.text.spans\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'flask', 'transformers', 'werkzeug'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
