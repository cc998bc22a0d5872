"""Mask personal data before it leaves the workbook: phones, addresses, customer names, free text.

Every report, and every message (CLI output, logs, Excel alerts), shows customer data only through
these functions (SPEC §8: phone 138****5678,
address cut to the district). They are pure and total: any value in, a display string (or None
for a blank cell) out; they never raise on odd input.

- ``mask_phone``: a mobile keeps its first 3 and last 4 digits (``138****5678``); a landline keeps
  its area code and last 4 (``021-****5678``); anything else keeps only its last 4 digits.
- ``mask_address``: the address up to and including the district/county (``上海市徐汇区``); when no
  district is recognised, the city or province alone; otherwise ``***``.
- ``mask_name``: a person keeps the surname (``张**``, compound surnames such as 欧阳 kept whole)
  and a trailing form of address (``曹**女士``); an organisation name (公司, 店, 医院 …) is not
  personal data and is shown as typed.
- ``mask_text``: free text (问题描述, 改进建议 …) with every mobile, landline, ID-card number and
  e-mail address inside it masked as above, and street addresses cut to the district.
"""

from __future__ import annotations

import re

from udfs.values import LANDLINE, MOBILE, parse_phone
from udfs.values import is_blank as _blank

MASK = "*"
HIDDEN = "***"

# ---- phones ---------------------------------------------------------------------------------
# In running text: a mobile, optionally written 138-1234-5678 / 138 1234 5678 / +86 138…
_MOBILE_IN_TEXT = re.compile(r"(?<![\d])(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<![\d])\(?(0\d{2,3})\)?[-\s]?(\d{3,4})[-\s]?(\d{4})(?!\d)")
_ID_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{14})(\d{3}[\dXx])(?![0-9A-Za-z])")
_EMAIL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def _text_of(value) -> str:
    """A cell value as text: whole floats without ".0" (a phone typed as a number)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def mask_phone(value) -> str | None:
    """``13812345678`` → ``138****5678``; ``021-12345678`` → ``021-****5678``; else the last 4 digits.

    The number is read by ``udfs.values.parse_phone``, the rule every front uses (+86/0086,
    separators, area codes), so a phone the data checks accept is masked as a phone.
    """
    if _blank(value):
        return None
    phone = parse_phone(value)
    if phone is None:
        return HIDDEN
    if phone.kind == MOBILE:
        return f"{phone.key[:3]}****{phone.key[-4:]}"
    if phone.kind == LANDLINE:
        return f"{phone.area}-****{phone.local[-4:]}"
    if len(phone.key) >= 4:
        return f"****{phone.key[-4:]}"
    return HIDDEN


# ---- addresses ------------------------------------------------------------------------------
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
# Unit names hold no digits and no other unit word, so a street ("长安街1号院3区") is never taken
# for a district.
_PROVINCE = r"(?:[^省市区县\d]{2,7}?(?:省|自治区|特别行政区))"
_CITY = r"(?:[^省市区县\d]{1,9}?(?:市|自治州|地区|盟))"
_DISTRICT = r"(?:[^省市区县\d]{1,7}?(?:区|县|旗|市))"
_ADDRESS = re.compile(
    rf"^(?P<province>{_PROVINCE}|{'|'.join(_MUNICIPALITIES)})?(?P<city>{_CITY})?(?P<district>{_DISTRICT})?"
)


def mask_address(value) -> str | None:
    """The address cut to the district: ``上海市徐汇区漕溪北路88号`` → ``上海市徐汇区``."""
    if _blank(value):
        return None
    text = re.sub(r"\s+", "", _text_of(value))
    match = _ADDRESS.match(text)
    if not match or not any(match.groupdict().values()):
        return HIDDEN
    return "".join(part for part in match.groups() if part)


# ---- names ----------------------------------------------------------------------------------
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "西门", "南宫", "独孤", "呼延", "澹台", "公冶", "太史", "申屠",
)
FORMS_OF_ADDRESS = ("女士", "先生", "小姐", "老师", "师傅", "阿姨", "经理", "总")
ORGANISATION_SUFFIXES = (
    "公司", "集团", "店", "厂", "中心", "医院", "学校", "大学", "学院", "酒店", "宾馆", "餐厅", "银行",
    "研究所", "研究院", "事务所", "工作室", "门诊", "诊所", "超市", "商行", "合作社", "委员会", "局", "部",
)


def mask_name(value) -> str | None:
    """A customer's name with only the surname kept: ``张三丰`` → ``张**``, ``曹佳怡女士`` → ``曹**女士``."""
    if _blank(value):
        return None
    text = _text_of(value)
    if len(text) > 4 and text.endswith(ORGANISATION_SUFFIXES):
        return mask_text(text)
    suffix = next((s for s in FORMS_OF_ADDRESS if text.endswith(s) and len(text) > len(s)), "")
    core = text[: len(text) - len(suffix)] if suffix else text
    keep = 2 if core.startswith(COMPOUND_SURNAMES) and len(core) > 2 else 1
    if len(core) <= keep:
        return core + suffix if suffix else core[:1] + MASK
    hidden = min(len(core) - keep, 3)
    return core[:keep] + MASK * hidden + suffix


# ---- free text ------------------------------------------------------------------------------
# A street address inside free text: a run (between punctuation) naming a road, lane or estate
# followed by a house number — 漕溪北路88号, 文三路100号3幢 — kept up to its district
# (上海市徐汇区***). "版本号 V2.0" or "路由器" are not addresses.
_STREET_IN_TEXT = re.compile(
    r"[^\s，。；、,;:：（）()]*?(?:路|街|巷|弄|胡同|大道|小区|大厦|花园|公寓|村)"
    r"[^\s，。；、,;:：（）()]*?\d+\s*(?:号|栋|幢|单元|室|弄)[^\s，。；、,;:：（）()]*")


def _mask_street(m: re.Match) -> str:
    segment = m.group()
    if not re.search(r"\d", segment):
        return segment  # 路由器, 街道办: words, not addresses
    cut = max(segment.rfind(unit) for unit in "省市区县旗")
    return (segment[: cut + 1] if cut >= 0 else "") + HIDDEN


def mask_text(value) -> str | None:
    """Free text with phones, ID-card numbers, e-mail and street addresses inside it masked."""
    if _blank(value):
        return None
    text = _text_of(value)
    text = _ID_CARD_IN_TEXT.sub(lambda m: MASK * 14 + m.group(2)[-4:], text)
    text = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    text = _EMAIL_IN_TEXT.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _STREET_IN_TEXT.sub(_mask_street, text)


# Columns (schema headers) of customer data and how each is masked; every other text column of
# customer-facing sheets goes through ``mask_text``.
NAME_COLUMNS = ("客户名称/姓名", "客户名称", "回访对象")
PHONE_COLUMNS = ("联系方式",)
ADDRESS_COLUMNS = ("地址",)
PERSONAL_COLUMNS = NAME_COLUMNS + PHONE_COLUMNS + ADDRESS_COLUMNS


def mask_cell(header: str, value) -> str | None:
    """A cell of a customer-facing sheet masked by its column: name, phone, address or free text."""
    if header in NAME_COLUMNS:
        return mask_name(value)
    if header in PHONE_COLUMNS:
        return mask_phone(value)
    if header in ADDRESS_COLUMNS:
        return mask_address(value)
    return mask_text(value)
