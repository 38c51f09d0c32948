"""Units, users and memberships: written by superusers and by office admins within scope."""

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from issues.exceptions import ActionForbidden, InvalidInput
from issues.models import Membership, Role, Unit
from issues.selectors.scope import access_for

if TYPE_CHECKING:  # the configured model, as a type (get_user_model() gives a value)
    from django.contrib.auth.models import User
else:
    User = get_user_model()


def _require_office_admin_over(actor, unit, field="unit"):
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, unit):
        raise InvalidInput(
            "所选单位不在您的管辖范围内。", {field: ["所选单位不在您的管辖范围内。"]}
        )


def is_any_office_admin(actor) -> bool:
    access = access_for(actor)
    return access.is_superuser or bool(access.unit_ids_with_role({Role.OFFICE_ADMIN}))


def is_office_member(actor) -> bool:
    """Office admins and reviewers anywhere, and superusers (e.g. may verify the ledger)."""
    return access_for(actor).is_office()


def _require_any_office_admin(actor, detail: str):
    """Someone who is no office admin anywhere may not write at all (403, not a field error)."""
    if not is_any_office_admin(actor):
        raise ActionForbidden(detail)


@transaction.atomic
def unit_create(*, actor, name, code, kind="other", short_name="", parent=None, sort=0) -> Unit:
    _require_any_office_admin(actor, "只有整改办管理员可以创建单位。")
    if parent is None:
        if not actor.is_superuser:
            raise InvalidInput("只有系统管理员可以创建顶级单位。", {"parent": ["请选择上级单位。"]})
    else:
        _require_office_admin_over(actor, parent, "parent")
    if Unit.objects.filter(code=code).exists():
        raise InvalidInput("单位代码已存在。", {"code": ["单位代码已存在。"]})
    return Unit.objects.create(
        name=name, code=code, kind=kind, short_name=short_name, parent=parent, sort=sort
    )


@transaction.atomic
def unit_update(*, actor, unit_id: int, **fields) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, unit):
        raise ActionForbidden("您无权修改该单位。")
    if "parent" in fields and fields["parent"] != unit.parent:
        parent = fields["parent"]
        if parent is None and not actor.is_superuser:
            raise InvalidInput("只有系统管理员可以设置顶级单位。", {"parent": ["请选择上级单位。"]})
        if parent is not None:
            if parent.path.startswith(unit.path):
                raise InvalidInput(
                    "上级单位不能是本单位或其下级单位。",
                    {"parent": ["上级单位不能是本单位或其下级单位（会形成循环）。"]},
                )
            _require_office_admin_over(actor, parent, "parent")
    if "code" in fields and Unit.objects.filter(code=fields["code"]).exclude(pk=unit.pk).exists():
        raise InvalidInput("单位代码已存在。", {"code": ["单位代码已存在。"]})
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.save()
    return unit


def user_create(*, actor, username, password, display_name="", email="") -> User:
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以创建用户。")
    try:
        UnicodeUsernameValidator()(username)  # the User model's own rule; serializers skip it
    except ValidationError as exc:
        message = "登录名只能包含文字、数字和 @ . + - _，不能有空格或控制字符。"
        raise InvalidInput(message, {"username": [message]}) from exc
    if User.objects.filter(username=username).exists():
        raise InvalidInput("用户名已存在。", {"username": ["用户名已存在。"]})
    user = User(username=username, email=email, first_name=display_name[:150])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求。", {"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save()
    return user


def membership_grant(*, actor, user, unit, role) -> Membership:
    """Office admins grant roles only within their scope (so never office_admin above them),
    and never to themselves: an office admin who made itself 责任领导 or unit head could sign
    the steps it is meant to be checked by. Superusers may."""
    _require_any_office_admin(actor, "只有整改办管理员可以授权。")
    if user.pk == actor.pk and not actor.is_superuser:
        raise ActionForbidden("不能给自己授权，请由其他整改办管理员办理。")
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, unit):
        raise InvalidInput("只能在本人管辖范围内授权。", {"unit": ["所选单位不在您的管辖范围内。"]})
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if not created:
        raise InvalidInput("该任职已存在。", {"role": ["该任职已存在。"]})
    return membership


def membership_revoke(*, actor, membership: Membership):
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, membership.unit):
        raise ActionForbidden("只能撤销本人管辖范围内的任职。")
    membership.delete()


def display_name(user) -> str:
    return user.first_name or user.get_full_name() or user.username
