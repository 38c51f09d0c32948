"""报送 pages (SPEC §12): the periods and each unit's status, the office's board for a period
with one-click 催报 and the .xlsx roll-up, and a unit's period report (last period's text
pre-filled, phone-friendly). Every write goes through issues.services.reporting."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from issues.exceptions import ActionForbidden, NotFound
from issues.models import ACTIVE_STATES, Batch, Problem, ProgressReport, ReportCycle, ReportPeriod
from issues.selectors.reporting import STATUS_LABELS, period_board, report_periods, task_status
from issues.selectors.scope import access_for
from issues.services.reporting import (
    SUBMITTERS,
    period_chase,
    period_report_submit,
    report_periods_open,
)
from issues.views.form_post import Posted, post_form


def _period(pk) -> ReportPeriod:
    period = ReportPeriod.objects.select_related("batch").filter(pk=pk).first()
    if period is None:
        raise Http404(_("报送期次不存在。"))
    return period


@login_required
def report_index(request):
    """Batches with a rhythm and their latest periods; each row the visible units' statuses."""
    report_periods_open()
    batches = Batch.objects.exclude(report_cycle=ReportCycle.NONE).order_by("-id")
    batch_id = request.GET.get("batch", "")
    batch = batches.filter(pk=batch_id).first() if batch_id.isdigit() else None
    today = timezone.localdate()
    periods = list(report_periods(request.user, batch_id=batch.pk if batch else None)[:30])
    access = access_for(request.user)
    for period in periods:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        period.mine = []
        for task in period.visible_tasks:
            task.status = task_status(task, period.due_on, today)
            task.status_label = STATUS_LABELS[task.status]
            counts[task.status] += 1
            if access.has_role_at(SUBMITTERS, task.unit):
                period.mine.append(task)
        period.counts = [(STATUS_LABELS[k], k, n) for k, n in counts.items()]
    context = {
        "batches": batches,
        "batch": batch,
        "periods": periods,
        "is_office": access.is_office(),
        "nav_current": "reports",
    }
    return render(request, "issues/reporting/index.html", context)


@login_required
def report_board(request, pk):
    """The office's board: 已报/迟报/未报/待报 per unit, what each reported, 催报, roll-up."""
    period = _period(pk)
    rows = period_board(request.user, period)
    totals = {key: sum(r["status"] == key for r in rows) for key in STATUS_LABELS}
    context = {
        "period": period,
        "rows": rows,
        "totals": [(STATUS_LABELS[k], k, n) for k, n in totals.items()],
        "unreported": totals["missing"] + totals["pending"],
        "is_office": access_for(request.user).is_office(),
        "rollup_url": reverse("api:report-period-rollup", args=[period.pk]),
        "nav_current": "reports",
    }
    return render(request, "issues/reporting/board.html", context)


@require_POST
@login_required
def report_chase(request, pk):
    try:
        units = period_chase(actor=request.user, period_id=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    except ActionForbidden as exc:
        raise PermissionDenied(exc.detail) from None
    if units:
        messages.success(request, _("已向 %(n)d 个未报送单位发出催报。") % {"n": len(units)})
    else:
        messages.info(request, _("所有单位均已报送，无需催报。"))
    return redirect("web:report-board", pk=pk)


class EntryForm(forms.Form):
    content = forms.CharField(label=_("本期进展"), widget=forms.Textarea(attrs={"rows": 3}))
    difficulties = forms.CharField(
        label=_("存在困难"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("下步打算"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100, initial=0)


def _submit_unit(request, period):
    """The unit this user reports for: ?unit=, else their only listed unit."""
    access = access_for(request.user)
    tasks = [
        t for t in period.tasks.select_related("unit") if access.has_role_at(SUBMITTERS, t.unit)
    ]
    wanted = request.GET.get("unit") or request.POST.get("unit")
    if wanted and wanted.isdigit():
        tasks = [t for t in tasks if t.unit_id == int(wanted)]
    if not tasks:
        raise PermissionDenied(_("您不是本期任何报送单位的联络员或主要负责人。"))
    return tasks[0]


@require_http_methods(["GET", "POST"])
@login_required
def report_submit(request, pk):
    """One form per problem the unit leads in the batch, pre-filled with its last report."""
    period = _period(pk)
    task = _submit_unit(request, period)
    problems = list(
        Problem.objects.filter(
            Q(status__in=ACTIVE_STATES) | Q(progress_reports__period=period.period),
            batch=period.batch,
            lead_unit=task.unit,
        )
        .distinct()
        .order_by("code", "pk")
    )
    last = {}
    for report in ProgressReport.objects.filter(problem__in=problems).order_by(
        "submitted_at", "id"
    ):
        last[report.problem_id] = report
    rows = []
    for problem in problems:
        previous = last.get(problem.pk)
        initial = {}
        if previous is not None:
            initial = {
                "content": previous.content,
                "difficulties": previous.difficulties,
                "next_steps": previous.next_steps,
                "percent": previous.percent,
            }
        data = request.POST if request.method == "POST" else None
        rows.append(
            {
                "problem": problem,
                "previous": previous,
                "form": EntryForm(data, prefix=f"p{problem.pk}", initial=initial),
            }
        )
    submitted = task.submitted_at is not None
    posted = Posted()
    if not submitted:
        posted = post_form(
            request,
            [row["form"] for row in rows],
            lambda: period_report_submit(
                actor=request.user,
                period_id=period.pk,
                unit=task.unit,
                entries=[{"problem": r["problem"].pk, **r["form"].cleaned_data} for r in rows],
            ),
            success=_("本期进展已报送。"),
            then=reverse("web:report-submit", args=[period.pk]) + f"?unit={task.unit_id}",
            refused=lambda _form, exc: (exc.status, exc.detail),  # about the whole report
            invalid=_("请检查标红的内容。"),
        )
    if posted.response:
        return posted.response
    context = {
        "period": period,
        "task": task,
        "status_label": STATUS_LABELS[task_status(task, period.due_on, timezone.localdate())],
        "rows": rows,
        "submitted": submitted,
        "page_error": posted.page_error,
        "nav_current": "reports",
    }
    return render(request, "issues/reporting/submit.html", context, status=posted.status)
