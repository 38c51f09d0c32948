"""Import a problem list (问题清单) from .xlsx (SPEC §7).

Columns are found by header name, in any order, with the aliases offices use; the header row
may sit below a title (searched in the first rows). Every row is checked first; a dry run
reports every bad row as (Excel row number, column header, reason) and writes nothing. A real
import is all-or-nothing: if any row is bad nothing is written, and the writes run in one
transaction.

The writes take a bulk path that keeps problem_create's rules — the actor may register
problems for the lead unit, the batch's default due date applies, status draft, measures of
the lead unit or a cooperating unit named in the cell (books.services.import_measures) — and
its record: codes from the batch sequence (one UPDATE … last_seq + N under
the row lock), one `create` ledger entry per problem in row order, noting the import.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model

from books.services.bulk import bulk_insert
from books.services.import_measures import ParsedMeasure, parse_measures
from books.services.import_sheet import (
    ALIASES,
    HEADER_FIELDS,
    IGNORED_HEADERS,
    LONG_TERM,
    ORIGIN_LABELS,
    RECTIFY_LABELS,
    REQUIRED,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    CellError,
    cell_text,
    derive_title,
    import_template_xlsx,
    normalise_header,
    parse_amount,
    parse_choice,
    parse_due,
    split_measures,
    split_names,
)
from books.services.xlsx_read import SheetReader
from issues.bounds import validate_line, validate_text
from issues.exceptions import ActionForbidden, InvalidInput
from issues.models import (
    Batch,
    Category,
    Measure,
    Membership,
    Origin,
    Problem,
    RectifyType,
    Role,
    Severity,
    Status,
)
from issues.selectors.leaders import LEADER_RULE, LeaderTable
from issues.selectors.scope import (
    scope_units_for_roles,
    visible_campaigns,
    visible_users,
)
from issues.services.problems import may_create_problem, may_import
from issues.services.recurrence import recurrences
from issues.services.reports import FileTooLarge, UnsupportedFileType, check_upload
from issues.services.workdays import batch_default_due
from ledger.services import ledger_append_many

HEADER_SEARCH_ROWS = 6  # a title, a note line or two, then the header
MAX_ROWS = 20000  # sheet rows, the title and header included

# --- the import --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str
    missing_category: str = ""  # a name not in the dictionary (the page offers to add it)

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    row: int
    fields: dict
    cooperating_units: list
    measures: list[ParsedMeasure]


@dataclass
class ImportResult:
    created: int
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    problem_ids: list[int] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)  # a dry run's checked rows


class ImportRejected(InvalidInput):
    """400 validation_error with errors = {"rows": [{"row", "column", "message"}, …]}."""

    def __init__(self, detail: str, errors: list[RowError]):
        super().__init__(detail, {"rows": [e.as_dict() for e in errors]})
        self.row_errors = errors

    @property
    def missing_categories(self) -> list[str]:
        """Category names the file uses that the dictionary lacks, in order of appearance."""
        return list(
            dict.fromkeys(e.missing_category for e in self.row_errors if e.missing_category)
        )


class _Lookup:
    """Name → object tables, loaded once per import, limited to what the actor may use."""

    def __init__(self, actor):
        self.actor = actor
        units = scope_units_for_roles(actor, {Role.OFFICE_ADMIN}).filter(is_active=True)
        self.units = self._table(units, ("name", "short_name", "code"), fold=("code",))
        users = visible_users(actor).filter(is_active=True)
        self.users = self._table(users, ("username", "first_name"))
        self.categories = {c.name: c for c in Category.objects.all()}
        self.campaigns = self._table(visible_campaigns(actor), ("name",))
        self._may_create: dict[int, bool] = {}
        self._leaders: LeaderTable | None = None
        self._member_paths: dict[int, list[str]] | None = None
        self._unit_scope = units

    @staticmethod
    def _table(queryset, attrs, fold=()):
        table: dict[str, set] = {}
        for obj in queryset:
            for attr in attrs:
                key = (getattr(obj, attr) or "").strip()
                if key:
                    table.setdefault(key.casefold() if attr in fold else key, set()).add(obj)
                    if attr in fold:
                        table.setdefault(key, set()).add(obj)
        return table

    @staticmethod
    def one(table, name: str, what: str):
        found = table.get(name) or table.get(name.casefold())
        if not found:
            raise CellError(f"{what}“{name}”不存在或不在您的管辖范围内。")
        if len(found) > 1:
            raise CellError(f"{what}“{name}”不唯一，请改填代码或用户名。")
        return next(iter(found))

    def unit(self, name):
        return self.one(self.units, name, "单位")

    def may_create(self, unit) -> bool:
        """problem_create's rule for the lead unit, once per unit."""
        if unit.pk not in self._may_create:
            self._may_create[unit.pk] = may_create_problem(self.actor, unit)
        return self._may_create[unit.pk]

    def user(self, name):
        return self.one(self.users, name, "用户")

    def is_member(self, user, unit) -> bool:
        """A measure's owner works in its unit or a unit under it; one query per sheet."""
        if self._member_paths is None:
            self._member_paths = {}
            rows = Membership.objects.filter(unit__in=self._unit_scope).values_list(
                "user_id", "unit__path"
            )
            for user_id, path in rows:
                self._member_paths.setdefault(user_id, []).append(path)
        return any(p.startswith(unit.path) for p in self._member_paths.get(user.pk, ()))

    def is_eligible_leader(self, user, unit) -> bool:
        """problem_create's responsible-leader rule, from one query for the whole sheet."""
        if self._leaders is None:
            self._leaders = LeaderTable()
        return self._leaders.is_eligible(user, unit)


