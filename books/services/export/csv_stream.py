"""The ledger as CSV, streamed: UTF-8 with a BOM, cells a spreadsheet will not evaluate."""

import csv
from collections.abc import Iterable

# A spreadsheet evaluates a CSV cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not evaluate: formula starters get a leading quote."""
    return "'" + value if value.startswith(FORMULA_START) else value


class _Echo:
    def write(self, value):
        return value


def iter_csv(headers: list[str], rows: Iterable[list[str]], *, flush_bytes=64 * 1024):
    """UTF-8 with BOM (so Excel reads Chinese), escaped cells, in ~64 KiB pieces."""
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow([csv_safe(h) for h in headers])]
    size = 0
    for row in rows:
        line = writer.writerow([csv_safe(cell) for cell in row])
        buffer.append(line)
        size += len(line)
        if size >= flush_bytes:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    yield "".join(buffer).encode("utf-8")
