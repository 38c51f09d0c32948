"""Problems and measures as SPEC §9 shows them, and the payloads that create and edit them.

Reading never queries per row: the problem list selector prefetches what these need.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from issues.api.fields import CategoryField, scoped_campaign, scoped_unit, scoped_user
from issues.bounds import validate_date, validate_text
from issues.models import Batch, Measure, MeasureStatus, Problem, Unit
from issues.selectors.deadlines import Light, measure_is_overdue
from issues.services.inputs import resolve_working_days
from issues.services.workdays import MAX_WORKING_DAYS
from issues.services.workflow import ACTIONS, allowed_actions


class MeasureSerializer(serializers.ModelSerializer):
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "problem",
            "seq",
            "content",
            "unit",
            "owner",
            "due_date",
            "status",
            "done_at",
            "done_note",
            "is_overdue",
        ]
        read_only_fields = fields

    def get_is_overdue(self, measure) -> bool:
        annotated = getattr(measure, "is_overdue", None)
        if annotated is not None:
            return bool(annotated)
        # Nested in a problem: the prefetch set `measure.problem`, no query.
        return measure_is_overdue(measure, measure.problem.status)

    def to_representation(self, measure):
        """The declared fields, written out (see ProblemSerializer.to_representation)."""
        return {
            "id": measure.pk,
            "problem": measure.problem_id,
            "seq": measure.seq,
            "content": measure.content,
            "unit": measure.unit_id,
            "owner": measure.owner_id,
            "due_date": _date(measure.due_date),
            "status": measure.status,
            "done_at": _datetime(measure.done_at),
            "done_note": measure.done_note,
            "is_overdue": self.get_is_overdue(measure),
        }


class MeasureWriteSerializer(serializers.Serializer):
    """The unit is checked by the service (lead or cooperating unit of the problem)."""

    content = serializers.CharField(validators=[validate_text])
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    owner = scoped_user(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True, validators=[validate_date])


class MeasureUpdateSerializer(MeasureWriteSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False)
    status = serializers.ChoiceField(choices=MeasureStatus.choices, required=False)
    done_note = serializers.CharField(required=False, allow_blank=True, validators=[validate_text])


class ProblemSerializer(serializers.ModelSerializer):
    light = serializers.ChoiceField(
        choices=list(Light.RANK), read_only=True, help_text="red / yellow / green / blue / grey"
    )
    is_overdue = serializers.BooleanField(read_only=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    measures = MeasureSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "id",
            "code",
            "batch",
            "campaign",
            "source",
            "origin",
            "category",
            "title",
            "description",
            "target",
            "severity",
            "amount",
            "rectify_type",
            "due_date",
            "original_due_date",
            "responsible_leader",
            "lead_unit",
            "cooperating_units",
            "owner",
            "supervision_level",
            "status",
            "light",
            "is_overdue",
            "reopen_count",
            "rework_count",
            "latest_progress",
            "next_review_date",
            "measures",
            "allowed_actions",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[*ACTIONS])))
    def get_allowed_actions(self, problem) -> list[str]:
        return allowed_actions(problem, self.context["request"].user)

    def to_representation(self, problem):
        """The declared fields, written out. DRF's generic field-by-field path cost ~0.6 ms a
        row — most of a list page's time (bench/bench_list.py); this costs a tenth of that.
        The declarations above remain the schema, and tests/api/test_problem_representation.py
        checks that both paths give the same JSON for problems of every kind."""
        measure = MeasureSerializer()
        return {
            "id": problem.pk,
            "code": problem.code,
            "batch": problem.batch_id,
            "campaign": problem.campaign_id,
            "source": problem.source,
            "origin": problem.origin,
            "category": problem.category_id,
            "title": problem.title,
            "description": problem.description,
            "target": problem.target,
            "severity": problem.severity,
            "amount": _AMOUNT.to_representation(problem.amount)
            if problem.amount is not None
            else None,
            "rectify_type": problem.rectify_type,
            "due_date": _date(problem.due_date),
            "original_due_date": _date(problem.original_due_date),
            "responsible_leader": problem.responsible_leader_id,
            "lead_unit": problem.lead_unit_id,
            "cooperating_units": [unit.pk for unit in problem.cooperating_units.all()],
            "owner": problem.owner_id,
            "supervision_level": problem.supervision_level,
            "status": problem.status,
            "light": problem.light,
            "is_overdue": bool(problem.is_overdue),
            "reopen_count": problem.reopen_count,
            "rework_count": problem.rework_count,
            "latest_progress": problem.latest_progress,
            "next_review_date": _date(problem.next_review_date),
            "measures": [measure.to_representation(m) for m in problem.measures.all()],
            "allowed_actions": self.get_allowed_actions(problem),
            "created_at": _datetime(problem.created_at),
            "closed_at": _datetime(problem.closed_at),
        }


# DRF's own formatting, applied directly (dates ISO 8601, datetimes in the current time zone).
_AMOUNT = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
_DATETIME = serializers.DateTimeField()


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value):
    return None if value is None else _DATETIME.to_representation(value)


def datetime_writer():
    """_datetime for many values (a list's rows): DRF's ISO 8601 in the current time zone,
    "Z" for UTC, with the zone looked up once rather than per value (~200 a page of 50)."""
    if not settings.USE_TZ or api_settings.DATETIME_FORMAT.lower() != ISO_8601:
        return _datetime
    zone = timezone.get_current_timezone()

    def write(value):
        if value is None or timezone.is_naive(value):
            return _datetime(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


class ProblemWriteSerializer(serializers.ModelSerializer):
    """POST (batch, title, description, lead_unit, source required) and PATCH (partial).

    Every id is resolved within the caller's scope; what may change when is the service's.
    """

    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all())
    campaign = scoped_campaign(required=False, allow_null=True)
    category = CategoryField(required=False, allow_null=True)
    lead_unit = scoped_unit()
    cooperating_units = scoped_unit(many=True, required=False)
    responsible_leader = scoped_user(required=False, allow_null=True)
    owner = scoped_user(required=False, allow_null=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    measures = MeasureWriteSerializer(many=True, required=False)
    due_in_working_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_WORKING_DAYS, write_only=True
    )

    class Meta:
        model = Problem
        fields = [
            "batch",
            "campaign",
            "source",
            "origin",
            "category",
            "title",
            "description",
            "target",
            "severity",
            "amount",
            "rectify_type",
            "due_date",
            "responsible_leader",
            "lead_unit",
            "cooperating_units",
            "owner",
            "next_review_date",
            "measures",
            "due_in_working_days",
        ]
        extra_kwargs = {"source": {"required": True}}

    def validate(self, attrs):
        return resolve_working_days(attrs)
