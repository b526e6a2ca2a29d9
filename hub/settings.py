"""The hub's configuration: environment variables with sane defaults, validated once at start.

Every knob is an environment variable (``HUB_*`` for the hub, ``NEO4J_*`` for the database).
Secrets are never defaults: when ``HUB_JWT_SECRET`` or ``HUB_DATA_KEY`` is unset, the hub
generates one on first use into ``$HUB_STATE_DIR/secrets/`` (mode 0600) and reuses it.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.codes import parse_region
from hub.exchange import levels
from hub.secret_text import new_secret

DEFAULT_NEO4J_VERSION = "5.26.30"  # Neo4j Community 5.26 LTS; runs on Java 17
DEFAULT_BOLT_PORT = 7687
DEFAULT_HUB_PORT = 8000


def _default_state_dir() -> Path:
    """Where the hub keeps what it generates: the local Neo4j, its data, generated secrets."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "credit-hub"


class Settings(BaseSettings):
    """One typed view of the environment; fails loudly on a malformed value."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # --- Neo4j: an existing server when NEO4J_URI is set, else our own local instance ---
    neo4j_uri: str | None = Field(default=None, alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", alias="NEO4J_USER")
    neo4j_password: str | None = Field(default=None, alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", alias="NEO4J_DATABASE")
    neo4j_version: str = Field(default=DEFAULT_NEO4J_VERSION, alias="HUB_NEO4J_VERSION")
    db_instance: str = Field(default="default", alias="HUB_DB_INSTANCE")
    neo4j_heap: str = Field(default="512m", alias="HUB_NEO4J_HEAP")
    neo4j_pagecache: str = Field(default="256m", alias="HUB_NEO4J_PAGECACHE")
    neo4j_timeout_s: float = Field(default=5.0, alias="HUB_NEO4J_TIMEOUT")

    # --- the hub itself ---
    host: str = Field(default="127.0.0.1", alias="HUB_HOST")
    port: int = Field(default=DEFAULT_HUB_PORT, alias="HUB_PORT")
    state_dir: Path = Field(default_factory=_default_state_dir, alias="HUB_STATE_DIR")
    platform_id: str = Field(default="henan-jiaxian", alias="HUB_PLATFORM_ID")
    jwt_secret: str | None = Field(default=None, alias="HUB_JWT_SECRET")
    jwt_issuer: str = Field(default="credit-hub", alias="HUB_JWT_ISSUER")
    jwt_default_ttl_s: int = Field(default=3600, alias="HUB_TOKEN_TTL")
    data_key: str | None = Field(default=None, alias="HUB_DATA_KEY")
    max_query_depth: int = Field(default=10, alias="HUB_MAX_QUERY_DEPTH")
    max_query_tokens: int = Field(default=2000, alias="HUB_MAX_QUERY_TOKENS")
    max_aliases: int = Field(default=30, alias="HUB_MAX_ALIASES")
    max_page_size: int = Field(default=100, alias="HUB_MAX_PAGE_SIZE")
    log_level: str = Field(default="INFO", alias="HUB_LOG_LEVEL")
    schemes_dir: Path | None = Field(default=None, alias="HUB_SCHEMES_DIR")
    models_dir: Path | None = Field(default=None, alias="HUB_MODELS_DIR")
    measures_dir: Path | None = Field(default=None, alias="HUB_MEASURES_DIR")
    calendar_file: Path | None = Field(default=None, alias="HUB_CALENDAR_FILE")
    publicity_policy: str | None = Field(default=None, alias="HUB_PUBLICITY_POLICY")

    # --- 信用预警: warning rules (docs/warnings.md) ---
    warnings_enabled: bool = Field(default=True, alias="HUB_WARNINGS")
    warning_rules_dir: Path | None = Field(default=None, alias="HUB_WARNING_RULES_DIR")
    warning_poll_s: float = Field(default=0.25, alias="HUB_WARNING_POLL")
    warning_window: int = Field(default=5000, alias="HUB_WARNING_WINDOW")

    # --- platform exchange (docs/exchange-protocol.md) ---
    level: str = Field(default="county", alias="HUB_LEVEL")
    region: str = Field(default="410425", alias="HUB_REGION")
    peers_file: Path | None = Field(default=None, alias="HUB_PEERS_FILE")
    signing_key: str | None = Field(default=None, alias="HUB_SIGNING_KEY")
    sync_page_size: int = Field(default=1000, alias="HUB_SYNC_PAGE_SIZE")
    sync_interval_s: float = Field(default=300.0, alias="HUB_SYNC_INTERVAL")
    sync_timeout_s: float = Field(default=60.0, alias="HUB_SYNC_TIMEOUT")
    sync_attempts: int = Field(default=6, alias="HUB_SYNC_ATTEMPTS")
    sync_regrade: str | None = Field(default=None, alias="HUB_SYNC_REGRADE")  # schemes, comma-separated
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, alias="HUB_MAX_BATCH_BYTES")
    max_concurrent_batches: int = Field(default=2, alias="HUB_MAX_CONCURRENT_BATCHES")

    @field_validator("port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError(f"HUB_PORT must be 1..65535, got {value}")
        return value

    @field_validator("jwt_secret", "data_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("secrets must be at least 32 characters")
        return value

    @field_validator("warning_window")
    @classmethod
    def _window(cls, value: int) -> int:
        if not 10 <= value <= 100_000:
            raise ValueError(f"HUB_WARNING_WINDOW must be 10..100000 feed positions, got {value}")
        return value

    @field_validator("warning_poll_s")
    @classmethod
    def _poll_interval(cls, value: float) -> float:
        if not 0.01 <= value <= 60:
            raise ValueError(f"HUB_WARNING_POLL must be 0.01..60 seconds, got {value}")
        return value

    @field_validator("sync_page_size")
    @classmethod
    def _page_size(cls, value: int) -> int:
        if not 1 <= value <= 5000:
            raise ValueError(f"HUB_SYNC_PAGE_SIZE must be 1..5000 (a peer serves at most 5000), got {value}")
        return value

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        levels.rank(value)  # raises naming the levels
        return value

    @field_validator("region")
    @classmethod
    def _region_code(cls, value: str) -> str:
        return parse_region(value)  # GB/T 2260, as everywhere else

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def secrets_dir(self) -> Path:
        return self.state_dir / "secrets"

    @cached_property
    def jwt_key(self) -> str:
        return self.jwt_secret or _generated_secret(self.secrets_dir / "jwt.key")

    @property
    def signing_key_file(self) -> Path:
        """Where the generated Ed25519 platform key lives when HUB_SIGNING_KEY is unset."""
        return self.secrets_dir / "platform-ed25519.key"

    @cached_property
    def personal_data_key(self) -> str:
        return self.data_key or _generated_secret(self.secrets_dir / "data.key")


def _generated_secret(path: Path) -> str:
    """Read a generated secret, creating it (0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = new_secret(64)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def load_settings() -> Settings:
    return Settings()
