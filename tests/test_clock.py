"""No ZoneInfo-aware datetime may reach the neo4j driver (it can crash CPython 3.11's zoneinfo)."""

from __future__ import annotations

import pathlib
import re

ROOTS = ("hub", "schema", "connectors")


def test_no_zoneinfo_in_the_code_that_feeds_neo4j() -> None:
    offenders = [str(path) for root in ROOTS for path in pathlib.Path(root).rglob("*.py")
                 if re.search(r"\bZoneInfo\(", path.read_text()) and path.name != "clock.py"]
    assert offenders == [], f"use hub.clock.CHINA instead of ZoneInfo in {offenders}"
