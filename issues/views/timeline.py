"""The ledger as a timeline: Chinese labels for actions and fields, ids turned into names.

Ledger entries store ids and raw values (SPEC §6); a reader wants "牵头单位：教育局 → 卫健局".
Names are looked up in two queries for the whole timeline (units, users), never per entry.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issues.models import (
    Decision,
    MeasureStatus,
    Origin,
    Problem,
    RectifyType,
    Severity,
    Source,
    Status,
    StepKind,
    SupervisionKind,
    SupervisionLevel,
    Unit,
)
from issues.services.org import display_name
from issues.services.workflow import ACTIONS

# Facts recorded by services other than the workflow table.
OTHER_ACTIONS = {
    "create": _("登记问题"),
    "edit": _("修改问题信息"),
    "measure_add": _("新增整改措施"),
    "measure_update": _("更新整改措施"),
    "evidence_add": _("上传佐证材料"),
    "evidence_delete": _("删除佐证材料"),
    "evidence_replace": _("替换佐证材料"),
    "report_progress": _("报送整改进展"),
    "supervision_reply": _("回复督办"),
    "import": _("导入问题清单"),
}

FIELD_LABELS = {
    "code": _("问题编号"),
    "measure": _("措施"),
    "measures": _("措施数"),
    "step": _("审核环节"),
    "supervision": _("督办"),
    "evidence": _("佐证材料"),
    "percent": _("完成百分比"),
    "unit": _("责任单位"),
    "content": _("内容"),
    "done_note": _("完成情况"),
    "closed_by": _("销号人"),
    "confirm_earlier": _("确认提前整改时限"),
}
MEASURE_FIELD_LABELS = {
    "status": _("措施状态"),
    "due_date": _("完成时限"),
    "owner": _("责任人"),
    "content": _("措施内容"),
}
UNIT_FIELDS = {"lead_unit", "unit"}
USER_FIELDS = {"owner", "responsible_leader", "closed_by"}
CHOICES = {
    "status": Status,
    "source": Source,
    "origin": Origin,
    "severity": Severity,
    "rectify_type": RectifyType,
    "supervision_level": SupervisionLevel,
}


def action_label(action: str) -> str:
    spec = ACTIONS.get(action)
    if spec is not None:
        return gettext(spec.label)
    return OTHER_ACTIONS.get(action, action)


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    try:
        return Problem._meta.get_field(name).verbose_name
    except Exception:
        return name


def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    seq: int
    created_at: dt.datetime
    actor: str
    action: str
    label: str
    from_state: str
    to_state: str
    changes: list
    comment: str


class _Names:
    def __init__(self, entries):
        unit_ids, user_ids = set(), set()
        for entry in entries:
            for name, pair in (entry.changes or {}).items():
                values = pair if isinstance(pair, list) else [pair]
                flat = [
                    v for value in values for v in (value if isinstance(value, list) else [value])
                ]
                ints = {v for v in flat if isinstance(v, int) and not isinstance(v, bool)}
                if name in UNIT_FIELDS or name == "cooperating_units":
                    unit_ids |= ints
                elif name in USER_FIELDS:
                    user_ids |= ints
        self.units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
        users = get_user_model().objects.filter(pk__in=user_ids)
        self.users = {u.pk: display_name(u) for u in users}


def _date_text(value: str) -> str:
    moment = parse_datetime(value) if "T" in value else None
    if moment is not None:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return value


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _value(name: str, value, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("是")) if value else str(_("否"))
    if name in UNIT_FIELDS:
        return names.units.get(value, f"#{value}")
    if name == "cooperating_units":
        return "、".join(names.units.get(v, f"#{v}") for v in value) or "—"
    if name in USER_FIELDS:
        return names.users.get(value, f"#{value}")
    if name == "measure_status" and value in MeasureStatus.values:
        return str(MeasureStatus(value).label)
    if name in CHOICES and value in CHOICES[name].values:
        return str(CHOICES[name](value).label)
    if name == "supervision" and value in SupervisionKind.values:
        return str(SupervisionKind(value).label)
    if name == "measure":
        return str(_("第%(n)s条") % {"n": value})
    if isinstance(value, str):
        return _date_text(value)
    return str(value)


def _changes(entry, names: _Names) -> list[Change]:
    out = []
    for name, pair in (entry.changes or {}).items():
        if name == "step" and isinstance(pair, list) and len(pair) == 2:
            kind, decision = pair
            kind_label = StepKind(kind).label if kind in StepKind.values else kind
            decision_label = Decision(decision).label if decision in Decision.values else decision
            out.append(Change(str(_("审核")), str(kind_label), str(decision_label)))
            continue
        if name == "measures_moved" and isinstance(pair, list) and len(pair) == 2:
            seqs = "、".join(str(n) for n in pair[0] or [])
            text = str(_("第%(n)s条") % {"n": seqs})
            out.append(Change(str(_("措施时限随之调整")), text, _value(name, pair[1], names)))
            continue
        if name == "measure" and entry.action == "measure_update":
            out.append(Change(str(_("措施")), "", _value(name, pair[-1], names)))
            continue
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        if name == "supervision":
            old = None
        label = field_label(name)
        if entry.action.startswith("measure_"):
            label = MEASURE_FIELD_LABELS.get(name, label)
            name = "measure_status" if name == "status" else name
        if (_empty(old) and _empty(new)) or old == new:
            continue
        old_text = "" if _empty(old) else _value(name, old, names)
        new_text = _value(name, new, names) + ("%" if name == "percent" else "")
        out.append(Change(str(label), old_text, new_text))
    return out


def timeline(entries) -> list[Entry]:
    """LedgerEntry rows (actor selected) → display entries, oldest first."""
    entries = list(entries)
    names = _Names(entries)
    return [
        Entry(
            seq=e.seq,
            created_at=e.created_at,
            actor=display_name(e.actor) if e.actor is not None else str(_("系统")),
            action=e.action,
            label=str(action_label(e.action)),
            from_state=status_label(e.from_state) if e.from_state else "",
            to_state=status_label(e.to_state) if e.to_state and e.to_state != e.from_state else "",
            changes=_changes(e, names),
            comment=e.comment,
        )
        for e in entries
    ]
