"""Demo revisits: plans for every purchase there is (and, when the archives brought none, a
handful of demo owners of our own), with a realistic mix of done (mostly in time, some late),
open, overdue and unreachable revisits, problems answered on the spot and follow-ups.

History: plans are first reconciled as of about seven months ago, so the rates page has
past months to show; then as of today.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from portal.demo import DemoContext
from portal.extensions import db
from portal.models import Customer, Purchase
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitMethod, RevisitPlan, RevisitStatus
from portal.services import revisits
from portal.services.clock import now_utc, portal_tz

SURNAMES = "刘陈王李张赵孙周吴郑马胡高林何罗梁宋谢韩"
GIVEN = ["建国", "晓燕", "志强", "秀兰", "伟", "丽娟", "海涛", "敏", "国平", "雅琴", "俊杰", "桂芳", "振华", "静",
         "文博", "淑珍", "宏伟", "佳怡", "立新", "春梅"]
DEMO_OWNERS = 30

ANSWERS = {
    "ok": ["满意", "总体满意", "挺好的，没什么问题", "还可以", "基本满意", "非常满意，工作人员很热情"],
    "meh": ["一般", "有些地方还需要改进", "等待时间有点长"],
}
PROBLEMS = [
    ("卫生间地漏返味，希望派人看一下。", "已告知物业维修部门，明天上午上门处理。"),
    ("小区东门夜间照明不足。", None),
    ("车位租赁价格希望能公示。", "已解释收费标准依据，并告知公示位置。"),
    ("房产证办理进度不清楚。", None),
]


def _demo_owners(ctx: DemoContext, today) -> None:
    """Thirty owners: some just signed, most handed over in the last 14 months, some years ago."""
    rng = ctx.rng
    projects = ctx.projects or []
    if not projects:
        return
    for i in range(DEMO_OWNERS):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        customer = Customer(name=name, phone1=f"13{rng.randint(5, 9)}{rng.randint(10_000_000, 99_999_999)}",
                            phone2=f"15{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if i % 3 == 0 else None)
        db.session.add(customer)
        # spread: a few just signed, most handed over in the last 14 months, some long ago
        if i < 6:
            signing, handover = today - timedelta(days=rng.randint(0, 40)), None
        elif i < 24:
            handover = today - timedelta(days=rng.randint(0, 400))
            signing = handover - timedelta(days=rng.randint(180, 400))
        else:
            handover = today - timedelta(days=rng.randint(800, 1500))
            signing = handover - timedelta(days=rng.randint(180, 400))
        project = projects[i % len(projects)]
        db.session.add(Purchase(customer=customer, project_id=project.id, building=f"{rng.randint(1, 12)}号楼",
                                room=f"{rng.randint(1, 3)}单元{rng.randint(2, 28)}{rng.randint(1, 4):02d}",
                                signing_date=signing, handover_date=handover))
    db.session.flush()


def _local_instant(day, rng, now):
    at = datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), tzinfo=portal_tz())
    return min(at.astimezone(now.tzinfo), now - timedelta(minutes=5))


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    now = now_utc()
    today = revisits.local_today()
    if not db.session.scalar(select(func.count()).select_from(Purchase)):
        _demo_owners(ctx, today)
    revisits.reconcile_all(today - timedelta(days=210))
    revisits.reconcile_all(today)

    staff = [u for u in (ctx.users.get("kefu"), ctx.users.get("kefu2")) if u is not None] or revisits.staff_choices()
    if not staff:
        return
    manager = ctx.users.get("zhuren") or staff[0]
    problems = list(PROBLEMS)
    plans = db.session.scalars(select(RevisitPlan).where(RevisitPlan.status == RevisitStatus.OPEN)
                               .order_by(RevisitPlan.due, RevisitPlan.id)).all()
    for plan in plans:
        by = rng.choice(staff)
        if plan.window_start > today:
            continue
        overdue = plan.due < today
        roll = rng.random()
        if overdue and roll < 0.2 or not overdue and roll < 0.5:
            # not done (yet): some with a failed call, most taken by somebody
            if rng.random() < 0.7:
                plan.assignee_id = by.id
            if rng.random() < 0.4:
                revisits.record_unreachable(plan, by=by, method=RevisitMethod.PHONE,
                                            at=_local_instant(min(plan.due, today), rng, now),
                                            note=rng.choice(["无人接听", "关机", "客户正忙，约好改天再打"]))
            continue
        last_day = min(plan.due, today)
        if overdue and rng.random() < 0.2:  # done, but late
            day = min(plan.due + timedelta(days=rng.randint(1, 12)), today)
        else:
            day = plan.window_start + timedelta(days=rng.randint(0, max((last_day - plan.window_start).days, 0)))
        script = revisits.script_for(plan.kind)
        satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0]
        pool = ANSWERS["ok"] if satisfaction >= 4 else ANSWERS["meh"]
        answers = [(q, rng.choice(pool)) for q in script.questions]
        problem = reply = follow_up = None
        if problems and (satisfaction <= 3 or rng.random() < 0.08):
            problem, reply = problems.pop(0)
            if reply is None:
                # promised two days later: a revisit of last month leaves an overdue follow-up
                at_follow = _local_instant(day, rng, now) + timedelta(days=2)
                follow_up = revisits.FollowUpRequest(owner=rng.choice([manager, *staff]), promised_at=at_follow)
        method = rng.choices([RevisitMethod.PHONE, RevisitMethod.VISIT, RevisitMethod.SMS, RevisitMethod.SURVEY],
                             weights=[75, 10, 5, 10])[0]
        revisits.complete_revisit(plan, by=by, method=method, at=_local_instant(day, rng, now), answers=answers,
                                  satisfaction=satisfaction, summary="客户总体满意。" if satisfaction >= 4 else "客户有改进意见，已记录。",
                                  problem=problem, problem_reply=reply, follow_up=follow_up)
    # one follow-up already answered, so the list shows both kinds
    first = db.session.scalar(select(RevisitFollowUp).where(RevisitFollowUp.status == FollowUpStatus.OPEN)
                              .order_by(RevisitFollowUp.id))
    if first is not None:
        revisits.close_follow_up(first, reply="已协调物业处理完毕，客户表示满意。", by=first.owner)
    db.session.flush()
