"""Settings: one validated object built from an explicit mapping of TARJOMAN_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "TARJOMAN_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Variables read by the test suite and scripts, not by the service.
NOT_SETTINGS = ("TARJOMAN_TEST_", "TARJOMAN_VENV", "TARJOMAN_EXTRAS")

PositiveInt = Annotated[int, Field(gt=0)]


class SettingsError(ValueError):
    """A TARJOMAN_* variable is unknown or has a bad value; the message names it."""


class Settings(BaseSettings):
    """Every knob of the service; field `x` is read from `TARJOMAN_X`."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    profile: str = Field("default", description="Model profile from models.toml to serve.")
    models_file: Path = Field(PROJECT_ROOT / "models.toml", description="The profiles file.")
    models_dir: Path = Field(
        PROJECT_ROOT / "models",
        description="Where weights live: local folders and the Hugging Face cache layout.",
    )
    preload: list[str] = Field(
        default_factory=lambda: ["all"],
        description="Models to load and warm at start (comma-separated names, `all` or empty).",
    )
    allow_download: bool = Field(
        False,
        description="Fetch missing preloaded hub models in the background at start "
        "(requests never wait on a download).",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where models run; `auto` is CUDA when torch sees a GPU."
    )
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        "auto",
        description="Precision on CUDA; `auto` is fp16, bf16 for mT5 (fp16 overflows). "
        "CPU always runs fp32.",
    )
    runtime: Literal["", "torch", "ctranslate2"] = Field(
        "",
        description="Runtime of every model (`torch`, `ctranslate2`); empty: each model's "
        "`runtime` in models.toml (default torch).",
    )
    quantization: Literal[
        "",
        "none",
        "int8",
        "int8_float32",
        "int8_float16",
        "int8_bfloat16",
        "int16",
        "float16",
        "bfloat16",
        "float32",
    ] = Field(
        "",
        description="Quantization of every model (`none`, `int8`, or what the runtime offers); "
        "empty: each model's `quantization` in models.toml (default none).",
    )
    torch_threads: int = Field(
        0,
        ge=0,
        description="Compute threads per worker; 0: the CPUs this process may use (affinity "
        "and cgroup quota) divided by TARJOMAN_WORKERS.",
    )
    max_body_bytes: PositiveInt = Field(2_000_000, description="Largest request body accepted.")
    max_text_chars: PositiveInt = Field(100_000, description="Largest single text, in characters.")
    max_texts: PositiveInt = Field(100, description="Most texts in one request.")
    max_new_tokens: PositiveInt = Field(256, description="Most tokens generated per segment.")
    min_new_tokens: int = Field(
        0,
        ge=0,
        description="Fewest tokens generated per segment (end of sentence held back until "
        "then); for benchmarks, 0 in service.",
    )
    num_beams: int | None = Field(
        None, ge=1, le=8, description="Beam width; unset means each model family's default."
    )
    max_batch_size: PositiveInt = Field(32, description="Most segments in one model batch.")
    max_batch_tokens: PositiveInt = Field(
        8192, description="Most source tokens (padded) in one model batch."
    )
    max_wait_ms: float = Field(
        2.0,
        ge=0,
        description="How long a batch that is not full waits for one more segment; each "
        "arrival restarts the wait, so a lone request on an idle model waits this long at most.",
    )
    max_queue: PositiveInt = Field(
        4096, description="Most segments queued per model before requests get 503."
    )
    request_timeout_s: float = Field(120.0, gt=0, description="Deadline of each request.")
    read_timeout_s: float = Field(
        5.0,
        gt=0,
        description="Longest silence while a request is read: a stalled body gets 408, stalled "
        "headers a closed connection; either way its thread is freed.",
    )
    max_summary_calls: PositiveInt = Field(
        32,
        description="Most summarizer calls (chunks of every map-reduce pass) one text may take; "
        "a text that needs more gets 413.",
    )
    cache_bytes: PositiveInt = Field(
        8 * 1024**3, description="Memory the loaded models may take before the LRU one is evicted."
    )
    cache: bool = Field(
        True,
        description="Keep model outputs per segment, model revision and options, so a segment "
        "seen before skips the model (a request's `Cache-Control: no-cache` recomputes).",
    )
    cache_url: str = Field(
        "",
        description="Redis shared by every worker and replica for the result cache, e.g. "
        "`redis://redis:6379/1`; empty: each process keeps its own.",
    )
    cache_memory_bytes: PositiveInt = Field(
        256 * 1024**2, description="Memory of each process's result cache (least recent out)."
    )
    cache_ttl_s: PositiveInt = Field(
        7 * 24 * 3600, description="How long a result lives in the Redis cache, in seconds."
    )
    workers: PositiveInt = Field(
        1, description="gunicorn worker processes (one per machine or GPU)."
    )
    threads: PositiveInt = Field(
        64, description="gunicorn threads per worker; at least 2 × TARJOMAN_MAX_BATCH_SIZE."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level."
    )
    output_digits: Literal["target", "ascii", "keep"] = Field(
        "target",
        description="Digits in translations: `target` (ASCII in English, Persian in Persian), "
        "`ascii` everywhere, or `keep` as the model wrote them.",
    )
    api_keys: list[SecretStr] = Field(
        default_factory=list,
        description="API keys accepted (comma-separated); with none here or in the file, no key.",
    )
    api_keys_file: Path | None = Field(
        None, description="A file of API keys, one a line (blank lines and `#` comments skipped)."
    )
    rate_limit: str = Field(
        "", description="Requests per key or client address, e.g. `60/minute`; empty: no limit."
    )
    rate_limit_chars: str = Field(
        "",
        description="Characters of text per key or client address, e.g. `200000/hour`; "
        "empty: no limit.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate limits count: `memory://` (one process) or `redis://host:port/0` "
        "(shared by workers and replicas).",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        description="Reverse proxies in front that append X-Forwarded-For; 0: the socket address.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (comma-separated); none.",
    )
    log_text: bool = Field(
        False, description="Put request texts in the request log (debugging only)."
    )
    docs: bool = Field(True, description="Serve /docs and /openapi.json.")
    metrics: bool = Field(True, description="Serve /metrics.")
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token /metrics requires; unset: /metrics is open."
    )
    jobs_url: str = Field(
        "",
        description="Where jobs queue: empty runs them inside the service (threads, SQLite index "
        "in TARJOMAN_JOBS_DIR); `redis://host:port/0` queues them in Redis for `tarjoman worker`.",
    )
    jobs_dir: Path = Field(
        PROJECT_ROOT / "jobs",
        description="Job index, uploads and results (shared by API and workers in Redis mode).",
    )
    job_threads: int = Field(
        1, ge=0, description="Threads running jobs inside each service process; 0: none here."
    )
    job_ttl: PositiveInt = Field(
        86400, description="Seconds a finished job and its result are kept before deletion."
    )
    job_lease_s: PositiveInt = Field(
        30,
        description="Seconds without a heartbeat after which a running job counts as abandoned "
        "and is resumed by another thread, process or worker.",
    )
    max_upload_bytes: PositiveInt = Field(
        50_000_000, description="Largest job upload (file or JSON texts); 413 past it."
    )
    max_jobs_per_key: PositiveInt = Field(
        4,
        description="Queued or running jobs per API key (or per server with no keys); 429 past it.",
    )
    max_job_bytes_per_key: PositiveInt = Field(
        500_000_000, description="Bytes of uploads and results stored per API key; 413 past it."
    )

    data_dir: Path = Field(
        PROJECT_ROOT / "data",
        description="Where the service keeps its small state: DeepL glossaries and usage "
        "(one SQLite file shared by every worker).",
    )
    max_alternatives: int = Field(
        3,
        ge=0,
        le=7,
        description="Most alternative translations a request may ask for (`alternatives`): "
        "distinct n-best outputs of beam search.",
    )
    deepl_character_limit: int = Field(
        0,
        ge=0,
        description="Characters each key may translate per calendar month (UTC) on the DeepL "
        "surface, reported by /v2/usage; past it, 456. 0: no limit.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read only what is passed in: `load_settings` is the one way in from the environment."""
        return (init_settings,)

    @field_validator("preload", "api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """Accept a comma-separated string for list settings."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("jobs_url")
    @classmethod
    def _jobs_url(cls, value: str) -> str:
        """Empty (embedded) or a Redis URL."""
        if value.strip() and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a Redis URL like `redis://localhost:6379/0` (or empty)")
        return value.strip()

    @field_validator("cache_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        """The shared cache is Redis: the URL must say so now, not at the first request."""
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a Redis URL like `redis://host:6379/1`")
        return value

    @field_validator("rate_limit", "rate_limit_chars")
    @classmethod
    def _parse_rate(cls, value: str) -> str:
        """A rate limit must parse now (`N/second|minute|hour|day`), not at the first request."""
        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit like `60/minute`: {exc}") from None
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        """Refuse settings that contradict each other; the message names every variable."""
        problem = contradiction(self)
        if problem:
            raise ValueError(problem)
        return self


def contradiction(settings: Settings) -> str | None:
    """What two or more settings contradict, or None when they agree."""
    if settings.threads < 2 * settings.max_batch_size:
        return (
            f"TARJOMAN_THREADS={settings.threads} must be at least 2 × TARJOMAN_MAX_BATCH_SIZE "
            f"({2 * settings.max_batch_size}): requests wait on a batch while the next one fills"
        )
    if settings.rate_limit_chars:
        for limit in parse_many(settings.rate_limit_chars):
            if limit.amount < settings.max_text_chars:
                return (
                    f"TARJOMAN_RATE_LIMIT_CHARS={settings.rate_limit_chars} allows fewer "
                    f"characters than one text may have (TARJOMAN_MAX_TEXT_CHARS="
                    f"{settings.max_text_chars}): such a text could never be served"
                )
    limited = bool(settings.rate_limit or settings.rate_limit_chars)
    if limited and settings.workers > 1 and settings.rate_limit_storage.startswith("memory://"):
        return (
            f"TARJOMAN_WORKERS={settings.workers} with rate limits needs a shared "
            "TARJOMAN_RATE_LIMIT_STORAGE (redis://…): memory:// counts in each worker apart"
        )
    return None


def env_name(field: str) -> str:
    """The environment variable that sets a field."""
    return PREFIX + field.upper()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from TARJOMAN_* entries of `environ` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for key, value in environ.items():
        if not key.startswith(PREFIX) or key.startswith(NOT_SETTINGS):
            continue
        field = key[len(PREFIX) :].lower()
        if field not in Settings.model_fields:
            raise SettingsError(
                f"{key} is not a Tarjoman setting (see the README's settings table)"
            )
        values[field] = value
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a rule across fields: its message names the variables
            raise SettingsError(first["msg"].removeprefix("Value error, ")) from None
        name = env_name(str(first["loc"][0]))
        raise SettingsError(f"{name}: {first['msg']} (got {first.get('input')!r})") from None
