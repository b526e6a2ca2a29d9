"""The one tier mechanism. Every guarded field of the schema resolves through :func:`_guard`.

Two kinds of rule, both decided by :class:`hub.disclosure.Access` (the domain's single rule):

- **field rules** (:data:`FIELD_RULES`): a named field needs a tier or a role — for example
  ``Subject.riskClassification`` is INTERNAL, ``Subject.legalRepresentative`` is AUTHORIZED with
  the LEGAL_REPRESENTATIVE consent scope. A refused field resolves to null with an error whose
  ``extensions.code`` is ``FORBIDDEN``.
- **explanations**: the fields that show an evaluation's explanation (:data:`EXPLAINING_FIELDS`)
  show only what the viewer may see of it: lines resting on records it may not see are summed
  into one line that names none of them (:meth:`hub.disclosure.Access.explanation_seen`).
- **item rules**: every field whose type is a *disclosed* type (:data:`DISCLOSED_TYPES`: records and
  evaluations, which carry their own tier) is filtered — a list silently omits what the viewer may
  not see; a single item the viewer may not see is null with FORBIDDEN.

:func:`install` wraps resolvers on the built graphql-core schema, once, at start-up. It finds the
fields by type, so a new field returning a ``Record`` anywhere is guarded without anyone
remembering to. The cost is one check per guarded field and one pass per list — never a hook on
every scalar of every item (the reason this is not a strawberry permission class or a
``SchemaExtension.resolve``, which run per field per item).

What a viewer is *shown* of the schema follows the same rules: :mod:`schema.visibility` gives
each role (an audience) its own schema for introspection and validation, without the fields it can
never be given (:func:`reachable`), and refuses such a field, when a request names it, before its
arguments are read (:func:`refuse`). One executable schema is kept, so that a field a viewer may not
see still resolves to null with FORBIDDEN, as SPEC §4 says, instead of failing the whole request.

A field that can be refused is nullable, or a refusal would null its parent — the subject, the page
or the report around it: :func:`install` refuses to start otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from inspect import isawaitable
from typing import Any

from graphql import (
    ASTValidationRule,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_named_type,
    is_list_type,
    is_non_null_type,
)

from hub.disclosure import (
    INTERNAL_ROLES,
    Access,
    ConsentScope,
    DisclosedItem,
    Disclosure,
    Requirement,
    Role,
    Viewer,
)
from hub.explanation import Explanation
from hub.models import Evaluation
from schema.errors import forbidden
from schema.visibility import Audiences, nullable_problems

_WRITERS = frozenset({Role.ADMIN, Role.PLATFORM})
_SUPERVISORS = frozenset({Role.AGENCY, Role.ADMIN})
_PLATFORMS = frozenset({Role.PLATFORM})
# A subject acts through the platform or an agency (SPEC 2.5); the credit office may file for it too.
_ON_BEHALF = frozenset({Role.PLATFORM, Role.AGENCY, Role.ADMIN})
_SUPERVISION = Requirement(Disclosure.PUBLIC, roles=_SUPERVISORS)
# 双随机 inspections are the regulating department's (seed 000 §三; seed 004 要求二): an agency token
# speaking for that department (hub.supervision.inspections checks the `dept` claim). The credit office has no role.
_DEPARTMENT_SUPERVISION = Requirement(Disclosure.PUBLIC, roles=frozenset({Role.AGENCY}))
_WARNINGS = Requirement(Disclosure.INTERNAL, reason="warnings are for government departments (内部使用)")

# (GraphQL type, field) → what the field asks of its viewer. Unknown keys fail at start-up.
FIELD_RULES: dict[tuple[str, str], Requirement] = {
    ("Subject", "legalRepresentative"): Requirement(
        Disclosure.AUTHORIZED, ConsentScope.LEGAL_REPRESENTATIVE,
        reason="legal representatives are natural persons (SPEC 2.5)"),
    ("Subject", "riskClassification"): Requirement(
        Disclosure.INTERNAL,
        reason="seed 004 第六条: SAMR risk classes are shared with government departments only"),
    ("CreditReport", "legalRepresentative"): Requirement(
        Disclosure.AUTHORIZED, ConsentScope.LEGAL_REPRESENTATIVE,
        reason="legal representatives are natural persons (SPEC 2.5)"),
    ("Query", "creditReport"): Requirement(
        Disclosure.AUTHORIZED, reason="a credit report is for a bank the subject authorized, or government"),
    ("Person", "idNumber"): Requirement(
        Disclosure.INTERNAL, reason="resident ID numbers are never shown whole outside government"),
    ("Query", "gradeDistribution"): Requirement(
        Disclosure.INTERNAL, reason="counts of every scheme's grades include INTERNAL risk classes (seed 004 第六条)"),
    ("Query", "reviewFlags"): Requirement(
        Disclosure.INTERNAL, reason="grade discrepancies are reviewed between departments (seed 001)"),
    # the console's profile (schema/subject_file.py): which consents a bank is given is its own (hub.service)
    ("Subject", "consents"): Requirement(
        Disclosure.AUTHORIZED, roles=INTERNAL_ROLES | {Role.BANK},
        reason="a subject's consents are for the bank it authorized, or government"),
    ("Subject", "objections"): Requirement(Disclosure.INTERNAL, reason="objections are handled by departments"),
    ("Subject", "repairApplications"): Requirement(
        Disclosure.INTERNAL, reason="credit repair applications are decided by departments"),
    ("Query", "gradeBreakdown"): Requirement(
        Disclosure.INTERNAL, reason="counts of every scheme's grades include INTERNAL risk classes (seed 004 第六条)"),
    ("Query", "departmentReportingByMonth"): Requirement(
        Disclosure.INTERNAL, reason="the credit office's oversight of departments' reporting (seed 004 §一.(二))"),
    ("Subject", "measures"): Requirement(
        Disclosure.INTERNAL, reason="measures lists are applied by government departments"),
    ("Query", "inspectionPlans"): Requirement(
        Disclosure.INTERNAL, reason="a plan's population and rules are internal until results are published"),
    ("InspectionPlan", "frequency"): Requirement(
        Disclosure.INTERNAL, reason="seed 004 第六条: per-class figures of a population are the risk classes'"),
    ("Draw", "assignments"): Requirement(
        Disclosure.INTERNAL, reason="targets and inspectors are internal until inspected (双随机)"),
    ("Draw", "strata"): Requirement(
        Disclosure.INTERNAL, reason="seed 004 第六条: per-grade figures beside the public results would tell "
        "each target's risk class"),
    ("InspectionResult", "resultAt"): Requirement(
        Disclosure.INTERNAL, reason="the order results come in may follow the risk classes (seed 004 第六条)"),
    ("Mutation", "createInspectionPlan"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "setInspectors"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "commitDraw"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "freezeDraw"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "revealDraw"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "recordInspectionResult"): _DEPARTMENT_SUPERVISION,
    ("Query", "objections"): Requirement(Disclosure.INTERNAL, reason="objections are handled by departments"),
    ("Query", "overdueObjections"): Requirement(Disclosure.INTERNAL, reason="objections are handled by departments"),
    ("Query", "overdueRepairApplications"): Requirement(
        Disclosure.INTERNAL, reason="repair applications are decided by departments"),
    ("Query", "pendingDecisions"): Requirement(
        Disclosure.INTERNAL, reason="objections and repair applications are decided by departments, each its own"),
    ("Query", "outbox"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    ("Query", "departmentReporting"): Requirement(
        Disclosure.INTERNAL, reason="the credit office's oversight of departments' reporting (seed 004 §一.(二))"),
    ("Mutation", "fileObjection"): Requirement(Disclosure.PUBLIC, roles=_ON_BEHALF),
    ("Mutation", "resolveObjection"): _SUPERVISION,
    ("Mutation", "applyForCreditRepair"): Requirement(Disclosure.PUBLIC, roles=_ON_BEHALF),
    ("Mutation", "decideCreditRepair"): _SUPERVISION,
    ("Mutation", "decideHighAttentionClass"): _SUPERVISION,
    ("Mutation", "reviewGradeDiscrepancy"): _SUPERVISION,
    ("Mutation", "grantConsent"): Requirement(Disclosure.PUBLIC, roles=_WRITERS),
    # the subject's side, or the bank that holds the consent (which bank: hub.authority, in the service)
    ("Mutation", "revokeConsent"): Requirement(Disclosure.PUBLIC, roles=_WRITERS | {Role.BANK}),
    # a bank's own consents (信易贷): which ones is its token's org (hub.bank_consents), never an argument
    ("Query", "myConsents"): Requirement(Disclosure.PUBLIC, roles=frozenset({Role.BANK}),
                                         reason="a bank lists the consents granted to it"),
    # seed 002 §三.(四).1 "谁评价谁共享": between government credit platforms, each a PLATFORM token
    ("Query", "changes"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    ("Mutation", "pushChanges"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    ("Mutation", "acknowledgeChanges"): Requirement(Disclosure.PUBLIC, roles=_PLATFORMS),
    # seed 004 (三) 事前信用记录核查: the department handling an application (or the credit office) checks the
    # subject's whole file — lists, grades, measures — so the answer is government's alone
    ("Query", "creditCheck"): Requirement(
        Disclosure.INTERNAL, roles=_SUPERVISORS,
        reason="事前信用核查 is made by the department handling an application (seed 004 (三))"),
    # seed 002 §三.(二).2: a commitment is made to, recorded and judged by a department (hub.commitments
    # checks it is the caller's own department: hub.authority.require_owner)
    ("Mutation", "recordCommitment"): _DEPARTMENT_SUPERVISION,
    ("Mutation", "decideCommitmentFulfilment"): _DEPARTMENT_SUPERVISION,
    # seed 004 第七条, seed 002 §三.(四).1 谁评价谁共享: departments push their own credit information (hub.credit_info
    # checks it is the caller's own department: hub.authority.require_owner)
    ("Mutation", "submitCreditInformation"): _DEPARTMENT_SUPERVISION,
    ("Query", "deadLetters"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    ("Query", "syncStatus"): Requirement(Disclosure.INTERNAL, reason="exchanges between government platforms"),
    ("Query", "subjectReads"): Requirement(Disclosure.INTERNAL, reason="the audit chain is government's"),
    # 信用预警 (docs/warnings.md): warnings are for the departments that must act (seed 001 §二.(四).1 监管预警结果
    # 为各政府部门集中提供查询服务); deciding one is further its routed department's (hub.warnings.service).
    ("Query", "warnings"): _WARNINGS,
    ("Query", "warning"): _WARNINGS,
    ("Query", "warningRules"): _WARNINGS,
    ("Query", "warningStreamCursor"): _WARNINGS,
    # decisions about natural persons: kept INTERNAL whatever the file says (hub.person_records; seed 000
    # §五.(一) 加强信息安全防护, SPEC §2.5) — a PUBLIC or bank caller is refused before its arguments are read
    ("Query", "personRecords"): Requirement(
        Disclosure.INTERNAL, reason="decisions about natural persons are for government departments (SPEC 2.5)"),
    ("Query", "relatedParties"): Requirement(
        Disclosure.INTERNAL, reason="links through legal representatives, natural persons (SPEC 2.5)"),
    ("Subscription", "warnings"): _WARNINGS,
    ("Mutation", "acknowledgeWarning"): _SUPERVISION,
    ("Mutation", "handleWarning"): _SUPERVISION,
    ("Mutation", "dismissWarning"): _SUPERVISION,
}

# GraphQL types whose objects carry their own disclosure tier (hub.disclosure.DisclosedItem).
DISCLOSED_TYPES = frozenset({"Record", "Evaluation", "Commitment"})

# Fields that show an evaluation's explanation: each shows only what its viewer may see of it
# (hub.disclosure.Access.explanation_seen). Unknown keys fail at start-up.
EXPLAINING_FIELDS = frozenset({("Evaluation", "explanation"), ("Evaluation", "reasons")})

Resolver = Callable[..., Any]


class TierContext:
    """What the mechanism needs from a request's context (schema.context.HubContext has it)."""

    viewer: Viewer

    def access_for(self, subject_uscc: str | None) -> Any:  # -> hub.disclosure.Access
        raise NotImplementedError

    async def access_for_code(self, uscc: str) -> Any:  # -> hub.disclosure.Access
        raise NotImplementedError

    def records_of(self, uscc: str) -> Mapping[str, DisclosedItem]:
        """The subject's records this request loaded, by id (what an explanation may cite)."""
        raise NotImplementedError


