"""Journey 5: the archive's confidentiality in the browser. A branch user is refused a customer,
requests access to that one customer, the branch leader approves; the user reads the record with
the ID number and phones masked (the full values are nowhere on the page) and is still refused
another customer; the leader revokes the grant and the user is refused again."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.steps import db_scalar, flash, follow, id_in_url, submit, unique, unique_phone, valid_id_number


def test_branch_user_reads_a_customer_only_under_the_leaders_grant(journey, e2e_env):
    name = unique("档案客户")
    id_number = valid_id_number("110101", "19790405")
    phone1, phone2 = unique_phone(), unique_phone()

    center = journey("kefu")
    center.login("kefu")
    page = center.go("/archives/customers/new")
    page.fill("#name", name)
    page.fill("#id_number", id_number)
    page.fill("#phone1", phone1)
    page.fill("#phone2", phone2)
    center.shot("new-customer")
    submit(page, "保存")
    expect(flash(page)).to_contain_text("客户档案已建立")
    customer_id = id_in_url(page, r"/archives/customers/(\d+)$")
    other_id = db_scalar(e2e_env, "SELECT min(id) FROM customer WHERE id <> :id", id=customer_id)

    user = journey("fgs1_kefu")
    user.login("fgs1_kefu")
    page = user.go(f"/archives/customers/{customer_id}")
    expect(page.locator("h1")).to_contain_text("无权访问")
    expect(page.locator("main")).to_contain_text("客户档案保密")
    assert name not in page.content()
    user.shot("refused")
    follow(page, "申请查阅")
    expect(page.locator("#customer_id")).to_have_value(str(customer_id))
    page.fill("#reason", "业主来访核对房号信息")
    user.shot("request-form")
    submit(page, "提交申请")
    expect(flash(page)).to_contain_text("您的申请已提交领导审批")
    request_id = id_in_url(page, r"/archives/requests/(\d+)$")
    user.shot("request-sent")

    leader = journey("fgs1_lingdao")
    leader.login("fgs1_lingdao")
    page = leader.go("/archives/requests/queue")
    row = page.locator("tr", has_text="业主来访核对房号信息")
    expect(row).to_contain_text("孙兼职客服")
    leader.shot("queue")
    follow(page, f"#{request_id}")
    page.locator("input[name=decision][value=approve]").check()
    page.fill("#comment", "同意，限查阅本客户")
    leader.shot("decision")
    submit(page, "提交审批意见")
    expect(flash(page)).to_contain_text("审批结果已记录")
    leader.shot("approved")

    page = user.go(f"/archives/requests/{request_id}")
    expect(page.locator("table")).to_contain_text("已批准")
    follow(page, "打开档案")
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text(f"依据授权 #{request_id} 只读查阅")
    html = page.content()
    assert f"{id_number[:6]}********{id_number[-4:]}" in html
    assert f"{phone1[:3]}****{phone1[-4:]}" in html and f"{phone2[:3]}****{phone2[-4:]}" in html
    for secret in (id_number, phone1, phone2):
        assert secret not in html
    expect(page.get_by_role("button", name="显示完整")).to_have_count(0)  # no reveal under a grant
    user.shot("read-masked")
    page = user.go(f"/archives/customers/{other_id}")
    expect(page.locator("h1")).to_contain_text("无权访问")
    user.shot("other-customer-refused")

    page = leader.go("/archives/requests/queue")
    leader.accept_confirm("确定终止此查阅权限？")
    grant_row = page.locator("tr", has_text=f"#{request_id}").filter(has=page.get_by_role("button", name="撤销授权"))
    with page.expect_navigation():
        grant_row.get_by_role("button", name="撤销授权").click()
    expect(flash(page)).to_contain_text("查阅权限已终止")
    expect(page.locator("table")).to_contain_text("已撤销")
    assert leader.confirms == ["确定终止此查阅权限？"]
    leader.shot("revoked")

    page = user.go(f"/archives/customers/{customer_id}")
    expect(page.locator("h1")).to_contain_text("无权访问")
    assert name not in page.content()
    user.shot("refused-again")
    assert user.dialogs == [] and leader.dialogs == [] and center.dialogs == []
