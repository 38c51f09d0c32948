"""导入问题清单: upload and batch → a dry run listing every bad row → confirm the real import.

Both steps call books.services.importer.problems_import, the API's service: the dry run
writes nothing, the real import is all or nothing. Between the two steps the checked file
waits in the default storage (where evidence lives, so every web process reads it) under a
random name that only this user's session knows; the confirmation imports exactly the file
that was checked.

When the only thing a fresh installation lacks is categories (问题类别) the file uses, an
office admin who maintains the dictionary adds them all in one step; the same stored file is
then checked again.
"""

import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from books.services.importer import ImportRejected, may_import, problems_import
from issues.exceptions import DomainError
from issues.models import Batch, Source
from issues.selectors.similar import similar_to_text
from issues.services.categories import categories_add_missing, may_manage_categories
from issues.services.org import display_name
from issues.views.books_common import books_context
from issues.views.forms import add_domain_errors

SESSION_KEY = "pending_import"
PENDING_DIR = "imports/pending"


class ImportForm(forms.Form):
    batch = forms.ModelChoiceField(
        label=gettext_lazy("导入到整改批次"),
        queryset=Batch.objects.order_by("-id"),
        empty_label=gettext_lazy("（请选择批次）"),
    )
    file = forms.FileField(
        label=gettext_lazy("问题清单文件（.xlsx）"),
        help_text=gettext_lazy("按表头识别各列，列的顺序不限；单位可填名称、简称或代码。"),
    )


def _forget(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["key"])


def _sweep():
    """Drop files checked but never confirmed nor cancelled (a closed tab) after a day."""
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(days=1)
    for name in files:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _keep(request, upload, batch, rows, missing=()) -> dict:
    """Store the checked file for the next step: the import (`rows` passed the check) or,
    after a rejection, adding the `missing` categories and checking again."""
    _forget(request)
    _sweep()
    upload.seek(0)
    key = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.xlsx", upload)
    pending = {
        "key": key,
        "token": uuid.uuid4().hex,
        "name": upload.name,
        "batch": batch.pk,
        "rows": rows,
        "missing": list(missing),
    }
    request.session[SESSION_KEY] = pending
    return pending


def _rejected(request, form, exc, upload, batch):
    """The check failed: every bad row, and the offer to add the missing categories."""
    missing = exc.missing_categories if may_manage_categories(request.user) else []
    if missing:
        fixable = _keep(request, upload, batch, None, missing)
    else:
        _forget(request)
        fixable = None
    context = {"errors": exc.row_errors, "detail": exc.detail, "fixable": fixable}
    return _page(request, form=form, status=400, **context)


def _page(request, *, form, status=200, **context):
    context.setdefault("errors", [])
    return render(
        request,
        "issues/books/import.html",
        books_context(
            request,
            "import",
            form=form,
            template_url=reverse("import-template"),
            **context,
        ),
        status=status,
    )


def _check(request, form):
    data = form.cleaned_data
    try:
        result = problems_import(
            actor=request.user, batch=data["batch"], upload=data["file"], dry_run=True
        )
    except ImportRejected as exc:
        return _rejected(request, form, exc, data["file"], data["batch"])
    except DomainError as exc:
        _forget(request)
        add_domain_errors(form, exc)
        return _page(request, form=form, status=exc.status)
    pending = _keep(request, data["file"], data["batch"], result.created)
    return _page(request, form=form, **_passed(request.user, pending, data["batch"], result.rows))


PREVIEW_ROWS = 200  # rows the 检查通过 step renders; a 10 000-row file is counted, not drawn
SIMILAR_ROWS = 50  # 举一反三 on the dry run: one similarity query per row, so the first rows only


