"""Settings from the environment (`RELAYDESK_*`); every field is listed in docs/configuration.md."""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
_MIN_SECRET_LENGTH = 32
# Media and documents people exchange in support threads. Types a browser would render as
# active content (text/html, image/svg+xml) are left out on purpose.
DEFAULT_ATTACHMENT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "audio/mpeg",
    "audio/ogg",
    "audio/mp4",
    "audio/aac",
    "audio/wav",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)


class ConfigError(Exception):
    """Invalid configuration; the message is one actionable line for the operator."""


class Environment(StrEnum):
    development = "development"
    production = "production"


class LogFormat(StrEnum):
    json = "json"
    console = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_", extra="ignore")

    env: Environment = Environment.development
    data_dir: Path = Path(".relaydesk")
    database_url: str = ""
    secret_key: str = ""
    redis_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = ""
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.json
    signup_enabled: bool = True
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    invitation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    login_max_failures: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=100, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    db_echo: bool = False
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    attachment_allowed_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ATTACHMENT_TYPES)
    )
    api_outbound_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    redis_prefix: str = Field(default="relaydesk", min_length=1, max_length=100)
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    realtime_heartbeat_seconds: float = Field(default=25.0, gt=0, le=3600)
    realtime_idle_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    realtime_send_queue: int = Field(default=1000, ge=10, le=1_000_000)
    realtime_replay_limit: int = Field(default=10_000, ge=1)
    # Channel credentials: `kid:key` pairs (key: 32 bytes, urlsafe base64), comma-separated;
    # the first seals, all open. Empty: one key derived from secret_key (docs/channels.md).
    credentials_keys: str = Field(default="", repr=False)
    # Inbound webhooks: bodies over this are refused (413) before anything is stored.
    webhook_max_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    inbox_batch_size: int = Field(default=100, ge=1, le=10_000)
    inbox_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    inbox_max_attempts: int = Field(default=5, ge=1, le=100)
    telegram_poll_timeout_seconds: int = Field(default=25, ge=0, le=50)
    outbound_batch_size: int = Field(default=100, ge=1, le=1000)
    outbound_concurrency: int = Field(default=16, ge=1, le=1000)
    outbound_max_attempts: int = Field(default=8, ge=1, le=50)
    outbound_backoff_seconds: float = Field(default=1.0, gt=0)
    outbound_max_backoff_seconds: float = Field(default=300.0, gt=0)
    outbound_claim_seconds: float = Field(default=120.0, gt=0)
    outbound_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    automation_enabled: bool = True
    automation_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    automation_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    # A batch of runs takes at most this many, and about as many as fit in `batch_seconds` of
    # the writer at the cost per run of the last batch.
    automation_batch_size: int = Field(default=500, ge=1, le=1000)
    automation_batch_seconds: float = Field(default=0.1, gt=0, le=10)
    automation_max_depth: int = Field(default=5, ge=0, le=50)
    # How often due schedule ticks are looked for; `skip` backfill fires a late tick only
    # within this of its time.
    automation_schedule_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    # `once` backfill fires at most this many missed ticks of a workflow after downtime.
    automation_schedule_backfill_max: int = Field(default=100, ge=1, le=10_000)
    # Runs one bulk start or one schedule tick may create (one per matching contact).
    automation_bulk_max_contacts: int = Field(default=10_000, ge=1, le=1_000_000)
    # Finished runs older than this are deleted; 0 keeps them.
    automation_prune_days: int = Field(default=30, ge=0)
    automation_http_allow_private: bool = False
    # The length of one minute of `customer_waiting`/`agent_waiting` triggers, in seconds:
    # 60 in production; tests and drills shorten it.
    automation_wait_unit_seconds: float = Field(default=60.0, gt=0, le=3600)
    # A unique, stable id per process: a restarted process takes back its own claimed work.
    executor_id: str = Field(default="", max_length=100)
    # The built web app served at `/`; unset: web/dist of the source tree (docs/web.md).
    web_dist: Path | None = None

    @field_validator("log_level")
    @classmethod
    def _valid_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("credentials_keys")
    @classmethod
    def _valid_credentials_keys(cls, value: str) -> str:
        # Checked here so that `serve` refuses a bad key ring with a message, not a traceback.
        from relaydesk.security.credentials import parse_keys  # it imports this module

        try:
            parse_keys(value)
        except ConfigError as exc:
            raise ValueError(str(exc).removeprefix("RELAYDESK_CREDENTIALS_KEYS: ")) from None
        return value

    @model_validator(mode="after")
    def _idle_after_heartbeat(self) -> Settings:
        # A client that only answers the server's pings must not be taken for a dead one.
        if self.realtime_idle_timeout_seconds <= self.realtime_heartbeat_seconds:
            raise ValueError(
                "RELAYDESK_REALTIME_IDLE_TIMEOUT_SECONDS must be longer than "
                "RELAYDESK_REALTIME_HEARTBEAT_SECONDS"
            )
        return self

    @cached_property
    def database(self) -> URL:
        """The SQLAlchemy URL, with the async driver filled in."""
        return normalise_database_url(self.database_url or self._default_sqlite_url())

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def _default_sqlite_url(self) -> str:
        return f"sqlite+aiosqlite:///{(self.data_dir / 'relaydesk.db').resolve()}"


