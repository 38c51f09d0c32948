"""Input of each workflow action (SPEC §9 "Action bodies"), validated with DRF serializers
so that the API and the pages get the same field errors."""

from rest_framework import serializers

from issues.bounds import ID_MAX, validate_date, validate_text
from issues.models import ExtensionKind, SupervisionKind
from issues.services.workdays import MAX_WORKING_DAYS, due_in_working_days


def _date(**kwargs):
    """A date within the bounds of issues.bounds (2000-01-01 … 2099-12-31)."""
    return serializers.DateField(validators=[validate_date], **kwargs)


def _text(**kwargs):
    """Free text: line breaks and tabs allowed, other control characters refused."""
    return serializers.CharField(validators=[validate_text], **kwargs)


class NoInput(serializers.Serializer):
    pass


class CommentOptional(serializers.Serializer):
    comment = _text(required=False, allow_blank=True, default="")


class CommentRequired(serializers.Serializer):
    comment = _text()


class DueDateOptional(serializers.Serializer):
    due_date = _date(required=False, allow_null=True, default=None)
    # SPEC §12: "N个工作日内" instead of a date, counted from today.
    due_in_working_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_WORKING_DAYS
    )
    comment = _text(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        return resolve_working_days(attrs)


def resolve_working_days(attrs: dict) -> dict:
    """Turn `due_in_working_days` into `due_date` (giving both is an error)."""
    count = attrs.pop("due_in_working_days", None)
    if count is None:
        return attrs
    if attrs.get("due_date") is not None:
        message = "整改时限和工作日数只能填写一项。"
        raise serializers.ValidationError({"due_in_working_days": [message]})
    attrs["due_date"] = due_in_working_days(count)
    return attrs


class SelfCheck(serializers.Serializer):
    measures_done = serializers.BooleanField(required=False, default=False)
    effective = serializers.BooleanField(required=False, default=False)
    generalized = serializers.BooleanField(required=False, default=False)
    mechanism = serializers.BooleanField(required=False, default=False)


class RequestCloseout(serializers.Serializer):
    summary = _text()
    self_check = SelfCheck(required=False)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), required=False, default=list
    )


class RejectCloseout(serializers.Serializer):
    comment = _text()
    new_due_date = _date(required=False, allow_null=True, default=None)
    # Required (true) when new_due_date is earlier than the current due date.
    confirm_earlier = serializers.BooleanField(required=False, default=False)


class RequestExtension(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExtensionKind.choices)
    requested_due_date = _date(required=False, allow_null=True, default=None)
    reason = _text()
    progress_so_far = _text(required=False, allow_blank=True, default="")
    stage_goal = _text(required=False, allow_blank=True, default="")
    next_review_date = _date(required=False, allow_null=True, default=None)
    # "延期N个工作日": counted from the current due date (SPEC §12 working days).
    extend_working_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_WORKING_DAYS
    )

    def validate(self, attrs):
        errors = {}
        days = attrs.get("extend_working_days")
        if (
            attrs["kind"] == ExtensionKind.EXTEND
            and not attrs.get("requested_due_date")
            and not days
        ):
            errors["requested_due_date"] = ["延期申请须填写申请延至日期或延期工作日数。"]
        if days and attrs.get("requested_due_date"):
            errors["extend_working_days"] = ["申请延至日期和延期工作日数只能填写一项。"]
        if attrs["kind"] == ExtensionKind.LONG_TERM:
            if not attrs.get("stage_goal"):
                errors["stage_goal"] = ["转长期坚持须填写阶段目标。"]
            if not attrs.get("next_review_date"):
                errors["next_review_date"] = ["转长期坚持须填写下次复核日期。"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class Reopen(serializers.Serializer):
    comment = _text()
    new_due_date = _date()
    confirm_earlier = serializers.BooleanField(required=False, default=False)


SUPERVISE_KINDS = [
    (k, label) for k, label in SupervisionKind.choices if k != SupervisionKind.REMIND
]


class Supervise(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SUPERVISE_KINDS)
    content = _text()
    reply_due_date = _date(required=False, allow_null=True, default=None)
