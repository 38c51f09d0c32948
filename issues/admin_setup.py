"""Django admin for the organisation's set-up tables — units, batches, campaigns — saved through
the same services as the API and the pages (one writer per table, issue 10 item 3).

A superuser passes every scope check, but not the rules that keep the data sound: no unit may
become its own ancestor (the subtree paths, and so every scope, would be wrong), a review chain
must be decidable, a ladder change reschedules the batch's problems, and a batch keeps its code
prefix once a code was issued. The form asks the service itself, in a savepoint it always rolls
back, so the admin shows the service's own reasons beside the fields; `save_model` then calls
the service for real.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from issues.exceptions import DomainError
from issues.models import Batch, Campaign, Membership, Unit
from issues.services import batches, org


class _DryRun(Exception):
    pass


def domain_errors_to_form(form, exc: DomainError):
    """A service's refusal shown on the admin form (field errors where it names fields)."""
    placed = False
    for name, found in (exc.errors or {}).items():
        if name in form.fields:
            for message in found if isinstance(found, list) else [found]:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


class ServiceForm(forms.ModelForm):
    """`admin.save(form, actor)` is the service call; `clean` runs it and rolls it back."""

    service_admin = None  # set by ServiceAdmin.get_form
    actor = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.service_admin.save_through_service(self, self.actor)
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:
            domain_errors_to_form(self, exc)
        return cleaned


class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.service_admin, form.actor = self, request.user
        return form

    def changed(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data}

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_through_service(form, request.user)
        except DomainError as exc:  # changed meanwhile, after the form's check
            self.message_user(request, exc.detail, level=messages.ERROR)
            return
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj):
        raise NotImplementedError  # has_delete_permission is False

    def has_delete_permission(self, request, obj=None):
        # Units, batches and campaigns are referred to by problems and the ledger; a unit is
        # deactivated (启用), never deleted.
        return False

    def save_through_service(self, form, actor):
        raise NotImplementedError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    list_display = ("name", "short_name", "code", "kind", "parent", "is_active", "sort")
    list_filter = ("kind", "is_active")
    list_select_related = ("parent",)
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    ordering = ("path",)
    inlines = (MembershipInline,)

    def save_through_service(self, form, actor):
        unit = form.instance
        if unit.pk is None:
            data = form.cleaned_data
            created = org.unit_create(
                actor=actor,
                name=data["name"],
                code=data["code"],
                kind=data["kind"],
                short_name=data.get("short_name", ""),
                parent=data.get("parent"),
                sort=data.get("sort") or 0,
            )
            if data.get("is_active") is False:
                org.unit_update(actor=actor, unit_id=created.pk, is_active=False)
            return created
        return org.unit_update(actor=actor, unit_id=unit.pk, **self.changed(form))


@admin.register(Batch)
class BatchAdmin(ServiceAdmin):
    list_display = (
        "name",
        "code_prefix",
        "owner_unit",
        "source",
        "issuer",
        "doc_no",
        "received_date",
        "default_due_date",
        "needs_list_review",
    )
    list_filter = ("source", "needs_list_review")
    list_select_related = ("owner_unit",)
    search_fields = ("name", "code_prefix", "issuer", "doc_no")
    autocomplete_fields = ("owner_unit",)

    def get_readonly_fields(self, request, obj=None):
        fixed = ("last_seq", "created_at")
        if obj is not None and obj.last_seq:
            return (*fixed, "code_prefix")  # codes were issued with it
        return fixed

    def save_through_service(self, form, actor):
        # Every field goes to the service: one it does not know is refused, never dropped.
        if form.instance.pk is None:
            return batches.batch_create(actor=actor, **form.cleaned_data)
        # batch_update reschedules the batch's problems when the ladder moves, as for the API.
        return batches.batch_update(actor=actor, batch_id=form.instance.pk, **self.changed(form))


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ("name", "owner_unit", "lead_unit", "leader", "start_date", "end_date")
    list_select_related = ("lead_unit", "leader", "owner_unit")
    search_fields = ("name",)
    autocomplete_fields = ("lead_unit", "leader", "owner_unit")

    def save_through_service(self, form, actor):
        if form.instance.pk is None:
            return batches.campaign_create(actor=actor, **form.cleaned_data)
        return batches.campaign_update(
            actor=actor, campaign_id=form.instance.pk, **self.changed(form)
        )
