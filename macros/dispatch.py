"""Dispatch (派单, SPEC §4): number, classify, route and assign every unassigned request.

For each ticket without a 处理人 (or with 重新分配 = 是): a 服务工单号 if it has none, the
紧急程度 from the keyword rules where staff left it blank, 保修状态 from the purchase date and the
product's warranty, 责任部门 and role from the 派单规则 sheet, and the person — the store's
dedicated owner (专人专店) when on duty and under capacity, else the least-loaded on-duty person
of that role, ties going to whoever was assigned least recently, then roster order. Assigned
tickets are never touched unless staff ask with 重新分配; a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macros.settings import DispatchRule, Settings, StaffMember
from macros.steps import step
from macros.work import Work
from workbook import Problem
from workbook import schema as S
from workbook.problems import ERROR, WARNING

INTAKE = S.INTAKE.name
DEFAULT_URGENCY = "一般"


@dataclass(frozen=True)
class Assignment:
    """One ticket's dispatch decision."""

    row: int  # Excel row of the ticket
    person: str  # the 处理人 chosen
    department: str | None  # 责任部门 to write (None: keep what staff typed)
    role: str
    reason: str  # 专人专店 / 负荷最低 / 全员满负荷，分配给负荷最低者
    reassigned: bool = False  # the ticket was marked 重新分配


def urgency_from_rules(description: str | None, rules) -> str:
    """The first rule whose keyword occurs in the description decides; otherwise 一般."""
    text = description or ""
    for keywords, level in rules:
        if any(k and k in text for k in keywords):
            return level
    return DEFAULT_URGENCY


def rule_for(request_type: str, subtag: str | None, description: str | None,
             rules: list[DispatchRule]) -> DispatchRule | None:
    """Top-down first match on 需求类型, then 二级标签 (if both set) and 关键词 (if the rule has any)."""
    text = description or ""
    for rule in rules:
        if rule.request_type != request_type:
            continue
        if rule.subtag and subtag and rule.subtag != subtag:
            continue
        if rule.keywords and not any(k in text for k in rule.keywords):
            continue
        return rule
    return None


def open_mask(tickets: pd.DataFrame) -> pd.Series:
    """Tickets still being worked on: not finished and not closed."""
    return S.open_tickets(tickets)


def new_ticket_numbers(tickets: pd.DataFrame, rows: list[int]) -> dict[int, str]:
    """SV + 受理日期 + a 4-digit serial, unique against every number already in the sheet."""
    taken = set(tickets["服务工单号"].dropna())
    serial: dict[str, int] = {}
    pattern = re.compile(r"^SV(\d{8})(\d{4,})$")
    for number in taken:
        m = pattern.match(str(number))
        if m:
            serial[m.group(1)] = max(serial.get(m.group(1), 0), int(m.group(2)))
    out = {}
    for row in rows:
        received = tickets.at[row, "受理时间"]
        day = pd.Timestamp(received).strftime("%Y%m%d") if not pd.isna(received) else "00000000"
        serial[day] = serial.get(day, 0) + 1
        number = f"SV{day}{serial[day]:04d}"
        while number in taken:
            serial[day] += 1
            number = f"SV{day}{serial[day]:04d}"
        taken.add(number)
        out[row] = number
    return out


class Roster:
    """Who can take a ticket, and how loaded they are, updated as the run assigns."""

    def __init__(self, staff: list[StaffMember], tickets: pd.DataFrame):
        self.staff = [m for m in staff if m.on_duty]
        open_now = tickets[open_mask(tickets) & tickets["处理人"].notna()]
        self.load = open_now["处理人"].value_counts().to_dict()
        last = tickets.dropna(subset=["处理人", "分配时间"]).groupby("处理人")["分配时间"].max()
        # (time, sequence): within one run everyone is assigned "now", so the order decides.
        self.last_assigned = {k: (pd.Timestamp(v), 0) for k, v in last.items()}
        self.sequence = 0

    def _key(self, member: StaffMember):
        return (self.load.get(member.name, 0),
                self.last_assigned.get(member.name, (pd.Timestamp.min, 0)),
                member.order)

    def has_room(self, member: StaffMember) -> bool:
        return member.capacity is None or self.load.get(member.name, 0) < member.capacity

    def pick(self, role: str, store: str | None, exclude: str | None = None
             ) -> tuple[StaffMember | None, str]:
        """The person for a ticket of ``role`` from ``store`` (``exclude``: who had it before)."""
        candidates = [m for m in self.staff if m.role == role]
        if exclude is not None and any(m.name != exclude for m in candidates):
            candidates = [m for m in candidates if m.name != exclude]
        if store:
            owners = [m for m in candidates if store in m.stores and self.has_room(m)]
            if owners:
                return min(owners, key=self._key), "专人专店"
        if not candidates:
            return None, f"没有在岗的「{role}」"
        with_room = [m for m in candidates if self.has_room(m)]
        if with_room:
            return min(with_room, key=self._key), "负荷最低"
        return min(candidates, key=self._key), "全员满负荷，分配给负荷最低者"

    def take(self, member: StaffMember, when: dt.datetime) -> None:
        self.load[member.name] = self.load.get(member.name, 0) + 1
        self.sequence += 1
        self.last_assigned[member.name] = (pd.Timestamp(when), self.sequence)


