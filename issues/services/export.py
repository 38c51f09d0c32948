"""The ledger (台账) as rows for .xlsx and .csv (SPEC §7): declarative column profiles.

A profile is a list of (header, accessor) pairs; an accessor turns one row — a dict of plain
values, never a model instance — into the text of its cell. Rows are read with
`.values(…).iterator(chunk_size=…)`, and each chunk's many-valued columns (measures,
cooperating units, evidence, regulations) with one `values_list` query each: an export costs a
constant number of queries per chunk (no N+1), builds no model objects, and keeps one chunk in
memory. CSV goes out row by row (iter_csv); the .xlsx writer is issues.services.export_xlsx.

Which rows: the caller passes a queryset it has already scoped (visible_problems) and
filtered (the problem list's FilterSet). Offices export the 台账 of *counted* problems, so
draft, list_review and withdrawn rows are left out — unless the caller's filter asked for
states explicitly (`include_uncounted=True`): then every row the filter selected appears. The
totals row always counts the reporting buckets of SPEC §4 only, so it reconciles either way.
"""

import csv
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import F, Lookup, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from issues.models import (
    Batch,
    Campaign,
    Category,
    Evidence,
    Measure,
    Membership,
    Origin,
    Problem,
    ProgressReport,
    RectifyType,
    Regulation,
    RequestStatus,
    RequestType,
    ReviewRequest,
    Source,
    Status,
    Unit,
)
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.stats import (
    COMPLETED,
    COUNTED,
    IN_PROGRESS,
    LONG_TERM,
    STATS_BASIS,
    cooperating_count,
    led_problems,
    stats_summary,
)
from ledger.checkpoints import verification_code_text

CHUNK_SIZE = 1000
# A spreadsheet evaluates a CSV cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

BUCKET_LABELS = {
    **dict.fromkeys(COMPLETED, "已完成"),
    **dict.fromkeys(IN_PROGRESS, "正在整改"),
    **dict.fromkeys(LONG_TERM, "长期坚持"),
}
# 巡察 reports: 已完成 / 基本完成（取得阶段性成果并持续整改）/ 未完成 (domain.md §1.2).
XUNCHA_COMPLETION = {
    **dict.fromkeys(COMPLETED, "已完成"),
    Status.CLOSEOUT_REVIEW: "基本完成",
    Status.LONG_TERM: "基本完成",
    Status.ASSIGNED: "未完成",
    Status.IN_PROGRESS: "未完成",
}


# --- cell texts --------------------------------------------------------------------------------


@functools.cache
def _labels(choices, language) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def label(choices, value, language=None) -> str:
    """A choice's label in `language` (default: the active one); get_FOO_display re-hashes lazy
    labels per call. Rows carry the language, looked up once per export."""
    language = language or translation.get_language()
    return _labels(choices, language).get(value, value or "")


def date_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def person_text(row: dict, prefix: str) -> str:
    """issues.services.org.display_name, from the values of a row."""
    first = row[f"{prefix}__first_name"] or ""
    last = row[f"{prefix}__last_name"] or ""
    return first or f"{first} {last}".strip() or row[f"{prefix}__username"] or ""


def numbered(lines: Iterable[str]) -> str:
    """ "1. …\\n2. …" — the form the importer reads back into separate measures."""
    return "\n".join(f"{i}. {text}" for i, text in enumerate(lines, 1))


def due_text(due_date, rectify_type) -> str:
    if due_date is None and rectify_type == RectifyType.LONG_TERM:
        return "长期坚持"
    return date_text(due_date)


def status_text(status, language=None) -> str:
    state = label(Status, status, language).replace("（", "").replace("）", "")
    bucket = BUCKET_LABELS.get(status)
    if bucket is None:
        return f"未计入统计（{state}）"
    return bucket if bucket == state else f"{bucket}（{state}）"


def regulation_text(name: str, doc_no: str) -> str:
    return f"{name}（{doc_no}）" if doc_no else name


