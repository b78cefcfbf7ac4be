"""Typed settings, read from the environment with the ``KAIROS_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything Kairos can be configured with; see the README's "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="KAIROS_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", description="development, test or production")
    database_url: str = Field(default="sqlite:///./kairos.db", description="SQLAlchemy URL")
    redis_url: str | None = Field(default=None, description="Redis URL; unset: in-process bus")
    detection: Literal["inline", "workers"] = Field(
        default="inline",
        description="inline: the API process assesses inside the ingest transaction; workers: "
        "`kairos worker` processes assess from the Redis stream (needs redis_url)",
    )
    max_detection_lag: int = Field(
        default=20_000,
        ge=100,
        description="events the workers may be behind before ingestion answers 429 Retry-After",
    )
    redis_claim_idle_ms: int = Field(
        default=30_000,
        ge=100,
        description="how long a message may sit with a silent worker before another takes it",
    )
    sweep_interval_s: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="how often a worker looks for interactions the stream left behind",
    )
    data_dir: Path | None = Field(default=None, description="the shared labeled data sets")
    secret_key: str = Field(default="dev-insecure-secret", min_length=8)
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    max_request_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="largest request body accepted (recordings have their own limit)",
    )
    default_timezone: str = "UTC"
    centre_timezone: str | None = Field(
        default=None,
        description="the contact centre's IANA zone: customer deadlines are read in it when "
        "neither the interaction nor the customer (earlier contacts, phone number) gives one; "
        "unset: KAIROS_DEFAULT_TIMEZONE if set, else UTC, and the evidence says so",
    )
    default_phone_region: str = Field(
        default="US", description="ISO region for phone numbers written without a country code"
    )
    repeat_contact_days: int = Field(
        default=7, ge=1, le=365, description="a contact within this many days is a repeat"
    )
    recontact_days: int = Field(
        default=7, ge=1, le=365, description="days in which a contact on the same issue recontacts"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="where customers reach survey links"
    )
    twilio_auth_token: str | None = Field(
        default=None, description="Twilio auth token; set: SMS webhooks must be signed"
    )
    twilio_webhook_url: str | None = Field(
        default=None, description="the SMS webhook URL as Twilio signs it, when a proxy rewrites it"
    )
    sms_idle_gap_minutes: int = Field(
        default=240, ge=1, le=7 * 24 * 60, description="silence that ends an SMS conversation"
    )
    escalation_queue: str = Field(
        default="callbacks",
        min_length=1,
        max_length=100,
        description="routing queue for calls escalated from chat, social, SMS or email",
    )
    ivr_menu_path: Path | None = Field(
        default=None, description="IVR menu definition (JSON or YAML); unset: the shipped one"
    )
    queue_map: Path | None = Field(
        default=None,
        description="queue mapping (TOML, JSON or YAML): which queue each new contact joins, "
        "by channel, reason, IVR choice, stakes and language; unset: contacts join only the "
        "queue their events name",
    )
    routing_board: Literal["auto", "memory", "database", "lease"] = Field(
        default="auto",
        description="where POST /v1/agents/{id}/next decides: a live board in this process "
        "(memory), the database on every call (database), the board of the one process holding "
        "the site's lease (lease: several API processes, needs Redis), or auto: memory on SQLite",
    )
    offer_timeout_s: float = Field(
        default=20.0, gt=0, le=600, description="seconds an agent has to accept a pushed offer"
    )
    live_heartbeat_s: float = Field(
        default=15.0, gt=0, le=300, description="seconds between live-stream heartbeats"
    )
    session_max_age_s: int = Field(
        default=12 * 3600, ge=60, description="how long a page sign-in lasts, in seconds"
    )
    require_tokens: bool | None = Field(
        default=None,
        description="whether /v1 needs an API token or a page session; unset: only in production",
    )
    token_cache_s: float = Field(
        default=15.0,
        ge=0,
        le=300,
        description="seconds a token's lookup is cached: a revoked token works this long at most",
    )
    rate_limit_per_s: float = Field(
        default=2000.0,
        ge=0,
        description="requests/s per token or client address, per API process; 0: off",
    )
    rate_limit_burst: int = Field(
        default=4000, ge=1, description="requests a token or client address may send at once"
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == "dev-insecure-secret":
            raise ValueError("KAIROS_SECRET_KEY must be set in production")
        if self.detection == "workers" and not self.redis_url:
            raise ValueError("KAIROS_DETECTION=workers needs KAIROS_REDIS_URL")
        return self

    @property
    def centre_zone(self) -> str | None:
        """The centre's configured zone, None when nothing is configured."""
        if self.centre_timezone:
            return self.centre_timezone
        return self.default_timezone if "default_timezone" in self.model_fields_set else None

    @property
    def tokens_required(self) -> bool:
        """Whether the JSON API refuses requests without a token (or a page session)."""
        if self.require_tokens is None:
            return self.environment == "production"
        return self.require_tokens

    def shared_data_dir(self) -> Path | None:
        """Where the shared labeled data lives: the setting, else ``../shared/data``."""
        candidates = [self.data_dir] if self.data_dir else []
        candidates += [Path.cwd().parent / "shared" / "data", _REPO_ROOT.parent / "shared" / "data"]
        for candidate in candidates:
            if candidate is not None and candidate.is_dir():
                return candidate
        return None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
