"""Dropdown choices the way offices read them: units in tree order (indented by depth) and
people grouped under their unit. Every list comes through the scope selectors."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from issues.models import Membership
from issues.services.org import display_name

User = get_user_model()
INDENT = "\u3000"  # an ideographic space: the depth stays visible in a <select>


def indented(units) -> list[tuple[int, str]]:
    """(id, name indented by depth) for a unit queryset, in tree order."""
    rows = list(units.order_by("path").values_list("pk", "name", "path"))
    top = min((path.count("/") for _pk, _name, path in rows), default=0)
    return [(pk, INDENT * (path.count("/") - top) + name) for pk, name, path in rows]


class TreeUnitField(forms.ModelChoiceField):
    """A unit <select> in tree order, indented by depth."""

    def __init__(self, *, units, **kwargs):
        super().__init__(queryset=units, **kwargs)
        empty = [] if self.empty_label is None else [("", self.empty_label)]
        self.choices = [*empty, *indented(units)]


class TreeUnitsField(forms.ModelMultipleChoiceField):
    def __init__(self, *, units, **kwargs):
        super().__init__(queryset=units, **kwargs)
        self.choices = indented(units)


def users_by_unit(users, units=None, roles=None) -> list[tuple[str, list[tuple[int, str]]]]:
    """[(unit name, [(user id, name), ...]), ...] in tree order; a person holding roles in
    several units is listed under each. `units` and `roles` narrow the groups."""
    memberships = (
        Membership.objects.filter(user__in=users)
        .select_related("user", "unit")
        .order_by("unit__path", "user__first_name", "user__username")
    )
    if units is not None:
        memberships = memberships.filter(unit__in=units)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    groups: dict[int, tuple[str, list]] = {}
    for m in memberships:
        group = groups.setdefault(m.unit_id, (m.unit.name, []))
        entry = (m.user_id, display_name(m.user))
        if entry not in group[1]:
            group[1].append(entry)
    return list(groups.values())


class GroupedUserField(forms.ChoiceField):
    """A user <select> with an <optgroup> per unit; cleans to the user (within `users`)."""

    def __init__(self, *, users, units=None, roles=None, required=False, **kwargs):
        self.users = users
        super().__init__(required=required, **kwargs)
        self.choices = [("", "—"), *users_by_unit(users, units, roles)]

    def valid_value(self, value):
        return True  # checked against the scoped queryset in clean()

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return self.users.get(pk=int(value))
        except (ValueError, User.DoesNotExist):
            raise ValidationError(_("请选择有效的人员。"), code="invalid_choice") from None

    def prepare_value(self, value):
        return getattr(value, "pk", value)


__all__ = ["GroupedUserField", "TreeUnitField", "TreeUnitsField", "indented", "users_by_unit"]
