"""Everything one export needs besides its rows: the title, the scope and filter lines, the
totals row (one 统计口径, STATS_BASIS) and the ledger's verification code."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from books.services.export.profiles import Profile
from books.services.export.rows import export_queryset
from issues.models import (
    Batch,
    Campaign,
    Category,
    Membership,
    Problem,
    Status,
    Unit,
)
from issues.selectors.deadlines import Light
from issues.selectors.stats import (
    STATS_BASIS,
    cooperating_count,
    led_problems,
    stats_summary,
)
from ledger.checkpoints import verification_code_text

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
