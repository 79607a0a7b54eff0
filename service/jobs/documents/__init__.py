"""Documents a job can take: each format cuts a file into units and puts the outputs back."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from service.jobs.model import JobSpec

# Format name → module of this package that reads it; suffixes that name each format.
MODULES = {
    "txt": "txt",
    "jsonl": "jsonl",
    "html": "html",
    "srt": "subtitles",
    "vtt": "subtitles",
    "docx": "docx",
    "pdf": "pdf",
    "texts": "texts",
}
SUFFIXES = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".srt": "srt",
    ".vtt": "vtt",
    ".docx": "docx",
    ".pdf": "pdf",
}
# What an upload may be: `texts` is for the JSON body only.
FORMATS = tuple(name for name in MODULES if name != "texts")


class DocumentError(ValueError):
    """A file that cannot be read as its format; the message says why (a 422 or a failed job)."""


@dataclass(frozen=True)
class Unit:
    """One piece of a document to translate: plain text, or an HTML fragment of inline tags."""

    text: str
    html: bool = False


@dataclass(frozen=True)
class Rendered:
    """A finished document: its bytes, media type and file suffix."""

    data: bytes
    media_type: str
    suffix: str


class Document(Protocol):
    """A parsed input document."""

    @property
    def units(self) -> Sequence[Unit]:
        """The pieces to translate, in order."""
        ...

    def plain_text(self) -> str:
        """The whole text, for a summary of the document."""
        ...

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The document with each unit replaced by its output (same count and order)."""
        ...


class Loader(Protocol):
    """A format module's `load`."""

    def __call__(self, data: bytes, spec: JobSpec) -> Document: ...


def format_of(filename: str, named: str | None) -> str:
    """The format: as named, else from the file name's suffix; DocumentError when unknown."""
    if named:
        if named not in FORMATS:
            raise DocumentError(f"unknown format {named!r}; one of: {', '.join(FORMATS)}")
        return named
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(
            f"cannot tell the format of {filename!r} from its name; send a `format` field "
            f"(one of: {', '.join(FORMATS)})"
        )
    return SUFFIXES[suffix]


def load(data: bytes, spec: JobSpec) -> Document:
    """Parse a document of `spec.format`; DocumentError when it is not one."""
    module = importlib.import_module(f"{__name__}.{MODULES[spec.format]}")
    loader: Loader = module.load
    return loader(data, spec)


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 (a BOM allowed, UTF-16 with its BOM); DocumentError naming the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"the {what} is not valid UTF-16: {exc.reason}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"the {what} is not UTF-8 text (a bad byte at offset {exc.start}); "
            "convert it to UTF-8 first"
        ) from None
