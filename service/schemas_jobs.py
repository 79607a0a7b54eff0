"""Request and response models of the jobs API (documentation and responses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from service.schemas import Language, SourceLanguage, SummarizeMode

JobStateName = Literal["queued", "running", "done", "failed", "cancelled"]


class JobTextsRequest(BaseModel):
    """POST /v1/jobs with a JSON body: texts, the task and its options (as /v1/translate or
    /v1/summarize take them; there is no limit on the number of texts)."""

    task: Literal["translate", "summarize"] = "translate"
    text: str | list[str] = Field(description="One text or a list of texts.")
    source: SourceLanguage = "auto"
    target: Language | None = None
    format: Literal["text", "html"] = Field("text", description="translate: the texts' format.")
    glossary: dict[str, str] | None = Field(None, description="translate: term → target term.")
    keep: list[str] | None = Field(None, description="translate: terms never translated.")
    mode: SummarizeMode = Field("auto", description="summarize: the strategy.")
    max_sentences: int = Field(3, ge=1, le=20, description="summarize: extractive sentences.")
    max_words: int = Field(60, ge=10, le=400, description="summarize: abstractive words.")


class JobUpload(BaseModel):
    """POST /v1/jobs as multipart/form-data: a document and the options as form fields."""

    file: bytes = Field(description="The document: .txt, .jsonl, .html, .srt, .vtt, .docx, .pdf.")
    task: Literal["translate", "summarize"] = "translate"
    format: Literal["txt", "jsonl", "html", "srt", "vtt", "docx", "pdf"] | None = Field(
        None, description="The document's format; default: from the file name."
    )
    source: SourceLanguage = "auto"
    target: Language | None = None
    glossary: str | None = Field(None, description="translate: a JSON object, term → target term.")
    keep: str | None = Field(
        None, description="translate: terms never translated, comma-separated."
    )
    mode: SummarizeMode = "auto"
    max_sentences: int = Field(3, ge=1, le=20)
    max_words: int = Field(60, ge=10, le=400)
    field: str = Field("text", description="JSONL: the field holding the text.")
    output_field: str | None = Field(
        None, description="JSONL: the field the output goes in; default translation or summary."
    )
    output_format: Literal["txt", "docx"] | None = Field(
        None, description="PDF: the result's format (PDF text comes back as .txt or .docx)."
    )


class JobProgress(BaseModel):
    """Items (texts, lines, paragraphs, cues, blocks) done of all, and how many failed."""

    done: int
    total: int
    failed: int


class JobItemError(BaseModel):
    """One item that failed (its source is kept in the result) and why."""

    item: int
    error: str


class JobStatus(BaseModel):
    """A job: its state, progress, times (ISO 8601, UTC) and where to fetch it."""

    id: str
    task: Literal["translate", "summarize"]
    format: str
    filename: str
    state: JobStateName
    progress: JobProgress
    created: str
    started: str | None
    finished: str | None
    expires: str | None = Field(description="When a finished job and its result are deleted.")
    error: str | None = Field(description="Why the job failed, when it did.")
    errors: list[JobItemError] = Field(description="Items that failed (the first 100).")
    attempts: int = Field(description="Runs started: more than 1 when it was resumed.")
    url: str
    result_url: str
    options: dict[str, Any]


class JobList(BaseModel):
    """The caller's jobs, newest first."""

    jobs: list[JobStatus]


class JobDeleted(BaseModel):
    """DELETE /v1/jobs/{id}: the job was cancelled (when it was queued or running) and deleted."""

    id: str
    deleted: bool
    state: JobStateName
