"""glossary: terms protected by placeholders, restored after, reported as applied or lost."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.glossary import Terms, protect, restore


def test_terms_become_placeholders_longest_first_and_whole_words_only() -> None:
    terms = Terms.build({"سازمان ملل": "the United Nations", "ملل": "nations"}, ["IRNA"])
    protected = protect("گزارش IRNA از سازمان ملل و ملل دیگر؛ IRNAX نه.", terms)
    assert protected.text == "گزارش QXG0Q از QXG1Q و QXG2Q دیگر؛ IRNAX نه."
    assert protected.slots == [
        ("IRNA", "IRNA"),
        ("سازمان ملل", "the United Nations"),
        ("ملل", "nations"),
    ]


def test_restore_puts_target_terms_back_and_reports_them() -> None:
    terms = Terms.build({"ملل": "nations"}, ["IRNA"])
    protected = protect("IRNA و ملل", terms)
    text, applied, lost = restore("QXG0Q and QXG1Q", protected, terms.marker)
    assert text == "IRNA and nations"
    assert applied == ["IRNA", "ملل"]
    assert lost == []


def test_a_dropped_placeholder_is_reported_lost() -> None:
    terms = Terms.build(None, ["IRNA", "Kuwait"])
    protected = protect("IRNA Kuwait", terms)
    text, applied, lost = restore("QXG1Q only", protected, terms.marker)
    assert (text, applied, lost) == ("Kuwait only", ["Kuwait"], ["IRNA"])


def test_the_marker_avoids_text_that_looks_like_a_placeholder() -> None:
    terms = Terms.build(None, ["X"], source="literal QXG0Q in the text")
    assert terms.marker == "QXGG"
    assert protect("X QXG0Q", terms).text == "QXGG0Q QXG0Q"
    assert not Terms.build(None, None)


WORDS = st.lists(
    st.sampled_from(["IRNA", "ایرنا", "کویت", "news", "و", "Kuwait", "[", "G", "QXG", "Q"])
)


@given(WORDS, st.lists(st.sampled_from(["IRNA", "کویت", "Kuwait"]), max_size=3))
@settings(max_examples=300, deadline=None)
def test_placeholders_survive_an_identity_model_and_are_restored(
    words: list[str], keep: list[str]
) -> None:
    text = " ".join(words)
    terms = Terms.build(None, keep, source=text)
    protected = protect(text, terms)
    restored, applied, lost = restore(protected.text, protected, terms.marker)
    assert restored == text
    assert lost == []
    assert sorted(set(applied)) == sorted({t for t, _ in protected.slots})


def test_keep_out_spans_are_copied_and_count_as_word_boundaries() -> None:
    terms = Terms.build(None, ["Kuwait", "QXT0Q"])
    tags = re.compile(r"QXT\d+Q")
    protected = protect("QXT0QKuwaitQXT1Q and Kuwaiti", terms, tags)
    assert protected.text == "QXT0QQXG0QQXT1Q and Kuwaiti"
    assert protected.slots == [("Kuwait", "Kuwait")]
