"""``flask bench-seed``: fill PostgreSQL with a realistic load of data, fast.

At scale 1: 200,000 customers (with ~235,000 purchases, quality bases and ~600,000 revisit
plans), 1,000,000 complaints (with their matters) and 2,000,000 reception contacts, spread over
the last three years, on top of the demo organisation (``init-db`` + ``seed-demo`` first).

Rows are generated in Python and streamed with PostgreSQL ``COPY … FROM STDIN`` (psycopg 3
``cursor.copy()``) in batches, committed per batch, with a progress line per batch. Ids,
serial numbers (``TS-2025-000123``) and the ``serial_counter`` rows continue from what is
already there, and every id sequence is moved past the new rows afterwards (``setval``), so
the portal keeps working on the seeded database. Identifiers look valid (GB 11643 ID numbers
with their check digit, 11-digit mobiles, unique) and are shown masked by the portal as usual.
"""
from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import click
from sqlalchemy import text

from portal.extensions import db
from portal.services.revisit_rules import RevisitKind, routine_windows
from portal.services.severity import SeverityFacts, compute_severity

BASE = {"customers": 200_000, "complaints": 1_000_000, "contacts": 2_000_000}
YEARS = 3
BATCH = 20_000
LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST: a fixed offset is exact here
DAY = 86400.0
N = "\\N"  # NULL in COPY's text format

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌宇浩凯健俊帆帅旭宁琳晨阳欣怡佳雨婷雪梅海燕晓东"
# birth-place codes that python-stdnum (the portal's GB 11643 check) knows
REGIONS = ["650100", "650121", "650200", "652300", "652801", "652323", "652700", "110101", "510121", "440300"]
MOBILE = ["138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187", "188", "189", "133",
          "153", "180", "181", "177", "199"]
DISTRICTS = ["天山区", "沙依巴克区", "新市区", "水磨沟区", "头屯河区", "米东区"]
ROADS = ["人民路", "解放北路", "新华南路", "北京路", "西虹路", "友好南路", "河滩北路", "南湖路", "克拉玛依西路"]
WEIGHTED_ID_FACTORS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"

COMPLAINT_SUBJECTS = {
    "工程质量": ["卫生间渗水", "外墙开裂", "窗户漏风", "地面空鼓", "墙面返潮", "屋顶漏水", "入户门变形", "暖气不热"],
    "销售管理": ["交房延期", "面积差异", "合同条款争议", "承诺车位未兑现", "宣传与实际不符", "办证延误"],
    "物业管理": ["电梯故障频繁", "小区环境卫生差", "停车管理混乱", "物业费收费争议", "门禁失灵", "噪音扰民"],
    "客户服务": ["来电无人接听", "答复不及时", "工作人员态度差", "报修久拖不决"],
    "其他": ["周边施工噪音", "燃气开通延误", "宽带未开通"],
}
CONTACT_TEXT = {
    "inquiry": ["咨询交房时间", "咨询办证进度", "咨询物业费标准", "咨询车位销售", "咨询装修规定"],
    "repair": ["厨房下水堵塞", "卫生间漏水", "入户门锁损坏", "插座无电", "窗户关不严", "墙面裂缝", "暖气漏水"],
    "complaint": ["投诉维修人员迟到", "投诉噪音扰民", "投诉电梯停运", "投诉收费不合理"],
    "suggestion": ["建议增加儿童游乐设施", "建议延长物业服务时间", "建议增设快递柜"],
    "praise": ["表扬维修师傅服务好", "表扬客服耐心解答", "表扬保安拾金不昧"],
    "other": ["询问社区活动", "反映邻里纠纷", "其他事项"],
}


def _pick(rng: random.Random, weighted: list[tuple]):
    """One value of ``[(value, weight), …]``."""
    r = rng.random() * sum(w for _, w in weighted)
    for value, w in weighted:
        r -= w
        if r <= 0:
            return value
    return weighted[-1][0]


