"""Evidence on the problem page: the sandboxed inline preview, delete and replace.

The preview answers inline only for the types a browser shows safely (PNG, JPEG, PDF) and
with the same scope as the download; the response is sandboxed and never sniffed. Every
other type 404s here and stays an attachment through the download view.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from issues.exceptions import DomainError
from issues.models import Evidence
from issues.selectors.scope import visible_problems
from issues.services.evidence import evidence_delete, evidence_replace, is_previewable
from issues.views.forms import EvidenceReplaceForm, add_domain_errors
from issues.views.problem_page import render_problem


def _visible_evidence(user, pk) -> Evidence:
    return get_object_or_404(Evidence.objects.filter(problem__in=visible_problems(user)), pk=pk)


def _page(problem_id):
    return reverse("web:problem-detail", args=[problem_id]) + "#evidence"


@require_GET
@login_required
def evidence_preview(request, pk):
    evidence = _visible_evidence(request.user, pk)
    if not is_previewable(evidence):
        raise Http404("no preview for this type")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=False,
        filename=evidence.file_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _failed(request, problem_id, exc, forms=None):
    if exc.status in (403, 409):
        return render_problem(request, problem_id, status=exc.status, page_error=exc.detail)
    return render_problem(request, problem_id, status=exc.status, forms=forms or {})


@require_POST
@login_required
def evidence_delete_post(request, pk):
    evidence = _visible_evidence(request.user, pk)
    try:
        evidence_delete(actor=request.user, evidence_id=evidence.pk)
    except DomainError as exc:
        return _failed(request, evidence.problem_id, exc)
    messages.success(request, _("已删除佐证材料：%(name)s") % {"name": evidence.file_name})
    return redirect(_page(evidence.problem_id))


@require_POST
@login_required
def evidence_replace_post(request, pk):
    evidence = _visible_evidence(request.user, pk)
    form = EvidenceReplaceForm(request.POST, request.FILES, prefix=f"r{evidence.pk}")
    key = f"replace-{evidence.pk}"
    if not form.is_valid():
        return render_problem(request, evidence.problem_id, status=400, forms={key: form})
    try:
        new = evidence_replace(
            actor=request.user, evidence_id=evidence.pk, upload=form.cleaned_data["file"]
        )
    except DomainError as exc:
        if exc.status not in (403, 409):
            add_domain_errors(form, exc)
        return _failed(request, evidence.problem_id, exc, forms={key: form})
    messages.success(
        request,
        _("已将 %(old)s 替换为 %(new)s") % {"old": evidence.file_name, "new": new.file_name},
    )
    return redirect(_page(evidence.problem_id))
