"""Settings that fail loudly (hub.settings): every variable checked at load, one line per bad one, exit 2,
and no secret's value in any output — error lines, repr, logs.

In-process for each variable (``load_settings`` under a patched environment), then through the real
``hub`` command: every command of the CLI, with every variable bad at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import typer

from hub.cli import app
from hub.settings import Settings, SettingsError, load_settings

HUB = str(Path(sys.executable).with_name("hub"))
# Secrets with a marker that must never come back out. The bad ones are too short or not a key.
SHORT_JWT, SHORT_DATA_KEY = "PEEK-jwt-too-short", "PEEK-data-too-short"
NOT_A_KEY = "PEEK-signing-key-is-not-base64url!"
SHORT_AUDIT, SHORT_PREVIOUS = "PEEK-audit-too-short", "PEEK-previous-too-short"
GOOD_SECRETS = {"HUB_JWT_SECRET": "PEEK-jwt-" + "j" * 40, "HUB_DATA_KEY": "PEEK-data-" + "d" * 40,
                "NEO4J_PASSWORD": "PEEK-password-neo4j"}
SECRET_VALUES = [SHORT_JWT, SHORT_DATA_KEY, NOT_A_KEY, SHORT_AUDIT, SHORT_PREVIOUS, *GOOD_SECRETS.values()]
NO_BAD_VALUE = {"NEO4J_PASSWORD": "any text is a password"}


def bad_values(tmp: Path) -> dict[str, tuple[str, str]]:
    """Each variable → (a bad value, words its one line must hold)."""
    a_file = tmp / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    return {
        "NEO4J_URI": ("http://127.0.0.1:7474", "Neo4j URI"),
        "NEO4J_USER": (" ", "non-empty"),
        "NEO4J_DATABASE": ("", "non-empty"),
        "HUB_NEO4J_VERSION": ("", "non-empty"),
        "HUB_DB_INSTANCE": ("../other", "letters, digits"),
        "HUB_NEO4J_HEAP": ("lots", "memory size"),
        "HUB_NEO4J_PAGECACHE": ("-1g", "memory size"),
        "HUB_NEO4J_TIMEOUT": ("0", "greater than 0"),
        "HUB_HOST": ("", "non-empty"),
        "HUB_PORT": ("70000", "1..65535"),
        "HUB_STATE_DIR": (str(a_file), "not a folder"),
        "HUB_PLATFORM_ID": (" county", "surrounding spaces"),
        "HUB_JWT_SECRET": (SHORT_JWT, "at least 32 characters"),
        "HUB_JWT_ISSUER": ("", "non-empty"),
        "HUB_TOKEN_TTL": ("0", "greater than or equal to 1"),
        "HUB_DATA_KEY": (SHORT_DATA_KEY, "at least 32 characters"),
        "HUB_MAX_QUERY_DEPTH": ("0", "greater than or equal to 1"),
        "HUB_MAX_QUERY_TOKENS": ("-5", "greater than or equal to 1"),
        "HUB_MAX_ALIASES": ("many", "valid integer"),
        "HUB_MAX_PAGE_SIZE": ("0", "greater than or equal to 1"),
        "HUB_LOG_LEVEL": ("LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        "HUB_METRICS_ALLOW": ("127.0.0.1,ten", "not an address or network: 'ten'"),
        "HUB_SCHEMES_DIR": (str(tmp / "no-schemes"), "not a folder"),
        "HUB_MODELS_DIR": (str(tmp / "no-models"), "not a folder"),
        "HUB_MEASURES_DIR": (str(a_file), "not a folder"),
        "HUB_CALENDAR_FILE": (str(tmp / "no-calendar.yaml"), "not a file"),
        "HUB_PUBLICITY_POLICY": ("ndrc-2030", "ndrc-credit-repair-2025"),
        "HUB_PDF_FONTS": ("one.ttf", "latin.ttf:cjk.ttf"),
        "HUB_LEVEL": ("village", "county"),
        "HUB_REGION": ("12345", "exactly 6 digits (GB/T 2260)"),
        "HUB_PEERS_FILE": (str(tmp / "no-peers.yaml"), "not a file"),
        "HUB_SIGNING_KEY": (NOT_A_KEY, "base64url"),
        "HUB_SYNC_PAGE_SIZE": ("9000", "1..5000"),
        "HUB_SYNC_INTERVAL": ("0", "greater than 0"),
        "HUB_SYNC_TIMEOUT": ("-1", "greater than 0"),
        "HUB_SYNC_ATTEMPTS": ("0", "greater than or equal to 1"),
        "HUB_SYNC_REGRADE": ("henan-public-credit,no-such-scheme", "unknown grading scheme 'no-such-scheme'"),
        "HUB_MAX_BATCH_BYTES": ("0", "greater than or equal to 1"),
        "HUB_MAX_CONCURRENT_BATCHES": ("0", "greater than or equal to 1"),
        # tokens and the audit chain's keys (docs/tiers.md, Tokens)
        "HUB_JWT_PREVIOUS_SECRETS": ("PEEK-" + "p" * 40 + "," + SHORT_PREVIOUS, "at least 32 characters"),
        "HUB_AUDIT_KEY": (SHORT_AUDIT, "at least 32 characters"),
        "HUB_AUDIT_PREVIOUS_KEYS": (SHORT_PREVIOUS, "at least 32 characters"),
        "HUB_TOKEN_MAX_TTL": ("30", "at least 60 seconds"),
        "HUB_REVOCATION_REFRESH": ("-1", "0..300 seconds"),
        "HUB_WORKERS": ("0", "greater than or equal to 1"),
        # the limits that keep the hub up (docs/tiers.md, Limits)
        **{name: ("0", "must be at least 1") for name in (
            "HUB_MAX_QUERY_COST", "HUB_QUERY_LIST_SIZE", "HUB_MAX_SELECTIONS", "HUB_MAX_FIELD_REPEATS",
            "HUB_RATE_BURST", "HUB_MAX_BODY_BYTES", "HUB_MAX_JSON_DEPTH", "HUB_PDF_WORKERS")},
        **{name: ("-1", "must be at least 0") for name in (
            "HUB_MAX_QUEUED_REQUESTS", "HUB_RATE_LIMIT_PUBLIC", "HUB_RATE_LIMIT_BANK", "HUB_QUERY_CACHE_BYTES")},
        **{name: ("0", "seconds in (0, 3600]") for name in (
            "HUB_REQUEST_TIMEOUT", "HUB_QUEUE_TIMEOUT", "HUB_SHUTDOWN_TIMEOUT")},
        "HUB_MAX_CONCURRENT_REQUESTS": ("0", "1..25"),
        "HUB_STATISTICS_MAX_AGE": ("-1", "0..3600 seconds"),
        # 信用预警 (docs/warnings.md)
        "HUB_BANK_TRUSTED_DOCUMENTS_ONLY": ("perhaps", "valid boolean"),
        "HUB_WARNINGS": ("maybe", "valid boolean"),
        "HUB_WARNING_RULES_DIR": (str(tmp / "no-rules"), "not a folder"),
        "HUB_WARNING_POLL": ("0", "0.01..60 seconds"),
        "HUB_WARNING_WINDOW": ("5", "10..100000"),
    }


VARIABLES = sorted(str(field.alias) for field in Settings.model_fields.values())


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No hub variable from the caller's environment, and a state folder of the test's own."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path / "state"))
    return monkeypatch


def test_every_variable_has_a_bad_value_here(tmp_path: Path) -> None:
    """A setting added without a rule (or without a case in this test) fails here."""
    assert sorted([*bad_values(tmp_path), *NO_BAD_VALUE]) == VARIABLES


@pytest.mark.parametrize("variable", sorted(set(VARIABLES) - set(NO_BAD_VALUE)))
def test_a_bad_variable_is_one_line_naming_it(variable: str, clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    value, words = bad_values(tmp_path)[variable]
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    [line] = refused.value.problems
    assert line.startswith(f"{variable}: ") and words in line
    assert refused.value.exit_code == 2
    assert not any(secret in str(refused.value) for secret in SECRET_VALUES)


def test_max_concurrent_batches_0_is_refused_not_busy_forever(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HUB_MAX_CONCURRENT_BATCHES", "0")
    with pytest.raises(SettingsError, match="HUB_MAX_CONCURRENT_BATCHES: Input should be greater than or equal"):
        load_settings()


def test_good_values_load_and_are_normalised(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {"HUB_LOG_LEVEL": "debug", "HUB_PUBLICITY_POLICY": "ndrc-order-58",
                        "HUB_SYNC_REGRADE": "henan-public-credit", "NEO4J_URI": "neo4j+s://db.example:7687",
                        "HUB_CALENDAR_FILE": "", **GOOD_SECRETS}.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    assert settings.log_level == "DEBUG" and settings.calendar_file is None  # empty means unset
    assert settings.jwt_key == GOOD_SECRETS["HUB_JWT_SECRET"]
    assert settings.personal_data_key == GOOD_SECRETS["HUB_DATA_KEY"]
    assert settings.neo4j_password_text == GOOD_SECRETS["NEO4J_PASSWORD"]


def test_secrets_never_show_in_repr_str_or_a_dump(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in GOOD_SECRETS.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    shown = " ".join([repr(settings), str(settings), settings.model_dump_json(), repr(settings.model_dump())])
    assert not any(secret in shown for secret in GOOD_SECRETS.values())


def test_a_validation_error_itself_carries_no_value(clean_env: pytest.MonkeyPatch) -> None:
    """Even when something prints pydantic's own error (a traceback, a log), the secret is not in it."""
    from pydantic import ValidationError

    clean_env.setenv("HUB_JWT_SECRET", SHORT_JWT)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert SHORT_JWT not in str(refused.value) and SHORT_JWT not in repr(refused.value)


