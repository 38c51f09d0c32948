"""Declarative column profiles (SPEC §7): a profile is a list of (header, accessor) pairs, and
optionally the extra SQL its columns read. The default follows SPEC §7's columns; 主题教育,
巡察 and 审计 edit it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from books.services.export.cells import A, Accessor
from issues.models import (
    ProgressReport,
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