def normalise_database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"RELAYDESK_DATABASE_URL {raw!r} is not a database URL; expected "
            "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host:5432/db"
        ) from None
    backend = url.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+asyncpg")
        if not url.database:
            raise ConfigError("RELAYDESK_DATABASE_URL names no database; add /<dbname> to it")
        return url
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "RELAYDESK_DATABASE_URL must name a SQLite file "
                "(an in-memory database is lost between connections)"
            )
        return url.set(drivername="sqlite+aiosqlite")
    raise ConfigError(
        f"RELAYDESK_DATABASE_URL uses {backend!r}; RelayDesk supports sqlite and postgresql"
    )


def _check_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"RELAYDESK_DATA_DIR {str(path)!r} is not writable ({exc.strerror}); "
            "point it at a directory this user can write"
        ) from None


def _ensure_secret_key(settings: Settings) -> str:
    if settings.secret_key:
        if len(settings.secret_key) < _MIN_SECRET_LENGTH:
            raise ConfigError(
                f"RELAYDESK_SECRET_KEY is shorter than {_MIN_SECRET_LENGTH} characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return settings.secret_key
    if settings.env is Environment.production:
        raise ConfigError(
            "RELAYDESK_SECRET_KEY is required when RELAYDESK_ENV=production; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    # Embedded mode: generate once and keep it beside the data so tokens survive restarts.
    key_file = settings.data_dir / SECRET_KEY_FILE
    if not key_file.exists():
        _write_once(key_file, secrets.token_urlsafe(48))
    key = key_file.read_text().strip()
    if len(key) < _MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{key_file} holds no usable secret key; delete it to have a new one generated "
            "(signed-in users will have to sign in again)"
        )
    return key


def _write_once(path: Path, content: str) -> None:
    """Write `path` atomically unless it exists: processes starting together agree on one key."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    try:
        os.link(staging, path)  # fails if another process won the race; theirs is kept
    except FileExistsError:
        pass
    finally:
        staging.unlink()


def _describe(error: ValidationError) -> str:
    first: dict[str, Any] = dict(error.errors()[0])
    field = ".".join(str(part) for part in first["loc"]) or "settings"
    return f"RELAYDESK_{field.upper()}: {first['msg']}"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise ConfigError with one actionable line."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    settings.data_dir = settings.data_dir.expanduser().resolve()
    _check_data_dir(settings.data_dir)
    _ = settings.database  # validate the URL now, not on first use
    settings.secret_key = _ensure_secret_key(settings)
    return settings
