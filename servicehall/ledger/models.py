"""The service ledger (服务日志台账, N-5.5): entries, chain heads, signed checkpoints,
and the personal-data access log (D-10)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AccessPurpose, Channel, ExportStatus


class LedgerEntry(models.Model):
    """One step of the service, recorded for good.

    Entries form one hash chain per unit (``seq`` 1, 2, 3, ... with ``prev_hash`` naming
    the previous entry's hash), and are the leaves of the unit's Merkle tree:
    ``entry_hash`` is the RFC 6962 leaf hash of the entry's canonical bytes. Database
    triggers refuse UPDATE and DELETE; a correction is a new entry naming ``corrects_seq``.
    """

    # No index of their own on the unit and the actor: ledger_entry_unit_seq and the
    # partial ledger_entry_actor_at begin with them, and each index is written by every
    # append.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, db_index=False
    )
    seq = models.PositiveBigIntegerField(_("sequence number"))
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    actor_staff_no = models.CharField(_("staff number"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    event_type = models.CharField(_("event type"), max_length=64)
    event_version = models.PositiveSmallIntegerField(_("event version"))
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=64)
    corrects_seq = models.PositiveBigIntegerField(_("corrects entry"), null=True, blank=True)
    payload = models.TextField(_("payload (canonical JSON)"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["unit", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "seq"], name="ledger_entry_unit_seq"),
        ]
        indexes = [
            models.Index(fields=["unit", "at"], name="ledger_entry_unit_at"),
            models.Index(fields=["subject_type", "subject_id", "seq"], name="ledger_entry_subject"),
            # Partial: entries by a client channel or the system (most of them) and entries
            # that correct nothing (nearly all) are not in these two indexes, so an append
            # writes two B-trees fewer. Their lookups name a staff member or an entry.
            models.Index(
                fields=["actor", "at"],
                name="ledger_entry_actor_at",
                condition=models.Q(actor__isnull=False),
            ),
            models.Index(fields=["unit", "event_type", "at"], name="ledger_entry_type_at"),
            models.Index(
                fields=["unit", "corrects_seq"],
                name="ledger_entry_corrects",
                condition=models.Q(corrects_seq__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}#{self.seq} {self.event_type}"


class LedgerHead(models.Model):
    """The end of a unit's chain: locked by each append so that the chain never forks."""

    unit = models.OneToOneField(
        "org.Unit", verbose_name=_("unit"), primary_key=True, on_delete=models.PROTECT
    )
    seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    head_hash = models.CharField(_("last hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.seq}"


class Checkpoint(models.Model):
    """A signed statement of a unit's tree: C2SP tlog-checkpoint, signed as a C2SP note."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash"), max_length=64)
    signed_note = models.TextField(_("signed checkpoint"))
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["unit", "size"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "size"], name="ledger_checkpoint_unit_size"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.size}"


class PersonalDataAccess(models.Model):
    """A full ID or phone number was shown instead of the masked form (D-10): who, when,
    which record and why. Kept at least 180 days; the audit administrator searches it."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    subject_type = models.CharField(_("record type"), max_length=64)
    subject_id = models.CharField(_("record"), max_length=64)
    field = models.CharField(_("field shown"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=16, choices=AccessPurpose.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["user", "at"], name="pda_user_at"),
            models.Index(fields=["subject_type", "subject_id"], name="pda_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.subject_type}:{self.subject_id}"


class ExportRequest(models.Model):
    """A bulk export of personal data, which needs the security administrator's approval
    (D-10). The head on duty or the unit administrator asks for one unit; only the security
    administrator decides, with a reason; an approval is valid for one export within
    ``expires_at``, and ``used_at`` records that one. Changed only by the actions in
    ``ledger.actions``, each of which writes a ledger entry that ``ledger verify``
    reconciles with the row."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    description = models.CharField(_("what is exported"), max_length=200)
    purpose = models.TextField(_("purpose"))
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    expires_at = models.DateTimeField(_("approval valid until"), null=True, blank=True)
    used_at = models.DateTimeField(_("exported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="export_request_status"),
            models.Index(fields=["unit", "requested_at"], name="export_request_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=ExportStatus.REQUESTED,
                        decided_by__isnull=True,
                        decided_at__isnull=True,
                    )
                    | (
                        ~models.Q(status=ExportStatus.REQUESTED)
                        & models.Q(decided_by__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="export_request_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True)
                | models.Q(status=ExportStatus.APPROVED),
                name="export_request_only_approvals_expire",
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(status=ExportStatus.APPROVED),
                name="export_request_only_approvals_used",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def expired(self) -> bool:
        """An approval past its time, whether or not it was used."""
        return self.expires_at is not None and self.expires_at <= timezone.now()
