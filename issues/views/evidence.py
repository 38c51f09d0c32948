"""Evidence on the problem page: the sandboxed inline preview, delete and replace.

The preview answers inline only for PNG, JPEG and PDF, with the same scope as the download;
every response is sandboxed and never sniffed. Every other type 404s here and stays an
attachment through the download view.

A PDF is never sent to the browser to display (Chromium refuses to run its PDF viewer in a
sandbox): its preview is a small page of our own listing PNG pictures of its first pages,
rendered server-side by issues.pdf_pages within fixed bounds.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from issues.exceptions import DomainError
from issues.models import Evidence
from issues.pdf_pages import (
    PREVIEW_PAGES,
    NoSuchPage,
    PdfUnreadable,
    pdf_page_count,
    pdf_page_png,
)
from issues.selectors.scope import visible_problems
from issues.services.evidence import PDF_TYPE, evidence_delete, evidence_replace, is_previewable
from issues.views.form_post import post_form, refused_on_top
from issues.views.forms import EvidenceReplaceForm
from issues.views.problem_page import render_problem


def _visible_evidence(user, pk) -> Evidence:
    return get_object_or_404(Evidence.objects.filter(problem__in=visible_problems(user)), pk=pk)


def _page(problem_id):
    return reverse("web:problem-detail", args=[problem_id]) + "#evidence"


# The PDF viewer page: ours, framed only by our own problem page; no script, no form, nothing
# loaded but our page pictures. `allow-same-origin` (with scripts still off) lets its pictures
# carry the session cookie; `allow-downloads` lets its link fetch the original file.
PDF_VIEWER_CSP = (
    "sandbox allow-same-origin allow-downloads; default-src 'none'; img-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)


def _sandboxed(response, policy="sandbox"):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = policy
    response["Cache-Control"] = "private, no-store"
    return response


def _read(evidence) -> bytes:
    with evidence.file.open("rb") as f:
        return f.read()


@require_GET
@login_required
def evidence_preview(request, pk):
    evidence = _visible_evidence(request.user, pk)
    if not is_previewable(evidence):
        raise Http404("no preview for this type")
    if evidence.content_type == PDF_TYPE:
        return _pdf_viewer(request, evidence)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=False,
        filename=evidence.file_name,
        content_type=evidence.content_type,
    )
    return _sandboxed(response)


def _pdf_viewer(request, evidence):
    context = {"evidence": evidence, "message": "", "count": 0, "pages": []}
    try:
        count = pdf_page_count(_read(evidence))
    except PdfUnreadable as exc:
        if exc.encrypted:
            context["message"] = _("该 PDF 文件已加密，无法预览，请下载后查看。")
        else:
            context["message"] = _("该 PDF 文件已损坏或无法解析，无法预览，请下载后查看。")
    else:
        if count == 0:
            context["message"] = _("该 PDF 文件没有页面，无法预览。")
        context["count"] = count
        context["pages"] = range(1, min(count, PREVIEW_PAGES) + 1)
    response = render(request, "issues/evidence_pdf.html", context)
    response["X-Frame-Options"] = "SAMEORIGIN"
    return _sandboxed(response, PDF_VIEWER_CSP)


@require_GET
@login_required
def evidence_preview_page(request, pk, number):
    """One page of a PDF as a PNG (at most the first PREVIEW_PAGES): only pixels reach the
    browser, under the same headers as an image preview."""
    evidence = _visible_evidence(request.user, pk)
    if evidence.content_type != PDF_TYPE:
        raise Http404("not a PDF")
    try:
        png = pdf_page_png(_read(evidence), number)
    except (NoSuchPage, PdfUnreadable):
        raise Http404("no such page") from None
    return _sandboxed(HttpResponse(png, content_type="image/png"))


def _failed(request, problem_id, exc):
    if exc.status in (403, 409):
        return render_problem(request, problem_id, status=exc.status, page_error=exc.detail)
    return render_problem(request, problem_id, status=exc.status)


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
    posted = post_form(
        request,
        form,
        lambda: evidence_replace(
            actor=request.user, evidence_id=evidence.pk, upload=form.cleaned_data["file"]
        ),
        success=lambda new: (
            _("已将 %(old)s 替换为 %(new)s") % {"old": evidence.file_name, "new": new.file_name}
        ),
        then=_page(evidence.problem_id),
        refused=refused_on_top,
    )
    if posted.response:
        return posted.response
    if posted.page_error:  # 403/409: about the evidence's state, not the upload
        return render_problem(
            request, evidence.problem_id, status=posted.status, page_error=posted.page_error
        )
    forms = {f"replace-{evidence.pk}": form}
    return render_problem(request, evidence.problem_id, status=posted.status, forms=forms)
