"""The hub's configuration: environment variables with sane defaults, validated once at start.

Every knob is an environment variable (``HUB_*`` for the hub, ``NEO4J_*`` for the database).
Secrets are never defaults: when ``HUB_JWT_SECRET`` or ``HUB_DATA_KEY`` is unset, the hub
generates one on first use into ``$HUB_STATE_DIR/secrets/`` (mode 0600) and reuses it.

Every variable is checked when the settings load, before any command does anything: its type, its
range (counts and sizes at least 1, timeouts and intervals above 0), the names it must be one of
(levels, log levels, publicity policies, grading schemes), the files and folders it must name.
``load_settings`` turns every problem into one line naming the variable (``SettingsError``; the
CLI prints each and exits 2). Secrets are ``SecretStr``: their value is never in a message, a log
line or a ``repr`` — only what is wrong with it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.codes import parse_region
from hub.errors import ConfigurationError
from hub.exchange import levels
from hub.keyring import Keyring, KeyringFile
from hub.secret_text import new_secret

DEFAULT_NEO4J_VERSION = "5.26.30"  # Neo4j Community 5.26 LTS; runs on Java 17
DEFAULT_BOLT_PORT = 7687
DEFAULT_HUB_PORT = 8000
DEFAULT_TOKEN_MAX_TTL_S = 30 * 24 * 3600  # a platform's token file is renewed at least monthly
DEFAULT_REVOCATION_REFRESH_S = 5.0  # how stale a hub's copy of the token deny list may be
NEO4J_POOL_SIZE = 50  # the driver's connections (hub/db/gateway.py)
MAX_CONCURRENT_REQUESTS = NEO4J_POOL_SIZE // 2
_MAY_BE_ZERO = {"max_queued_requests", "rate_limit_public", "rate_limit_bank", "query_cache_bytes"}
LOG_LEVELS = tuple(logging.getLevelName(n) for n in (logging.DEBUG, logging.INFO, logging.WARNING,
                                                     logging.ERROR, logging.CRITICAL))
_MEMORY_SIZE = re.compile(r"[1-9][0-9]*[kmgKMG]?")  # what both the JVM and Neo4j accept
_INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_NEO4J_URI = re.compile(r"(bolt|neo4j)(\+s|\+ssc)?://([^\s/:@\[\]]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?/?(\?\S*)?")


def _default_state_dir() -> Path:
    """Where the hub keeps what it generates: the local Neo4j, its data, generated secrets."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "credit-hub"


