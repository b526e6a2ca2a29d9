"""docker-compose.yml and the Dockerfile, for users with Docker (issue 13 §4): pinned versions, health
checks that allow for start-up, every generated key on a volume, no demo data unless asked.

Our machines have no Docker engine, so this reads the files; it cannot start the containers."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hub.settings import DEFAULT_NEO4J_VERSION, Settings

ROOT = Path(__file__).parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_images_are_pinned_to_a_patch_version() -> None:
    assert COMPOSE["services"]["neo4j"]["image"] == f"neo4j:{DEFAULT_NEO4J_VERSION}-community"
    [base] = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base


def test_health_checks_allow_for_start_up() -> None:
    for name, service in COMPOSE["services"].items():
        assert service["healthcheck"].get("start_period"), f"{name} has no start_period"
    assert "--start-period=" in DOCKERFILE


def test_the_hubs_generated_keys_survive_a_recreated_container() -> None:
    state = re.search(r"HUB_STATE_DIR=(\S+)", DOCKERFILE)
    assert state is not None
    mounts = {volume.split(":")[1] for volume in COMPOSE["services"]["hub"]["volumes"]}
    assert state.group(1) in mounts
    assert Settings(HUB_STATE_DIR=state.group(1)).secrets_dir.is_relative_to(state.group(1))  # type: ignore[arg-type]
    assert set(COMPOSE["volumes"]) >= {"neo4j-data", "hub-state"}


def test_no_demo_data_unless_asked() -> None:
    assert COMPOSE["services"]["hub"]["environment"]["HUB_DEMO"] == "${HUB_DEMO:-false}"
    [command] = re.findall(r"^CMD (.+)$", DOCKERFILE, re.MULTILINE)
    assert 'if [ \\"$HUB_DEMO\\" = true ]; then hub demo load' in command
