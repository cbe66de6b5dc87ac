"""Typed settings of the service, read from ``CLUSTERBRIDGE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.config import default_data_dir, default_database, default_models_dir
from matcher.engine.embedding import DEFAULT_EMBEDDER


class Settings(BaseSettings):
    """Everything the service can be told; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="CLUSTERBRIDGE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir,
                           description="curated catalogue that seeds an empty database")
    models_dir: Path = Field(default_factory=default_models_dir)
    database: str = Field(
        default_factory=default_database,
        description="the live database: a SQLite file (one host; several workers may share it) "
                    "or a postgresql:// URL (several hosts)")
    sync_interval_s: float = Field(default=0.25, ge=0.0, le=1.0, description=(
        "each worker checks the database's data version at most this often (on a request) and "
        "applies writes made through other workers or hosts"))
    answer_cache: int = Field(default=4096, ge=0, description=(
        "match answers kept per worker, keyed by data version and request; 0 turns it off"))
    embedder: str = DEFAULT_EMBEDDER
    api_token: SecretStr | None = Field(default=None,
                                        description="bearer token for writes; none disables writes")
    read_token_required: bool = Field(default=False, description="require the token for reads too")
    cors_origins: list[str] = Field(default_factory=list, description="allowed origins; none = closed")
    max_body_bytes: int = 64 * 1024
    writes_per_minute: int = Field(default=60, description=(
        "writes per writer in each window of write_window_s seconds, all workers together"))
    write_window_s: int = Field(default=60, ge=1, description=(
        "the window of the write limit, aligned to the clock (a minute by default)"))
    blas_threads: int = Field(default=1, ge=1, le=64, description=(
        "BLAS threads per request: requests already run in parallel, and more BLAS threads "
        "than cores make them wait on each other"))
    adhoc_workers: int = Field(default=2, ge=1, le=64, description=(
        "threads computing ad-hoc matches (each embeds its query); about the number of cores"))
    adhoc_queue: int = Field(default=8, ge=0, description=(
        "ad-hoc matches that may wait for a thread; one more gets 503 with Retry-After"))
    adhoc_timeout_s: float = Field(default=10.0, gt=0, description=(
        "an ad-hoc match not started within this many seconds is dropped, and its client gets "
        "503; one whose client disconnects is dropped at once"))
    report_dir: Path = Field(default_factory=lambda: default_models_dir() / "reports")
    report_queue: int = Field(default=4, ge=1, description=(
        "reports queued or being written at once; one more gets 429 with Retry-After"))
    report_max_age_days: float = Field(default=30.0, gt=0, description=(
        "a report is deleted this many days after it was started"))
    report_max_total_mb: float = Field(default=1000.0, gt=0, description=(
        "finished reports together take at most this many MB; the oldest are deleted first"))

    alert_top: int = Field(default=10, ge=1, le=50, description=(
        "length of the top-k list followed per German cluster; its pairs count as suggested"))
    alert_min_score: float = Field(default=0.85, ge=0.0, le=1.0, description=(
        "a new or moved-up suggestion becomes an alert from this score on (on the shipped "
        "catalogue the top-10 scores run from 0.76 to 0.99, median 0.91)"))
    alert_min_rise: int = Field(default=2, ge=1, description=(
        "places a suggestion must move up to become an alert"))
    alert_delay_s: float = Field(default=2.0, ge=0.0, le=600.0, description=(
        "wait this long after a catalogue change before taking the top-k lists, so that a "
        "burst of writes is followed once"))
    webhook_url: AnyHttpUrl | None = Field(default=None, description=(
        "POST new alerts here as JSON, signed (X-ClusterBridge-Signature); none: no webhook"))
    webhook_secret: SecretStr | None = Field(default=None, description=(
        "HMAC-SHA256 key of the webhook signature; required with webhook_url"))
    webhook_retries: int = Field(default=4, ge=0, le=10, description=(
        "retries of a webhook POST that failed (connection error, 429 or 5xx)"))
    webhook_backoff_s: float = Field(default=1.0, ge=0.0, le=60.0, description=(
        "wait before the first retry; doubled before each next one"))
    webhook_timeout_s: float = Field(default=10.0, gt=0.0, le=60.0)
    webhook_allow_private: bool = Field(default=False, description=(
        "let the webhook reach loopback, link-local and private addresses (tests, a receiver "
        "on the same network); off, such a target is refused"))

    request_timeout_s: float = Field(default=10.0, gt=0.0, le=300.0, description=(
        "a connection that has not sent a complete request (headers and body) this many "
        "seconds after it opened or got its previous answer is closed"))
    keep_alive_s: float = Field(default=5.0, gt=0.0, le=300.0, description=(
        "an idle connection is closed this many seconds after its last answer"))
    max_connections: int = Field(default=1000, ge=8, le=100_000, description=(
        "open connections per worker; one more closes the one that has waited longest for its "
        "request (lowered to what the file limit allows)"))
    answer_cache_mb: float = Field(default=64.0, ge=0.0, description=(
        "the answer cache's size per worker in MB (matches and cluster pages together)"))

    @field_validator("database", mode="before")
    @classmethod
    def _database_text(cls, value: object) -> object:
        return str(value) if isinstance(value, Path) else value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_with_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @model_validator(mode="after")
    def _webhook_is_signed(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("webhook_url needs webhook_secret: every webhook POST is signed")
        return self

    @field_validator("max_body_bytes", "writes_per_minute")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be >= 1")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
