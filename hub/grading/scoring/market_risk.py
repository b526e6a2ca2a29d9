"""企业信用风险分类 — SAMR's enterprise credit risk score (seed 004), 0–1000, higher is riskier.

Seed 004 第九条: "每个企业信用风险得分为0~1000分", from an indicator system that "可根据信息归集等情况进行动态
调整" (第八条) over the information of 第七条 (登记, 许可, 抽查检查, 行政处罚, 投诉举报, 经营异常名录, 严重失信
主体名单, …). The hub's catalogue (``catalogues/henan-market-risk.yaml``) groups its indicators as
SAMR's system does: 基础属性 (basic attributes), 动态信息 (dynamics), 监管信息 (supervision history),
关联关系 (related parties) and 社会评价 (social evaluation). The points are the hub's documented
defaults, not SAMR's (市监信发〔2022〕5号 is not among the seeds).

Flags: 第十条 puts an enterprise straight into D when it is currently on the serious-dishonesty list
(一) or a 失信被执行人 (二), and into C or D when it belongs to an industry of high public concern (三).
The model only raises ``SERIOUS_DISHONESTY_LIST``, ``DISHONEST_EXECUTEE`` and
``HIGH_ATTENTION_INDUSTRY``; the ``henan-market-risk`` scheme applies them. Which industries are of
high concern is the department's call: ``high_attention_industries`` in the catalogue is a default
(食品生产, 药品零售, 特种设备, 危险化学品 — the key domains of 第十六条 plus hazardous chemicals) that a
department replaces with its own catalogue of the same id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from hub.explanation import FlagGrounds, Grounds
from hub.grading.scoring._catalogue import Section, read_list_flags
from hub.grading.scoring._points import PointsModel, read_engine
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    HIGH_ATTENTION_INDUSTRY,
    HIGH_ATTENTION_INDUSTRY_D,
    SERIOUS_DISHONESTY_LIST,
    Contribution,
    Score,
    SubjectFacts,
)

SCALE = (0.0, 1000.0)  # seed 004 第九条: 0~1000分
LIST_FLAGS = frozenset({SERIOUS_DISHONESTY_LIST, DISHONEST_EXECUTEE})
GROUPS = ("基础属性", "动态信息", "监管信息", "关联关系", "社会评价")


@dataclass(frozen=True, eq=False)
class MarketRiskModel(PointsModel):
    """Base risk plus indicator points on 0–1000; flags for seed 004 第十条."""

    high_attention_industries: frozenset[str] = frozenset()

    def score(self, facts: SubjectFacts) -> Score:
        listed = super().score(facts)
        if facts.subject.industry not in self.high_attention_industries:
            return listed
        # seed 004 第十条(三) "根据情况直接定性为C类…或D类": C or D as the department decided for this subject
        # (C until it decides); its decision and reason become a line of the explanation (0 points).
        decision = facts.high_attention
        flag = HIGH_ATTENTION_INDUSTRY_D if decision is not None and decision.risk_class == "D" else \
            HIGH_ATTENTION_INDUSTRY
        contributions = listed.contributions
        if decision is not None:
            contributions += (Contribution(
                "high_attention.decision", "社会高度关注行业：部门研判", 0.0,
                note=f"{decision.department} decided {decision.risk_class} on {decision.decided_on}: {decision.reason}",
                grounds=Grounds.REGISTRATION),)
        return replace(listed, flags=listed.flags | {flag}, contributions=contributions,
                       flag_grounds={**listed.flag_grounds, flag: FlagGrounds(Grounds.REGISTRATION)})


def build(doc: Section, path: Path, model_id: str, scheme_ids: tuple[str, ...]) -> MarketRiskModel:
    doc.keys(("id", "model", "name", "source", "schemes", "base", "lookback_years", "indicators"),
             ("list_flags", "high_attention_industries"))
    engine, lookback = read_engine(doc, "基础风险分", *SCALE, groups=GROUPS)
    return MarketRiskModel(model_id, doc.text("name"), doc.text("source"), path, scheme_ids, engine, lookback,
                           read_list_flags(doc, LIST_FLAGS),
                           frozenset(doc.texts("high_attention_industries", ())))