def _passed(user, pending, batch, rows) -> dict:
    """The 检查通过 step's context: the first rows as they will be imported.

    Everything shown was loaded by the check (units, users, categories), so drawing the rows
    costs no query; only the 举一反三 hint asks the database, for the first SIMILAR_ROWS rows.
    """
    similar = {}
    for row in rows[:SIMILAR_ROWS]:
        title, description = row.fields["title"], row.fields["description"]
        similar[row.row] = similar_to_text(user, title=title, description=description)
    first_code = batch.last_seq + 1  # the codes the import reserves, unless another comes first
    preview = [
        {
            "row": row.row,
            "code": f"{batch.code_prefix}-{first_code + i:03d}",
            "fields": row.fields,
            "source": Source(row.fields["source"]).label,
            "cooperating": "、".join(u.name for u in row.cooperating_units),
            "leader": display_name(row.fields["responsible_leader"])
            if row.fields["responsible_leader"]
            else "",
            "measures": [
                {
                    "content": m.content,
                    "unit": m.unit.name,
                    "owner": display_name(m.owner) if m.owner else "",
                    "due_date": m.due_date,
                }
                for m in row.measures
            ],
            "similar": similar.get(row.row, []),
        }
        for i, row in enumerate(rows[:PREVIEW_ROWS])
    ]
    return {"pending": pending, "batch": batch, "preview": preview, "total": len(rows)}


def _stored(request):
    """(pending, batch) of the file this session checked, or None when it has gone."""
    pending = request.session.get(SESSION_KEY)
    if not pending or request.POST.get("token") != pending["token"]:
        return None
    batch = Batch.objects.filter(pk=pending["batch"]).first()
    if batch is None or not default_storage.exists(pending["key"]):
        _forget(request)
        return None
    return pending, batch


def _add_categories(request):
    """Add the categories the rejected file lacks, then check the same file again."""
    stored = _stored(request)
    if stored is None or not stored[0].get("missing"):
        messages.error(request, _("导入已失效，请重新上传并检查。"))
        return redirect("web:books-import")
    pending, batch = stored
    try:
        added = categories_add_missing(actor=request.user, names=pending["missing"])
    except DomainError as exc:
        _forget(request)
        messages.error(request, exc.detail)
        return redirect("web:books-import")
    names = "、".join(c.name for c in added) or _("（无，已存在）")
    messages.success(request, _("已添加问题类别：%(names)s。已重新检查。") % {"names": names})
    form = ImportForm(initial={"batch": batch.pk})
    with default_storage.open(pending["key"], "rb") as handle:
        upload = File(handle, name=pending["name"])
        try:
            result = problems_import(actor=request.user, batch=batch, upload=upload, dry_run=True)
        except ImportRejected as exc:
            return _rejected(request, form, exc, upload, batch)
        except DomainError as exc:
            _forget(request)
            messages.error(request, exc.detail)
            return redirect("web:books-import")
        pending = _keep(request, upload, batch, result.created)
    return _page(request, form=form, **_passed(request.user, pending, batch, result.rows))


def _confirm(request):
    stored = _stored(request)
    if stored is None or stored[0].get("rows") is None:
        messages.error(request, _("导入已失效，请重新上传并检查。"))
        return redirect("web:books-import")
    pending, batch = stored
    try:
        with default_storage.open(pending["key"], "rb") as handle:
            result = problems_import(
                actor=request.user,
                batch=batch,
                upload=File(handle, name=pending["name"]),
                dry_run=False,
            )
    except ImportRejected as exc:  # the data changed since the check (a unit was renamed…)
        _forget(request)
        form = ImportForm(initial={"batch": batch.pk})
        return _page(request, form=form, status=400, errors=exc.row_errors, detail=exc.detail)
    except DomainError as exc:
        _forget(request)
        messages.error(request, exc.detail)
        return redirect("web:books-import")
    _forget(request)
    messages.success(
        request,
        _("已导入 %(n)s 个问题到“%(batch)s”，均为草稿，请核对后交办。")
        % {"n": result.created, "batch": batch.name},
    )
    query = urlencode({"batch": batch.pk, "status": "draft", "ordering": "code"})
    return redirect(reverse("web:problems") + "?" + query)


@require_http_methods(["GET", "POST"])
@login_required
def import_page(request):
    if not may_import(request.user):
        raise PermissionDenied(_("只有整改办管理员可以导入问题清单。"))
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request)
    if request.method == "POST" and request.POST.get("step") == "add_categories":
        return _add_categories(request)
    if request.method == "POST" and request.POST.get("step") == "cancel":
        _forget(request)
        return redirect("web:books-import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            return _check(request, form)
        return _page(request, form=form, status=400)
    return _page(request, form=form)
