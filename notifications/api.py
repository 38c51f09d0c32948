"""Notification endpoints of SPEC §9, plus e-mail preferences and unit webhooks."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from issues.models import Unit
from issues.selectors.scope import scope_units

from . import selectors, services
from .models import Notification, WebhookDelivery, WebhookEndpoint
from .webhook_http import FAILURE_LABELS


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "problem", "title", "body", "created_at", "read_at"]
        read_only_fields = fields


class NotificationListView(generics.ListAPIView):
    """The caller's notifications, newest first; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        unread = self.request.query_params.get("unread")
        flag = {"true": True, "false": False}.get((unread or "").lower())
        return selectors.notifications_for(self.request.user, unread=flag)


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        request=None, responses=inline_serializer("Marked", {"marked": serializers.IntegerField()})
    )
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


class UnreadCountView(APIView):
    @extend_schema(
        responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
    )
    def get(self, request):
        return Response({"unread": selectors.unread_count(request.user)})


class EmailPreferencesSerializer(serializers.Serializer):
    email_opt_out = serializers.ListField(child=serializers.CharField(), allow_empty=True)


class EmailPreferencesView(APIView):
    """Kinds of notification the caller does not want by e-mail (in-app cannot be turned off)."""

    @extend_schema(responses=EmailPreferencesSerializer)
    def get(self, request):
        kinds = sorted(
            services.EmailOptOut.objects.filter(user=request.user).values_list("kind", flat=True)
        )
        return Response({"email_opt_out": kinds, "kinds": list(services.EMAIL_KINDS)})

    @extend_schema(request=EmailPreferencesSerializer, responses=EmailPreferencesSerializer)
    def put(self, request):
        serializer = EmailPreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kinds = services.email_opt_outs_set(
            user=request.user, kinds=serializer.validated_data["email_opt_out"]
        )
        return Response({"email_opt_out": kinds, "kinds": list(services.EMAIL_KINDS)})


class WebhookSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    secret = serializers.CharField(write_only=True, max_length=100)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "unit", "url", "secret", "format", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["unit"].queryset = scope_units(request.user)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not services.may_manage_webhooks(request.user, instance.unit):
            data["url"] = services.mask_url(instance.url)  # robot tokens: managers only
        return data


class WebhookListView(generics.ListCreateAPIView):
    """Per-unit webhooks (JSON signed with HMAC-SHA256, or DingTalk/WeCom robot text)."""

    serializer_class = WebhookSerializer

    def get_queryset(self):
        return selectors.visible_webhooks(self.request.user).order_by("pk")

    def perform_create(self, serializer):
        serializer.instance = services.webhook_create(
            actor=self.request.user, **serializer.validated_data
        )


class WebhookDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = WebhookSerializer
    http_method_names = ["get", "patch", "options"]

    def get_queryset(self):
        return selectors.visible_webhooks(self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.webhook_update(
            actor=self.request.user, endpoint=serializer.instance, **serializer.validated_data
        )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_key",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status",
            "failure",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("manager"):
            # Unit staff see what kind of failure it was; the detail (addresses, ports,
            # refused connections) only the unit's managers.
            label = FAILURE_LABELS.get(instance.failure)
            data["last_error"] = (
                str(label) if label else ("发送失败" if instance.last_error else "")
            )
        return data


class WebhookDeliveryListView(generics.ListAPIView):
    """Recent deliveries of one endpoint: failures are recorded and visible here."""

    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        self.endpoint = get_object_or_404(
            selectors.visible_webhooks(self.request.user), pk=self.kwargs["pk"]
        )
        return selectors.webhook_deliveries(self.request.user, self.endpoint.pk)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        endpoint = getattr(self, "endpoint", None)
        context["manager"] = endpoint is not None and services.may_manage_webhooks(
            self.request.user, endpoint.unit
        )
        return context
