"""Every sheet of the workbook, declared once: names, columns, types, allowed values, owners.

The Chinese sheet names and headers are a contract — formulas, import/export and every routine
find columns by these exact words (SPEC §2). Nothing else in the code spells a header that is not
declared here.

Column owners (docs/architecture.md):
  staff    typed by people; the program never writes it
  program  computed; shaded, guarded against typing, rewritten by routines
  fill     staff may type it; the program fills it only while blank and never overwrites it
  request  a flag staff set to ask for an action; the routine clears it after acting on it
  row      program-owned on rows where ``owner_when`` holds, staff-owned elsewhere
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# ---- column kinds -------------------------------------------------------------------------
TEXT = "text"
LONGTEXT = "longtext"
PHONE = "phone"
DATE = "date"
DATETIME = "datetime"
INT = "int"
NUMBER = "number"
MONEY = "money"
PERCENT = "percent"  # a fraction 0–1 shown as a percentage
SCORE = "score"  # a whole number in [minimum, maximum]
CHOICE = "choice"
ANY = "any"  # key/value sheets: typed by the reader of the key, not by the column

KINDS = (TEXT, LONGTEXT, PHONE, DATE, DATETIME, INT, NUMBER, MONEY, PERCENT, SCORE, CHOICE, ANY)
TEMPORAL = (DATE, DATETIME)
NUMERIC = (INT, NUMBER, MONEY, PERCENT, SCORE)

# ---- owners -------------------------------------------------------------------------------
STAFF = "staff"
PROGRAM = "program"
FILL = "fill"
REQUEST = "request"
ROW = "row"
OWNERS = (STAFF, PROGRAM, FILL, REQUEST, ROW)

# ---- sheet groups -------------------------------------------------------------------------
FORM = "form"  # the ticket lifecycle forms of seed 001
SETTINGS = "settings"
PROJECT = "project"  # the optimisation project (seeds 000, 004)
OUTPUT = "output"  # written by routines; rebuilt on every run
TASKS = "tasks"  # rows created by routines, worked on by staff (回访计划)

# ---- enumerations (the seeds' own words) --------------------------------------------------
SOURCES = ("电话", "在线客服", "公众号", "上门", "邮件", "社交媒体", "电商平台")
REQUEST_TYPES = ("维修类", "咨询类", "投诉类", "回访类")
URGENCIES = ("紧急", "一般", "常规")
TICKET_STATES = ("待分配", "待响应", "处理中", "待客户确认", "已完成", "已关闭", "暂停")
OPEN_STATES = ("待分配", "待响应", "处理中", "待客户确认", "暂停")
# 当前状态 the program sets itself follows the events staff type (macros.dispatch.follow_events):
# from a blank, 待分配 or 待响应 (the states dispatch writes) a ticket with a 处理人 waits for its
# response, a first response makes it 处理中 and a 完成时间 已完成. Any other state was typed by a
# person and is kept.
AUTOMATIC_STATES = ("待分配", "待响应")  # and blank
AWAITING_STATE, IN_PROGRESS_STATE, DONE_STATE = "待响应", "处理中", "已完成"
assert {*AUTOMATIC_STATES, IN_PROGRESS_STATE, DONE_STATE} <= set(TICKET_STATES) and DONE_STATE not in OPEN_STATES
WARRANTY = ("在保", "过保")
SERVICE_TYPES = ("维修", "安装调试", "保养", "咨询解答", "投诉处理", "配件更换", "回访")
SERVICE_MODES = ("上门", "远程", "视频", "电话")
SIGNATURES = ("已签字", "线上确认", "未签字")
EVALUATIONS = ("满意", "基本满意", "不满意")
INTENTS = ("二次购买", "升级", "推荐", "暂无")
PAUSE_REASONS = ("等待客户", "等待配件", "其他")
YES = "是"
FLAG = (YES,)
ROLES = ("客服专员", "客服主管", "技术工程师", "产品专员", "回访专员", "客服经理")
DUTY = ("在岗", "休假", "离职")
DEPARTMENTS = ("客服部", "维修部", "咨询部", "回访组", "产品部", "质量部")
SLA_STAGES = ("登记", "分配", "首次响应", "解决", "结果反馈", "客户确认", "回访")
SLA_SCOPES = ("全部",) + URGENCIES + REQUEST_TYPES + ("新购客户",)
SLA_UNITS = ("分钟", "小时", "工作小时", "工作日", "自然日", "月")
SLA_STATES = ("未开始", "进行中", "即将超时", "已超时", "按时完成", "超时完成", "不适用")
COMPARE = ("≥", "≤")
PASS_FAIL = ("合格", "不合格")
JUDGE_MODES = ("自动", "人工")
VERIFY = ("通过", "未通过")
RECTIFY_STATES = ("待整改", "整改中", "已逾期", "待验证", "验证通过")
PROJECT_ROLES = ("组长", "副组长", "流程专员", "数据分析师", "客户代表", "成员")
MEASURE_STATES = ("未开始", "进行中", "已完成", "已取消")
ROLLOUT_STATES = ("未开始", "进行中", "已完成", "已延期")
QUADRANTS = ("重要且紧急", "重要不紧急", "紧急不重要", "不重要不紧急")
PILOT_PHASES = ("试点前基线", "试点中")
CALLBACK_KINDS = ("维修回访", "投诉回访", "新购回访")
CALLBACK_STATES = ("待回访", "已回访", "无法联系", "客户拒访")
DAY_KINDS_HOLIDAY = ("法定节假日", "公司休息日")
DAY_KINDS_WORK = ("调休上班", "公司加班日")
# Where a calendar row came from. Rows from the first four are the program's (pre-filled, imported
# from a State Council notice, or filled from a holiday library) and may be replaced when the year
# is imported again; 手工添加 (or blank) rows are the team's and are never touched.
PROGRAM_DAY_SOURCES = ("系统预置", "国务院通知", "chinesecalendar", "holidays")
DAY_SOURCES = PROGRAM_DAY_SOURCES + ("手工添加",)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header (the contract), type, owner and validation."""

    header: str
    kind: str = TEXT
    owner: str = STAFF
    choices: tuple[str, ...] | None = None
    choices_name: str | None = None  # a defined name holding the allowed values
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    width: float | None = None
    note: str = ""  # input prompt shown in Excel when the cell is selected
    owner_when: tuple[str, str | tuple[str, ...]] | None = None  # owner=ROW: (column header, value(s))
    released_by: str | None = None  # fill columns: a request column that lets the program
    #                                 overwrite this cell on rows where staff set it
    placeholder: str | None = None  # fill columns: a typed value that means "not yet" (当前状态
    #                                 待分配) — the program may replace it as if the cell were blank
    program_values: tuple[str, ...] = ()  # fill columns: values the program itself writes there
    #                                 (当前状态 待响应) — it may move them on as if the cell were blank
    personal: bool = False  # personal data: masked in reports, protectable
    optional: bool = False  # a workbook made before the column existed still reads without it
    number_format: str | None = None  # Excel number format, when the kind's default does not fit

    @property
    def replaceable(self) -> tuple[str, ...]:
        """Fill columns: the values the program may replace as if the cell were blank."""
        return ((self.placeholder,) if self.placeholder is not None else ()) + self.program_values

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.header!r}: unknown kind {self.kind!r}")
        if self.owner not in OWNERS:
            raise ValueError(f"column {self.header!r}: unknown owner {self.owner!r}")
        if (self.owner == ROW) != (self.owner_when is not None):
            raise ValueError(f"column {self.header!r}: owner 'row' needs owner_when and only it")

    @property
    def owner_values(self) -> tuple[str, ...]:
        """owner=ROW: the values of ``owner_when``'s column on the rows the program owns."""
        if self.owner_when is None:
            return ()
        values = self.owner_when[1]
        return (values,) if isinstance(values, str) else tuple(values)

    @property
    def writable(self) -> bool:
        """Whether the program may ever write this column on an existing row."""
        return self.owner != STAFF

    @property
    def display_width(self) -> float:
        if self.width is not None:
            return self.width
        base = {
            LONGTEXT: 36, DATETIME: 17, DATE: 12, PHONE: 15, MONEY: 11, PERCENT: 10,
        }.get(self.kind, 12)
        # CJK glyphs are about two Latin character widths wide.
        header = sum(2 if ord(ch) > 0x2E80 else 1 for ch in self.header) + 3
        return float(max(base, header))


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, Excel table name, group and columns, plus pre-filled rows."""

    name: str
    table: str
    group: str
    columns: tuple[Column, ...]
    key: str | None = None  # the column that identifies a row (unique)
    rows: tuple[tuple, ...] = ()  # pre-filled rows in column order (may be shorter)
    description: str = ""
    hidden: bool = False
    # Rebuilt sheets people annotate: the columns that identify a row from one rebuild to the
    # next, so staff columns (and columns people add) stay with their row. The first is the
    # ticket; the others narrow it down when the layout has them (workbook/carry.py).
    carry_key: tuple[str, ...] = ()
    # Output sheets: headers earlier versions wrote that this one does not. A sheet that still
    # has one (or lacks a column) is laid out afresh on its next rebuild (workbook/relayout.py);
    # such a column is the program's old output, not a column people added.
    former_headers: tuple[str, ...] = ()
    # Rebuilt sheets people annotate: why a noted row's key can be gone, for the run's output.
    carry_gone: str = "已不在表中"
    by_header: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        headers = [c.header for c in self.columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"sheet {self.name!r}: duplicate headers")
        if self.key is not None and self.key not in headers:
            raise ValueError(f"sheet {self.name!r}: key {self.key!r} is not a column")
        if any(k not in headers for k in self.carry_key):
            raise ValueError(f"sheet {self.name!r}: carry_key {self.carry_key!r} names no column")
        object.__setattr__(self, "by_header", {c.header: c for c in self.columns})

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column:
        try:
            return self.by_header[header]
        except KeyError:
            raise KeyError(f"sheet {self.name!r} has no column {header!r}") from None

    def owned_by(self, *owners: str) -> list[Column]:
        return [c for c in self.columns if c.owner in owners]


def _cols(*columns: Column) -> tuple[Column, ...]:
    return tuple(columns)


def _prog(header: str, kind: str = TEXT, **kw) -> Column:
    return Column(header, kind, owner=PROGRAM, **kw)


def _sla_pair(stage: str) -> tuple[Column, Column]:
    return (
        _prog(f"{stage}时限", DATETIME, note=f"{stage}截止时间，按「时限标准」和「工作日历」计算"),
        _prog(f"{stage}状态", CHOICE, choices=SLA_STATES),
    )


# ============================================================================================
# 2.1 Ticket lifecycle — the four templates of seed 001 (+ the pause log)
# ============================================================================================
INTAKE = Sheet(
    name="客户服务信息登记表",
    table="登记表",
    group=FORM,
    key="服务工单号",
    description="模板1：客户需求接收与信息登记（需求接收后10分钟内完成登记）",
    columns=_cols(
        Column("服务工单号", TEXT, owner=FILL, width=17, note="留空则派单时自动生成"),
        Column("受理时间", DATETIME, required=True, note="接到客户需求的时间"),
        Column("登记时间", DATETIME, note="录入本表的时间；要考核登记时效时填写，为空则登记环节不适用"),
        Column("客户名称/姓名", TEXT, required=True, personal=True, width=14),
        Column("联系方式", PHONE, personal=True, note="手机或座机，如 13812345678 / 021-12345678"),
        Column("地址", TEXT, personal=True, width=30),
        Column("所属店铺/区域", CHOICE, choices_name="店铺列表", width=16),
        Column("购买产品型号", CHOICE, choices_name="产品型号列表", width=14),
        Column("购买日期", DATE),
        Column("保修状态", CHOICE, owner=FILL, choices=WARRANTY, note="留空则按购买日期和保修期自动判断"),
        Column("问题描述", LONGTEXT, note="故障现象、发生频率、已尝试的解决方法"),
        Column("需求来源", CHOICE, choices=SOURCES),
        Column("需求类型", CHOICE, choices=REQUEST_TYPES, required=True),
        Column("二级标签", CHOICE, choices_name="二级标签列表"),
        Column("紧急程度", CHOICE, owner=FILL, choices=URGENCIES, note="留空则按「紧急度规则」关键词判定"),
        Column("客户期望解决时间", DATETIME, width=17),
        Column("责任部门", CHOICE, owner=FILL, choices_name="部门列表", note="留空则按「派单规则」分配",
               released_by="重新分配"),
        Column("处理人", CHOICE, owner=FILL, choices_name="人员列表", note="留空则派单时自动分配",
               released_by="重新分配"),
        Column("分配时间", DATETIME, owner=FILL, released_by="重新分配"),
        Column("首次响应时间", DATETIME, width=17),
        Column("结果反馈时间", DATETIME, width=17, note="服务完成后向客户反馈处理结果的时间"),
        Column("完成时间", DATETIME),
        Column("当前状态", CHOICE, owner=FILL, choices=TICKET_STATES, placeholder="待分配",
               program_values=AUTOMATIC_STATES,
               note="新工单可填「待分配」或留空；派单后自动为「待响应」，填了首次响应时间为「处理中」、"
                    "完成时间为「已完成」；手工填的其他状态不会被改"),
        Column("重新分配", CHOICE, owner=REQUEST, choices=FLAG, note="选「是」后点派单，将重新分配处理人"),
        Column("关联工单号", TEXT, width=17, note="二次处理工单对应的原工单"),
        *_sla_pair("登记"),
        *_sla_pair("分配"),
        *_sla_pair("首次响应"),
        *_sla_pair("解决"),
        *_sla_pair("结果反馈"),
        *_sla_pair("客户确认"),
        *_sla_pair("回访"),
        _prog("暂停工时", NUMBER, note="单位：工作小时（暂停期间落在工作时间内的时长）。暂停不计入时限："
              "按小时/自然日计的时限顺延暂停的自然时长，按工作日/工作小时计的顺延这里的工作小时"),
        _prog("数据异常", LONGTEXT, width=30),
    ),
)

SERVICE = Sheet(
    name="服务过程记录表",
    table="服务记录表",
    group=FORM,
    description="模板2：服务执行与过程跟踪",
    columns=_cols(
        Column("工单号", TEXT, required=True, width=17),
        Column("服务类型", CHOICE, choices=SERVICE_TYPES),
        Column("服务执行人", CHOICE, choices_name="人员列表"),
        Column("服务时间", DATETIME, required=True),
        Column("服务地点/方式", CHOICE, choices=SERVICE_MODES, width=14),
        Column("现场检测情况", LONGTEXT, width=28),
        Column("处理措施", LONGTEXT, width=28),
        Column("使用配件/工具", TEXT, width=16),
        Column("客户签字", CHOICE, choices=SIGNATURES),
        Column("备注", LONGTEXT, width=20),
        Column("差旅费", MONEY, minimum=0),
        Column("配件/维修费", MONEY, minimum=0),
        Column("赔偿金额", MONEY, minimum=0),
    ),
)

CONFIRMATION = Sheet(
    name="服务结果确认表",
    table="结果确认表",
    group=FORM,
    description="模板3：结果反馈与客户确认（服务完成后2小时内反馈，24小时内获取确认）",
    columns=_cols(
        Column("工单号", TEXT, required=True, width=17),
        Column("客户名称", TEXT, personal=True, width=14),
        Column("服务内容", LONGTEXT, width=24),
        Column("处理结果", LONGTEXT, width=24),
        Column("客户评价", CHOICE, choices=EVALUATIONS),
        Column("客户签字", CHOICE, choices=SIGNATURES),
        Column("确认时间", DATETIME, required=True),
    ),
)

SURVEY = Sheet(
    name="客户满意度调研表",
    table="满意度调研表",
    group=FORM,
    description="模板4：客户回访与满意度调研（评分<7分启动二次处理）",
    columns=_cols(
        Column("工单号", TEXT, required=True, width=17),
        Column("回访对象", TEXT, personal=True, width=12),
        Column("回访时间", DATETIME, required=True),
        Column("服务态度评分", SCORE, minimum=1, maximum=10),
        Column("专业能力评分", SCORE, minimum=1, maximum=10),
        Column("解决效率评分", SCORE, minimum=1, maximum=10),
        Column("总体满意度", SCORE, minimum=1, maximum=10),
        Column("推荐意愿", SCORE, minimum=0, maximum=10, note="0–10分，用于计算NPS"),
        Column("产品使用情况", LONGTEXT, width=20),
        Column("二次购买/升级/推荐意向", CHOICE, choices=INTENTS, width=14),
        Column("改进建议", LONGTEXT, width=28),
        _prog("二次处理工单号", TEXT, width=17, note="任一评分低于7分时自动创建的二次处理工单"),
    ),
)

PAUSES = Sheet(
    name="暂停记录",
    table="暂停记录表",
    group=FORM,
    description="等待客户或配件期间暂停计时：暂停时间不消耗时限",
    columns=_cols(
        Column("工单号", TEXT, required=True, width=17),
        Column("暂停开始", DATETIME, required=True),
        Column("暂停结束", DATETIME, note="仍在暂停中则留空"),
        Column("暂停原因", CHOICE, choices=PAUSE_REASONS),
        Column("备注", LONGTEXT, width=24),
    ),
)

# ============================================================================================
# 2.2 Settings
# ============================================================================================
# 系统参数 时限计算方式: the intake's 时限 columns as values the routines write (数值, default) or
# as SLA_DEADLINE formulas (公式) over the 时限参数 cell's SLA_SETTINGS token.
DEADLINE_MODE, DEADLINE_SETTINGS = "时限计算方式", "时限参数"
DEADLINE_VALUES, DEADLINE_FORMULAS = "数值", "公式"
DEADLINE_MODES = (DEADLINE_VALUES, DEADLINE_FORMULAS)
# 系统参数 公式单元格: 不使用 turns every program formula into its value (aftersales values-only sets
# it, with 时限计算方式 数值); choosing 时限计算方式 公式 again brings the formulas back.
FORMULA_CELLS, FORMULAS_ON, FORMULAS_OFF = "公式单元格", "使用", "不使用"
# Parameters the routines read by name. Order matters only for the named cells below.
PARAMS_ROWS: tuple[tuple, ...] = (
    ("工作时间", "09:00-18:00", "每日工作时段，如 09:00-18:00 或 09:00-12:00,13:00-18:00"),
    ("每周休息日", "0000011", "7位，周一起，1=休息（同 Excel WORKDAY.INTL）"),
    ("节假日数据年份", "", "「节假日」「调休上班日」已核对的年份，逗号分隔；其他年份的时限计算会报错"),
    ("CSAT达标分数", 8, "总体满意度≥此分数计为满意（CSAT）"),
    ("基线期开始", None, "优化前（基线期）开始日期"),
    ("基线期结束", None, "优化前（基线期）结束日期"),
    ("评估期开始", None, "优化后（评估期）开始日期"),
    ("评估期结束", None, "优化后（评估期）结束日期"),
    ("行业响应基准(小时)", 2, "平均首次响应慢于此值触发优化预警（电商2小时，金融4小时）"),
    ("重复工单判定间隔(小时)", 48, "同一客户电话（写法不同也算同一号码）+同一型号、间隔在此之内视为疑似重复；描述相近时标为可能性高"),
    ("月报截止日", 5, "每月几日前完成上月数据汇总"),
    ("改进方案截止日", 10, "每月几日前输出改进方案"),
    ("备份保留份数", 5, "每次写入前保留的历史版本数"),
    ("客服经理", "", "超时预警的最终升级对象"),
    ("暂停超期天数", 7, "工单暂停（暂停记录未填结束）超过此天数，在「超时预警」中标为暂停超期"),
    ("回访任务回溯天数", 30, "回访任务只看最近多少天内完成的工单/购买，二次处理工单只为最近多少天内的低分调研开立，"
     "避免首次使用时补出大量历史任务"),
    ("时区", "Asia/Shanghai", "团队所在时区（IANA 名称，如 Asia/Shanghai）：未指定 --now 时按此时区读取当前时间，"
     "服务器时钟为 UTC 也不影响"),
    ("工作簿版本", 1, "工作簿格式的版本号（总部汇总据此识别旧版或新版工作簿），请勿修改"),
    (DEADLINE_MODE, DEADLINE_VALUES, "数值：时限列由派单/全部刷新写成数值（默认，所有软件显示相同）；"
     "公式：登记表的时限列为 SLA_DEADLINE 公式，在装有加载项的 Windows Excel 中新登记的工单立即显示时限"),
    (DEADLINE_SETTINGS, None, "时限计算方式为「公式」时由程序填写（SLA_SETTINGS 公式：时限标准与工作日历）；请勿修改"),
    (FORMULA_CELLS, FORMULAS_ON, "使用：执行检查表的检查结果和整改状态写成公式（装有加载项的 Windows Excel 中随填写立即更新）；"
     "不使用：一律写成数值（macOS Excel、WPS、未装加载项的 Excel 重算会显示 #NAME?，请选此项或运行 aftersales values-only）"),
)
# The workbook format this code writes and reads; bump it when a sheet or header changes meaning.
# Kept in PARAMS_ROWS above (工作簿版本) so every new workbook carries it. Output sheets (超时预警,
# KPI看板 …) need no bump: each version lays them out afresh on their next rebuild
# (workbook/relayout.py), and HQ consolidation does not read them.
SCHEMA_VERSION = next(r[1] for r in PARAMS_ROWS if r[0] == "工作簿版本")
PARAM_NAMES = tuple(r[0] for r in PARAMS_ROWS)

PARAMS = Sheet(
    name="系统参数",
    table="参数表",
    group=SETTINGS,
    key="参数",
    description="各例程读取的参数；请只修改「值」列",
    columns=_cols(
        Column("参数", TEXT, required=True, width=22),
        # 节假日数据年份 is also written by `aftersales calendar import/update` (adding the year).
        # The program writes 节假日数据年份 (calendar import), 时限参数 (its SLA_SETTINGS formula) and,
        # only when asked (aftersales values-only), 公式单元格 and 时限计算方式.
        Column("值", ANY, width=26, owner=ROW,
               owner_when=("参数", ("节假日数据年份", DEADLINE_SETTINGS, FORMULA_CELLS, DEADLINE_MODE))),
        Column("说明", LONGTEXT, width=60),
    ),
    rows=PARAMS_ROWS,
)

def _calendar_column(header: str, kind: str, **kw) -> Column:
    """节假日/调休上班日 columns: the program's on its own rows (来源 系统预置/国务院通知/…), staff's elsewhere."""
    return Column(header, kind, owner=ROW, owner_when=("来源", PROGRAM_DAY_SOURCES), **kw)


HOLIDAYS = Sheet(
    name="节假日",
    table="节假日表",
    group=SETTINGS,
    description="非工作日：法定节假日（系统预置）与公司休息日（手工添加）",
    columns=_cols(
        _calendar_column("日期", DATE, required=True),
        _calendar_column("名称", TEXT, width=16),
        _calendar_column("类型", CHOICE, choices=DAY_KINDS_HOLIDAY),
        _calendar_column("来源", CHOICE, choices=DAY_SOURCES),
    ),
)

MAKEUP_DAYS = Sheet(
    name="调休上班日",
    table="调休上班日表",
    group=SETTINGS,
    description="周末上班日：法定调休（系统预置）与公司加班日（手工添加）",
    columns=_cols(
        _calendar_column("日期", DATE, required=True),
        _calendar_column("名称", TEXT, width=16),
        _calendar_column("类型", CHOICE, choices=DAY_KINDS_WORK),
        _calendar_column("来源", CHOICE, choices=DAY_SOURCES),
    ),
)

# Times that cannot come before another time of the same row: (sheet, later, earlier, what
# happens and the fix).
# The reader reports such a time as an error and leaves it out of the frame (the cell stays as
# typed), so no routine uses it: a 完成时间 before 受理时间 does not close the ticket. Slack of a
# minute: staff round times when typing them.
TIME_ORDER: tuple[tuple[str, str, str, str], ...] = (
    ("客户服务信息登记表", "完成时间", "受理时间",
     "该时间未使用，工单仍算未完成（留在超时预警、我的待办中，不生成回访任务，不计入已完成工单的KPI）"
     " — 请改正完成时间（或受理时间）"),
)
TIME_ORDER_SLACK_MINUTES = 1

# The 登记 stage is measured only where 登记时间 is typed (the one home of this rule: 时限标准's
# description and the 登记达标率 definition say it; macros.deadlines.not_applicable applies it).
REGISTRATION_NOTE = ("登记环节只计填了登记时间的工单：表中已有的工单即已登记，登记时间为空时登记环节为「不适用」，"
                     "不算超时、不进超时预警和我的待办、不计入登记达标率；要考核登记时效的团队请在登记时填写登记时间")

_SEED_001 = "服务流程标准"
SLA_ROWS: tuple[tuple, ...] = (
    ("登记", "全部", 10, "分钟", 0.8, f"{_SEED_001}：需求接收后10分钟内完成登记"),
    ("分配", "全部", 30, "分钟", 0.8, f"{_SEED_001}：登记完成后30分钟内完成分类与分配"),
    ("首次响应", "紧急", 2, "小时", 0.8, f"{_SEED_001}：紧急需求响应≤2小时"),
    ("首次响应", "一般", 24, "小时", 0.8, f"{_SEED_001}：一般需求响应≤24小时"),
    ("首次响应", "常规", 3, "工作日", 0.8, f"{_SEED_001}：常规需求3个工作日内响应"),
    ("首次响应", "投诉类", 24, "小时", 0.8, f"{_SEED_001}：投诉首次反馈≤24小时"),
    ("解决", "紧急", 24, "小时", 0.8, f"{_SEED_001}：紧急需求解决≤24小时"),
    ("解决", "一般", 3, "工作日", 0.8, f"{_SEED_001}：一般需求解决≤3个工作日"),
    ("解决", "常规", 5, "工作日", 0.8, "服务流程标准未规定，默认5个工作日"),
    ("解决", "投诉类", 5, "工作日", 0.8, f"{_SEED_001}：投诉解决≤5个工作日"),
    ("结果反馈", "全部", 2, "小时", 0.8, f"{_SEED_001}：服务完成后2小时内完成结果反馈"),
    ("客户确认", "全部", 24, "小时", 0.8, f"{_SEED_001}：服务完成后24小时内获取客户确认"),
    ("回访", "维修类", 3, "工作日", 0.8, f"{_SEED_001}：维修服务完成后3个工作日内回访"),
    ("回访", "投诉类", 7, "工作日", 0.8, f"{_SEED_001}：投诉处理完成后7个工作日内回访"),
    ("回访", "新购客户", 1, "月", 0.8, f"{_SEED_001}：新客户购买产品后1个月主动回访"),
)

SLA_POLICY = Sheet(
    name="时限标准",
    table="时限标准表",
    group=SETTINGS,
    description="各环节时限（SLA）：需求类型（如投诉类）与紧急程度都有规定时，取截止更早（更严）的一条；"
                "两者都没有时用「全部」。即将超时按时限单位计量（工作日/工作小时只计工作时间）；"
                "暂停只影响暂停开始时尚未完成的环节。" + REGISTRATION_NOTE,
    columns=_cols(
        Column("环节", CHOICE, choices=SLA_STAGES, required=True),
        Column("适用对象", CHOICE, choices=SLA_SCOPES, required=True,
               note="需求类型与紧急程度都有规定时取截止更早者；都没有时用「全部」"),
        Column("时限", NUMBER, required=True, minimum=0),
        Column("单位", CHOICE, choices=SLA_UNITS, required=True),
        Column("预警比例", PERCENT, minimum=0, maximum=1, note="已用时间达到时限的此比例即「即将超时」"),
        Column("依据", LONGTEXT, width=44),
    ),
    rows=SLA_ROWS,
)

DISPATCH_ROWS: tuple[tuple, ...] = (
    ("维修类", "硬件故障", "", "维修部", "技术工程师"),
    ("维修类", "软件bug", "", "维修部", "技术工程师"),
    ("维修类", "安装调试", "", "维修部", "技术工程师"),
    ("维修类", "配件需求", "", "维修部", "技术工程师"),
    ("咨询类", "使用咨询", "", "咨询部", "产品专员"),
    ("咨询类", "功能咨询", "", "咨询部", "产品专员"),
    ("咨询类", "保养咨询", "", "咨询部", "产品专员"),
    ("投诉类", "服务态度", "", "客服部", "客服主管"),
    ("投诉类", "处理时效", "", "客服部", "客服主管"),
    ("投诉类", "产品质量", "", "客服部", "客服主管"),
    ("回访类", "满意度调研", "", "回访组", "回访专员"),
    ("回访类", "二次处理", "", "客服部", "客服主管"),
)

DISPATCH_RULES = Sheet(
    name="派单规则",
    table="派单规则表",
    group=SETTINGS,
    description="需求类型（+二级标签/关键词）→ 责任部门 → 处理角色；自上而下取第一条匹配",
    columns=_cols(
        Column("需求类型", CHOICE, choices=REQUEST_TYPES, required=True),
        Column("二级标签", TEXT),
        Column("关键词", TEXT, width=20, note="问题描述含任一关键词即匹配，多个用逗号分隔"),
        Column("责任部门", CHOICE, choices=DEPARTMENTS, required=True),
        Column("处理角色", CHOICE, choices=ROLES, required=True),
    ),
    rows=DISPATCH_ROWS,
)

URGENCY_ROWS: tuple[tuple, ...] = (
    ("停机,无法开机,不能开机,死机", "紧急", "设备停机"),
    ("冒烟,漏电,起火,烧焦,触电,安全", "紧急", "安全故障"),
    ("影响生产,影响营业,核心业务,无法营业", "紧急", "影响核心业务"),
    ("异常,报错,故障,不工作,失灵", "一般", "功能异常"),
    ("怎么,如何,请问,操作", "一般", "操作疑问"),
    ("投诉,不满", "一般", "非紧急投诉"),
    ("保养,维护,清洁", "常规", "保养咨询"),
    ("调研,回访,满意度", "常规", "满意度调研/非紧急回访"),
)

URGENCY_RULES = Sheet(
    name="紧急度规则",
    table="紧急度规则表",
    group=SETTINGS,
    description="问题描述含关键词 → 紧急程度；自上而下取第一条匹配，都不匹配为「一般」",
    columns=_cols(
        Column("关键词", TEXT, required=True, width=36, note="多个用逗号分隔"),
        Column("紧急程度", CHOICE, choices=URGENCIES, required=True),
        Column("说明", TEXT, width=20),
    ),
    rows=URGENCY_ROWS,
)

STAFF_ROSTER = Sheet(
    name="人员名单",
    table="人员名单表",
    group=SETTINGS,
    key="姓名",
    description="专人专店：负责店铺的处理人优先接单（在岗且未满负荷时）",
    columns=_cols(
        Column("姓名", TEXT, required=True),
        Column("部门", CHOICE, choices=DEPARTMENTS, required=True),
        Column("角色", CHOICE, choices=ROLES, required=True),
        Column("负责店铺", TEXT, width=26, note="多个店铺用逗号分隔"),
        Column("在岗状态", CHOICE, choices=DUTY, required=True),
        Column("最大在办工单数", INT, minimum=0, width=14),
        Column("上级主管", CHOICE, choices_name="人员列表"),
    ),
)

STORES = Sheet(
    name="店铺区域",
    table="店铺区域表",
    group=SETTINGS,
    key="店铺/区域",
    columns=_cols(
        Column("店铺/区域", TEXT, required=True, width=16),
        Column("所属大区", TEXT),
        Column("备注", TEXT, width=20),
    ),
)

PRODUCTS = Sheet(
    name="产品目录",
    table="产品目录表",
    group=SETTINGS,
    key="产品型号",
    columns=_cols(
        Column("产品型号", TEXT, required=True, width=14),
        Column("产品线", TEXT),
        Column("保修期(月)", INT, minimum=0, required=True),
    ),
)

# What each KPI means, as staff read it: the one home of these sentences. KPI目标's 说明, the
# KPI看板's 说明, the monthly summary and macros.kpi's documentation all say exactly this.
KPI_DEFINITIONS: dict[str, str] = {
    "工单量": "受理时间在统计期间内的工单数",
    "积压工单": "当前未完成（无完成时间且状态不是已完成/已关闭）的全部工单",
    "平均首次响应时长(小时)": "首次响应时间−受理时间的平均值（自然小时），只计已响应的工单",
    "首次响应时长中位数(小时)": "首次响应时间−受理时间的中位数",
    "平均首次响应时长(工作小时)": "按工作日历只计工作时间",
    "平均解决时长(小时)": "完成时间−受理时间的平均值（自然小时），只计已完成的工单",
    "解决时长中位数(小时)": "完成时间−受理时间的中位数",
    "平均解决时长(工作小时)": "按工作日历只计工作时间",
    "投诉平均首次响应时长(小时)": "投诉类工单的平均首次响应时长",
    "超时率": "有首次响应或解决时限的工单中，首次响应或解决超时（晚于时限完成，或时限已过仍未完成）的占比；"
            "其余环节看各自的达标率",
    "一次性问题解决率": "已完成工单中，只有一条服务记录且没有关联的二次处理工单（未被重新处理）的占比",
    "人均工单量": "工单量÷处理人人数",
    "客户满意度(CSAT)": "总体满意度≥CSAT达标分数的调研占比",
    "满意度得分": "总体满意度均值×10；低于80触发优化",
    "NPS": "推荐者(9–10分)占比−贬损者(0–6分)占比",
    "投诉重复率": "同一客户（联系方式，写法不同也算同一号码）30天内再次投诉的占比",
    "回访完成率": "回访计划中应回访日期在本期且已到期的任务，按期完成回访的占比；工单已重新打开（暂不回访）的任务不计入",
    "调研样本率": "本期调研份数÷本期客户数（检查单要求≥10%）",
    "服务总成本(元)": "差旅费+配件/维修费+赔偿金额",
    "单均成本(元)": "（差旅费+配件/维修费+赔偿金额）÷工单量；本期没有任何费用记录时为无数据",
    "投诉首次响应缩短率": "投诉平均首次响应较基线期缩短的比例（相对值）；优化方案执行检查单要求≥30%",
    "CSAT提升(百分点)": "CSAT较基线期提升的百分点（绝对差）；优化方案执行检查单要求≥10个百分点",
}
STAGE_EVENT_NAMES = {  # SLA stage → the event as staff know it, and where it comes from
    "登记": ("登记时间", ""), "分配": ("分配时间", ""), "首次响应": ("首次响应时间", ""), "解决": ("完成时间", ""),
    "结果反馈": ("结果反馈时间", ""), "客户确认": ("确认时间", "服务结果确认表中最早的"),
    "回访": ("回访时间", "满意度调研或回访计划中最早的"),
}


def stage_rate_definition(stage: str) -> str:
    """The definition of 「{stage}达标率」 (SPEC §6: an open item past its deadline is a miss)."""
    event, source = STAGE_EVENT_NAMES[stage]
    if stage == "登记":  # no event, no stage: a blank 登记时间 is not a miss (REGISTRATION_NOTE)
        return (f"填了{event}的工单中，{event}不晚于时限的占比；登记时间为空的工单不计入（表中已有即视为已登记），"
                "没有人填登记时间时为无数据")
    return (f"有{stage}时限的工单中，{source}{event}不晚于时限的占比；"
            f"时限已过仍无{event}的算未达标，时限未到且未完成的不计入")


KPI_DEFINITIONS.update({f"{stage}达标率": stage_rate_definition(stage) for stage in SLA_STAGES})
# KPI目标 说明 texts earlier versions pre-filled: a workbook made by them still shows these, and a
# refresh says the definition has changed (macros.settings) rather than leave two versions standing.
FORMER_KPI_NOTES: dict[str, tuple[str, ...]] = {
    "首次响应达标率": ("在首次响应时限内响应的工单占比",),
    "解决达标率": ("在解决时限内完成的工单占比",),
    "一次性问题解决率": ("优化方案执行检查单：优化后达到≥85%",),
    "投诉重复率": ("同一客户30天内再次投诉的占比",),
    "回访完成率": ("回访计划中按时完成回访的占比", "回访计划中应回访日期在本期且已到期的任务，按期完成回访的占比"),
    "超时率": ("已超时工单占比",),
    "单均成本(元)": ("（差旅费+配件/维修费+赔偿金额）/工单量",),
}

KPI_TARGET_ROWS: tuple[tuple, ...] = (
    ("平均首次响应时长(小时)", 4, "≤", "小时", KPI_DEFINITIONS["平均首次响应时长(小时)"]),
    ("平均解决时长(小时)", 48, "≤", "小时", KPI_DEFINITIONS["平均解决时长(小时)"]),
    ("首次响应达标率", 0.9, "≥", "%", KPI_DEFINITIONS["首次响应达标率"]),
    ("解决达标率", 0.9, "≥", "%", KPI_DEFINITIONS["解决达标率"]),
    ("一次性问题解决率", 0.85, "≥", "%", KPI_DEFINITIONS["一次性问题解决率"]),
    ("客户满意度(CSAT)", 0.85, "≥", "%", KPI_DEFINITIONS["客户满意度(CSAT)"]),
    ("满意度得分", 80, "≥", "分", KPI_DEFINITIONS["满意度得分"]),
    ("NPS", 30, "≥", "分", KPI_DEFINITIONS["NPS"]),
    ("投诉重复率", 0.05, "≤", "%", KPI_DEFINITIONS["投诉重复率"]),
    ("回访完成率", 0.95, "≥", "%", KPI_DEFINITIONS["回访完成率"]),
    ("调研样本率", 0.10, "≥", "%", KPI_DEFINITIONS["调研样本率"]),
    ("超时率", 0.10, "≤", "%", KPI_DEFINITIONS["超时率"]),
    ("投诉首次响应缩短率", 0.30, "≥", "%", KPI_DEFINITIONS["投诉首次响应缩短率"]),
    ("CSAT提升(百分点)", 10, "≥", "百分点", KPI_DEFINITIONS["CSAT提升(百分点)"]),
    ("单均成本(元)", 300, "≤", "元", KPI_DEFINITIONS["单均成本(元)"]),
)

KPI_TARGETS = Sheet(
    name="KPI目标",
    table="KPI目标表",
    group=SETTINGS,
    key="指标",
    columns=_cols(
        Column("指标", TEXT, required=True, width=24),
        Column("目标值", NUMBER, required=True),
        Column("比较", CHOICE, choices=COMPARE, required=True),
        Column("单位", TEXT, width=8),
        Column("说明", LONGTEXT, width=40),
    ),
    rows=KPI_TARGET_ROWS,
)

TRIGGER_ROWS: tuple[tuple, ...] = (
    ("投诉量周环比增幅", 0.30, "%", "流程优化快速响应指南：连续两周环比增长30%以上"),
    ("投诉增幅连续周数", 2, "周", "连续多少周达到增幅才触发"),
    ("单一问题类型投诉占比", 0.40, "%", "投诉集中反映同一类问题"),
    ("满意度得分下限", 80, "分", "满意度调研得分低于80分"),
    ("负面关键词占比", 0.40, "%", "负面评价中提及关键词的占比超40%"),
    ("负面关键词", "流程繁琐,处理周期长,太慢,推诿,重复描述", "", "逗号分隔"),
)

TRIGGERS = Sheet(
    name="优化触发阈值",
    table="优化触发阈值表",
    group=SETTINGS,
    key="触发条件",
    description="流程优化快速响应指南：何时启动客户服务流程优化",
    columns=_cols(
        Column("触发条件", TEXT, required=True, width=22),
        Column("阈值", ANY, width=30),
        Column("单位", TEXT, width=8),
        Column("说明", LONGTEXT, width=40),
    ),
    rows=TRIGGER_ROWS,
)

# ============================================================================================
# 2.3 The optimisation project (seeds 000, 004)
# ============================================================================================
PROJECT_TEAM = Sheet(
    name="项目组",
    table="项目组表",
    group=PROJECT,
    columns=_cols(
        Column("姓名", TEXT, required=True),
        Column("项目角色", CHOICE, choices=PROJECT_ROLES, required=True),
        Column("所属部门", TEXT),
        Column("职责", LONGTEXT, width=36),
    ),
)

PAIN_POINTS = Sheet(
    name="痛点清单",
    table="痛点清单表",
    group=PROJECT,
    key="编号",
    description="影响度-紧急度矩阵：优先解决对客户体验影响大、当前亟需改进的问题",
    columns=_cols(
        Column("编号", TEXT, required=True, width=8),
        Column("痛点描述", LONGTEXT, required=True, width=36),
        Column("所属环节", TEXT),
        Column("影响度", SCORE, minimum=1, maximum=5),
        Column("紧急度", SCORE, minimum=1, maximum=5),
        _prog("优先级象限", CHOICE, choices=QUADRANTS, width=14),
        Column("提出人", TEXT),
        Column("状态", CHOICE, choices=MEASURE_STATES),
    ),
)

PROCESS_ANALYSIS = Sheet(
    name="流程现状分析表",
    table="流程现状分析表",
    group=PROJECT,
    description="流程优化快速响应指南 表1：客户服务流程现状分析表",
    columns=_cols(
        Column("流程环节", TEXT, required=True, width=14),
        Column("负责人", TEXT),
        Column("原平均耗时", TEXT, note="如 8小时"),
        Column("问题点描述", LONGTEXT, width=30),
        Column("客户反馈(高频词)", TEXT, width=22),
        Column("优化建议", LONGTEXT, width=30),
    ),
)

MEASURES = Sheet(
    name="优化措施",
    table="优化措施表",
    group=PROJECT,
    columns=_cols(
        Column("措施", LONGTEXT, required=True, width=34),
        Column("对应痛点", TEXT, width=10),
        Column("责任部门", TEXT),
        Column("完成时间", DATE),
        Column("资源需求", TEXT, width=20),
        Column("预期效果", LONGTEXT, width=30),
        Column("状态", CHOICE, choices=MEASURE_STATES),
    ),
)

PILOT_LOG = Sheet(
    name="试点运行日志",
    table="试点运行日志表",
    group=PROJECT,
    columns=_cols(
        Column("日期", DATE, required=True),
        Column("试点范围", TEXT, width=14),
        Column("阶段", CHOICE, choices=PILOT_PHASES),
        Column("工单量", INT, minimum=0),
        Column("已解决量", INT, minimum=0),
        _prog("问题解决率", PERCENT),
        Column("平均响应时长(小时)", NUMBER, minimum=0, width=16),
        Column("员工反馈", LONGTEXT, width=26),
        Column("调整措施", LONGTEXT, width=26),
        Column("记录人", TEXT),
    ),
)

TRAINING = Sheet(
    name="培训考核记录",
    table="培训考核记录表",
    group=PROJECT,
    columns=_cols(
        Column("员工姓名", TEXT, required=True),
        Column("部门", TEXT),
        Column("培训内容", TEXT, width=22),
        Column("培训日期", DATE),
        Column("考核方式", CHOICE, choices=("笔试", "情景模拟", "实操")),
        Column("考核成绩", NUMBER, minimum=0, maximum=100),
        Column("合格线", NUMBER, minimum=0, maximum=100),
        _prog("考核结果", CHOICE, choices=PASS_FAIL),
        Column("二次培训日期", DATE),
        Column("二次考核成绩", NUMBER, minimum=0, maximum=100),
        _prog("最终结果", CHOICE, choices=PASS_FAIL),
    ),
)

ROLLOUT = Sheet(
    name="全面推广进度",
    table="全面推广进度表",
    group=PROJECT,
    columns=_cols(
        Column("批次", TEXT, required=True, width=8),
        Column("推广范围", TEXT, width=20),
        Column("计划开始", DATE),
        Column("计划完成", DATE),
        Column("实际开始", DATE),
        Column("实际完成", DATE),
        Column("驻点专员", TEXT),
        _prog("进度状态", CHOICE, choices=ROLLOUT_STATES),
        Column("备注", TEXT, width=20),
    ),
)

DAILY_MONITOR = Sheet(
    name="关键指标监控日报",
    table="关键指标监控日报表",
    group=PROJECT,
    description="推广期间每日监控；指标异常需24小时内启动原因排查",
    columns=_cols(
        Column("日期", DATE, required=True),
        Column("范围", TEXT, width=12),
        Column("投诉首次响应时长(小时)", NUMBER, minimum=0, width=20),
        Column("一次性解决率", PERCENT),
        Column("客户满意度评分", NUMBER, minimum=0, maximum=100, width=14),
        Column("是否异常", CHOICE, choices=FLAG),
        Column("异常说明", LONGTEXT, width=24),
        Column("发现时间", DATETIME),
        Column("开始排查时间", DATETIME),
        _prog("响应用时(小时)", NUMBER),
        _prog("24小时内响应", CHOICE, choices=PASS_FAIL, width=12),
    ),
)

COLLAB_ISSUES = Sheet(
    name="跨部门协作问题",
    table="跨部门协作问题表",
    group=PROJECT,
    description="风险控制：协作问题在3个工作日内解决",
    columns=_cols(
        Column("编号", TEXT, required=True, width=8),
        Column("提出日期", DATE, required=True),
        Column("涉及部门", TEXT, width=16),
        Column("问题描述", LONGTEXT, width=30),
        Column("解决日期", DATE),
        _prog("用时(工作日)", NUMBER),
        _prog("是否达标", CHOICE, choices=PASS_FAIL),
    ),
)

# The rows of seed 000's 执行检查表 (dimension, item, standard, how it is judged).
CHECKLIST_ROWS: tuple[tuple, ...] = (
    ("前期准备", "项目组组建是否到位",
     "包含售后、客服、技术、产品等部门负责人及客户代表，角色分工明确，职责书面化", "人工"),
    ("前期准备", "现有流程梳理是否全面",
     "绘制全景图，识别关键节点及痛点，优先级排序合理（影响度-紧急度矩阵）", "人工"),
    ("前期准备", "优化方案是否经过审批",
     "措施具体、责任到人、时间明确，通过跨部门评审及高层审批", "人工"),
    ("执行落地", "方案宣贯培训是否覆盖全员",
     "召开宣贯大会，开展专项培训及考核，考核合格率≥95%", "自动"),
    ("执行落地", "试点运行是否有效",
     "记录运行日志，收集员工反馈，及时调整措施，试点问题解决率提升≥20%", "自动"),
    ("执行落地", "全面推广是否按计划进行",
     "分批推广范围明确，关键指标监控日报完整，异常问题24小时内响应", "自动"),
    ("复盘固化", "效果评估是否全面",
     "从客户体验、运营效率、成本控制三个维度对比数据，形成评估报告", "人工"),
    ("复盘固化", "流程手册及知识库是否更新",
     "手册包含新流程图、操作指引，知识库内容同步更新，版本号清晰（如V2.0）", "人工"),
    ("复盘固化", "持续优化机制是否建立",
     "设立专项小组，明确季度复盘计划，将优化纳入绩效考核", "人工"),
    ("关键指标监控", "客户投诉首次响应时长",
     "优化后较优化前缩短≥30%（如从48小时缩短至33.6小时）", "自动"),
    ("关键指标监控", "一次性问题解决率", "优化后达到≥85%", "自动"),
    ("关键指标监控", "客户满意度（CSAT）",
     "优化后较优化前提升≥10个百分点（如从75%提升至85%）", "自动"),
    ("风险控制", "是否存在跨部门协作障碍", "建立周例会制度，协作问题在3个工作日内解决", "自动"),
    ("风险控制", "客户反馈是否失真", "采用匿名调研+电话回访结合，样本量≥月度客户量的10%", "自动"),
    ("风险控制", "优化方案是否僵化", "每季度根据市场及客户反馈调整流程，避免“一成不变”", "人工"),
)

CHECKLIST = Sheet(
    name="执行检查表",
    table="执行检查表",
    group=PROJECT,
    description="优化方案执行检查单：售后服务流程优化执行检查表；不合格项须指定整改责任人和整改期限",
    rows=CHECKLIST_ROWS,
    columns=_cols(
        Column("检查维度", TEXT, required=True, width=12),
        Column("检查项", TEXT, required=True, width=24),
        Column("检查标准", LONGTEXT, width=44),
        Column("判定方式", CHOICE, choices=JUDGE_MODES, width=9,
               note="自动：由程序按数据判定；人工：由检查人选择"),
        _prog("实测值", LONGTEXT, width=40),
        _prog("判定值", NUMBER, width=9, optional=True, note="自动判定所比较的数：比率为小数（0.87 即 87%），改善为相对比例"
              "（0.3 即 30%）或百分点，计数项为未达标的个数"),
        _prog("目标值", NUMBER, width=9, optional=True, note="判定值须达到的标准；比较方式（≥ 或 ≤）见检查结果的公式"),
        Column("检查结果", CHOICE, owner=ROW, owner_when=("判定方式", "自动"), choices=PASS_FAIL,
               note="判定方式为「自动」的行由程序填写（公式 CHECK_THRESHOLD，按判定值和目标值）"),
        Column("问题描述", LONGTEXT, width=26),
        Column("整改责任人", TEXT),
        Column("整改期限", DATE),
        Column("整改措施", LONGTEXT, width=24),
        Column("整改完成日期", DATE),
        Column("整改结果验证", CHOICE, choices=VERIFY),
        _prog("整改状态", CHOICE, choices=RECTIFY_STATES,
              note="公式 RECTIFICATION_STATUS：填写整改措施、整改完成日期或验证结果后立即更新（Windows Excel + 加载项）"),
        _prog("状态日期", DATE, optional=True, note="整改状态按此日期判断（每次刷新时更新）；晚于此日期的整改完成日期视为计划"),
        Column("检查人", TEXT),
        Column("检查日期", DATE),
    ),
)

# Seed 000's table has five dimensions of three items each: fifteen rows. SPEC §7 and the
# foundation issue say "fourteen" while listing 3+3+3+3+3; the seed's own rows win here, all kept.

# ============================================================================================
# Routine-written sheets
# ============================================================================================
CALLBACK_PLAN = Sheet(
    name="回访计划",
    table="回访计划表",
    group=TASKS,
    key="任务编号",
    description="由「回访任务」生成：维修完成后3个工作日、投诉完成后7个工作日、新购后1个月",
    columns=_cols(
        _prog("任务编号", TEXT, width=22),
        _prog("工单号", TEXT, width=17),
        _prog("回访类型", CHOICE, choices=CALLBACK_KINDS),
        _prog("客户名称", TEXT, personal=True),
        _prog("联系方式", PHONE, personal=True),
        _prog("应回访日期", DATETIME),
        _prog("生成时间", DATETIME),
        Column("回访专员", CHOICE, owner=FILL, choices_name="人员列表"),
        Column("回访状态", CHOICE, choices=CALLBACK_STATES),
        Column("实际回访时间", DATETIME),
        Column("备注", LONGTEXT, width=24),
        _prog("是否逾期", CHOICE, choices=FLAG),
    ),
)

DATA_ISSUES = Sheet(
    name="数据问题",
    table="数据问题表",
    group=OUTPUT,
    description="每次运行重新生成：请到原表修正后再次运行",
    columns=_cols(
        _prog("工作表", TEXT, width=18),
        _prog("行号", INT, width=7),
        _prog("列", TEXT, width=14),
        _prog("值", TEXT, width=24),
        _prog("问题", LONGTEXT, width=36),
        _prog("改法", LONGTEXT, width=36, note="怎样改正：改好原表后再运行一次，这一行就会消失"),
        _prog("级别", CHOICE, choices=("错误", "警告", "提示"), width=7),
        _prog("工单号", TEXT, width=17),
        _prog("发现时间", DATETIME),
    ),
)

ALERT_STATES = ("即将超时", "已超时", "暂停超期")
OVERDUE_BUCKETS = ("<1 天", "1–3 天", "3–7 天", ">7 天")

ESCALATION = Sheet(
    name="超时预警",
    table="超时预警表",
    group=OUTPUT,
    key="工单号",
    # One row per ticket now; a workbook from before kept two rows (工单号 + 环节) — carry.py
    # joins their notes onto the ticket's one row.
    carry_key=("工单号",),
    former_headers=("状态",),  # one row per stage until #13: the stage's 时限状态
    carry_gone="已处理完或已不需预警，不在本次队列中",
    description="一张工单一行（取最紧急的未完成环节）：即将超时（最先到期在前）和刚超时的排在最前，"
                "暂停过久的单独标出",
    columns=_cols(
        _prog("处理顺序", INT, width=9, note="1 = 最需要马上处理；筛选或排序后可按此列恢复"),
        _prog("预警状态", CHOICE, choices=ALERT_STATES, width=11),
        _prog("工单号", TEXT, width=17),
        _prog("客户名称", TEXT, personal=True),
        _prog("需求类型", TEXT, width=9),
        _prog("紧急程度", TEXT, width=9),
        _prog("当前状态", TEXT, width=10),
        _prog("处理人", TEXT, width=10),
        _prog("上级主管", TEXT, width=10),
        _prog("环节", TEXT, width=9, note="这张工单最紧急的未完成环节"),
        _prog("截止时间", DATETIME),
        _prog("剩余/超时", TEXT, width=21, note="按自然时间计：还剩多久到期，或已超时多久"),
        _prog("剩余(小时)", NUMBER, width=10, number_format="0.0", note="即将超时：距截止还剩的自然小时数"),
        _prog("超时(小时)", NUMBER, width=10, number_format="0.0", note="已超时：超过截止时间的自然小时数"),
        _prog("超时(天)", NUMBER, width=9, number_format="0.0"),
        _prog("超时时长", CHOICE, choices=OVERDUE_BUCKETS, width=10),
        _prog("暂停超期", TEXT, width=38, note="暂停超过「系统参数」暂停超期天数仍未恢复"),
        _prog("其他预警环节", TEXT, width=26),
        _prog("刷新时间", DATETIME),
        Column("处理意见", LONGTEXT, width=30, optional=True,
               note="主管或处理人填写；每次刷新随工单保留，工单不再预警时随行移除（运行结果中会列出）"),
    ),
)

MY_TASKS = Sheet(
    name="我的待办",
    table="我的待办表",
    group=OUTPUT,
    description="每位处理人未完成的工单（及回访专员的待回访任务），按下一个截止时间排序；"
                "用「处理人」列筛选出自己的",
    columns=_cols(
        _prog("处理人", TEXT, width=10),
        _prog("序号", INT, width=6, note="此人待办中的先后：1 = 最先到期"),
        _prog("工单号", TEXT, width=17),
        _prog("客户名称", TEXT, personal=True),
        _prog("联系方式", PHONE, personal=True),
        _prog("需求类型", TEXT, width=9),
        _prog("紧急程度", TEXT, width=9),
        _prog("当前状态", TEXT, width=10),
        _prog("环节", TEXT, width=12, note="下一个要完成的环节"),
        _prog("截止时间", DATETIME),
        _prog("剩余/超时", TEXT, width=21),
        _prog("时限状态", CHOICE, choices=SLA_STATES, width=10),
        _prog("问题描述", LONGTEXT, width=36),
        _prog("刷新时间", DATETIME),
    ),
)

KPI_BOARD = Sheet(
    name="KPI看板",
    table="KPI看板表",
    group=OUTPUT,
    description="「刷新KPI」生成：按工单量、时效、体验、回访、成本、优化成效、预警分组；"
                "本期对照「KPI目标」和上期（环比），优化触发条件单列",
    carry_key=("指标",),
    columns=_cols(
        _prog("类别", TEXT, width=10),
        _prog("指标", TEXT, width=27),
        _prog("单位", TEXT, width=9, note="自然小时＝按钟点计；工作小时＝只计工作日历中的工作时间"),
        _prog("本期数值", NUMBER, width=11),
        _prog("上期数值", NUMBER, width=11, note="上一期（上月同期，或紧挨着的同样长的一段）的同一指标"),
        _prog("环比", TEXT, width=14, note="比率按百分点、得分按分，其余按变化百分比"),
        _prog("趋势", TEXT, width=9),
        _prog("目标值", NUMBER, width=9),
        _prog("比较", TEXT, width=6),
        _prog("是否达标", CHOICE, choices=("达标", "未达标", "无数据"), width=10),
        _prog("触发状态", CHOICE, choices=("触发", "未触发", "无数据"), width=10),
        _prog("说明", LONGTEXT, width=46),
        _prog("统计期间", LONGTEXT, width=26),
    ),
)

GETTING_STARTED_STATES = ("✓", "✗", "可选")

GETTING_STARTED = Sheet(
    name="开始使用",
    table="开始使用表",
    group=OUTPUT,
    description="新工作簿要先填写的内容；每次运行任一功能后自动更新 ✓/✗",
    columns=_cols(
        _prog("序号", INT, width=6),
        _prog("事项", TEXT, width=24),
        _prog("在哪里填", LONGTEXT, width=30),
        _prog("怎么填", LONGTEXT, width=52),
        _prog("状态", CHOICE, choices=GETTING_STARTED_STATES, width=7),
        _prog("当前情况", LONGTEXT, width=40),
    ),
)

# ---- 人员配置测算 (SPEC §10): its parameters, and the sheet the 人员配置 routine writes ----------------
STAFFING_PARAM_ROWS: tuple[tuple, ...] = (
    ("测算历史周数", 12, "用今天之前最近多少周受理的工单测算日均工单、时段分布和处理时长"),
    ("服务水平目标", 0.8, "电话/在线客服：在目标接通时间内接起的来电/会话占比，如 80%"),
    ("目标接通时间(秒)", 20, "与服务水平目标一起使用：如 80% 的来电在 20 秒内接起"),
    ("电话平均处理时长(秒)", 300, "一通电话的通话加事后整理的平均时长（AHT）"),
    ("在线客服平均处理时长(秒)", 420, "一次在线会话的平均处理时长（按每人同时接待一位计）"),
    ("缺勤与非生产时间占比", 0.3, "请假、培训、例会、休息等不能处理工作的时间占比；排班人数 = 所需人数 ÷ (1 − 此比例)"),
    ("最大占用率", 0.85, "座席忙碌时间占在线时间的上限，避免长期满负荷；在线座席至少为 话务量 ÷ 此比例"),
    ("每人每日可排班工时(小时)", None, "一名员工一个工作日的排班时长；留空则按「系统参数」的工作时间计算"),
    ("单张工单沟通工时(分钟)", 20, "每张工单的电话沟通、记录、结果反馈等案头工作时长"),
    ("上门服务工时(分钟)", 150, "服务过程记录「服务地点/方式」为上门的一次服务平均用时（含路程）"),
    ("远程服务工时(分钟)", 40, "一次远程服务的平均用时"),
    ("视频服务工时(分钟)", 40, "一次视频指导的平均用时"),
    ("电话服务工时(分钟)", 20, "一次电话服务（含回访电话）的平均用时"),
    ("积压消化天数(工作日)", 5, "当前未完成的工单计划在多少个工作日内处理完"),
    ("救火增量比例", 0.5, "救火情景（如批量故障）：工单量比平时增加的比例，如 50%"),
    ("救火持续天数", 5, "救火情景持续的工作日数"),
)

STAFFING_PARAMS = Sheet(
    name="人员配置参数",
    table="人员配置参数表",
    group=SETTINGS,
    key="参数",
    description="「人员配置」测算用的参数；请只修改「值」列，留空即用默认值",
    columns=_cols(
        Column("参数", TEXT, required=True, width=24),
        Column("值", ANY, width=14),
        Column("说明", LONGTEXT, width=70),
    ),
    rows=STAFFING_PARAM_ROWS,
)

STAFFING_SHEET = "人员配置测算"  # laid out freely by the 人员配置 routine (a report sheet)

SHEETS: tuple[Sheet, ...] = (
    GETTING_STARTED, INTAKE, SERVICE, CONFIRMATION, SURVEY, PAUSES,
    CALLBACK_PLAN, ESCALATION, MY_TASKS, DATA_ISSUES, KPI_BOARD,
    CHECKLIST, PROJECT_TEAM, PAIN_POINTS, PROCESS_ANALYSIS, MEASURES, PILOT_LOG, TRAINING,
    ROLLOUT, DAILY_MONITOR, COLLAB_ISSUES,
    PARAMS, SLA_POLICY, HOLIDAYS, MAKEUP_DAYS, DISPATCH_RULES, URGENCY_RULES, STAFF_ROSTER,
    STORES, PRODUCTS, KPI_TARGETS, TRIGGERS,
    STAFFING_PARAMS,
)
BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}

# The monthly summary is written as its own sheet per month (SPEC §6).
MONTHLY_PREFIX = "月报_"


def sheet(name: str) -> Sheet:
    """The declared sheet called ``name``; KeyError names the known sheets."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no sheet {name!r} is declared; known: {', '.join(BY_NAME)}") from None


