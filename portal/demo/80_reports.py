"""Demo reports: last month's company-wide Customer Service Analysis Report, written, signed off
by the center manager (``zhuren``) and submitted to the leaders, so its frozen figures and the
leaders' notification are there to look at."""
from __future__ import annotations

from portal.demo import DemoContext
from portal.extensions import db
from portal.services import report_figures as rf
from portal.services import reports
from portal.services.clock import local_date, now_utc
from portal.services.revisit_rules import add_months

NARRATIVE = """一、投诉情况：本月投诉主要集中在工程质量类（外墙渗水、门窗密封），已督促工程部逐户排查并返修。
二、首次回复：个别投诉因节假日值班衔接不及时超过48小时，已调整值班表，要求受理当日即电话回复。
三、回访与客户反馈：签约客户例行回访按计划推进，客户对物业服务响应速度的意见较集中，已以工作联系单形式转物业公司。
四、下月重点：跟进重复投诉事项的整改结果，对整改完成的客户逐一回访。"""


def seed(ctx: DemoContext) -> None:
    manager = ctx.users.get("zhuren")
    if manager is None:
        return
    month = add_months(local_date(now_utc()).replace(day=1), -1)
    report = reports.save_narrative(month, rf.Scope(), NARRATIVE, by=manager)
    reports.sign(report, by=manager)
    reports.submit(report, by=manager)
    db.session.commit()
