"""Throttled web sign-in: failed attempts are counted per client address and per user name.

The API's token endpoint is throttled by DRF (scope "login"); the web form at /login/ and
the admin's sign-in are the other doors to the same passwords, so they get the same rate
(LOGIN_THROTTLE_RATE).
Only failures count: an office behind one NAT address where everybody signs in at nine
is not locked out, while guessing — one password after another — is. Once a key is over
the limit even the right password is refused (429) until the window ends, before any
password is checked; otherwise the limit would not slow guessing at all.

Counters live in the cache, so with several gunicorn workers or hosts CACHE_URL must point
at a shared cache (Redis) for the limit to hold across them. The client address follows
DRF's NUM_PROXIES rule, so a forged X-Forwarded-For cannot mint fresh addresses.
"""

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

DEFAULT_RATE = "10/min"
THROTTLED_MESSAGE = _("登录尝试过于频繁，请稍后再试。")


def login_rate() -> tuple[int, int]:
    """(attempts, seconds), from the setting that also limits the API's token endpoint."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return SimpleRateThrottle.parse_rate(None, rates.get("login") or DEFAULT_RATE)


def failure_keys(request) -> list[str]:
    address = BaseThrottle().get_ident(request) or ""
    keys = ["login-fail:addr:" + hashlib.sha256(address.encode()).hexdigest()]
    username = request.POST.get("username", "").strip().lower()
    if username:
        keys.append("login-fail:user:" + hashlib.sha256(username.encode()).hexdigest())
    return keys


def is_blocked(keys: list[str]) -> bool:
    attempts, _seconds = login_rate()
    return any(count >= attempts for count in cache.get_many(keys).values())


def record_failure(keys: list[str]) -> None:
    _attempts, seconds = login_rate()
    for key in keys:
        # A fixed window from the first failure. add() and incr() are atomic in Redis.
        if not cache.add(key, 1, timeout=seconds):
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add() and incr()
                cache.add(key, 1, timeout=seconds)


class ThrottledFormMixin:
    """For AuthenticationForm and its admin variant: refuse while blocked, count failures."""

    throttled = False

    def clean(self):
        keys = failure_keys(self.request)
        if is_blocked(keys):  # refuse before authenticate(): no password is tried
            self.throttled = True
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            record_failure(keys)
            raise


class ThrottledAuthenticationForm(ThrottledFormMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledFormMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response
