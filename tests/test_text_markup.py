"""markup: HTML text nodes become blocks with inline placeholders; tags always come back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.markup import marker_for, parse, placeholder, render, restore

PAGE = (
    "<!DOCTYPE html><html><head><style>p{color:red}</style>"
    '<script>var s = "<b>not text</b>";</script></head><body>'
    '<p class="lead">Hello <b>big</b> world. See <a href="https://x.org/?a=1&amp;b=2">this</a>'
    " &amp; that.</p>\n<ul><li>One</li><li>Two <i>three</i></li></ul>"
    "<pre>a &lt; b</pre><!-- note --><br/><img src='a.png' alt=\"x\"></body></html>"
)


def identity_render(source: str) -> str:
    marker = marker_for(source)
    document = parse(source, marker)
    return render(document, [restore(b.text, b.tags, marker) for b in document.blocks])


def test_blocks_hold_text_and_inline_placeholders_only() -> None:
    document = parse(PAGE, "QXT")
    assert [b.text for b in document.blocks] == [
        "Hello QXT0QbigQXT1Q world. See QXT2QthisQXT3Q & that.",
        "One",
        "Two QXT0QthreeQXT1Q",
        "QXT0Q",
    ]
    assert document.blocks[0].tags[2] == '<a href="https://x.org/?a=1&amp;b=2">'


def test_script_style_pre_and_comments_are_never_in_a_block() -> None:
    text = " ".join(b.text for b in parse(PAGE, "QXT").blocks)
    assert "not text" not in text
    assert "color" not in text
    assert "a < b" not in text
    assert "note" not in text


def test_identity_round_trip_gives_the_page_back() -> None:
    assert identity_render(PAGE) == PAGE


def test_a_dropped_placeholder_goes_to_the_sentence_edge() -> None:
    tags = ['<a href="x">', "</a>", "<b>", "</b>"]
    assert restore("see QXT2QthisQXT3Q now", tags, "QXT") == '<a href="x">see <b>this</b> now</a>'
    assert restore("none & done", tags, "QXT") == '<a href="x"><b>none &amp; done</b></a>'
    nested = ["<a>", "<b>", "</b>", "</a>"]
    assert restore("lost", nested, "QXT") == "<a><b>lost</b></a>"


def test_a_repeated_placeholder_is_put_back_once() -> None:
    assert restore("QXT0QxQXT0QyQXT1Q", ["<i>", "</i>"], "QXT") == "<i>xy</i>"


def test_the_marker_avoids_the_source() -> None:
    assert marker_for("text with QXT0Q in it") == "QXTT"
    assert placeholder(3, "QXTT") == "QXTT3Q"


CHUNKS = st.lists(
    st.sampled_from(["Hi. ", "<b>", "</b>", "<p>", "</p>", "<i>x</i>", "a &amp; b", "<br>", "متن"]),
    max_size=12,
)


@given(CHUNKS)
@settings(max_examples=300, deadline=None)
def test_html_keeps_its_tag_sequence(chunks: list[str]) -> None:
    source = "".join(chunks)
    marker = marker_for(source)
    document = parse(source, marker)
    # A model that drops every placeholder: the tags still come back, in the same order per block.
    dropped = [restore("plain", b.tags, marker) for b in document.blocks]
    rendered = render(document, dropped)
    again = parse(rendered, marker)
    assert sorted(again.tag_sequence()) == sorted(document.tag_sequence())
    assert identity_render(source) == source


def test_processing_instructions_cdata_and_self_closing_inline_tags_round_trip() -> None:
    source = '<?xml version="1.0"?><![CDATA[raw <b>]]><p>A<span/>B <img src="x.png"/> C.</p>'
    document = parse(source, "QXT")
    assert [b.text for b in document.blocks] == ["AQXT0QB QXT1Q C."]
    assert "raw" not in " ".join(b.text for b in document.blocks)
    assert identity_render(source) == source
