"""A realistic month of complaints in every state: new and overdue first replies, progress
contacts, a matter that reaches its third complainant, a major complaint reported to the
group's leaders with their instructions, resolved/revisited/archived ones, a reopened one,
work contact forms, and branch filings (draft, overdue, submitted, returned, accepted)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.demo import DemoContext
from portal.extensions import db
from portal.models import ComplaintCategory
from portal.models.complaint import Channel, ContactWay
from portal.services import complaints as svc
from portal.services.clock import local_date, now_utc

SUBJECTS = {
    "engineering_quality": [("外墙渗水", "雨后卧室外墙渗水，墙面发霉起皮。"), ("地下车库积水", "车库B区下雨后积水严重，车辆无法进出。"),
                            ("电梯频繁故障", "电梯一周内停运三次，老人上下楼困难。"), ("卫生间返味", "卫生间地漏返臭味，影响正常使用。")],
    "sales_management": [("房产证办理延迟", "交房已满一年仍未办理房产证。"), ("销售承诺未兑现", "销售时承诺的车位优惠未兑现。")],
    "property_management": [("物业费收费标准", "物业费比合同约定标准偏高。"), ("小区安保松懈", "夜间外来人员随意进出小区。"),
                            ("绿化养护不到位", "小区草坪大面积枯死无人养护。")],
    "customer_service": [("客服人员态度差", "电话咨询时客服人员态度生硬、推诿。")],
    "other": [("周边施工噪音", "小区东侧工地夜间施工噪音扰民。")],
}
NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "徐鹏", "孙娜", "马超", "朱琳",
         "胡军", "郭婷", "何勇", "高燕", "林峰", "罗莉", "郑浩", "梁雪", "谢斌", "宋佳"]


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    users = ctx.users
    staff, staff2, manager = users["kefu"], users["kefu2"], users["zhuren"]
    leader = users["lingdao"]
    categories = {c.code: c for c in db.session.scalars(select(ComplaintCategory))}
    engineering = ctx.units["工程部"]
    now = now_utc()
    phones = iter(f"139{n:08d}" for n in rng.sample(range(10_000_000, 99_999_999), 60))
    names = iter(rng.sample(NAMES, len(NAMES)) * 3)

    def complaint(days_ago: float, code: str, *, matter=None, subject=None, by=None, **kw):
        received = now - timedelta(days=days_ago)
        unit = kw.pop("unit", engineering if code == "engineering_quality" else None)
        subj, description = subject or rng.choice(SUBJECTS[code])
        project = kw.pop("project", None) or rng.choice(ctx.projects)
        data = svc.ComplaintInput(
            received_at=received, channel=kw.pop("channel", rng.choice(list(Channel))), project_id=project.id,
            category_id=categories[code].id, subject=subj, description=description, complainant_name=next(names),
            complainant_phone=next(phones), room=f"{rng.randint(1, 12)}-{rng.randint(1, 3)}-{rng.randint(1, 18)}0{rng.randint(1, 4)}",
            responsible_unit_id=unit.id if unit else None,
            handler_id=(by or staff).id, **kw)
        return svc.register_complaint(data, by=by or staff, matter=matter, now=received + timedelta(minutes=10))

    def contact(c, hours_after: float, text: str, by=None):
        at = c.received_at + timedelta(hours=hours_after)
        svc.add_contact(c, contacted_at=at, way=rng.choice([ContactWay.PHONE, ContactWay.PHONE, ContactWay.VISIT]),
                        content=text, by=by or staff, now=at + timedelta(minutes=5))

    def resolve(c, days_after: float, resolution: str, cause: str):
        at = c.received_at + timedelta(days=days_after)
        svc.transition(c, "start", by=staff, now=c.received_at + timedelta(hours=1))
        contact(c, 6, "已告知客户处理方案及预计完成时间。")
        svc.transition(c, "resolve", {"resolution": resolution, "cause_analysis": cause}, by=staff, now=at)
        return at

    # received, first reply overdue / due soon / answered and in progress
    complaint(2.6, "property_management")
    complaint(0.2, "customer_service", unit=None)
    c = complaint(1.5, "sales_management", unit=ctx.units["营销部"])
    svc.transition(c, "start", by=staff, now=c.received_at + timedelta(hours=2))
    contact(c, 20, "已联系营销部核实，两日内答复。")
    c = complaint(6, "property_management", by=staff2)
    svc.transition(c, "start", by=staff2, now=c.received_at + timedelta(hours=1))
    contact(c, 10, "已转物业公司处理，告知客户处理方案。", by=staff2)  # progress contact now overdue

    # one matter reaching its third distinct complainant: every open complaint becomes important
    project = ctx.projects[0]
    first = complaint(18, "engineering_quality", subject=SUBJECTS["engineering_quality"][1], project=project)
    svc.transition(first, "start", by=staff, now=first.received_at + timedelta(hours=2))
    contact(first, 12, "工程部已安排排水检查。")
    second = complaint(9, "engineering_quality", matter=first.matter, subject=SUBJECTS["engineering_quality"][1],
                       project=project)
    third = complaint(3, "engineering_quality", matter=first.matter, subject=SUBJECTS["engineering_quality"][1],
                      project=project)
    svc.report_to_leaders(third, [leader], "同一事项30天内第三位业主投诉，已升级为重要投诉。", by=manager,
                          now=third.received_at + timedelta(hours=5))

    # a collective complaint exposed by the media: major, the group's leaders told at once
    major = complaint(4, "engineering_quality", subject=SUBJECTS["engineering_quality"][2], people_count=15,
                      media_exposed=True, project=ctx.projects[2])
    svc.transition(major, "start", by=manager, now=major.received_at + timedelta(hours=1))
    contact(major, 3, "主任带队上门，向业主代表说明维修计划。", by=manager)
    svc.add_leader_comment(major, leader, "请工程部立即组织维保单位排查，每日向我汇报进度。", is_instruction=True,
                           now=major.received_at + timedelta(hours=4))
    contact(major, 50, "电梯控制柜已更换，告知业主代表进度。")

    # resolved, revisited, archived; one archived complaint reopened as a second complaint
    c = complaint(12, "property_management")
    resolve(c, 3, "物业公司已加强夜间巡逻并增设门禁。", "安保人员配置不足，门禁损坏未及时维修。")
    c = complaint(20, "sales_management", unit=ctx.units["营销部"])
    resolve(c, 5, "营销部已兑现车位优惠。", "销售承诺未书面记录，交接遗漏。")
    svc.record_revisit(c, "客户对处理结果满意。", 4, staff2, now=c.resolved_at + timedelta(days=1))
    archived = []
    for days, code, resolution, cause in ((27, "engineering_quality", "已重做外墙防水。", "防水层施工不规范。"),
                                          (24, "other", "已协调施工方调整夜间作业时间。", "周边工地夜间施工。"),
                                          (16, "engineering_quality", "已疏通地漏并加装存水弯。", "排水设计缺少存水弯。")):
        c = complaint(days, code)
        at = resolve(c, 2, resolution, cause)
        svc.record_revisit(c, "回访客户，表示满意。", rng.choice([4, 5]), staff, now=at + timedelta(days=1))
        svc.transition(c, "archive", {"corrective_measures": "对同类问题逐户排查整改。",
                                      "preventive_measures": "在验收标准中增加相应检查项。"},
                       by=manager, now=at + timedelta(days=2))
        archived.append(c)
    form = svc.send_contact_form(archived[0], to_unit=engineering, proposal="建议在外墙防水施工中增加闭水试验环节。",
                                 reply_due_on=None, by=manager, now=archived[0].archived_at + timedelta(hours=2))
    svc.reply_contact_form(form, "已修订外墙防水施工工艺标准，增加闭水试验。", by=users["gongcheng"],
                           now=archived[0].archived_at + timedelta(days=1))
    svc.send_contact_form(archived[2], to_unit=engineering, proposal="建议新项目卫生间排水统一加装存水弯。",
                          reply_due_on=local_date(now) + timedelta(days=5), by=manager,
                          now=archived[2].archived_at + timedelta(hours=3))
    svc.reopen(archived[1], received_at=now - timedelta(days=2), channel=Channel.PHONE,
               description="施工方又恢复夜间施工，噪音依旧。", by=staff, now=now - timedelta(days=2) + timedelta(minutes=10))

    # branch filings: a draft past its due date, submitted, returned, accepted; and a forwarded complaint
    today = local_date(now)
    for username, closed_days_ago, action in (("fgs1_kefu", 6, None), ("fgs1_kefu", 1, "submit"),
                                              ("fgs2_kefu", 8, "return"), ("wuye_kefu", 10, "accept")):
        clerk = users[username]
        unit = clerk.org_unit
        closed_on = today - timedelta(days=closed_days_ago)
        project = next((p for p in ctx.projects if p.branch_id == unit.id), ctx.projects[0])
        code = "property_management" if unit.name == "物业公司" else "engineering_quality"
        subj, description = rng.choice(SUBJECTS[code])
        data = svc.ComplaintInput(
            received_at=now - timedelta(days=closed_days_ago + 2), channel=Channel.VISIT, project_id=project.id,
            category_id=categories[code].id, subject=subj, description=description, complainant_name=next(names),
            complainant_phone=next(phones), room="2-1-601")
        record = svc.FilingRecord(handled_closed_on=closed_on, resolution="本单位已上门处理完毕，客户认可。",
                                  cause_analysis="日常巡检不到位。", corrective_measures="已整改。",
                                  preventive_measures="增加巡检频次。")
        filed_at = now - timedelta(days=closed_days_ago) + timedelta(hours=2)
        c = svc.register_filing(data, record, unit=unit, by=clerk, now=filed_at)
        if action:
            svc.submit_filing(c, by=clerk, now=filed_at + timedelta(hours=3))
        if action == "return":
            svc.review_filing(c, accept=False, reason="请补充客户确认签字的处理单扫描件。", by=manager,
                              now=filed_at + timedelta(days=1))
        elif action == "accept":
            svc.review_filing(c, accept=True, reason=None, by=staff, now=filed_at + timedelta(days=1))
    clerk = users["fgs2_kefu"]
    svc.forward_to_center(svc.ComplaintInput(
        received_at=now - timedelta(hours=5), channel=Channel.PHONE, project_id=ctx.projects[2].id,
        category_id=categories["sales_management"].id, subject="房产证办理延迟", description="业主反映房产证迟迟未办理，属营销部责任。",
        complainant_name=next(names), complainant_phone=next(phones), room="6-2-1102"),
        unit=clerk.org_unit, by=clerk, now=now - timedelta(hours=4))
    db.session.flush()
