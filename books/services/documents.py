"""The 整改情况报告 a county office sends its superiors (SPEC §12): the figures a county report
states — 梳理问题X条，制定整改措施X条… — counted from the ledger, for a batch, a unit or a
campaign, as far as the caller sees. Rendering to Word is books/services/docx_render.py.
"""

from django.db.models import Count, Q
from django.utils import timezone

from books.services import docx_render
from books.services.export import due_text
from issues.exceptions import NotFound
from issues.models import Batch, Measure, RectifyType
from issues.selectors.books import unit_problems, visible_unit
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.scope import visible_campaigns, visible_problems
from issues.selectors.stats import COUNTED, stats_summary
from ledger.checkpoints import print_verification

# 县级领导班子: problems led by a root unit (the county's own leadership); every unit below it
# is one of the 其他县处级领导班子. Reports split the counts this way when both kinds exist.
TOP_LEVEL = Q(lead_unit__parent__isnull=True)


def _selection(user, *, batch_id=None, unit_id=None, campaign_id=None):
    """The problems the report is about, and how its title names them."""
    problems = visible_problems(user)
    names = []
    if unit_id is not None:
        unit = visible_unit(user, unit_id)
        if unit is None:
            raise NotFound("单位不存在。")
        problems = unit_problems(user, unit)
        names.append(unit.name)
    if campaign_id is not None:
        campaign = visible_campaigns(user).filter(pk=campaign_id).first()
        if campaign is None:
            raise NotFound("专项整治不存在。")
        problems = problems.filter(campaign=campaign)
        names.append(campaign.name)
    if batch_id is not None:
        batch = Batch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise NotFound("整改批次不存在。")
        problems = problems.filter(batch=batch)
        names.append(batch.name)
    return problems, "、".join(names)


def _counts(problems) -> dict:
    """Problems and measures in the report's totals, split by leadership level. Two queries."""
    counted = problems.filter(status__in=COUNTED).order_by()
    row = counted.aggregate(
        immediate=Count("pk", filter=Q(rectify_type=RectifyType.IMMEDIATE)),
        top=Count("pk", filter=TOP_LEVEL),
    )
    measures = Measure.objects.filter(problem__in=counted.values("pk")).aggregate(
        all=Count("pk"), top=Count("pk", filter=Q(problem__lead_unit__parent__isnull=True))
    )
    return {
        "immediate": row["immediate"],
        "top_problems": row["top"],
        "top_measures": measures["top"],
        "measures": measures["all"],
    }


def rectification_report_data(*, user, batch_id=None, unit_id=None, campaign_id=None) -> dict:
    problems, scope_name = _selection(
        user, batch_id=batch_id, unit_id=unit_id, campaign_id=campaign_id
    )
    summary = stats_summary(problems)
    counts = _counts(problems)
    figures = {
        "问题总数": summary["total"],
        "整改措施数": counts["measures"],
        "已完成": summary["completed"],
        "完成率": summary["completion_rate"],
        "按期完成率": summary["on_time_rate"],
        "立行立改数": counts["immediate"],
        "长期坚持数": summary["long_term"],
        "逾期数": summary["overdue"],
        "建章立制数": summary["regulations"],
        "县级问题数": counts["top_problems"],
        "县级措施数": counts["top_measures"],
        "其他问题数": summary["total"] - counts["top_problems"],
        "其他措施数": counts["measures"] - counts["top_measures"],
    }
    today = timezone.localdate()
    rows = (
        annotate_deadlines(problems.filter(status__in=COUNTED))
        .select_related("lead_unit")
        .order_by("batch_id", "code", "id")
    )
    table = [
        {
            "seq": i,
            "code": p.code,
            "title": p.title,
            "lead_unit": p.lead_unit.name,
            "due": due_text(p.due_date, p.rectify_type),
            "status": p.get_status_display(),
            "light": Light.LABELS.get(p.light, ""),
            "progress": p.latest_progress,
        }
        for i, p in enumerate(rows.iterator(chunk_size=500), start=1)
    ]
    title = f"关于{scope_name}整改情况的报告" if scope_name else "关于问题整改情况的报告"
    code, line = print_verification()
    return {
        "title": title,
        "verification_code": code,
        "verification": line,
        "scope_name": scope_name,
        "date": today,
        "figures": figures,
        "split": bool(figures["县级问题数"]) and bool(figures["其他问题数"]),
        "paragraphs": report_paragraphs(scope_name, today, figures),
        "table": table,
    }


