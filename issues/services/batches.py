"""Batches (整改批次) and campaigns (专项整治): set up by superusers and office admins."""

from django.db import transaction
from django.utils import timezone

from issues.exceptions import ActionForbidden, InvalidInput
from issues.models import ACTIVE_STATES, Batch, Campaign, Problem, Role, review_chain_error
from issues.selectors.scope import access_for
from issues.services.org import is_any_office_admin

# Fields a batch edit may change; `last_seq` belongs to the code counter.
BATCH_FIELDS = (
    "name",
    "source",
    "issuer",
    "doc_no",
    "received_date",
    "default_due_date",
    "code_prefix",
    "needs_list_review",
    "closeout_chain",
    "extension_chain",
    "max_extension_days",
    "yellow_days",
    "remind_days_before",
    "overdue_repeat_days",
    "escalate_after_days",
    "review_pending_days",
)
CHAIN_FIELDS = ("closeout_chain", "extension_chain")


def _require_batch_writer(actor):
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以设置整改批次。")


def _validate_batch(fields: dict, *, batch_id: int | None = None):
    """A review chain is a non-empty list of distinct step kinds, decided in that order."""
    errors = {}
    for name in CHAIN_FIELDS:
        if name not in fields:
            continue
        error = review_chain_error(fields[name])
        if error:
            errors[name] = [error]
    if "remind_days_before" in fields:
        days = fields["remind_days_before"]
        if not isinstance(days, list) or any(
            not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in days
        ):
            errors["remind_days_before"] = ["须为非负整数列表。"]
    prefix = fields.get("code_prefix")
    if prefix is not None:
        taken = Batch.objects.filter(code_prefix=prefix).exclude(pk=batch_id)
        if taken.exists():
            errors["code_prefix"] = ["编号前缀已被其他批次使用。"]
    if errors:
        raise InvalidInput("批次设置有误。", errors)


@transaction.atomic
def batch_create(*, actor, **fields) -> Batch:
    _require_batch_writer(actor)
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise InvalidInput("不可设置的字段。", {name: ["不可设置。"] for name in sorted(unknown)})
    _validate_batch(fields)
    if "remind_days_before" in fields:
        fields["remind_days_before"] = sorted(set(fields["remind_days_before"]), reverse=True)
    return Batch.objects.create(**fields)


LADDER_FIELDS = {
    "remind_days_before",
    "overdue_repeat_days",
    "escalate_after_days",
    "review_pending_days",
}


@transaction.atomic
def batch_update(*, actor, batch_id: int, **fields) -> Batch:
    _require_batch_writer(actor)
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    _validate_batch(fields, batch_id=batch.pk)
    if "code_prefix" in fields and fields["code_prefix"] != batch.code_prefix:
        # Codes already issued keep their prefix; only an unused batch may change it.
        if batch.last_seq:
            raise InvalidInput(
                "批次已有问题编号，不能修改编号前缀。",
                {"code_prefix": ["批次已有问题编号，不能修改。"]},
            )
    if "remind_days_before" in fields:
        fields["remind_days_before"] = sorted(set(fields["remind_days_before"]), reverse=True)
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()
    if LADDER_FIELDS & fields.keys():
        # The ladder moved: let the next scan recompute every open problem's next reminder
        # (it selects next_reminder_on <= today and advances each row by the new rules).
        Problem.objects.filter(batch=batch, status__in=ACTIVE_STATES).update(
            next_reminder_on=timezone.localdate()
        )
    return batch


CAMPAIGN_FIELDS = ("name", "lead_unit", "leader", "start_date", "end_date", "goal")


def _check_campaign(actor, *, lead_unit, start_date, end_date):
    """The actor is an office admin over the lead unit; the dates are in order."""
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以设置专项整治。")
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, lead_unit):
        raise InvalidInput(
            "所选单位不在您的管辖范围内。", {"lead_unit": ["所选单位不在您的管辖范围内。"]}
        )
    if start_date and end_date and end_date < start_date:
        raise InvalidInput("结束日期不能早于开始日期。", {"end_date": ["不能早于开始日期。"]})


@transaction.atomic
def campaign_create(
    *, actor, name, lead_unit, leader=None, start_date=None, end_date=None, goal=""
) -> Campaign:
    """A campaign is set up by an office admin whose scope holds its lead unit."""
    _check_campaign(actor, lead_unit=lead_unit, start_date=start_date, end_date=end_date)
    return Campaign.objects.create(
        name=name,
        lead_unit=lead_unit,
        leader=leader,
        start_date=start_date,
        end_date=end_date,
        goal=goal,
    )


@transaction.atomic
def campaign_update(*, actor, campaign_id: int, **fields) -> Campaign:
    """Change a campaign: by an office admin whose scope holds its lead unit, before and after
    the change (a campaign cannot be handed to a unit outside the editor's scope)."""
    campaign = Campaign.objects.select_for_update().select_related("lead_unit").get(pk=campaign_id)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以设置专项整治。")
    if not access_for(actor).has_role_over({Role.OFFICE_ADMIN}, campaign.lead_unit):
        raise ActionForbidden("该专项整治不在您的管辖范围内。")
    merged = {name: fields.get(name, getattr(campaign, name)) for name in CAMPAIGN_FIELDS}
    _check_campaign(
        actor,
        lead_unit=merged["lead_unit"],
        start_date=merged["start_date"],
        end_date=merged["end_date"],
    )
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign
