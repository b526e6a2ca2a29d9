"""examples/bank_client.py, run as a bank runs it, against a served hub (`hub serve` on the test database)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from hub import clock
from hub.disclosure import Role, Viewer
from hub.service import CreditHub
from hub.settings import Settings
from tests.browser import ServedHub
from tests.builders import add_subjects, register_bank, remove_subjects, token, uscc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "bank_client.py"
REGION = "410523"  # 汤阴县: this module's own subjects
CODES = [uscc(7400 + n, region=REGION) for n in range(3)]
BANK = "汤阴县示例银行"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> AsyncIterator[list[str]]:
    await remove_subjects(hub, CODES)
    await add_subjects(hub, CODES)
    await register_bank(hub, BANK)
    office = Viewer(Role.ADMIN, org="汤阴县信用办")
    granted = [(await hub.grant_consent(uscc=code, grantee=BANK, purpose="信易贷", scopes=None, granted_by=office,
                                        expires_at=clock.now() + timedelta(days=30))).id for code in CODES]
    yield granted
    await remove_subjects(hub, CODES)


def run_example(url: str, bearer: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HUB_URL": url, "HUB_TOKEN": bearer}, check=False)


async def test_the_example_searches_reads_and_pages_its_consents(served_hub: ServedHub, settings: Settings,
                                                                 world: list[str]) -> None:
    done = run_example(served_hub.url, token(settings, "bank", BANK), "91" + REGION)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "subjects: 3"
    assert [line.split()[0] for line in lines[1:4]] == sorted(CODES)
    assert lines[4].startswith(f"profile {sorted(CODES)[0]}: records=0")
    consents = [line.split()[1] for line in lines if line.startswith("consent ")]
    assert sorted(consents) == sorted(world)  # three consents over pages of two: every one, once
    assert all(" ACTIVE " in line for line in lines if line.startswith("consent "))


async def test_the_example_reports_a_refusal_with_its_code(served_hub: ServedHub, settings: Settings) -> None:
    done = run_example(served_hub.url, token(settings, "bank", BANK)[:-4] + "AAAA", "91" + REGION)
    assert done.returncode == 1 and "UNAUTHENTICATED" in done.stderr and done.stdout == ""
