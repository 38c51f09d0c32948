"""The printable forms as .xlsx: a grid laid out row by row, A4, with signature lines."""

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from books.services.export.xlsx import xlsx_text

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass
class Sheet:
    """A form laid out row by row on a grid of `width` columns."""

    ws: Worksheet
    width: int
    row: int = 0

    def line(self, text, *, bold=False, size=11, align=WRAP, height=None, box=False):
        self.row += 1
        cell = self.ws.cell(self.row, 1, xlsx_text(str(text)))
        cell.data_type = "s"
        cell.font = Font(bold=bold, size=size)
        cell.alignment = align
        self.ws.merge_cells(
            start_row=self.row, start_column=1, end_row=self.row, end_column=self.width
        )
        if box:
            for col in range(1, self.width + 1):
                self.ws.cell(self.row, col).border = BOX
        if height:
            self.ws.row_dimensions[self.row].height = height

    def cells(self, values, *, spans=None, bold=False, label_cols=(), height=None):
        """One row of boxed cells; `spans` gives how many grid columns each value takes."""
        self.row += 1
        spans = spans or [1] * len(values)
        col = 1
        for index, (value, span) in enumerate(zip(values, spans, strict=True)):
            text = "" if value is None else str(value)
            cell = self.ws.cell(self.row, col, xlsx_text(text))
            cell.data_type = "s"
            cell.font = Font(bold=bold or index in label_cols)
            cell.alignment = CENTER if (bold or index in label_cols) else WRAP
            if index in label_cols:
                cell.fill = LABEL_FILL
            for c in range(col, col + span):
                self.ws.cell(self.row, c).border = BOX
            if span > 1:
                self.ws.merge_cells(
                    start_row=self.row,
                    start_column=col,
                    end_row=self.row,
                    end_column=col + span - 1,
                )
            col += span
        if height:
            self.ws.row_dimensions[self.row].height = height

    def blank(self):
        self.row += 1


def _workbook(title: str, widths: list[int], *, landscape=False):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    return wb, Sheet(ws, len(widths))


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _lines(height_per_line: int, *texts: str) -> int:
    """A row height that shows wrapped text (about 40 characters a line on these forms)."""
    lines = sum(max(1, len(t or "") // 40 + 1 + (t or "").count("\n")) for t in texts)
    return max(20, min(400, lines * height_per_line))


def closeout_form_xlsx(data: dict) -> bytes:
    wb, s = _workbook("销号申请单", [14, 34, 14, 34])
    s.line(data["title"], bold=True, size=18, align=CENTER, height=36)
    request = data["request"] or {}
    s.line(
        f"申请日期：{request.get('created_at', '')}　　申请人：{request.get('applicant', '')}"
        f"　　申请状态：{request.get('status', '未申请')}",
        size=10,
    )
    fields = data["fields"]
    for i in range(0, len(fields), 2):
        (a, av), (b, bv) = fields[i], fields[i + 1]
        s.cells([a, av, b, bv], label_cols=(0, 2), height=22)
    for label, text in data["texts"]:
        s.cells([label, text], spans=[1, 3], label_cols=(0,), height=_lines(16, text))
    s.cells(["整改措施及完成情况"], spans=[4], bold=True)
    s.cells(["序号", "措施内容", "责任单位／时限", "完成情况"], bold=True)
    for m in data["measures"]:
        done = "　".join(x for x in (m["status"], m["done_at"], m["done_note"]) if x)
        s.cells(
            [str(m["seq"]), m["content"], f"{m['unit']}\n{m['due_date']}", done],
            height=_lines(16, m["content"], done),
        )
    evidence = "\n".join(
        f"{i}. {e['file_name']}（{e['kind']}{'，' + e['description'] if e['description'] else ''}）"
        for i, e in enumerate(data["evidence"], 1)
    )
    s.cells(
        ["佐证材料", evidence or "无"], spans=[1, 3], label_cols=(0,), height=_lines(16, evidence)
    )
    summary = request.get("summary", "")
    s.cells(["整改完成情况", summary], spans=[1, 3], label_cols=(0,), height=_lines(16, summary))
    checks = "　".join(
        f"{'☑' if ok else '☐'} {label}" for label, ok in request.get("self_check", [])
    )
    s.cells(["自查情况", checks], spans=[1, 3], label_cols=(0,), height=24)
    s.cells(["审核环节", "审核意见", "审核人", "日期"], bold=True)
    for step in data["steps"]:
        opinion = f"{step['decision']}　{step['opinion']}".strip()
        s.cells(
            [step["kind"], opinion, step["reviewer"], step["decided_at"]],
            height=_lines(16, opinion),
        )
    s.blank()
    for signature in data["signatures"]:
        s.line(f"{signature}：＿＿＿＿＿＿＿＿　　　　日期：　　　　年　　月　　日", height=34)
    s.line(data["verification"], size=9)
    return _save(wb)


def unit_report_xlsx(data: dict) -> bytes:
    wb, s = _workbook("整改情况报告", [18, 40, 14, 16, 12, 14], landscape=True)
    s.line(data["title"], bold=True, size=18, align=CENTER, height=36)
    s.line(f"生成时间：{data['generated_at']:%Y-%m-%d %H:%M}", size=10)
    summary = data["summary"]
    s.cells(["总数", "已完成", "正在整改", "其中逾期", "长期坚持", "整改完成率"], bold=True)
    s.cells(
        [
            summary["total"],
            summary["completed"],
            summary["in_progress"],
            summary["overdue"],
            summary["long_term"],
            f"{summary['completion_rate']}%",
        ]
    )
    s.cells(
        [
            "按期完成率",
            f"{summary['on_time_rate']}%",
            "反弹问题",
            summary["reopened"],
            "建章立制",
            len(data["regulations"]),
        ],
        label_cols=(0, 2, 4),
    )
    headers = ["问题编号", "问题", "牵头单位", "整改时限", "预警", "状态／销号时间"]
    sections = [*data["buckets"], ("逾期问题", data["overdue"])]
    for label, rows in sections:
        s.blank()
        s.line(f"{label}（{len(rows)} 项）", bold=True)
        s.cells(headers, bold=True)
        for row in rows:
            s.cells(
                [
                    row["code"],
                    row["title"],
                    row["lead_unit"],
                    row["due"],
                    row["light"],
                    f"{row['status']} {row['closed_at']}".strip(),
                ],
                height=_lines(16, row["title"]),
            )
    s.blank()
    s.line(f"建章立制（{len(data['regulations'])} 项）", bold=True)
    s.cells(["文号", "制度名称", "类型", "印发日期", "制定单位"], spans=[1, 1, 1, 1, 2], bold=True)
    for r in data["regulations"]:
        s.cells(
            [r["doc_no"], r["name"], r["kind"], r["issued_on"], r["unit"]], spans=[1, 1, 1, 1, 2]
        )
    s.blank()
    for signature in ("单位负责人（签字）", "填报人"):
        s.line(f"{signature}：＿＿＿＿＿＿＿＿　　　　日期：　　　　年　　月　　日", height=30)
    s.line(data["verification"], size=9)
    return _save(wb)