@step("工单编号", provides={"numbers"})
def numbering_step(work: Work) -> None:
    """Give every ticket without a 服务工单号 a new, unique one (before anything refers to it).

    The number carries the 受理日期, so a row whose 受理时间 is missing or invalid (#N/A, a typo)
    is numbered only once its date is valid — a number made without it would stay wrong.
    """
    tickets = work.view(INTAKE)
    missing = tickets.index[tickets["服务工单号"].isna() & tickets["受理时间"].notna()].tolist()
    if not missing:
        return
    tickets = work.frame(INTAKE)
    for row, number in new_ticket_numbers(tickets, missing).items():
        tickets.at[row, "服务工单号"] = number


@dataclass
class DispatchPlan:
    """What dispatch decided, before anything is written: who gets which ticket, and why not."""

    assignments: list[Assignment]
    problems: list[Problem]
    considered: list[int]  # rows that wanted a 处理人 (unassigned or 重新分配), in dispatch order
    missing_roles: set[str]  # roles nobody on duty holds: the roster needs filling in


def assign(tickets: pd.DataFrame, staff: list[StaffMember], rules: list[DispatchRule], now: dt.datetime, *,
           unusable=frozenset()) -> DispatchPlan:
    """Decide the 处理人 of every ticket without one (or marked 重新分配), oldest first. Pure.

    ``tickets``: the intake frame (index = Excel row); ``staff``: 人员名单; ``rules``: 派单规则;
    ``unusable``: rows whose 受理时间 or 需求类型 could not be read. Each ticket is routed by
    the first matching 派单规则 row to a role and department, then to the store's dedicated owner
    when on duty with room, else the least-loaded on-duty holder of the role (ties: assigned
    least recently, then roster order). The roster's load grows as the plan assigns.
    """
    wants_new = tickets["重新分配"].eq(S.YES).fillna(False)
    todo = tickets.index[(tickets["处理人"].isna() | wants_new)]
    todo = sorted(todo, key=lambda r: (pd.Timestamp(tickets.at[r, "受理时间"]) if not pd.isna(tickets.at[r, "受理时间"])
                                       else pd.Timestamp.max, r))
    roster = Roster(staff, tickets.drop(index=[r for r in todo if wants_new.get(r, False)]))
    plan = DispatchPlan([], [], list(todo), set())
    for row in todo:
        ticket = tickets.at[row, "服务工单号"]
        if row in unusable or pd.isna(tickets.at[row, "受理时间"]) or tickets.at[row, "需求类型"] is None:
            # Named on the cell that is missing or unreadable (the reader said why), not on both.
            header = "受理时间" if pd.isna(tickets.at[row, "受理时间"]) else "需求类型"
            plan.problems.append(Problem(INTAKE, int(row), header, tickets.at[row, header],
                                         f"{header}为空或无效，未派单 — 请补全{header}后再点派单", ERROR, ticket))
            continue
        received = pd.Timestamp(tickets.at[row, "受理时间"])
        if received > pd.Timestamp(now):
            # A call cannot be received in the future: most often the hour was mistyped. Assigning
            # it would stamp a 分配时间 before its 受理时间 and start every clock from a wrong time.
            plan.problems.append(Problem(INTAKE, int(row), "受理时间", tickets.at[row, "受理时间"],
                                         f"受理时间晚于当前时间（{pd.Timestamp(now):%Y-%m-%d %H:%M}），未派单 — "
                                         "请改正受理时间（多为小时写错）后再点派单", ERROR, ticket))
            continue
        rule = rule_for(tickets.at[row, "需求类型"], tickets.at[row, "二级标签"], tickets.at[row, "问题描述"], rules)
        if rule is None:
            plan.problems.append(Problem(INTAKE, int(row), "需求类型", tickets.at[row, "需求类型"],
                                         "「派单规则」中没有匹配的规则，未派单 — 请在派单规则表补充", ERROR, ticket))
            continue
        reassign = bool(wants_new.get(row, False))
        previous = tickets.at[row, "处理人"] if reassign else None
        member, reason = roster.pick(rule.role, tickets.at[row, "所属店铺/区域"], exclude=previous)
        if member is None:
            plan.missing_roles.add(rule.role)
            plan.problems.append(Problem(INTAKE, int(row), "处理人", None, f"{reason}，未派单 — 请检查人员名单", ERROR,
                                         ticket))
            continue
        if reason.startswith("全员满负荷"):
            plan.problems.append(Problem(INTAKE, int(row), "处理人", member.name, reason, WARNING, ticket))
        roster.take(member, now)
        # pd.isna, not "is None": rows added earlier in the same run (二次处理) hold NaN.
        department = rule.department if reassign or pd.isna(tickets.at[row, "责任部门"]) else None
        plan.assignments.append(Assignment(int(row), member.name, department, rule.role, reason, reassign))
    return plan


