"""API tokens live no longer than the password they were taken with.

Every path that changes a password ends in saving the user with a new hash: the web password
page, the admin, `manage.py changepassword`, services calling set_password(). Comparing the
stored hash before the save catches them all in one place. (Django's own rehash on sign-in,
after an upgrade changes the hasher's work factor, also changes the hash; that revokes the
user's tokens once, as it also ends their other sessions.)
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from knox.models import get_token_model


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._password_hash_changed = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. last_login on every sign-in: no query
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True)
    instance._password_hash_changed = stored.first() not in (None, instance.password)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def revoke_tokens_on_password_change(sender, instance, **kwargs):
    if getattr(instance, "_password_hash_changed", False):
        get_token_model().objects.filter(user=instance).delete()
        instance._password_hash_changed = False
