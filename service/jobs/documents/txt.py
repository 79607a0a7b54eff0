"""Plain text: each non-blank line is a unit; blank lines and line ends come back as they were."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.documents import DocumentError, Rendered, Unit, decode_text
from service.jobs.model import JobSpec


@dataclass(frozen=True)
class TextDocument:
    """Lines of text; `units` are the non-blank ones."""

    lines: tuple[str, ...]

    @property
    def units(self) -> list[Unit]:
        """The non-blank lines."""
        return [Unit(line) for line in self.lines if line.strip()]

    def plain_text(self) -> str:
        """The text as sent."""
        return "\n".join(self.lines)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The lines, each non-blank one replaced by its output on one line."""
        found = iter(outputs)
        lines = [" ".join(next(found).split("\n")) if line.strip() else line for line in self.lines]
        return Rendered(
            ("\n".join(lines) + "\n").encode("utf-8"), "text/plain; charset=utf-8", ".txt"
        )


def load(data: bytes, spec: JobSpec) -> TextDocument:
    """Decode and split into lines; DocumentError when it is not text or has none."""
    text = decode_text(data, "file")
    if "\x00" in text:
        raise DocumentError("the file holds NUL characters: it is not a text file")
    document = TextDocument(tuple(text.splitlines()))
    if not document.units:
        raise DocumentError("the file has no text")
    return document
