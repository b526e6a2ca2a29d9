"""通用 + 专业 — combining the general enterprise risk class with a domain's own risk class.

Seed 004 第十六条: "食品、药品、特种设备等重点领域应当按照'通用+专业'模式，将企业信用风险分类结果和专业领域
风险分类结果融合应用". The seed says the two are fused but not how. The hub's rule, on the A–D risk scale
of seed 004 第九条 (A 信用风险低 … D 信用风险高):

- the combined class is the **higher-risk** of the general class (henan-market-risk) and the domain
  class — neither may hide the other's warning, in the same spirit as 第十条, where one fact (a
  serious-dishonesty listing) is enough to place an enterprise in D whatever its score;
- in particular a domain class D (e.g. a food business the food-safety regulator rates high-risk)
  makes the result D, whatever the general class.

The rule is this module's, not the seed's: a department whose domain rules say otherwise should
say so here, next to the citation.

Where it applies (``combined_class``): a subject with a current class under the general scheme
(``GENERAL_SCHEME``, henan-market-risk) *and* one under a domain scheme (``DOMAIN_SCHEMES``) is
treated, under either scheme, as the combined class — by the measures in force
(hub.supervision.measures.measures_in_force) and by the strata of a 双随机 draw (hub.supervision.inspections). The
food domain class here is 郏县市场监管局's food-industry grade (jiaxian-food-industry, A best … D worst,
the same A–D order); no drug or special-equipment scheme ships yet: a department that grades one adds
it to ``DOMAIN_SCHEMES`` (its grades must be A–D).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

RISK_CLASSES = ("A", "B", "C", "D")  # seed 004 第九条, lowest risk first
_RISK_LABELS = {"A": "信用风险低", "B": "信用风险一般", "C": "信用风险较高", "D": "信用风险高"}


class Domain(StrEnum):
    """The key domains of seed 004 第十六条."""

    FOOD = "food"  # 食品
    DRUGS = "drugs"  # 药品
    SPECIAL_EQUIPMENT = "special-equipment"  # 特种设备

    @property
    def chinese(self) -> str:
        return _CHINESE[self]

    @classmethod
    def read(cls, value: str) -> Domain:
        """``"food"`` or ``"食品"`` → Domain.FOOD; anything else raises ValueError naming the domains."""
        for domain in cls:
            if value in (domain.value, domain.chinese):
                return domain
        known = ", ".join(f"{d.value} ({d.chinese})" for d in cls)
        raise ValueError(f"{value!r} is not a 通用+专业 domain; domains: {known}")


_CHINESE = {Domain.FOOD: "食品", Domain.DRUGS: "药品", Domain.SPECIAL_EQUIPMENT: "特种设备"}


@dataclass(frozen=True)
class CombinedClass:
    """The combined risk class with the reasons for it."""

    grade: str
    general: str
    domain_grade: str
    domain: Domain
    reasons: tuple[str, ...]


def _risk(grade: str, what: str) -> int:
    if grade not in RISK_CLASSES:
        raise ValueError(f"{what} {grade!r} is not a risk class; expected one of {', '.join(RISK_CLASSES)}")
    return RISK_CLASSES.index(grade)


def combine_general_and_domain(general_grade: str, domain_grade: str, domain: Domain | str) -> CombinedClass:
    """The higher-risk of the general and the domain class (seed 004 第十六条, rule above)."""
    field = domain if isinstance(domain, Domain) else Domain.read(domain)
    general_risk = _risk(general_grade, "general risk class")
    domain_risk = _risk(domain_grade, f"{field.value} risk class")
    combined = RISK_CLASSES[max(general_risk, domain_risk)]
    reasons = [
        f"general risk class (企业信用风险分类): {general_grade} {_RISK_LABELS[general_grade]}",
        f"{field.value} ({field.chinese}) domain risk class: {domain_grade} {_RISK_LABELS[domain_grade]}",
    ]
    if domain_grade == "D":
        reasons.append(f"通用+专业 (seed 004 第十六条): the {field.value} domain class is D, so the result is D")
    elif general_risk == domain_risk:
        reasons.append(f"通用+专业 (seed 004 第十六条): both classes are {combined}")
    else:
        which = "general" if general_risk > domain_risk else f"{field.value} domain"
        reasons.append(f"通用+专业 (seed 004 第十六条): the higher-risk class wins: {combined}, from the {which} class")
    return CombinedClass(combined, general_grade, domain_grade, field, tuple(reasons))


GENERAL_SCHEME = "henan-market-risk"  # 企业信用风险分类 (seed 004 第九条)
DOMAIN_SCHEMES: Mapping[str, Domain] = {"jiaxian-food-industry": Domain.FOOD}  # 专业领域 classes, A–D


def combination_partners(scheme_id: str) -> tuple[str, ...]:
    """The schemes whose current class is combined with ``scheme_id``'s (none: it is not combined)."""
    if scheme_id == GENERAL_SCHEME:
        return tuple(DOMAIN_SCHEMES)
    return (GENERAL_SCHEME,) if scheme_id in DOMAIN_SCHEMES else ()


def combined_class(scheme_id: str, grade: str, current: Mapping[str, str]) -> CombinedClass | None:
    """The combined class that stands for a subject's ``grade`` under ``scheme_id``, given its other
    current classes (scheme id → grade); None when 通用+专业 does not apply (no partner class, or a
    class outside A–D, which a replaced scheme file could bring: then each class stands alone)."""
    pairs: list[tuple[str, str, Domain]] = []
    if scheme_id == GENERAL_SCHEME:
        pairs = [(grade, current[domain_scheme], domain) for domain_scheme, domain in DOMAIN_SCHEMES.items()
                 if domain_scheme in current]
    elif scheme_id in DOMAIN_SCHEMES and GENERAL_SCHEME in current:
        pairs = [(current[GENERAL_SCHEME], grade, DOMAIN_SCHEMES[scheme_id])]
    found = [combine_general_and_domain(general, domain_grade, domain) for general, domain_grade, domain in pairs
             if general in RISK_CLASSES and domain_grade in RISK_CLASSES]
    # several domains (a food business that also runs special equipment): the highest-risk result
    return max(found, key=lambda c: RISK_CLASSES.index(c.grade)) if found else None
