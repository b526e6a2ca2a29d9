"""The local Neo4j manager: rendered config, credentials plumbing, status, one real cycle.

``test_full_cycle`` fetches and starts a server (instance "unittest-cycle" under a tmp state dir);
the awkward-password tests run the admin tool and one server from the machine's installation.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from hub.db.server import (
    ENTRY_POINT,
    InstanceStatus,
    LocalNeo4j,
    Neo4jCredentials,
    Neo4jServerError,
    render_neo4j_conf,
    render_pom,
    resolve_credentials,
)
from hub.db.server.fetch import _java
from hub.secret_text import new_secret
from hub.settings import DEFAULT_BOLT_PORT, Settings
from tests.loopback import free_port

# Everything Settings reads that could leak in from the developer's shell.
_ENV_VARS = (
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_PASSWORD",
    "NEO4J_DATABASE",
    "HUB_DB_INSTANCE",
    "HUB_NEO4J_VERSION",
    "HUB_NEO4J_HEAP",
    "HUB_NEO4J_PAGECACHE",
    "HUB_STATE_DIR",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def _settings(state_dir: Path, **overrides: str) -> Settings:
    values = {"HUB_STATE_DIR": str(state_dir), **overrides}
    return Settings(**values)  # type: ignore[arg-type]  # pydantic accepts aliases


def _conf_values(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def _write_instance_record(settings: Settings, name: str, port: int, password: str) -> None:
    """Create an instance on disk the way the manager does, without starting anything."""
    home = settings.state_dir / "instances" / name
    home.mkdir(parents=True)
    record = {"port": port, "user": "neo4j", "password": password, "version": "5.26.30"}
    (home / "instance.json").write_text(json.dumps(record))


def test_conf_listens_on_loopback_only_with_auth_and_no_phoning_home(tmp_path: Path) -> None:
    conf = _conf_values(render_neo4j_conf(tmp_path, 7999, "512m", "256m"))

    assert conf["server.default_listen_address"] == ["127.0.0.1"]
    assert conf["server.bolt.listen_address"] == ["127.0.0.1:7999"]
    assert conf["dbms.security.auth_enabled"] == ["true"]
    assert conf["dbms.usage_report.enabled"] == ["false"]
    assert conf["server.http.enabled"] == ["false"]
    assert conf["server.https.enabled"] == ["false"]
    assert conf["server.memory.heap.max_size"] == ["512m"]
    assert conf["server.memory.pagecache.size"] == ["256m"]
    for key in ("data", "logs", "run", "plugins", "import"):
        (directory,) = conf[f"server.directories.{key}"]
        assert Path(directory) == tmp_path / key
    assert "--add-opens=java.base/java.nio=ALL-UNNAMED" in conf["server.jvm.additional"]
    every_address = [v for k, vs in conf.items() if k.endswith("_address") for v in vs]
    assert all(value.startswith("127.0.0.1") for value in every_address)


def test_pom_names_the_server_artifacts_and_no_repository() -> None:
    pom = render_pom("5.26.30")
    assert "<artifactId>neo4j-server</artifactId>" in pom
    assert "<artifactId>neo4j-command-line</artifactId>" in pom
    assert "<repositor" not in pom
    assert "http" not in pom


def test_shell_exports_round_trip_through_bash() -> None:
    credentials = Neo4jCredentials(uri="bolt://127.0.0.1:7687", user="neo4j", password='it\'s $HOME `id` "q" \\ ;x')
    script = 'eval "$X"; printf "%s\\n%s\\n%s" "$NEO4J_URI" "$NEO4J_USER" "$NEO4J_PASSWORD"'
    result = subprocess.run(
        ["bash", "-c", script],
        env={"X": credentials.shell_exports(), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split("\n") == [credentials.uri, credentials.user, credentials.password]


def test_shell_exports_reach_child_processes() -> None:
    credentials = Neo4jCredentials("bolt://127.0.0.1:1234", "neo4j", "pw")
    result = subprocess.run(
        ["bash", "-c", 'eval "$X"; bash -c \'echo "$NEO4J_URI"\''],
        env={"X": credentials.shell_exports(), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == credentials.uri


def test_resolve_credentials_prefers_neo4j_uri(tmp_path: Path) -> None:
    local_only = _settings(tmp_path)
    assert resolve_credentials(local_only) is None

    _write_instance_record(local_only, "default", port=7001, password="local-secret")
    assert resolve_credentials(local_only) == Neo4jCredentials("bolt://127.0.0.1:7001", "neo4j", "local-secret")

    external = _settings(tmp_path, NEO4J_URI="bolt://db.example:7687", NEO4J_USER="hub", NEO4J_PASSWORD="x")
    assert resolve_credentials(external) == Neo4jCredentials("bolt://db.example:7687", "hub", "x")

    no_password = _settings(tmp_path, NEO4J_URI="bolt://db.example:7687")
    assert resolve_credentials(no_password) == Neo4jCredentials("bolt://db.example:7687", "neo4j", "")


def test_status_of_a_never_created_instance(tmp_path: Path) -> None:
    db = LocalNeo4j(_settings(tmp_path), "never")
    status = db.status()

    assert status == InstanceStatus(
        name="never",
        installed=False,
        created=False,
        running=False,
        pid=None,
        uri=None,
        home=tmp_path / "instances" / "never",
    )
    assert "not created" in status.describe()
    assert db.stop() is False
    assert not status.home.exists()  # looking does not create anything
    with pytest.raises(Neo4jServerError, match="not been created"):
        db.credentials()


def test_stale_pid_file_reads_as_not_running(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _write_instance_record(settings, "stale", port=7002, password="pw")
    db = LocalNeo4j(settings, "stale")
    pid_file = db.home / "neo4j.pid"

    for pid in (os.getpid(), 999_999_999):  # a live non-Neo4j process; a pid that never was
        pid_file.write_text(f"{pid}\n")
        assert db.status().running is False

    assert db.stop() is False
    assert not pid_file.exists()


@pytest.mark.parametrize("name", ["../escape", "a/b", " x", "-x", ".hidden"])
def test_instance_names_are_validated(tmp_path: Path, name: str) -> None:
    with pytest.raises(Neo4jServerError, match="invalid instance name"):
        LocalNeo4j(_settings(tmp_path), name)


def test_full_cycle(tmp_path: Path) -> None:
    """Fetch, start, connect, start again, stop — against a real Neo4j process."""
    db = LocalNeo4j(_settings(tmp_path), "unittest-cycle")
    lines: list[str] = []
    try:
        assert db.ensure_installed(echo=lines.append).is_dir()
        credentials, started = db.start(echo=lines.append)
        assert started is True
        assert credentials.uri.startswith("bolt://127.0.0.1:")
        assert not credentials.uri.endswith(f":{DEFAULT_BOLT_PORT}")

        with GraphDatabase.driver(credentials.uri, auth=(credentials.user, credentials.password)) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
            assert records[0]["one"] == 1
        with (
            GraphDatabase.driver(credentials.uri, auth=(credentials.user, "wrong")) as driver,
            pytest.raises(AuthError),
        ):
            driver.verify_connectivity()

        again, started_again = db.start(echo=lines.append)
        assert (again, started_again) == (credentials, False)
        assert not [line for line in lines if "already running with" in line]
        # asked for other sizes, it says the running server keeps its own until restarted
        bigger = LocalNeo4j(_settings(tmp_path, HUB_NEO4J_HEAP="768m"), "unittest-cycle")
        assert bigger.start(echo=lines.append) == (credentials, False)
        assert [line for line in lines if "already running with" in line] == [
            f"note: Neo4j unittest-cycle is already running with heap {db.settings.neo4j_heap}, not the 768m "
            "asked for; `hub db stop --instance unittest-cycle` and start again to apply them"]

        status = db.status()
        assert status.running and status.created and status.installed
        assert status.pid is not None and status.uri == credentials.uri
        _assert_detached(status.pid)

        record = json.loads((db.home / "instance.json").read_text())
        assert record["port"] == int(credentials.uri.rsplit(":", 1)[1])
        assert (db.home / "instance.json").stat().st_mode & 0o077 == 0

        assert db.stop() is True
        assert db.status().running is False
        assert db.stop() is False
        assert not (db.home / "neo4j.pid").exists()
    finally:
        db.stop()
        shutil.rmtree(db.install_dir, ignore_errors=True)  # 120 MB of jars per test run
    assert any("fetching Neo4j" in line for line in lines)


def _assert_detached(pid: int) -> None:
    """The server must not share our session or hold our stdio (CI waits on those pipes)."""
    assert os.getsid(pid) != os.getsid(0)
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    assert ENTRY_POINT in cmdline
    for fd in (0, 1, 2):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        assert target == "/dev/null" or target.endswith("console.log"), target


# --- secrets handed to other tools ---------------------------------------------------------------

# What once broke a fresh machine (a generated password beginning with "-": `neo4j-admin` printed its
# usage and exited 64), and the other ways a secret can be misread by a command line or a shell.
AWKWARD_PASSWORDS = ["-wL-lB" + "q" * 26, "--help-as-a-password", "a b 'c' \"d\" $(e) `f`;g|h&", "密码-中文-🔑-x"]


def test_generated_secrets_are_plain_words_for_every_tool() -> None:
    drawn = [new_secret() for _ in range(5000)]  # a leading "-" came once in 64 with token_urlsafe
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{31}", secret) for secret in drawn)
    assert len(set(drawn)) == len(drawn)
    with pytest.raises(ValueError, match="at least 16"):
        new_secret(8)


@pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
def test_the_shell_gets_back_exactly_the_password(password: str) -> None:
    exports = Neo4jCredentials("bolt://127.0.0.1:7999", "neo4j", password).shell_exports()
    echoed = subprocess.run(["/bin/sh", "-c", 'eval "$EXPORTS"; printf %s "$NEO4J_PASSWORD"'],
                            env={**os.environ, "EXPORTS": exports}, capture_output=True, text=True, check=True)
    assert echoed.stdout == password


@pytest.fixture(scope="module")
def shared_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch state dir whose Neo4j installation is the machine's (fetched once, not again)."""
    lib = LocalNeo4j(Settings(HUB_STATE_DIR=str(_default_state())),  # type: ignore[arg-type]
                     "unused").ensure_installed(echo=lambda _: None)
    state = tmp_path_factory.mktemp("state")
    (state / "neo4j").mkdir()
    (state / "neo4j" / lib.parent.name).symlink_to(lib.parent)
    return state


