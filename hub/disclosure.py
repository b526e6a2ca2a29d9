"""Disclosure tiers and the one rule that decides who may see what.

Seed 003 附件2 §五.1 names three degrees of openness for evaluation results, and the hub applies
them to every item it holds:

- 完全公开 PUBLIC — anyone;
- 依授权公开 AUTHORIZED — only a party the subject has authorized (a bank for 信易贷);
- 内部使用 INTERNAL — the department and other government departments (seed 004 第六条: SAMR risk
  classes "不作为对企业的信用评价, 可以与其他政府部门共享, 不向社会公开").

This module knows nothing of GraphQL or HTTP. :class:`Access` answers "may this viewer see this
item (or this part) of this subject?" — and what of an evaluation's explanation it may be shown
(:meth:`Access.explanation_seen`); the GraphQL layer routes every guarded field through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from hub.explanation import Explanation, Grounds, Line, Reason

if TYPE_CHECKING:
    from hub.models import Consent  # hub.models builds on this module


class Disclosure(StrEnum):
    """The three degrees of openness (seed 003 附件2 §五.1), in the order of how much they reveal: an
    item's disclosure, a viewer's tier and what a request used are all one of these. Compared by
    ``rank``, never as text (the text orders them alphabetically)."""

    PUBLIC = "PUBLIC"
    AUTHORIZED = "AUTHORIZED"
    INTERNAL = "INTERNAL"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def covers(self, other: Disclosure) -> bool:
        """Whoever may see this tier may see ``other``."""
        return _RANK[self] >= _RANK[other]


_RANK = {Disclosure.PUBLIC: 0, Disclosure.AUTHORIZED: 1, Disclosure.INTERNAL: 2}

# The tier mechanism (schema.tiers, hub.audit) speaks of tiers: the same enum, not a second vocabulary.
Tier = Disclosure


class Role(StrEnum):
    """Who a bearer token speaks for (SPEC §1)."""

    PUBLIC = "public"
    BANK = "bank"
    AGENCY = "agency"
    PLATFORM = "platform"
    ADMIN = "admin"


# Government parties: partner agencies, the credit office, and the platforms that sync between
# government credit platforms (seed 002 §三.(四).1 "谁评价谁共享").
INTERNAL_ROLES = frozenset({Role.AGENCY, Role.PLATFORM, Role.ADMIN})


class ConsentScope(StrEnum):
    """What part of a subject's profile an authorization (授权书) opens to its grantee."""

    EVALUATIONS = "EVALUATIONS"
    RECORDS = "RECORDS"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"


ALL_SCOPES = frozenset(ConsentScope)


@dataclass(frozen=True)
class Viewer:
    """The caller of one request, as its verified token (or its absence) says."""

    role: Role
    org: str | None = None
    department: str | None = None
    token_id: str | None = None
    issued_at: int | None = None  # the token's iat (seconds): revoking an organization's tokens compares it

    @property
    def is_internal(self) -> bool:
        return self.role in INTERNAL_ROLES

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.org}" if self.org else self.role.value

    @property
    def grantee(self) -> str | None:
        """The organization whose consents open subjects to this viewer: a bank's; others need none."""
        return self.org if self.role is Role.BANK else None

    @property
    def reach(self) -> Disclosure:
        """The most this viewer may see of any subject: its tier wherever it holds every consent it could
        (Access.tier is this, save a bank without the subject's consent)."""
        if self.is_internal:
            return Disclosure.INTERNAL
        return Disclosure.AUTHORIZED if self.role is Role.BANK else Disclosure.PUBLIC

    def could_meet(self, requirement: Requirement) -> bool:
        """Whether this viewer could meet ``requirement`` for some subject: its role is one the requirement
        admits and its tier is within the viewer's reach. ``Access.allows`` decides for one subject and starts
        here, so what this refuses every subject's access refuses (schema.tiers.may_ever)."""
        return ((requirement.roles is None or self.role in requirement.roles)
                and self.reach.covers(requirement.disclosure))


