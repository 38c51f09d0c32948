"""Reading an uploaded workbook without letting it exhaust the server.

An .xlsx is a zip of XML parts, and openpyxl trusts what it reads: it loads the shared
strings whole, and in read-only mode pads every row to the sheet's declared dimension. A
16 KB file declaring A1:XFD3000 took a dry run from 105 MB to 490 MB; a 100 KB file holding a
100 MB shared string added 200 MB. So, before openpyxl parses anything:

- the archive's parts are checked: each part's and the total uncompressed size, and the
  compression ratio of large parts (zipfile never yields more than a part's declared size,
  so the declared sizes bound what openpyxl can read; the shared strings are one such part);
- the first sheet's declared dimension is refused beyond what a problem list needs;

and then the rows are read lazily, only up to the last needed column (the declared dimension
is ignored), and refused past a row cap.
"""

import zipfile
from collections.abc import Iterator

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from issues.exceptions import InvalidInput

MiB = 1024 * 1024
MAX_PARTS = 1000
# Every part, the shared strings included (openpyxl holds them all in memory). A sheet of
# 32 MiB holds some 900 000 cells: far more than an import's row cap.
PART_MAX_BYTES = 32 * MiB
TOTAL_MAX_BYTES = 96 * MiB
# Real sheets compress 4–60×; a part that shrinks more than this is a bomb, not a ledger.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1 * MiB  # small parts (styles, a few repeated cells) may compress better
MAX_COLUMNS = 100


def _refuse(detail: str, reason: str):
    raise InvalidInput(detail, {"file": [reason]})


def _unreadable():
    _refuse("无法读取该 Excel 文件，请另存为 .xlsx 后重试。", "无法读取该文件。")


def check_archive(upload) -> None:
    """Refuse a workbook whose parts would unpack beyond the limits, before parsing any."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _unreadable()
    upload.seek(0)
    if len(parts) > MAX_PARTS:
        _refuse("该 Excel 文件的内部结构异常（部件过多），未读取。", "文件结构异常。")
    total = 0
    for part in parts:
        size = part.file_size
        total += size
        if size > PART_MAX_BYTES or total > TOTAL_MAX_BYTES:
            _refuse(
                f"该 Excel 文件解压后过大（{part.filename} 超过 {PART_MAX_BYTES // MiB} MiB"
                f" 或合计超过 {TOTAL_MAX_BYTES // MiB} MiB），未读取；请分批导入。",
                "文件解压后过大。",
            )
        if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(part.compress_size, 1):
            _refuse(
                f"该 Excel 文件的 {part.filename} 压缩比异常（超过 {MAX_RATIO} 倍），"
                "可能已损坏或被构造，未读取。",
                "文件压缩比异常。",
            )


class SheetReader:
    """The first sheet of a checked workbook, read lazily: `head(n)` then `rows(...)`."""

    def __init__(self, upload, *, max_rows: int):
        check_archive(upload)
        try:
            self.workbook = load_workbook(upload, read_only=True, data_only=True)
            self.sheet = self.workbook.worksheets[0]
        except Exception:  # any malformed workbook: the user gets one clear message
            _unreadable()
        self.max_rows = max_rows
        try:
            self._check_dimension()
        except BaseException:
            self.close()
            raise
        # Rows are padded to max_col only; never to what the file claims.
        self.sheet.reset_dimensions()

    def _check_dimension(self):
        columns, rows = self.sheet.max_column or 0, self.sheet.max_row or 0
        if columns > MAX_COLUMNS or rows > self.max_rows:
            declared = f"A1:{get_column_letter(min(columns, 16384) or 1)}{rows}"
            _refuse(
                f"工作表声明的范围（{declared}）超过 {self.max_rows} 行或 {MAX_COLUMNS} 列，"
                "未读取；请删除多余的行列后另存为 .xlsx。",
                "工作表范围过大。",
            )

    def close(self):
        self.workbook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def head(self, count: int) -> list[tuple]:
        """The first `count` rows, up to MAX_COLUMNS columns each."""
        rows = self.sheet.iter_rows(max_row=count, max_col=MAX_COLUMNS, values_only=True)
        return [tuple(row) for row in rows]

    def rows(self, *, first: int, columns: int) -> Iterator[tuple[int, tuple]]:
        """(row number, values of the first `columns` columns) from row `first` on. A row
        with content past `max_rows` is refused; blank rows are passed over."""
        rows = self.sheet.iter_rows(min_row=first, max_col=columns, values_only=True)
        for number, values in enumerate(rows, first):
            if number > self.max_rows and any(v not in (None, "") for v in values):
                _refuse(f"工作表超过 {self.max_rows} 行（含表头），请分批导入。", "行数过多。")
            yield number, values
