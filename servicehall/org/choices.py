"""Choices of the organisation app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCIAL_DEPARTMENT = "province", _("Provincial department")
    CITY_BUREAU = "city", _("City bureau")
    OFFICE = "office", _("Service office")


class Role(models.TextChoices):
    """The roles of 等保 2.0 level 3: business roles plus three separated administrators."""

    CLERK = "clerk", _("Counter clerk")
    HEAD_ON_DUTY = "head", _("Head on duty")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    SUPERVISOR = "supervisor", _("Supervisor of the department above")
    SOCIAL_SUPERVISOR = "social_supervisor", _("Social supervisor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# Administrators and supervisors must pass a TOTP second factor.
ROLES_NEEDING_SECOND_FACTOR = frozenset(
    {
        Role.UNIT_ADMIN,
        Role.SUPERVISOR,
        Role.SOCIAL_SUPERVISOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)

# Roles that work inside one unit and see only it.
UNIT_STAFF_ROLES = frozenset({Role.CLERK, Role.HEAD_ON_DUTY, Role.UNIT_ADMIN})


class CaseStage(models.TextChoices):
    """The stages of a case (N-5.4); a post's authority names the stages it may handle."""

    ACCEPT = "accept", _("Acceptance")
    FIRST_REVIEW = "first_review", _("First review")
    SECOND_REVIEW = "second_review", _("Second review")
    COMPLETE = "complete", _("Completion")


class CommitmentLevel(models.TextChoices):
    """N-4.2: commitments at three levels."""

    DEPARTMENTAL = "departmental", _("Departmental commitment")
    COLLECTIVE = "collective", _("Collective commitment")
    PERSONAL = "personal", _("Personal commitment")


class CalendarDayKind(models.TextChoices):
    OFFICIAL = "official", _("Official (State Council notice)")
    UNIT_CLOSURE = "closure", _("Unit closure")
    UNIT_OPENING = "opening", _("Unit extra opening")
