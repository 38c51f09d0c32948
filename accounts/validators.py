"""Django's minimum-length validator with a Chinese message.

Django 5.2 reworded its error ("at least %d characters") and its zh_Hans catalogue has no
translation of the new wording yet, so it would answer in English. The other three validators'
messages are translated by Django itself.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return (
            ngettext(
                "密码长度太短。密码必须包含至少 %d 个字符。",
                "密码长度太短。密码必须包含至少 %d 个字符。",
                self.min_length,
            )
            % self.min_length
        )