def install(schema: GraphQLSchema, limits: Iterable[type[ASTValidationRule]] = ()) -> Audiences:
    """Wrap every guarded field's resolver and give each role its view of the schema. Call once.

    ``limits`` are the validation rules that bound a request's cost; they run on every request.
    """
    unknown = [key for key in (*FIELD_RULES, *EXPLAINING_FIELDS) if not _has_field(schema, *key)]
    if unknown:
        raise RuntimeError(f"FIELD_RULES or EXPLAINING_FIELDS name fields the schema does not have: {unknown}")
    refusable = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            rule = FIELD_RULES.get((type_.name, name))
            filters = get_named_type(field.type).name in DISCLOSED_TYPES
            returns_list = is_list_type(_nullable(field.type))
            if rule is not None or filters:
                assert field.resolve is not None, f"{type_.name}.{name} has no resolver"
                field.resolve = _guard(field.resolve, f"{type_.name}.{name}", rule, filters, returns_list)
            if (type_.name, name) in EXPLAINING_FIELDS:
                assert field.resolve is not None, f"{type_.name}.{name} has no resolver"
                field.resolve = _explained(field.resolve)
            if (rule is not None or (filters and not returns_list)) and is_non_null_type(field.type):
                refusable.append(f"{type_.name}.{name}")
            if rule is not None and field.subscribe is not None:
                field.subscribe = _guard_subscribe(field.subscribe, f"{type_.name}.{name}", rule)
    audiences = Audiences(schema, reachable, refuse, tuple(limits))
    refusable += nullable_problems(audiences)
    if refusable:
        raise RuntimeError("fields that can be refused must be nullable, or a refusal nulls what holds them: "
                           + ", ".join(sorted(set(refusable))))
    return audiences


