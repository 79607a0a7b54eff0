"""JSON texts (`{"text": [...]}` to POST /v1/jobs): each text is a unit; the result is JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.documents import DocumentError, Rendered, Unit
from service.jobs.model import JobSpec


@dataclass(frozen=True)
class Texts:
    """The texts of a JSON job."""

    texts: tuple[str, ...]
    html: bool = False

    @property
    def units(self) -> list[Unit]:
        """Each text."""
        return [Unit(text, self.html) for text in self.texts]

    def plain_text(self) -> str:
        """The texts, a paragraph each."""
        return "\n\n".join(self.texts)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The outputs as a JSON list (the runner writes the full result with metadata)."""
        return Rendered(
            json.dumps(list(outputs), ensure_ascii=False).encode(), "application/json", ".json"
        )


def load(data: bytes, spec: JobSpec) -> Texts:
    """The JSON list of strings stored when the job was made."""
    try:
        texts = json.loads(data)
    except ValueError as exc:
        raise DocumentError(f"the stored texts are not JSON: {exc}") from None
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise DocumentError("the stored texts are not a list of strings")
    return Texts(tuple(texts), bool(spec.options.get("html")))