PUBLIC_VIEWER = Viewer(Role.PUBLIC)


def within_reach(reach: Disclosure) -> list[str] | None:
    """The disclosures an item may have and still be seen by a viewer of ``reach``, None for all of them:
    what a statement may leave out before the item rule (Access.may_see) judges what it returned.
    Nothing is decided here that the item rule would not decide the same way: an item it leaves out
    needs a tier above every tier the viewer can hold."""
    if reach is Disclosure.INTERNAL:
        return None
    return [disclosure.value for disclosure in Disclosure if reach.covers(disclosure)]


# The indicator of the one line that sums what a viewer may not see of an explanation.
UNDISCLOSED = "undisclosed"


@dataclass(frozen=True)
class Requirement:
    """What a guarded part of the API asks of its viewer.

    ``disclosure`` is the least tier that may see it; ``scope`` the consent scope that opens it to
    an AUTHORIZED viewer; ``roles`` restricts it to certain roles regardless of tier (writes).
    """

    disclosure: Disclosure
    scope: ConsentScope | None = None
    roles: frozenset[Role] | None = None
    reason: str = ""


class DisclosedItem(Protocol):
    """Anything subject-scoped that carries its own disclosure tier (records, evaluations…)."""

    @property
    def subject_uscc(self) -> str: ...
    @property
    def disclosure(self) -> Disclosure: ...
    @property
    def consent_scope(self) -> ConsentScope: ...
    @property
    def publicity_ends_on(self) -> date | None: ...
    @property
    def published(self) -> bool: ...


