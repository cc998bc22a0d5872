"""开始使用: what a new team fills in before the workbook can work, each item ✓ or ✗ as of the last run.

Every routine ends with this step, so the sheet is always as current as the last click; the run
summary says how many items are still open and points to the sheet. The checks read the same
Settings the routines use (one home for each rule): a roster person counts when 在岗, a role
counts when 派单规则 routes tickets to it, the calendar counts the years listed in 节假日数据年份.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from macros.steps import step
from macros.work import Work
from workbook import schema as S

DONE, OPEN, OPTIONAL = S.GETTING_STARTED_STATES
SHEET = S.GETTING_STARTED.name


@dataclass(frozen=True)
class Item:
    task: str
    where: str
    how: str
    state: str
    now: str

    def row(self, number: int) -> dict:
        return {"序号": number, "事项": self.task, "在哪里填": self.where, "怎么填": self.how,
                "状态": self.state, "当前情况": self.now}


def _names(names: list[str], limit: int = 5) -> str:
    return "、".join(names[:limit]) + (f" 等 {len(names)} 人" if len(names) > limit else "")


def checklist(settings, *, tickets=None, stores=None, today: dt.date, years=None) -> list[Item]:
    """The 开始使用 items as of now: ``settings`` (macros.settings.Settings), the intake frame, the
    stores frame, and ``years`` 节假日数据年份 lists in this run (default: as read)."""
    staff = settings.staff
    on_duty = [m for m in staff if m.on_duty]
    needed = list(dict.fromkeys(rule.role for rule in settings.dispatch_rules))
    missing_roles = [role for role in needed if not any(m.role == role for m in on_duty)]
    if not staff:
        roster_now = "人员名单为空 — 派单无人可分配"
    elif missing_roles:
        roster_now = f"在岗 {len(on_duty)} 人；缺少在岗的{'、'.join(missing_roles)}"
    else:
        roster_now = f"在岗 {len(on_duty)} 人，派单规则用到的角色都有人"
    items = [Item("填写人员名单", "人员名单",
                  "每人一行：姓名、部门、角色、在岗状态、最大在办工单数；派单规则用到的每个角色"
                  f"（{'、'.join(needed) or '见派单规则'}）至少一位在岗",
                  DONE if staff and not missing_roles else OPEN, roster_now)]

    managers = {m.name for m in staff if m.role == "客服经理"}
    no_boss = [m.name for m in staff if not m.supervisor and m.name not in managers]
    items.append(Item("填写上级主管", "人员名单「上级主管」列",
                      "除客服经理外每人填写上级主管；超时预警把超时工单升级给他",
                      DONE if staff and not no_boss else OPEN,
                      "人员名单为空" if not staff else (f"未填写：{_names(no_boss)}" if no_boss else "每人都已填写")))

    manager = settings.params.get("客服经理")
    manager = str(manager).strip() if manager not in (None, "") else ""
    items.append(Item("填写客服经理", "系统参数「客服经理」",
                      "填写客服经理姓名（与人员名单一致）；主管本人和未分配的超时工单升级给他",
                      DONE if manager else OPEN, manager or "未填写"))

    store_count = 0 if stores is None else int(stores["店铺/区域"].notna().sum())
    items.append(Item("填写店铺区域", "店铺区域", "每个店铺或区域一行；登记表「所属店铺/区域」的下拉选项来自这里",
                      DONE if store_count else OPEN, f"{store_count} 个店铺/区域"))

    models = len(settings.warranty_months)
    items.append(Item("填写产品目录", "产品目录", "每个型号一行，含保修期(月)；派单据此判断在保/过保",
                      DONE if models else OPEN, f"{models} 个型号"))

    years = years if years is not None else (settings.calendar.covered_years or frozenset())
    listed = "、".join(str(y) for y in sorted(years)) or "无"
    if today.year not in years:
        calendar_now, calendar_state = f"已核对：{listed}；缺少今年（{today.year}）— 时限无法计算", OPEN
    elif today.year + 1 not in years:
        calendar_now, calendar_state = f"已核对：{listed}；明年（{today.year + 1}）的安排发布后请补充", DONE
    else:
        calendar_now, calendar_state = f"已核对：{listed}", DONE
    items.append(Item("核对节假日", "节假日、调休上班日、系统参数「节假日数据年份」",
                      "今年和明年的法定节假日已预置；公司自己的休息日/加班日请添加，核对后在节假日数据年份中列出年份",
                      calendar_state, calendar_now))

    count = 0 if tickets is None else int(tickets["受理时间"].notna().sum())
    assigned = 0 if tickets is None else int(tickets["处理人"].notna().sum())
    items.append(Item("登记工单并派单", "客户服务信息登记表，然后点「派单」",
                      "每个客户需求登记一行（受理时间、客户、联系方式、需求类型、问题描述），再点「派单」分配处理人",
                      DONE if assigned else OPEN,
                      f"工单 {count} 张，已分配 {assigned} 张" if count else "还没有工单"))

    periods = settings.period("基线期"), settings.period("评估期")
    items.append(Item("设置基线期和评估期（可选）", "系统参数「基线期开始/结束」「评估期开始/结束」",
                      "做流程优化效果评估时填写：优化前后各一段日期",
                      DONE if all(periods) else OPTIONAL,
                      "已设置" if all(periods) else "未设置（不做效果评估可不填）"))
    return items


def open_items(items: list[Item]) -> list[Item]:
    return [i for i in items if i.state == OPEN]


@step("开始使用")
def getting_started_step(work: Work) -> None:
    """Rebuild 开始使用 with each item's ✓/✗; say how many are open and point there."""
    stores = work.view(S.STORES.name) if S.STORES.name in work.snapshot else None
    tickets = work.view(S.INTAKE.name) if S.INTAKE.name in work.snapshot else None
    from macros.calendar_year import covered_years

    # The years as this run leaves them (导入放假通知 adds one): a second identical run writes nothing.
    items = checklist(work.settings, tickets=tickets, stores=stores, today=work.now.date(),
                      years=covered_years(work))
    work.rebuild(SHEET, [item.row(i) for i, item in enumerate(items, start=1)])
    todo = open_items(items)
    if todo:
        work.lines.append(f"开始使用：还有 {len(todo)} 项未完成（{'、'.join(i.task for i in todo)}）"
                          f"— 请按「{SHEET}」表逐项填写")
