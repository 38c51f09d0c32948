"""The workflow table (SPEC §3): every action, the states it may start from and lead to, who
may take it, the input it needs and its effect."""

from issues.models import ACTIVE_STATES, RequestType, Status
from issues.services import inputs
from issues.services.workflow import effects
from issues.services.workflow.rules import ActionSpec, Who

S = Status

NON_TERMINAL_OPEN = frozenset(S) - {S.ROUTINE, S.WITHDRAWN, S.CLOSED}
EXTENSION_STATES = frozenset({S.ASSIGNED, S.IN_PROGRESS})
W = Who

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "submit",
            "提交",
            frozenset({S.DRAFT}),
            frozenset({S.LIST_REVIEW, S.ASSIGNED}),
            (W.LEAD_UNIT_ADMIN, W.OFFICE_ADMIN),
            inputs.CommentOptional,
            effects.submit,
        ),
        ActionSpec(
            "approve_list",
            "清单审核通过",
            frozenset({S.LIST_REVIEW}),
            frozenset({S.ASSIGNED}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.DueDateOptional,
            effects.approve_list,
        ),
        ActionSpec(
            "return_list",
            "回炉",
            frozenset({S.LIST_REVIEW}),
            frozenset({S.DRAFT}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.CommentRequired,
            effects.return_list,
        ),
        ActionSpec(
            "assign",
            "交办",
            frozenset({S.DRAFT}),
            frozenset({S.ASSIGNED}),
            (W.OFFICE_ADMIN,),
            inputs.DueDateOptional,
            effects.assign,
        ),
        ActionSpec(
            "acknowledge",
            "签收",
            frozenset({S.ASSIGNED}),
            frozenset({S.IN_PROGRESS}),
            (W.LEAD_UNIT_ADMIN,),
            inputs.CommentOptional,
            effects.acknowledge,
        ),
        ActionSpec(
            "request_closeout",
            "申请销号",
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            frozenset({S.CLOSEOUT_REVIEW}),
            (W.LEAD_UNIT_ADMIN,),
            inputs.RequestCloseout,
            effects.request_closeout,
        ),
        ActionSpec(
            "approve_closeout",
            "销号审核通过",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.CLOSEOUT_REVIEW, S.CLOSED}),
            (W.STEP_REVIEWER,),
            inputs.CommentOptional,
            effects.approve_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        ActionSpec(
            "reject_closeout",
            "退回",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.IN_PROGRESS}),
            (W.STEP_REVIEWER,),
            inputs.RejectCloseout,
            effects.reject_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        ActionSpec(
            "withdraw_closeout",
            "撤回销号申请",
            frozenset({S.CLOSEOUT_REVIEW}),
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            (W.APPLICANT,),
            inputs.NoInput,
            effects.withdraw_closeout,
            needs=RequestType.CLOSEOUT,
        ),
        # An office role may file for a unit, also after the due date has passed (SPEC §2).
        ActionSpec(
            "request_extension",
            "申请延期/转长期",
            EXTENSION_STATES,
            frozenset(),
            (W.LEAD_UNIT_ADMIN, W.OFFICE_ADMIN),
            inputs.RequestExtension,
            effects.request_extension,
        ),
        ActionSpec(
            "approve_extension",
            "延期审核通过",
            EXTENSION_STATES,
            frozenset({S.LONG_TERM}),
            (W.STEP_REVIEWER,),
            inputs.CommentOptional,
            effects.approve_extension,
            needs=RequestType.EXTENSION,
        ),
        ActionSpec(
            "reject_extension",
            "延期审核退回",
            EXTENSION_STATES,
            frozenset(),
            (W.STEP_REVIEWER,),
            inputs.CommentRequired,
            effects.reject_extension,
            needs=RequestType.EXTENSION,
        ),
        ActionSpec(
            "to_routine",
            "纳入日常管理",
            frozenset({S.IN_PROGRESS, S.LONG_TERM}),
            frozenset({S.ROUTINE}),
            (W.OFFICE_ADMIN,),
            inputs.CommentRequired,
            effects.to_routine,
        ),
        ActionSpec(
            "withdraw",
            "撤销",
            NON_TERMINAL_OPEN,
            frozenset({S.WITHDRAWN}),
            (W.OFFICE_ADMIN,),
            inputs.CommentRequired,
            effects.withdraw,
        ),
        ActionSpec(
            "reopen",
            "反弹重改",
            frozenset({S.CLOSED}),
            frozenset({S.IN_PROGRESS}),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.Reopen,
            effects.reopen,
        ),
        ActionSpec(
            "supervise",
            "督办",
            ACTIVE_STATES,
            frozenset(),
            (W.OFFICE_REVIEWER, W.OFFICE_ADMIN),
            inputs.Supervise,
            effects.supervise,
        ),
    ]
}

# Actions after which the due date may differ (the hypothesis test checks nothing else moves it).
DUE_DATE_ACTIONS = frozenset(
    {"submit", "approve_list", "assign", "approve_extension", "reject_closeout", "reopen"}
)
