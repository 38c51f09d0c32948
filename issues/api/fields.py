"""Serializer fields that resolve ids within the requesting user's scope.

Every foreign key in a payload is looked up through the scope selectors, so an id that does
not exist and one the user may not see get the same answer: 400 with a field error.
"""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from issues.models import Campaign, Category, Unit
from issues.selectors.scope import scope_units, visible_campaigns, visible_users

User = get_user_model()


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """`scope(user)` gives the queryset the id must be found in; `queryset` types the schema."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


def scoped_unit(**kwargs) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(scope=scope_units, queryset=Unit.objects.all(), **kwargs)


def scoped_user(**kwargs) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(scope=visible_users, queryset=User.objects.all(), **kwargs)


def scoped_campaign(**kwargs) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(scope=visible_campaigns, queryset=Campaign.objects.all(), **kwargs)


class CategoryField(serializers.PrimaryKeyRelatedField):
    """A category by id, or by its name (as the spreadsheets carry it). A deactivated
    category is refused, unless it is the one the edited problem already has."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "no_name": "问题类别“{name}”不存在。",
        "inactive": "问题类别“{name}”已停用，请选择其他类别。",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isdigit():
            category = self.get_queryset().filter(name=data.strip()).first()
            if category is None:
                self.fail("no_name", name=data)
        else:
            category = super().to_internal_value(data)
        instance = getattr(self.parent, "instance", None)
        if not category.is_active and getattr(instance, "category_id", None) != category.pk:
            self.fail("inactive", name=category.name)
        return category


# A unit in an answer: its id and name (statistics, reporting).
class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
