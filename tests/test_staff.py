"""Staff accounts of the console (hub.staff): ``hub user add/list/disable``, Argon2 hashes, the lock-out
window, sessions, and the viewer each role acts as (the same tiers as a token's)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hub import clock
from hub.db.server import Neo4jCredentials
from hub.disclosure import Role
from hub.errors import BadInput, Conflict
from hub.service import CreditHub
from hub.staff import LOCKOUT_FAILURES, LOCKOUT_WINDOW, SignInRefused, StaffRole
from tests.builders import cli_env, hub_command, remove_staff

PASSWORD = "a long enough passphrase"
NAMES = ["staff-cli", "staff-office", "staff-bank", "staff-window", "staff-disabled", "staff-ghost"]


@pytest.fixture(scope="module", autouse=True)
async def clean(hub: CreditHub) -> None:
    await remove_staff(hub, NAMES)


def test_hub_user_add_list_and_disable(neo4j_credentials: Neo4jCredentials) -> None:
    env = cli_env(neo4j_credentials)
    added = hub_command("user", "add", "staff-cli", "--role", "department", "--org", "县住建局",
                        "--department", "410425-ZJJ", "--name", "王科员", "--password-stdin", env=env,
                        input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "staff-cli: department (行业部门) of 县住建局, department 410425-ZJJ"
    again = hub_command("user", "add", "staff-cli", "--role", "department", "--org", "县住建局",
                        "--department", "410425-ZJJ", "--password-stdin", env=env, input=PASSWORD + "\n")
    assert again.returncode != 0 and "exists already" in again.stderr
    no_department = hub_command("user", "add", "staff-ghost", "--role", "department", "--org", "县住建局",
                                "--password-stdin", env=env, input=PASSWORD + "\n")
    assert no_department.returncode == 2 and "--department" in no_department.stderr
    bad_role = hub_command("user", "add", "staff-ghost", "--role", "root", "--org", "x", "--password-stdin",
                           env=env, input=PASSWORD + "\n")
    assert bad_role.returncode == 2 and "--role must be one of credit_office, department, bank" in bad_role.stderr
    short = hub_command("user", "add", "staff-ghost", "--role", "bank", "--org", "某银行", "--password-stdin",
                        env=env, input="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    listed = hub_command("user", "list", env=env)
    assert "staff-cli\tdepartment\t县住建局\t410425-ZJJ\tactive" in listed.stdout.splitlines()
    assert "staff-ghost" not in listed.stdout
    disabled = hub_command("user", "disable", "staff-cli", env=env)
    assert disabled.returncode == 0, disabled.stderr
    assert "staff-cli\tdepartment\t县住建局\t410425-ZJJ\tdisabled" in hub_command(
        "user", "list", env=env).stdout.splitlines()
    missing = hub_command("user", "disable", "staff-nobody", env=env)
    assert missing.returncode != 0 and "no staff account named 'staff-nobody'" in missing.stderr


async def test_passwords_are_stored_as_argon2id_hashes_and_roles_map_onto_viewers(hub: CreditHub) -> None:
    office = await hub.staff.add("staff-office", PASSWORD, StaffRole.CREDIT_OFFICE, org="郏县信用办", department=None)
    bank = await hub.staff.add("staff-bank", PASSWORD, StaffRole.BANK, org="某农商银行", department=None)
    rows = await hub.gateway.query("MATCH (u:StaffUser) WHERE u.username IN $names RETURN u.password_hash AS h",
                                   {"names": ["staff-office", "staff-bank"]})
    assert len(rows) == 2
    assert all(row["h"].startswith("$argon2id$") and PASSWORD not in row["h"] for row in rows)
    assert (office.viewer.role, office.viewer.org) == (Role.ADMIN, "郏县信用办")
    assert (bank.viewer.role, bank.viewer.org, bank.viewer.department) == (Role.BANK, "某农商银行", None)
    assert bank.viewer.token_id == "console:staff-bank"  # the audit names the person
    with pytest.raises(Conflict):
        await hub.staff.add("staff-bank", PASSWORD, StaffRole.BANK, org="某农商银行", department=None)
    with pytest.raises(BadInput, match="takes no --department"):
        await hub.staff.add("staff-ghost", PASSWORD, StaffRole.BANK, org="某农商银行", department="410425-SCJG")


async def test_the_lock_out_lasts_as_long_as_the_failures_stay_in_the_window(hub: CreditHub) -> None:
    await hub.staff.add("staff-window", PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局", department="410425-SCJG")
    start = clock.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        for attempt in range(1, LOCKOUT_FAILURES + 1):
            outcome = await hub.staff.sign_in("staff-window", "not the password")
            assert outcome.failures == attempt
        assert outcome.refused is SignInRefused.LOCKED
        assert (await hub.staff.sign_in("staff-window", PASSWORD)).refused is SignInRefused.LOCKED
    with time_machine.travel(start + LOCKOUT_WINDOW - timedelta(seconds=1), tick=False):
        assert (await hub.staff.sign_in("staff-window", PASSWORD)).refused is SignInRefused.LOCKED
    with time_machine.travel(start + LOCKOUT_WINDOW + timedelta(seconds=1), tick=False):
        signed = await hub.staff.sign_in("staff-window", PASSWORD)
        assert signed.account is not None and signed.refused is None
        # a success clears the count: four failures later it is not locked yet
        for _ in range(LOCKOUT_FAILURES - 1):
            assert (await hub.staff.sign_in("staff-window", "nope nope nope")).refused is SignInRefused.WRONG


async def test_an_unknown_name_is_answered_and_locked_like_a_known_one(hub: CreditHub) -> None:
    outcomes = [await hub.staff.sign_in("staff-ghost", "whatever it is") for _ in range(LOCKOUT_FAILURES)]
    assert [o.refused for o in outcomes] == [SignInRefused.WRONG] * (LOCKOUT_FAILURES - 1) + [SignInRefused.LOCKED]
    assert all(o.account is None for o in outcomes)


async def test_sessions_end_at_sign_out_and_when_the_account_is_disabled(hub: CreditHub) -> None:
    account = await hub.staff.add("staff-disabled", PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局",
                                  department="410425-SCJG")
    first, second = await hub.staff.open_session(account), await hub.staff.open_session(account)
    live = await hub.staff.session(first.token)
    assert live is not None and live.account.username == "staff-disabled" and live.csrf == first.csrf
    assert await hub.staff.session("forged-" + first.token) is None
    stored = await hub.gateway.query("MATCH (s:ConsoleSession {username: 'staff-disabled'}) RETURN s.id_hash AS h")
    assert first.token not in {row["h"] for row in stored}  # only the hash is kept
    assert await hub.staff.close_session(first.token) == "staff-disabled"
    assert await hub.staff.session(first.token) is None
    assert await hub.staff.session(second.token) is not None
    await hub.staff.set_disabled("staff-disabled")
    assert await hub.staff.session(second.token) is None
    assert (await hub.staff.sign_in("staff-disabled", PASSWORD)).refused is SignInRefused.WRONG