@dataclass
class Access:
    """What one viewer may see of one subject, and what they actually used (for the audit)."""

    viewer: Viewer
    subject_uscc: str | None
    today: date
    consent_id: str | None = None
    consent_scopes: frozenset[ConsentScope] = frozenset()
    used_tier: Tier = Tier.PUBLIC
    denied: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, viewer: Viewer, subject_uscc: str | None, consents: Iterable[Consent],
           today: date, now: datetime) -> Access:
        """Which consent applies: of the subject's consents, those granted to the viewer's organization
        and active now (unexpired, unrevoked). The one expiring last names the access (the audit cites
        it); their scopes together are what it opens (SPEC §4)."""
        access = cls(viewer, subject_uscc, today)
        active = [c for c in consents if c.grantee == viewer.org and c.is_active(now)]
        if active:
            access.consent_id = max(active, key=lambda c: c.expires_at).id
            access.consent_scopes = frozenset().union(*(c.scopes for c in active))
        return access

    @property
    def tier(self) -> Tier:
        """The most this viewer may see of this subject."""
        reach = self.viewer.reach
        if reach is Tier.AUTHORIZED and self.consent_id is None:
            return Tier.PUBLIC
        return reach

    def allows(self, requirement: Requirement) -> bool:
        return self.viewer.could_meet(requirement) and self._opens(requirement.disclosure, requirement.scope)

    def _opens(self, needed: Disclosure, scope: ConsentScope | None) -> bool:
        """Whether this access reaches the tier ``needed``, AUTHORIZED through a consent that has ``scope``."""
        tier = self.tier
        if needed is Tier.AUTHORIZED and tier is Tier.AUTHORIZED:
            return scope is None or scope in self.consent_scopes
        return tier.covers(needed)

    def may_see(self, item: DisclosedItem) -> bool:
        """The item rule: its tier, its consent scope, and (outside government) its publicity.

        Records stop being published when their publicity window ends (发改办财金〔2019〕527号; the
        NDRC 2025 credit-repair measures, hub.rights.publicity) or when they are repaired or
        withdrawn; INTERNAL viewers keep seeing them.
        """
        if not self._opens(item.disclosure, item.consent_scope):  # allows(), without a Requirement per item
            return False
        if self.viewer.is_internal:
            return True
        if not item.published:
            return False
        ends = item.publicity_ends_on
        return ends is None or self.today <= ends

    def explanation_seen(self, explanation: Explanation, records: Mapping[str, DisclosedItem]) -> Explanation:
        """What this viewer may be shown of an evaluation's explanation (docs/tiers.md, Explanations).

        A line is shown whole when the viewer may see everything it rests on (``records``: the
        subject's records by id; a record not there is not seen): registration facts, or records
        each visible to it. Every other line is folded into one line of their summed points, with
        no record, indicator, label, note or count — shown only when that sum is not zero, so that
        the lines still add up to the score, which tells the viewer that sum anyway. A line that
        rests on related parties or on everything counted is government's alone. A reason about an
        override is kept when the viewer may see at least one record that raised the flag (then the
        flag follows from what it sees); when a hidden flag set the grade, one reason says only that.
        """
        if self.tier is Tier.INTERNAL:
            return explanation

        def sees(grounds: Grounds, rests_on: tuple[str, ...], *, any_one: bool = False) -> bool:
            if grounds is Grounds.REGISTRATION:
                return True
            if grounds is not Grounds.RECORDS:
                return False
            items = [records.get(record_id) for record_id in rests_on]
            visible = [item is not None and self.may_see(item) for item in items]
            return any(visible) if any_one else bool(visible) and all(visible)

        shown: list[Line] = []
        folded = 0.0
        for line in explanation.lines:
            if sees(line.grounds, line.rests_on):
                shown.append(line)
            else:
                folded += line.points
        folded = round(folded, 9)
        for line in shown:
            for record_id in line.rests_on:
                self.note_use(records[record_id].disclosure)
        if folded:
            shown.append(Line(UNDISCLOSED, "未向您公开的信息（合计）", folded, (),
                              "what you may not see, summed: no record, indicator or count of it is given",
                              Grounds.WHOLE))
        flags = {flag for flag in explanation.flags
                 if (g := explanation.flag_grounds.get(flag)) is not None and sees(g.grounds, g.rests_on, any_one=True)}
        reasons = [reason for reason in explanation.reasons if reason.flag is None or reason.flag in flags]
        overridden_by = explanation.overridden_by
        if overridden_by is not None and overridden_by not in flags:
            reasons.append(Reason("the grade was set by an override resting on what you may not see (未公开信息)"))
            overridden_by = None
        return Explanation(tuple(shown), tuple(reasons), overridden_by, tuple(sorted(flags)),
                           {flag: explanation.flag_grounds[flag] for flag in flags})

    def note_use(self, tier: Tier) -> None:
        if not self.used_tier.covers(tier):
            self.used_tier = tier

    def note_denied(self, what: str) -> None:
        self.denied.append(what)

    def refusal(self, requirement: Requirement, what: str) -> str:
        """A message that tells the viewer why, without revealing anything about the data."""
        subject = f" of subject {self.subject_uscc}" if self.subject_uscc else ""
        if requirement.roles is not None and self.viewer.role not in requirement.roles:
            allowed = ", ".join(sorted(role.value for role in requirement.roles))
            return f"{what}{subject} is restricted to the roles {allowed}; you are {self.viewer.role.value}"
        needed = requirement.disclosure
        basis = f" ({requirement.reason})" if requirement.reason else ""
        if needed is Tier.INTERNAL:
            return f"{what}{subject} is internal-only (内部使用): government departments only{basis}"
        if self.viewer.role is Role.BANK and self.consent_id is None:
            return (f"{what}{subject} needs the subject's authorization (依授权公开): bank "
                    f"{self.viewer.org!r} holds no unexpired, unrevoked consent from this subject")
        if self.viewer.role is Role.BANK:
            return (f"{what}{subject} is outside the scope of consent {self.consent_id} "
                    f"(scopes: {', '.join(sorted(self.consent_scopes))})")
        return f"{what}{subject} is disclosed only to authorized parties (依授权公开){basis}"