def ts(epoch: float | None) -> str:
    """An epoch second as a COPY timestamptz literal (UTC)."""
    if epoch is None:
        return N
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def local_year(epoch: float) -> int:
    return datetime.fromtimestamp(epoch, LOCAL).year


def end_of_local_day(epoch: float) -> float:
    """23:59:59 local of the local day ``epoch`` falls on."""
    local = epoch + 8 * 3600
    return (local // DAY) * DAY + DAY - 1 - 8 * 3600


def id_number(region: str, birthday: date, seq: int) -> str:
    body = f"{region}{birthday:%Y%m%d}{seq:03d}"
    return body + CHECK[sum(int(d) * f for d, f in zip(body, WEIGHTED_ID_FACTORS)) % 11]


def mobile(n: int) -> str:
    """The n-th of a set of unique, valid-looking mobile numbers (an odd multiplier coprime to
    10**8 makes the last eight digits a permutation)."""
    return MOBILE[n % len(MOBILE)] + f"{(n * 7919 + 13_572_468) % 100_000_000:08d}"


def copy_text(value) -> str:
    if value is None:
        return N
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


@dataclass
class Org:
    projects: list[tuple[int, int]]  # (id, branch id)
    categories: dict[str, int]  # name → id
    center_staff: list[int]
    departments: dict[str, int]  # name → id
    branches: list[int]


@dataclass
class Progress:
    label: str
    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, n: int) -> None:
        self.done += n
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        click.echo(f"  {self.label:<18} [{'#' * filled}{'.' * (width - filled)}] {self.done:>10,}/{self.total:,}"
                   f"  {100 * self.done / max(self.total, 1):5.1f}%  {rate:>9,.0f} rows/s")


LOADED = ("customer", "purchase", "customer_quality_basis", "revisit_plan", "complaint_matter", "complaint",
          "reception_contact")


