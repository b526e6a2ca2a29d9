"""Identifiers: unified social credit codes, resident ID numbers, administrative division codes.

- 统一社会信用代码 — unified social credit code (GB 32100-2015): 18 characters from
  ``0123456789ABCDEFGHJKLMNPQRTUWXY``; position 1 the registering authority, 2 the entity type,
  3–8 the administrative division (GB/T 2260), 9–17 the organization code (GB 11714), 18 a check
  character: weights 3^(i-1) mod 31, check = (31 − Σ mod 31) mod 31. Real codes start with letters
  too (N 农业, Y 其他…): the first two positions are *not* digits-only.
- 公民身份号码 — resident ID number (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit
  sequence, a mod 11-2 check character (0–9 or X).
- 行政区划代码 — administrative division code (GB/T 2260): 6 digits.

Every failure raises :class:`InvalidCode` whose message names the identifier, the value and
exactly which rule it breaks — in English, and in Chinese as its ``zh`` (what a clerk reads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hub.errors import BadInput

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: index for index, char in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 32100-2015 附录: registering authority (position 1) → entity types allowed at position 2.
REGISTERING_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "编办直接管理机构编制的群众团体",
                      "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                      "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地代表机构",
                  "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织",
                  "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# GB/T 2260 province-level prefixes (first two digits of a division code).
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
})

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_REGION_SHAPE = re.compile(r"^\d{6}$")


class InvalidCode(BadInput):
    """An identifier that breaks its standard; ``str()`` says which rule and why, ``zh`` the same in Chinese.

    ``kind`` and ``problem`` are the English, ``kind_zh`` and ``problem_zh`` the Chinese of the same rule
    (hub.bilingual); ``zh`` reaches GraphQL as ``extensions.messageZh`` and import reports as their 问题.
    """

    def __init__(self, kind: str, value: str, problem: str, *, kind_zh: str, problem_zh: str) -> None:
        self.kind = kind
        self.value = value
        self.problem = problem
        self.zh = f"{kind_zh}「{value}」无效：{problem_zh}"
        super().__init__(f"invalid {kind} {value!r}: {problem}")

    def extensions(self) -> dict[str, object]:
        return {"messageZh": self.zh}


@dataclass(frozen=True)
class SocialCreditCode:
    """A validated unified social credit code and what its positions say."""

    value: str

    @property
    def authority(self) -> str:
        return REGISTERING_AUTHORITIES[self.value[0]][0]

    @property
    def entity_type(self) -> str:
        return REGISTERING_AUTHORITIES[self.value[0]][1][self.value[1]]

    @property
    def region(self) -> str:
        return self.value[2:8]

    @property
    def organization_code(self) -> str:
        return self.value[8:17]

    def __str__(self) -> str:
        return self.value


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(_USCC_VALUE[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def parse_uscc(raw: str) -> SocialCreditCode:
    """Validate a unified social credit code; raise :class:`InvalidCode` naming the broken rule."""
    kind, zh = "unified social credit code (统一社会信用代码)", "统一社会信用代码"
    if not isinstance(raw, str):
        raise InvalidCode(kind, repr(raw), "must be a string", kind_zh=zh, problem_zh="应为文本")
    value = raw.strip().upper()
    if len(value) != 18:
        raise InvalidCode(kind, raw, f"has {len(value)} characters; GB 32100 codes have exactly 18",
                          kind_zh=zh, problem_zh=f"共 {len(value)} 位，GB 32100 规定为 18 位")
    for position, char in enumerate(value, start=1):
        if char not in _USCC_VALUE:
            hint = " (I, O, Z, S and V are never used)" if char in "IOZSV" else ""
            raise InvalidCode(
                kind, raw, f"character {char!r} at position {position} is not in the GB 32100 "
                f"character set 0-9 and A-Y without I, O, Z, S, V{hint}", kind_zh=zh,
                problem_zh=f"第 {position} 位字符「{char}」不在 GB 32100 字符集内（0-9 和 A-Y，不使用 I、O、Z、S、V）"
            )
    authority = REGISTERING_AUTHORITIES.get(value[0])
    if authority is None:
        raise InvalidCode(kind, raw, f"position 1 {value[0]!r} is not a registering authority code "
                          f"({', '.join(REGISTERING_AUTHORITIES)})", kind_zh=zh,
                          problem_zh=f"第 1 位「{value[0]}」不是登记管理部门代码"
                          f"（{'、'.join(REGISTERING_AUTHORITIES)}）")
    if value[1] not in authority[1]:
        raise InvalidCode(kind, raw, f"position 2 {value[1]!r} is not an entity type of registering "
                          f"authority {value[0]} {authority[0]} ({', '.join(authority[1])})", kind_zh=zh,
                          problem_zh=f"第 2 位「{value[1]}」不是登记管理部门 {value[0]}（{authority[0]}）的机构类别代码"
                          f"（{'、'.join(authority[1])}）")
    region = value[2:8]
    if not _REGION_SHAPE.match(region):
        raise InvalidCode(kind, raw, f"positions 3-8 {region!r} must be a 6-digit GB/T 2260 "
                          "administrative division code", kind_zh=zh,
                          problem_zh=f"第 3-8 位「{region}」应为 6 位数字的 GB/T 2260 行政区划代码")
    if region[:2] not in PROVINCE_PREFIXES:
        raise InvalidCode(kind, raw, f"positions 3-8 {region!r} do not start with a GB/T 2260 "
                          "province code", kind_zh=zh,
                          problem_zh=f"第 3-8 位「{region}」开头不是 GB/T 2260 省级代码")
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise InvalidCode(kind, raw, f"check character (position 18) is {value[17]!r} but the "
                          f"GB 32100 mod-31 check gives {expected!r}", kind_zh=zh,
                          problem_zh=f"第 18 位校验码为「{value[17]}」，按 GB 32100 模 31 校验应为「{expected}」")
    return SocialCreditCode(value)


def parse_code(raw: str) -> str:
    """A caller's subject code as the hub keys subjects (trimmed, upper case). The one way every door
    reads one: a bad code raises :class:`InvalidCode`, a BadInput naming the broken rule (GraphQL
    BAD_USER_INPUT, HTTP 400, CLI exit 2)."""
    return parse_uscc(raw).value


def is_uscc_prefix(text: str) -> bool:
    """True when ``text`` could be the start of a code (used to route searches)."""
    candidate = text.strip().upper()
    return 0 < len(candidate) <= 18 and all(char in _USCC_VALUE for char in candidate) and (
        candidate[0] in REGISTERING_AUTHORITIES
    )


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 mod 11-2 check character."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_resident_id(raw: str) -> str:
    """Validate an 18-digit resident ID number (GB 11643); return it upper-cased."""
    kind, zh = "resident ID number (公民身份号码)", "公民身份号码"
    value = raw.strip().upper() if isinstance(raw, str) else ""
    shown = _masked_for_error(value)
    if len(value) != 18:
        raise InvalidCode(kind, shown, f"has {len(value)} characters; GB 11643 numbers have exactly 18",
                          kind_zh=zh, problem_zh=f"共 {len(value)} 位，GB 11643 规定为 18 位")
    if not _ID_SHAPE.match(value):
        raise InvalidCode(kind, shown, "must be 17 digits followed by a digit or X",
                          kind_zh=zh, problem_zh="应为 17 位数字加 1 位数字或 X")
    if value[:2] not in PROVINCE_PREFIXES:
        raise InvalidCode(kind, shown, "positions 1-6 are not a GB/T 2260 division code",
                          kind_zh=zh, problem_zh="第 1-6 位不是 GB/T 2260 行政区划代码")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidCode(kind, shown, "positions 7-14 are not a valid birth date",
                          kind_zh=zh, problem_zh="第 7-14 位不是有效的出生日期") from None
    expected = resident_id_check_character(value[:17])
    if value[17] != expected:
        raise InvalidCode(kind, shown, f"check character is {value[17]!r} but the GB 11643 mod 11-2 check gives "
                          f"{expected!r}", kind_zh=zh,
                          problem_zh=f"校验码为「{value[17]}」，按 GB 11643 模 11-2 校验应为「{expected}」")
    return value


def mask_resident_id(value: str) -> str:
    """The form non-internal viewers may get: region and last four, e.g. ``410425********123X``."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _masked_for_error(value: str) -> str:
    # An error message must not echo a (possibly real) ID number back in clear.
    return mask_resident_id(value) if len(value) >= 10 else value


def parse_region(raw: str) -> str:
    """Validate a 6-digit administrative division code (GB/T 2260)."""
    kind, zh = "administrative division code (行政区划代码)", "行政区划代码"
    value = raw.strip() if isinstance(raw, str) else ""
    if not _REGION_SHAPE.match(value):
        raise InvalidCode(kind, str(raw), "must be exactly 6 digits (GB/T 2260)",
                          kind_zh=zh, problem_zh="应为 6 位数字（GB/T 2260）")
    if value[:2] not in PROVINCE_PREFIXES:
        raise InvalidCode(kind, value, f"{value[:2]!r} is not a GB/T 2260 province code",
                          kind_zh=zh, problem_zh=f"「{value[:2]}」不是 GB/T 2260 省级代码")
    return value