def is_monthly_sheet(name: str) -> bool:
    return name.startswith(MONTHLY_PREFIX)


REPORT_SHEETS: tuple[str, ...] = (STAFFING_SHEET,)  # program-owned sheets laid out freely, besides 月报_*


def is_report_sheet(name: str) -> bool:
    """Whether a routine may (re)write this sheet outright: a monthly summary or a REPORT_SHEETS name."""
    return is_monthly_sheet(name) or name in REPORT_SHEETS


def personal_columns() -> Iterable[tuple[Sheet, Column]]:
    for s in SHEETS:
        for c in s.columns:
            if c.personal:
                yield s, c


# Defined names: lists for dropdowns and the business calendar for formulas (WORKDAY.INTL etc.).
# name -> (sheet, column header) of a list, or (sheet, parameter) of a single value cell.
LIST_NAMES: dict[str, tuple[str, str]] = {
    "节假日列表": (HOLIDAYS.name, "日期"),
    "调休上班日列表": (MAKEUP_DAYS.name, "日期"),
    "店铺列表": (STORES.name, "店铺/区域"),
    "产品型号列表": (PRODUCTS.name, "产品型号"),
    "人员列表": (STAFF_ROSTER.name, "姓名"),
    "二级标签列表": (DISPATCH_RULES.name, "二级标签"),
}
# List columns where a value not on its list is an error, not a warning: a ticket's 处理人 who is not
# on 人员名单 is nobody's work — the queues show that ticket as unassigned until it is corrected.
LIST_REQUIRED: dict[tuple[str, str], str] = {
    (INTAKE.name, "处理人"): "请改为「人员名单」中的人（或先在该表登记此人）；改正前这张工单在「我的待办」中按未分配列出",
}
DEPARTMENTS_NAME = "部门列表"  # an inline list of DEPARTMENTS, kept as a name for formulas
VALUE_NAMES: dict[str, str] = {"工作时间": "工作时间", "每周休息日": "每周休息日", "节假日数据年份": "节假日数据年份"}
LIST_ROWS = 2000  # how many rows a list name spans (a year has ~30 holiday dates)


