"""The audit log: every non-public read and every write, in a tamper-evident chain.

What one request leaves in it is decided here too (:func:`request_events`: its writes, the lists it
served, its reads above PUBLIC and its refusals; :func:`holds_response`: whether the answer waits for
the entries), so the GraphQL face only notes what it did (schema/context.py).

Seeds 000 §四.(一) and 004 第十七–十八条 make leaking or tampering with classification results
punishable, so the hub keeps a record of who read what above PUBLIC and who wrote. Each entry's
hash is HMAC-SHA256 over its sequence number, the previous entry's hash and its canonical content,
keyed with a secret held outside the database: editing, removing or reordering any entry breaks the
chain at that point, and someone with only database access cannot forge a consistent chain.

The key is the audit keyring's (hub.keyring; ``HUB_AUDIT_KEY`` or a generated one), never derived
from the token keys: rotating the token keys leaves the chain alone. Every entry records the id of
the key it was made with (``key_id``, part of the hashed message), so after ``hub audit rotate-key``
old entries verify with their own key while new ones use the new key. Entries written before key
ids existed have none: they were keyed from the token secret of the time (``LEGACY_PREFIX``), and
verify while that secret is still on the token ring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, fields, replace

from hub import clock
from hub.disclosure import Access, Role, Tier, Viewer

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """One thing worth auditing: a read above PUBLIC, a refusal, or a write."""

    action: str  # "read", "denied", "write"
    actor: str  # the viewer's label, e.g. "bank:某银行"
    role: str
    subject_uscc: str | None
    tier: str | None = None
    consent_id: str | None = None
    token_id: str | None = None
    detail: str = ""
    at: str = ""

    def stamped(self) -> AuditEvent:
        return self if self.at else replace(self, at=clock.now().isoformat())


@dataclass(frozen=True)
class Served:
    """A list one request served (the change feed, review flags, objections, a draw's targets)."""

    what: str
    tier: Tier
    subjects: tuple[str, ...]  # the codes it named, sorted, each once

    @classmethod
    def of(cls, what: str, subjects: Iterable[str | None], tier: Tier) -> Served:
        return cls(what, tier, tuple(sorted({code for code in subjects if code})))


def write_event(viewer: Viewer, what: str, subject_uscc: str | None = None,
                consent_id: str | None = None) -> AuditEvent:
    """Every write is audited with who made it (seeds 000 §四.(一), 004 第十八条)."""
    return AuditEvent(action="write", actor=viewer.label, role=viewer.role.value, subject_uscc=subject_uscc,
                      consent_id=consent_id, token_id=viewer.token_id, detail=what)


def request_events(viewer: Viewer, writes: Iterable[AuditEvent], served: Iterable[Served],
                   accesses: Iterable[Access]) -> list[AuditEvent]:
    """What one request leaves in the audit log: every write, every list served (one read naming every
    subject it served, whatever its tier), every read above PUBLIC and every refusal.

    An anonymous caller's refusals are one entry for the whole request (the fields refused and the
    subjects they were asked of): a query naming a refused field on a page of subjects must not
    append an entry per subject."""
    events = list(writes)
    for listed in served:
        codes = listed.subjects
        events.append(AuditEvent(
            action="read", actor=viewer.label, role=viewer.role.value,
            subject_uscc=codes[0] if len(codes) == 1 else None, tier=listed.tier.name, token_id=viewer.token_id,
            detail=f"{listed.what} served {len(codes)} subjects: {', '.join(codes)}"))
    if viewer.role is Role.PUBLIC:
        refusal = _one_refusal(viewer, [a for a in accesses if a.denied])
        return events + ([refusal] if refusal else [])
    for access in accesses:
        if access.used_tier is not Tier.PUBLIC:
            events.append(AuditEvent(
                action="read", actor=viewer.label, role=viewer.role.value,
                subject_uscc=access.subject_uscc, tier=access.used_tier.name,
                consent_id=access.consent_id, token_id=viewer.token_id))
        if access.denied:
            events.append(AuditEvent(
                action="denied", actor=viewer.label, role=viewer.role.value,
                subject_uscc=access.subject_uscc, tier=access.tier.name,
                consent_id=access.consent_id, token_id=viewer.token_id,
                detail=", ".join(sorted(set(access.denied)))))
    return events


def _one_refusal(viewer: Viewer, accesses: list[Access]) -> AuditEvent | None:
    if not accesses:
        return None
    fields = sorted({what for access in accesses for what in access.denied})
    codes = sorted(access.subject_uscc or "-" for access in accesses)
    return AuditEvent(action="denied", actor=viewer.label, role=viewer.role.value,
                      subject_uscc=codes[0] if len(codes) == 1 and codes[0] != "-" else None,
                      tier=Tier.PUBLIC.name, token_id=viewer.token_id,
                      detail=f"{', '.join(fields)} on {len(codes)} subjects: {', '.join(codes)}")


def holds_response(viewer: Viewer, events: Iterable[AuditEvent]) -> bool:
    """Whether the response waits for its entries to be committed: it does when it disclosed anything.
    An anonymous caller's refusals disclosed nothing: their one entry is queued, not waited for."""
    return viewer.role is not Role.PUBLIC or any(event.action != "denied" for event in events)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    prev_hash: str
    hash: str
    event: AuditEvent
    key_id: str | None = None  # None: an entry from before key ids (a legacy key)


LEGACY_PREFIX = "audit|"  # legacy entries: key = SHA-256("audit|" + token secret)


@dataclass(frozen=True)
class AuditKeys:
    """The keys that verify a chain: the ring's by id (the active one signs), and legacy ones."""

    active: str
    keys: dict[str, bytes]
    legacy: tuple[bytes, ...] = ()

    @classmethod
    def of(cls, active: str, secrets: dict[str, str], token_secrets: list[str]) -> AuditKeys:
        return cls(active, {kid: secret.encode() for kid, secret in secrets.items()},
                   tuple(hashlib.sha256((LEGACY_PREFIX + secret).encode()).digest() for secret in token_secrets))

    @property
    def signing(self) -> bytes:
        return self.keys[self.active]


def canonical(event: AuditEvent) -> str:
    # the fields are flat text: read one by one, the same dict asdict() would deep-copy
    return json.dumps({field.name: getattr(event, field.name) for field in fields(AuditEvent)},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(key: bytes, seq: int, prev_hash: str, event: AuditEvent, key_id: str | None = None) -> str:
    head = f"{seq}|{prev_hash}|" if key_id is None else f"{seq}|{prev_hash}|{key_id}|"
    message = (head + canonical(event)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def chain(keys: AuditKeys, head_seq: int, head_hash: str,
          events: Sequence[AuditEvent]) -> list[AuditEntry]:
    """Link new events after the head (seq, hash), with the active key."""
    entries: list[AuditEntry] = []
    prev = head_hash
    for offset, event in enumerate(events, start=1):
        stamped = event.stamped()
        digest = entry_hash(keys.signing, head_seq + offset, prev, stamped, keys.active)
        entries.append(AuditEntry(head_seq + offset, prev, digest, stamped, keys.active))
        prev = digest
    return entries


def _problem_with_hash(keys: AuditKeys, entry: AuditEntry) -> str | None:
    """None when the entry's hash verifies under the key it names (or a legacy key)."""
    if entry.key_id is None:
        candidates = list(keys.legacy)
        if not candidates:
            return "it names no audit key and no legacy (token-derived) key is configured to check it"
    else:
        key = keys.keys.get(entry.key_id)
        if key is None:
            return (f"it was made with audit key {entry.key_id}, which this hub does not hold "
                    "(keep rotated keys in HUB_AUDIT_PREVIOUS_KEYS or on the generated ring)")
        candidates = [key]
    expected = entry.hash
    if any(hmac.compare_digest(entry_hash(key, entry.seq, entry.prev_hash, entry.event, entry.key_id), expected)
           for key in candidates):
        return None
    return "its content does not match its hash (the entry was altered)"


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"audit log intact: {self.checked} entries verified"
        return f"audit log BROKEN at entry {self.broken_at}: {self.problem}"


async def verify(keys: AuditKeys, entries: AsyncIterator[AuditEntry],
                 head: tuple[int, str] | None) -> VerifyReport:
    """Walk the chain in sequence order and report the first broken link."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    async for entry in entries:
        if entry.seq != expected_seq:
            return VerifyReport(False, checked, expected_seq,
                                f"entry {expected_seq} is missing (the log jumps to {entry.seq})")
        if entry.prev_hash != prev:
            return VerifyReport(False, checked, entry.seq,
                                "it does not link to the entry before it (reordered or replaced)")
        problem = _problem_with_hash(keys, entry)
        if problem is not None:
            return VerifyReport(False, checked, entry.seq, problem)
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head_seq, head_hash = head or (0, GENESIS)
    if head_seq != checked or head_hash != prev:
        return VerifyReport(False, checked, checked + 1,
                            f"the head records {head_seq} entries but the chain ends after "
                            f"{checked} (entries were removed from the end)")
    return VerifyReport(True, checked)
