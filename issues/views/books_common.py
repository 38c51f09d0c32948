"""The frame of the ledger's pages (问题台账): the list, 回头看, 建章立制 and the import."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from issues.services.problems import may_import


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str


def books_tabs(user) -> list[Tab]:
    tabs = [
        Tab("problems", _("问题清单"), reverse("web:problems")),
        Tab("follow_ups", _("回头看"), reverse("web:follow-ups")),
        Tab("regulations", _("建章立制"), reverse("web:regulations")),
    ]
    if may_import(user):
        tabs.append(Tab("import", _("导入问题清单"), reverse("web:books-import")))
    return tabs


def books_context(request, active: str, **extra) -> dict:
    return {"tabs": books_tabs(request.user), "active_tab": active, **extra}
