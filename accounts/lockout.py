"""One failure-only sign-in policy for every door: /login/, the admin and the API token.

django-axes counts failed sign-ins in its database table (AccessAttempt: one row per user
name, address and user agent), so the count is shared by every worker and host, on SQLite and
PostgreSQL alike. Three keys, each with its own limit:

- (address, user name): LOGIN_FAILURE_LIMIT (AXES_FAILURE_LIMIT) — one person's typos;
- user name from any address: LOGIN_USER_FAILURE_LIMIT — guessing one account from many;
- address for any user names: LOGIN_ADDRESS_FAILURE_LIMIT — much higher, so one person's
  typos do not lock out an office behind one NAT address, while spraying names is stopped.

Axes checks the first key itself (AXES_LOCKOUT_PARAMETERS); this handler adds the other two.
Successful sign-ins are never counted; a success clears that user name's failures from that
address (AXES_RESET_ON_SUCCESS), not those from elsewhere. While a key is locked even the
right password is refused before it is checked.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from rest_framework.throttling import BaseThrottle


def lockout_message() -> str:
    return gettext(
        "登录失败次数过多，已暂停登录。请 %(minutes)d 分钟后再试，或请系统管理员解除锁定。"
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_seconds() -> int:
    return settings.LOGIN_LOCKOUT_MINUTES * 60


def client_address(request) -> str | None:
    """The client's address by DRF's NUM_PROXIES rule (a forged X-Forwarded-For mints no
    fresh address); None when it is not an IP address (the column is an inet on PostgreSQL)."""
    try:
        return str(ipaddress.ip_address((BaseThrottle().get_ident(request) or "").strip()))
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What AxesMiddleware answers for a locked-out sign-in. The web and admin forms already
    say why (accounts.forms); the API's token view answers for itself (accounts.api)."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "throttled", "detail": lockout_message(), "errors": {}}, status=429
        )
    elif original_response is not None:
        response = original_response
        response.status_code = 429
    else:
        response = HttpResponse(lockout_message(), status=429)
    response["Retry-After"] = str(lockout_seconds())
    return response


class SignInFailureHandler(AxesDatabaseHandler):
    def failure_counts(self, request, credentials=None) -> list[tuple[int, int]]:
        """(failures, limit) of each key, counting rows touched within the cool-off."""
        username = get_client_username(request, credentials)
        address = Q(ip_address=request.axes_ip_address)
        name = Q(username=username)
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        totals = recent.filter(address | name).aggregate(
            pair=Sum("failures_since_start", filter=address & name),
            name=Sum("failures_since_start", filter=name),
            address=Sum("failures_since_start", filter=address),
        )
        counts = [
            (totals["pair"] or 0, get_failure_limit(request, credentials)),  # LOGIN_FAILURE_LIMIT
            (totals["address"] or 0, settings.LOGIN_ADDRESS_FAILURE_LIMIT),
        ]
        if username:
            counts.append((totals["name"] or 0, settings.LOGIN_USER_FAILURE_LIMIT))
        return counts

    def is_locked(self, request, credentials=None) -> bool:
        return any(
            failures >= limit for failures, limit in self.failure_counts(request, credentials)
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # Axes records the failure and locks on the (address, user name) key; the other two
        # keys may lock too.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
