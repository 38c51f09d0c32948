"""Bulk actions from the problem list and the review inbox: choose rows, confirm, see results.

1. The list (or inbox) posts the chosen ids and an action here: the confirmation page shows the
   count, each problem and whether the action is open to it now, and the action's input
   (the 交办 due date pre-filled from the batch's default).
2. Confirming runs issues.services.bulk_actions.perform_bulk — `perform_action` per problem,
   each in its own transaction — and redirects to the results (POST/redirect/GET).
3. The results page says how many succeeded and, row by row, what was refused and why.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from issues.exceptions import DomainError, InvalidInput
from issues.selectors.problems import problem_list
from issues.services.bulk_actions import MAX_BULK, bulk_validate, perform_bulk
from issues.services.workflow import ACTIONS, allowed_actions
from issues.views.actions import action_data, action_form
from issues.views.common import light_display, safe_next

# What the problem list offers in bulk, in this order; the inbox offers APPROVE.
LIST_ACTIONS = ("assign", "submit", "withdraw", "supervise")
APPROVE = "approve"
APPROVALS = ("approve_closeout", "approve_extension")  # the step kinds the inbox approves
SESSION_KEY = "bulk_results"
CODE_LABELS = {
    "permission_denied": gettext_lazy("无权执行"),
    "invalid_transition": gettext_lazy("当前状态不允许"),
    "validation_error": gettext_lazy("信息不完整"),
    "not_found": gettext_lazy("不存在或不在查看范围内"),
}


def _items(post) -> tuple[str, list[tuple[int, str]]]:
    """The posted (problem id, action) pairs. The inbox posts `id:action` per row (the row
    knows whether it is a close-out or an extension step); the list posts plain ids."""
    action = post.get("action", "")
    items = []
    for raw in post.getlist("ids"):
        pk, _sep, own = raw.partition(":")
        if not pk.isdigit():
            raise InvalidInput(_("所选问题有误。"), {"ids": [_("所选问题有误。")]})
        if action == APPROVE:
            if own not in APPROVALS:
                raise InvalidInput(_("所选申请有误。"), {"ids": [_("所选申请有误。")]})
            items.append((int(pk), own))
        elif action in LIST_ACTIONS and not own:
            items.append((int(pk), action))
        else:
            raise InvalidInput(_("不支持的批量操作。"), {"action": [_("不支持的批量操作。")]})
    bulk_validate(items)
    return action, items


def _form_action(action: str) -> str:
    """The workflow action whose input the confirmation asks for."""
    return APPROVALS[0] if action == APPROVE else action


def _initial(action, rows) -> dict:
    """交办: the batch's default due date when the chosen problems share one batch."""
    if action != "assign":
        return {}
    defaults = {p.batch.default_due_date for p in rows}
    if len(defaults) == 1 and None not in defaults:
        return {"due_date": defaults.pop().isoformat()}
    return {}


def _confirm(request, action, items, *, values=None, errors=None, detail="", status=200):
    user = request.user
    rows = list(problem_list(user).filter(pk__in=[pk for pk, _a in items]))
    by_pk = {p.pk: p for p in rows}
    chosen = []
    for pk, name in items:
        p = by_pk.get(pk)
        if p is not None:
            p.light_info = light_display(p.light)
            p.bulk_open = name in allowed_actions(p, user)
            p.bulk_label = _(ACTIONS[name].label)
            chosen.append(p)
    name = _form_action(action)
    form = action_form(
        name,
        values=values if values is not None else _initial(action, chosen),
        errors=errors,
        detail=detail,
    )
    form.label = _("批量通过") if action == APPROVE else form.label
    context = {
        "action": action,
        "form": form,
        "rows": chosen,
        "items": items,
        "missing": len(items) - len(chosen),
        "open_count": sum(1 for p in chosen if p.bulk_open),
        "next": safe_next(request, reverse("web:problems")),
        "max_bulk": MAX_BULK,
    }
    return render(request, "issues/bulk_confirm.html", context, status=status)


@require_POST
@login_required
def bulk_action(request):
    try:
        action, items = _items(request.POST)
    except DomainError as exc:
        context = {"detail": exc.detail, "next": safe_next(request, reverse("web:problems"))}
        return render(request, "issues/bulk_refused.html", context, status=exc.status)
    if request.POST.get("confirm") != "1":
        return _confirm(request, action, items)
    name = _form_action(action)
    data = action_data(name, request.POST)
    serializer = ACTIONS[name].input(data=data)
    if not serializer.is_valid():  # the same input for every row: ask once, not N times
        return _confirm(
            request, action, items, values=request.POST, errors=serializer.errors, status=400
        )
    outcomes = perform_bulk(actor=request.user, items=items, data=data)
    request.session[SESSION_KEY] = {
        "action": action,
        "label": _("批量通过") if action == APPROVE else _(ACTIONS[action].label),
        "next": safe_next(request, reverse("web:problems")),
        "outcomes": [
            {
                "id": o.problem_id,
                "action": o.action,
                "ok": o.ok,
                "code": o.code,
                "detail": o.detail,
                "errors": [str(m) for msgs in o.errors.values() for m in _flat(msgs)],
            }
            for o in outcomes
        ],
    }
    return redirect("web:bulk-results")


def _flat(messages):
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    return messages if isinstance(messages, list) else [messages]


@require_GET
@login_required
def bulk_results(request):
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return redirect("web:problems")
    outcomes = stored["outcomes"]
    problems = {
        p.pk: p for p in problem_list(request.user).filter(pk__in=[o["id"] for o in outcomes])
    }
    rows = []
    for o in outcomes:
        problem = problems.get(o["id"])
        reasons = [o["detail"], *o["errors"]] if not o["ok"] else []
        rows.append(
            {
                **o,
                "problem": problem,
                "action_label": _(ACTIONS[o["action"]].label),
                "code_label": CODE_LABELS.get(o["code"], o["code"]),
                "reasons": [r for i, r in enumerate(reasons) if r and r not in reasons[:i]],
            }
        )
    done = sum(1 for o in outcomes if o["ok"])
    context = {
        "label": stored["label"],
        "rows": rows,
        "done": done,
        "refused": len(outcomes) - done,
        "next": stored["next"],
    }
    return render(request, "issues/bulk_results.html", context)
