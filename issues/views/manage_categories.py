"""管理 → 问题类别: the category dictionary. Every office admin sees it; superusers and office
admins at a root unit add, rename, reorder, deactivate and delete (an unused category only)
through issues.services.categories, as the API does."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from issues.exceptions import DomainError
from issues.models import Category
from issues.services import categories
from issues.views.form_post import post_form
from issues.views.manage_common import manage_context, office_admin_required


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("类别名称"), max_length=categories.NAME_MAX_LENGTH, strip=False
    )
    sort = forms.IntegerField(
        label=gettext_lazy("排序"),
        min_value=0,
        max_value=categories.SORT_MAX,
        required=False,
        help_text=gettext_lazy("数字小的排在前面；不填则排在最后。"),
    )


class CategoryEditForm(CategoryForm):
    is_active = forms.BooleanField(
        label=gettext_lazy("启用"),
        required=False,
        help_text=gettext_lazy("停用后，已有问题保留该类别，新登记和导入的问题不能再选用。"),
    )


def _require_manager(request):
    if not categories.may_manage_categories(request.user):
        raise PermissionDenied(_("只有顶层单位的整改办管理员或系统管理员可以维护问题类别。"))


def _back_url(category=None) -> str:
    return reverse("web:manage-categories") + (f"#category-{category.pk}" if category else "")


def _back(category=None):
    return redirect(_back_url(category))


@require_http_methods(["GET", "POST"])
@office_admin_required
def category_index(request):
    """The dictionary in display order with how many problems use each, and the add form."""
    may_manage = categories.may_manage_categories(request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request)
    posted = post_form(
        request,
        form,
        lambda: categories.category_create(actor=request.user, **form.cleaned_data),
        success=lambda category: _("已新增问题类别：%(name)s") % {"name": category.name},
        then=_back_url,
    )
    if posted.response:
        return posted.response
    rows = Category.objects.annotate(problem_count=Count("problems")).order_by("sort", "id")
    context = manage_context(
        "categories",
        categories=rows,
        form=form,
        may_manage=may_manage,
        form_open=request.method == "POST",
        page_error=posted.page_error,
    )
    return render(request, "issues/manage/categories.html", context, status=posted.status)


@require_http_methods(["GET", "POST"])
@office_admin_required
def category_edit(request, pk):
    _require_manager(request)
    category = get_object_or_404(Category, pk=pk)
    initial = {"name": category.name, "sort": category.sort, "is_active": category.is_active}
    form = CategoryEditForm(request.POST or None, initial=initial)

    def save():
        fields = dict(form.cleaned_data)
        if fields["sort"] is None:
            fields.pop("sort")
        return categories.category_update(actor=request.user, category_id=category.pk, **fields)

    posted = post_form(
        request,
        form,
        save,
        success=lambda saved: _("已保存问题类别：%(name)s") % {"name": saved.name},
        then=_back_url,
    )
    if posted.response:
        return posted.response
    used = category.problems.count()
    context = manage_context(
        "categories", form=form, category=category, used=used, page_error=posted.page_error
    )
    return render(request, "issues/manage/category_form.html", context, status=posted.status)


@require_POST
@office_admin_required
def category_delete(request, pk):
    _require_manager(request)
    category = get_object_or_404(Category, pk=pk)
    try:
        categories.category_delete(actor=request.user, category_id=category.pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _back(category)
    messages.success(request, _("已删除问题类别：%(name)s") % {"name": category.name})
    return _back()
