"""The unread badge and the newest unread notifications, for every page's chrome and 待办.

Lazy: a page that never shows them (sign-in, a download) runs no query; one that does runs
each query once. Items are plain dicts with their URL, so templates of other apps render
them without knowing this app's URL names.
"""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject, new_method_proxy

from .selectors import notifications_for, unread_count

SHOWN = 10  # the newest unread ones listed on 待办; the count and a link lead to the rest


class LazyCount(SimpleLazyObject):
    """A lazy int that templates may also add to (`|add:`) and count with."""

    __int__ = new_method_proxy(int)
    __index__ = new_method_proxy(int)


def _newest_unread(user) -> list[dict]:
    return [
        {
            "title": n.title,
            "body": n.body,
            "created_at": n.created_at,
            "url": reverse("notifications:open", args=[n.pk]),
        }
        for n in notifications_for(user, unread=True)[:SHOWN]
    ]


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": LazyCount(lambda: unread_count(user)),
        "unread_notifications": SimpleLazyObject(lambda: _newest_unread(user)),
        "notifications_url": reverse("notifications:index"),
    }