def _guard(resolve: Resolver, what: str, rule: Requirement | None, filters: bool,
           returns_list: bool) -> Resolver:
    async def guarded_by_argument(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        # A root field about one subject (creditReport): its consents are loaded before the check.
        context: TierContext = info.context
        access = await context.access_for_code(args["uscc"])
        assert rule is not None
        if not access.allows(rule):
            access.note_denied(what)
            raise forbidden(access.refusal(rule, what))
        access.note_use(rule.disclosure)
        result = resolve(root, info, **args)
        return await result if isawaitable(result) else result

    def guarded(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        context: TierContext = info.context
        if rule is not None and root is None and "uscc" in args:
            return guarded_by_argument(root, info, **args)
        if rule is not None:
            access = context.access_for(getattr(root, "subject_uscc", None))
            if not access.allows(rule):
                access.note_denied(what)
                raise forbidden(access.refusal(rule, what))
            access.note_use(rule.disclosure)
        result = resolve(root, info, **args)
        if not filters:
            return result
        if isawaitable(result):
            return _filter_later(result, context, what, returns_list)
        return _filter(result, context, what, returns_list)

    return guarded


def _explained(resolve: Resolver) -> Resolver:
    """The field resolves on the evaluation as its viewer may be shown it."""

    def explained(root: Evaluation, info: GraphQLResolveInfo, **args: Any) -> Any:
        if root.explanation:
            context: TierContext = info.context
            access = context.access_for(root.subject_uscc)
            seen = access.explanation_seen(Explanation.parse(root.explanation), context.records_of(root.subject_uscc))
            root = replace(root, explanation=seen.dumps())
        return resolve(root, info, **args)

    return explained


def _guard_subscribe(subscribe: Resolver, what: str, rule: Requirement) -> Resolver:
    """A subscription is refused before its stream opens (its events are guarded again as they resolve)."""

    def guarded(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        access = info.context.access_for(None)
        if not access.allows(rule):
            access.note_denied(what)
            raise forbidden(access.refusal(rule, what))
        access.note_use(rule.disclosure)
        return subscribe(root, info, **args)

    return guarded


def refusal(viewer: Viewer, type_name: str, field_name: str, today: date) -> str | None:
    """Why ``viewer`` may never be given this field, or None when it may (a WebSocket's connection_init
    asks this of the subscription before accepting the connection)."""
    rule = FIELD_RULES[(type_name, field_name)]
    access = Access(viewer, None, today)
    return None if access.allows(rule) else access.refusal(rule, f"{type_name}.{field_name}")


async def _filter_later(pending: Awaitable[Any], context: TierContext, what: str,
                        returns_list: bool) -> Any:
    return _filter(await pending, context, what, returns_list)


def _filter(result: Any, context: TierContext, what: str, returns_list: bool) -> Any:
    if result is None:
        return None
    if returns_list:
        return visible(context, result)
    if not visible(context, [result]):
        access = context.access_for(result.subject_uscc)
        access.note_denied(what)
        raise forbidden(access.refusal(Requirement(result.disclosure, result.consent_scope), what))
    return result


def visible(context: TierContext, items: Iterable[Any]) -> list[Any]:
    """The item rule over a list (and for a resolver that renders items itself: the PDF report). An
    item's access is its subject's, looked up again only where the subject changes: a subject's
    evaluations share one."""
    shown = []
    subject: str | None = None
    access = None
    for item in items:
        if access is None or item.subject_uscc != subject:
            subject = item.subject_uscc
            access = context.access_for(subject)
        if access.may_see(item):
            access.note_use(item.disclosure)
            shown.append(item)
    return shown


def field_allowed(context: TierContext, type_name: str, field_name: str, subject_uscc: str) -> bool:
    """A field rule, for a resolver that renders the field itself; refusals are audited as usual."""
    rule = FIELD_RULES[(type_name, field_name)]
    access = context.access_for(subject_uscc)
    if not access.allows(rule):
        access.note_denied(f"{type_name}.{field_name}")
        return False
    access.note_use(rule.disclosure)
    return True


def may_ever(viewer: Viewer, type_name: str, field_name: str) -> bool:
    """Whether ``viewer`` could be given this field for some subject (``Viewer.could_meet`` its rule): a field it
    could not is refused wherever it is named, so what only it reads need not be loaded
    (schema.query.requested_shape)."""
    rule = FIELD_RULES.get((type_name, field_name))
    return rule is None or viewer.could_meet(rule)


def reachable(role: Role, type_name: str, field_name: str) -> bool:
    """Whether a viewer of ``role`` could ever be given this field (else the field is hidden from it)."""
    rule = FIELD_RULES.get((type_name, field_name))
    if rule is None:
        return True
    if rule.roles is not None and role not in rule.roles:
        return False
    return role in INTERNAL_ROLES or rule.disclosure is not Disclosure.INTERNAL


def refuse(context: TierContext, type_name: str, field_name: str, source: Any) -> GraphQLError:
    """The refusal of a field hidden from the viewer, audited like any other refusal."""
    what = f"{type_name}.{field_name}"
    rule = FIELD_RULES.get((type_name, field_name)) or Requirement(
        Disclosure.INTERNAL, reason="it serves only what government departments see")
    access = context.access_for(getattr(source, "subject_uscc", None))
    access.note_denied(what)
    return forbidden(access.refusal(rule, what))


def _has_field(schema: GraphQLSchema, type_name: str, field_name: str) -> bool:
    type_ = schema.type_map.get(type_name)
    return isinstance(type_, GraphQLObjectType) and field_name in type_.fields


def _nullable(type_: Any) -> Any:
    return type_.of_type if is_non_null_type(type_) else type_


def guarded_fields(schema: GraphQLSchema) -> Iterable[str]:
    """Names of the fields the mechanism wraps (for tests and docs)."""
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                if (type_.name, name) in FIELD_RULES or (
                        get_named_type(field.type).name in DISCLOSED_TYPES):
                    yield f"{type_.name}.{name}"


__all__ = ["DISCLOSED_TYPES", "FIELD_RULES", "GraphQLError", "guarded_fields", "install", "reachable", "refuse"]
