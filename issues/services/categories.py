"""The category dictionary (问题类别, SPEC §2 and §12).

There is one dictionary per installation, so only those who administer the whole
installation change it: superusers and office admins at a root unit. Every signed-in user
reads it. The six 主题教育 categories are seeded by a migration. A category that problems use
is deactivated, never deleted: its problems keep it, new problems and imports cannot pick it.
"""

import unicodedata

from django.db import IntegrityError, transaction

from issues.exceptions import ActionForbidden, InvalidInput, InvalidTransition, NotFound
from issues.models import Category
from issues.selectors.scope import access_for

NAME_MAX_LENGTH = 50  # the column's length
SORT_MAX = 9999


def may_manage_categories(actor) -> bool:
    return access_for(actor).is_root_office_admin


def _require_manager(actor):
    if not may_manage_categories(actor):
        raise ActionForbidden("只有顶层单位的整改办管理员或系统管理员可以维护问题类别。")


def clean_category_name(name) -> str:
    """The name as stored, or InvalidInput: trimmed, not empty, bounded, printable."""
    text = str(name or "").strip()
    if not text:
        message = "类别名称不能为空。"
    elif len(text) > NAME_MAX_LENGTH:
        message = f"类别名称不能超过 {NAME_MAX_LENGTH} 个字。"
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        message = "类别名称不能包含控制字符或不可见字符。"
    else:
        return text
    raise InvalidInput(message, {"name": [message]})


def _check_sort(sort) -> int:
    if isinstance(sort, bool) or not isinstance(sort, int) or not 0 <= sort <= SORT_MAX:
        message = f"排序须为 0 到 {SORT_MAX} 的整数。"
        raise InvalidInput(message, {"sort": [message]})
    return sort


def _name_taken(name: str, exclude_id=None):
    if Category.objects.filter(name=name).exclude(pk=exclude_id).exists():
        message = f"类别“{name}”已存在。"
        raise InvalidInput(message, {"name": [message]})


def _save(category: Category) -> Category:
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:  # a concurrent writer took the name between check and save
        _name_taken(category.name, exclude_id=category.pk)
        raise
    return category


def _get(category_id, *, lock=False) -> Category:
    queryset = Category.objects.select_for_update() if lock else Category.objects
    try:
        return queryset.get(pk=category_id)
    except (Category.DoesNotExist, ValueError, TypeError):
        raise NotFound("问题类别不存在。") from None


def next_sort() -> int:
    last = Category.objects.order_by("-sort").values_list("sort", flat=True).first()
    return min((last or 0) + 1, SORT_MAX)


def category_create(*, actor, name, sort=None, is_active=True) -> Category:
    _require_manager(actor)
    name = clean_category_name(name)
    sort = next_sort() if sort is None else _check_sort(sort)
    _name_taken(name)
    return _save(Category(name=name, sort=sort, is_active=bool(is_active)))


def category_update(*, actor, category_id: int, **fields) -> Category:
    """Rename, reorder, deactivate or reactivate."""
    _require_manager(actor)
    unknown = set(fields) - {"name", "sort", "is_active"}
    if unknown:
        raise InvalidInput("不可设置的字段。", {name: ["不可设置。"] for name in sorted(unknown)})
    category = _get(category_id)
    if "name" in fields:
        category.name = clean_category_name(fields["name"])
        _name_taken(category.name, exclude_id=category.pk)
    if "sort" in fields:
        category.sort = _check_sort(fields["sort"])
    if "is_active" in fields:
        category.is_active = bool(fields["is_active"])
    return _save(category)


@transaction.atomic
def category_delete(*, actor, category_id: int) -> None:
    """Only an unused category is deleted; one in use answers 409 (deactivate it instead)."""
    _require_manager(actor)
    category = _get(category_id, lock=True)
    used = category.problems.count()
    if used:
        raise InvalidTransition(
            f"已有 {used} 个问题使用类别“{category.name}”，不能删除；可以停用。"
        )
    category.delete()


def categories_add_missing(*, actor, names) -> list[Category]:
    """Create every name not yet in the dictionary (the import page's one-step add), in one
    transaction; a name already there is left as it is. Returns the created categories."""
    _require_manager(actor)
    cleaned = list(dict.fromkeys(clean_category_name(n) for n in names))
    with transaction.atomic():
        existing = set(Category.objects.filter(name__in=cleaned).values_list("name", flat=True))
        created = []
        for name in cleaned:
            if name not in existing:
                created.append(_save(Category(name=name, sort=next_sort())))
    return created
