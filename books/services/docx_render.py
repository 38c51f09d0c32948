"""Word documents in official-document layout (党政机关公文格式, GB/T 9704): A4, margins
37/35/28/26 mm, the title in 方正小标宋简体 二号, the body in 仿宋_GB2312 三号 at a fixed 28 pt
line, page numbers "— N —" in 宋体 四号 at the foot.

Fonts are named, not embedded: where a machine lacks 方正小标宋简体 or 仿宋_GB2312, Word and
WPS substitute their own 宋体/仿宋, so the document stays readable (settings DOCX_TITLE_FONT and
DOCX_BODY_FONT name others). An office may lay out its own template instead: a .docx in
settings.DOCX_TEMPLATE_DIR whose text holds {{placeholders}} (docs/word-reports.md lists them);
a paragraph holding only {{问题表}} becomes the problem table.
"""

import io
import re
from pathlib import Path

from django.conf import settings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

LATIN_FONT = "Times New Roman"
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
TABLE_COLUMNS = (
    ("序号", "seq", 10),
    ("问题编号", "code", 28),
    ("问题", "title", 52),
    ("牵头单位", "lead_unit", 24),
    ("整改时限", "due", 22),
    ("整改状态", "status", 20),
)


def _fonts():
    return (
        getattr(settings, "DOCX_TITLE_FONT", "方正小标宋简体"),
        getattr(settings, "DOCX_BODY_FONT", "仿宋_GB2312"),
    )


def _font(run, name: str, size: float, bold=False):
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _paragraph(doc, text="", *, font, size=16, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _page_number_footer(section):
    """ "— N —" centred at the foot of every page (a PAGE field)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), "宋体", 14)
    run = p.add_run()
    _font(run, "宋体", 14)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _font(p.add_run(" —"), "宋体", 14)


def official_document(*, landscape=False):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number_footer(section)
    return doc


def title(doc, text: str):
    title_font, _ = _fonts()
    _paragraph(doc, text, font=title_font, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "", font=title_font, indent=False)


def body(doc, text: str, *, bold=False, align=None, indent=True):
    _, body_font = _fonts()
    return _paragraph(doc, text, font=body_font, bold=bold, align=align, indent=indent)


def table(doc, headers: list[str], rows: list[list], widths_mm: list[int] | None = None):
    """A bordered table in 仿宋 小四 (12 pt), the header row repeated on every page."""
    _, body_font = _fonts()
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, headers, strict=True):
        _font(cell.paragraphs[0].add_run(text), body_font, 12, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    header = t.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for values in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), body_font, 12)
    if widths_mm:
        for row in t.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)
    return t


def save(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- an office's own template -----------------------------------------------------------------


def office_template(name: str):
    """The office's template `name` (e.g. "rectification.docx"), or None to use the built-in."""
    directory = getattr(settings, "DOCX_TEMPLATE_DIR", "")
    if not directory:
        return None
    path = Path(directory) / name
    return Document(str(path)) if path.is_file() else None


def _paragraphs(doc):
    yield from doc.paragraphs
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def fill_template(doc, values: dict, table_rows: list[list] | None = None) -> bytes:
    """Replace {{name}} everywhere (a placeholder split across runs included: the paragraph's
    text goes into its first run); a paragraph that is only {{问题表}} becomes the table."""
    for p in list(_paragraphs(doc)):
        text = p.text
        if not PLACEHOLDER.search(text):
            continue
        if text.strip() in ("{{问题表}}", "{{ 问题表 }}") and table_rows is not None:
            headers = [label for label, _, _ in TABLE_COLUMNS]
            new = table(doc, headers, table_rows)
            p._p.addnext(new._tbl)
            p._p.getparent().remove(p._p)
            continue
        filled = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
        runs = p.runs
        runs[0].text = filled
        for run in runs[1:]:
            run.text = ""
    return save(doc)
