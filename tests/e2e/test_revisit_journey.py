"""Journey 6: a complaint is handled and resolved, its complaint revisit appears in the revisit
queue; the revisit done from the queue moves the complaint to 已回访 (revisited)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.steps import flash, follow, register_complaint, section, submit, unique, unique_phone


def test_revisit_from_the_queue_moves_the_complaint_to_revisited(journey):
    complainant = unique("回访客户")
    kefu = journey("kefu")
    kefu.login("kefu")
    complaint_id = register_complaint(kefu, name=complainant, phone=unique_phone(), subject=unique("门禁卡失灵-"),
                                      description="单元门禁卡多次失灵", category="物业管理")
    page = kefu.page
    submit(page, "开始处理")
    expect(flash(page)).to_contain_text("处理中")
    follow(page, "处理完毕")
    page.fill("#resolution", "物业已更换门禁读卡器")
    page.fill("#cause_analysis", "读卡器老化")
    kefu.shot("resolve-form")
    submit(page, "处理完毕")
    expect(flash(page)).to_contain_text("已解决")
    kefu.shot("resolved")

    page = kefu.go("/revisits/")
    page.select_option("select[name=kind]", "complaint")
    page.fill("input[name=q]", complainant)
    with page.expect_response(lambda r: "/revisits/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="筛选").click()
    row = page.locator("#queue tr", has_text=complainant)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("投诉回访")
    kefu.shot("queue")
    with page.expect_navigation():
        row.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(complainant)
    expect(page.locator("main")).to_contain_text(f"#{complaint_id}")
    page.locator("input[name=outcome][value=done]").check()
    page.fill("#answer_0", "满意，门禁已正常")
    page.select_option("#satisfaction", "5")
    page.fill("#summary", "客户对处理结果满意")
    kefu.shot("revisit-form")
    submit(page, "保存")
    expect(flash(page)).to_contain_text("回访已记录")
    expect(page.locator("main")).to_contain_text("客户对处理结果满意")
    kefu.shot("revisit-done")

    page = kefu.go(f"/complaints/{complaint_id}")
    expect(page.locator("hgroup")).to_contain_text("已回访")
    expect(section(page, "处理结果及措施")).to_contain_text("客户对处理结果满意")
    kefu.shot("complaint-revisited")
    assert kefu.dialogs == []
