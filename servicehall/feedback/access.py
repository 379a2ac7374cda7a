"""Who may see and handle which rectification, and decide which appeal: one place for the
object-level rules (others' objects answer 404, never confirming they exist)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from servicehall.org.choices import Role
from servicehall.org.models import Unit

from .models import Rectification


def may_handle(user, row: Rectification) -> bool:
    """谁办理谁负责: the responsible staff member, or the unit's head on duty."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.unit_id == row.unit_id
        and (user.pk == row.assignee_id or user.role == Role.HEAD_ON_DUTY)
    )


def may_decide_appeal(user, unit: Unit) -> bool:
    """A supervisor of a department above the unit (its city bureau or province)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.SUPERVISOR
        and user.unit_id is not None
        and user.unit_id != unit.pk
        and unit.path.startswith(user.unit.path)
    )


def visible_rectifications(user) -> QuerySet[Rectification]:
    """A clerk sees the rectifications assigned to them; the head on duty all of the unit's;
    a supervisor those of the units below their department (for the appeals)."""
    rows = Rectification.objects.all()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return rows.none()
    if user.role == Role.HEAD_ON_DUTY:
        return rows.filter(unit_id=user.unit_id)
    if user.role == Role.CLERK:
        return rows.filter(unit_id=user.unit_id, assignee=user)
    if user.role == Role.SUPERVISOR:
        return rows.filter(Q(unit__path__startswith=user.unit.path) & ~Q(unit_id=user.unit_id))
    return rows.none()


def get_rectification_for_user(user, pk: int) -> Rectification:
    """The rectification with what its page shows, or 404."""
    row = (
        visible_rectifications(user)
        .select_related(
            "unit",
            "assignee",
            "appeal_decided_by",
            "rating__window",
            "rating__clerk",
            "rating__item__current",
            "rating__ticket",
            "rating__case",
        )  # fmt: skip
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row
