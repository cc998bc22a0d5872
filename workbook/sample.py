"""A realistic sample workbook's data for the demo and the benchmarks (``aftersales demo``).

A baseline period (before the optimisation project) is followed by an improved evaluation period,
so before/after comparisons show something: faster first response on complaints, more problems
solved in one visit, happier customers. The same seed always gives the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbook import schema as S

DEMO_NOW = dt.datetime(2026, 11, 20, 16, 0)
BASELINE = (dt.date(2026, 6, 1), dt.date(2026, 8, 31))
EVALUATION = (dt.date(2026, 9, 1), dt.date(2026, 11, 20))

STORES = (
    ("上海徐汇旗舰店", "华东", "上海市", "徐汇区", "漕溪北路"),
    ("杭州西湖店", "华东", "杭州市", "西湖区", "文三路"),
    ("南京新街口店", "华东", "南京市", "秦淮区", "中山南路"),
    ("广州天河店", "华南", "广州市", "天河区", "天河路"),
    ("深圳南山店", "华南", "深圳市", "南山区", "科技园路"),
    ("北京朝阳店", "华北", "北京市", "朝阳区", "建国路"),
    ("成都锦江店", "西南", "成都市", "锦江区", "春熙路"),
    ("天猫官方旗舰店", "线上", None, None, None),
    ("京东自营店", "线上", None, None, None),
)
PRODUCTS = (
    ("JS-200", "净水器", 24), ("JS-300", "净水器", 24), ("KJ-500", "空气净化器", 12),
    ("KJ-700", "空气净化器", 12), ("SD-10", "扫地机器人", 12), ("SD-20", "扫地机器人", 18),
    ("XW-8", "洗碗机", 24), ("XW-12", "洗碗机", 36),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "子涵", "浩然", "雨桐",
         "欣怡", "俊杰", "佳怡", "宇轩", "梓萱")
CITIES_ONLINE = (("上海市", "浦东新区", "张杨路"), ("苏州市", "工业园区", "星湖街"),
                 ("武汉市", "洪山区", "珞喻路"), ("西安市", "雁塔区", "小寨东路"),
                 ("天津市", "南开区", "卫津路"), ("重庆市", "渝中区", "解放碑步行街"))

# (需求类型, 二级标签, problem descriptions) — descriptions carry the keywords the urgency rules use.
PROBLEMS = {
    "维修类": (
        ("硬件故障", ("设备无法开机，指示灯不亮，已尝试更换插座", "运行时有异响，每天出现两三次，已重启无效",
                   "机器停机后无法启动，影响店里营业", "出水量明显变小，已自行清洗滤网无改善",
                   "电源处有烧焦味，已断电未再使用", "滤芯指示灯常亮，更换滤芯后仍报错")),
        ("软件bug", ("App无法连接设备，已重新配网三次", "定时功能失灵，设定后不按时启动",
                   "屏幕显示错误代码E5，重启后又出现", "固件升级后功能异常，部分按键无反应")),
        ("安装调试", ("新机需要上门安装，希望周末安排", "安装后漏水，接口处持续滴水",
                   "搬家后需要重新安装调试")),
        ("配件需求", ("需要购买原装滤芯两套", "边刷磨损需要更换配件", "碗篮滚轮断裂需要更换")),
    ),
    "咨询类": (
        ("使用咨询", ("请问滤芯多久更换一次", "如何设置预约清扫", "请问怎么恢复出厂设置",
                   "洗碗机如何选择节能模式")),
        ("功能咨询", ("请问是否支持语音控制", "想了解新款和旧款的区别", "请问夜间模式的噪音有多大")),
        ("保养咨询", ("请问日常保养需要注意什么", "长期不用如何维护", "滤网清洁的正确方法")),
    ),
    "投诉类": (
        ("服务态度", ("客服电话多次无人接听，对服务不满", "上门工程师态度差，投诉处理人员",
                   "反复描述问题，流程繁琐，非常不满")),
        ("处理时效", ("报修一周仍未上门，处理周期长", "维修拖了很久，多次催促无果，处理周期长",
                   "承诺的回电一直没有，太慢了")),
        ("产品质量", ("新买一个月就坏了，要求退换", "同一故障维修三次仍未解决，投诉产品质量",
                   "使用中漏电，存在安全隐患，要求赔偿")),
    ),
    "回访类": (
        ("满意度调研", ("客户主动反馈使用情况，配合满意度调研", "回访时客户提出新的使用问题")),
    ),
}
TYPE_WEIGHTS = (("维修类", 0.46), ("咨询类", 0.30), ("投诉类", 0.15), ("回访类", 0.09))
SOURCES = (("电话", 0.38), ("在线客服", 0.25), ("公众号", 0.12), ("电商平台", 0.12),
           ("上门", 0.05), ("邮件", 0.03), ("社交媒体", 0.05))

# Per-period behaviour: hours from receipt to first response and to resolution, by urgency/type.
RESPONSE_HOURS = {  # (baseline mean, improved mean)
    "紧急": (3.0, 1.2), "一般": (20.0, 9.0), "常规": (40.0, 26.0), "投诉类": (48.0, 10.0),
}
RESOLVE_HOURS = {"紧急": (30.0, 16.0), "一般": (70.0, 40.0), "常规": (90.0, 60.0), "投诉类": (110.0, 70.0)}
ONE_VISIT = (0.70, 0.90)  # share of completed tickets resolved with one service record
SATISFIED = (0.60, 0.92)  # share of surveys with overall score >= 8


@dataclass
class SampleData:
    """Rows per sheet (dicts keyed by header) plus the small settings/project rows (tuples)."""

    forms: dict[str, list[dict]] = field(default_factory=dict)
    settings: dict[str, list[tuple]] = field(default_factory=dict)
    now: dt.datetime = DEMO_NOW


def _weighted(rng, pairs, size):
    labels = [p[0] for p in pairs]
    weights = np.array([p[1] for p in pairs], dtype=float)
    return rng.choice(np.array(labels, dtype=object), size=size, p=weights / weights.sum())


def generate(tickets: int = 2000, seed: int = 1, now: dt.datetime = DEMO_NOW) -> SampleData:
    """Generate the sample data: ``tickets`` intake rows and everything that follows from them."""
    rng = np.random.default_rng(seed)
    data = SampleData(now=now)
    staff = _staff(tickets)
    data.settings = _settings(staff, now)
    data.settings.update(_project_rows(rng, staff))
    data.forms = _forms(rng, tickets, staff, now)
    return data


# ---- settings -------------------------------------------------------------------------------------
def _staff(tickets: int) -> list[tuple]:
    """Roster rows: name, department, role, stores, duty, capacity, supervisor."""
    scale = max(1, round(tickets / 10000))
    rows: list[tuple] = [("周海峰", "客服部", "客服经理", "", "在岗", 50, None)]
    supervisors = ["林晓雯", "赵立新"]
    rows += [(n, "客服部", "客服主管", "", "在岗", 40, "周海峰") for n in supervisors]
    store_names = [s[0] for s in STORES]
    engineers = ["陈建国", "王志刚", "李明辉", "刘洋", "黄振华", "吴俊"]
    specialists = ["孙丽娟", "马晓燕", "郭雅婷"]
    callbacks = ["何静", "罗佳"]
    agents = ["许晴", "韩雪", "冯思远"]
    for k in range(scale):
        tag = "" if k == 0 else str(k + 1)
        for i, n in enumerate(engineers):
            owned = ",".join(store_names[j] for j in (i, i + 6) if j < len(store_names) and k == 0)
            duty = "休假" if (i == 4 and k == 0) else "在岗"
            rows.append((n + tag, "维修部", "技术工程师", owned, duty, 30, supervisors[i % 2]))
        for i, n in enumerate(specialists):
            owned = ",".join(store_names[j] for j in (i * 3,) if k == 0)
            rows.append((n + tag, "咨询部", "产品专员", owned, "在岗", 40, supervisors[i % 2]))
        for i, n in enumerate(callbacks):
            rows.append((n + tag, "回访组", "回访专员", "", "在岗", 60, supervisors[i % 2]))
        for i, n in enumerate(agents):
            rows.append((n + tag, "客服部", "客服专员", "", "在岗", 60, supervisors[i % 2]))
    return rows


def _settings(staff: list[tuple], now: dt.datetime) -> dict[str, list[tuple]]:
    params = []
    values = {
        "基线期开始": dt.datetime.combine(BASELINE[0], dt.time()),
        "基线期结束": dt.datetime.combine(BASELINE[1], dt.time()),
        "评估期开始": dt.datetime.combine(EVALUATION[0], dt.time()),
        "评估期结束": dt.datetime.combine(EVALUATION[1], dt.time()),
        "客服经理": "周海峰",
    }
    for name, value, note in S.PARAMS_ROWS:
        params.append((name, values.get(name, value), note))
    return {
        S.PARAMS.name: params,
        S.STAFF_ROSTER.name: staff,
        S.STORES.name: [(s[0], s[1], "线上店铺" if s[1] == "线上" else "") for s in STORES],
        S.PRODUCTS.name: [tuple(p) for p in PRODUCTS],
    }


# ---- the optimisation project ---------------------------------------------------------------------
def _project_rows(rng, staff) -> dict[str, list[tuple]]:
    d = dt.date
    team = [
        ("周海峰", "组长", "客服部", "统筹整体进度，主持周例会"),
        ("林晓雯", "副组长", "客服部", "协调跨部门资源"),
        ("陈建国", "流程专员", "维修部", "梳理维修流程，记录试点执行细节"),
        ("孙丽娟", "流程专员", "咨询部", "梳理咨询与知识库流程"),
        ("郑凯", "数据分析师", "运营部", "收集并分析优化效果数据"),
        ("钱女士", "客户代表", "外部客户", "从客户视角反馈问题"),
        ("赵立新", "副组长", "质量部", "推动质量与配件流程改进"),
    ]
    pains = [
        ("P01", "客户首次响应超时，投诉后等待时间长", "首次响应", 5, 5, "孙丽娟", "已完成"),
        ("P02", "客户投诉后需重复描述问题", "受理登记", 4, 4, "钱女士", "已完成"),
        ("P03", "跨部门协作时信息传递延迟", "任务分配", 4, 3, "林晓雯", "进行中"),
        ("P04", "维修配件申领流程冗长", "服务执行", 4, 2, "陈建国", "进行中"),
        ("P05", "重大问题升级流程缺失", "过程跟踪", 5, 4, "赵立新", "已完成"),
        ("P06", "回访覆盖率低，样本不足", "客户回访", 3, 2, "何静", "进行中"),
        ("P07", "工单状态更新不及时", "过程跟踪", 2, 4, "许晴", "已完成"),
        ("P08", "知识库内容陈旧", "咨询解答", 2, 2, "马晓燕", "未开始"),
    ]
    analysis = [
        ("受理登记", "许晴", "15分钟", "信息需多次补录，客户重复描述", "重复描述、等太久", "统一登记模板，来电弹屏带出历史工单"),
        ("任务分配", "林晓雯", "45分钟", "人工派单依赖主管在线", "没人管、推诿", "按规则自动派单，专人专店"),
        ("首次响应", "孙丽娟", "30小时", "投诉类缺少响应时限提醒", "太慢、没回电", "时限看板与超时预警升级"),
        ("上门维修", "陈建国", "3天", "配件申领需三级审批", "处理周期长", "常规配件24小时内审批完成"),
        ("结果确认", "韩雪", "2天", "确认表回收不及时", "流程繁琐", "线上确认替代纸质签字"),
        ("满意度回访", "何静", "5天", "回访无计划，样本量不足10%", "没人回访", "回访任务自动生成并跟踪"),
    ]
    measures = [
        ("上线时限看板与超时预警，超时自动升级至主管", "P01", "客服部", d(2026, 8, 20), "表格模板与培训", "投诉首次响应缩短30%以上", "已完成"),
        ("统一登记模板，历史工单自动关联", "P02", "客服部", d(2026, 8, 25), "无", "减少重复描述", "已完成"),
        ("建立周例会+即时沟通群机制", "P03", "客服部", d(2026, 8, 15), "会议室", "协作问题3个工作日内解决", "已完成"),
        ("常规配件审批改为24小时内完成", "P04", "维修部", d(2026, 9, 30), "审批权限调整", "维修周期缩短", "进行中"),
        ("制定重大问题升级触发标准", "P05", "质量部", d(2026, 8, 31), "无", "重大问题24小时内升级", "已完成"),
        ("回访任务自动生成，样本≥月度客户量10%", "P06", "回访组", d(2026, 9, 15), "回访专员2名", "CSAT提升10个百分点", "已完成"),
    ]
    pilot = []
    day = d(2026, 8, 4)
    while day <= d(2026, 8, 29):
        if day.weekday() < 5:
            phase = "试点前基线" if day < d(2026, 8, 18) else "试点中"
            volume = int(rng.integers(18, 30))
            rate = rng.normal(0.66, 0.04) if phase == "试点前基线" else rng.normal(0.84, 0.03)
            solved = int(round(volume * min(max(rate, 0.3), 1.0)))
            hours = round(float(rng.normal(20 if phase == "试点前基线" else 9, 2)), 1)
            feedback = "" if phase == "试点前基线" else ("新审批流程仍较繁琐", "智能分流识别不准", "配件到货仍需等待", "")[day.day % 4]
            adjust = "" if not feedback else ("简化审批节点", "优化分流话术", "建立常用配件备库", "")[day.day % 4]
            pilot.append((day, "上海徐汇旗舰店", phase, volume, solved, None, hours, feedback, adjust, "陈建国"))
        day += dt.timedelta(days=1)
    training = []
    for name, dept, *_ in staff[:40]:
        score = float(rng.integers(80, 99))
        retry = None
        retry_score = None
        if name in ("冯思远", "吴俊"):
            score, retry, retry_score = 62.0, d(2026, 8, 28), 86.0
        training.append((name, dept, "新流程与时限标准", d(2026, 8, 21), "笔试", score, 80.0, None,
                         retry, retry_score, None))
    rollout = [
        ("第1批", "华东（上海、杭州、南京）", d(2026, 9, 1), d(2026, 9, 14), d(2026, 9, 1), d(2026, 9, 12), "陈建国", None, ""),
        ("第2批", "华南、华北", d(2026, 9, 15), d(2026, 9, 30), d(2026, 9, 15), d(2026, 10, 9), "林晓雯", None, "国庆假期顺延"),
        ("第3批", "西南及线上店铺", d(2026, 10, 12), d(2026, 10, 31), d(2026, 10, 12), None, "孙丽娟", None, "线上店铺接口调试中"),
    ]
    monitor = []
    day = EVALUATION[0]
    while day <= EVALUATION[1]:
        anomaly = day.day in (7, 19) or (day.month == 10 and day.day == 27)
        found = dt.datetime.combine(day, dt.time(10, 30)) if anomaly else None
        hours = 30 if (day.month == 10 and day.day == 27) else int(rng.integers(2, 20))
        start = found + dt.timedelta(hours=hours) if anomaly else None
        monitor.append((day, "全部", round(float(rng.normal(15, 3 if not anomaly else 6)) + (12 if anomaly else 0), 1),
                        round(float(min(0.99, rng.normal(0.88, 0.03))), 3),
                        round(float(rng.normal(86, 3)), 1), "是" if anomaly else None,
                        "某区域响应时长突增" if anomaly else None, found, start, None, None))
        day += dt.timedelta(days=1)
    collab = [
        ("C01", d(2026, 9, 2), "维修部、供应链", "配件到货信息未同步到客服", d(2026, 9, 4), None, None),
        ("C02", d(2026, 9, 9), "客服部、质量部", "投诉升级标准理解不一致", d(2026, 9, 11), None, None),
        ("C03", d(2026, 9, 28), "维修部、财务部", "上门差旅费报销口径不一", d(2026, 10, 12), None, None),
        ("C04", d(2026, 10, 14), "咨询部、产品部", "新品功能资料未及时提供", d(2026, 10, 15), None, None),
        ("C05", d(2026, 11, 10), "客服部、维修部", "周末值班安排冲突", None, None, None),
    ]
    checklist = []
    for dim, item, standard, mode in S.CHECKLIST_ROWS:
        row = {"检查维度": dim, "检查项": item, "检查标准": standard, "判定方式": mode,
               "检查人": "周海峰", "检查日期": d(2026, 11, 18)}
        if mode == "人工":
            row["检查结果"] = "合格"
            if item == "流程手册及知识库是否更新":
                row.update({"检查结果": "不合格", "问题描述": "知识库仍有旧版话术，版本号未更新",
                            "整改责任人": "马晓燕", "整改期限": d(2026, 11, 30), "整改措施": "逐条核对话术并发布V2.0"})
        # Rows the data is built to fail (a late rollout batch, a slow collaboration issue): the
        # inspector has already named an owner and a deadline.
        if item == "全面推广是否按计划进行":
            row.update({"问题描述": "第3批线上店铺接口调试延期；10-27异常30小时才开始排查", "整改责任人": "孙丽娟",
                        "整改期限": d(2026, 11, 27), "整改措施": "增派接口开发人员，异常排查纳入值班表"})
        if item == "是否存在跨部门协作障碍":
            row.update({"问题描述": "上门差旅费报销口径问题用时6个工作日（9-28提出，国庆假期后10-12才解决）", "整改责任人": "林晓雯",
                        "整改期限": d(2026, 11, 25)})
        checklist.append(tuple(row.get(h) for h in S.CHECKLIST.headers))
    return {
        S.PROJECT_TEAM.name: team,
        S.PAIN_POINTS.name: [(a, b, c, e, f, None, g, h) for a, b, c, e, f, g, h in pains],
        S.PROCESS_ANALYSIS.name: analysis,
        S.MEASURES.name: measures,
        S.PILOT_LOG.name: pilot,
        S.TRAINING.name: training,
        S.ROLLOUT.name: rollout,
        S.DAILY_MONITOR.name: monitor,
        S.COLLAB_ISSUES.name: collab,
        S.CHECKLIST.name: checklist,
    }


# ---- the forms ----------------------------------------------------------------------------------
def _received_times(rng, n: int, now: dt.datetime) -> np.ndarray:
    start = pd.Timestamp(BASELINE[0])
    end = pd.Timestamp(now)
    days = pd.date_range(start, end.normalize(), freq="D")
    weights = np.where(days.day_of_week < 5, 1.0, 0.55)
    day_idx = np.sort(rng.choice(len(days), size=n, p=weights / weights.sum()))
    hours = np.clip(rng.normal(13.5, 3.2, n), 8.0, 21.9)
    minutes = (hours * 60).astype(int)
    stamps = days.values[day_idx] + minutes.astype("timedelta64[m]")
    stamps = np.minimum(stamps, np.datetime64(now) - np.timedelta64(5, "m"))
    return np.sort(stamps)


def _lognormal_hours(rng, mean: np.ndarray) -> np.ndarray:
    sigma = 0.6
    return rng.lognormal(np.log(mean) - sigma**2 / 2, sigma)


WORK_START, WORK_END = 9, 18  # the demo team's working hours (系统参数 工作时间 default)


def _is_workday(day: dt.date) -> bool:
    """A day the demo team works: every day but the statutory festival holidays (the team keeps
    a weekend duty rota — its 跨部门协作问题 even mention 周末值班). Years the library does not
    cover count every day."""
    import chinese_calendar

    try:
        on_holiday, festival = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return True
    return not (on_holiday and festival is not None)


def _working_time(values: pd.DatetimeIndex, rng, after: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Staff actions happen in working time (customers call at any time; engineers answer,
    finish and call back during the day). A moment outside the working hours of a working day
    moves back to the end of the last working day (17:00-18:00) when that is still after
    ``after`` (the step before it), else forward to the next working morning (09:00-11:00)."""
    stamps = pd.DatetimeIndex(values)
    after = pd.DatetimeIndex(after)
    cache: dict[tuple, pd.Timestamp] = {}

    def workday(day: pd.Timestamp, step: int) -> pd.Timestamp:
        key = (day, step)
        if key not in cache:
            probe = day
            while not _is_workday(probe.date()):
                probe += pd.Timedelta(days=step)
            cache[key] = probe
        return cache[key]

    late = pd.to_timedelta(rng.integers(0, 60, len(stamps)), unit="m")
    early = pd.to_timedelta(rng.integers(5, 120, len(stamps)), unit="m")
    out = []
    for stamp, before, back_by, forward_by in zip(stamps, after, late, early):
        day = stamp.normalize()
        if _is_workday(day.date()) and WORK_START <= stamp.hour < WORK_END:
            out.append(stamp)
            continue
        today_over = _is_workday(day.date()) and stamp.hour >= WORK_END
        last = day if today_over else workday(day - pd.Timedelta(days=1), -1)
        back = last + pd.Timedelta(hours=WORK_END - 1) + back_by
        if back > before + pd.Timedelta(minutes=5):
            out.append(back)
            continue
        following = workday(day if stamp.hour < WORK_START else day + pd.Timedelta(days=1), 1)
        out.append(max(following + pd.Timedelta(hours=WORK_START) + forward_by, before + pd.Timedelta(minutes=5)))
    return pd.DatetimeIndex(out)


