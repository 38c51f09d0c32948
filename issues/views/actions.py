"""Workflow action forms, built from each action's input serializer (issues.services.inputs).

The pages never restate what an action needs: the fields, which are required and their
choices come from the same serializer that `perform_action` validates with, so the API and
the pages accept exactly the same input. This module only adds Chinese labels, widgets and
the parsing of a posted form into the serializer's data.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from issues.services.workflow import ACTIONS

# The workflow's labels (issues.services.workflow.ACTIONS), listed so that makemessages picks
# them up for the English catalogue; a label missing here simply stays Chinese.
ACTION_LABEL_MSGIDS = [
    gettext_noop("提交"),
    gettext_noop("清单审核通过"),
    gettext_noop("回炉"),
    gettext_noop("交办"),
    gettext_noop("签收"),
    gettext_noop("申请销号"),
    gettext_noop("销号审核通过"),
    gettext_noop("退回"),
    gettext_noop("撤回销号申请"),
    gettext_noop("申请延期/转长期"),
    gettext_noop("延期审核通过"),
    gettext_noop("延期审核退回"),
    gettext_noop("纳入日常管理"),
    gettext_noop("撤销"),
    gettext_noop("反弹重改"),
    gettext_noop("督办"),
]

TEXTAREAS = {"comment", "summary", "reason", "progress_so_far", "stage_goal", "content"}

FIELD_LABELS = {
    "comment": _("意见"),
    "due_date": _("整改时限"),
    "due_in_working_days": _("或：自今日起工作日数"),
    "new_due_date": _("新整改时限"),
    "summary": _("整改完成情况"),
    "self_check": _("自查情况"),
    "evidence": _("随附佐证材料"),
    "kind": _("类型"),
    "requested_due_date": _("申请延至"),
    "reason": _("理由"),
    "progress_so_far": _("目前进展"),
    "stage_goal": _("阶段目标"),
    "next_review_date": _("下次复核日期"),
    "content": _("督办内容"),
    "reply_due_date": _("回复期限"),
    "confirm_earlier": _("确认提前：新整改时限早于当前整改时限"),
}
# Where one field means something specific to an action.
ACTION_FIELD_LABELS = {
    ("approve_closeout", "comment"): _("审核意见"),
    ("approve_extension", "comment"): _("审核意见"),
    ("approve_list", "comment"): _("审核意见"),
    ("reject_closeout", "comment"): _("补充整改要求"),
    ("reject_closeout", "new_due_date"): _("新整改时限（可选）"),
    ("reject_extension", "comment"): _("退回理由"),
    ("return_list", "comment"): _("回炉意见"),
    ("withdraw", "comment"): _("撤销理由"),
    ("to_routine", "comment"): _("纳入日常管理的理由"),
    ("reopen", "comment"): _("反弹情况及重新整改要求"),
    ("reopen", "new_due_date"): _("新整改时限"),
    ("request_extension", "kind"): _("申请类型"),
    ("request_extension", "reason"): _("延期理由"),
    ("supervise", "kind"): _("督办方式"),
    ("acknowledge", "comment"): _("签收说明（可选）"),
    ("submit", "comment"): _("提交说明（可选）"),
}
HELP = {
    ("request_extension", "requested_due_date"): _("申请延期时必填，须晚于当前整改时限。"),
    ("request_extension", "stage_goal"): _("转长期坚持时必填。"),
    ("request_extension", "next_review_date"): _("转长期坚持时必填。"),
    ("request_closeout", "evidence"): _("勾选与本次申请直接相关的材料；问题下须至少有一份材料。"),
    ("assign", "due_date"): _("不填则沿用已登记的整改时限。"),
    ("assign", "due_in_working_days"): _(
        "如“15个工作日内”填 15，按法定节假日和调休计算；与整改时限只填一项。"
    ),
    ("approve_list", "due_in_working_days"): _("如“15个工作日内”填 15；与整改时限只填一项。"),
    ("reject_closeout", "confirm_earlier"): _("新整改时限早于当前时限时须勾选，台账中记为已确认。"),
    ("reopen", "confirm_earlier"): _("新整改时限早于当前时限时须勾选，台账中记为已确认。"),
    ("approve_list", "due_date"): _("不填则沿用已登记的整改时限。"),
}
# 常用意见: phrases a reviewer clicks into the opinion box (then edits as needed).
CANNED_OPINIONS = {
    "approve_closeout": [
        _("经审核，整改措施已落实，佐证材料齐全，同意销号。"),
        _("整改成效明显，同意报下一环节审核。"),
    ],
    "reject_closeout": [
        _("佐证材料不足，请补充整改前后对比照片。"),
        _("整改措施未全部落实，请继续整改后重新申请。"),
        _("请补充建章立制文件（制度文本及印发文件）。"),
    ],
    "approve_extension": [_("延期理由充分，同意延期。"), _("同意转入长期坚持，按阶段目标推进。")],
    "reject_extension": [_("延期理由不充分，请按原定时限完成整改。")],
    "approve_list": [_("问题清单要素齐全，同意交办。")],
    "return_list": [_("问题描述或整改目标不清，请修改后重新提交。")],
}
SELF_CHECK_LABELS = {
    "measures_done": _("措施全部落实"),
    "effective": _("成效明显"),
    "generalized": _("举一反三"),
    "mechanism": _("建章立制"),
}

# Actions that end, undo or send work back: the page asks before submitting them.
CONFIRM = {
    "withdraw": _("确定撤销该问题吗？撤销后问题不再整改，且不能恢复。"),
    "to_routine": _("确定将该问题纳入日常管理吗？此后不再按整改问题跟踪。"),
    "reject_closeout": _("确定退回该销号申请吗？问题将回到整改中。"),
    "return_list": _("确定将该问题回炉修改吗？"),
    "reject_extension": _("确定退回该延期申请吗？"),
    "withdraw_closeout": _("确定撤回销号申请吗？"),
}
PRIMARY = {
    "submit",
    "approve_list",
    "assign",
    "acknowledge",
    "request_closeout",
    "approve_closeout",
    "approve_extension",
}


@dataclass
class Field:
    name: str
    label: str
    widget: str  # text, textarea, date, select, checkbox, checkgroup, evidence
    required: bool
    choices: list = field(default_factory=list)  # (value, label, checked)
    help: str = ""
    value: str = ""
    errors: list = field(default_factory=list)
    phrases: list = field(default_factory=list)  # 常用意见 for the opinion box


@dataclass
class ActionForm:
    name: str
    label: str
    fields: list
    style: str  # primary, danger, secondary
    confirm: str = ""
    errors: list = field(default_factory=list)  # messages not tied to a field
    open: bool = False


def _label(action, name):
    return ACTION_FIELD_LABELS.get((action, name)) or FIELD_LABELS.get(name, name)


def _errors(errors, name) -> list[str]:
    value = errors.get(name)
    if value is None:
        return []
    if isinstance(value, dict):  # nested serializer (self_check)
        return [str(m) for messages in value.values() for m in messages]
    return [str(m) for m in (value if isinstance(value, list) else [value])]


def action_form(name, *, evidence=(), values=None, errors=None, detail="") -> ActionForm:
    """The form of action `name`; `values`/`errors` re-fill it after a failed POST."""
    spec = ACTIONS[name]
    values = values if values is not None else {}
    errors = errors or {}
    fields = []
    for fname, sfield in spec.input().fields.items():
        required = bool(sfield.required)
        if isinstance(sfield, serializers.CharField) and sfield.required:
            required = not sfield.allow_blank
        f = Field(
            name=fname,
            label=_label(name, fname),
            widget="text",
            required=required,
            help=HELP.get((name, fname), ""),
            value=values.get(fname, ""),
            errors=_errors(errors, fname),
        )
        if isinstance(sfield, serializers.Serializer):  # SelfCheck
            f.widget = "checkgroup"
            f.choices = [
                (sub, SELF_CHECK_LABELS.get(sub, sub), values.get(f"{fname}.{sub}") == "on")
                for sub in sfield.fields
            ]
        elif isinstance(sfield, serializers.ListField):  # evidence ids
            f.widget = "evidence"
            chosen = set(values.getlist(fname)) if hasattr(values, "getlist") else set()
            f.choices = [(str(e.pk), e.file_name, str(e.pk) in chosen) for e in evidence]
        elif isinstance(sfield, serializers.BooleanField):
            f.widget = "checkbox"
            f.required = False
            f.value = "on" if values.get(fname) == "on" else ""
        elif isinstance(sfield, serializers.ChoiceField):
            f.widget = "select"
            f.choices = [
                (str(k), v, values.get(fname) == str(k)) for k, v in sfield.choices.items()
            ]
        elif isinstance(sfield, serializers.DateField):
            f.widget = "date"
        elif fname in TEXTAREAS:
            f.widget = "textarea"
            if fname == "comment":
                f.phrases = [str(p) for p in CANNED_OPINIONS.get(name, [])]
        fields.append(f)
    known = {f.name for f in fields}
    loose = [m for key in errors if key not in known for m in _errors(errors, key)]
    if detail and detail not in loose and not any(f.errors for f in fields):
        loose.insert(0, detail)
    return ActionForm(
        name=name,
        label=gettext(spec.label),
        fields=fields,
        style="danger" if name in CONFIRM else ("primary" if name in PRIMARY else "secondary"),
        confirm=str(CONFIRM.get(name, "")),
        errors=loose,
        open=bool(errors or detail),
    )


def action_data(name, post) -> dict:
    """A posted action form → the serializer's input (blank dates, choices and numbers stay
    absent, as an API client would leave them out)."""
    data = {}
    for fname, sfield in ACTIONS[name].input().fields.items():
        if isinstance(sfield, serializers.Serializer):
            data[fname] = {sub: f"{fname}.{sub}" in post for sub in sfield.fields}
        elif isinstance(sfield, serializers.ListField):
            data[fname] = [int(v) for v in post.getlist(fname) if v.isdigit()]
        elif isinstance(
            sfield, serializers.DateField | serializers.ChoiceField | serializers.IntegerField
        ):
            value = post.get(fname, "").strip()
            if value:
                data[fname] = value
        elif fname in post:
            data[fname] = post.get(fname, "").strip()
    return data


# The one next step a row or the phone's action bar offers: the first of these that is open.
NEXT_ORDER = (
    "acknowledge",
    "request_closeout",
    "approve_closeout",
    "approve_extension",
    "approve_list",
    "assign",
    "submit",
    "reopen",
)


@dataclass(frozen=True)
class NextAction:
    name: str
    label: str
    style: str


def offered(names: list[str], problem) -> list[str]:
    """The allowed actions a page offers. Where the batch needs no list review, 提交 takes a
    draft straight to 已交办 — the same as 交办 — so whoever may 交办 is offered only that."""
    if "assign" in names and "submit" in names and not problem.batch.needs_list_review:
        return [n for n in names if n != "submit"]
    return names


def next_action(names: list[str]) -> NextAction | None:
    for name in NEXT_ORDER:
        if name in names:
            return NextAction(name, gettext(ACTIONS[name].label), "primary")
    return None
