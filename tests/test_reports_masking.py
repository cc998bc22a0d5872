"""Personal data is masked before it reaches a report (SPEC §8: 138****5678, address to the district)."""

from __future__ import annotations

import math
import re

import pytest

from workbook.masking import mask_address, mask_cell, mask_name, mask_phone, mask_text

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.mark.parametrize("raw, shown", [
    ("13812345678", "138****5678"),  # SPEC §8's own example
    ("138-1234-5678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("8613812345678", "138****5678"),
    (13812345678.0, "138****5678"),  # a phone typed as a number comes back as a float
    ("021-12345678", "021-****5678"),  # landline: area code and last 4 kept
    ("(0571)88886666", "0571-****6666"),
    ("0571-8888-6666 转 123", "0571-****6666"),  # the extension is dropped
    ("12345678", "****5678"),  # no area code: only the last 4
    ("400-123-4567", "****4567"),
    ("abc", "***"),
    ("", None),
    (None, None),
    (math.nan, None),
])
def test_phones_keep_only_what_identifies_the_line_not_the_person(raw, shown):
    assert mask_phone(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("上海市徐汇区漕溪北路88号", "上海市徐汇区"),  # the example
    ("上海市浦东新区张杨路907号", "上海市浦东新区"),
    ("苏州市工业园区星湖街138号", "苏州市工业园区"),
    ("浙江省杭州市西湖区文三路", "浙江省杭州市西湖区"),
    ("江苏省苏州市昆山市花桥镇", "江苏省苏州市昆山市"),  # a county-level city is the district
    ("新疆维吾尔自治区乌鲁木齐市天山区解放北路", "新疆维吾尔自治区乌鲁木齐市天山区"),
    ("广东省深圳市", "广东省深圳市"),  # nothing finer given: what there is
    ("徐汇区漕溪北路88号", "徐汇区"),
    ("漕溪北路88号", "***"),  # no district recognised: hidden, never guessed
    ("长安街1号院3区", "***"),  # a block number is not a district
    ("<script>alert(1)</script>", "***"),
    (None, None),
])
def test_addresses_are_cut_to_the_district(raw, shown):
    assert mask_address(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("王", "王*"),
    ("欧阳娜娜", "欧阳**"),  # a compound surname is kept whole
    ("曹佳怡女士", "曹**女士"),  # the form of address stays: it says nothing about who
    ("李欣怡先生", "李**先生"),
    ("钱女士", "钱女士"),
    ("John Smith", "J***"),
    ("上海某某科技有限公司", "上海某某科技有限公司"),  # an organisation is not personal data
    (None, None),
])
def test_customer_names_keep_only_the_surname(raw, shown):
    assert mask_name(raw) == shown


def test_free_text_has_phones_id_numbers_and_emails_masked_and_keeps_the_rest():
    text = ("请回电13812345678或138 1234 5678，座机021-12345678，身份证11010119900307123X，"
            "邮箱zhang.san@qq.com，工单SV202606010001，金额1,380.00元，时间2026-11-20 16:00")
    masked = mask_text(text)
    assert not MOBILE.search(masked)
    assert "138****5678" in masked and "021-****5678" in masked
    assert "**************123X" in masked and "z***@qq.com" in masked
    # Ticket numbers, amounts and times are not personal data and stay readable.
    assert "SV202606010001" in masked and "1,380.00元" in masked and "2026-11-20 16:00" in masked


def test_mask_cell_chooses_the_rule_by_column():
    assert mask_cell("客户名称/姓名", "张三丰") == "张**"
    assert mask_cell("回访对象", "张三丰") == "张**"
    assert mask_cell("联系方式", "13812345678") == "138****5678"
    assert mask_cell("地址", "上海市徐汇区漕溪北路88号") == "上海市徐汇区"
    assert mask_cell("问题描述", "请致电13812345678") == "请致电138****5678"


@pytest.mark.parametrize("value", ["", "   ", None, math.nan, 0.0, "=HYPERLINK(\"http://x\",\"y\")", "🙂" * 30])
def test_masking_never_raises(value):
    for mask in (mask_phone, mask_address, mask_name, mask_text):
        mask(value)