def report_paragraphs(scope_name: str, today, f: dict) -> list[str]:
    """The report's body, every figure written out as the number itself."""
    when = f"{today.year}年{today.month}月{today.day}日"
    subject = scope_name or "各单位"
    first = f"截至{when}，{subject}共梳理问题{f['问题总数']}条，制定整改措施{f['整改措施数']}条。"
    if f["县级问题数"] and f["其他问题数"]:
        first += (
            f"其中，县级领导班子梳理问题{f['县级问题数']}条，制定整改措施{f['县级措施数']}条；"
            f"其他县处级领导班子梳理问题{f['其他问题数']}条，"
            f"制定整改措施{f['其他措施数']}条。"
        )
    second = (
        f"目前已完成整改{f['已完成']}条，整改完成率{f['完成率']}%，按期完成率{f['按期完成率']}%；"
        f"立行立改{f['立行立改数']}条，长期坚持{f['长期坚持数']}条，逾期未完成{f['逾期数']}条；"
        f"建立完善制度{f['建章立制数']}项。"
    )
    third = (
        "下一步，将持续压实整改责任，对逾期和长期坚持问题逐项跟踪督办，确保问题真改实改、应改尽改。"
    )
    return [first, second, third]


# --- Word ------------------------------------------------------------------------------------


def _placeholders(data: dict) -> dict:
    values = {"标题": data["title"], "范围": data["scope_name"], "日期": _cn_date(data["date"])}
    values.update({k: str(v) for k, v in data["figures"].items()})
    for i, text in enumerate(data["paragraphs"], start=1):
        values[f"正文{i}"] = text
    values["台账校验码"] = data.get("verification_code", "")
    return values


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _table_rows(data: dict) -> list[list]:
    return [[row[key] for _, key, _ in docx_render.TABLE_COLUMNS] for row in data["table"]]


def rectification_report_docx(data: dict) -> bytes:
    """The 整改情况报告: title, the figures in the text, then the problem table."""
    rows = _table_rows(data)
    template = docx_render.office_template("rectification.docx")
    if template is not None:
        return docx_render.fill_template(template, _placeholders(data), rows)
    doc = docx_render.official_document()
    docx_render.title(doc, data["title"])
    for text in data["paragraphs"]:
        docx_render.body(doc, text)
    docx_render.body(doc, "附件：问题整改情况明细表", indent=False)
    headers = [label for label, _, _ in docx_render.TABLE_COLUMNS]
    widths = [width for _, _, width in docx_render.TABLE_COLUMNS]
    docx_render.table(doc, headers, rows, widths)
    docx_render.body(doc, "")
    docx_render.body(doc, _cn_date(data["date"]), align=docx_render.RIGHT, indent=False)
    docx_render.body(doc, data["verification"], indent=False)
    return docx_render.save(doc)


def closeout_form_docx(data: dict) -> bytes:
    """The 销号申请单 (books/services/print_forms/data.py closeout_form_data) as Word, with signatures."""
    values = {label: value for label, value in data["fields"] + data["texts"]}
    values["台账校验码"] = data["verification_code"]
    template = docx_render.office_template("closeout-form.docx")
    if template is not None:
        return docx_render.fill_template(template, values)
    doc = docx_render.official_document()
    docx_render.title(doc, data["title"])
    pairs = [[label, value] for label, value in data["fields"] + data["texts"]]
    docx_render.table(doc, ["项目", "内容"], pairs, [40, 116])
    docx_render.body(doc, "整改措施落实情况", bold=True, indent=False)
    docx_render.table(
        doc,
        ["序号", "措施内容", "责任单位", "时限", "状态"],
        [[m["seq"], m["content"], m["unit"], m["due_date"], m["status"]] for m in data["measures"]],
        [12, 76, 28, 22, 18],
    )
    request = data.get("request")
    if request:
        docx_render.body(doc, "整改完成情况", bold=True, indent=False)
        docx_render.body(doc, request["summary"])
        checks = "；".join(
            f"{label}：{'是' if ok else '否'}" for label, ok in request["self_check"]
        )
        docx_render.body(doc, f"自查情况：{checks}")
    if data["steps"]:
        docx_render.body(doc, "审核意见", bold=True, indent=False)
        docx_render.table(
            doc,
            ["审核环节", "结论", "意见", "审核人", "日期"],
            [
                [s["kind"], s["decision"], s["opinion"], s["reviewer"], s["decided_at"]]
                for s in data["steps"]
            ],
            [30, 18, 60, 24, 24],
        )
    docx_render.body(doc, "")
    for line in data["signatures"]:
        docx_render.body(doc, f"{line}：                    年    月    日", indent=False)
    docx_render.body(doc, data["verification"], indent=False)
    return docx_render.save(doc)
