"""回头看 (follow-up reviews of closed problems) and 建章立制 (the register of rules made).

Writes call issues.services.books (regulation_create, regulation_update), the API's services;
reads go through the scope selectors. A follow-up is recorded on the problem page of a closed
problem (follow_ups.py; its form is issues/views/problem_books.py); its register lists every
follow-up in scope.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from issues.bounds import validate_date, validate_line
from issues.exceptions import ActionForbidden, DomainError
from issues.models import (
    FollowUpResult,
    FollowUpReview,
    RegulationKind,
    Role,
    Status,
    Unit,
)
from issues.selectors.books import visible_regulations
from issues.selectors.scope import access_for, scope_units, visible_problems
from issues.services.books import regulation_create, regulation_update
from issues.views.books_common import books_context
from issues.views.forms import DateInput, add_domain_errors
from issues.views.manage_common import indented_units, managed_units

PAGE_SIZE = 50


# --- 回头看 -------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def follow_up_index(request):
    user = request.user
    problems = visible_problems(user)
    reviews = FollowUpReview.objects.filter(problem__in=problems.values("pk")).select_related(
        "problem", "problem__lead_unit", "reviewer"
    )
    result = request.GET.get("result", "")
    if result in FollowUpResult.values:
        reviews = reviews.filter(result=result)
    page = Paginator(reviews.order_by("-review_date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Closed problems nobody has looked at again yet, oldest closings first.
    waiting = (
        problems.filter(status=Status.CLOSED)
        .exclude(Exists(FollowUpReview.objects.filter(problem_id=OuterRef("pk"))))
        .select_related("lead_unit")
        .order_by("closed_at", "pk")
    )
    access = access_for(user)
    return render(
        request,
        "issues/books/follow_ups.html",
        books_context(
            request,
            "follow_ups",
            page=page,
            result=result,
            results=FollowUpResult.choices,
            waiting=list(waiting[:10]),
            waiting_count=waiting.count(),
            records=access.is_office(),
        ),
    )


# --- 建章立制 ------------------------------------------------------------------------------------


def regulation_units(user):
    """Units whose regulations this user may register: an office admin's scope, and the
    units where they are the liaison (issues.services.books.may_write_regulation)."""
    own = access_for(user).unit_ids_with_role({Role.UNIT_ADMIN})
    return Unit.objects.filter(Q(pk__in=managed_units(user).values("pk")) | Q(pk__in=own))


class UnitChoiceField(forms.ModelChoiceField):
    def __init__(self, *, user, **kwargs):
        queryset = regulation_units(user)
        super().__init__(queryset=queryset, **kwargs)
        self._labels = dict(indented_units(user, queryset))

    def label_from_instance(self, obj):
        return self._labels.get(obj.pk, obj.name)


class RegulationForm(forms.Form):
    name = forms.CharField(
        validators=[validate_line], label=gettext_lazy("制度名称"), max_length=200
    )
    doc_no = forms.CharField(
        validators=[validate_line], label=gettext_lazy("文号"), max_length=100, required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=RegulationKind.choices)
    issued_on = forms.DateField(
        validators=[validate_date], label=gettext_lazy("印发日期"), widget=DateInput()
    )
    problems = forms.CharField(
        label=gettext_lazy("关联问题编号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("填写问题编号，多个用逗号、空格或换行分隔，例如 2024-XC3-001。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("制定单位"))
        self.order_fields(["name", "doc_no", "kind", "issued_on", "unit", "problems"])

    def clean_problems(self):
        """Codes → problem ids within scope; which ones may be linked is the service's rule."""
        codes = [c for c in re.split(r"[\s,，、;；]+", self.cleaned_data["problems"]) if c]
        found = dict(visible_problems(self.user).filter(code__in=codes).values_list("code", "pk"))
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(
                _("找不到这些问题编号（或不在您的查看范围内）：%(codes)s")
                % {"codes": "、".join(missing)}
            )
        return [found[c] for c in dict.fromkeys(codes)]


@require_http_methods(["GET"])
@login_required
def regulation_index(request):
    user = request.user
    linked = Prefetch(
        "problems",
        queryset=visible_problems(user).only("id", "code", "title").order_by("code"),
        to_attr="visible_linked",
    )
    regulations = visible_regulations(user).select_related("unit").prefetch_related(linked)
    q = request.GET.get("q", "").strip()
    if q:
        regulations = regulations.filter(Q(name__icontains=q) | Q(doc_no__icontains=q))
    kind = request.GET.get("kind", "")
    if kind in RegulationKind.values:
        regulations = regulations.filter(kind=kind)
    unit = request.GET.get("unit", "")
    units = indented_units(user, scope_units(user))
    if unit.isdigit() and int(unit) in dict(units):
        path = Unit.objects.values_list("path", flat=True).get(pk=unit)
        regulations = regulations.filter(unit__path__startswith=path)
    page = Paginator(regulations.order_by("-issued_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    writable = set(regulation_units(user).values_list("pk", flat=True))
    for r in page.object_list:
        r.editable = r.unit_id in writable
    query = {k: v for k, v in (("q", q), ("kind", kind), ("unit", unit)) if v}
    return render(
        request,
        "issues/books/regulations.html",
        books_context(
            request,
            "regulations",
            page=page,
            q=q,
            kind=kind,
            kinds=RegulationKind.choices,
            unit_id=int(unit) if unit.isdigit() else None,
            units=units,
            query=urlencode(query),
            filtered=bool(query),
            can_add=bool(writable),
        ),
    )


def _regulation_form_page(request, regulation):
    user = request.user
    if regulation is None:
        initial = {"kind": RegulationKind.NEW, "issued_on": timezone.localdate()}
        if request.GET.get("problem"):
            initial["problems"] = request.GET["problem"]
        if request.GET.get("unit", "").isdigit():
            initial["unit"] = int(request.GET["unit"])
    else:
        codes = visible_problems(user).filter(regulations=regulation).order_by("code")
        initial = {
            "name": regulation.name,
            "doc_no": regulation.doc_no,
            "kind": regulation.kind,
            "issued_on": regulation.issued_on,
            "unit": regulation.unit_id,
            "problems": "\n".join(codes.values_list("code", flat=True)),
        }
    form = RegulationForm(request.POST or None, user=user, initial=initial)
    status, page_error = 200, ""
    if request.method == "POST" and form.is_valid():
        try:
            if regulation is None:
                saved = regulation_create(actor=user, **form.cleaned_data)
            else:
                saved = regulation_update(
                    actor=user, regulation_id=regulation.pk, **form.cleaned_data
                )
        except ActionForbidden as exc:
            status, page_error = exc.status, exc.detail
        except DomainError as exc:
            add_domain_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
            return redirect(reverse("web:regulations") + f"#regulation-{saved.pk}")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "issues/books/regulation_form.html",
        books_context(
            request, "regulations", form=form, regulation=regulation, page_error=page_error
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def regulation_add(request):
    if not regulation_units(request.user).exists():
        raise PermissionDenied(_("只有整改办管理员或单位联络员可以登记建章立制。"))
    return _regulation_form_page(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def regulation_edit(request, pk):
    regulation = get_object_or_404(visible_regulations(request.user), pk=pk)
    if not regulation_units(request.user).filter(pk=regulation.unit_id).exists():
        raise PermissionDenied(_("只有整改办管理员或本单位联络员可以修改本单位的制度。"))
    return _regulation_form_page(request, regulation)
