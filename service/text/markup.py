"""HTML: translate text nodes only and give back the same tags and attributes.

The document is cut into blocks (the text between block-level tags). Inline tags inside a
block (`<b>`, `<a href>`, `<i>`, ...) become placeholders in the block's text, so a sentence
that holds them is translated whole; `restore` puts each tag back where its placeholder came
out, and at the edge of the sentence when the model dropped the placeholder: no tag is lost.
Script and style contents, comments and doctypes are copied through and never translated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser

from service.text import placeholders

_INLINE_WORDS = (
    "a abbr b bdi bdo cite code data dfn em font i img kbd mark q s samp small span strong "
    "sub sup time u var wbr"
)
INLINE = frozenset(_INLINE_WORDS.split())
RAW = frozenset({"script", "style", "textarea", "pre", "code"})
_VOID_WORDS = "area base br col embed hr img input link meta param source track wbr"
VOID = frozenset(_VOID_WORDS.split())


@dataclass
class Block:
    """A run of text and inline tags between block-level tags."""

    text: str = ""  # the text with a placeholder for each inline tag
    tags: list[str] = field(default_factory=list)  # the source of each inline tag


@dataclass
class Document:
    """A parsed HTML fragment: raw parts (str) and blocks to translate, in order."""

    parts: list[str | Block] = field(default_factory=list)

    @property
    def blocks(self) -> list[Block]:
        """The blocks, in document order."""
        return [part for part in self.parts if isinstance(part, Block)]

    def tag_sequence(self) -> list[str]:
        """Every tag of the document as written, in order (for checking a round trip)."""
        tags: list[str] = []
        for part in self.parts:
            if isinstance(part, Block):
                tags.extend(part.tags)
            elif part.startswith("<") and not part.startswith("<!"):
                tags.append(part)
        return tags


def placeholder(index: int, marker: str) -> str:
    """The stand-in for inline tag number `index` (brackets are unknown to small vocabularies)."""
    return placeholders.make(index, marker)


def placeholder_pattern(marker: str) -> re.Pattern[str]:
    """Finds the placeholders of `marker` in a source text; group 1 is the index."""
    return placeholders.exact(marker)


class _Parser(HTMLParser):
    def __init__(self, marker: str, raw: frozenset[str] = RAW) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.raw = raw
        self.document = Document()
        self.block: Block | None = None
        self.raw_depth = 0

    def _raw(self, text: str) -> None:
        self.block = None
        self.document.parts.append(text)

    def _inline(self, tag_text: str) -> None:
        if self.block is None:
            self.block = Block()
            self.document.parts.append(self.block)
        self.block.text += placeholder(len(self.block.tags), self.marker)
        self.block.tags.append(tag_text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = self.get_starttag_text() or f"<{tag}>"
        if tag in self.raw and tag not in VOID:
            self.raw_depth += 1
        if tag in INLINE and not self.raw_depth:
            self._inline(source)
        else:
            self._raw(source)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = self.get_starttag_text() or f"<{tag}/>"
        if tag in INLINE and not self.raw_depth:
            self._inline(source)
        else:
            self._raw(source)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.raw and self.raw_depth:
            self.raw_depth -= 1
            self._raw(f"</{tag}>")
        elif tag in INLINE and not self.raw_depth:
            self._inline(f"</{tag}>")
        else:
            self._raw(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.cdata_elem is not None:
            self._raw(data)  # script and style bodies: copied as written, never translated
            return
        if self.raw_depth:
            self._raw(html.escape(data, quote=False))  # pre, code, textarea: not translated
            return
        if self.block is None:
            if not data.strip():
                self.document.parts.append(data)  # whitespace between blocks
                return
            self.block = Block()
            self.document.parts.append(self.block)
        self.block.text += data

    def handle_comment(self, data: str) -> None:
        self._raw(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._raw(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._raw(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        # html.parser hands over `CDATA[...` without the closing `]]`; `<![if IE]>` has one `]`.
        self._raw(f"<![{data}]]>" if data.startswith("CDATA[") else f"<![{data}]>")


def marker_for(source: str, base: str = "QXT") -> str:
    """A placeholder prefix that does not occur in `source`, so no placeholder can clash."""
    return placeholders.marker_for(source, base)


def parse(source: str, marker: str, ignore_tags: Collection[str] = ()) -> Document:
    """Cut an HTML fragment into raw parts and blocks of text with inline placeholders;
    the content of `ignore_tags` (besides script, style, pre, code...) is not translated."""
    parser = _Parser(marker, RAW | {tag.lower() for tag in ignore_tags})
    parser.feed(source)
    parser.close()
    return parser.document


def restore(text: str, tags: list[str], marker: str) -> str:
    """HTML for a translated block: text escaped, each tag back at its placeholder.

    A tag whose placeholder the model dropped goes to the edge of the text (opening tags to
    the start, closing tags to the end), so no tag is lost and nesting stays valid; a
    placeholder the model repeated is put back once.
    """
    pattern = placeholders.tolerant(marker)
    out: list[str] = []
    placed: set[int] = set()
    position = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[position : match.start()], quote=False))
        index = placeholders.index_of(match)
        if index < len(tags) and index not in placed:
            out.append(tags[index])
            placed.add(index)
        position = match.end()
    out.append(html.escape(text[position:], quote=False))
    lost = [i for i in range(len(tags)) if i not in placed]
    lead = [tags[i] for i in lost if not tags[i].startswith("</")]
    # Closing tags go to the end innermost first: the reverse of their opening tags' order.
    opener = _openers(tags)
    tail = sorted(
        (i for i in lost if tags[i].startswith("</")), key=lambda i: -opener.get(i, -1 - i)
    )
    return "".join(lead) + "".join(out) + "".join(tags[i] for i in tail)


def _openers(tags: list[str]) -> dict[int, int]:
    """For each closing tag's index, the index of the opening tag it closes."""
    stack: list[tuple[str, int]] = []
    pairs: dict[int, int] = {}
    for index, tag in enumerate(tags):
        name = tag.strip("</>").split()[0].lower() if tag.strip("</>") else ""
        if tag.startswith("</"):
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    pairs[index] = stack[depth][1]
                    del stack[depth:]
                    break
        elif not tag.endswith("/>") and name not in VOID:
            stack.append((name, index))
    return pairs


def render(document: Document, translated: list[str]) -> str:
    """The document with each block replaced by its translated (already restored) HTML."""
    outputs = iter(translated)
    return "".join(part if isinstance(part, str) else next(outputs) for part in document.parts)
