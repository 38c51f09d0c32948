from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .signing import checkpoint_code


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a ledger entry."""


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("ledger entries are append-only")

    def delete(self):
        raise AppendOnlyError("ledger entries are append-only")


class LedgerHead(models.Model):
    """The chain's tip. One row; locking it serialises appends so the chain never forks.

    It also lets verification notice entries removed from the end of the chain.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single_row")
        ]

    def __str__(self):
        return f"head #{self.seq}"


class LedgerEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True, verbose_name=_("序号"))
    # By string reference: the ledger records facts about problems but never imports issues/.
    # No index of its own: ledger_problem_seq (problem, seq) serves every lookup by problem.
    problem = models.ForeignKey(
        "issues.Problem",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        null=True,
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=40, verbose_name=_("动作"))
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            # The problem page's timeline: one problem's entries in order.
            models.Index(fields=["problem", "seq"], name="ledger_problem_seq"),
        ]
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账记录")

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger entries are append-only")


class LedgerCheckpoint(models.Model):
    """A signed statement "entry #seq of the chain has hash head_hash" (ledger.signing).

    The key that signs it is not in the database, so whoever rewrites the database can make no
    new checkpoint that matches a rewritten chain; a code printed from one (台账校验码) stays
    checkable even if this row is deleted or altered. The signed columns are guarded by
    triggers; the witness columns record the push to an outside witness and may change.
    """

    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)
    witness_status = models.CharField(max_length=10, blank=True)  # "", "sent", "failed"
    witness_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list (newest first) and "is there one today?" of the daily checkpoint.
            models.Index(fields=["created_at"], name="ledger_checkpoint_created"),
        ]
        verbose_name = _("台账校验点")
        verbose_name_plural = _("台账校验点")

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        return checkpoint_code(self.seq, self.signature)
