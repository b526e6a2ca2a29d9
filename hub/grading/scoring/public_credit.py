"""公共信用综合评价 — the public credit comprehensive evaluation as a scoring model.

Seed 000 §二.(二): "采用百分制，满分为 100 分，评价指标包括减分项指标和加分项指标" — a score out of 100 made
of deduction and bonus indicators, adjusted "根据实际情况及时进行动态调整优化". So the indicators and
their points are data (``catalogues/public-credit.yaml``); this module only adds them up (see
:mod:`hub.grading.scoring._points`), clamps to [0, 100] and raises the list flags.

One catalogue serves ``henan-public-credit`` (seed 000) and ``shanxi-public-credit`` (seed 003) with
the same base: both seeds describe the same 100-point deduction/bonus evaluation and differ only in
where their grade bands fall, which is the grading scheme's business, not the model's. A province
whose indicators differ ships its own catalogue claiming its scheme id.

Flags (``list_flags`` in the catalogue): a *current* record of a listed kind raises the flag.
``JOINT_PUNISHMENT_LIST`` (seed 000 §二.(三): 失信联合奖惩对象名单 → 差) is read as fed by the
serious-dishonesty list and 失信被执行人: since 国办发〔2020〕49号 the joint-punishment objects are the
subjects on 严重失信主体名单, and 失信被执行人 is the courts' list that the joint-punishment memorandum
(发改财金〔2016〕141号) was built on. The seed names no other source for the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.grading.scoring._catalogue import Section, read_list_flags
from hub.grading.scoring._points import PointsModel, read_engine
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    JOINT_PUNISHMENT_LIST,
    SERIOUS_DISHONESTY_LIST,
)

SCALE = (0.0, 100.0)  # seed 000 §二.(二): 百分制，满分为 100 分
LIST_FLAGS = frozenset({SERIOUS_DISHONESTY_LIST, DISHONEST_EXECUTEE, JOINT_PUNISHMENT_LIST})


@dataclass(frozen=True, eq=False)
class PublicCreditModel(PointsModel):
    """Base plus bonus and deduction indicators on 100 points; flags for the lists."""


def build(doc: Section, path: Path, model_id: str, scheme_ids: tuple[str, ...]) -> PublicCreditModel:
    doc.keys(("id", "model", "name", "source", "schemes", "base", "lookback_years", "indicators"),
             ("list_flags",))
    engine, lookback = read_engine(doc, "基础分", *SCALE)
    return PublicCreditModel(model_id, doc.text("name"), doc.text("source"), path, scheme_ids, engine, lookback,
                             read_list_flags(doc, LIST_FLAGS))