def _find_header(rows: list[tuple]) -> tuple[int, dict[int, str], list[RowError]]:
    """(index of the header row, {column index: field}, header errors)."""
    best: dict[int, str] = {}
    best_index = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapped = {
            col: HEADER_FIELDS[normalise_header(value)]
            for col, value in enumerate(row)
            if normalise_header(value) in HEADER_FIELDS
        }
        if len(mapped) > len(best):
            best, best_index = mapped, index
    if best_index is None or len(best) < 2:
        return 0, {}, [RowError(1, "", "未找到表头：前几行中没有“问题描述”“牵头单位”等列名。")]
    header = rows[best_index]
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for col, name in sorted(best.items()):
        if name in seen:
            errors.append(
                RowError(
                    best_index + 1,
                    cell_text(header[col]),
                    f"与“{cell_text(header[seen[name]])}”是同一列（{ALIASES[name][0]}），请只保留一列。",
                )
            )
        else:
            seen[name] = col
    for name in REQUIRED:
        if name not in seen:
            errors.append(RowError(best_index + 1, ALIASES[name][0], "缺少必需的列。"))
    return best_index, {col: name for name, col in seen.items()}, errors


def _is_end(row: tuple) -> bool:
    """Our exports end the table with a 合计 line (then a signature line)."""
    first = cell_text(row[0]) if row else ""
    return first.startswith(("合计", "总计"))


TEXT_CHECKS = {
    "title": validate_line,
    "description": validate_text,
    "target": validate_text,
    "measures": validate_text,
    "remark": validate_text,
}


