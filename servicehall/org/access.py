"""Who may see which unit: one place for the object-level rules.

Staff see their own unit; a supervisor of a department sees the units below it; a
social supervisor sees only what inspections need (no internal unit pages); the
system administrator sees every unit; the security and audit administrators see the
records of their own function, not the units' business.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .choices import UNIT_STAFF_ROLES, Role
from .models import Unit, User


def visible_units(user: User):
    """The units whose internal pages ``user`` may open."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.role == Role.SYSTEM_ADMIN:
        return Unit.objects.all()
    if user.role in UNIT_STAFF_ROLES and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    if user.role == Role.SUPERVISOR and user.unit_id:
        return user.unit.subtree()
    return Unit.objects.none()


def get_unit_for_user(user: User, unit_id: int) -> Unit:
    """The unit, or 404 when it does not exist or is outside the user's scope.

    A 404 rather than a 403 for units outside the scope: the page must not confirm
    that another unit's record exists.
    """
    unit = visible_units(user).filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        raise Http404
    return unit


def require_role(user: User, *roles: str) -> None:
    if not user.is_authenticated or user.role not in roles:
        raise PermissionDenied