# ============================================================================================
# Rules every front shares (sheet, UDF, routine, report, CLI): one home each. Value rules
# (numbers, shares, phones, blanks, Excel dates) live in udfs.values.
# ============================================================================================
# A ticket is open while it has no 完成时间 and its 当前状态 is not a closed state (blank counts
# as open: a new row has no state yet).
CLOSED_STATES = tuple(s for s in TICKET_STATES if s not in OPEN_STATES)  # 已完成, 已关闭

# Seed 001: any survey score below 7 is an unsatisfied customer and opens a 二次处理 ticket.
SURVEY_LOW_SCORE = 7
SURVEY_SCORES = ("服务态度评分", "专业能力评分", "解决效率评分", "总体满意度")  # the scores it looks at

# KPI目标's pre-filled values: the defaults wherever the sheet has no row of that name. The
# checklist's seed-000 standards (一次性问题解决率 0.85, 投诉首次响应缩短率 30 %, CSAT提升 +10
# 个百分点, 调研样本率 10 %) are among them.
TARGET_DEFAULTS: dict[str, tuple[float, str, str]] = {
    row[0]: (row[1], row[2], row[3]) for row in KPI_TARGET_ROWS
}

# Headers that code outside the schema names often; each is checked against its sheet below.
TICKET_NO = "服务工单号"
RECEIVED = "受理时间"
CONTACT = "联系方式"
REQUEST_TYPE = "需求类型"
STATE = "当前状态"
FINISHED = "完成时间"
for _header in (TICKET_NO, RECEIVED, CONTACT, REQUEST_TYPE, STATE, FINISHED):
    INTAKE.column(_header)
for _header in SURVEY_SCORES:
    SURVEY.column(_header)
del _header


def low_score_surveys(surveys) -> "pandas.Series":
    """A boolean Series over the survey frame: True where any score is below SURVEY_LOW_SCORE."""
    return (surveys[list(SURVEY_SCORES)] < SURVEY_LOW_SCORE).any(axis=1)


def open_tickets(tickets) -> "pandas.Series":
    """A boolean Series over ``tickets`` (the intake frame): True while the ticket is still open."""
    return tickets[FINISHED].isna() & ~tickets[STATE].isin(CLOSED_STATES)
