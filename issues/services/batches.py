"""Batches (整改批次) and campaigns (专项整治): set up by superusers and office admins.

Each belongs to an owner unit, the issuing office. Its rules are changed only by superusers and
by office admins whose scope holds that unit; one with no owner is installation-wide and
belongs to the office admins at a root unit. The whole role matrix is docs/permissions.md.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from issues.bounds import DAY_BOUNDS, day_validators, validate_remind_days
from issues.exceptions import ActionForbidden, InvalidInput
from issues.models import (
    ACTIVE_STATES,
    Batch,
    Campaign,
    ProblemSchedule,
    ReportCycle,
    Role,
    Unit,
    review_chain_error,
)
from issues.selectors.scope import access_for
from issues.services.org import is_any_office_admin
from issues.services.reporting import report_cycle_errors

# Fields a batch edit may change; `last_seq` belongs to the code counter.
BATCH_FIELDS = (
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
    "max_extension_days",
    "yellow_days",
    "remind_days_before",
    "overdue_repeat_days",
    "escalate_after_days",
    "review_pending_days",
    "owner_unit",
    "report_cycle",
    "report_due_day",
)
CHAIN_FIELDS = ("closeout_chain", "extension_chain")


def _require_batch_writer(actor):
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以设置整改批次。")


def may_write_rules(actor, owner_unit: Unit | None) -> bool:
    """May `actor` change what a batch or campaign owned by `owner_unit` prescribes?"""
    access = access_for(actor)
    if owner_unit is None:  # installation-wide: the office at a root unit
        return access.is_root_office_admin
    return access.has_role_over({Role.OFFICE_ADMIN}, owner_unit)


def default_owner(actor) -> Unit | None:
    """The creator's own office: the topmost unit where they are office admin (a superuser
    without one: the first root unit)."""
    grants = [g for g in access_for(actor).grants if g.role == Role.OFFICE_ADMIN]
    if grants:
        top = min(grants, key=lambda g: (g.path.count("/"), g.unit_id))
        return Unit.objects.get(pk=top.unit_id)
    return Unit.objects.filter(parent__isnull=True).order_by("id").first()


OWNER_OUT_OF_SCOPE = "发文单位须为您担任整改办管理员的单位或其下级单位。"


def _check_new_owner(actor, owner_unit):
    if not may_write_rules(actor, owner_unit):
        raise InvalidInput(OWNER_OUT_OF_SCOPE, {"owner_unit": [OWNER_OUT_OF_SCOPE]})


def require_rules_writer(actor, owner_unit):
    """403 unless `actor` may change rules owned by `owner_unit` (see may_write_rules)."""
    if not may_write_rules(actor, owner_unit):
        owner = owner_unit.name if owner_unit is not None else "全县"
        raise ActionForbidden(f"该规则由{owner}制定，只有其整改办管理员可以修改。")


def _validate_batch(fields: dict, *, batch_id: int | None = None):
    """Every field error of a batch's settings at once (batch_id: the batch being updated)."""
    errors: dict[str, list] = {}
    for name in CHAIN_FIELDS:
        if name not in fields:
            continue
        # A review chain is a non-empty list of distinct step kinds, decided in that order.
        error = review_chain_error(fields[name])
        if error:
            errors[name] = [error]
    errors.update(_day_errors(fields))
    if "report_cycle" in fields or "report_due_day" in fields:
        errors.update(_rhythm_errors(fields, batch_id))
    prefix = fields.get("code_prefix")
    if prefix is not None:
        taken = Batch.objects.filter(code_prefix=prefix)
        if batch_id is not None:
            taken = taken.exclude(pk=batch_id)
        if taken.exists():
            errors["code_prefix"] = ["编号前缀已被其他批次使用。"]
    if errors:
        raise InvalidInput("批次设置有误。", errors)


def _day_errors(fields: dict) -> dict[str, list]:
    """The bounds of issues.bounds, checked here too: every door (API, page, admin) ends here."""
    errors = {}
    for name in DAY_BOUNDS.keys() & fields.keys():
        value = fields[name]
        checks = [validate_remind_days] if name == "remind_days_before" else day_validators(name)
        if value is None and name == "max_extension_days":
            continue
        try:
            if name != "remind_days_before" and (
                not isinstance(value, int) or isinstance(value, bool)
            ):
                raise ValidationError("须为整数。")
            for check in checks:
                check(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


def _rhythm_errors(fields: dict, batch_id: int | None) -> dict[str, list]:
    """The report cycle and due day as they will be: the stored ones overlaid by `fields`."""
    current: dict = {"report_cycle": ReportCycle.NONE, "report_due_day": None}
    if batch_id is not None:
        stored = Batch.objects.filter(pk=batch_id).values("report_cycle", "report_due_day")
        current.update(stored.first() or {})
    current.update({k: fields[k] for k in ("report_cycle", "report_due_day") if k in fields})
    return report_cycle_errors(current["report_cycle"], current["report_due_day"])


@transaction.atomic
def batch_create(*, actor, **fields) -> Batch:
    _require_batch_writer(actor)
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise InvalidInput("不可设置的字段。", {name: ["不可设置。"] for name in sorted(unknown)})
    _validate_batch(fields)
    fields["owner_unit"] = fields.get("owner_unit") or default_owner(actor)
    _check_new_owner(actor, fields["owner_unit"])
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
    batch = (
        Batch.objects.select_for_update(of=("self",)).select_related("owner_unit").get(pk=batch_id)
    )
    require_rules_writer(actor, batch.owner_unit)
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    _validate_batch(fields, batch_id=batch.pk)
    if "owner_unit" in fields and fields["owner_unit"] != batch.owner_unit:
        _check_new_owner(actor, fields["owner_unit"])
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
        ProblemSchedule.objects.filter(
            problem__batch=batch, problem__status__in=ACTIVE_STATES
        ).update(next_reminder_on=timezone.localdate())
    return batch


CAMPAIGN_FIELDS = ("name", "lead_unit", "leader", "start_date", "end_date", "goal", "owner_unit")


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
    *,
    actor,
    name,
    lead_unit,
    leader=None,
    start_date=None,
    end_date=None,
    goal="",
    owner_unit=None,
) -> Campaign:
    """A campaign is set up by an office admin whose scope holds its lead unit and its owner
    (by default the creator's own office)."""
    _check_campaign(actor, lead_unit=lead_unit, start_date=start_date, end_date=end_date)
    owner_unit = owner_unit or default_owner(actor)
    _check_new_owner(actor, owner_unit)
    return Campaign.objects.create(
        name=name,
        lead_unit=lead_unit,
        leader=leader,
        start_date=start_date,
        end_date=end_date,
        goal=goal,
        owner_unit=owner_unit,
    )


@transaction.atomic
def campaign_update(*, actor, campaign_id: int, **fields) -> Campaign:
    """Change a campaign: by an office admin whose scope holds its owner unit; a new lead unit
    or owner must be in the editor's scope too (a campaign cannot be handed away)."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "owner_unit")
        .get(pk=campaign_id)
    )
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput("不可修改的字段。", {name: ["不可修改。"] for name in sorted(unknown)})
    if not is_any_office_admin(actor):
        raise ActionForbidden("只有整改办管理员可以设置专项整治。")
    require_rules_writer(actor, campaign.owner_unit)
    if "owner_unit" in fields and fields["owner_unit"] != campaign.owner_unit:
        _check_new_owner(actor, fields["owner_unit"])
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
