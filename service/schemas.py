"""Request and response models of the HTTP API (pydantic v2)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Language = Literal["fa", "en"]
SourceLanguage = Literal["fa", "en", "auto"]
TERM = Field(min_length=1, max_length=200)
# The flag every translation response carries (the compatible surfaces' too).
DemoFlag = Annotated[
    bool, Field(description="True when the models are random demo models: not a translation.")
]


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


class TextsRequest(_Strict):
    """A request carrying `text`: one non-blank text or a non-empty list of them."""

    text: str | list[str] = Field(description="One text or a list of texts.")

    _check_text = field_validator("text")(_texts_not_blank)

    def texts(self) -> list[str]:
        """The texts as a list."""
        return [self.text] if isinstance(self.text, str) else list(self.text)


class TranslateRequest(TextsRequest):
    """POST /v1/translate."""

    source: SourceLanguage = Field("auto", description="Source language, or auto per text.")
    target: Language | None = Field(None, description="Target language; default: the other one.")

    format: Literal["text", "html"] = Field(
        "text", description="`html`: translate text nodes only; tags and attributes come back."
    )
    glossary: dict[Annotated[str, TERM], Annotated[str, Field(max_length=200)]] | None = Field(
        None, max_length=500, description="Source term → the target term to write for it."
    )
    keep: list[Annotated[str, TERM]] | None = Field(
        None, max_length=500, description="Terms never translated: names, acronyms, tickers."
    )
    polish: bool = Field(
        True, description="Persian output: half-spaces (ZWNJ) and Persian letters restored."
    )
    dates: Literal["keep", "annotate", "gregorian", "jalali"] | None = Field(
        None,
        description="Dates of the source's calendar: `annotate` writes both calendars, "
        "`gregorian`/`jalali` one, `keep` leaves them to the model. Default: `annotate` "
        "from Persian, `keep` from English.",
    )
    alternatives: int = Field(
        0,
        ge=0,
        le=7,
        description="Up to this many distinct other translations per text (n-best of beam "
        "search; plain text only); at most TARJOMAN_MAX_ALTERNATIVES.",
    )

    @model_validator(mode="after")
    def _distinct_languages(self) -> TranslateRequest:
        if self.source != "auto" and self.source == self.target:
            raise ValueError(f"source and target are both {self.source!r}")
        return self


class DetectionResult(BaseModel):
    """The language of one text (null when it has no letters) and the share of its script."""

    language: Language | None
    confidence: float = Field(description="Share of the letters in the language's script, 0..1.")
    reliable: bool = Field(description="False when the text is too mixed to translate as `auto`.")


class DateResult(BaseModel):
    """A date found in the source, the day it names in both calendars, and what was written."""

    source: str = Field(description="The date as the source wrote it.")
    text: str = Field(description="What the output shows in its place.")
    jalali: str = Field(description="Solar Hijri, year-month-day (1396-02-06).")
    gregorian: str = Field(description="Gregorian, ISO 8601 (2017-04-26).")
    lost: bool = Field(False, description="True when the model dropped it from the output.")


class TranslationResult(BaseModel):
    """One translated text."""

    text: str
    source: Language
    target: Language
    model: str | None
    detected: DetectionResult | None = Field(None, description="Set when `source` was auto.")
    untranslated: bool = Field(False, description="True for a text with no letters: as sent.")
    terms_applied: list[str] = Field(default_factory=list, description="Glossary/keep terms used.")
    terms_lost: list[str] = Field(
        default_factory=list, description="Terms whose placeholder the model did not copy."
    )
    truncated: bool = Field(
        False, description="True when a part stopped at the token limit even after a retry."
    )
    suspect: str | None = Field(
        None, description="`short`, `repeats` or `long`: a part out of proportion to its source."
    )
    dates: list[DateResult] = Field(default_factory=list, description="Dates converted.")
    alternatives: list[str] = Field(
        default_factory=list, description="Other translations, when `alternatives` was asked."
    )


class TranslateResponse(BaseModel):
    """Response of POST /v1/translate: one result per input, in order."""

    results: list[TranslationResult]
    models: list[str]
    demo: DemoFlag
    timing_ms: float


class DetectRequest(TextsRequest):
    """POST /v1/detect."""


SummarizeMode = Literal["auto", "abstractive", "extractive"]


class SummarizeRequest(TextsRequest):
    """POST /v1/summarize."""

    source: SourceLanguage = Field("auto", description="Source language, or auto per text.")
    target: Language | None = Field(
        None, description="Language of the summary; default: the source language."
    )
    mode: SummarizeMode = Field(
        "auto",
        description="auto: the best strategy the profile has ready; abstractive: a summarizer "
        "model or 503; extractive: whole source sentences, no summarizer.",
    )
    max_sentences: int = Field(3, ge=1, le=20, description="Sentences of an extractive summary.")
    max_words: int = Field(60, ge=10, le=400, description="Words of an abstractive summary.")


class DetectResponse(BaseModel):
    """Response of POST /v1/detect: one detection per input text, in order."""

    results: list[DetectionResult]


class SummarySentence(BaseModel):
    """A source sentence an extractive summary quotes, by its position in the source."""

    model_config = ConfigDict(from_attributes=True)

    index: int
    text: str


class SummaryResult(BaseModel):
    """One summary and how it was made."""

    model_config = ConfigDict(from_attributes=True)

    summary: str
    source: Language
    target: Language
    strategy: str = Field(
        description="abstractive, abstractive-then-translate, translate-then-abstractive, "
        "extractive or extractive-then-translate."
    )
    models: list[str] = Field(description="The models used, in the order they ran.")
    sentences: list[SummarySentence] | None = Field(
        description="Extractive: the source sentences chosen, in source order."
    )
    model_calls: int = Field(description="Summarizer calls made (chunks of every pass).")
    passes: int = Field(description="Map-reduce passes: 1 when the text fit the model at once.")
    fallback: str | None = Field(
        description="Why `auto` did not use a better strategy (a model not ready), if it did not."
    )


class SummarizeResponse(BaseModel):
    """Response of POST /v1/summarize: one result per input, in order."""

    results: list[SummaryResult]
    models: list[str]
    demo: bool = Field(
        description="True when a random demo model wrote or translated a summary: not a summary."
    )
    timing_ms: float
