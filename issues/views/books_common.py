"""The frame of the ledger's pages (问题台账): the list, 回头看, 建章立制 and the import."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from issues.services.importer import may_import


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


def optional_url(names, *args) -> str:
    """The URL of the first name that resolves, or "" — for links to pages another part of
    the project mounts (the API's books, the print pages), wherever it was included."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""