def _default_state() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "credit-hub"


@pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
def test_the_admin_tool_reads_any_password_as_the_password(shared_install: Path, password: str) -> None:
    db = LocalNeo4j(_settings(shared_install), f"awkward-{AWKWARD_PASSWORDS.index(password)}")
    for directory in db.paths.directories():
        directory.mkdir(parents=True, exist_ok=True)
    db.paths.conf_file.write_text(render_neo4j_conf(db.home, free_port(), "256m", "64m"))
    db._set_initial_password(_java(), db.lib_dir, password)  # raises with the tool's output if refused
    assert (db.paths.data / "dbms" / "auth.ini").is_file()


def test_an_instance_whose_password_begins_with_a_dash_starts_and_takes_it(shared_install: Path) -> None:
    settings = _settings(shared_install, HUB_NEO4J_HEAP="256m", HUB_NEO4J_PAGECACHE="64m")
    password = "-wL-lB" + new_secret(26)
    _write_instance_record(settings, "dash", port=free_port(), password=password)
    db = LocalNeo4j(settings, "dash")
    try:
        credentials, started = db.start(echo=lambda _: None)
        assert started and credentials.password == password
        with GraphDatabase.driver(credentials.uri, auth=(credentials.user, password)) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
            assert records[0]["one"] == 1
    finally:
        db.stop()
