"""The problem list's sheet format: headers and their aliases, Chinese labels, the date forms
offices write, numbered measures — pure functions, no database — and the blank template."""

import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from issues.bounds import DATE_MAX, DATE_MIN
from issues.models import Origin, RectifyType, Severity, Source

TITLE_LENGTH = 60
TEMPLATE_ROWS = 20000  # rows the template's drop-down lists cover

# field → the headers offices use for it (normalised: no spaces, no "*", full-width parens).
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("问题标题", "标题", "问题名称"),
    "description": (
        "问题描述",
        "具体表现",
        "问题表现",
        "问题描述（具体表现）",
        "存在的问题",
        "存在问题",
        "问题内容",
    ),
    "source": ("问题来源", "来源"),
    "category": ("问题类别", "问题归类", "问题分类", "类别"),
    "origin": ("增量/存量", "增量存量", "增量或存量", "存量/增量"),
    "target": ("整改目标", "整改标准"),
    "measures": ("整改措施", "措施"),
    "responsible_leader": ("责任领导", "分管领导", "责任领导（分管领导）"),
    "lead_unit": ("牵头单位", "牵头整改部门", "牵头部门", "责任单位", "主责单位"),
    "cooperating_units": ("配合单位", "配合部门", "责任单位（配合单位）", "协办单位"),
    "owner": ("责任人", "整改责任人"),
    "rectify_type": ("整改类型", "整改方式"),
    "due_date": ("整改时限", "完成时限", "整改期限", "完成时间"),
    "remark": ("备注",),
    "severity": ("严重程度",),
    "amount": ("涉及金额", "涉及金额（万元）"),
    "campaign": ("专项整治", "专项整治名称"),
}
# Columns of our own exports (and common ledgers) that carry no input: read past them.
IGNORED_HEADERS = frozenset(
    {
        "序号",
        "问题编号",
        "整改进展",
        "整改情况",
        "整改状态",
        "完成情况",
        "预警",
        "亮灯状态",
        "销号时间",
        "原定时限",
        "延期",
        "销号情况",
        "佐证材料",
        "建章立制",
        "审计项目",
        "主要原因",
        "下一步措施",
    }
)
REQUIRED = ("description", "lead_unit")


def normalise_header(value) -> str:
    text = re.sub(r"\s+", "", str(value or "")).replace("*", "").replace("＊", "")
    return text.replace("(", "（").replace(")", "）")


HEADER_FIELDS = {normalise_header(a): name for name, aliases in ALIASES.items() for a in aliases}


def _labels(choices, extra: dict[str, str]) -> dict[str, str]:
    """Label → value, plus the values themselves and common synonyms."""
    table = {str(label): value for value, label in choices.choices}
    table.update({value: value for value in choices.values})
    table.update(extra)
    return table


SOURCE_LABELS = _labels(
    Source,
    {
        "审计": Source.AUDIT,
        "群众信访": Source.PETITION,
        "信访": Source.PETITION,
        "调研": Source.RESEARCH,
        "检视": Source.SELF_EXAMINATION,
        "民主生活会": Source.SELF_EXAMINATION,
        "交办": Source.ASSIGNED_BY_SUPERIOR,
    },
)
RECTIFY_LABELS = _labels(
    RectifyType,
    {
        "即知即改": RectifyType.IMMEDIATE,
        "立查立改": RectifyType.IMMEDIATE,
        "限期": RectifyType.TIME_BOUND,
        "分阶段": RectifyType.PHASED,
        "持续整改": RectifyType.LONG_TERM,
        "长期整改": RectifyType.LONG_TERM,
        "长期": RectifyType.LONG_TERM,
    },
)
ORIGIN_LABELS = _labels(Origin, {"增量问题": Origin.NEW, "存量问题": Origin.LEGACY})
SEVERITY_LABELS = _labels(Severity, {})
LONG_TERM_WORDS = frozenset({"长期坚持", "长期", "持续整改", "长期整改"})


# --- cell parsers: each returns a value or raises CellError with the reason ----------------------


class CellError(ValueError):
    pass


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