# One rule per column, in the sheet's column order: split, the columns would scatter.
def _parse_row(number, values, columns, header, lookup, batch, actor, columns_unknown):  # noqa: C901
    """ParsedRow or a list of RowError for one spreadsheet row."""
    errors = []
    cells = {name: values[col] if col < len(values) else None for col, name in columns.items()}

    def fail(name, message):
        errors.append(RowError(number, header[name], message))

    def attempt(name, parse):
        try:
            return parse(cells.get(name))
        except CellError as exc:
            fail(name, str(exc))
            return None

    # Text cells refuse control characters, as every other door does (line breaks are fine).
    for name, check in TEXT_CHECKS.items():
        if name in columns.values():
            try:
                check(cell_text(cells.get(name)))
            except ValidationError as exc:
                fail(name, exc.messages[0])

    fields: dict[str, Any] = {}
    description = cell_text(cells.get("description"))
    if not description:
        fail("description", "问题描述不能为空。")
    fields["description"] = description
    title = cell_text(cells.get("title")) if "title" in columns.values() else ""
    fields["title"] = (title or derive_title(description))[:300]
    fields["target"] = cell_text(cells.get("target"))

    source = attempt("source", lambda v: parse_choice(v, SOURCE_LABELS, "问题来源"))
    fields["source"] = source or batch.source
    origin = attempt("origin", lambda v: parse_choice(v, ORIGIN_LABELS, "增量/存量"))
    fields["origin"] = origin or Origin.NEW
    severity = attempt("severity", lambda v: parse_choice(v, SEVERITY_LABELS, "严重程度"))
    fields["severity"] = severity or Severity.NORMAL
    fields["amount"] = attempt("amount", parse_amount)

    category_name = cell_text(cells.get("category"))
    fields["category"] = None
    if category_name:
        fields["category"] = lookup.categories.get(category_name)
        if fields["category"] is None:
            message = f"问题类别“{category_name}”不在类别字典中。"
            errors.append(RowError(number, header["category"], message, category_name))
        elif not fields["category"].is_active:
            fail("category", f"问题类别“{category_name}”已停用。")
            fields["category"] = None
    campaign_name = cell_text(cells.get("campaign"))
    fields["campaign"] = None
    if campaign_name:
        fields["campaign"] = attempt(
            "campaign", lambda v: lookup.one(lookup.campaigns, campaign_name, "专项整治")
        )

    lead_name = cell_text(cells.get("lead_unit"))
    lead_unit = None
    if not lead_name:
        fail("lead_unit", "牵头单位不能为空。")
    else:
        lead_unit = attempt("lead_unit", lambda v: lookup.unit(lead_name))
        if lead_unit is not None and not lookup.may_create(lead_unit):
            fail("lead_unit", f"您无权为“{lead_name}”登记问题。")
            lead_unit = None
    fields["lead_unit"] = lead_unit

    cooperating = []
    for name in split_names(cell_text(cells.get("cooperating_units"))):
        unit = attempt("cooperating_units", lambda v, name=name: lookup.unit(name))
        if unit is not None and unit not in cooperating and unit != lead_unit:
            cooperating.append(unit)

    for name in ("responsible_leader", "owner"):
        person = cell_text(cells.get(name))
        fields[name] = (
            attempt(name, lambda v, person=person: lookup.user(person)) if person else None
        )
    leader = fields["responsible_leader"]
    if (
        leader is not None
        and lead_unit is not None
        and not lookup.is_eligible_leader(leader, lead_unit)
    ):
        fail("responsible_leader", LEADER_RULE)

    rectify = attempt("rectify_type", lambda v: parse_choice(v, RECTIFY_LABELS, "整改类型"))
    try:
        due = parse_due(cells.get("due_date"))
    except CellError as exc:
        fail("due_date", str(exc))
        due = False  # reported already
    if due == LONG_TERM:
        due, rectify = None, RectifyType.LONG_TERM
    rectify = rectify or RectifyType.TIME_BOUND
    if due is None and rectify != RectifyType.LONG_TERM:
        # problem_create's rule: the batch's default due date, else the row is incomplete.
        due = batch_default_due(batch)
        if due is None:
            fail("due_date", "请填写整改时限（或“长期坚持”）。")
    fields["rectify_type"] = rectify
    fields["due_date"] = due or None

    remark = cell_text(cells.get("remark"))
    extra = [
        f"{label}：{cell_text(values[col])}"
        for col, label in columns_unknown.items()
        if col < len(values) and cell_text(values[col])
    ]
    fields["remark"] = "\n".join([remark, *extra] if remark else extra)

    measures = attempt(
        "measures",
        lambda v: parse_measures(
            cell_text(v),
            lookup=lookup,
            lead_unit=lead_unit,
            cooperating=cooperating,
            due_date=fields["due_date"],
        ),
    )
    if errors:
        position = {header[name]: col for col, name in columns.items()}
        return sorted(errors, key=lambda e: position.get(e.column, len(values)))
    return ParsedRow(number, fields, cooperating, measures)


def import_check(*, actor, batch: Batch, upload) -> tuple[list[ParsedRow], list[RowError]]:
    """Read and check every row; nothing is written. The sheet is read lazily, only up to
    the last column with a header (books.services.xlsx_read bounds what a file can cost)."""
    with SheetReader(upload, max_rows=MAX_ROWS) as sheet:
        return _check_rows(sheet, actor=actor, batch=batch)


def _check_rows(sheet, *, actor, batch) -> tuple[list[ParsedRow], list[RowError]]:
    head = sheet.head(HEADER_SEARCH_ROWS)
    header_index, columns, errors = _find_header(head)
    if not columns or errors:
        return [], errors
    header_row = head[header_index]
    header = {name: cell_text(header_row[col]) for col, name in columns.items()}
    for name, aliases in ALIASES.items():
        header.setdefault(name, aliases[0])
    unknown = {
        col: cell_text(value)
        for col, value in enumerate(header_row)
        if cell_text(value)
        and col not in columns
        and normalise_header(value) not in IGNORED_HEADERS
    }
    lookup = _Lookup(actor)
    parsed, errors = [], []
    last_column = max([0, *columns, *unknown]) + 1  # column 0 holds 序号 / 合计 / 示例
    for number, values in sheet.rows(first=header_index + 2, columns=last_column):
        if _is_end(values):
            break
        if not any(cell_text(values[c]) for c in [*columns, *unknown] if c < len(values)):
            continue  # blank, or only a pre-filled 序号
        if cell_text(values[0]) in ("示例", "例"):  # the template's example row
            continue
        result = _parse_row(number, values, columns, header, lookup, batch, actor, unknown)
        if isinstance(result, list):
            errors.extend(result)
        else:
            parsed.append(result)
    if not parsed and not errors:
        errors.append(RowError(header_index + 2, "", "表头下没有数据行。"))
    return parsed, errors


