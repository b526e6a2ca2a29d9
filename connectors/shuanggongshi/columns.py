"""The 双公示 column layouts (SPEC §2.4), how a header row is matched to one, and the value lists.

Headers are matched verbatim, after only what a spreadsheet does to text without the sender
noticing: full-width forms folded (NFKC: （万元） = (万元), ＿ = _) and whitespace dropped. Provincial
templates often spell the subject-code columns with their meaning, ``行政相对人代码_1（统一社会信用代码）``;
that is accepted when the meaning is the standard's for that number, and refused otherwise, because
an older template numbered them differently (_2 组织机构代码, _3 工商登记码) and reading such a column
under the new numbering would file an organization code as a registration number.

Unknown columns refuse the file rather than being skipped: a misspelt optional column (公示截止期 as
公示截至期) would otherwise vanish silently and the hub would publish for the wrong period.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.models import RecordKind

NAME = "行政相对人名称"
CATEGORY = "行政相对人类别"
CODE_1 = "行政相对人代码_1"
LEGAL_REP = "法定代表人"
LEGAL_REP_ID_TYPE = "法定代表人证件类型"
LEGAL_REP_ID = "法定代表人证件号码"
ID_TYPE = "证件类型"
ID_NUMBER = "证件号码"
SOURCE = "数据来源单位"
SOURCE_CODE = "数据来源单位统一社会信用代码"
REMARK = "备注"

# 行政相对人代码_1…_6 and what each holds in the current numbering (SPEC §2.4).
SUBJECT_CODES = {1: "统一社会信用代码", 2: "工商注册号", 3: "组织机构代码", 4: "税务登记号",
                 5: "事业单位证书号", 6: "社会组织登记证号"}
SUBJECT_COLUMNS = (NAME, CATEGORY, *(f"行政相对人代码_{n}" for n in SUBJECT_CODES), LEGAL_REP,
                   LEGAL_REP_ID_TYPE, LEGAL_REP_ID, ID_TYPE, ID_NUMBER)

# 行政处罚
P_DOCUMENT = "行政处罚决定书文号"
P_VIOLATION = "违法行为类型"
P_FACTS = "违法事实"
P_BASIS = "处罚依据"
P_CATEGORIES = "处罚类别"
P_CONTENT = "处罚内容"
P_FINE = "罚款金额（万元）"
P_CONFISCATED = "没收违法所得、没收非法财物的金额（万元）"
P_LICENCE_TAKEN = "暂扣或吊销证照名称及编号"
P_DECIDED = "处罚决定日期"
P_VALID_UNTIL = "处罚有效期"
P_PUBLICITY_ENDS = "公示截止期"
P_AUTHORITY = "处罚机关"
P_AUTHORITY_CODE = "处罚机关统一社会信用代码"

# 行政许可
L_DOCUMENT_NAME = "行政许可决定文书名称"
L_DOCUMENT = "行政许可决定文书号"
L_CATEGORY = "许可类别"
L_CERTIFICATE = "许可证书名称"
L_NUMBER = "许可编号"
L_CONTENT = "许可内容"
L_DECIDED = "许可决定日期"
L_VALID_FROM = "有效期自"
L_VALID_TO = "有效期至"
L_AUTHORITY = "许可机关"
L_AUTHORITY_CODE = "许可机关统一社会信用代码"
L_STATE = "当前状态"

SUBJECT_CATEGORIES = ("法人及非法人组织", "自然人", "个体工商户")
ORGANIZATION_CATEGORIES = frozenset({"法人及非法人组织", "个体工商户"})  # keyed by a GB 32100 code

# 行政处罚法（2021年修订）第九条 — the kinds of administrative penalty, as the 处罚类别 values.
PENALTY_CATEGORIES = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件",
                      "降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭",
                      "限制从业", "行政拘留", "其他")
LICENCE_CATEGORIES = ("普通", "特许", "认可", "核准", "登记", "其他")
# Identity documents of a 自然人; only the resident ID has a checkable format.
RESIDENT_ID_TYPES = frozenset({"身份证", "居民身份证"})
ID_TYPES = ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证", "其他")


@dataclass(frozen=True)
class Layout:
    """One kind of 双公示 file: its columns, the ones a file must have, the ones each row must fill."""

    kind: RecordKind
    label: str
    columns: tuple[str, ...]
    required_headers: tuple[str, ...]
    required_values: tuple[str, ...]
    document: str
    decided: str
    authority: str
    authority_code: str

    @property
    def own_columns(self) -> frozenset[str]:
        """The columns only this kind has (the subject columns are shared)."""
        return frozenset(self.columns) - frozenset(SUBJECT_COLUMNS) - {SOURCE, SOURCE_CODE, REMARK}


# Required values: the standard's 必填 items as the hub reads them; 自然人 and 罚款 add their own
# (see rows.py). Optional columns (处罚有效期, 公示截止期, 有效期…) are checked when filled.
PENALTY = Layout(
    RecordKind.ADMINISTRATIVE_PENALTY, "行政处罚",
    (*SUBJECT_COLUMNS, P_DOCUMENT, P_VIOLATION, P_FACTS, P_BASIS, P_CATEGORIES, P_CONTENT, P_FINE,
     P_CONFISCATED, P_LICENCE_TAKEN, P_DECIDED, P_VALID_UNTIL, P_PUBLICITY_ENDS, P_AUTHORITY,
     P_AUTHORITY_CODE, SOURCE, SOURCE_CODE, REMARK),
    (NAME, CATEGORY, CODE_1, P_DOCUMENT, P_VIOLATION, P_FACTS, P_BASIS, P_CATEGORIES, P_CONTENT, P_FINE,
     P_DECIDED, P_AUTHORITY, P_AUTHORITY_CODE, SOURCE, SOURCE_CODE),
    (NAME, CATEGORY, P_DOCUMENT, P_VIOLATION, P_FACTS, P_BASIS, P_CATEGORIES, P_CONTENT, P_DECIDED,
     P_AUTHORITY, P_AUTHORITY_CODE, SOURCE, SOURCE_CODE),
    P_DOCUMENT, P_DECIDED, P_AUTHORITY, P_AUTHORITY_CODE,
)

LICENCE = Layout(
    RecordKind.ADMINISTRATIVE_LICENSE, "行政许可",
    (*SUBJECT_COLUMNS, L_DOCUMENT_NAME, L_DOCUMENT, L_CATEGORY, L_CERTIFICATE, L_NUMBER, L_CONTENT,
     L_DECIDED, L_VALID_FROM, L_VALID_TO, L_AUTHORITY, L_AUTHORITY_CODE, L_STATE, SOURCE, SOURCE_CODE,
     REMARK),
    (NAME, CATEGORY, CODE_1, L_DOCUMENT_NAME, L_DOCUMENT, L_CATEGORY, L_CONTENT, L_DECIDED, L_VALID_FROM,
     L_VALID_TO, L_AUTHORITY, L_AUTHORITY_CODE, SOURCE, SOURCE_CODE),
    (NAME, CATEGORY, L_DOCUMENT_NAME, L_DOCUMENT, L_CATEGORY, L_CONTENT, L_DECIDED, L_VALID_FROM,
     L_VALID_TO, L_AUTHORITY, L_AUTHORITY_CODE, SOURCE, SOURCE_CODE),
    L_DOCUMENT, L_DECIDED, L_AUTHORITY, L_AUTHORITY_CODE,
)

LAYOUTS = (PENALTY, LICENCE)
_SUBJECT_CODE = re.compile(r"^行政相对人代码_(\d)(?:\((.*)\))?$")


def fold(text: str) -> str:
    """A header as compared: NFKC-folded, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


