"""Request and response models of the LibreTranslate-compatible surface (its field names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.schemas import Language, SourceLanguage


class _Compat(BaseModel):
    # LibreTranslate's clients send fields we do not use (e.g. `secret`): ignore them, as it does.
    # Form bodies arrive as strings, so values are coerced (`alternatives=2`).
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CompatTranslateRequest(_Compat):
    """POST /translate, as JSON or form-encoded (repeat `q` for a list)."""

    q: str | list[str] = Field(description="One text or a list of texts.")
    source: SourceLanguage = Field("auto", description="`fa`, `en` or `auto` (detected per text).")
    target: Language = Field(description="`fa` or `en`.")
    format: Literal["text", "html"] = Field(
        "text", description="`html`: text nodes are translated, tags and attributes kept."
    )
    alternatives: int = Field(
        0, ge=0, le=10, description="Alternatives wanted; Tarjoman returns none (an empty list)."
    )
    api_key: str | None = Field(None, description="API key, when keys are configured.")

    @field_validator("q")
    @classmethod
    def _not_blank(cls, value: str | list[str]) -> str | list[str]:
        items = [value] if isinstance(value, str) else value
        if not items or any(not item.strip() for item in items):
            raise ValueError("missing q parameter (empty text)")
        return value

    def texts(self) -> list[str]:
        """The texts as a list."""
        return [self.q] if isinstance(self.q, str) else list(self.q)


class CompatDetectRequest(_Compat):
    """POST /detect, as JSON or form-encoded."""

    q: str = Field(min_length=1, description="The text whose language is wanted.")
    api_key: str | None = Field(None, description="API key, when keys are configured.")


class DetectedLanguage(_Compat):
    """A language and how sure the detector is, 0 to 100."""

    confidence: float = Field(ge=0, le=100)
    language: Language


class CompatTranslateResponse(_Compat):
    """Response of POST /translate: a string or list as `q` was."""

    translated_text: str | list[str] = Field(alias="translatedText")
    detected_language: DetectedLanguage | list[DetectedLanguage] | None = Field(
        None, alias="detectedLanguage", description="Only when `source` is `auto`."
    )
    alternatives: list[str] | list[list[str]] | None = Field(
        None, description="Only when alternatives were asked for; always empty."
    )
    demo: bool = Field(
        description="True when the models are random demo models: not a translation."
    )


class CompatLanguage(_Compat):
    """One language of GET /languages."""

    code: Language
    name: str
    targets: list[Language]


class CompatError(_Compat):
    """Every error of the compatible surface: LibreTranslate's shape."""

    error: str
