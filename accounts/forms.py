"""The web and admin sign-in forms: say in Chinese why a locked-out sign-in was refused.

django-axes refuses the sign-in (accounts.lockout); without this the form would claim the
password was wrong, and the right password would seem not to work.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.lockout import lockout_message


class LockoutMessageMixin(AuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass
