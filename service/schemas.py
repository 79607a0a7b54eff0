"""Request and response models of the HTTP API (pydantic v2)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Language = Literal["fa", "en"]
SourceLanguage = Literal["fa", "en", "auto"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _texts_not_blank(value: str | list[str]) -> str | list[str]:
    items = [value] if isinstance(value, str) else value
    if not items:
        raise ValueError("the list of texts is empty")
    for index, item in enumerate(items):
        if not item.strip():
            where = "text" if isinstance(value, str) else f"text[{index}]"
            raise ValueError(f"{where} is empty")
    return value


class TranslateRequest(_Strict):
    """POST /v1/translate."""

    text: str | list[str] = Field(description="One text or a list of texts.")
    source: SourceLanguage = Field("auto", description="Source language, or auto per text.")
    target: Language | None = Field(None, description="Target language; default: the other one.")

    _check_text = field_validator("text")(_texts_not_blank)

    @model_validator(mode="after")
    def _distinct_languages(self) -> TranslateRequest:
        if self.source != "auto" and self.source == self.target:
            raise ValueError(f"source and target are both {self.source!r}")
        return self

    def texts(self) -> list[str]:
        """The texts as a list."""
        return [self.text] if isinstance(self.text, str) else list(self.text)


class TranslationResult(BaseModel):
    """One translated text."""

    text: str
    source: Language
    target: Language
    model: str | None


class TranslateResponse(BaseModel):
    """Response of POST /v1/translate: one result per input, in order."""

    results: list[TranslationResult]
    models: list[str]
    demo: bool = Field(
        description="True when the models are random demo models: not a translation."
    )
    timing_ms: float
