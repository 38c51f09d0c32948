"""The caller's own identity (signing in is accounts.api)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from issues.models import Membership
from issues.services.org import display_name


class MembershipUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class OwnMembershipSerializer(serializers.Serializer):
    unit = MembershipUnitSerializer()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    is_superuser = serializers.BooleanField()
    memberships = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return display_name(user)

    @extend_schema_field(OwnMembershipSerializer(many=True))
    def get_memberships(self, user):
        memberships = Membership.objects.filter(user=user).select_related("unit")
        return OwnMembershipSerializer(
            memberships.order_by("unit__sort", "unit_id"), many=True
        ).data


class MeView(APIView):
    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
