"""Request and response models of the LibreTranslate-compatible surface (its field names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import DemoFlag, Language


class _Compat(BaseModel):
    # LibreTranslate's clients send fields we do not use (e.g. `secret`): ignore them, as it does.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CompatTranslateRequest(_Compat):
    """POST /translate, as JSON or form-encoded (repeat `q` for a list)."""

    q: str | list[str] = Field(description="One text or a list of texts.")
    source: str = Field(description="`fa`, `en` or `auto` (detected per text).")
    target: str = Field(description="`fa` or `en`.")
    format: Literal["text", "html"] = Field(
        "text", description="`html`: text nodes are translated, tags and attributes kept."
    )
    alternatives: int = Field(
        0, ge=0, description="Alternative translations wanted (at most TARJOMAN_MAX_ALTERNATIVES)."
    )
    api_key: str | None = Field(None, description="API key, when keys are configured.")


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
        None, description="Only when alternatives were asked for: distinct other outputs."
    )
    demo: DemoFlag


class CompatLanguage(_Compat):
    """One language of GET /languages."""

    code: Language
    name: str
    targets: list[Language]


class CompatHealth(_Compat):
    """GET /health."""

    status: Literal["ok"]


class CompatNamedLanguage(_Compat):
    """A language code and its name."""

    code: str
    name: str


class CompatFrontendLanguages(_Compat):
    """The languages a front-end selects first."""

    source: CompatNamedLanguage
    target: CompatNamedLanguage


class CompatFrontendSettings(_Compat):
    """GET /frontend/settings: what LibreTranslate's front-ends read before anything else."""

    char_limit: int = Field(alias="charLimit")
    frontend_timeout: int = Field(alias="frontendTimeout")
    api_keys: bool = Field(alias="apiKeys")
    key_required: bool = Field(alias="keyRequired")
    suggestions: bool
    files_translation: bool = Field(alias="filesTranslation")
    supported_files_format: list[str] = Field(alias="supportedFilesFormat")
    language: CompatFrontendLanguages


class CompatFileResponse(_Compat):
    """POST /translate_file."""

    translated_file_url: str = Field(alias="translatedFileUrl")


class CompatError(_Compat):
    """Every error of the compatible surface: LibreTranslate's shape."""

    error: str
