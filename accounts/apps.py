from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in: the failure-only lockout, API tokens and their revocation."""

    name = "accounts"
    verbose_name = _("登录与令牌")

    def ready(self):
        from accounts import receivers  # noqa: F401  (connects the password-change receiver)