LONG_TERM = "long_term"  # parse_due's answer for 长期坚持
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(前|之前)?$")
_YM_END = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(底|末|份)?\s*(前|之前)?$")
_Y_END = re.compile(r"^(\d{4})\s*年\s*(底|末)\s*(前|之前)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def parse_due(value):
    """A date within DATE_MIN … DATE_MAX, LONG_TERM for 长期坚持, or None when blank."""
    due = _parse_due(value)
    if isinstance(due, dt.date) and not DATE_MIN <= due <= DATE_MAX:
        raise CellError(f"整改时限须在 {DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()} 之间。")
    return due


def _parse_due(value):
    """A date, LONG_TERM for 长期坚持, or None when blank.

    2024-03-31, 2024/3/31, 2024.3.31, 2024年3月31日(前), 20240331, Excel date cells and serial
    numbers, and the month/year ends offices write: 2024年3月底(前), 2024年底(前).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 100000:  # an Excel serial date in a cell not formatted as a date
            return from_excel(value).date()
        raise CellError(f"无法识别的日期“{cell_text(value)}”。")
    text = cell_text(value)
    if not text:
        return None
    if text in LONG_TERM_WORDS:
        return LONG_TERM
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", text)  # "2024-03-31 00:00:00"
    try:
        if m := _YMD.match(text) or _COMPACT.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YM_END.match(text):
            return _month_end(int(m[1]), int(m[2]))
        if m := _Y_END.match(text):
            return dt.date(int(m[1]), 12, 31)
    except ValueError:
        pass
    raise CellError(f"无法识别的日期“{text}”，请填写如 2024-03-31 或 2024年3月31日，或“长期坚持”。")


def parse_choice(value, table: dict[str, str], what: str):
    text = cell_text(value)
    if not text:
        return None
    if text in table:
        return table[text]
    allowed = "、".join(dict.fromkeys(k for k in table if not k.isascii()))
    raise CellError(f"无法识别的{what}“{text}”，可填：{allowed}。")


def parse_amount(value):
    text = cell_text(value).replace(",", "").replace("，", "").removesuffix("万元")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f"涉及金额“{text}”不是数字。") from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise CellError("涉及金额超出范围。")
    return amount.quantize(Decimal("0.01"))


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CHINESE = "一二三四五六七八九十"
MARKERS = (
    lambda n: rf"{n}\s*[.．、)）]",  # 1. 1． 1、 1)
    lambda n: rf"[（(]\s*{n}\s*[)）]",  # （1） (1)
    lambda n: re.escape(CIRCLED[n - 1]) if n <= len(CIRCLED) else None,  # ①
    lambda n: rf"{CHINESE[n - 1]}\s*[、.．]" if n <= len(CHINESE) else None,  # 一、
)
_SEPARATOR = r"(?:^|(?<=[\n；;。]))\s*"


def split_measures(text: str) -> list[str]:
    """Numbered lines or items (1. / 1、 / （1） / ① / 一、) become separate measures.

    Items are cut only at the next number in sequence, at a line start or after 。；, so
    "落实资金2.5万元" stays whole. Text without numbering is one measure.
    """
    text = (text or "").strip()
    if not text:
        return []
    for marker in MARKERS:
        first = re.match(rf"\s*{marker(1)}\s*", text)
        if not first:
            continue
        items, start, n = [], first.end(), 2
        while True:
            pattern = marker(n)
            found = pattern and re.compile(_SEPARATOR + pattern + r"\s*", re.M).search(text, start)
            if not found:
                items.append(text[start:])
                break
            items.append(text[start : found.start()])
            start, n = found.end(), n + 1
        items = [item.strip().rstrip("；;").strip() for item in items]
        return [item for item in items if item]
    return [text]


def split_names(text: str) -> list[str]:
    return [name for name in re.split(r"[、,，;；/\n\s]+", text) if name]


def derive_title(description: str) -> str:
    first = re.split(r"[。；;\n]", description.strip(), maxsplit=1)[0].strip()
    return first[:TITLE_LENGTH] or description[:TITLE_LENGTH]


# --- the blank template ------------------------------------------------------------------------

TEMPLATE_COLUMNS = (
    ("序号", "示例", 6),
    ("问题来源", "巡察", 12),
    ("问题类别", "工作作风", 12),
    ("问题描述", "部分村务公开不及时，群众反映公开栏内容长期未更新。", 40),
    ("整改目标", "村务按月公开，群众知晓率明显提高。", 26),
    (
        "整改措施",
        "1. 全面排查各村公开栏\n2. 建立按月公开制度（责任单位：财政局；责任人：王五）\n3. 开展专项督查",
        36,
    ),
    ("责任领导", "张三", 10),
    ("牵头单位", "民政局", 14),
    ("配合单位", "财政局、农业农村局", 16),
    ("责任人", "李四", 10),
    ("整改类型", "限期整改", 12),
    ("整改时限", "2024-12-31", 14),
    ("增量/存量", "存量", 10),
    ("备注", "", 16),
)
TEMPLATE_NOTES = (
    ("说明", ""),
    ("表头", "按列名识别，列的顺序不限；表头可在前 5 行内（上方可有标题行）。"),
    (
        "必填",
        "问题描述、牵头单位；整改时限（未填时取批次的默认整改时限，“长期坚持”表示长期整改）。",
    ),
    ("示例行", "序号为“示例”的行不会导入，可直接删除。"),
    ("问题来源", "、".join(str(label) for label in Source.labels)),
    ("问题类别", "须为系统类别字典中的名称。"),
    ("整改措施", "每条措施一行并编号，如“1. …”“2、…”“（1）…”“①…”，每条成为一项整改措施。"),
    (
        "措施分工",
        "措施默认由牵头单位负责、时限同问题。由配合单位或具体人员负责的，在该条末尾加括号注明，"
        "如“2. 建立制度（责任单位：财政局；责任人：王五；完成时限：2024年11月底前）”，三项可只填其一。"
        "责任单位须为牵头单位或“配合单位”列中的单位；责任人须为该单位人员；完成时限不得晚于整改时限。",
    ),
    (
        "单位",
        "牵头单位、配合单位填单位全称、简称或代码，须在您的管辖范围内；多个配合单位用“、”分隔。",
    ),
    ("责任领导/责任人", "填用户名或姓名，须为系统中的用户。"),
    ("整改类型", "、".join(str(label) for label in RectifyType.labels)),
    (
        "整改时限",
        "2024-03-31、2024/3/31、2024.3.31、2024年3月31日、2024年3月底前、Excel 日期，或“长期坚持”。",
    ),
    ("增量/存量", "增量 或 存量；未填为增量。"),
    (
        "可选列",
        "问题标题（未填时取问题描述的第一句）、专项整治、严重程度（一般/较重/严重）、涉及金额（万元）。",
    ),
    ("其他列", "不认识的列写入备注（“列名：内容”）。"),
    (
        "导入",
        "先“试导入”检查，所有错误按行号、列名列出；正式导入时只要有一行有误，整张表都不导入。",
    ),
)


def import_template_xlsx() -> bytes:
    """The blank list: headers, one example row (skipped on import) and a 说明 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for col, (header, example, width) in enumerate(TEMPLATE_COLUMNS, 1):
        head = ws.cell(1, col, header)
        head.font, head.fill = bold, PatternFill("solid", fgColor="D9E1F2")
        cell = ws.cell(2, col, example)
        cell.alignment, cell.data_type = wrap, "s"
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    lists = {
        "问题来源": Source.labels,
        "整改类型": RectifyType.labels,
        "增量/存量": Origin.labels,
    }
    for col, (header, _, _) in enumerate(TEMPLATE_COLUMNS, 1):
        if header in lists:
            choices = ",".join(str(label) for label in lists[header])
            rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            rule.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{TEMPLATE_ROWS}")
            ws.add_data_validation(rule)
        if header == "整改时限":
            for row in range(2, 1002):
                ws.cell(row, col).number_format = "@"  # keep typed dates as text
    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    for row, (label, text) in enumerate(TEMPLATE_NOTES, 1):
        notes.cell(row, 1, label).font = bold
        notes.cell(row, 2, text).alignment = wrap
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
