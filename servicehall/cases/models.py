"""Cases (办件): a client's request carried from acceptance through first review and
second review to completion, within its time limit (N-5.3 – N-5.6).

Every change goes through ``actions.py``; deadlines are stored, indexed columns computed
by ``deadlines.py`` in working days, so being overdue or due soon is a query.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ServiceChannel
from servicehall.lib.idnumbers import mask_id_number
from servicehall.org.choices import CaseStage
from servicehall.queueing.choices import GreenReason

from . import personal
from .choices import (
    RUNNING_STAGES,
    STAGE_COLOURS,
    ApplicantKind,
    CardLevel,
    CardScope,
    EscalationStatus,
    Stage,
)

#: A completed case: approved or refused (not a case refused at acceptance).
COMPLETED_STAGES = (Stage.COMPLETED_APPROVED, Stage.COMPLETED_REFUSED)


class DocumentKind(models.TextChoices):
    """The numbered documents of a case, each drawn from its own yearly sequence per unit:
    the acceptance receipt (its number is the case's), the refusal notice (不予受理告知书,
    N-2.1, N-5.3) and the completion notice (办结通知书)."""

    RECEIPT = "receipt", _("Acceptance receipt")
    REFUSAL = "refusal", _("Refusal notice")
    COMPLETION = "completion", _("Completion notice")


#: The prefix of each kind's numbers: 受理 (SL), 不予受理 (BSL), 办结 (BJ).
DOCUMENT_PREFIX = {
    DocumentKind.RECEIPT: "SL",
    DocumentKind.REFUSAL: "BSL",
    DocumentKind.COMPLETION: "BJ",
}


def _new_ref() -> str:
    return secrets.token_hex(8)


class Applicant(models.Model):
    """The person or employer a case is for, as given when the case was opened.

    One row per case, never changed afterwards, so no shared row moves under a case's
    ledger entries; the blind index (``id_index``) links a person's cases, in this app and
    in the appointments, without decrypting anything. The ID number (a resident ID number,
    or an employer's unified social credit code) and the phone number are stored only
    encrypted; ``ref`` is a random name of the row, used as their associated data and to
    salt the hashes of their last four characters (for the progress lookup).
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    ref = models.CharField(_("reference"), max_length=16, default=_new_ref, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=ApplicantKind.choices)
    name = models.CharField(_("name"), max_length=100)
    id_token = models.TextField(_("ID number or credit code (encrypted)"), editable=False)
    id_index = models.CharField(
        _("ID number or credit code (blind index)"), max_length=64, editable=False
    )
    id_last4_hash = models.CharField(_("last four of the ID (keyed hash)"), max_length=64)
    phone_token = models.TextField(_("phone number (encrypted)"), blank=True, editable=False)
    phone_index = models.CharField(_("phone number (blind index)"), max_length=64, blank=True)
    phone_last4_hash = models.CharField(
        _("last four of the phone (keyed hash)"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        indexes = [
            models.Index(fields=["id_index"], name="applicant_id_index"),
            models.Index(fields=["phone_index"], name="applicant_phone_index"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.masked_id_number}"

    def set_personal_data(self, *, id_number: str, phone: str = "") -> None:
        """Encrypt the normalised numbers into this row (its ``ref`` is set at creation)."""
        self.id_token = personal.encrypt(personal.ID_COLUMN, self.ref, id_number)
        self.id_index = personal.id_number_index(id_number)
        self.id_last4_hash = personal.last4_hash(personal.ID_COLUMN, self.ref, id_number)
        if phone:
            self.phone_token = personal.encrypt(personal.PHONE_COLUMN, self.ref, phone)
            self.phone_index = personal.phone_index(phone)
            self.phone_last4_hash = personal.last4_hash(personal.PHONE_COLUMN, self.ref, phone)
        else:
            self.phone_token = self.phone_index = self.phone_last4_hash = ""

    def id_number(self) -> str:
        """The full number. Show it only after ``ledger.personal.log_full_view`` (D-10)."""
        return personal.decrypt(personal.ID_COLUMN, self.ref, self.id_token)

    def phone(self) -> str:
        """The full phone number. Show it only after ``ledger.personal.log_full_view``."""
        if not self.phone_token:
            return ""
        return personal.decrypt(personal.PHONE_COLUMN, self.ref, self.phone_token)

    @property
    def masked_id_number(self) -> str:
        if self.kind == ApplicantKind.EMPLOYER:
            return personal.mask_credit_code(self.id_number())
        return mask_id_number(self.id_number())

    @property
    def masked_phone(self) -> str:
        return personal.mask_phone(self.phone()) if self.phone_token else ""

    def matches_last4(self, typed: str) -> bool:
        """Whether ``typed`` is the last four characters of the ID number or of the phone
        number, compared by keyed hash without decrypting either."""
        typed = (typed or "").strip()
        if len(typed) != 4:
            return False
        candidates = [(personal.ID_COLUMN, self.id_last4_hash)]
        if self.phone_last4_hash:
            candidates.append((personal.PHONE_COLUMN, self.phone_last4_hash))
        return any(
            secrets.compare_digest(personal.last4_hash(column, self.ref, typed), stored)
            for column, stored in candidates
        )

    def digest(self) -> str:
        """A keyed hash of every stored column, for the ledger: it shows that the row is
        unchanged without putting personal data into the append-only ledger."""
        fields = [
            self.ref, self.kind, self.name, self.id_token, self.id_index, self.id_last4_hash,
            self.phone_token, self.phone_index, self.phone_last4_hash,
        ]  # fmt: skip
        return personal.cipher().blind_index("cases.applicant:" + "\x1f".join(fields))


class CaseCounter(models.Model):
    """The last number issued per unit, kind of document and year (receipts, refusal
    notices, completion notices); locked while a number is drawn."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.RECEIPT
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "year"], name="case_counter_unit_kind_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.year}: {self.last}"


class CaseQuerySet(models.QuerySet):
    """The work lists are queries on the stage and the indexed deadline columns."""

    def running(self) -> CaseQuerySet:
        """Cases whose clock runs (not waiting for corrections, not finished)."""
        return self.filter(stage__in=RUNNING_STAGES)

    def overdue(self, now=None) -> CaseQuerySet:
        """Past the case's promised limit."""
        return self.running().filter(due_at__lt=now or timezone.now())

    def waiting_acceptance(self) -> CaseQuerySet:
        """Applications submitted online that no clerk has taken yet (N-5.4)."""
        return self.filter(stage=Stage.SUBMITTED)

    def acceptance_overdue(self, now=None) -> CaseQuerySet:
        """Online applications past their acceptance deadline (不积压, N-5.4)."""
        return self.waiting_acceptance().filter(accept_due_at__lt=now or timezone.now())

    def stage_overdue(self, now=None) -> CaseQuerySet:
        """Past the current stage's share of the limit."""
        return self.running().filter(stage_due_at__lt=now or timezone.now())

    def for_lookup(self, number: str, last4: str) -> Case | None:
        """The case with receipt ``number`` if ``last4`` are the last four characters of
        its applicant's ID number or phone number (the portal's and the phone's progress
        lookup); ``None`` otherwise, without saying which part was wrong."""
        number = "".join((number or "").split()).upper()
        case = self.select_related("applicant", "handler", "version").filter(number=number).first()
        if case is None or not case.applicant.matches_last4(last4):
            return None
        return case

    def due_soon(self, now=None) -> CaseQuerySet:
        """Within the yellow-card warning of the case's limit, and not yet past it."""
        now = now or timezone.now()
        return self.running().filter(yellow_at__lte=now, due_at__gte=now)


class Case(models.Model):
    """One request of one applicant for one service item (办件).

    ``stage`` says what the case waits for (see ``choices.Stage``). ``owner`` is the
    first-contact owner (首问负责, N-5.6a), answerable until completion or a formal
    hand-over; ``agent`` the staff member carrying the case for the client (全程代理,
    N-5.6b); ``handler`` the staff member whose 工号 the client sees: the agent when there
    is one, otherwise whoever last moved the case. The case keeps the item version it was
    opened under, whatever is published later (N-4.3).

    Time limits (限时办结, N-5.6d), all in working days of the unit's calendar, counted
    from acceptance: ``limit_days`` is the promised limit (halved for the green channel,
    N-5.4), ``due_at`` its end, ``yellow_at`` when its yellow card is due; ``stage_due_at``
    and ``stage_yellow_at`` the same for the current stage's share (``deadlines.py``).
    While the client corrects materials the clock stands: ``suspended_at`` is set, and on
    return the deadlines move by the working days it stood (``suspended_days``, in total).

    A case may also begin as an application submitted online on the portal (N-1.2):
    ``stage`` is then ``SUBMITTED``, with no owner and no handling clerk yet, the materials
    the client declared to have in ``materials`` (and the conditional ones that do not
    apply in ``materials_not_applicable``), their ``client_note``, and ``accept_due_at``,
    the deadline for a clerk of the office to take it (不积压, N-5.4). The clerk who
    accepts it, asks for corrections or refuses it becomes its first-contact owner
    (N-5.6a) and records the materials actually received; the time limit counts from
    that acceptance, not from the submission.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    version = models.ForeignKey(
        "catalogue.ServiceItemVersion",
        verbose_name=_("service item version"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant = models.OneToOneField(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="case"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=ServiceChannel.choices)
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first-contact owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent (全程代理)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    green_reason = models.CharField(
        _("green channel reason"), max_length=12, choices=GreenReason.choices, blank=True
    )
    materials = models.ManyToManyField(
        "catalogue.Material",
        verbose_name=_("materials received"),
        blank=True,
        related_name="received_in_cases",
    )
    materials_not_applicable = models.ManyToManyField(
        "catalogue.Material",
        verbose_name=_("materials not applicable to this client"),
        blank=True,
        related_name="+",
    )
    notices = models.ManyToManyField(
        "catalogue.OneTimeNotice",
        verbose_name=_("one-time notices"),
        blank=True,
        related_name="+",
    )
    stage = models.CharField(_("waiting for"), max_length=16, choices=Stage.choices)

    received_at = models.DateTimeField(_("received at"))
    accept_due_at = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    client_note = models.TextField(_("note from the client"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first review by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_reviewed_at = models.DateTimeField(_("first review at"), null=True, blank=True)
    first_review_note = models.TextField(_("first review opinion"), blank=True)
    second_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second review by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_reviewed_at = models.DateTimeField(_("second review at"), null=True, blank=True)
    second_review_note = models.TextField(_("second review opinion"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    decision_rule = models.CharField(_("rule the refusal rests on"), max_length=300, blank=True)
    decision_reason = models.TextField(_("reason or explanation"), blank=True)
    decision_number = models.CharField(
        _("number of the refusal or completion notice"), max_length=40, blank=True
    )

    limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), null=True, blank=True
    )
    due_at = models.DateTimeField(_("promised completion"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("yellow card due"), null=True, blank=True)
    stage_due_at = models.DateTimeField(_("stage due"), null=True, blank=True)
    stage_yellow_at = models.DateTimeField(_("stage yellow card due"), null=True, blank=True)
    deadline_provisional = models.BooleanField(
        _("deadline rests on a provisional calendar"), default=False
    )
    provisional_years = models.JSONField(_("provisional calendar years"), default=list)
    suspended_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    suspended_days = models.PositiveSmallIntegerField(_("working days stopped"), default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        constraints = [
            # N-5.5, N-6.4: the second review is another person's than the first review
            # and the acceptance (invariant 5), whatever wrote the row.
            models.CheckConstraint(
                condition=Q(second_reviewed_by__isnull=True)
                | (
                    ~Q(second_reviewed_by=F("first_reviewed_by"))
                    & ~Q(second_reviewed_by=F("accepted_by"))
                ),
                name="case_second_review_by_another",
            ),
            # N-2.1, N-5.3: no refusal without the rule and an explanation.
            models.CheckConstraint(
                condition=~Q(stage__in=[Stage.NOT_ACCEPTED, Stage.COMPLETED_REFUSED])
                | (~Q(decision_rule="") & ~Q(decision_reason="")),
                name="case_refusal_has_rule_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=RUNNING_STAGES)
                | Q(accepted_at__isnull=False, due_at__isnull=False),
                name="case_running_has_deadline",
            ),
            # N-5.6a: once a clerk takes a case it has its first-contact owner and its
            # handling clerk; only an online application waiting for acceptance has none.
            models.CheckConstraint(
                condition=Q(stage=Stage.SUBMITTED) | Q(owner__isnull=False, handler__isnull=False),
                name="case_taken_has_owner",
            ),
            # N-5.4: an online application waits for acceptance against its deadline.
            models.CheckConstraint(
                condition=~Q(stage=Stage.SUBMITTED)
                | Q(channel=ServiceChannel.ONLINE, accept_due_at__isnull=False),
                name="case_submitted_online_has_deadline",
            ),
            # Each refusal or completion notice has its own number (N-2.1, N-5.3).
            models.UniqueConstraint(
                fields=["decision_number"],
                condition=~Q(decision_number=""),
                name="case_decision_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "stage", "due_at"], name="case_unit_stage_due"),
            models.Index(fields=["stage", "due_at"], name="case_stage_due"),
            models.Index(fields=["stage", "yellow_at"], name="case_stage_yellow"),
            models.Index(fields=["stage", "stage_due_at"], name="case_stage_stage_due"),
            models.Index(fields=["stage", "stage_yellow_at"], name="case_stage_stage_yellow"),
            models.Index(fields=["unit", "received_at"], name="case_unit_received"),
            models.Index(
                fields=["unit", "stage", "accept_due_at"], name="case_unit_stage_accept_due"
            ),
            models.Index(fields=["owner", "stage"], name="case_owner_stage"),
            models.Index(fields=["handler", "stage"], name="case_handler_stage"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def item_code(self) -> str:
        return self.version.item.code

    @property
    def stage_colour(self) -> str:
        return STAGE_COLOURS[self.stage]

    @property
    def promised_date(self):
        """The promised completion date, as printed on the receipt."""
        return timezone.localdate(self.due_at) if self.due_at else None

    @property
    def deadline_warning(self) -> str:
        """The sentence shown beside a deadline that rests on a provisional calendar."""
        if not self.provisional_years:
            return ""
        return _(
            "This deadline rests on a provisional calendar for {year}: "
            "official holidays have not been entered yet."
        ).format(year=", ".join(str(year) for year in self.provisional_years))

    @property
    def completed_on_time(self) -> bool | None:
        if self.completed_at is None or self.due_at is None:
            return None
        return self.completed_at <= self.due_at

    # The case's documents, as PDFs for the counter staff of its unit (views_documents).

    @property
    def receipt_pdf_url(self) -> str:
        """The acceptance receipt (受理回执), once accepted; "" before."""
        if self.accepted_at is None:
            return ""
        return reverse("cases:receipt-pdf", args=[self.number])

    @property
    def refusal_pdf_url(self) -> str:
        """The refusal notice (不予受理告知书, N-2.1, N-5.3) of a case not accepted."""
        if self.stage != Stage.NOT_ACCEPTED or not self.decision_number:
            return ""
        return reverse("cases:refusal-pdf", args=[self.number])

    @property
    def completion_pdf_url(self) -> str:
        """The completion notice (办结通知书) of a completed case."""
        if self.stage not in COMPLETED_STAGES or not self.decision_number:
            return ""
        return reverse("cases:completion-pdf", args=[self.number])

    @property
    def notice_pdf_url(self) -> str:
        """The latest one-time notice (一次性告知单, N-5.6c) of the case, with the case's
        number on it; "" if corrections were never asked for. One query: for a case's
        page, not for lists (``notice_pdf_url_for`` names a given notice)."""
        number = self.notices.order_by("-at", "-pk").values_list("number", flat=True).first()
        return self.notice_pdf_url_for(number) if number else ""

    def notice_pdf_url_for(self, notice_number: str) -> str:
        return reverse("cases:notice-pdf", args=[self.number, notice_number])


class Escalation(models.Model):
    """A request (请示) to act beyond one's post, to the head on duty (N-3.4, D-08).

    An approved escalation lets its requester act once at its stage of its case (or,
    before a case exists, accept one case of its item); ``used_at`` marks that use, which
    the using action's ledger entry records.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    item = models.ForeignKey(
        "catalogue.ServiceItem", verbose_name=_("service item"), on_delete=models.PROTECT
    )
    stage = models.CharField(_("stage"), max_length=16, choices=CaseStage.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EscalationStatus.choices,
        default=EscalationStatus.REQUESTED,
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
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_for = models.ForeignKey(
        Case,
        verbose_name=_("used for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="escalation_decided_by_another",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(status=EscalationStatus.APPROVED),
                name="escalation_used_only_if_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "requested_at"], name="escalation_unit_status"),
            models.Index(fields=["requested_by", "status"], name="escalation_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.case or self.item}"


class DeadlineCard(models.Model):
    """A yellow or red card of the electronic supervision (电子监察 红黄牌), issued once per
    case, limit and level by the sweep, and sent to the handling clerk, the first-contact
    owner and the head on duty of the day (ids stored as they were when it was issued)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="cards"
    )
    stage = models.CharField(_("limit"), max_length=16, choices=CardScope.choices)
    level = models.CharField(_("level"), max_length=8, choices=CardLevel.choices)
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("limit ends"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling clerk"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first-contact owner"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head on duty"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("deadline card")
        verbose_name_plural = _("deadline cards")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "level"], name="card_once"),
        ]
        indexes = [models.Index(fields=["unit", "issued_at"], name="card_unit_issued")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.case_id} {self.stage}"