def _minutes(values) -> list[dt.datetime]:
    """Timestamps as Python datetimes to the minute, as staff type them."""
    return list(pd.DatetimeIndex(values).floor("min").to_pydatetime())


def _pick(rng, options, size) -> list:
    """``size`` uniform picks from ``options`` (kept as Python objects)."""
    return [options[i] for i in rng.integers(0, len(options), size)]


def _forms(rng, n: int, staff: list[tuple], now: dt.datetime) -> dict[str, list[dict]]:
    rec = pd.DatetimeIndex(_received_times(rng, n, now))
    improved = np.asarray(rec >= pd.Timestamp(EVALUATION[0]))
    period = improved.astype(int)

    types = _weighted(rng, TYPE_WEIGHTS, n)
    store_idx = rng.integers(0, len(STORES), n)
    product_idx = rng.integers(0, len(PRODUCTS), n)
    sources = _weighted(rng, SOURCES, n)
    purchase = list((rec.normalize() - pd.to_timedelta(rng.integers(5, 900, n), unit="D")).date)

    subtags, descriptions = [], []
    tag_pick, text_pick = rng.random(n), rng.random(n)
    for t, a, b in zip(types, tag_pick, text_pick):
        options = PROBLEMS[t]
        tag, texts = options[int(a * len(options))]
        subtags.append(tag)
        descriptions.append(texts[int(b * len(texts))])
    urgency = np.array([_urgency_of(d, t) for d, t in zip(descriptions, types)], dtype=object)

    # SLA behaviour by period.
    key = np.where(types == "投诉类", "投诉类", urgency)
    resp_mean = np.array([RESPONSE_HOURS[k][p] for k, p in zip(key, period)])
    solve_mean = np.array([RESOLVE_HOURS[k][p] for k, p in zip(key, period)])
    registered = rec + pd.to_timedelta(rng.exponential(np.where(improved, 3, 11), n), unit="m")
    assigned = registered + pd.to_timedelta(rng.exponential(np.where(improved, 8, 38), n), unit="m")
    # Each staff action lands in working time, after the one before it.
    first_resp = _working_time(rec + pd.to_timedelta(_lognormal_hours(rng, resp_mean), unit="h"), rng, rec)
    done = _working_time(first_resp + pd.to_timedelta(_lognormal_hours(rng, solve_mean), unit="h"), rng, first_resp)
    feedback = _working_time(done + pd.to_timedelta(rng.exponential(np.where(improved, 0.8, 1.8), n), unit="h"),
                             rng, done)
    expected = (rec + pd.to_timedelta(rng.integers(1, 6, n), unit="D")).floor("h")
    confirmed = _working_time(done + pd.to_timedelta(rng.exponential(np.where(improved, 10, 20), n), unit="h"),
                              rng, done)
    # Callbacks (回访): most repairs and complaints are called back, faster after the project;
    # a share of the calls records a satisfaction survey.
    surveyed = _working_time(done + pd.to_timedelta(
        np.where(improved, rng.uniform(4, 60, n), rng.uniform(10, 110, n)), unit="h"), rng, done)
    pause_start = first_resp + pd.to_timedelta(rng.uniform(1, 6, n), unit="h")
    pause_end = pause_start + pd.to_timedelta(rng.uniform(4, 60, n), unit="h")
    pause_end = pause_end.where(pause_end < done - pd.Timedelta(minutes=30), done - pd.Timedelta(minutes=30))

    now_ts = pd.Timestamp(now)
    age_h = np.asarray((now_ts - rec).total_seconds()) / 3600
    unassigned = age_h < 3.0  # the last few hours' tickets still wait for dispatch
    has_resp = np.asarray(first_resp <= now_ts) & ~unassigned
    is_done = np.asarray(done <= now_ts) & has_resp & (rng.random(n) > 0.01)
    has_feedback = is_done & np.asarray(feedback <= now_ts)
    paused = ~is_done & has_resp & (rng.random(n) < 0.12)
    done_paused = is_done & (rng.random(n) < 0.06) & np.asarray(pause_end > pause_start)
    closed = is_done & (rng.random(n) < 0.3)
    callback_kind = np.isin(types, ["维修类", "投诉类"])
    called = is_done & callback_kind & np.asarray(surveyed <= now_ts) & (rng.random(n) < np.where(improved, 0.92, 0.72))
    unreachable = is_done & callback_kind & ~called & (rng.random(n) < 0.3)
    take_survey = (called & (rng.random(n) < np.where(improved, 0.45, 0.3))) | (
        is_done & (types == "咨询类") & np.asarray(surveyed <= now_ts) & (rng.random(n) < 0.08))
    take_confirm = is_done & (rng.random(n) < 0.9)
    visits = np.where(rng.random(n) < np.where(improved, ONE_VISIT[1], ONE_VISIT[0]), 1,
                      rng.integers(2, 4, n))

    rec_m, reg_m, asg_m = _minutes(rec), _minutes(registered), _minutes(assigned)
    resp_m, done_m, fb_m = _minutes(first_resp), _minutes(done), _minutes(feedback)
    exp_m, conf_m, surv_m = _minutes(expected), _minutes(confirmed), _minutes(surveyed)
    ps_m, pe_m = _minutes(pause_start), _minutes(pause_end)
    day_keys = list(rec.strftime("%Y%m%d"))
    names = [a + b for a, b in zip(_pick(rng, SURNAMES, n), _pick(rng, GIVEN, n))]
    polite = rng.random(n)
    names = [nm + ("先生" if p < 0.15 else "女士") if p < 0.3 else nm for nm, p in zip(names, polite)]
    house = rng.integers(1, 999, n)
    online_city = _pick(rng, CITIES_ONLINE, n)
    phone_roll, landline_roll, return_roll, model_roll = rng.random((4, n))
    mobiles = [a + "%08d" % b for a, b in zip(_pick(rng, MOBILE_PREFIXES, n), rng.integers(0, 10**8, n))]
    landlines = ["0%d-%d" % (a, b) for a, b in zip(rng.integers(20, 29, n), rng.integers(60000000, 89999999, n))]
    urgency_kept = rng.random(n) < 0.6
    handler_pick = rng.random(n)

    by_role = _roster_by_role(staff)
    owner_of = {}
    for name, _dept, role, stores, duty, *_ in staff:
        for store in filter(None, (stores or "").split(",")):
            owner_of.setdefault((store, role), name)
    role_for = {"维修类": ("维修部", "技术工程师"), "咨询类": ("咨询部", "产品专员"),
                "投诉类": ("客服部", "客服主管"), "回访类": ("回访组", "回访专员")}

    intake, pauses = [], []
    service_of, confirm_of, survey_of, callback_of = [], [], [], []
    serial_by_day: dict[str, int] = {}
    phones: list[str] = []
    for i in range(n):
        day_key = day_keys[i]
        serial_by_day[day_key] = serial_by_day.get(day_key, 0) + 1
        ticket = f"SV{day_key}{serial_by_day[day_key]:04d}"
        store = STORES[store_idx[i]]
        city = store[2:] if store[2] else online_city[i]
        if return_roll[i] < 0.04 and phones:  # a returning customer
            phone = phones[int(return_roll[i] * 25 * len(phones)) % len(phones)]
        else:
            phone = mobiles[i] if landline_roll[i] > 0.08 else landlines[i]
        phones.append(phone)
        if phone_roll[i] < 0.006:
            phone = ""  # missing contact
        elif phone_roll[i] < 0.011:
            phone = phone[:-2]  # a digit or two short
        dept, role = role_for[types[i]]
        pool = by_role[role]
        handler = owner_of.get((store[0], role)) or pool[int(handler_pick[i] * len(pool))]
        if is_done[i]:
            status = "已关闭" if closed[i] else "已完成"
        else:
            status = "暂停" if paused[i] else ("处理中" if has_resp[i] else "待响应")
        row = {
            "服务工单号": ticket,
            "受理时间": rec_m[i],
            "登记时间": reg_m[i],
            "客户名称/姓名": names[i],
            "联系方式": phone or None,
            "地址": f"{city[0]}{city[1]}{city[2]}{house[i]}号",
            "所属店铺/区域": store[0],
            "购买产品型号": PRODUCTS[product_idx[i]][0] if model_roll[i] > 0.005 else None,
            "购买日期": purchase[i],
            "问题描述": descriptions[i],
            "需求来源": sources[i],
            "需求类型": types[i],
            "二级标签": subtags[i],
            "紧急程度": urgency[i] if urgency_kept[i] else None,
            "客户期望解决时间": exp_m[i],
        }
        if unassigned[i]:
            row["当前状态"] = "待分配"
        else:
            row.update({"责任部门": dept, "处理人": handler, "分配时间": asg_m[i], "当前状态": status})
        if has_resp[i]:
            row["首次响应时间"] = resp_m[i]
        if is_done[i]:
            row["完成时间"] = done_m[i]
        if has_feedback[i]:
            row["结果反馈时间"] = fb_m[i]
        intake.append(row)

        if is_done[i]:
            for v in range(1 if types[i] == "回访类" else visits[i]):
                service_of.append((i, ticket, handler, v, visits[i]))
            if take_confirm[i] and types[i] != "回访类":
                confirm_of.append((i, ticket))
            if take_survey[i]:
                survey_of.append((i, ticket))
            if callback_kind[i]:
                callback_of.append((i, ticket))
        if paused[i] or done_paused[i]:
            if pause_start[i] < now_ts:
                end = pe_m[i] if done_paused[i] else None
                pauses.append({"工单号": ticket, "暂停开始": ps_m[i], "暂停结束": end,
                               "暂停原因": "等待客户" if polite[i] > 0.6 else "等待配件"})
    _plant_duplicates(rng, intake)
    service = _service_rows(rng, service_of, types, period, first_resp, done)
    confirm = _confirm_rows(rng, confirm_of, intake, subtags, period, conf_m)
    survey = _survey_rows(rng, survey_of, intake, period, surv_m)
    plan = _callback_rows(rng, callback_of, intake, types, done, called, unreachable, surv_m, staff, now_ts)
    return {S.INTAKE.name: intake, S.SERVICE.name: service, S.CONFIRMATION.name: confirm,
            S.SURVEY.name: survey, S.PAUSES.name: pauses, S.CALLBACK_PLAN.name: plan}


