"""Demo customer archives: a few hundred owners across the demo projects (valid-checksum fake ID
numbers), purchases signed and handed over over the last two years (so revisits have work), some
repeat buyers (quality customers), referrals, special owners, prospects, care activities, and a
pending access request from ``fgs1_kefu``."""
from __future__ import annotations

from datetime import date, timedelta

from stdnum.cn import ric

from portal.demo import DemoContext
from portal.extensions import db
from portal.models import AccessScope, Customer, CustomerKind, Gender, Purchase, QualityBasisKind, SpecialKind
from portal.services import archive_access, archives
from portal.services.clock import now_utc, to_local

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
         "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "晓东", "玉兰", "国庆", "春梅", "文博", "子涵", "雨桐", "浩然"]
# Region codes python-stdnum knows (its check includes the birthplace).
REGIONS = ["110101", "110105", "310104", "440103", "510104", "420102", "610103", "320102", "330102", "370102"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def fake_id_number(rng, birthday: date, male: bool) -> str:
    """A GB 11643 number: region + birthday + sequence (odd for men) + the MOD 11-2 check digit."""
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        body = f"{rng.choice(REGIONS)}{birthday:%Y%m%d}{seq:03d}"
        number = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]
        if ric.is_valid(number):
            return number


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    today = to_local(now_utc()).date()
    staff = ctx.users.get("kefu")
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    customers: list[Customer] = []
    room_seq = {p.id: 0 for p in ctx.projects}

    def phone() -> str:
        while True:
            value = rng.choice(["138", "139", "135", "186", "158", "177", "199"]) + f"{rng.randrange(10**8):08d}"
            if value not in used_phones:
                used_phones.add(value)
                return value

    def next_room(project) -> tuple[str, str]:
        room_seq[project.id] += 1
        n = room_seq[project.id]
        return f"{(n - 1) // 24 + 1}栋", f"{(n - 1) % 4 + 1}-{((n - 1) // 4) % 6 + 1}0{(n - 1) % 2 + 1}"

    for i in range(320):
        male = rng.random() < 0.5
        birthday = date(rng.randrange(1950, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
        number = fake_id_number(rng, birthday, male)
        while number in used_ids:
            number = fake_id_number(rng, birthday, male)
        used_ids.add(number)
        prospect = i >= 290
        project = rng.choice(ctx.projects)
        customer = Customer(
            kind=CustomerKind.PROSPECT if prospect else CustomerKind.OWNER,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN), gender=Gender.MALE if male else Gender.FEMALE,
            birthday=birthday, id_number=None if prospect else number, phone1=phone(),
            phone2=phone() if rng.random() < 0.6 else None,
            address=f"乌鲁木齐市{rng.choice(['天山区', '沙依巴克区', '新市区', '水磨沟区'])}{rng.choice(['北京路', '友好路', '河北东路', '南湖路'])}{rng.randrange(1, 400)}号",
            postcode="830000", employer=rng.choice(["新疆某建设集团", "乌鲁木齐市第一中学", "自治区人民医院", "个体经营", "某银行支行"]),
            position=rng.choice(["职员", "经理", "教师", "医生", "工程师", "个体"]),
            living_area=rng.choice(["天山区", "沙依巴克区", "新市区"]), working_area=rng.choice(["天山区", "高新区", "经开区"]),
            education=rng.choice(["高中", "大专", "本科", "研究生"]), marital_status=rng.choice(["已婚", "未婚", "离异"]),
            family_structure=rng.choice(["三口之家", "两口之家", "三代同堂", "单身"]), household_size=rng.randrange(1, 6),
            income_band=rng.choice(["5万以下", "5-10万", "10-20万", "20万以上"]),
            how_learned=rng.choice(["朋友介绍", "户外广告", "网络", "路过案场", "老业主推荐"]),
            car_plate=f"新A{rng.randrange(10000, 99999)}" if rng.random() < 0.5 else None,
            archive_year=today.year - rng.randrange(0, 2),
        )
        if prospect:
            customer.prospect_project_id = project.id
            customer.stated_age = today.year - birthday.year
            customer.wanted_layout = rng.choice(["两室一厅", "三室两厅", "四室两厅"])
            customer.wanted_area = rng.choice(["90㎡左右", "120㎡左右", "140㎡以上"])
            customer.payment_method = rng.choice(["按揭", "一次性付款"])
            customer.purchase_purpose = rng.choice(["自住", "改善", "投资"])
            customer.previous_purchases = rng.randrange(0, 3)
            customer.receiving_salesperson = rng.choice(["马晓丽", "艾力", "周婷"])
        if rng.random() < 0.05:
            customer.special_kind = rng.choice(list(SpecialKind)[:3])
            customer.special_note = "每季度上门走访一次"
        db.session.add(customer)
        customers.append(customer)
        if not prospect:
            for n in range(2 if rng.random() < 0.08 else 1):  # some buy twice: quality customers
                where = project if n == 0 else rng.choice(ctx.projects)
                signing = today - timedelta(days=rng.randrange(3, 730))
                handover = signing + timedelta(days=rng.randrange(60, 300))
                building, room = next_room(where)
                area = round(rng.uniform(70, 160), 2)
                unit = rng.randrange(6000, 12000)
                db.session.add(Purchase(
                    customer=customer, project=where, building=building, room=room, signing_date=signing,
                    handover_date=handover if handover <= today + timedelta(days=60) else None,
                    property_nature="商品房", property_type=rng.choice(["住宅", "住宅", "住宅", "商铺"]),
                    floor_area=area, unit_price=unit, total_price=int(area * unit),
                    salesperson=rng.choice(["马晓丽", "艾力", "周婷", "陈刚"])))
    db.session.flush()
    for customer in customers:
        if len(customer.purchases) >= 2:
            archives.refresh_repeat_purchase(customer)
    owners = [c for c in customers if c.kind == CustomerKind.OWNER]
    for customer in rng.sample(owners, 6):
        archives.add_quality_basis(customer, QualityBasisKind.REFERRAL, "成功介绍亲友购买本公司楼盘", staff)
    archives.add_quality_basis(owners[7], QualityBasisKind.SUGGESTION, "建议增设小区充电桩，已被物业采纳", staff)
    for customer in rng.sample(owners, 20):
        archives.add_care_activity(customer, day=today - timedelta(days=rng.randrange(1, 200)),
                                   kind=rng.choice(["birthday", "festival", "event"]),
                                   description=rng.choice(["生日电话问候", "中秋节送月饼", "业主联谊会"]), by=staff)
    requester = ctx.users.get("fgs1_kefu")
    if requester is not None:
        target = next(c for c in owners if c.purchases[0].project.branch_id == requester.org_unit_id)
        archive_access.create_request(requester, reason="业主来电反映房屋渗水，需核对购房信息", scope=AccessScope.CUSTOMER,
                                      customer=target, period_days=7)
    ctx.customers = customers
    db.session.flush()
