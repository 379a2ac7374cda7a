"""Units, windows, posts, staff, the duty roster, commitments and the calendar overrides."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from .choices import (
    ROLES_NEEDING_SECOND_FACTOR,
    CalendarDayKind,
    CaseStage,
    CommitmentLevel,
    Role,
    UnitKind,
)


class Unit(models.Model):
    """A window unit or a department above it, in a tree: province → city → office.

    ``path`` is a materialised path (``/1/4/9/``) so that "every unit below this one"
    is one indexed prefix query, whatever the depth.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service telephone"), max_length=40, blank=True)
    opening_time = models.TimeField(_("opening time"), default=dt.time(9, 0))
    closing_time = models.TimeField(_("closing time"), default=dt.time(17, 0))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path needs the primary key, so a new unit is saved twice.
        if self.pk is None:
            self.path = ""
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
        old_path = self.path
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A unit moved: its whole subtree moves with it.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )

    def clean(self) -> None:
        if self.parent_id and self.pk and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError({"parent": _("A unit cannot be placed below itself.")})
        if self.opening_time >= self.closing_time:
            raise ValidationError({"closing_time": _("Closing time must be after opening time.")})

    def subtree(self) -> models.QuerySet[Unit]:
        """This unit and every unit below it."""
        return Unit.objects.filter(path__startswith=self.path)


class Window(models.Model):
    """One counter (窗口) of a unit, with the number shown to clients."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=80)
    location = models.CharField(_("location"), max_length=120, blank=True)
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="window_unique_number"),
        ]

    def __str__(self) -> str:
        return _("Window {number} {name}").format(number=self.number, name=self.name)


class Post(models.Model):
    """A post (岗位) and its authority: which service items and case stages it handles (N-3.4).

    Service items are named by their catalogue codes so that the organisation knows
    nothing of the catalogue's tables; an empty list means no item at all, never all.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=80)
    duties = models.TextField(_("duties"), blank=True)
    item_codes = models.JSONField(_("service item codes"), default=list, blank=True)
    stages = models.JSONField(_("case stages"), default=list, blank=True)
    approves_escalations = models.BooleanField(_("approves escalations"), default=False)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["unit", "code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="post_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.stages) - set(CaseStage.values)
        if unknown:
            raise ValidationError(
                {"stages": _("Unknown stages: {stages}").format(stages=", ".join(sorted(unknown)))}
            )

    def covers(self, item_code: str, stage: str) -> bool:
        return item_code in self.item_codes and stage in self.stages


class User(AbstractUser):
    """Everyone who logs in: counter staff with a 工号, supervisors and administrators.

    Clients never log in; they use the kiosk, the portal and their receipts.
    """

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    staff_no = models.CharField(
        _("staff number (工号)"), max_length=16, unique=True, null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.CLERK)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["system_admin", "security_admin", "audit_admin"])
                | Q(unit__isnull=False),
                name="user_unit_required_for_role",
            ),
        ]

    def __str__(self) -> str:
        if self.staff_no:
            return f"{self.display_name} ({self.staff_no})"
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def needs_second_factor(self) -> bool:
        return self.role in ROLES_NEEDING_SECOND_FACTOR

    def clean(self) -> None:
        super().clean()
        if self.post_id and self.unit_id and self.post.unit_id != self.unit_id:
            raise ValidationError({"post": _("The post belongs to another unit.")})
        if self.role in (Role.CLERK, Role.HEAD_ON_DUTY) and not self.staff_no:
            raise ValidationError({"staff_no": _("Counter staff need a staff number.")})


class DutyAssignment(models.Model):
    """The duty roster (N-3.1): who sits at which window, and the head on duty, each day."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    date = models.DateField(_("date"))
    staff = models.ForeignKey(User, verbose_name=_("staff member"), on_delete=models.PROTECT)
    window = models.ForeignKey(
        Window, verbose_name=_("window"), null=True, blank=True, on_delete=models.PROTECT
    )
    head_on_duty = models.BooleanField(_("head on duty"), default=False)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty roster")
        ordering = ["date", "window__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "date"],
                condition=Q(window__isnull=False),
                name="duty_one_clerk_per_window_day",
            ),
            models.UniqueConstraint(
                fields=["unit", "date"],
                condition=Q(head_on_duty=True),
                name="duty_one_head_per_unit_day",
            ),
            models.UniqueConstraint(fields=["staff", "date"], name="duty_one_place_per_day"),
        ]
        indexes = [models.Index(fields=["unit", "date"], name="duty_unit_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.staff}"

    def clean(self) -> None:
        if self.window_id and self.window.unit_id != self.unit_id:
            raise ValidationError({"window": _("The window belongs to another unit.")})
        if self.staff_id and self.staff.unit_id != self.unit_id:
            raise ValidationError({"staff": _("The staff member belongs to another unit.")})


class Commitment(models.Model):
    """A public service commitment (N-4.2) of a department, a collective or a person."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    level = models.CharField(_("level"), max_length=16, choices=CommitmentLevel.choices)
    staff = models.ForeignKey(
        User,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Only for personal commitments."),
    )
    text = models.TextField(_("commitment"))
    active = models.BooleanField(_("published"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["unit", "level", "order"]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        if (self.level == CommitmentLevel.PERSONAL) != bool(self.staff_id):
            raise ValidationError(
                {"staff": _("A personal commitment names its staff member; others do not.")}
            )


class CalendarDay(models.Model):
    """An override of the working-day calendar.

    Official days (unit empty) enter holidays and make-up working days (调休) as the
    State Council publishes them, for years the calendar package does not know yet;
    a unit adds its own closures or extra openings.
    """

    date = models.DateField(_("date"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=Q(unit__isnull=True), name="calendar_official_day"
            ),
            models.UniqueConstraint(
                fields=["date", "unit"], condition=Q(unit__isnull=False), name="calendar_unit_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        if (self.kind == CalendarDayKind.OFFICIAL) != (self.unit_id is None):
            raise ValidationError({"unit": _("Official days have no unit; unit days have one.")})