class Seeder:
    def __init__(self, scale: float = 1.0, seed: int = 2026, now: datetime | None = None, batch: int = BATCH):
        self.scale = scale
        self.rng = random.Random(seed)
        self.now = (now or datetime.now(timezone.utc)).timestamp()
        self.start = self.now - YEARS * 365 * DAY
        self.today = datetime.fromtimestamp(self.now, LOCAL).date()
        self.batch = batch
        self.counts = {k: max(1, int(v * scale)) for k, v in BASE.items()}
        self.raw = db.session.connection().connection.driver_connection  # the psycopg 3 connection
        self.org = self._load_org()
        self.customers: list[tuple[int, str, str]] = []  # (id, name, phone) of owners
        self.purchase_of: dict[int, tuple[int, str]] = {}  # customer id → (project id, room) of one purchase
        self.stats: dict[str, int] = {}

    # --- helpers -------------------------------------------------------------------------------

    def _load_org(self) -> Org:
        q = lambda sql: db.session.execute(text(sql)).all()  # noqa: E731
        projects = [(r[0], r[1]) for r in q("SELECT id, branch_id FROM project WHERE active ORDER BY id")]
        categories = {r[1]: r[0] for r in q("SELECT id, name FROM complaint_category ORDER BY sort_order, id")}
        staff = [r[0] for r in q("SELECT DISTINCT u.id FROM user_account u JOIN user_role r ON r.user_id = u.id "
                                 "WHERE u.active AND r.role IN ('center_staff', 'center_manager') ORDER BY u.id")]
        departments = {r[1]: r[0] for r in q("SELECT id, name FROM org_unit WHERE kind = 'department' AND active")}
        branches = [r[0] for r in q("SELECT id FROM org_unit WHERE kind = 'branch' AND active ORDER BY id")]
        if not projects or not categories or not staff:
            raise click.ClickException("run `flask init-db` and `flask seed-demo` first: the benchmark data is "
                                       "spread over the demo organisation (projects, categories, center staff)")
        return Org(projects, categories, staff, departments, branches)

    def _next_id(self, table: str) -> int:
        return (db.session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() or 0) + 1

    def _serial_start(self, prefix: str) -> dict[int, int]:
        return {r[0]: r[1] for r in db.session.execute(
            text("SELECT year, last FROM serial_counter WHERE prefix = :p"), {"p": prefix})}

    def _copy(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        with self.raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                cp.write("".join("\t".join(map(copy_text, row)) + "\n" for row in rows))
        self.stats[table] = self.stats.get(table, 0) + len(rows)

    def _commit(self) -> None:
        self.raw.commit()

    def _sorted_times(self, n: int, i0: int, total: int) -> list[float]:
        """Times of rows i0 … i0+n-1 of ``total``, increasing, spread over the three years (a little
        more recently than long ago, as a growing company's)."""
        lo = self.start + (self.now - 3600 - self.start) * (i0 / total) ** 0.9
        hi = self.start + (self.now - 3600 - self.start) * ((i0 + n) / total) ** 0.9
        return sorted(self.rng.uniform(lo, hi) for _ in range(n))

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def _staff(self) -> int:
        return self.rng.choice(self.org.center_staff)

    # --- customers, purchases, quality bases, revisit plans --------------------------------------

    def customers_and_purchases(self) -> None:
        rng, total = self.rng, self.counts["customers"]
        cid, pid, qid, rid = (self._next_id(t) for t in ("customer", "purchase", "customer_quality_basis",
                                                         "revisit_plan"))
        phone_base = cid * 3 + 1_000_000
        room_counter = {p: 0 for p, _ in self.org.projects}
        id_seq: dict[tuple[str, date], int] = {}
        # ID numbers already on file (the demo's) must not be issued again
        existing = {r[0] for r in db.session.execute(text("SELECT id_number FROM customer WHERE id_number IS NOT NULL"))}
        ccols = ["id", "kind", "name", "gender", "birthday", "phone1", "phone2", "id_number", "address", "occupation",
                 "prospect_project_id", "archive_year", "is_quality", "special_kind", "created_at"]
        pcols = ["id", "customer_id", "project_id", "building", "room", "signing_date", "handover_date",
                 "property_nature", "property_type", "floor_area", "unit_price", "total_price", "salesperson"]
        qcols = ["id", "customer_id", "basis", "evidence", "automatic", "recorded_at"]
        rcols = ["id", "plan_key", "kind", "customer_id", "purchase_id", "project_id", "window_start", "due", "status",
                 "assignee_id", "attempts", "created_at", "updated_at", "method", "revisited_at", "done_by_id",
                 "on_time", "satisfaction", "summary"]
        bar = Progress("customers", total)
        plans_bar_total = 0
        for b0 in range(0, total, self.batch):
            crow, prow, qrow, rrow = [], [], [], []
            for n in range(b0, min(total, b0 + self.batch)):
                gender = rng.random() < 0.52
                birthday = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 50 * 365))
                region = rng.choice(REGIONS)
                while True:
                    seq = id_seq.get((region, birthday), rng.randrange(0, 20)) + 1
                    if seq % 2 != gender:  # odd sequence for men, even for women
                        seq += 1
                    id_seq[(region, birthday)] = seq
                    idn = id_number(region, birthday, seq % 1000)
                    if idn not in existing:
                        existing.add(idn)
                        break
                name = self._name()
                phone = mobile(phone_base + n)
                prospect = rng.random() < 0.10
                created = rng.uniform(self.start - 3 * 365 * DAY, self.now - DAY)
                n_purchases = 0 if prospect else _pick(rng, [(1, 85), (2, 12), (3, 3)])
                first_signing = first_handover = None
                for k in range(n_purchases):
                    project, _branch = rng.choice(self.org.projects)
                    room_counter[project] += 1
                    rc = room_counter[project]
                    building = f"{rc // 480 + 1}栋"
                    room = f"{rc % 480 // 120 + 1}-{rc % 120 // 4 + 2}{rc % 4 + 1:02d}"
                    signing = self.today - timedelta(days=rng.randrange(20, 6 * 365))
                    handover = signing + timedelta(days=rng.randrange(180, 720))
                    if handover > self.today + timedelta(days=60):
                        handover = None
                    first_signing = min(first_signing or signing, signing)
                    if handover:
                        first_handover = min(first_handover or handover, handover)
                    area = round(rng.uniform(55, 180), 1)
                    price = rng.randrange(6000, 15000, 50)
                    prow.append((pid, cid, project, building, room, signing, handover, "商品房",
                                 _pick(rng, [("住宅", 90), ("商铺", 5), ("车位", 5)]), area, price, int(area * price),
                                 self._name()))
                    for kind, window in routine_windows(signing, handover).items():
                        if window.due < self.today - timedelta(days=YEARS * 365):
                            continue
                        rrow.append(self._plan_row(rid, f"{kind.value}:purchase:{pid}", kind, cid, pid, project, window))
                        rid += 1
                    if k == 0:
                        self.purchase_of[cid] = (project, room)
                    pid += 1
                if first_handover and first_handover.year <= self.today.year - 2:
                    # an old customer (a room handed over two or more years ago): one plan this calendar year
                    start, due = date(self.today.year, 1, 1), date(self.today.year, 12, 31)
                    rrow.append(self._plan_row(rid, f"old_customer:customer:{cid}:{self.today.year}",
                                               RevisitKind.OLD_CUSTOMER, cid, None, None, _Window(start, due)))
                    rid += 1
                quality = n_purchases >= 2
                if quality:
                    qrow.append((qid, cid, "repeat_purchase", f"购买房产 {n_purchases} 套", True, ts(created)))
                    qid += 1
                special = _pick(rng, [(None, 97), ("elderly_alone", 1), ("retired_apart", 1.2), ("military_family", 0.8)])
                crow.append((cid, "prospect" if prospect else "owner", name, "male" if gender else "female", birthday,
                             phone, f"0991-{rng.randrange(2_000_000, 9_999_999)}" if rng.random() < 0.2 else None,
                             idn, f"乌鲁木齐市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
                             _pick(rng, [("职员", 40), ("个体经营", 20), ("教师", 8), ("医生", 5), ("公务员", 7), ("退休", 20)]),
                             rng.choice(self.org.projects)[0] if prospect else None,
                             (first_signing.year if first_signing else datetime.fromtimestamp(created, LOCAL).year),
                             quality, None if prospect else special, ts(created)))
                if not prospect:
                    self.customers.append((cid, name, phone))
                cid += 1
            self._copy("customer", ccols, crow)
            self._copy("purchase", pcols, prow)
            self._copy("customer_quality_basis", qcols, qrow)
            self._copy("revisit_plan", rcols, rrow)
            self._commit()
            plans_bar_total += len(rrow)
            bar.add(len(crow))
        click.echo(f"  {'':<18} {self.stats.get('purchase', 0):,} purchases, {plans_bar_total:,} revisit plans")

    def _plan_row(self, rid, key, kind, cid, pid, project, window) -> tuple:
        rng, today = self.rng, self.today
        created = ts(datetime(window.start.year, window.start.month, window.start.day, tzinfo=LOCAL).timestamp())
        status, method, revisited, done_by, on_time, satisfaction, summary = "open", None, None, None, None, None, None
        if window.due < today:
            status = _pick(rng, [("done", 93), ("open", 6), ("cancelled", 1)])
        elif window.start <= today:
            status = "done" if rng.random() < (today - window.start).days / max((window.due - window.start).days, 1) * 0.8 else "open"
        assignee = self._staff()
        if status == "done":
            late = rng.random() < 0.08
            day = window.due + timedelta(days=rng.randrange(1, 20)) if late else \
                window.start + timedelta(days=rng.randrange(0, max((window.due - window.start).days, 0) + 1))
            day = min(day, today)
            revisited = ts(datetime(day.year, day.month, day.day, rng.randrange(9, 18), rng.randrange(60),
                                    tzinfo=LOCAL).timestamp())
            method = _pick(rng, [("phone", 85), ("visit", 8), ("sms", 4), ("survey", 3)])
            done_by, on_time = assignee, day <= window.due
            satisfaction = _pick(rng, [(5, 55), (4, 30), (3, 10), (2, 3), (1, 2)])
            summary = "客户表示满意" if satisfaction >= 4 else "客户提出意见，已记录"
        return (rid, key, kind.value, cid, pid, project, window.start, window.due, status, assignee,
                rng.choice((0, 0, 0, 1, 2)), created, revisited or created,
                method, revisited, done_by, on_time, satisfaction, summary)

    # --- complaints and their matters -----------------------------------------------------------

    def complaints(self) -> None:
        rng, total, org = self.rng, self.counts["complaints"], self.org
        cid, mid = self._next_id("complaint"), self._next_id("complaint_matter")
        serial_last = self._serial_start("TS")
        cat_names = list(org.categories)
        cat_weights = [(n, {"工程质量": 40, "物业管理": 25, "销售管理": 15, "客户服务": 10}.get(n, 10)) for n in cat_names]
        dept_for = {"工程质量": org.departments.get("工程部"), "销售管理": org.departments.get("营销部")}
        # matters: a heap of (time, matter id, subject, project, category, ordinal, room) for complaints still to join
        joins: list[tuple] = []
        mcols = ["id", "project_id", "category_id", "subject", "created_at", "last_complaint_at", "closed_at"]
        ccols = ["id", "serial", "received_at", "channel", "customer_id", "complainant_name", "complainant_phone",
                 "project_id", "room", "category_id", "matter_id", "subject", "description", "people_count",
                 "lawsuit_filed", "media_exposed", "is_second_complaint", "matter_complainants", "is_report",
                 "severity", "severity_reason", "rule_severity", "rule_severity_reason", "status",
                 "responsible_unit_id", "handler_id", "plan", "resolution", "revisit_summary", "revisit_satisfaction",
                 "revisited_by_id", "first_reply_due_at", "first_replied_at", "last_contact_at",
                 "next_progress_due_at", "leader_report_due_at", "reported_to_leaders_at", "resolved_at",
                 "revisited_at", "archived_at", "filed_by_unit_id", "handled_closed_on", "filing_due_at",
                 "filing_status", "filing_submitted_at", "created_by_id", "created_at"]
        severities = {"general": 0, "important": 0, "major": 0}
        bar = Progress("complaints", total)
        for b0 in range(0, total, self.batch):
            n = min(self.batch, total - b0)
            mrow, crow = [], []
            for t in self._sorted_times(n, b0, total):
                # one matter: join a scheduled follow-up complaint of an earlier matter, or start a new one
                if joins and joins[0][0] <= t:
                    _, matter, subject, project, category, ordinal, room = heapq.heappop(joins)
                else:
                    matter, ordinal = mid, 1
                    mid += 1
                    category = _pick(rng, cat_weights)
                    subject = rng.choice(COMPLAINT_SUBJECTS.get(category, COMPLAINT_SUBJECTS["其他"]))
                    project = rng.choice(org.projects)[0]
                    room = None
                    size = _pick(rng, [(1, 88), (2, 8), (3, 2.5), (rng.randrange(4, 13), 1.5)])
                    follow = sorted(t + rng.uniform(0.2, 25) * DAY for _ in range(size - 1))
                    for k, when in enumerate(follow, start=2):
                        heapq.heappush(joins, (when, matter, subject, project, category, k, None))
                    last = follow[-1] if follow else t
                    mrow.append((matter, project, org.categories[category], subject, ts(t), ts(min(last, self.now)),
                                 ts(last + 40 * DAY) if last + 40 * DAY < self.now - 60 * DAY else None))
                crow.append(self._complaint_row(cid, t, serial_last, matter, subject, project, category, ordinal,
                                                dept_for, severities))
                cid += 1
            self._copy("complaint_matter", mcols, mrow)
            self._copy("complaint", ccols, crow)
            self._commit()
            bar.add(n)
        self._save_serials("TS", serial_last)
        click.echo(f"  {'':<18} {self.stats.get('complaint_matter', 0):,} matters; severity "
                   + ", ".join(f"{k} {v:,}" for k, v in severities.items()))

    def _complaint_row(self, cid, t, serial_last, matter, subject, project, category, ordinal, dept_for, severities):
        rng, now, org = self.rng, self.now, self.org
        year = local_year(t)
        serial_last[year] = serial_last.get(year, 0) + 1
        linked = self.customers and rng.random() < 0.4
        if linked:
            customer_id, name, phone = rng.choice(self.customers)
            room = self.purchase_of.get(customer_id, (project, None))[1]
        else:
            customer_id, name, phone = None, self._name(), mobile(rng.randrange(50_000_000, 90_000_000))
            room = f"{rng.randrange(1, 5)}-{rng.randrange(2, 32)}{rng.randrange(1, 5):02d}"
        people = _pick(rng, [(1, 95), (2, 2), (rng.randrange(3, 10), 2.5), (rng.randrange(10, 40), 0.5)])
        lawsuit, media, second = rng.random() < 0.002, rng.random() < 0.003, rng.random() < 0.02
        severity, reason = compute_severity(SeverityFacts(people, lawsuit, media, second, min(ordinal, 30)))
        severities[severity.value] += 1
        age = (now - t) / DAY
        if age < 2:
            status = _pick(rng, [("received", 60), ("in_handling", 40)])
        elif age < 14:
            status = _pick(rng, [("in_handling", 50), ("resolved", 30), ("revisited", 20)])
        elif age < 60:
            status = _pick(rng, [("in_handling", 5), ("resolved", 15), ("revisited", 40), ("archived", 40)])
        else:
            status = _pick(rng, [("in_handling", 0.5), ("resolved", 3.5), ("revisited", 10), ("archived", 86)])
        handler = self._staff()
        replied = None
        if not (status == "received" and rng.random() < 0.5):
            replied = t + (rng.uniform(0.5, 46) if rng.random() < 0.97 else rng.uniform(48, 72)) * 3600
            replied = min(replied, now - 60)
        resolved = revisited = archived = None
        if status in ("resolved", "revisited", "archived"):
            resolved = min(t + rng.uniform(1, 20) * DAY, now - 3600)
        if status in ("revisited", "archived"):
            revisited = min(resolved + rng.uniform(0.3, 2) * DAY, now - 1800)
        if status == "archived":
            archived = min(revisited + rng.uniform(1, 10) * DAY, now - 60)
        last_contact = max(x for x in (replied, resolved, t) if x is not None)
        open_ = status in ("received", "in_handling")
        important = severity.value == "important"
        report_due = end_of_local_day(t + DAY) if important else None
        reported = (t + rng.uniform(2, 20) * 3600) if severity.value != "general" and rng.random() < 0.9 else None
        branch_filed = rng.random() < 0.08 and not open_
        closed_on = datetime.fromtimestamp(resolved or t, LOCAL).date() if branch_filed else None
        filing_due = end_of_local_day((resolved or t) + 2 * DAY) if branch_filed else None
        cat_unit = dept_for.get(category)
        unit = cat_unit or rng.choice(org.branches or [None])
        satisfaction = _pick(rng, [(5, 45), (4, 35), (3, 12), (2, 5), (1, 3)]) if revisited else None
        return (
            cid, f"TS-{year}-{serial_last[year]:06d}", ts(t), _pick(rng, [("phone", 55), ("visit", 15), ("letter", 5),
                                                                          ("email", 5), ("online", 20)]),
            customer_id, name, phone, project, room, self.org.categories[category], matter, subject,
            f"{subject}，业主要求尽快处理并给予答复。", people, lawsuit, media, second, min(ordinal, 30),
            rng.random() < 0.005, severity.value, reason, severity.value, reason, status,
            unit, handler, "联系相关部门现场核查并制定整改方案" if status != "received" else None,
            "已整改完毕，业主确认" if resolved else None, "回访客户，对处理结果表示认可" if revisited else None,
            satisfaction, handler if revisited else None,
            ts(t + 48 * 3600), ts(replied), ts(last_contact),
            ts(last_contact + 2 * DAY) if open_ else None, ts(report_due), ts(reported) if reported else None,
            ts(resolved), ts(revisited), ts(archived),
            rng.choice(org.branches) if branch_filed and org.branches else None, closed_on, ts(filing_due),
            ("accepted" if age > 10 else "submitted") if branch_filed else None,
            ts(min((resolved or t) + rng.uniform(0.2, 2.5) * DAY, now - 60)) if branch_filed else None,
            handler, ts(t + rng.uniform(60, 900)),
        )

    # --- reception contacts ---------------------------------------------------------------------

    def contacts(self) -> None:
        rng, total, org = self.rng, self.counts["contacts"], self.org
        rid = self._next_id("reception_contact")
        serial_last = self._serial_start("JD")
        engineering = org.departments.get("工程部")
        marketing = org.departments.get("营销部")
        cols = ["id", "serial", "channel", "received_at", "customer_id", "customer_name", "customer_phone",
                "project_id", "room", "category", "urgency", "content", "responsible_id", "created_by_id",
                "created_at", "handling_unit_id", "status", "reply_due_at", "replied_at", "first_replied_at",
                "closed_at", "reply_content", "reply_method", "satisfaction", "visitor_count", "identity_checked",
                "letter_sender", "letter_date"]
        bar = Progress("reception contacts", total)
        now = self.now
        for b0 in range(0, total, self.batch):
            n = min(self.batch, total - b0)
            rows = []
            for t in self._sorted_times(n, b0, total):
                year = local_year(t)
                serial_last[year] = serial_last.get(year, 0) + 1
                channel = _pick(rng, [("phone", 70), ("visit", 18), ("letter", 7), ("email", 2), ("online", 3)])
                if self.customers and rng.random() < 0.55:
                    customer_id, name, phone = rng.choice(self.customers)
                    project, room = self.purchase_of.get(customer_id, (rng.choice(org.projects)[0], None))
                else:
                    customer_id, name, phone = None, self._name(), mobile(rng.randrange(50_000_000, 90_000_000))
                    project, room = (rng.choice(org.projects)[0], None) if rng.random() < 0.7 else (None, None)
                category = _pick(rng, [("inquiry", 30), ("repair", 38), ("complaint", 6), ("suggestion", 8),
                                       ("praise", 6), ("other", 12)])
                urgency = _pick(rng, [("general", 85), ("important", 12), ("emergency", 3)])
                due = t + 24 * 3600 if urgency == "general" else (end_of_local_day(t) if urgency == "important" else t)
                age = (now - t) / DAY
                status = _pick(rng, [("closed", 97), ("dispatched", 2), ("open", 1)]) if age > 3 else \
                    _pick(rng, [("open", 40), ("dispatched", 20), ("closed", 40)])
                replied = closed = None
                if status == "closed" or rng.random() < 0.3:
                    replied = min(t + rng.uniform(0.1, 20) * 3600, now - 60)
                if status == "closed":
                    closed = min(replied + rng.uniform(0, 3) * DAY, now - 30)
                unit = {"repair": engineering if rng.random() < 0.6 else rng.choice(org.branches or [None]),
                        "inquiry": marketing if rng.random() < 0.3 else None,
                        "complaint": rng.choice(org.branches or [None])}.get(category)
                staff = self._staff()
                letter = channel == "letter"
                rows.append((
                    rid, f"JD-{year}-{serial_last[year]:06d}", channel, ts(t), customer_id, name, phone, project, room,
                    category, urgency, rng.choice(CONTACT_TEXT[category]), staff, staff, ts(t + rng.uniform(30, 600)),
                    unit, status, ts(due), ts(replied), ts(replied), ts(closed), "已电话答复客户" if replied else None,
                    "phone" if replied else None, _pick(rng, [(5, 50), (4, 30), (3, 15), (2, 5)]) if closed and
                    rng.random() < 0.6 else None, rng.randrange(1, 4) if channel == "visit" else None,
                    True if channel == "visit" else None, name if letter else None,
                    datetime.fromtimestamp(t - 2 * DAY, LOCAL).date() if letter else None))
                rid += 1
            self._copy("reception_contact", cols, rows)
            self._commit()
            bar.add(n)
        self._save_serials("JD", serial_last)

    # --- afterwards ----------------------------------------------------------------------------

    def _save_serials(self, prefix: str, last: dict[int, int]) -> None:
        with self.raw.cursor() as cur:
            for year, value in last.items():
                cur.execute("INSERT INTO serial_counter (prefix, year, last) VALUES (%s, %s, %s) "
                            "ON CONFLICT (prefix, year) DO UPDATE SET last = greatest(serial_counter.last, "
                            "excluded.last)", (prefix, year, value))
        self._commit()

    def finish(self) -> None:
        """Move every id sequence past the new rows and refresh the planner's statistics."""
        tables = LOADED
        with self.raw.cursor() as cur:
            for table in tables:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"greatest((SELECT max(id) FROM {table}), 1))")
        self._commit()
        self.raw.autocommit = True
        try:
            with self.raw.cursor() as cur:
                for table in tables:
                    cur.execute(f"VACUUM ANALYZE {table}")
        finally:
            self.raw.autocommit = False

    def _drop_secondary_indexes(self) -> list[str]:
        """Drop the non-unique indexes of the loaded tables (rebuilt in one pass afterwards, which
        is several times faster than maintaining them row by row) and return their definitions."""
        with self.raw.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                        "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'", (list(LOADED),))
            found = cur.fetchall()
            for name, _ in found:
                cur.execute(f'DROP INDEX "{name}"')
        self._commit()
        return [d for _, d in found]

    def _recreate_indexes(self, definitions: list[str]) -> None:
        with self.raw.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            for d in definitions:
                cur.execute(d)
        self._commit()

    def run(self) -> dict[str, int]:
        t0 = time.monotonic()
        click.echo(f"bench-seed at scale {self.scale:g}: " + ", ".join(f"{v:,} {k}" for k, v in self.counts.items()))
        db.session.commit()
        with self.raw.cursor() as cur:
            # generated rows are consistent by construction: skip the per-row foreign-key triggers
            # and the wait for each batch's fsync (a crash mid-seed means seeding again anyway)
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET synchronous_commit = off")
        self._commit()
        indexes = self._drop_secondary_indexes()
        try:
            self.customers_and_purchases()
            self.complaints()
            self.contacts()
        finally:
            self.raw.rollback()
            click.echo(f"  rebuilding {len(indexes)} indexes …")
            t1 = time.monotonic()
            self._recreate_indexes(indexes)
            click.echo(f"  {'':<18} indexes rebuilt in {time.monotonic() - t1:,.0f} s")
            with self.raw.cursor() as cur:
                cur.execute("SET session_replication_role = DEFAULT")
            self._commit()
        click.echo("  sequences, serial counters, VACUUM ANALYZE …")
        self.finish()
        click.echo(f"done in {time.monotonic() - t0:,.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in self.stats.items()))
        return dict(self.stats)


@dataclass(frozen=True)
class _Window:
    start: date
    due: date
