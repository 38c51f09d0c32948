"""驾驶舱, 管理 and the books' pages in a real browser: the charts carry the right numbers, the
administration works for an office admin and is refused to a unit admin, another unit sees
nothing. Screenshots of every page, for each role that uses it, at laptop and tablet sizes."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from issues.models import Batch, Category, Membership, Problem, Unit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TABLET = {"width": 820, "height": 1180}


def both_sizes(shot, page, name):
    shot(page, f"{name}-1366")
    page.set_viewport_size(TABLET)
    shot(page, f"{name}-820")
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.fixture
def county(cast, make_problem):
    """Counted: 教育局 1 overdue + 1 in progress + 1 assigned + 1 closed + 1 long-term,
    卫健局 1 closed (audit); a draft and a withdrawn one stay outside the totals."""
    theory, _ = Category.objects.get_or_create(name="理论学习")
    cast.late = make_problem("in_progress", title="校舍维修逾期", due_date=dt.date(2026, 2, 20))
    make_problem("in_progress", title="课后服务覆盖不足", category=theory)
    make_problem("assigned", title="食堂管理不规范", category=theory)
    cast.closed = make_problem("closed", title="作业负担过重")
    make_problem("long_term", title="师德师风建设")
    make_problem("draft", title="待交办的草稿")
    make_problem("withdrawn", title="重复登记的问题")
    make_problem("closed", title="医保基金审计问题", lead_unit=cast.unit_b, source="audit")
    return cast


def test_it_charts_a_known_county_with_the_right_numbers(county, as_user, shot):
    page = as_user(county.oa)
    page.get_by_role("link", name="驾驶舱").click()
    expect(page.locator("h1")).to_have_text("驾驶舱")
    expect(page.get_by_test_id("kpi-completion")).to_contain_text("33.3%")
    expect(page.get_by_test_id("kpi-on-time")).to_contain_text("100%")
    expect(page.get_by_test_id("kpi-total")).to_contain_text("6")
    expect(page.get_by_test_id("kpi-overdue")).to_contain_text("1")

    donut = page.get_by_test_id("chart-buckets").locator("svg")
    expect(donut.locator("circle.slice")).to_have_count(4)
    expect(donut.locator("text.legend-value")).to_have_text(["2", "2", "1", "1"])
    expect(donut.locator("text.donut-figure")).to_have_text("33.3%")

    source = page.get_by_test_id("chart-source").locator("svg")
    expect(source.locator("rect.bar")).to_have_count(5)  # 巡察: 4 parts, 审计监督: 1
    expect(source.locator("text.row-total")).to_have_text(
        ["共 5 · 完成率 20%", "共 1 · 完成率 100%"]
    )
    expect(source.locator("text.axis-label")).to_have_text(["巡察", "审计监督"])
    category = page.get_by_test_id("chart-category").locator("svg")
    expect(category.locator("text.row-total")).to_have_count(2)
    expect(category).to_contain_text("理论学习")

    trend = page.get_by_test_id("chart-trend").locator("svg")
    expect(trend.locator("circle.dot")).to_have_count(24)
    expect(trend.locator("text.point-value")).to_have_text(["6", "2"])

    ranking = page.get_by_test_id("ranking").locator("tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.first).to_contain_text("卫健局")
    expect(page.get_by_test_id("overdue-list")).to_contain_text("校舍维修逾期")
    both_sizes(shot, page, "dashboard-oa")

    # The list's filters narrow every number.
    page.select_option("#id_source", "audit")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("kpi-total")).to_contain_text("1")
    expect(page.get_by_test_id("chart-source").locator("rect.bar")).to_have_count(1)
    shot(page, "dashboard-oa-filtered")

    for user in (county.leader, county.head_a, county.viewer_a):
        page = as_user(user)
        page.goto("/dashboard/")
        expect(page.locator("h1")).to_have_text("驾驶舱")
        shot(page, f"dashboard-{user.username}")


def test_it_shows_another_unit_nothing_on_the_dashboard(county, as_user, shot):
    page = as_user(county.outsider)
    page.goto("/dashboard/")
    expect(page.get_by_test_id("kpi-total")).to_contain_text("0")
    expect(page.locator("svg rect.bar")).to_have_count(0)
    main = page.locator("main")
    for text in ("校舍维修逾期", "医保基金审计问题", "教育局", "卫健局"):
        expect(main).not_to_contain_text(text)
    expect(main).to_contain_text("范围内没有逾期问题")
    shot(page, "dashboard-outsider")


def test_it_lets_an_office_admin_administer_and_refuses_a_unit_admin(cast, as_user, shot):
    page = as_user(cast.oa)
    page.get_by_role("link", name="管理").click()
    expect(page.get_by_test_id("unit-tree")).to_contain_text("实验小学")
    shot(page, "manage-units-oa")

    page.get_by_test_id("unit-add").click()
    page.fill("#id_name", "第二实验小学")
    page.fill("#id_code", "DESX")
    page.select_option("#id_kind", "institution")
    page.select_option("#id_parent", str(cast.unit_a.pk))
    shot(page, "manage-unit-new-oa")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("unit-tree")).to_contain_text("第二实验小学")
    school = Unit.objects.get(code="DESX")
    assert school.parent == cast.unit_a

    page.goto(f"/manage/units/{cast.unit_a.pk}/")
    expect(page.get_by_test_id("unit-members")).to_contain_text("admin_a")
    shot(page, "manage-unit-edit-oa")

    page.goto("/manage/users/new/")
    page.fill("#id_username", "zhang_san")
    page.fill("#id_display_name", "张三")
    page.fill("#id_password", "pass-for-zhang")
    page.select_option("#id_unit", str(school.pk))
    page.select_option("#id_role", "unit_admin")
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_test_id("memberships")).to_contain_text("第二实验小学")
    page.select_option("#id_unit", str(cast.unit_a.pk))
    page.select_option("#id_role", "unit_staff")
    page.get_by_role("button", name="授予").click()
    expect(page.get_by_test_id("memberships").locator("li")).to_have_count(2)
    shot(page, "manage-user-oa")
    staff = Membership.objects.get(user__username="zhang_san", role="unit_staff")
    page.get_by_test_id(f"revoke-{staff.pk}").click()
    expect(page.get_by_test_id("memberships").locator("li")).to_have_count(1)
    page.goto("/manage/users/")
    expect(page.get_by_test_id("user-table")).to_contain_text("张三")
    shot(page, "manage-users-oa")

    page.goto("/manage/batches/new/")
    page.fill("#id_name", "2024年审计发现问题")
    page.select_option("#id_source", "audit")
    page.fill("#id_code_prefix", "2024-SJ")
    page.select_option("#id_closeout_chain_3", "leader")
    page.fill("#id_yellow_days", "5")
    both_sizes(shot, page, "manage-batch-new-oa")
    page.get_by_role("button", name="保存").click()
    batch = Batch.objects.get(code_prefix="2024-SJ")
    assert batch.closeout_chain == ["unit_head", "office", "leader"] and batch.yellow_days == 5
    expect(page.get_by_test_id(f"closeout-chain-{batch.pk}")).to_have_text(
        "单位负责人审核 → 整改办审核 → 责任领导审批"
    )
    shot(page, "manage-batches-oa")

    page.goto("/manage/campaigns/")
    page.get_by_test_id("campaign-add").click()
    page.fill("#id_name", "校园食品安全专项整治")
    page.select_option("#id_lead_unit", str(cast.unit_a.pk))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("campaign-table")).to_contain_text("校园食品安全专项整治")
    shot(page, "manage-campaigns-oa")

    page.goto("/manage/webhooks/")
    page.get_by_test_id("webhook-add").click()
    page.select_option("#id_unit", str(cast.unit_a.pk))
    page.fill("#id_url", "https://oapi.dingtalk.com/robot/send?access_token=abc")
    page.select_option("#id_format", "dingtalk")
    page.fill("#id_secret", "secret")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("教育局")
    shot(page, "manage-webhook-oa")
    page.goto("/manage/webhooks/")
    expect(page.get_by_test_id("webhook-table")).to_contain_text("oapi.dingtalk.com")
    both_sizes(shot, page, "manage-webhooks-oa")

    unit = as_user(cast.admin_a)
    expect(unit.locator("nav.mainnav")).not_to_contain_text("管理")
    for path in ("/manage/units/", "/manage/users/", "/manage/batches/", "/manage/webhooks/"):
        response = unit.goto(path)
        assert response.status == 403
        expect(unit.locator("h1")).to_have_text("无权访问")
    shot(unit, "manage-refused-admin_a")


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(["序号", "问题来源", "问题描述", "整改措施", "牵头单位", "整改时限"])
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return {
        "name": "问题清单.xlsx",
        "mimeType": "application/octet-stream",
        "buffer": out.getvalue(),
    }


def test_it_imports_a_list_after_a_dry_run_that_shows_every_bad_row(cast, as_user, shot):
    page = as_user(cast.oa)
    page.goto("/problems/")
    page.get_by_role("link", name="导入问题清单").click()
    page.select_option("#id_batch", str(cast.batch.pk))
    page.set_input_files(
        "#id_file",
        files=[
            _xlsx(
                [
                    [1, "巡查", "来源写错了", "1. 改", "教育局", "2026-06-30"],
                    [2, "巡察", "单位写错了", "1. 改", "教育厅", "2026-06-30"],
                    [3, "巡察", "时限写错了", "1. 改", "教育局", "明年"],
                ]
            )
        ],
    )
    page.get_by_test_id("import-check").click()
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(1)).to_contain_text("教育厅")
    both_sizes(shot, page, "import-errors-oa")
    assert not Problem.objects.exists()

    page.select_option("#id_batch", str(cast.batch.pk))
    page.set_input_files(
        "#id_file",
        files=[
            _xlsx(
                [
                    [
                        1,
                        "巡察",
                        "食堂管理不规范",
                        "1. 建立制度\n2. 定期检查",
                        "教育局",
                        "2026-06-30",
                    ],
                    [2, "巡察", "校车管理不到位", "1. 排查车辆", "卫健局", "2026-07-31"],
                ]
            )
        ],
    )
    page.get_by_test_id("import-check").click()
    expect(page.get_by_test_id("import-ready")).to_contain_text("共 2 个问题")
    shot(page, "import-ready-oa")
    assert not Problem.objects.exists()
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("problem-table").locator("tbody tr")).to_have_count(2)
    shot(page, "import-done-oa")
    assert Problem.objects.filter(status="draft").count() == 2


def test_it_records_follow_ups_and_regulations(county, as_user, shot):
    problem = county.closed
    reviewer = as_user(county.rev)
    reviewer.goto(f"/problems/{problem.pk}/")
    expect(reviewer.get_by_test_id("print-closeout")).to_have_attribute(
        "href", f"/print/problems/{problem.pk}/closeout/"
    )
    reviewer.get_by_test_id("follow-up-add").click()
    reviewer.check("input[name='fu-result'][value='relapsed']")
    reviewer.fill("#id_fu-findings", "作业量统计又回升")
    reviewer.fill("#id_fu-new_due_date", "2026-05-31")
    reviewer.check("#id_fu-confirm_earlier")  # earlier than the problem's 2026-06-30
    reviewer.get_by_test_id("follow-up-submit").click()
    expect(reviewer.get_by_test_id("status")).to_have_text("整改中")
    expect(reviewer.get_by_test_id("follow-ups")).to_contain_text("反弹")
    shot(reviewer, "problem-follow-up-rev")
    reviewer.goto("/problems/follow-ups/")
    expect(reviewer.get_by_test_id("follow-up-table")).to_contain_text(problem.code)
    both_sizes(shot, reviewer, "follow-ups-rev")

    unit = as_user(county.admin_a)
    unit.goto(f"/problems/{problem.pk}/")
    unit.get_by_test_id("regulation-add-for-problem").click()
    unit.fill("#id_name", "中小学作业管理办法")
    unit.fill("#id_doc_no", "教发〔2026〕3号")
    unit.fill("#id_issued_on", "2026-02-25")
    unit.get_by_role("button", name="保存").click()
    expect(unit.get_by_test_id("regulation-table")).to_contain_text("中小学作业管理办法")
    expect(unit.get_by_test_id("regulation-table")).to_contain_text(problem.code)
    both_sizes(shot, unit, "regulations-admin_a")
    unit.goto(f"/problems/{problem.pk}/")
    expect(unit.get_by_test_id("problem-regulations")).to_contain_text("中小学作业管理办法")

    outsider = as_user(county.outsider)
    outsider.goto("/problems/regulations/")
    expect(outsider.locator("main")).not_to_contain_text("中小学作业管理办法")
    outsider.goto("/problems/follow-ups/")
    expect(outsider.locator("main")).not_to_contain_text(problem.code)
    shot(outsider, "follow-ups-outsider")
