"""The export menu that pages of other apps show beside their own filters.

The problem list (issues/) offers the ledger export in the named column profiles; the profiles
belong to the export, so the menu is drawn here and the list only loads this tag — issues/
never imports books/.
"""

from urllib.parse import parse_qsl, urlencode

from django import template
from django.urls import reverse

from books.services.export import PROFILES

register = template.Library()


@register.inclusion_tag("books/_export_profiles.html")
def export_profiles_menu(query: str) -> dict:
    """`query`: the list's filters as a query string (no page); each link adds its profile."""
    params = [(k, v) for k, v in parse_qsl(query) if k != "profile"]
    paths = {kind: reverse(f"export-ledger-{kind}") for kind in ("xlsx", "csv")}
    profiles = []
    for profile in PROFILES.values():
        if profile.key == "default":
            continue
        link = urlencode([*params, ("profile", profile.key)])
        profiles.append(
            {
                "key": profile.key,
                "label": profile.label,
                "xlsx": f"{paths['xlsx']}?{link}",
                "csv": f"{paths['csv']}?{link}",
            }
        )
    return {"export_profiles": profiles}
