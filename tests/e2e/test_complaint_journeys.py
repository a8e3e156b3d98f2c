"""Complaint journeys in the browser: a collective complaint of 10 people is major and reaches
every group leader's bell; three complainants of one matter make it important and a leader
comments; a branch files a complaint it handled and the center accepts it."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.steps import (
    XSS, bell_count, flash, follow, id_in_url, register_complaint, section, submit, unique, unique_phone,
)


def test_collective_complaint_of_ten_is_major_and_rings_each_leaders_bell(journey, run_jobs):
    leaders = {name: journey(name) for name in ("lingdao", "lingdao2")}
    before = {}
    for name, j in leaders.items():
        j.login(name)
        before[name] = bell_count(j.page)
        j.shot("bell-before")

    subject = unique("十户业主集体投诉地库渗水-")
    kefu = journey("kefu")
    kefu.login("kefu")
    complaint_id = register_complaint(kefu, name=unique("业主代表"), phone=unique_phone(), subject=subject,
                                      description="地下车库多处渗水，十户业主联名投诉", people=10)
    page = kefu.page
    expect(page.locator("hgroup .tag.major")).to_have_text("重大")
    expect(page.locator("hgroup")).to_contain_text("10")
    serial = page.locator("h1").inner_text().replace("投诉", "").strip()
    # every group leader has been reported to, automatically
    expect(section(page, "领导")).to_contain_text("陈总")
    expect(section(page, "领导")).to_contain_text("刘副总")
    kefu.shot("major-complaint")

    run_jobs()  # reminders are delivered by the worker; the bell must hold the complaint afterwards

    for name, j in leaders.items():
        page = j.go("/")
        expect(page.locator("a.bell .badge")).to_be_visible()
        assert bell_count(page) >= before[name] + 1, (name, before[name], bell_count(page))
        j.shot("bell-after")
        follow(page, "通知", exact=False)
        row = page.locator("tr", has_text=serial).first
        expect(row).to_contain_text("重大投诉")
        expect(row).to_contain_text(subject)
        j.shot("notification-list")
        with page.expect_navigation():
            row.get_by_role("button", name="打开").click()
        expect(page).to_have_url(f"{j.base_url}/complaints/{complaint_id}")
        expect(page.locator("hgroup .tag.major")).to_have_text("重大")
        j.shot("complaint-opened-from-bell")
        assert j.dialogs == []


def test_three_complainants_of_one_matter_make_it_important_and_a_leader_comments(journey):
    subject = unique("样板间宣传与交付标准不符-")
    first_description = "客户认为交付标准低于样板间 " + XSS
    kefu = journey("kefu")
    kefu.login("kefu")
    ids = [register_complaint(kefu, name=unique("投诉人甲"), phone=unique_phone(), subject=subject,
                              description=first_description, category="销售管理")]
    expect(kefu.page.locator("hgroup .tag")).to_have_text("一般")
    ids.append(register_complaint(kefu, name=unique("投诉人乙"), phone=unique_phone(), subject=subject,
                                  description="同一问题，第二位客户", category="销售管理", matter_subject=subject))
    expect(kefu.page.locator("hgroup .tag")).to_have_text("一般")
    ids.append(register_complaint(kefu, name=unique("投诉人丙"), phone=unique_phone(), subject=subject,
                                  description="同一问题，第三位客户", category="销售管理", matter_subject=subject))
    page = kefu.page
    expect(page.locator("hgroup .tag.important")).to_have_text("重要")
    expect(section(page, "投诉情况")).to_contain_text("3")
    kefu.shot("third-complainant-important")
    # the earlier complaints of the matter became important too
    for complaint_id in reversed(ids[:2]):
        page = kefu.go(f"/complaints/{complaint_id}")
        expect(page.locator("hgroup .tag.important")).to_have_text("重要")
    # the first one carries the XSS canary in its description: shown as text
    expect(section(page, "投诉情况")).to_contain_text(XSS)
    kefu.shot("first-complaint-now-important")

    leader = journey("lingdao")
    leader.login("lingdao")
    page = leader.go(f"/complaints/{ids[2]}")
    expect(page.locator("hgroup .tag.important")).to_have_text("重要")
    follow(page, "领导意见/批示")
    comment = "请营销部三日内拿出整改方案 " + XSS
    page.fill("#body", comment)
    page.check("#is_instruction")
    leader.shot("comment-form")
    submit(page, "保存")
    expect(flash(page)).to_contain_text("意见已记录")
    expect(page.locator("blockquote").filter(has_text="请营销部三日内")).to_contain_text(comment)
    expect(page.locator("blockquote").filter(has_text="请营销部三日内")).to_contain_text("陈总")
    leader.shot("comment-shown")

    page = kefu.go(f"/complaints/{ids[2]}")
    expect(page.locator("blockquote").filter(has_text="请营销部三日内")).to_be_visible()
    kefu.go(f"/complaints/?q={subject}")
    expect(kefu.page.locator("table")).to_contain_text(subject)
    kefu.shot("complaint-list")
    assert kefu.dialogs == [] and leader.dialogs == []


def test_branch_files_a_complaint_it_handled_and_the_center_accepts_it(journey):
    subject = unique("物业维修响应慢-")
    branch = journey("fgs1_kefu")
    branch.login("fgs1_kefu")
    page = branch.go("/complaints/filings/new")
    expect(page.locator("h1")).to_contain_text("备案")
    page.fill("#complainant_name", unique("业主"))
    page.fill("#complainant_phone", unique_phone())
    page.select_option("#project_id", label="阳光花园")
    page.select_option("#category_id", label="物业管理")
    page.fill("#subject", subject)
    page.fill("#description", "业主反映报修三天无人上门")
    page.fill("#resolution", "分公司已安排维修并向业主致歉")
    page.fill("#cause_analysis", "维修派单未及时跟进")
    page.fill("#corrective_measures", "建立报修当日回访机制")
    branch.shot("filing-form")
    submit(page, "保存并报中心备案")
    expect(flash(page)).to_contain_text("已保存")
    complaint_id = id_in_url(page, r"/complaints/(\d+)$")
    filing = section(page, "分子公司备案")
    expect(filing).to_contain_text("第一房产分公司")
    expect(filing).to_contain_text("已报送")
    branch.shot("filing-submitted")

    center = journey("kefu")
    center.login("kefu")
    page = center.go("/complaints/?filing=submitted")
    expect(page.locator("table")).to_contain_text(subject)
    center.shot("filings-to-review")
    page = center.go(f"/complaints/{complaint_id}")
    follow(page, "接收或退回")
    page.select_option("#decision", "accept")
    center.shot("review-form")
    submit(page, "保存")
    expect(flash(page)).to_contain_text("审批结果已记录")
    expect(section(page, "分子公司备案")).to_contain_text("已接收")
    center.shot("filing-accepted")

    page = branch.go(f"/complaints/{complaint_id}")
    expect(section(page, "分子公司备案")).to_contain_text("已接收")
    branch.shot("branch-sees-accepted")
    assert branch.dialogs == [] and center.dialogs == []