MOBILE_PREFIXES = ("138", "139", "136", "158", "186", "177", "152", "188", "135", "199")
SERVICE_KIND = {"维修类": "维修", "咨询类": "咨询解答", "投诉类": "投诉处理", "回访类": "回访"}
FINDINGS = ("主板供电异常", "滤芯堵塞", "传感器脏污", "软件版本过旧", "管路接口松动", "客户操作不当")
PARTS = ("滤芯", "主板", "边刷", "密封圈", None, None)
# A customer's suggestion agrees with the score they gave: praise from the satisfied (8-10),
# complaints from the others.
PRAISE = (None, None, "工程师很专业", "回访很及时", "处理很快，谢谢")
GRIEVANCES = (None, "希望上门更准时", "流程繁琐，希望简化", "处理周期长")


def _urgency_of(description: str, request_type: str) -> str:
    for keywords, level, _note in S.URGENCY_ROWS:
        if any(k in description for k in keywords.split(",")):
            return level
    return "一般"


def _roster_by_role(staff: list[tuple]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, _dept, role, _stores, duty, *_ in staff:
        if duty == "在岗":
            out.setdefault(role, []).append(name)
    return out


def _service_rows(rng, service_of, types, period, first_resp, done) -> list[dict]:
    m = len(service_of)
    idx = np.array([s[0] for s in service_of], dtype=int)
    step = np.array([(s[3] + 1) / s[4] for s in service_of])
    when = _minutes(first_resp[idx] + (done[idx] - first_resp[idx]) * step) if m else []
    modes = _weighted(rng, (("上门", 0.55), ("远程", 0.2), ("视频", 0.1), ("电话", 0.15)), m)
    modes = np.where(np.array([types[s[0]] == "回访类" for s in service_of], dtype=bool), "电话", modes)
    travel = rng.integers(40, 260, m) * np.where(period[idx] == 1, 0.85, 1.0) if m else []
    parts_cost = rng.integers(0, 700, m)
    parts_roll, comp_roll = rng.random((2, m))
    comp = rng.choice([100, 200, 300, 500], m)
    findings, parts = _pick(rng, FINDINGS, m), _pick(rng, PARTS, m)
    sign = rng.random(m) < 0.5
    rows = []
    for k, (i, ticket, handler, v, total) in enumerate(service_of):
        t = types[i]
        rows.append({
            "工单号": ticket, "服务类型": SERVICE_KIND[t], "服务执行人": handler, "服务时间": when[k],
            "服务地点/方式": modes[k], "现场检测情况": findings[k],
            "处理措施": "已处理完毕，客户确认恢复正常" if v == total - 1 else "临时处理，需再次上门",
            "使用配件/工具": parts[k], "客户签字": "线上确认" if sign[k] else "已签字",
            "差旅费": round(float(travel[k]), 2) if modes[k] == "上门" else 0.0,
            "配件/维修费": float(parts_cost[k]) if t == "维修类" and parts_roll[k] < 0.55 else 0.0,
            "赔偿金额": float(comp[k]) if t == "投诉类" and comp_roll[k] < (0.35 - 0.15 * period[i]) else 0.0,
        })
    return rows


def _confirm_rows(rng, confirm_of, intake, subtags, period, conf_m) -> list[dict]:
    m = len(confirm_of)
    result_roll, eval_roll, sign_roll = rng.random((3, m))
    rows = []
    for k, (i, ticket) in enumerate(confirm_of):
        p = period[i]
        e = eval_roll[k]
        evaluation = "满意" if e < 0.75 + 0.1 * p else ("基本满意" if e < 0.93 + 0.04 * p else "不满意")
        rows.append({
            "工单号": ticket, "客户名称": intake[i]["客户名称/姓名"], "服务内容": subtags[i],
            "处理结果": "问题已解决" if result_roll[k] < 0.93 else "部分解决，待配件",
            "客户评价": evaluation, "客户签字": "线上确认" if sign_roll[k] < 0.5 + 0.3 * p else "已签字",
            "确认时间": conf_m[i],
        })
    return rows


def _survey_rows(rng, survey_of, intake, period, surv_m) -> list[dict]:
    m = len(survey_of)
    happy_roll = rng.random(m)
    # Satisfied in each period by quota (the lowest rolls), not by chance: even a small demo shows
    # the intended before/after difference.
    periods = np.array([period[i] for i, _ in survey_of], dtype=int)
    satisfied = np.zeros(m, dtype=bool)
    for p in (0, 1):
        members = np.flatnonzero(periods == p)
        order = members[np.argsort(happy_roll[members])]
        satisfied[order[: int(round(SATISFIED[p] * len(members)))]] = True
    high, low = rng.integers(8, 11, m), rng.integers(4, 8, m)
    jitter = rng.integers(-1, 2, (3, m))
    rec_jitter = rng.integers(-2, 2, m)
    usage, intent = _pick(rng, ("运行正常", "偶有异响", "使用良好", "已按建议保养"), m), _pick(rng, S.INTENTS, m)
    praise, grievance = _pick(rng, PRAISE, m), _pick(rng, GRIEVANCES, m)
    rows = []
    for k, (i, ticket) in enumerate(survey_of):
        p = period[i]
        overall = int(high[k] if satisfied[k] else low[k])
        near = [int(np.clip(overall + j, 1, 10)) for j in jitter[:, k]]
        rows.append({
            "工单号": ticket, "回访对象": intake[i]["客户名称/姓名"], "回访时间": surv_m[i],
            "服务态度评分": near[0], "专业能力评分": near[1],
            "解决效率评分": int(np.clip(near[2] - (0 if p else 1), 1, 10)),
            "总体满意度": overall, "推荐意愿": int(np.clip(overall + rec_jitter[k], 0, 10)),
            "产品使用情况": usage[k], "二次购买/升级/推荐意向": intent[k],
            "改进建议": praise[k] if overall >= 8 else grievance[k],
        })
    return rows


# A callback task left open this long is one a real team would have made up (late) by now: the
# demo's open tasks are the recent ones, not months-old June tasks leading 我的待办.
CATCH_UP_DAYS = 14


def _callback_rows(rng, callback_of, intake, types, done, called, unreachable, surv_m, staff,
                   now: pd.Timestamp) -> list[dict]:
    """回访计划 history: one task per completed repair/complaint, as the routine would create it.

    Tasks neither called (with a survey) nor unreachable stay 待回访 while recent; older ones were
    called late, without a survey (回访完成率 counts them as not on time, as before)."""
    from udfs.calendar import BusinessCalendar
    from udfs.sla import due_many

    if not callback_of:
        return []
    idx = np.array([c[0] for c in callback_of])
    days = np.where(types[idx] == "投诉类", 7, 3)
    calendar = BusinessCalendar.chinese_statutory()
    dues = due_many(done[idx].floor("min"), days, "工作日", calendar)
    callers = [m[0] for m in staff if m[2] == "回访专员" and m[4] == "在岗"]
    rows = []
    for k, (i, ticket) in enumerate(callback_of):
        kind, code = ("投诉回访", "TS") if types[i] == "投诉类" else ("维修回访", "WX")
        state = "已回访" if called[i] else ("无法联系" if unreachable[i] else "待回访")
        due = pd.Timestamp(dues[k])
        late_call = None
        if state == "待回访" and due < now - pd.Timedelta(days=CATCH_UP_DAYS):
            state = "已回访"  # made up late: a few days after the due date, in working hours
            day = due.normalize() + pd.Timedelta(days=1 + k % 5)
            while not calendar.is_working_day(day.date()):
                day += pd.Timedelta(days=1)
            late_call = (day + pd.Timedelta(hours=10, minutes=7 * (k % 8))).to_pydatetime()
        rows.append({
            "任务编号": f"HF-{ticket}-{code}", "工单号": ticket, "回访类型": kind,
            "客户名称": intake[i]["客户名称/姓名"], "联系方式": intake[i]["联系方式"],
            "应回访日期": pd.Timestamp(dues[k]).to_pydatetime(), "生成时间": intake[i]["完成时间"],
            "回访专员": callers[k % len(callers)] if callers else None, "回访状态": state,
            "实际回访时间": surv_m[i] if called[i] else late_call,
            "备注": "逾期补回访（客户未参加满意度调研）" if late_call else None,
        })
    return rows


def _plant_duplicates(rng, intake: list[dict]) -> None:
    """A few customers call twice about the same thing within a day (dispatch should flag it)."""
    n = len(intake)
    for _ in range(max(2, n // 500)):
        i = int(rng.integers(0, n - 2))
        a, b = intake[i], intake[i + 1]
        if a["联系方式"] and a["购买产品型号"]:
            b["联系方式"] = a["联系方式"]
            b["购买产品型号"] = a["购买产品型号"]
            b["问题描述"] = a["问题描述"] + "，再次来电催促"
            b["需求类型"] = a["需求类型"]
            b["二级标签"] = a["二级标签"]


def write_sample(path, data: SampleData) -> None:
    """Write ``data`` as a new workbook at ``path``: settings via the builder, forms appended."""
    from pathlib import Path

    from workbook.builder import build
    from workbook.changes import ChangeSet
    from workbook.reader import read_file
    from workbook.store import write_new_file
    from workbook.writer import apply_to_file

    path = Path(path)
    wb, _report = build(today=data.now.date(), rows=data.settings)
    write_new_file(path, wb.save)
    snapshot = read_file(path, sheets=list(data.forms))
    changes = ChangeSet()
    for name, rows in data.forms.items():
        changes.sheet(name).appends = rows
    apply_to_file(path, snapshot, changes, backups=0)
