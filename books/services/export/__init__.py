"""The ledger (台账) as .xlsx and .csv (SPEC §7): cells → profiles → rows → CSV or xlsx.

A profile is a list of (header, accessor) pairs; an accessor turns one row — a dict of plain
values, never a model instance — into the text of its cell. Rows are read with
`.values(…).iterator(chunk_size=…)`, and each chunk's many-valued columns (measures,
cooperating units, evidence, regulations) with one `values_list` query each: an export costs a
constant number of queries per chunk (no N+1), builds no model objects, and keeps one chunk in
memory. CSV goes out row by row (csv_stream.iter_csv); the .xlsx writer is xlsx.py.

Which rows: the caller passes a queryset it has already scoped (visible_problems) and
filtered (the problem list's FilterSet). Offices export the 台账 of *counted* problems, so
draft, list_review and withdrawn rows are left out — unless the caller's filter asked for
states explicitly (`include_uncounted=True`): then every row the filter selected appears. The
totals row always counts the reporting buckets of SPEC §4 only, so it reconciles either way.
"""

from books.services.export.cells import due_text, status_text
from books.services.export.csv_stream import csv_safe, iter_csv
from books.services.export.meta import (
    LedgerExport,
    filters_text,
    ledger_export_prepare,
    scope_text,
    totals_text,
)
from books.services.export.profiles import PROFILE_ALIASES, PROFILES, Profile, get_profile
from books.services.export.rows import CHUNK_SIZE, export_queryset, iter_rows

__all__ = [
    "CHUNK_SIZE",
    "PROFILES",
    "PROFILE_ALIASES",
    "LedgerExport",
    "Profile",
    "csv_safe",
    "due_text",
    "export_queryset",
    "filters_text",
    "get_profile",
    "iter_csv",
    "iter_rows",
    "ledger_export_prepare",
    "scope_text",
    "status_text",
    "totals_text",
]
