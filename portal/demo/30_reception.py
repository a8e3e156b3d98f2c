"""Demo reception data: three weeks of calls, visits and letters across channels, projects and
states — answered and closed ones, open and overdue ones, work orders with progress notes, a
repeat repair, an emergency and a praise letter."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.demo import DemoContext
from portal.extensions import db
from portal.models import Customer
from portal.models.reception import (
    Channel, ContactCategory, RepairKind, RepairRevisitWay, RepairType, ReplyMethod, Urgency,
)
from portal.services import reception
from portal.services.clock import now_utc, portal_tz, to_local

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "伟", "芳", "军", "丽", "强", "敏", "磊", "静", "海燕", "志刚"]

TOPICS = {
    ContactCategory.INQUIRY: ["咨询交房时间和需要准备的材料", "询问房产证办理进度", "咨询车位租售政策", "询问物业费缴费方式"],
    ContactCategory.REPAIR: [("卫生间顶部渗水，楼上可能漏水", RepairType.WATER_LEAK),
                             ("厨房下水堵塞，反水", RepairType.PLUMBING), ("客厅插座没电", RepairType.ELECTRICAL),
                             ("阳台推拉门关不严", RepairType.DOORS_WINDOWS), ("卧室墙面开裂", RepairType.WALLS_FLOORS),
                             ("暖气片不热", RepairType.HEATING)],
    ContactCategory.COMPLAINT: ["销售承诺的赠送面积与合同不符", "物业保安态度差", "小区绿化迟迟未完成"],
    ContactCategory.SUGGESTION: ["建议小区增设电动车充电桩", "建议延长物业前台服务时间"],
    ContactCategory.PRAISE: ["感谢维修师傅及时上门解决漏水问题"],
    ContactCategory.OTHER: ["反映小区门口道路施工噪音", "询问开发商组织的业主活动"],
}
CATEGORY_WEIGHTS = [(ContactCategory.INQUIRY, 30), (ContactCategory.REPAIR, 35), (ContactCategory.COMPLAINT, 10),
                    (ContactCategory.SUGGESTION, 8), (ContactCategory.PRAISE, 4), (ContactCategory.OTHER, 13)]
CHANNEL_WEIGHTS = [(Channel.PHONE, 55), (Channel.VISIT, 20), (Channel.LETTER, 8), (Channel.EMAIL, 7),
                   (Channel.ONLINE, 10)]


def _pick(rng, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights=weights)[0]


def _received(rng, days_ago: int) -> datetime:
    day = to_local(now_utc()).date() - timedelta(days=days_ago)
    local = datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=portal_tz())
    return min(local, now_utc() - timedelta(minutes=30))


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    staff = [ctx.users[name] for name in ("kefu", "kefu2") if name in ctx.users]
    if not staff or not ctx.projects:
        return
    units = ctx.units
    engineering, property_co = units.get("工程部"), units.get("物业公司")
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id).limit(200)))
    now = now_utc()

    def make(days_ago, category, *, urgency=Urgency.GENERAL, channel=None, project=None, room=None, topic=None,
             handling_unit=None, praised=None):
        channel = channel or _pick(rng, CHANNEL_WEIGHTS)
        received = _received(rng, days_ago)
        customer = rng.choice(customers) if customers and rng.random() < 0.6 else None
        purchase = customer.purchases[0] if customer is not None and customer.purchases else None
        project = project or (purchase.project if purchase else rng.choice(ctx.projects))
        room = room or (purchase.room if purchase else f"{rng.randint(1, 12)}-{rng.randint(1, 3)}-{rng.randint(1, 18)}0{rng.randint(1, 4)}")
        name = customer.name if customer else rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = (customer.phone1 if customer else None) or f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        entered = received + (timedelta(days=1) if channel == Channel.LETTER else timedelta(minutes=3))
        data = reception.ContactData(
            channel=channel, received_at=received, category=category, urgency=urgency, content=topic,
            customer=customer, customer_name=name, customer_phone=phone, project=project, room=room,
            handling_unit=handling_unit, visitor_count=rng.randint(1, 3) if channel == Channel.VISIT else None,
            identity_checked=True if channel == Channel.VISIT else None,
            letter_sender=name if channel == Channel.LETTER else None,
            letter_date=(to_local(received).date() - timedelta(days=2)) if channel == Channel.LETTER else None,
            praised_name=praised[0] if praised else None, praised_unit=praised[1] if praised else None,
        )
        return reception.register_contact(data, by=rng.choice(staff), now=min(entered, now))

    for days_ago in range(21, -1, -1):
        for _ in range(rng.randint(1, 4)):
            category = _pick(rng, CATEGORY_WEIGHTS)
            if category == ContactCategory.PRAISE:
                contact = make(days_ago, category, topic=TOPICS[category][0], channel=Channel.LETTER,
                               praised=("维修班李师傅", property_co or engineering))
            elif category == ContactCategory.REPAIR:
                text, repair_type = rng.choice(TOPICS[category])
                urgency = Urgency.IMPORTANT if rng.random() < 0.25 else Urgency.GENERAL
                contact = make(days_ago, category, topic=text, urgency=urgency)
                unit = property_co if rng.random() < 0.6 and property_co else engineering
                _work(rng, contact, unit, repair_type, days_ago, now)
                continue
            else:
                urgency = Urgency.IMPORTANT if rng.random() < 0.15 else Urgency.GENERAL
                contact = make(days_ago, category, topic=rng.choice(TOPICS[category]), urgency=urgency)
            _answer(rng, contact, days_ago, now)

    # A leak in the same room twice within 30 days: flagged for the leader's own revisit.
    if engineering is not None:
        project = ctx.projects[0]
        for days_ago in (18, 4):
            contact = make(days_ago, ContactCategory.REPAIR, project=project, room="3-1-502", channel=Channel.PHONE,
                           topic="卫生间顶部渗水，楼上可能漏水")
            _work(rng, contact, engineering, RepairType.WATER_LEAK, days_ago, now, finish=days_ago > 10)
        # An emergency today: the department and a leader were told at once.
        make(0, ContactCategory.REPAIR, urgency=Urgency.EMERGENCY, channel=Channel.PHONE, handling_unit=engineering,
             topic="地下车库主水管爆裂，正在漏水", room="地下车库")
    db.session.flush()


def _answer(rng, contact, days_ago, now):
    """Most older contacts were answered and closed; recent ones are still open."""
    at = contact.received_at + timedelta(hours=rng.choice([1, 3, 6, 20, 30]))
    if days_ago >= 2 and rng.random() < 0.85 and at < now:
        method, satisfaction = rng.choice(list(ReplyMethod)[:2]), rng.choice([5, 5, 4, 4, 3, None])
        if contact.category == ContactCategory.COMPLAINT:
            # a complaint contact closes only as a complaint record; here it was answered and waits
            reception.record_reply(contact, "已受理，转投诉处理", method, by=contact.responsible, now=at)
        else:
            reception.close_contact(contact, "已向客户说明情况并答复", method, satisfaction, by=contact.responsible,
                                    now=at)
    elif days_ago >= 1 and rng.random() < 0.5 and at < now:
        reception.record_reply(contact, "已告知客户正在处理", ReplyMethod.PHONE, by=contact.responsible, now=at)


def _work(rng, contact, unit, repair_type, days_ago, now, finish=None):
    if unit is None:
        return
    dispatched = min(contact.created_at + timedelta(minutes=20), now)
    work_order = reception.dispatch(contact, unit, "请安排人员上门查看并维修，完成后反馈结果", dispatched + timedelta(days=2),
                                    by=contact.responsible, repair_type=repair_type, now=dispatched)
    for day in range(1, min(days_ago, 3) + 1):
        note_at = dispatched + timedelta(days=day - 1, hours=3)
        if note_at < now:
            reception.add_progress(work_order, rng.choice(["已联系业主约定上门时间", "已到现场查看，需购买配件", "配件已到，明天施工"]),
                                   by=contact.responsible, now=note_at)
    if finish is None:
        finish = days_ago >= 4 and rng.random() < 0.8
    if finish:
        done_at = dispatched + timedelta(days=min(days_ago, 3), hours=5)
        if done_at < now:
            reception.complete_work_order(work_order, "已维修完毕，业主确认", by=contact.responsible,
                                          repair_kind=RepairKind.MAJOR if rng.random() < 0.2 else RepairKind.ORDINARY,
                                          now=done_at)
            if work_order.repeat_repair:
                return  # its leader revisits in person: left for him in the demo
            major = work_order.repair_kind == RepairKind.MAJOR
            satisfaction = rng.choice([5, 4, 4, 3])
            reception.record_repair_revisit(
                work_order, by=contact.responsible, way=RepairRevisitWay.ON_SITE if major else RepairRevisitWay.PHONE,
                at=done_at + timedelta(hours=2), result="业主对维修结果满意", satisfaction=satisfaction,
                now=done_at + timedelta(hours=2))
            reception.close_contact(contact, "维修完成，已回访", ReplyMethod.PHONE, satisfaction,
                                    by=contact.responsible, now=done_at + timedelta(hours=2))
