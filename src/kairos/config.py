"""Typed settings, read from the environment with the ``KAIROS_`` prefix."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kairos.redis_url import RedisUrl

_REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-insecure-secret"
_KEEP = "days kept (unset: forever) of "
log = logging.getLogger(__name__)
_IDLE = "minutes without an event after which a contact of the channel still in progress is "
_IDLE += "ended as timed out (the idle sweep); 0: never"
_IDLE_MAX = 90 * 24 * 60
_AGENT_DOMAINS = "the centre's own mail domains: an email from one is an agent's reply"


class ChannelTargetSetting(BaseModel, extra="forbid"):
    """One channel's service target in ``KAIROS_SERVICE_TARGETS``; unset parts keep the default."""

    service_level: float | None = Field(default=None, gt=0, lt=1)
    answer_seconds: float | None = Field(default=None, gt=0, le=7 * 86_400)
    concurrency: int | None = Field(default=None, ge=1, le=20)
    backlog: bool | None = None
    shrinkage: float | None = Field(default=None, ge=0, lt=1)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)


def weak_secret(secret: str) -> str | None:
    """Why a secret key is too weak to sign sessions in production, or None when it is not.

    >>> weak_secret("12345678")
    'it has 8 characters; use at least 16 (e.g. `openssl rand -hex 32`)'
    >>> weak_secret("a-real-secret-for-production") is None
    True
    """
    if secret == DEV_SECRET:
        return "it is the development default"
    if len(secret) < 16:
        return f"it has {len(secret)} characters; use at least 16 (e.g. `openssl rand -hex 32`)"
    if len(set(secret)) < 8 or secret.isdigit():
        return "it repeats too few characters to be guessed slowly; use `openssl rand -hex 32`"
    return None


