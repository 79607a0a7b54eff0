"""Request and response models of the DeepL v2-compatible surface (DeepL's field names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.schemas import DemoFlag

# DeepL language codes this surface knows, and the service's language for each. DeepL has no
# Persian; `FA` is named the way DeepL names its languages (ISO 639-1, upper case).
SOURCE_CODES = {"EN": "en", "FA": "fa"}
TARGET_CODES = {"EN": "en", "EN-GB": "en", "EN-US": "en", "FA": "fa"}
SOURCE_NAMES = {"EN": "English", "FA": "Persian"}
TARGET_NAMES = {"EN-GB": "English (British)", "EN-US": "English (American)", "FA": "Persian"}
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")


class _DeepL(BaseModel):
    # DeepL's clients send fields this service does not use (context, model_type, ...): ignored.
    model_config = ConfigDict(extra="ignore")


def _bool(value: Any) -> Any:
    """DeepL's booleans: JSON true/false, or "0"/"1" in a form."""
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return value.strip().lower() in ("1", "true")
    return value


def _tags(value: Any) -> Any:
    """A tag list: a JSON list, or comma-separated strings (a form may repeat the field)."""
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list) and all(isinstance(item, str) for item in items):
        return [tag.strip() for item in items for tag in item.split(",") if tag.strip()]
    return value


class DeepLTranslateRequest(_DeepL):
    """POST /v2/translate, as JSON or a form (repeat `text` for several)."""

    text: list[str] = Field(min_length=1, description="The texts (a form repeats `text`).")
    target_lang: str = Field(description="`FA`, `EN`, `EN-US` or `EN-GB`; any case.")
    source_lang: str | None = Field(None, description="`FA` or `EN`; absent: detected.")
    tag_handling: Literal["html", "xml"] | None = Field(
        None, description="Translate text only; tags and attributes come back as sent."
    )
    ignore_tags: list[str] = Field(
        default_factory=list, description="Tags whose content is not translated."
    )
    split_sentences: Literal["0", "1", "nonewlines"] = Field(
        "1", description="Accepted; the service always splits sentences (see the README)."
    )
    preserve_formatting: bool = Field(False, description="Accepted; formatting is always kept.")
    formality: str | None = Field(
        None, description="Persian and English have no formality setting on this server."
    )
    glossary_id: str | None = Field(None, description="A glossary of the same language pair.")

    _check_bool = field_validator("preserve_formatting", mode="before")(_bool)
    _check_tags = field_validator("ignore_tags", mode="before")(_tags)

    @field_validator("text", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("split_sentences", mode="before")
    @classmethod
    def _as_string(cls, value: Any) -> Any:
        return str(value).lower() if isinstance(value, int | bool) else value

    @field_validator("tag_handling", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class DeepLTranslation(_DeepL):
    """One translated text."""

    detected_source_language: str = Field(description="`FA` or `EN`.")
    text: str
    billed_characters: int = Field(description="Characters of the source text.")


class DeepLTranslateResponse(_DeepL):
    """Response of POST /v2/translate, one translation per text, in order."""

    translations: list[DeepLTranslation]
    demo: DemoFlag


class DeepLLanguage(_DeepL):
    """One language of /v2/languages; targets say whether they support formality."""

    language: str
    name: str
    supports_formality: bool | None = None


class DeepLUsage(_DeepL):
    """GET /v2/usage: characters used this month against the key's limit."""

    character_count: int
    character_limit: int


class DeepLGlossaryRequest(_DeepL):
    """POST /v2/glossaries."""

    name: str = Field(min_length=1, max_length=1024)
    source_lang: str = Field(description="`FA` or `EN`, any case.")
    target_lang: str = Field(description="`FA` or `EN`, any case.")
    entries: str = Field(description="One `source<TAB>target` (or CSV `source,target`) a line.")
    entries_format: Literal["tsv", "csv"] = "tsv"


class DeepLGlossary(_DeepL):
    """A glossary's description."""

    glossary_id: str
    name: str
    ready: bool
    source_lang: str = Field(description="Lower case, as DeepL writes it.")
    target_lang: str
    creation_time: str
    entry_count: int


class DeepLGlossaries(_DeepL):
    """GET /v2/glossaries."""

    glossaries: list[DeepLGlossary]


class DeepLGlossaryPair(_DeepL):
    """A language pair glossaries may have."""

    source_lang: str
    target_lang: str


class DeepLGlossaryPairs(_DeepL):
    """GET /v2/glossary-language-pairs."""

    supported_languages: list[DeepLGlossaryPair]


class DeepLError(_DeepL):
    """Every error of the DeepL surface: DeepL's shape."""

    message: str
    detail: str | None = None