def _approved(decided, request_type):
    return [(due, summary) for kind, due, summary in decided if kind == request_type]


def progress_text(row: dict) -> str:
    """整改进展: for a closed problem the approved close-out request's summary (what the
    reviewers accepted), otherwise the latest interim report."""
    if row["status"] == Status.CLOSED:
        closeouts = _approved(row["decided"], RequestType.CLOSEOUT)
        if closeouts:
            return closeouts[-1][1]
    return row["latest_progress"]


def extensions_text(decided) -> str:
    """延期: how many approved `extend` requests, and the dates they granted, in order."""
    dates = [due for due, _ in _approved(decided, RequestType.EXTENSION) if due is not None]
    if not dates:
        return ""
    return f"延期{len(dates)}次：" + "、".join(date_text(d) for d in dates)


Accessor = Callable[[dict], str]

A: dict[str, Accessor] = {
    "row": lambda r: str(r["row"]),
    "code": lambda r: r["code"],
    "source": lambda r: label(Source, r["source"], r["language"]),
    "category": lambda r: r["category__name"] or "",
    "description": lambda r: r["description"],
    "origin": lambda r: label(Origin, r["origin"], r["language"]),
    "target": lambda r: r["target"],
    "measures": lambda r: numbered(r["measures"]),
    "leader": lambda r: person_text(r, "responsible_leader"),
    "lead_unit": lambda r: r["lead_unit__name"],
    "cooperating": lambda r: "、".join(r["cooperating"]),
    "owner": lambda r: person_text(r, "owner"),
    "rectify_type": lambda r: label(RectifyType, r["rectify_type"], r["language"]),
    "due": lambda r: due_text(r["due_date"], r["rectify_type"]),
    "progress": lambda r: progress_text(r),
    "original_due": lambda r: date_text(r["original_due_date"] or r["due_date"]),
    "extensions": lambda r: extensions_text(r["decided"]),
    "status": lambda r: status_text(r["status"], r["language"]),
    "light": lambda r: Light.LABELS.get(r["light"], ""),
    "closed_at": lambda r: date_text(r["closed_at"]),
    "evidence": lambda r: "\n".join(r["evidence"]),
    "regulations": lambda r: "\n".join(regulation_text(*reg) for reg in r["regulations"]),
    "remark": lambda r: r["remark"],
    "campaign": lambda r: r["campaign__name"] or "",
    "batch": lambda r: r["batch__name"],
    "amount": lambda r: "" if r["amount"] is None else f"{r['amount']:f}",
    "xuncha_completion": lambda r: XUNCHA_COMPLETION.get(r["status"], ""),
    "reasons": lambda r: r["latest_difficulties"] or "",
    "next_steps": lambda r: r["latest_next_steps"] or "",
}

