"""pipelines.extractive: whole source sentences, in order, deterministic, lead-biased."""

from __future__ import annotations

import numpy as np
import pytest

from service.pipelines.extractive import (
    _similarity,
    extract,
    rank,
    sentences_of,
    stopwords,
    terms,
)
from tests.summarizers import ntrex_documents


def check(text: str, language: str, wanted: int) -> list[int]:
    """Assert the extract's shape; return the positions chosen."""
    source = sentences_of(text)
    result = extract(text, language, wanted)
    positions = [s.index for s in result.sentences]
    with_letters = [s for s in source if any(c.isalpha() for c in s)]
    assert len(positions) == min(wanted, len(with_letters))
    assert positions == sorted(set(positions))
    assert [s.text for s in result.sentences] == [source[i] for i in positions]
    assert result.text == " ".join(source[i] for i in positions)
    return positions


def test_the_irna_article_gives_three_body_sentences_led_by_the_lead(irna_text: str) -> None:
    positions = check(irna_text, "fa", 3)
    source = sentences_of(irna_text)
    # The lead is the first sentence with a verb and a full stop, after the id and date lines.
    assert positions[0] == 2
    assert all(source[i].endswith(".") for i in positions)
    assert extract(irna_text, "fa", 3) == extract(irna_text, "fa", 3)


@pytest.mark.parametrize("wanted", [1, 3, 5])
def test_every_ntrex_document_in_english(wanted: int) -> None:
    for _, article in ntrex_documents("en"):
        check(article, "en", wanted)


@pytest.mark.parametrize("wanted", [1, 3, 5])
def test_every_ntrex_document_in_persian(wanted: int) -> None:
    for _, article in ntrex_documents("fa"):
        check(article, "fa", wanted)


def test_ntrex_extracts_are_deterministic() -> None:
    for language in ("en", "fa"):
        documents = ntrex_documents(language)
        first = [extract(a, language, 3) for _, a in documents]
        again = [extract(a, language, 3) for _, a in reversed(documents)][::-1]
        assert first == again


def test_a_text_shorter_than_asked_for_is_returned_whole() -> None:
    text = "The bridge opened on Monday after four years of work.\nTraffic flowed at once."
    assert [s.index for s in extract(text, "en", 5).sentences] == [0, 1]


def test_headers_and_sentences_without_words_are_used_last() -> None:
    text = (
        "Code: 12345\n"
        "The city council approved a new budget for public transport on Monday.\n"
        "2017/04/26 08:30\n"
        "The budget adds bus routes in the northern districts of the city.\n"
        "— 42 —\n"
        "Council members said transport spending would rise again next year."
    )
    assert [s.index for s in extract(text, "en", 3).sentences] == [1, 3, 5]
    # Lines without a letter are never chosen, however many sentences are asked for.
    assert [s.index for s in extract(text, "en", 6).sentences] == [0, 1, 3, 5]
    assert [s.index for s in extract("It is. So it was.", "en", 1).sentences] == [0]


def test_the_lead_wins_among_equally_central_sentences() -> None:
    body = [f"The {w} market opened higher on Monday morning." for w in ("fish", "fruit", "grain")]
    assert [s.index for s in extract(" ".join(body), "en", 1).sentences] == [0]


def test_a_repeated_sentence_is_not_chosen_twice_while_others_are_left() -> None:
    repeated = "Flood water closed the main road into the town on Friday."
    text = " ".join(
        [
            repeated,
            repeated,
            "Flood water also reached the school near the main road.",
            "Volunteers filled sandbags at the town hall all night.",
        ]
    )
    chosen = [s.text for s in extract(text, "en", 2).sentences]
    assert len(set(chosen)) == 2


def test_the_most_connected_sentence_beats_a_later_outlier() -> None:
    text = (
        "A cat sat quietly.\n"
        "Parliament voted on the energy bill today.\n"
        "The energy bill cuts household energy prices.\n"
        "Parliament will vote again on energy prices in spring."
    )
    assert [s.index for s in extract(text, "en", 1).sentences] == [2]


def test_stop_words_ship_with_the_package_and_are_dropped() -> None:
    assert {"the", "and", "of"} <= stopwords("en")
    assert {"و", "در", "به", "از", "که", "را", "می"} <= stopwords("fa")
    assert terms("The talks of the ministers", "en") == ["talk", "minister"]
    # A zero-width non-joiner splits like a space, so the prefix می is dropped either way.
    assert terms("وزیران می‌روند", "fa") == terms("وزیران می روند", "fa") == ["وزیران", "روند"]


def test_rank_is_a_distribution_that_favours_centre_and_lead() -> None:
    similarity = _similarity([["a", "b"], ["b", "c"], ["a", "b", "c"], ["z"]])
    scores = rank(similarity, range(4))
    assert scores.sum() == pytest.approx(1.0)
    assert np.argmax(scores) == 2
    assert scores[3] == scores.min()


def test_a_headline_gives_way_to_the_body_sentences_it_announces() -> None:
    text = (
        "Council approves the largest transport budget in the history of the northern city\n"
        "The city council approved the largest transport budget in its history on Monday.\n"
        "Bus routes will reach the northern districts of the city next year."
    )
    assert [s.index for s in extract(text, "en", 2).sentences] == [1, 2]
    assert [s.index for s in extract(text, "en", 3).sentences] == [0, 1, 2]
