"""The loopback platform tree (tests and bench): a setup that fails stops what it started."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.db.server import LocalNeo4j, Neo4jServerError
from hub.settings import Settings
from tests.builders import TEST_INSTANCE
from tests.loopback import Platform, PlatformTree


def test_when_one_database_fails_to_start_the_others_are_stopped(tmp_path: Path) -> None:
    good = f"{TEST_INSTANCE}-loopback-good"
    tree = PlatformTree(tmp_path, [
        Platform("good", "county", "410425", "bad", good, tmp_path / "good"),
        Platform("bad", "city", "410400", None, "not a valid instance name!", tmp_path / "bad"),
    ], heap="256m", pagecache="64m")
    server = LocalNeo4j(Settings(), good)
    try:
        with pytest.raises(Neo4jServerError, match="invalid instance name"):
            tree.start_databases()
        assert server.status().running is False  # started in parallel, then stopped: nothing left behind
    finally:
        server.wipe()