# What every row reads from the database, by ORM path (joins, no model instances).
ROW_FIELDS = (
    "id",
    "code",
    "source",
    "origin",
    "description",
    "target",
    "rectify_type",
    "due_date",
    "original_due_date",
    "latest_progress",
    "status",
    "light",
    "closed_at",
    "remark",
    "amount",
    "category__name",
    "campaign__name",
    "batch__name",
    "lead_unit__name",
    "responsible_leader__first_name",
    "responsible_leader__last_name",
    "responsible_leader__username",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def _latest_report(column: str) -> Subquery:
    return Subquery(
        ProgressReport.objects.filter(problem_id=OuterRef("pk"))
        .order_by("-submitted_at", "-id")
        .values(column)[:1]
    )


def _with_latest_report(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        latest_difficulties=_latest_report("difficulties"),
        latest_next_steps=_latest_report("next_steps"),
    )


# --- profiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    key: str
    label: str
    columns: tuple[tuple[str, Accessor], ...]
    annotate: Callable[[QuerySet], QuerySet] | None = None  # extra SQL the columns read
    fields: tuple[str, ...] = ()  # the annotations' names, read with the row

    @property
    def headers(self) -> list[str]:
        return [header for header, _ in self.columns]


DEFAULT_COLUMNS = (
    ("序号", A["row"]),
    ("问题编号", A["code"]),
    ("问题来源", A["source"]),
    ("问题类别", A["category"]),
    ("问题描述", A["description"]),
    ("增量/存量", A["origin"]),
    ("整改目标", A["target"]),
    ("整改措施", A["measures"]),
    ("责任领导", A["leader"]),
    ("牵头单位", A["lead_unit"]),
    ("配合单位", A["cooperating"]),
    ("责任人", A["owner"]),
    ("整改类型", A["rectify_type"]),
    ("整改时限", A["due"]),
    ("整改进展", A["progress"]),
    ("整改状态", A["status"]),
    ("预警", A["light"]),
    ("销号时间", A["closed_at"]),
    ("佐证材料", A["evidence"]),
    ("建章立制", A["regulations"]),
    ("备注", A["remark"]),
    # After SPEC §7's default columns, so that their order stays as the SPEC lists it.
    ("原定时限", A["original_due"]),
    ("延期", A["extensions"]),
)


def _edit(columns, *, drop=(), after=None):
    """The default columns with `drop` removed and `after` = {header: [(new header, acc)]}."""
    result = []
    for header, accessor in columns:
        if header not in drop:
            result.append((header, accessor))
        result.extend((after or {}).get(header, []))
    return tuple(result)


PROFILES: dict[str, Profile] = {
    profile.key: profile
    for profile in [
        Profile("default", "整改台账", DEFAULT_COLUMNS),
        # 主题教育: no warning light; the 专项整治 a problem belongs to (domain.md §6.3).
        Profile(
            "ztjy",
            "主题教育",
            _edit(
                DEFAULT_COLUMNS,
                drop=("预警",),
                after={"问题类别": [("专项整治", A["campaign"])]},
            ),
        ),
        # 巡察 feedback lists use their own headers and a three-way 完成情况.
        Profile(
            "xuncha",
            "巡察",
            (
                ("序号", A["row"]),
                ("问题编号", A["code"]),
                ("问题归类", A["category"]),
                ("问题表现", A["description"]),
                ("整改目标", A["target"]),
                ("整改措施", A["measures"]),
                ("分管领导", A["leader"]),
                ("牵头整改部门", A["lead_unit"]),
                ("配合部门", A["cooperating"]),
                ("责任人", A["owner"]),
                ("整改时限", A["due"]),
                ("原定时限", A["original_due"]),
                ("延期", A["extensions"]),
                ("整改进展", A["progress"]),
                ("完成情况", A["xuncha_completion"]),
                ("销号时间", A["closed_at"]),
                ("佐证材料", A["evidence"]),
                ("建章立制", A["regulations"]),
                ("备注", A["remark"]),
            ),
        ),
        # 审计: the audit project (batch), the amount involved, and the latest report's reasons
        # and next steps. 定性依据 and 整改金额 are not held by the model, so not exported.
        Profile(
            "shenji",
            "审计",
            _edit(
                DEFAULT_COLUMNS,
                after={
                    "问题类别": [("审计项目", A["batch"])],
                    "问题描述": [("涉及金额（万元）", A["amount"])],
                    "整改进展": [("主要原因", A["reasons"]), ("下一步措施", A["next_steps"])],
                },
            ),
            annotate=_with_latest_report,
            fields=("latest_difficulties", "latest_next_steps"),
        ),
    ]
}
PROFILE_ALIASES = {p.label: key for key, p in PROFILES.items()}


def get_profile(name: str | None) -> Profile | None:
    """A profile by key (ztjy/xuncha/shenji) or by its Chinese label; None when unknown."""
    if not name:
        return PROFILES["default"]
    return PROFILES.get(name) or PROFILES.get(PROFILE_ALIASES.get(name, ""))


# --- rows --------------------------------------------------------------------------------------


def export_queryset(
    problems: QuerySet[Problem], profile: Profile, *, include_uncounted: bool = False
) -> QuerySet[Problem]:
    """The rows of the export: annotated with the light, counted states only unless asked,
    in ledger order unless the caller ordered them."""
    qs = problems
    if "light" not in qs.query.annotations:
        qs = annotate_deadlines(qs)
    if not include_uncounted:
        qs = qs.filter(status__in=COUNTED)
    if not qs.query.order_by:
        # Ledger order: batch by batch, in the order problems were registered (= code order).
        qs = qs.order_by("batch_id", "id")
    if profile.annotate is not None:
        qs = profile.annotate(qs)
    return qs


def _grouped(queryset) -> dict[int, list]:
    """values_list rows (problem_id, value…) → {problem_id: [value or (values…), …]}."""
    groups = defaultdict(list)
    for problem_id, *values in queryset:
        groups[problem_id].append(values[0] if len(values) == 1 else tuple(values))
    return groups


class AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter on PostgreSQL, IN elsewhere.

    `problem_id__in=ids` with a chunk of 1 000 ids prepares each id in Django and sends 1 000
    placeholders: ~3.5x slower than one array for the export's per-chunk queries."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def _many_valued(ids: list[int]) -> dict[str, dict[int, list]]:
    """One query per many-valued column for a chunk of problems."""
    Cooperating = Problem.cooperating_units.through
    Linked = Regulation.problems.through
    in_chunk = AnyOf(F("problem_id"), ids)
    return {
        "measures": _grouped(
            Measure.objects.filter(in_chunk)
            .order_by("problem_id", "seq")
            .values_list("problem_id", "content")
        ),
        "cooperating": _grouped(
            Cooperating.objects.filter(in_chunk)
            .order_by("problem_id", "unit__sort", "unit_id")
            .values_list("problem_id", "unit__name")
        ),
        "evidence": _grouped(
            Evidence.objects.filter(in_chunk)
            .order_by("problem_id", "id")
            .values_list("problem_id", "file_name")
        ),
        # Approved close-out requests (their summary) and `extend` requests (the granted date).
        "decided": _grouped(
            ReviewRequest.objects.filter(in_chunk, status=RequestStatus.APPROVED)
            .exclude(request_type=RequestType.EXTENSION, requested_due_date__isnull=True)
            .order_by("problem_id", "decided_at", "id")
            .values_list("problem_id", "request_type", "requested_due_date", "summary")
        ),
        "regulations": _grouped(
            Linked.objects.filter(in_chunk)
            .order_by("problem_id", "regulation__issued_on", "regulation_id")
            .values_list("problem_id", "regulation__name", "regulation__doc_no")
        ),
    }


def iter_rows(qs: QuerySet[Problem], profile: Profile, *, chunk_size=CHUNK_SIZE) -> Iterator[list]:
    """One list of cell texts per problem; 1 + 4 queries per chunk of `chunk_size` rows."""
    accessors = [accessor for _, accessor in profile.columns]
    language = translation.get_language()
    number = 0

    def flush(chunk):
        nonlocal number
        extra = _many_valued([row["id"] for row in chunk])
        for row in chunk:
            number += 1
            row["row"] = number
            row["language"] = language
            for name, groups in extra.items():
                row[name] = groups.get(row["id"], ())
            yield [accessor(row) or "" for accessor in accessors]

    chunk = []
    for row in qs.values(*ROW_FIELDS, *profile.fields).iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


# --- the header lines: scope, filters, totals --------------------------------------------------

FILTER_LABELS = {
    "status": "状态",
    "batch": "批次",
    "campaign": "专项整治",
    "source": "问题来源",
    "category": "问题类别",
    "origin": "增量/存量",
    "lead_unit": "牵头单位",
    "unit": "单位",
    "light": "预警",
    "overdue": "逾期",
    "due_before": "时限不晚于",
    "due_after": "时限不早于",
    "q": "关键词",
    "ordering": "排序",
}
NAMED_FILTERS = {
    "batch": Batch,
    "campaign": Campaign,
    "category": Category,
    "lead_unit": Unit,
    "unit": Unit,
}


def scope_text(user) -> str:
    """The units whose problems the user sees (their memberships' units, subtrees included)."""
    if user.is_superuser:
        return "全部单位"
    names = (
        Membership.objects.filter(user=user)
        .order_by("unit__sort", "unit_id")
        .values_list("unit__name", flat=True)
        .distinct()
    )
    return "、".join(dict.fromkeys(names)) or "无"


def filters_text(params: dict) -> str:
    """Applied filters in words; ids of batches, units… shown by name."""
    parts = []
    for key, label in FILTER_LABELS.items():
        value = str(params.get(key) or "").strip()
        if not value:
            continue
        model = NAMED_FILTERS.get(key)
        if model is not None and value.isdigit():
            value = str(
                model._default_manager.filter(pk=value).values_list("name", flat=True).first()
            )
        elif key == "status":
            labels = dict(Status.choices)
            value = "、".join(str(labels.get(v, v)) for v in value.split(","))
        elif key == "light":
            value = Light.LABELS.get(value, value)
        elif key == "overdue":
            value = "是" if value == "true" else "否"
        parts.append(f"{label}={value}")
    return "；".join(parts) or "无"


def totals_text(summary: dict) -> str:
    return (
        f"合计：总数 {summary['total']} 项 = 已完成 {summary['completed']} 项"
        f" + 正在整改 {summary['in_progress']} 项（其中逾期 {summary['overdue']} 项）"
        f" + 长期坚持 {summary['long_term']} 项；整改完成率 {summary['completion_rate']}%，"
        f"按期完成率 {summary['on_time_rate']}%"
        + (
            f"；另列配合问题 {summary['cooperating']} 项，计入其牵头单位，不在合计内"
            if summary.get("cooperating")
            else ""
        )
        + f"。{STATS_BASIS}"
    )


@dataclass
class LedgerExport:
    """Everything one export needs besides its rows."""

    profile: Profile
    title: str
    scope: str
    filters: str
    generated_at: dt.datetime
    summary: dict = field(default_factory=dict)
    verification: str = ""  # 台账校验码 line (ledger.checkpoints), the sheet's last line

    @property
    def filename_stem(self) -> str:
        return f"{self.title}_{timezone.localtime(self.generated_at):%Y%m%d_%H%M}"

    @property
    def meta_line(self) -> str:
        at = timezone.localtime(self.generated_at)
        return f"范围：{self.scope}　　筛选：{self.filters}　　生成时间：{at:%Y-%m-%d %H:%M}"


def ledger_export_prepare(
    *, user, problems: QuerySet[Problem], profile: Profile, params: dict, include_uncounted
) -> tuple[LedgerExport, QuerySet[Problem]]:
    """The export's title, scope and filter lines, its totals, and the queryset of its rows."""
    qs = export_queryset(problems, profile, include_uncounted=include_uncounted)
    title = "整改台账" if profile.key == "default" else f"{profile.label}整改台账"
    batch_id = str(params.get("batch") or "")
    if batch_id.isdigit():
        name = Batch.objects.filter(pk=batch_id).values_list("name", flat=True).first()
        if name:
            title = f"{name}整改台账"
    meta = LedgerExport(
        profile=profile,
        title=title,
        scope=scope_text(user),
        filters=filters_text(params),
        generated_at=timezone.now(),
        # One 统计口径 (STATS_BASIS): the totals count the problems led in the user's scope.
        summary={
            **stats_summary(led_problems(user, problems)),
            "cooperating": cooperating_count(user, problems),
        },
        verification=verification_code_text(),
    )
    return meta, qs


# --- CSV ---------------------------------------------------------------------------------------


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