def _install_secret(path: Path) -> str:
    """This install's random development key, made on first use and kept in ``path``."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(key)
        return key
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:  # nowhere to keep it: a key for this process alone
        log.warning("no place for the development secret key (%s); sessions end on restart", error)
        return key


class Settings(BaseSettings):
    """Everything Kairos can be configured with; see the README's "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="KAIROS_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", description="development, test or production")
    database_url: str = Field(
        default="sqlite:///./var/kairos.db",
        description="SQLAlchemy URL; the default is the file the demo writes, so the commands "
        "run beside it read what it made",
    )
    redis_url: RedisUrl | None = Field(default=None, description="Redis URL; unset: in-process bus")
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
    bus_max_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="deliveries of a bus message a listener fails on (raises, or asks to retry) "
        "before it is moved to its topic's dead-letter stream",
    )
    sweep_interval_s: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="how often a worker looks for interactions the stream left behind",
    )
    data_dir: Path | None = Field(default=None, description="the shared labeled data sets")
    secret_key: str = Field(
        default=DEV_SECRET,
        min_length=8,
        description="signs sessions and survey links; production refuses a weak one; unset in "
        "development: a random key made once per install (``secret_key_file``)",
    )
    secret_key_file: Path = Field(
        default=Path.home() / ".local" / "state" / "kairos" / "secret_key",
        description="where development keeps its random per-install key",
    )
    database_pool_timeout_s: float = Field(
        default=10,
        gt=0,
        le=300,
        description="how long a request waits for a free pooled database connection (PostgreSQL "
        "or a SQLite file) before it is answered 503 with Retry-After (SQLAlchemy's own default "
        "is 30 s)",
    )
    mot_base_rate: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="the prior of the fused mot_score: a dial for the share of contacts flagged "
        "(`kairos calibrate` recommends one from reviewed contacts); unset: the model card's",
    )
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    early_event_hold_s: float = Field(
        default=600.0,
        ge=0,
        le=7 * 86_400,
        description="how long an event that arrives before its interaction.started waits for it "
        "(202 parked; applied when the start lands); 0: refused with 404 as before",
    )
    early_events_max: int = Field(
        default=10_000,
        ge=1,
        description="events that may wait for their start at once; beyond it an early event is "
        "refused with 404 (retry it after the start)",
    )
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
    survey_link_days: float = Field(
        default=14, gt=0, le=365, description="days a survey link takes its one answer"
    )
    smtp_host: str | None = Field(
        default=None, description='SMTP server that sends "you said, we did" emails; unset: none'
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="the SMTP server's port")
    outreach_send_interval_s: float = Field(
        default=60, gt=0, le=86_400,
        description='seconds between two passes of the "you said, we did" sender (it runs when '
        "KAIROS_SMTP_HOST or KAIROS_TWILIO_ACCOUNT_SID is set)",
    )  # fmt: skip
    smtp_from: str = Field(default="kairos@localhost", description="the sender of those emails")
    twilio_account_sid: str | None = Field(
        default=None, description="Twilio account that sends outbound SMS; unset: no SMS sent"
    )
    twilio_api_url: str = Field(
        default="https://api.twilio.com", description="Twilio's REST API (a test stand-in in tests)"
    )
    twilio_from: str | None = Field(default=None, description="the number outbound SMS come from")
    twilio_auth_token: str | None = Field(
        default=None, description="Twilio auth token; set: SMS webhooks must be signed"
    )
    stt_engine: Literal["none", "pocketsphinx", "faster-whisper"] = Field(
        default="none",
        description="speech to text for media streams that come without a transcript",
    )
    stt_model_dir: Path | None = Field(
        default=None, description="faster-whisper: a local CTranslate2 model directory"
    )
    audiohook_api_key: str | None = Field(
        default=None, description="Genesys AudioHook: the integration's API key (X-API-KEY)"
    )
    audiohook_client_secret: str | None = Field(
        default=None,
        description="Genesys AudioHook: the client secret (base64); set: sessions must be signed",
    )
    twilio_webhook_url: str | None = Field(
        default=None, description="the SMS webhook URL as Twilio signs it, when a proxy rewrites it"
    )
    email_agent_domains: list[str] = Field(default=[], description=_AGENT_DOMAINS)
    sms_idle_gap_minutes: int = Field(
        default=240, ge=1, le=7 * 24 * 60, description="silence that ends an SMS conversation"
    )
    # Silence after which a contact whose end never arrived is ended as timed out; 0: never.
    idle_end_call_minutes: int = Field(default=4 * 60, ge=0, le=_IDLE_MAX, description=_IDLE)
    idle_end_chat_minutes: int = Field(default=2 * 60, ge=0, le=_IDLE_MAX, description=_IDLE)
    idle_end_sms_minutes: int = Field(default=24 * 60, ge=0, le=_IDLE_MAX, description=_IDLE)
    idle_end_social_minutes: int = Field(default=3 * 24 * 60, ge=0, le=_IDLE_MAX, description=_IDLE)
    idle_end_email_minutes: int = Field(default=7 * 24 * 60, ge=0, le=_IDLE_MAX, description=_IDLE)
    service_targets: dict[
        Literal["call", "chat", "email", "sms", "social"], ChannelTargetSetting
    ] = Field(
        default_factory=dict,
        description="per channel, JSON: the plan's service target, over the defaults",
    )
    alert_recheck_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds between two passes that re-read every open supervisor alert "
        "against the clock (a deadline that draws near or passes while the contact is quiet)",
    )
    idle_end_interval_s: float = Field(
        default=60.0, gt=0, le=3600, description="seconds between two passes of the idle sweep"
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
    routing_board: Literal["auto", "memory", "database", "lease"] = Field(default="auto",
        description="where POST /v1/agents/{id}/next decides: a board in this process (memory), "
        "the database (database), the board of the one process holding the site's lease "
        "(lease), or auto: lease on PostgreSQL, memory on SQLite")  # fmt: skip
    routing_lease_ttl_s: float = Field(default=3.0, ge=1, le=300, description="seconds the routing "
        "lease lasts unrenewed before another API process may take the board over")  # fmt: skip
    offer_timeout_s: float = Field(
        default=20.0, gt=0, le=600, description="seconds an agent has to accept a pushed offer"
    )
    return_after_pass_s: float = Field(default=120.0, gt=0, le=3600, description="seconds "
        "before a contact an agent let go (transferred, declined) goes to them again")  # fmt: skip
    routing_assessment_wait_s: float = Field(default=1.5, ge=0, le=10, description="seconds "
        "routing holds a new contact with no assessment yet, so its first one decides who "
        "gets it (a moment of truth goes to a certified agent); 0: off")  # fmt: skip
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
    trusted_proxies: list[str] = Field(
        default=[],
        description="addresses of the reverse proxies whose X-Forwarded-For is believed; empty: "
        "none, the peer's address is the client's (the rate limits' bucket)",
    )
    sign_in_failures: int = Field(
        default=5, ge=1, le=1000, description="wrong passwords for one account before backoff"
    )
    sign_in_address_failures: int = Field(
        default=20, ge=1, le=10_000, description="wrong passwords from one address before backoff"
    )
    max_concurrent_sign_ins: int = Field(
        default=4, ge=1, le=64, description="password hashes (64 MiB each) computed at once"
    )
    auth_failures_per_s: float = Field(
        default=1.0, gt=0, description="requests/s with an unknown token one address may send"
    )
    shutdown_grace_s: float = Field(
        default=10.0, gt=0, le=600, description="longest a stop waits for open live pages"
    )
    retention_events_days: int | None = Field(
        default=None,
        ge=1,
        description=_KEEP + "ended contacts' events (transcripts), subjects and review quotes",
    )
    retention_assessments_days: int | None = Field(
        default=None, ge=1, description=_KEEP + "ended contacts' assessment history"
    )
    retention_audit_days: int | None = Field(default=None, ge=1, description=_KEEP + "audit rows")
    purge_interval_s: float | None = Field(default=None, gt=0, description="seconds between "
        "retention purges in `kairos serve`; unset: only `kairos purge` purges")  # fmt: skip
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    @field_validator("default_timezone", "centre_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        # An unknown zone would read every deadline in UTC while the evidence named the zone.
        from kairos.limits import known_zone

        return None if value is None else known_zone(value)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.environment == "production":
            why = weak_secret(self.secret_key)
            if why is not None:
                raise ValueError(f"KAIROS_SECRET_KEY is too weak for production: {why}")
        elif self.secret_key == DEV_SECRET:
            # The shipped default would let anyone forge a session: a random one per install.
            self.secret_key = _install_secret(self.secret_key_file)
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
    def centre_or_default_timezone(self) -> str:
        """The zone the centre's clocks and days are read in: ``KAIROS_CENTRE_TIMEZONE``, else
        ``KAIROS_DEFAULT_TIMEZONE`` (UTC unless set)."""
        return self.centre_timezone or self.default_timezone

    def idle_end_limits(self) -> dict[str, timedelta]:
        """The silence after which each channel's contacts are ended as timed out (channels
        with no limit left out)."""
        minutes = {
            "call": self.idle_end_call_minutes,
            "chat": self.idle_end_chat_minutes,
            "sms": self.idle_end_sms_minutes,
            "social": self.idle_end_social_minutes,
            "email": self.idle_end_email_minutes,
        }
        return {channel: timedelta(minutes=m) for channel, m in minutes.items() if m > 0}

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
