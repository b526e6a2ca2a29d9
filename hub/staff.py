"""Staff accounts of the console (信用监管工作台): who signs in, what viewer they act as, lock-out, sessions.

A staff account maps onto the same :class:`~hub.disclosure.Viewer` a bearer token gives, so the console
is held to the same tiers as any GraphQL caller (one mechanism, schema/tiers.py + hub/disclosure.py):

- ``credit_office`` (信用办) → ``admin`` with its organization (and department code, when it has one):
  INTERNAL, and decides what belongs to the credit platform itself (seed 000 §四);
- ``department`` (a department officer: 市场监管局, 住建局 …) → ``agency`` with its department code:
  INTERNAL, and decides only what its own department owns (objections routed to it);
- ``bank`` (a loan officer) → ``bank`` with its bank's name: AUTHORIZED for the subjects that consented.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended set). After
:data:`LOCKOUT_FAILURES` failures within :data:`LOCKOUT_WINDOW` a name is locked until the oldest of them
leaves the window — counted per name, whether an account has it or not, so the answer never tells
which names exist; an unknown name costs the same hash as a known one.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub import clock
from hub.db import staff as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import BadInput, Conflict, NotFound

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)  # one working day; signing out ends it sooner
MIN_PASSWORD_LENGTH = 10


class StaffRole(StrEnum):
    CREDIT_OFFICE = "credit_office"
    DEPARTMENT = "department"
    BANK = "bank"

    @property
    def viewer_role(self) -> Role:
        return {StaffRole.CREDIT_OFFICE: Role.ADMIN, StaffRole.DEPARTMENT: Role.AGENCY,
                StaffRole.BANK: Role.BANK}[self]

    @property
    def label(self) -> str:
        return {StaffRole.CREDIT_OFFICE: "信用办", StaffRole.DEPARTMENT: "行业部门",
                StaffRole.BANK: "银行"}[self]


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: StaffRole
    org: str
    department: str | None
    display_name: str
    disabled: bool

    @property
    def viewer(self) -> Viewer:
        # token_id names the person: the audit says which staff member read or decided, not only the org
        return Viewer(role=self.role.viewer_role, org=self.org, department=self.department,
                      token_id=f"console:{self.username}")

    @classmethod
    def of(cls, row: dict[str, Any]) -> StaffAccount:
        return cls(username=str(row["username"]), role=StaffRole(row["role"]), org=str(row["org"]),
                   department=row.get("department"), display_name=str(row.get("display_name") or row["username"]),
                   disabled=bool(row.get("disabled")))


class SignInRefused(StrEnum):
    """Why a sign-in failed; the console shows the same words for a wrong name and a wrong password."""

    WRONG = "用户名或密码错误"
    LOCKED = "登录失败次数过多，账户已锁定，请15分钟后再试"


@dataclass(frozen=True)
class SignIn:
    account: StaffAccount | None
    refused: SignInRefused | None
    failures: int  # failures within the window, this one included


@dataclass(frozen=True)
class Session:
    token: str  # the cookie's value; only its hash is stored
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    account: StaffAccount
    csrf: str


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAccounts:
    def __init__(self, gateway: Neo4jGateway, hasher: PasswordHasher | None = None) -> None:
        self.gateway = gateway
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))  # what an unknown name is checked against

    async def add(self, username: str, password: str, role: StaffRole, *, org: str, department: str | None,
                  display_name: str | None = None) -> StaffAccount:
        name = username.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise BadInput("username must be 1–64 characters without spaces")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise BadInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        if not org.strip():
            raise BadInput("--org is required: the organization the account acts for")
        if role is StaffRole.DEPARTMENT and not department:
            raise BadInput("a department account needs --department (its code, e.g. 410425-SCJG): it decides "
                           "what that department owns")
        if role is StaffRole.BANK and department:
            raise BadInput("a bank account takes no --department")
        account = StaffAccount(name, role, org.strip(), department or None, display_name or name, False)
        created = await store.create_user(self.gateway, {
            "username": name, "password_hash": await asyncio.to_thread(self.hasher.hash, password),
            "role": role.value, "org": account.org,
            "department": account.department, "display_name": account.display_name, "created_at": clock.now()})
        if not created:
            raise Conflict(f"a staff account named {name!r} exists already")
        return account

    async def list(self) -> list[StaffAccount]:
        return [StaffAccount.of(row) for row in await store.list_users(self.gateway)]

    async def set_disabled(self, username: str, disabled: bool = True) -> None:
        if not await store.set_disabled(self.gateway, username, disabled):
            raise NotFound(f"no staff account named {username!r}")

    async def sign_in(self, username: str, password: str) -> SignIn:
        now = clock.now()
        since = now - LOCKOUT_WINDOW
        name = username.strip()
        failures = len(await store.recent_failures(self.gateway, name, since))
        if failures >= LOCKOUT_FAILURES:
            await self._verify(self._dummy, password)  # a locked name costs what any attempt costs
            return SignIn(None, SignInRefused.LOCKED, failures)
        row = await store.get_user(self.gateway, name) if name else None
        account = StaffAccount.of(row) if row else None
        valid = await self._verify(row["password_hash"] if row else self._dummy, password)
        if account is not None and valid and not account.disabled:
            await store.clear_failures(self.gateway, name)
            return SignIn(account, None, 0)
        failures = await store.add_failure(self.gateway, name, now, since)
        return SignIn(None, SignInRefused.LOCKED if failures >= LOCKOUT_FAILURES else SignInRefused.WRONG, failures)

    async def _verify(self, password_hash: str, password: str) -> bool:
        # Argon2 is slow on purpose (tens of milliseconds): off the event loop
        return await asyncio.to_thread(self._verify_now, password_hash, password)

    def _verify_now(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def open_session(self, account: StaffAccount) -> Session:
        now = clock.now()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + SESSION_LIFETIME)
        await store.delete_expired_sessions(self.gateway, now)
        await store.create_session(self.gateway, {
            "id_hash": session_hash(session.token), "username": account.username, "csrf": session.csrf,
            "created_at": now, "expires_at": session.expires_at})
        return session

    async def session(self, token: str) -> SignedIn | None:
        """The account a live session cookie belongs to (None: none, expired, or the account disabled)."""
        row = await store.session_user(self.gateway, session_hash(token), clock.now())
        return SignedIn(StaffAccount.of(row), str(row["csrf"])) if row else None

    async def close_session(self, token: str) -> str | None:
        return await store.delete_session(self.gateway, session_hash(token))