def apply_assignments(tickets: pd.DataFrame, assignments: list[Assignment], now: dt.datetime) -> int:
    """Write a plan into the intake frame: 处理人, 分配时间, 责任部门 where blank or reassigned,
    and clear the 重新分配 request. Returns how many tickets were assigned."""
    for a in assignments:
        if a.department is not None:
            tickets.at[a.row, "责任部门"] = a.department
        tickets.at[a.row, "处理人"] = a.person
        tickets.at[a.row, "分配时间"] = pd.Timestamp(now)
        if a.reassigned:
            tickets.at[a.row, "重新分配"] = None
    return len(assignments)


@step("派单", provides={"assigned"}, invalidates={"deadlines", "statuses"})  # fills 紧急程度
def dispatch_step(work: Work) -> None:
    """Number, classify, route and assign the unassigned tickets (and those marked 重新分配)."""
    tickets = work.frame(INTAKE)
    if tickets.empty:
        work.lines.append("派单：登记表没有工单")
        return
    settings: Settings = work.settings
    data = work.snapshot[INTAKE]
    unusable = data.bad_rows("受理时间") | data.bad_rows("需求类型")

    numbering_step(work)
    blank_urgency = tickets["紧急程度"].isna()
    tickets.loc[blank_urgency, "紧急程度"] = [
        urgency_from_rules(d, settings.urgency_rules) for d in tickets.loc[blank_urgency, "问题描述"]
    ]
    _fill_warranty(tickets, settings, work)

    plan = assign(tickets, settings.staff, settings.dispatch_rules, work.now, unusable=unusable)
    work.problems.extend(plan.problems)
    assigned = apply_assignments(tickets, plan.assignments, work.now)
    todo = plan.considered
    missing_roles = plan.missing_roles
    follow_events(tickets)
    line = f"派单：分配 {assigned} 张工单" + (f"，{len(todo) - assigned} 张未能分配（见「数据问题」）"
                                           if len(todo) > assigned else "")
    if missing_roles:
        who = "人员名单为空" if not settings.staff else f"人员名单中没有在岗的{'、'.join(sorted(missing_roles))}"
        line += f"：{who} — 请先按「开始使用」表填写人员名单"
    work.lines.append(line)


UNASSIGNED = S.INTAKE.column("当前状态").placeholder  # 待分配: the state before assignment


def follow_events(tickets: pd.DataFrame) -> int:
    """当前状态 the program set (blank, 待分配, 待响应 — schema AUTOMATIC_STATES) follows the events:
    完成时间 typed → 已完成; 首次响应时间 typed → 处理中; a 处理人 and neither → 待响应.

    Covers the tickets this run assigned and those staff assigned by hand. Any other state
    (处理中, 待客户确认, 暂停, 已关闭 … typed by a person) is kept. Returns how many tickets moved.
    """
    state = tickets["当前状态"]
    automatic = (state.isna() | state.isin(S.AUTOMATIC_STATES)).fillna(False).astype(bool)
    done = tickets["完成时间"].notna()
    answered = tickets["首次响应时间"].notna()
    wanted = pd.Series(np.select([done, answered, tickets["处理人"].notna()],
                                 [S.DONE_STATE, S.IN_PROGRESS_STATE, S.AWAITING_STATE], default=""),
                       index=tickets.index)
    moving = automatic & wanted.ne("") & wanted.ne(state)
    tickets.loc[moving, "当前状态"] = wanted[moving]
    return int(moving.sum())


def _fill_warranty(tickets: pd.DataFrame, settings: Settings, work: Work) -> None:
    """保修状态 where blank: 在保 while 受理时间 is within 保修期(月) of 购买日期 (EDATE), else 过保."""
    months = tickets["购买产品型号"].map(settings.warranty_months)
    todo = tickets["保修状态"].isna() & tickets["购买日期"].notna() & tickets["受理时间"].notna() & months.notna()
    todo &= (months % 1 == 0)
    if not todo.any():
        return
    from udfs import sla

    ends = pd.Series(sla.due_many(tickets.loc[todo, "购买日期"], months[todo].to_numpy(), "月"),
                     index=tickets.index[todo]).astype("datetime64[ns]")
    received = tickets.loc[todo, "受理时间"].dt.normalize()
    tickets.loc[todo, "保修状态"] = np.where(received <= ends, "在保", "过保")