class Settings(BaseSettings):
    """One typed view of the environment; fails loudly on a malformed value."""

    # hide_input_in_errors: a ValidationError's text never carries a value (a secret may be one)
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True, hide_input_in_errors=True,
                                      allow_inf_nan=False)

    # --- Neo4j: an existing server when NEO4J_URI is set, else our own local instance ---
    neo4j_uri: str | None = Field(default=None, alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", alias="NEO4J_USER")
    neo4j_password: SecretStr | None = Field(default=None, alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", alias="NEO4J_DATABASE")
    neo4j_version: str = Field(default=DEFAULT_NEO4J_VERSION, alias="HUB_NEO4J_VERSION")
    db_instance: str = Field(default="default", alias="HUB_DB_INSTANCE")
    neo4j_heap: str = Field(default="512m", alias="HUB_NEO4J_HEAP")
    neo4j_pagecache: str = Field(default="256m", alias="HUB_NEO4J_PAGECACHE")
    neo4j_timeout_s: float = Field(default=5.0, alias="HUB_NEO4J_TIMEOUT", gt=0)

    # --- the hub itself ---
    host: str = Field(default="127.0.0.1", alias="HUB_HOST")
    port: int = Field(default=DEFAULT_HUB_PORT, alias="HUB_PORT")
    # hub processes behind one port (`hub serve --workers`); each has its own pool and audit batcher
    workers: int = Field(default=1, ge=1, le=64, alias="HUB_WORKERS")
    state_dir: Path = Field(default_factory=_default_state_dir, alias="HUB_STATE_DIR")
    platform_id: str = Field(default="henan-jiaxian", alias="HUB_PLATFORM_ID")
    jwt_secret: SecretStr | None = Field(default=None, alias="HUB_JWT_SECRET")
    # Keys rotated out of HUB_JWT_SECRET that still verify the tokens they signed (comma-separated).
    jwt_previous_secrets: SecretStr | None = Field(default=None, alias="HUB_JWT_PREVIOUS_SECRETS")
    jwt_issuer: str = Field(default="credit-hub", alias="HUB_JWT_ISSUER")
    token_max_ttl_s: int = Field(default=DEFAULT_TOKEN_MAX_TTL_S, alias="HUB_TOKEN_MAX_TTL")
    jwt_default_ttl_s: int = Field(default=3600, alias="HUB_TOKEN_TTL", ge=1)  # validated after the maximum
    revocation_refresh_s: float = Field(default=DEFAULT_REVOCATION_REFRESH_S, alias="HUB_REVOCATION_REFRESH")
    # The audit chain's HMAC key: its own secret, never derived from the token keys (docs/tiers.md).
    audit_key: SecretStr | None = Field(default=None, alias="HUB_AUDIT_KEY")
    audit_previous_keys: SecretStr | None = Field(default=None, alias="HUB_AUDIT_PREVIOUS_KEYS")
    data_key: SecretStr | None = Field(default=None, alias="HUB_DATA_KEY")
    max_query_depth: int = Field(default=10, alias="HUB_MAX_QUERY_DEPTH", ge=1)
    max_query_tokens: int = Field(default=2000, alias="HUB_MAX_QUERY_TOKENS", ge=1)
    max_aliases: int = Field(default=30, alias="HUB_MAX_ALIASES", ge=1)
    max_page_size: int = Field(default=100, alias="HUB_MAX_PAGE_SIZE", ge=1)
    # bank tokens may run only the trusted documents of schema/trusted/bank.json (docs/tiers.md, "Trusted documents")
    bank_trusted_documents_only: bool = Field(default=False, alias="HUB_BANK_TRUSTED_DOCUMENTS_ONLY")
    # --- limits that keep the hub up (docs/tiers.md, "Limits", says why each default) ---
    max_query_cost: int = Field(default=15_000, alias="HUB_MAX_QUERY_COST")
    query_list_size: int = Field(default=10, alias="HUB_QUERY_LIST_SIZE")
    max_selections: int = Field(default=500, alias="HUB_MAX_SELECTIONS")
    max_field_repeats: int = Field(default=10, alias="HUB_MAX_FIELD_REPEATS")
    query_cache_bytes: int = Field(default=256 * 1024, alias="HUB_QUERY_CACHE_BYTES")
    request_timeout_s: float = Field(default=30.0, alias="HUB_REQUEST_TIMEOUT")
    max_concurrent_requests: int = Field(default=16, alias="HUB_MAX_CONCURRENT_REQUESTS")
    max_queued_requests: int = Field(default=64, alias="HUB_MAX_QUEUED_REQUESTS")
    queue_timeout_s: float = Field(default=2.0, alias="HUB_QUEUE_TIMEOUT")
    rate_limit_public: int = Field(default=300, alias="HUB_RATE_LIMIT_PUBLIC")  # per minute per address; 0 = off
    rate_limit_bank: int = Field(default=1200, alias="HUB_RATE_LIMIT_BANK")  # per minute per organisation; 0 = off
    rate_burst: int = Field(default=30, alias="HUB_RATE_BURST")
    max_body_bytes: int = Field(default=100_000, alias="HUB_MAX_BODY_BYTES")
    max_json_depth: int = Field(default=32, alias="HUB_MAX_JSON_DEPTH")
    pdf_workers: int = Field(default=2, alias="HUB_PDF_WORKERS")
    # how old the console's grade breakdown may be before it is recounted (hub.recent; 0 = count every time)
    statistics_max_age_s: float = Field(default=60.0, alias="HUB_STATISTICS_MAX_AGE")
    shutdown_timeout_s: float = Field(default=10.0, alias="HUB_SHUTDOWN_TIMEOUT")
    log_level: str = Field(default="INFO", alias="HUB_LOG_LEVEL")
    # who may read /metrics: comma-separated addresses or networks (request counts, sync peers and dead
    # letters are for the operator, not the public)
    metrics_allow: str = Field(default="127.0.0.1/32,::1/128", alias="HUB_METRICS_ALLOW")
    schemes_dir: Path | None = Field(default=None, alias="HUB_SCHEMES_DIR")
    models_dir: Path | None = Field(default=None, alias="HUB_MODELS_DIR")
    measures_dir: Path | None = Field(default=None, alias="HUB_MEASURES_DIR")
    calendar_file: Path | None = Field(default=None, alias="HUB_CALENDAR_FILE")
    publicity_policy: str | None = Field(default=None, alias="HUB_PUBLICITY_POLICY")
    pdf_fonts: str | None = Field(default=None, alias="HUB_PDF_FONTS")  # latin.ttf:cjk.ttf (hub.rights.report_pdf)

    # --- 信用预警: warning rules (docs/warnings.md) ---
    warnings_enabled: bool = Field(default=True, alias="HUB_WARNINGS")
    warning_rules_dir: Path | None = Field(default=None, alias="HUB_WARNING_RULES_DIR")
    warning_poll_s: float = Field(default=0.1, alias="HUB_WARNING_POLL")
    warning_window: int = Field(default=5000, alias="HUB_WARNING_WINDOW")

    # --- platform exchange (docs/exchange-protocol.md) ---
    level: str = Field(default="county", alias="HUB_LEVEL")
    region: str = Field(default="410425", alias="HUB_REGION")
    peers_file: Path | None = Field(default=None, alias="HUB_PEERS_FILE")
    signing_key: SecretStr | None = Field(default=None, alias="HUB_SIGNING_KEY")
    sync_page_size: int = Field(default=1000, alias="HUB_SYNC_PAGE_SIZE")
    sync_interval_s: float = Field(default=300.0, alias="HUB_SYNC_INTERVAL", gt=0)
    sync_timeout_s: float = Field(default=60.0, alias="HUB_SYNC_TIMEOUT", gt=0)
    sync_attempts: int = Field(default=6, alias="HUB_SYNC_ATTEMPTS", ge=1)
    sync_regrade: str | None = Field(default=None, alias="HUB_SYNC_REGRADE")  # schemes, comma-separated
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, alias="HUB_MAX_BATCH_BYTES", ge=1)
    max_concurrent_batches: int = Field(default=2, alias="HUB_MAX_CONCURRENT_BATCHES", ge=1)

    # --- validation, one rule per kind of variable (ranges of plain numbers are Field(ge=/gt=) above) ---
    # Each message names what is wrong and never the value of a secret; ``load_settings`` adds the name.

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """``HUB_X=`` (empty) means unset for optional variables, like an absent one."""
        field = cls.model_fields[info.field_name or ""]
        if isinstance(value, str) and not value.strip() and field.default is None:
            return None
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            try:
                ipaddress.ip_network(part.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {part.strip()!r} (e.g. 10.0.0.0/8,127.0.0.1)") from None
        return value

    @property
    def metrics_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in self.metrics_allow.split(","))

    @field_validator("port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError(f"must be a port 1..65535, got {value}")
        return value

    @field_validator("max_query_cost", "query_list_size", "max_selections", "max_field_repeats", "query_cache_bytes",
                     "max_queued_requests", "rate_limit_public", "rate_limit_bank", "rate_burst",
                     "max_body_bytes", "max_json_depth", "pdf_workers")
    @classmethod
    def _limit(cls, value: int, info: ValidationInfo) -> int:
        floor = 0 if info.field_name in _MAY_BE_ZERO else 1
        if value < floor:
            raise ValueError(f"{_alias(info)} must be at least {floor}, got {value}")
        return value

    @field_validator("statistics_max_age_s")
    @classmethod
    def _statistics_age(cls, value: float, info: ValidationInfo) -> float:
        if not 0 <= value <= 3600:
            raise ValueError(f"{_alias(info)} must be 0..3600 seconds, got {value}")
        return value

    @field_validator("request_timeout_s", "queue_timeout_s", "shutdown_timeout_s")
    @classmethod
    def _seconds(cls, value: float, info: ValidationInfo) -> float:
        if not 0 < value <= 3600:
            raise ValueError(f"{_alias(info)} must be seconds in (0, 3600], got {value}")
        return value

    @field_validator("max_concurrent_requests")
    @classmethod
    def _concurrency(cls, value: int) -> int:
        # Each request may hold several Neo4j connections at once (root fields resolve in parallel); the
        # driver's pool has NEO4J_POOL_SIZE, and /readyz, the audit and the sync job need some left.
        if not 1 <= value <= MAX_CONCURRENT_REQUESTS:
            raise ValueError(f"HUB_MAX_CONCURRENT_REQUESTS must be 1..{MAX_CONCURRENT_REQUESTS}, got {value}")
        return value

    @field_validator("jwt_secret", "data_key", "audit_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters; unset it to have one generated")
        return value

    @field_validator("signing_key")
    @classmethod
    def _ed25519_seed(cls, value: SecretStr | None) -> SecretStr | None:
        from hub.exchange.signing import private_key_from_text

        if value is not None:
            try:
                private_key_from_text(value.get_secret_value())
            except ValueError as exc:  # its messages name the shape, never the key
                raise ValueError(str(exc).removeprefix("HUB_SIGNING_KEY ")) from None
        return value

    @field_validator("jwt_previous_secrets", "audit_previous_keys")
    @classmethod
    def _previous_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(len(part) < 32 for part in _split(value.get_secret_value())):
            raise ValueError("each previous secret (comma-separated) must be at least 32 characters")
        return value

    @field_validator("token_max_ttl_s")
    @classmethod
    def _max_ttl(cls, value: int) -> int:
        if value < 60:
            raise ValueError(f"HUB_TOKEN_MAX_TTL must be at least 60 seconds, got {value}")
        return value

    @field_validator("revocation_refresh_s")
    @classmethod
    def _refresh(cls, value: float) -> float:
        if not 0 <= value <= 300:
            raise ValueError(f"HUB_REVOCATION_REFRESH must be 0..300 seconds (0: read the deny list on every "
                             f"request), got {value}")
        return value

    @field_validator("jwt_default_ttl_s")
    @classmethod
    def _default_ttl_within_max(cls, value: int, info: ValidationInfo) -> int:
        maximum = info.data.get("token_max_ttl_s")
        if maximum is not None and not 0 < value <= maximum:
            raise ValueError(f"HUB_TOKEN_TTL={value} must be positive and at most HUB_TOKEN_MAX_TTL={maximum}")
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
            raise ValueError(f"must be 1..5000 (a peer serves at most 5000), got {value}")
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

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.upper()

    @field_validator("publicity_policy")
    @classmethod
    def _known_policy(cls, value: str | None) -> str | None:
        from hub.rights.publicity import load_policies

        if value is not None and value not in (known := load_policies()):
            raise ValueError(f"unknown publicity policy {value!r}; known: {', '.join(known)}")
        return value

    @field_validator("schemes_dir", "models_dir", "measures_dir", "warning_rules_dir")
    @classmethod
    def _existing_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{str(value)!r} is not a folder")
        return value

    @field_validator("calendar_file", "peers_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{str(value)!r} is not a file")
        return value

    @field_validator("state_dir")
    @classmethod
    def _usable_state_dir(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{str(value)!r} exists and is not a folder")
        return value

    @field_validator("pdf_fonts")
    @classmethod
    def _two_font_files(cls, value: str | None) -> str | None:
        if value is None:
            return None
        paths = value.split(":")
        if len(paths) != 2 or not all(paths):
            raise ValueError("must be two font files, latin.ttf:cjk.ttf")
        if missing := [path for path in paths if not Path(path).is_file()]:
            raise ValueError(f"no font file {missing[0]!r}")
        return value

    @field_validator("neo4j_heap", "neo4j_pagecache")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not _MEMORY_SIZE.fullmatch(value):
            raise ValueError(f"must be a memory size such as 512m or 2g, got {value!r}")
        return value

    @field_validator("db_instance")
    @classmethod
    def _instance_name(cls, value: str) -> str:
        if not _INSTANCE_NAME.fullmatch(value):
            raise ValueError(f"must be letters, digits, '-' and '_' (at most 40), got {value!r}")
        return value

    @field_validator("neo4j_uri")
    @classmethod
    def _bolt_uri(cls, value: str | None) -> str | None:
        if value is not None and not _NEO4J_URI.fullmatch(value):
            raise ValueError("must be a Neo4j URI such as bolt://127.0.0.1:7687 "
                             "(schemes bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc)")
        return value

    @field_validator("neo4j_user", "neo4j_database", "neo4j_version", "host", "platform_id", "jwt_issuer")
    @classmethod
    def _a_word(cls, value: str) -> str:
        if not value.strip() or value != value.strip():
            raise ValueError(f"must be non-empty without surrounding spaces, got {value!r}")
        return value

    @field_validator("sync_regrade")
    @classmethod
    def _known_regrade_schemes(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Grading schemes this hub knows: the presets and HUB_SCHEMES_DIR's (declared above it)."""
        if value is None or "schemes_dir" not in info.data:  # a bad HUB_SCHEMES_DIR has its own line
            return value
        from hub.errors import HubError
        from hub.grading.schemes import SchemeRegistry

        try:
            registry = SchemeRegistry(info.data["schemes_dir"])
        except HubError:  # a broken scheme file is named where the hub loads it, with its line
            return value
        names = [name.strip() for name in value.split(",") if name.strip()]
        if not names:
            raise ValueError("must name grading schemes, comma-separated")
        if unknown := [name for name in names if name not in registry]:
            raise ValueError(f"unknown grading scheme {unknown[0]!r}; known: "
                             f"{', '.join(s.id for s in registry.all())}")
        return value

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def secrets_dir(self) -> Path:
        return self.state_dir / "secrets"

    @property
    def jwt_keyring_file(self) -> KeyringFile | None:
        """The generated, rotatable token keyring; None when HUB_JWT_SECRET configures the keys."""
        if _revealed(self.jwt_secret):
            return None
        return KeyringFile("token", self.secrets_dir / "jwt-keys.json", legacy=self.secrets_dir / "jwt.key")

    @property
    def jwt_keyring(self) -> Keyring:
        """The token keys: HUB_JWT_SECRET (active) and HUB_JWT_PREVIOUS_SECRETS, else the generated ring.
        Read each time (a file is re-read so a rotation is seen without a restart)."""
        ring_file = self.jwt_keyring_file
        if ring_file is None:
            active = _revealed(self.jwt_secret)
            assert active is not None
            return Keyring.of("token", active, _split(_revealed(self.jwt_previous_secrets)))
        return ring_file.load()

    @property
    def jwt_key(self) -> str:
        """The active token key (what ``hub token issue`` signs with)."""
        return self.jwt_keyring.active_secret

    @property
    def audit_keyring_file(self) -> KeyringFile | None:
        if _revealed(self.audit_key):
            return None
        return KeyringFile("audit", self.secrets_dir / "audit-keys.json")

    @property
    def audit_keyring(self) -> Keyring:
        """The audit chain's keys: HUB_AUDIT_KEY (active) and HUB_AUDIT_PREVIOUS_KEYS, else generated."""
        ring_file = self.audit_keyring_file
        if ring_file is None:
            active = _revealed(self.audit_key)
            assert active is not None
            return Keyring.of("audit", active, _split(_revealed(self.audit_previous_keys)))
        return ring_file.load()

    @property
    def signing_key_file(self) -> Path:
        """Where the generated Ed25519 platform key lives when HUB_SIGNING_KEY is unset."""
        return self.secrets_dir / "platform-ed25519.key"

    @cached_property
    def personal_data_key(self) -> str:
        return _revealed(self.data_key) or _generated_secret(self.secrets_dir / "data.key")

    @property
    def neo4j_password_text(self) -> str:
        return _revealed(self.neo4j_password) or ""

    @property
    def signing_key_text(self) -> str | None:
        return _revealed(self.signing_key)


def _revealed(secret: SecretStr | None) -> str | None:
    """The secret's value, for the one place that hands it to a library (never to a message)."""
    return secret.get_secret_value() if secret is not None else None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _alias(info: ValidationInfo) -> str:
    name = info.field_name or ""
    field = Settings.model_fields.get(name)
    return field.alias if field is not None and field.alias else name


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


class SettingsError(ConfigurationError):
    """One or more environment variables are wrong: ``problems`` holds one line per variable."""

    summary = "an environment variable is malformed or out of range; one line names each (exit 2)"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings() -> Settings:
    """The settings, or ``SettingsError`` with one line per bad variable (no value of a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(error: ValidationError) -> list[str]:
    """One line per variable: its name, and what is wrong (its value only if it is not a secret)."""
    lines: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_input=False):
        variable = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.setdefault(variable, f"{variable}: {message}")
    return list(lines.values())
