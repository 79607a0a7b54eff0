"""Subtitles (.srt, .vtt): each cue's text is a unit; numbers, timings and settings are kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.documents import DocumentError, Rendered, Unit, decode_text
from service.jobs.model import JobSpec

_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}\s+-->\s+(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}")
MEDIA = {"srt": ("application/x-subrip", ".srt"), "vtt": ("text/vtt; charset=utf-8", ".vtt")}


@dataclass(frozen=True)
class Block:
    """A run of lines between blank lines: kept lines, and the cue text lines (if a cue)."""

    head: tuple[str, ...]
    text: tuple[str, ...]

    @property
    def cue(self) -> bool:
        """True when the block has a timing line and text to translate."""
        return bool(self.text)


@dataclass(frozen=True)
class Subtitles:
    """The blocks of a subtitle file, in order."""

    blocks: tuple[Block, ...]
    kind: str

    @property
    def units(self) -> list[Unit]:
        """The text of each cue (its lines joined with line breaks)."""
        return [Unit("\n".join(block.text)) for block in self.blocks if block.cue]

    def plain_text(self) -> str:
        """Every cue's text, joined with spaces: a film's dialogue runs on."""
        return " ".join(" ".join(block.text) for block in self.blocks if block.cue)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The same blocks, each cue's text replaced by its output."""
        found = iter(outputs)
        chunks = []
        for block in self.blocks:
            lines = list(block.head)
            if block.cue:
                lines += [line for line in next(found).split("\n") if line.strip()] or [""]
            chunks.append("\n".join(lines))
        media, suffix = MEDIA[self.kind]
        return Rendered(("\n\n".join(chunks) + "\n").encode("utf-8"), media, suffix)


def load(data: bytes, spec: JobSpec) -> Subtitles:
    """Cut into blocks at blank lines; a block with a `-->` timing line is a cue."""
    text = decode_text(data, "subtitle file").replace("\r\n", "\n").replace("\r", "\n")
    if spec.format == "vtt" and not text.lstrip().startswith("WEBVTT"):
        raise DocumentError("a WebVTT file starts with `WEBVTT`")
    blocks = []
    for chunk in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = chunk.split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        note = lines[0].startswith(("NOTE", "STYLE", "REGION", "WEBVTT"))
        if timing is None or note:
            blocks.append(Block(tuple(lines), ()))
        else:
            blocks.append(Block(tuple(lines[: timing + 1]), tuple(lines[timing + 1 :])))
    document = Subtitles(tuple(blocks), spec.format)
    if not document.units:
        raise DocumentError(f"the file has no {spec.format} cues (`00:00:01,000 --> ...`)")
    return document