def problems_import(*, actor, batch: Batch, upload, dry_run: bool) -> ImportResult:
    """Check the file; unless it is a dry run, create every row's problem in one transaction.

    Raises ImportRejected (400, every bad row) when any row is bad, in a dry run too.
    """
    if not may_import(actor):
        raise ActionForbidden("只有整改办管理员可以导入问题清单。")
    name, _ = check_upload(upload)
    if not name.lower().endswith(".xlsx"):
        raise UnsupportedFileType("请上传 .xlsx 格式的问题清单。", {"file": ["须为 .xlsx 文件。"]})
    parsed, errors = import_check(actor=actor, batch=batch, upload=upload)
    if errors:
        raise ImportRejected(f"有 {len(errors)} 处错误，未导入任何问题。", errors)
    if dry_run:
        return ImportResult(created=len(parsed), dry_run=True, rows=parsed)
    ids = _create_all(actor=actor, batch=batch, rows=parsed, file_name=name)
    return ImportResult(created=len(ids), dry_run=False, problem_ids=ids)


def _attributes(fields: dict) -> dict:
    """Field values as bulk_insert takes them: related objects by their ids."""
    return {
        (f"{name}_id" if isinstance(value, Model) else name): (
            value.pk if isinstance(value, Model) else value
        )
        for name, value in fields.items()
    }


@transaction.atomic
def _create_all(*, actor, batch: Batch, rows: list[ParsedRow], file_name: str) -> list[int]:
    # Reserve N codes at once; the UPDATE's row lock keeps concurrent creations off them.
    Batch.objects.filter(pk=batch.pk).update(last_seq=F("last_seq") + len(rows))
    last = Batch.objects.values_list("last_seq", flat=True).get(pk=batch.pk)
    first = last - len(rows) + 1
    codes = [f"{batch.code_prefix}-{first + i:03d}" for i in range(len(rows))]
    repeats = recurrences(
        [(r.fields["lead_unit"].pk, r.fields["title"], r.fields["description"]) for r in rows]
    )
    ids = bulk_insert(
        Problem,
        [
            {
                "batch_id": batch.pk,
                "created_by_id": actor.pk,
                "code": code,
                "status": Status.DRAFT,
                # Its measures are all unfinished: the earliest of their due dates.
                "open_measures_due": min(
                    (m.due_date for m in row.measures if m.due_date), default=None
                ),
                **_attributes(row.fields),
                "is_recurring": repeat is not None,
                "recurs_problem_id": repeat,
            }
            for code, row, repeat in zip(codes, rows, repeats, strict=True)
        ],
        ids=True,
    )
    bulk_insert(
        Problem.cooperating_units.through,
        [
            {"problem_id": problem_id, "unit_id": unit.pk}
            for problem_id, row in zip(ids, rows, strict=True)
            for unit in row.cooperating_units
        ],
    )
    bulk_insert(
        Measure,
        [
            {
                "problem_id": problem_id,
                "seq": seq,
                "content": measure.content,
                "unit_id": measure.unit.pk,
                "owner_id": measure.owner.pk if measure.owner else None,
                "due_date": measure.due_date,
            }
            for problem_id, row in zip(ids, rows, strict=True)
            for seq, measure in enumerate(row.measures, 1)
        ],
    )
    # The same `create` entry problem_create writes, plus where the row came from; in row order.
    ledger_append_many(
        dict(
            problem=Problem(pk=problem_id),
            actor=actor,
            action="create",
            to_state=Status.DRAFT,
            changes={
                "code": [None, code],
                "lead_unit": [None, row.fields["lead_unit"].pk],
                "due_date": [None, row.fields["due_date"]],
                "cooperating_units": [[], sorted(u.pk for u in row.cooperating_units)],
                "measures": [0, len(row.measures)],
            },
            comment=f"Excel 导入：{file_name} 第 {row.row} 行",
        )
        for problem_id, code, row in zip(ids, codes, rows, strict=True)
    )
    return ids


__all__ = [
    "LONG_TERM",
    "CellError",
    "FileTooLarge",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_check",
    "import_template_xlsx",
    "parse_due",
    "problems_import",
    "split_measures",
]