# ---- through the real command ------------------------------------------------------------------

def _commands() -> list[list[str]]:
    def walk(command: object, path: list[str]) -> list[list[str]]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            return [path]
        return [found for name, sub in sorted(subcommands.items()) for found in walk(sub, [*path, name])]

    return walk(typer.main.get_command(app), [])


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *command], env=env, capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def _base_env(tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    return {**env, "HUB_STATE_DIR": str(tmp_path / "state")}


def test_every_command_refuses_bad_settings_with_one_line_each_and_exit_2(tmp_path: Path) -> None:
    bad = bad_values(tmp_path)
    env = {**_base_env(tmp_path), **{name: value for name, (value, _) in bad.items()}}
    # HUB_SYNC_REGRADE is checked against HUB_SCHEMES_DIR's schemes: with that folder wrong as well,
    # only the folder is named (the scheme may be one of its own).
    named = [name for name in bad if name != "HUB_SYNC_REGRADE"]
    commands = _commands()
    assert ["serve"] in commands and ["run"] in commands and ["demo", "load"] in commands
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda command: _run(command, env), commands))
    for command, result in zip(commands, results, strict=True):
        lines = result.stderr.splitlines()
        assert result.returncode == 2, (command, result.stderr)
        assert sorted(line.split(":", 2)[1].strip() for line in lines) == sorted(named), (command, lines)
        for line in lines:
            name = line.split(":", 2)[1].strip()
            assert line.startswith(f"error: {name}: ") and bad[name][1] in line, line
        assert result.stdout == ""
        assert not any(secret in result.stderr for secret in SECRET_VALUES), command


def test_good_secrets_stay_hidden_when_another_variable_is_bad(tmp_path: Path) -> None:
    env = {**_base_env(tmp_path), **GOOD_SECRETS, "HUB_SIGNING_KEY": NOT_A_KEY, "HUB_PORT": "0"}
    result = _run(["serve"], env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: HUB_PORT: must be a port 1..65535, got 0",
                                          "error: HUB_SIGNING_KEY: is not base64url"]
    assert not any(secret in result.stderr + result.stdout for secret in SECRET_VALUES)
