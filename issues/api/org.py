"""Units, users and memberships (SPEC §9). Reads go through the scope selector; writes call
the services in issues.services.org, which hold who may write what."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from issues.api.fields import ScopedPrimaryKeyField, scoped_unit
from issues.bounds import validate_line
from issues.models import Membership, Role, Unit
from issues.selectors.scope import scope_units, visible_memberships, visible_users
from issues.services import org

User = get_user_model()


def active_users(user):
    """Any active account may be granted a role: a new user has no membership yet, so it is
    outside everybody's scope until the grant; the unit is what the grant is checked on."""
    return User.objects.filter(is_active=True)


class UnitSerializer(serializers.ModelSerializer):
    parent = scoped_unit(required=False, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "code", "kind", "parent"]
        # Uniqueness of `code` is the service's to check (one answer for API and pages).
        extra_kwargs = {"code": {"validators": [validate_line]}}  # not the unique one


class UnitListView(generics.ListCreateAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self):
        return scope_units(self.request.user).order_by("sort", "id")

    def perform_create(self, serializer):
        serializer.instance = org.unit_create(actor=self.request.user, **serializer.validated_data)


class UnitDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = UnitSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return scope_units(self.request.user)

    def perform_update(self, serializer):
        serializer.instance = org.unit_update(
            actor=self.request.user, unit_id=serializer.instance.pk, **serializer.validated_data
        )


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(
        required=False, allow_blank=True, max_length=150, validators=[validate_line]
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "password"]
        extra_kwargs = {"username": {"validators": []}}

    def to_representation(self, user):
        return {
            "id": user.pk,
            "username": user.username,
            "display_name": org.display_name(user),
            "email": user.email,
        }


class UserListView(generics.ListCreateAPIView):
    serializer_class = UserSerializer

    def get_queryset(self):
        return visible_users(self.request.user).order_by("id")

    def perform_create(self, serializer):
        serializer.instance = org.user_create(actor=self.request.user, **serializer.validated_data)


class MembershipSerializer(serializers.ModelSerializer):
    user = ScopedPrimaryKeyField(scope=active_users, queryset=User.objects.all())
    unit = scoped_unit()
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "unit", "role"]
        validators = []  # the service answers a duplicate grant


class MembershipListView(generics.ListCreateAPIView):
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return visible_memberships(self.request.user).order_by("id")

    def perform_create(self, serializer):
        serializer.instance = org.membership_grant(
            actor=self.request.user, **serializer.validated_data
        )


class MembershipDetailView(generics.GenericAPIView):
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return visible_memberships(self.request.user).select_related("unit")

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        org.membership_revoke(actor=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
