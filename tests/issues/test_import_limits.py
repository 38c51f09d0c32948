"""A workbook cannot exhaust the server (issue 11): its parts are checked before openpyxl
parses them, a declared dimension beyond a problem list is refused, and rows are read lazily
to the last needed column. Each bomb is refused in well under 2 s with a bounded peak."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from books.services import xlsx_read
from books.services.importer import ImportRejected, problems_import
from books.services.xlsx_read import SheetReader, check_archive
from issues.exceptions import InvalidInput

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def handmade_xlsx(sheet_xml: str, shared_strings=None) -> bytes:
    """A minimal workbook written part by part; `shared_strings` is an iterable of text
    chunks streamed into one <si> (so the test never holds a huge string itself)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = [
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>',
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>',
        ]
        rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
        if shared_strings is not None:
            overrides.append(
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
            )
            rels.append(
                f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{"".join(overrides)}</Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheets><sheet name="问题清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f"{''.join(rels)}</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode())
                for chunk in shared_strings:
                    part.write(chunk)
                part.write(b"</t></si></sst>")
    return out.getvalue()


def sheet(rows_xml: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    )


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + text_cell("A1", "问题描述") + text_cell("B1", "牵头单位") + "</row>"


def dry_run_measured(actor, batch, data: bytes):
    """(the exception the dry run raised, seconds, peak traced bytes)."""
    upload = SimpleUploadedFile("问题清单.xlsx", data)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        problems_import(actor=actor, batch=batch, upload=upload, dry_run=True)
    except InvalidInput as exc:
        raised = exc
    else:
        raised = None
    finally:
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, seconds, peak


def test_it_refuses_a_small_workbook_declaring_a1_xfd3000(cast):
    rows = "".join(f'<row r="{n}">{text_cell(f"A{n}", "问题")}</row>' for n in range(2, 3001))
    data = handmade_xlsx(sheet(HEADER_ROW + rows, dimension="A1:XFD3000"))
    assert len(data) < 24 * 1024

    raised, seconds, peak = dry_run_measured(cast.oa, cast.batch, data)

    assert isinstance(raised, InvalidInput) and not isinstance(raised, ImportRejected)
    assert "A1:XFD3000" in raised.detail and raised.errors == {"file": ["工作表范围过大。"]}
    assert seconds < 2 and peak < 50 * MiB, (seconds, peak)


def test_it_refuses_a_small_workbook_with_a_100_mb_shared_string(cast):
    chunks = (b"a" * MiB for _ in range(100))
    rows = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    data = handmade_xlsx(sheet(HEADER_ROW + rows, dimension="A1:B2"), shared_strings=chunks)
    assert len(data) < 200 * 1024

    raised, seconds, peak = dry_run_measured(cast.oa, cast.batch, data)

    assert isinstance(raised, InvalidInput) and raised.errors.get("file"), raised
    assert "sharedStrings.xml" in raised.detail
    assert seconds < 2 and peak < 50 * MiB, (seconds, peak)


def test_it_reads_only_the_needed_columns_whatever_the_cells_claim(cast):
    """No dimension at all, and every row has a cell far out at XFD: rows are read to the
    last headed column, lazily (read whole and padded to 16 384 cells, 1 000 rows took
    130 MB). An ordinary 1 000-row parse, so only the memory is asserted."""
    rows = "".join(
        f'<row r="{n}">{text_cell(f"A{n}", "问题")}{text_cell(f"XFD{n}", "x")}</row>'
        for n in range(2, 1001)
    )
    data = handmade_xlsx(sheet(HEADER_ROW + rows))

    raised, _seconds, peak = dry_run_measured(cast.oa, cast.batch, data)

    assert isinstance(raised, ImportRejected)  # every row lacks its 牵头单位
    assert {e.column for e in raised.row_errors} == {"牵头单位"}
    assert len(raised.row_errors) == 999
    assert peak < 20 * MiB, peak


# --- the archive check, rule by rule -------------------------------------------------------


def zip_of(parts: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    out.seek(0)
    return out


def refused(upload) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_archive(upload)
    return caught.value.errors["file"][0]


def test_it_refuses_a_part_that_compresses_like_a_bomb():
    assert refused(zip_of({"xl/worksheets/sheet1.xml": b"0" * (8 * MiB)})) == "文件压缩比异常。"


def test_it_refuses_a_part_or_a_total_beyond_the_limits(monkeypatch):
    monkeypatch.setattr(xlsx_read, "PART_MAX_BYTES", 64 * 1024)
    monkeypatch.setattr(xlsx_read, "TOTAL_MAX_BYTES", 96 * 1024)
    noise = bytes(range(256)) * 200  # 51 KB, barely compressible
    assert refused(zip_of({"xl/sharedStrings.xml": noise + noise})) == "文件解压后过大。"
    assert refused(zip_of({"a.xml": noise, "b.xml": noise})) == "文件解压后过大。"
    check_archive(zip_of({"a.xml": noise}))  # within both


def test_it_refuses_too_many_parts_and_what_is_no_zip():
    assert refused(zip_of({f"x/{i}.xml": b"" for i in range(1001)})) == "文件结构异常。"
    assert refused(io.BytesIO(b"PK\x03\x04 not really a zip")) == "无法读取该文件。"


def test_it_refuses_content_past_the_row_cap_but_not_blank_rows():
    rows = "".join(f'<row r="{n}">{text_cell(f"A{n}", f"第{n}行")}</row>' for n in range(1, 12))
    data = handmade_xlsx(sheet(rows + '<row r="40"/>'))  # no dimension; a blank row far below
    with SheetReader(io.BytesIO(data), max_rows=11) as reader:
        assert next(values for _n, values in reader.rows(first=11, columns=1)) == ("第11行",)
    with pytest.raises(InvalidInput, match="超过 10 行"):
        with SheetReader(io.BytesIO(data), max_rows=10) as reader:
            list(reader.rows(first=1, columns=1))


def test_it_refuses_a_declared_dimension_beyond_the_row_cap():
    data = handmade_xlsx(sheet(HEADER_ROW, dimension="A1:B1048576"))
    with pytest.raises(InvalidInput, match="A1:B1048576"):
        SheetReader(io.BytesIO(data), max_rows=20000)
