"""Placeholders found again after a model mangled them: spaces, Persian digits, case."""

from __future__ import annotations

import pytest

from service.text import placeholders


@pytest.mark.parametrize(
    "written",
    ["QXG12Q", "QXG 12 Q", "QXG 12Q", "Q X G 1 2 Q", "QXG۱۲Q", "QXG١٢Q", "qxg12q", "Qxg12Q"],
)
def test_a_mangled_placeholder_is_still_found(written: str) -> None:
    text, seen = placeholders.restore(f"before {written} after", "QXG", 13, lambda i: f"<{i}>")
    assert text == "before <12> after"
    assert seen == [12]


def test_an_index_out_of_range_and_other_markers_are_left_as_written() -> None:
    text, seen = placeholders.restore("QXG7Q QXT0Q QXGG0Q", "QXG", 2, str)
    assert (text, seen) == ("QXG7Q QXT0Q QXGG0Q", [])


def test_the_marker_avoids_the_text_in_any_case() -> None:
    assert placeholders.marker_for("a qxg b", "QXG") == "QXGG"
    assert placeholders.marker_for("nothing here", "QXG") == "QXG"
