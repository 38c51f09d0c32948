"""Administration of batches (整改批次, with their review chains and reminder thresholds) and
campaigns (专项整治). Writes call issues.services.batches, as the API does."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issues.models import Batch, StepKind
from issues.selectors.scope import visible_campaigns
from issues.services import batches
from issues.views.form_post import post_form, service_failed
from issues.views.manage_common import manage_context, office_admin_required
from issues.views.manage_forms import BatchForm, CampaignForm

STEP_LABELS = dict(StepKind.choices)


def _chain_text(chain) -> str:
    return " → ".join(str(STEP_LABELS.get(step, step)) for step in chain or [])


@require_http_methods(["GET"])
@office_admin_required
def batch_index(request):
    rows = list(
        Batch.objects.select_related("owner_unit")
        .annotate(problem_count=Count("problems"))
        .order_by("-id")
    )
    for batch in rows:
        batch.may_edit = batches.may_write_rules(request.user, batch.owner_unit)
        batch.closeout_text = _chain_text(batch.closeout_chain)
        batch.extension_text = _chain_text(batch.extension_chain)
    return render(request, "issues/manage/batches.html", manage_context("batches", batches=rows))


def _batch_form_page(request, batch):
    form = BatchForm(request.POST or None, instance=batch or Batch())

    def save():
        if batch is None:
            return batches.batch_create(actor=request.user, **form.service_fields())
        return batches.batch_update(actor=request.user, batch_id=batch.pk, **form.service_fields())

    def refused(form, exc):
        failed = service_failed(form, exc)
        for chain in ("closeout_chain", "extension_chain"):
            for message in exc.errors.get(chain, []):
                form.add_error(f"{chain}_1", message)
        return failed

    posted = post_form(
        request,
        form,
        save,
        success=lambda saved: _("已保存整改批次：%(name)s") % {"name": saved.name},
        then=lambda saved: reverse("web:manage-batches") + f"#batch-{saved.pk}",
        refused=refused,
    )
    if posted.response:
        return posted.response
    return render(
        request,
        "issues/manage/batch_form.html",
        manage_context(
            "batches",
            form=form,
            batch=batch,
            page_error=posted.page_error,
            closeout_steps=form.chain_fields("closeout_chain"),
            extension_steps=form.chain_fields("extension_chain"),
        ),
        status=posted.status,
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def batch_add(request):
    return _batch_form_page(request, None)


@require_http_methods(["GET", "POST"])
@office_admin_required
def batch_edit(request, pk):
    return _batch_form_page(request, get_object_or_404(Batch, pk=pk))


def _campaign_url(campaign) -> str:
    return reverse("web:manage-campaigns") + f"#campaign-{campaign.pk}"


@require_http_methods(["GET", "POST"])
@office_admin_required
def campaign_index(request):
    """The campaigns in scope, and the form to set one up."""
    user = request.user
    form = CampaignForm(request.POST or None, user=user)
    posted = post_form(
        request,
        form,
        lambda: batches.campaign_create(actor=user, **form.cleaned_data),
        success=lambda campaign: _("已新增专项整治：%(name)s") % {"name": campaign.name},
        then=_campaign_url,
    )
    if posted.response:
        return posted.response
    campaigns = list(
        visible_campaigns(user)
        .select_related("lead_unit", "leader", "owner_unit")
        .annotate(problem_count=Count("problems"))
        .order_by("-id")
    )
    for campaign in campaigns:
        campaign.may_edit = batches.may_write_rules(user, campaign.owner_unit)
    return render(
        request,
        "issues/manage/campaigns.html",
        manage_context(
            "campaigns",
            campaigns=campaigns,
            form=form,
            form_open=request.method == "POST",
            page_error=posted.page_error,
        ),
        status=posted.status,
    )


@require_http_methods(["GET", "POST"])
@office_admin_required
def campaign_edit(request, pk):
    """Change a campaign in the editor's scope (name, lead unit, leader, dates, goal)."""
    campaign = get_object_or_404(visible_campaigns(request.user), pk=pk)
    initial = {name: getattr(campaign, name) for name in batches.CAMPAIGN_FIELDS}
    form = CampaignForm(request.POST or None, initial=initial, user=request.user)
    posted = post_form(
        request,
        form,
        lambda: batches.campaign_update(
            actor=request.user, campaign_id=campaign.pk, **form.cleaned_data
        ),
        success=_("已保存专项整治：%(name)s") % {"name": campaign.name},
        then=_campaign_url(campaign),
    )
    if posted.response:
        return posted.response
    return render(
        request,
        "issues/manage/campaign_form.html",
        manage_context("campaigns", form=form, campaign=campaign, page_error=posted.page_error),
        status=posted.status,
    )
