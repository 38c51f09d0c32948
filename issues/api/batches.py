"""Batches (整改批次) and campaigns (专项整治)."""

from rest_framework import generics, serializers

from issues.api.fields import scoped_unit, scoped_user
from issues.bounds import DAY_BOUNDS, REMIND_DAYS_MAX_ITEMS, validate_line
from issues.models import Batch, Campaign, StepKind
from issues.selectors.scope import visible_campaigns
from issues.services import batches


class BatchSerializer(serializers.ModelSerializer):
    # Shape only; which step kinds and orders are valid is the service's rule.
    closeout_chain = serializers.ListField(
        child=serializers.ChoiceField(choices=StepKind.choices), required=False, min_length=1
    )
    extension_chain = serializers.ListField(
        child=serializers.ChoiceField(choices=StepKind.choices), required=False, min_length=1
    )
    remind_days_before = serializers.ListField(
        child=serializers.IntegerField(
            min_value=DAY_BOUNDS["remind_days_before"][0],
            max_value=DAY_BOUNDS["remind_days_before"][1],
        ),
        required=False,
        max_length=REMIND_DAYS_MAX_ITEMS,
    )
    # Beyond §9: the issuing office (docs/permissions.md). POST without it: the creator's own.
    owner_unit = scoped_unit(required=False, allow_null=True)  # null: installation-wide

    class Meta:
        model = Batch
        fields = [
            "id",
            "name",
            "source",
            "issuer",
            "doc_no",
            "received_date",
            "default_due_date",
            "default_due_working_days",
            "code_prefix",
            "needs_list_review",
            "closeout_chain",
            "extension_chain",
            "yellow_days",
            "remind_days_before",
            "overdue_repeat_days",
            "escalate_after_days",
            "max_extension_days",
            "review_pending_days",
            "owner_unit",
            "report_cycle",
            "report_due_day",
        ]
        extra_kwargs = {"code_prefix": {"validators": [validate_line]}}  # not the unique one


class BatchListView(generics.ListCreateAPIView):
    """Readable by every signed-in user; written by superusers and office admins."""

    serializer_class = BatchSerializer
    queryset = Batch.objects.order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = batches.batch_create(
            actor=self.request.user, **serializer.validated_data
        )


class BatchDetailView(generics.RetrieveUpdateAPIView):
    """Every signed-in user sees every batch (docs/permissions.md); who may change it: 403."""

    serializer_class = BatchSerializer
    queryset = Batch.objects.select_related("owner_unit")
    http_method_names = ["get", "patch", "head", "options"]

    def update(self, request, *args, **kwargs):
        # Who may change it before what the body says: a stranger learns nothing from a 400.
        batches.require_rules_writer(request.user, self.get_object().owner_unit)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = batches.batch_update(
            actor=self.request.user, batch_id=serializer.instance.pk, **serializer.validated_data
        )


class CampaignSerializer(serializers.ModelSerializer):
    lead_unit = scoped_unit()
    leader = scoped_user(required=False, allow_null=True)
    owner_unit = scoped_unit(required=False, allow_null=True)  # null: installation-wide

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "lead_unit",
            "leader",
            "start_date",
            "end_date",
            "goal",
            "owner_unit",
        ]


class CampaignListView(generics.ListCreateAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return visible_campaigns(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = batches.campaign_create(
            actor=self.request.user, **serializer.validated_data
        )


class CampaignDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = CampaignSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return visible_campaigns(self.request.user)

    def update(self, request, *args, **kwargs):
        batches.require_rules_writer(request.user, self.get_object().owner_unit)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = batches.campaign_update(
            actor=self.request.user,
            campaign_id=serializer.instance.pk,
            **serializer.validated_data,
        )