_CANONICAL = {fold(name): name for layout in LAYOUTS for name in layout.columns}


@dataclass(frozen=True)
class HeaderMatch:
    """The header row read against the layouts: each column's standard name, or None if unknown."""

    names: tuple[str | None, ...]
    unknown: tuple[str, ...]
    duplicated: tuple[str, ...]


def match_headers(headers: list[str]) -> HeaderMatch:
    """Map each header cell to its standard column name (None when it is not one)."""
    names: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    duplicated: list[str] = []
    for header in headers:
        name = _standard_name(header)
        names.append(name)
        if name is None:
            if header.strip():
                unknown.append(header.strip())
            continue
        if name in seen:
            duplicated.append(name)
        seen.add(name)
    return HeaderMatch(tuple(names), tuple(unknown), tuple(duplicated))


def _standard_name(header: str) -> str | None:
    folded = fold(header)
    found = _SUBJECT_CODE.match(folded)
    if found:
        number, meaning = int(found.group(1)), found.group(2)
        if number in SUBJECT_CODES and meaning in (None, SUBJECT_CODES[number]):
            return f"行政相对人代码_{number}"
        return None
    return _CANONICAL.get(folded)


def unknown_hint(header: str) -> str:
    """Why an unknown header is unknown, when we can tell (the old subject-code numbering)."""
    found = _SUBJECT_CODE.match(fold(header))
    if found and int(found.group(1)) in SUBJECT_CODES:
        number = int(found.group(1))
        return f"{header.strip()} (in the standard _{number} is {SUBJECT_CODES[number]})"
    return header.strip()
