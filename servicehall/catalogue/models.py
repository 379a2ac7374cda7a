"""Service items (办事指南), versioned; consultations with their four-point notice (四告知单)
and one-time notices (一次性告知单)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ClientType, Eligibility, MaterialForm, ServiceChannel, VersionStatus


class Category(models.Model):
    """A group of service items on the portal (社会保障卡, 就业创业, ...)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """The stable identity of a service item; its content lives in its versions.

    ``unit`` is the department that publishes the guide; ``current`` is the version in
    force, kept here so that the portal reads one row per item.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("publishing unit"), on_delete=models.PROTECT
    )
    current = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name=_("version in force"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.current.name if self.current_id else ''}".strip()


class PublishedVersionError(ValidationError):
    """A published version never changes; edit a new draft instead."""


class ServiceItemVersion(models.Model):
    """One version of a service item's guide. Published versions never change (N-4.3):
    an edit makes a new draft, and cases and notices keep the version they used."""

    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    name = models.CharField(_("name"), max_length=80)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    client_types = models.JSONField(_("clients served"), default=list)
    channels = models.JSONField(_("channels"), default=list)
    eligibility = models.TextField(_("eligibility conditions"))
    route_place = models.TextField(_("where to apply"))
    route_steps = models.JSONField(_("steps"), default=list)
    legal_limit_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"))
    promised_limit_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    immediate = models.BooleanField(_("completed on the spot (即办)"), default=False)
    stages = models.JSONField(_("case stages"), default=list)
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    fee_basis = models.CharField(_("fee basis"), max_length=200, blank=True)
    optional_parts = models.TextField(_("optional parts"), blank=True)

    class Meta:
        verbose_name = _("service item version")
        verbose_name_plural = _("service item versions")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number"),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status="draft"),
                name="item_one_draft",
                violation_error_message=_("This item already has a draft."),
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="item_promise_within_legal_limit",
                violation_error_message=_("The promised time limit cannot exceed the legal one."),
            ),
        ]

    def __str__(self) -> str:
        return _("{name} (version {number})").format(name=self.name, number=self.number)

    def save(self, *args, **kwargs) -> None:
        if self.pk and self._stored_status() != VersionStatus.DRAFT:
            # The publish and supersede actions change only the status columns.
            allowed = {"status", "published_at", "published_by"}
            if set(kwargs.get("update_fields") or ()) - allowed or not kwargs.get("update_fields"):
                raise PublishedVersionError(
                    _("A published version never changes; edit a new draft instead.")
                )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from servicehall.org.choices import CaseStage

        errors = {}
        if unknown := set(self.client_types) - set(ClientType.values):
            errors["client_types"] = _("Unknown client types: {v}").format(v=", ".join(unknown))
        if unknown := set(self.channels) - set(ServiceChannel.values):
            errors["channels"] = _("Unknown channels: {v}").format(v=", ".join(unknown))
        if unknown := set(self.stages) - set(CaseStage.values):
            errors["stages"] = _("Unknown stages: {v}").format(v=", ".join(unknown))
        if self.immediate and self.legal_limit_days:
            errors["legal_limit_days"] = _("An item completed on the spot has no time limit.")
        if self.promised_limit_days > self.legal_limit_days:
            errors["promised_limit_days"] = _(
                "The promised time limit cannot exceed the legal one."
            )
        if errors:
            raise ValidationError(errors)

    def _stored_status(self) -> str | None:
        return (
            ServiceItemVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        )

    @property
    def is_free(self) -> bool:
        return self.fee_fen == 0

    @property
    def fee_yuan(self) -> str:
        return f"{self.fee_fen // 100}.{self.fee_fen % 100:02d}"

    @property
    def client_type_labels(self) -> list[str]:
        return [str(ClientType(v).label) for v in self.client_types if v in ClientType.values]

    @property
    def channel_labels(self) -> list[str]:
        return [str(ServiceChannel(v).label) for v in self.channels if v in ServiceChannel.values]


class _VersionPart(models.Model):
    """A row that belongs to a version and so is frozen with it once published."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.version._stored_status() not in (None, VersionStatus.DRAFT):
            raise PublishedVersionError(
                _("A published version never changes; edit a new draft instead.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.version._stored_status() not in (None, VersionStatus.DRAFT):
            raise PublishedVersionError(
                _("A published version never changes; edit a new draft instead.")
            )
        return super().delete(*args, **kwargs)


class PolicyBasis(_VersionPart):
    """A document and article the item rests on (N-2.1)."""

    version = models.ForeignKey(
        ServiceItemVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="policies",
    )
    document = models.CharField(_("document"), max_length=200)
    article = models.CharField(_("article"), max_length=60, blank=True)
    summary = models.TextField(_("what it says"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("policy basis")
        verbose_name_plural = _("policy basis")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.document} {self.article}".strip()


class MaterialNeed(models.TextChoices):
    """Whether every client brings a material, or only clients in the case its
    ``when_needed`` states (a client's agent's ID card, say)."""

    ALWAYS = "always", _("Always required")
    CONDITIONAL = "conditional", _("Only where it applies")


class Material(_VersionPart):
    """A material the client brings (N-5.2); the one-time notice names only these (D-09).

    ``need`` says whether every client brings it or only those in the condition that
    ``when_needed`` states; a clerk may mark only a conditional material as not applying
    to a client, so a correction always lists every required material missing (N-5.6c).
    """

    version = models.ForeignKey(
        ServiceItemVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    name = models.CharField(_("name"), max_length=120)
    form = models.CharField(_("original or copy"), max_length=20, choices=MaterialForm.choices)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    when_needed = models.CharField(_("when it is needed"), max_length=60, blank=True)
    need = models.CharField(
        _("required"),
        max_length=12,
        choices=MaterialNeed.choices,
        default=MaterialNeed.ALWAYS,
        help_text=_("A conditional material states its condition under “when it is needed”."),
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    sample = models.FileField(_("sample or blank form"), upload_to="samples/", blank=True)
    has_sample = models.BooleanField(_("offers a sample form"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["version", "order"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(need=MaterialNeed.CONDITIONAL) | ~Q(when_needed=""),
                name="material_condition_stated",
                violation_error_message=_("A conditional material states when it is needed."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.need == MaterialNeed.CONDITIONAL and not self.when_needed.strip():
            raise ValidationError(
                {"when_needed": _("A conditional material states when it is needed.")}
            )

    @property
    def is_conditional(self) -> bool:
        return self.need == MaterialNeed.CONDITIONAL


class NoticeKind(models.TextChoices):
    FOUR_POINT = "four_point", _("Four-point notice (四告知单)")
    ONE_TIME = "one_time", _("One-time notice (一次性告知单)")


class Consultation(models.Model):
    """A client's question at the counter or on the phone, answered with the four points."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    number = models.CharField(_("number"), max_length=64, unique=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("clerk"), on_delete=models.PROTECT
    )
    version = models.ForeignKey(
        ServiceItemVersion, verbose_name=_("service item version"), on_delete=models.PROTECT
    )
    channel = models.CharField(_("channel"), max_length=8, choices=ServiceChannel.choices)
    client_name = models.CharField(_("client's name"), max_length=60, blank=True)
    client_type = models.CharField(_("client type"), max_length=12, choices=ClientType.choices)
    question = models.TextField(_("question"), blank=True)
    eligibility = models.CharField(_("eligibility"), max_length=16, choices=Eligibility.choices)
    explanation = models.TextField(_("explanation given"), blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-at"]
        indexes = [models.Index(fields=["unit", "at"], name="consultation_unit_at")]

    def __str__(self) -> str:
        return self.number


class OneTimeNotice(models.Model):
    """Everything missing, told once and in writing (N-5.6c), only from the item's list (D-09)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    number = models.CharField(_("number"), max_length=64, unique=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("clerk"), on_delete=models.PROTECT
    )
    version = models.ForeignKey(
        ServiceItemVersion, verbose_name=_("service item version"), on_delete=models.PROTECT
    )
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    client_name = models.CharField(_("client's name"), max_length=60, blank=True)
    missing = models.ManyToManyField(Material, verbose_name=_("missing materials"))
    return_place = models.CharField(_("where to come back"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")
        ordering = ["-at"]
        indexes = [models.Index(fields=["unit", "at"], name="onetime_unit_at")]

    def __str__(self) -> str:
        return self.number


class NumberCounter(models.Model):
    """The last number issued per unit, kind and year; locked while a number is drawn."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="counter_unit_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.year}: {self.last}"
