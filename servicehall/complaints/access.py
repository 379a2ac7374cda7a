"""Who sees which complaint, and who sees the complainant's identity (N-6.1, D-10).

* The complaint handlers — the heads on duty (``Role.HEAD_ON_DUTY``) of the complaint's
  unit and the staff member a head assigned as its handler — see the complaint and the
  complainant's identity: masked, and in full only through a logged view (D-10). The staff
  member concerned never handles it, and never sees the identity, even as a head.
* The supervisors of a department above the unit see the complaint read-only, without
  the identity: supervising how complaints are handled is their task (N-6.2), who
  complained is not their business.
* Escalation: when no head on duty of the unit may handle the complaint — every one of
  them is the staff member concerned (a complainant may name the only head by their 工号),
  or the unit has none — a supervisor above routes it in their place (``may_route``):
  accepts it, assigns a handler of the unit who is not concerned, refuses or refers it,
  and archives it once replied. The handler then carries it as usual; the supervisor
  still never sees the identity, and the staff member concerned still sees nothing.
* Everyone else — the unit's other clerks (the staff member concerned among them), its
  administrator, other units, social supervisors, the system, security and audit
  administrators — sees nothing of it (404).
* The complainant follows it with the tracking number and secret code, without any
  personal data (``views_public.track``).
* A complaint referred (转办) to another unit of the system waits for that unit's heads on
  duty, who see its content and the reason, never the identity, until one of them takes
  it (``actions.take_referral``): it is then a complaint of their unit like any other. The
  staff member it names there (by the 工号 given) neither sees nor takes it; when every
  head on duty of that unit is named, or it has none, a supervisor above takes it.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from servicehall.org.choices import Role
from servicehall.org.models import User
from servicehall.supervision.violations import Violation

from .choices import Step
from .models import Complaint


def is_head_of(user, unit_id: int) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.HEAD_ON_DUTY
        and user.unit_id == unit_id
    )


def is_handler(user, complaint: Complaint) -> bool:
    """A complaint handler: a head on duty of its unit, or the handler assigned to it;
    never the staff member concerned."""
    if not getattr(user, "is_authenticated", False) or user.unit_id != complaint.unit_id:
        return False
    if complaint.staff_concerned_id is not None and complaint.staff_concerned_id == user.pk:
        return False
    return user.role == Role.HEAD_ON_DUTY or (
        complaint.handler_id is not None and complaint.handler_id == user.pk
    )


def is_supervisor_above(user, unit) -> bool:
    """A supervisor of a department above ``unit``, not of the unit itself (N-6.2)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.SUPERVISOR
        and user.unit_id is not None
        and user.unit_id != unit.pk
        and unit.path.startswith(user.unit.path)
    )


def _heads_not_concerned(unit, concerned):
    """The active heads on duty of ``unit`` other than ``concerned`` (ids or outer
    references; ``concerned`` 0 when nobody is concerned)."""
    return User.objects.filter(unit_id=unit, role=Role.HEAD_ON_DUTY, is_active=True).exclude(
        pk=concerned
    )


def is_escalated(complaint: Complaint) -> bool:
    """No head on duty of the unit may handle the complaint: each is the staff member
    concerned, or the unit has none. A supervisor above then routes it (``may_route``)."""
    return not _heads_not_concerned(complaint.unit_id, complaint.staff_concerned_id or 0).exists()


def with_escalated(rows):
    """``rows`` annotated with ``escalated`` (``is_escalated`` in one query for a list)."""
    concerned = Coalesce(OuterRef("staff_concerned_id"), Value(0))
    return rows.annotate(escalated=~Exists(_heads_not_concerned(OuterRef("unit_id"), concerned)))


def waiting_to_route() -> Q:
    """Of the escalated complaints, those that wait for the supervisor's step now: to be
    accepted, refused or referred; archived once replied; or given a handler."""
    return Q(escalated=True) & (Q(step__in=(Step.RECEIVED, Step.REPLIED)) | Q(handler__isnull=True))


def with_waiting(rows):
    """``rows`` annotated with ``escalated`` and ``waiting`` (``waiting_to_route``)."""
    return with_escalated(rows).annotate(
        waiting=ExpressionWrapper(waiting_to_route(), output_field=BooleanField())
    )


def may_route(user, complaint: Complaint) -> bool:
    """Who accepts, assigns the handler, refuses or refers, and archives: a head on duty of
    the unit who is not concerned; when there is none (``is_escalated``), a supervisor of a
    department above."""
    if is_head_of(user, complaint.unit_id):
        return complaint.staff_concerned_id != user.pk
    return is_supervisor_above(user, complaint.unit) and is_escalated(complaint)


def may_see_identity(user, complaint: Complaint) -> bool:
    return is_handler(user, complaint)


def visible_complaints(user):
    """The complaints ``user`` may open (each still checked with ``is_handler`` for the
    identity and the step forms)."""
    rows = Complaint.objects.all()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return rows.none()
    if user.role == Role.HEAD_ON_DUTY:
        return rows.filter(unit_id=user.unit_id).exclude(staff_concerned=user)
    if user.role == Role.CLERK:
        return rows.filter(unit_id=user.unit_id, handler=user).exclude(staff_concerned=user)
    if user.role == Role.SUPERVISOR:  # the units below their department, not their own
        return rows.filter(unit__path__startswith=user.unit.path).exclude(unit_id=user.unit_id)
    return rows.none()


def may_list(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.unit_id is not None
        and user.role in (Role.HEAD_ON_DUTY, Role.CLERK, Role.SUPERVISOR)
    )


def may_enter(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.unit_id is not None
        and user.role in (Role.CLERK, Role.HEAD_ON_DUTY)
    )


def get_complaint_for_user(user, number: str) -> Complaint:
    """The complaint, with what its page needs, or 404 outside the user's sight."""
    if "\x00" in number:  # from the address; PostgreSQL refuses a NUL in the lookup
        raise Http404
    complaint = (
        visible_complaints(user)
        .filter(Q(number=number))
        .select_related(
            "unit",
            "clause",
            "staff_concerned",
            "handler",
            "referred_to_unit",
            "referred_from__unit",
        )
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


# --- referrals to another unit of the system (转办) ---------------------------------------------


def referral_concerned(origin: Complaint) -> User | None:
    """The staff member of the unit a complaint is referred to whom it concerns: the one
    whose 工号 the complainant gave (only the referring unit's own staff were looked up at
    intake), or the staff member concerned if they have moved to that unit since."""
    unit_id = origin.referred_to_unit_id
    if unit_id is None:
        return None
    if origin.staff_concerned_id is not None:
        moved = User.objects.filter(pk=origin.staff_concerned_id, unit_id=unit_id).first()
        if moved is not None:
            return moved
    if not origin.staff_no_given:
        return None
    return User.objects.filter(unit_id=unit_id, staff_no=origin.staff_no_given).first()


def _heads_who_may_take(unit, staff_no_given):
    """The active heads on duty of ``unit`` whom the 工号 given does not name."""
    return User.objects.filter(unit_id=unit, role=Role.HEAD_ON_DUTY, is_active=True).exclude(
        staff_no=staff_no_given
    )


def referrals_addressed_to(user):
    """The complaints referred to a unit ``user`` takes referrals for, taken or not: a head
    on duty's own unit (not those naming them), a supervisor's units below."""
    rows = Complaint.objects.filter(step=Step.REFERRED, referred_to_unit__isnull=False)
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return rows.none()
    if user.role == Role.HEAD_ON_DUTY:
        rows = rows.filter(referred_to_unit_id=user.unit_id).exclude(staff_concerned=user)
        return rows.exclude(staff_no_given=user.staff_no) if user.staff_no else rows
    if user.role == Role.SUPERVISOR:
        return rows.filter(referred_to_unit__path__startswith=user.unit.path).exclude(
            referred_to_unit_id=user.unit_id
        )
    return rows.none()


def referrals_waiting(user):
    """The referrals ``user`` may take now (content and reason only, no identity): a head on
    duty's, and a supervisor's where no head on duty of the unit below may take them."""
    rows = referrals_addressed_to(user).filter(taken_as__isnull=True)
    if getattr(user, "role", None) == Role.SUPERVISOR:
        rows = rows.exclude(
            Exists(_heads_who_may_take(OuterRef("referred_to_unit_id"), OuterRef("staff_no_given")))
        )
    return rows


def may_take(user, origin: Complaint) -> bool:
    """A head on duty of the unit it is referred to whom it does not concern; when there is
    none, a supervisor of a department above that unit."""
    unit = origin.referred_to_unit
    if origin.step != Step.REFERRED or unit is None:
        return False
    concerned = referral_concerned(origin)
    if concerned is not None and concerned.pk == user.pk:
        return False
    if is_head_of(user, unit.pk):
        return True
    return (
        is_supervisor_above(user, unit)
        and not _heads_who_may_take(unit.pk, origin.staff_no_given)
        .exclude(pk=concerned.pk if concerned else 0)
        .exists()
    )


def routing_count(user) -> int:
    """What a supervisor has to route now: escalated complaints of the units below waiting
    for their step, and referrals no head on duty there may take (0 for anyone else)."""
    if getattr(user, "role", None) != Role.SUPERVISOR or user.unit_id is None:
        return 0
    return escalated_waiting(user).count() + referrals_waiting(user).count()


def escalated_waiting(user):
    """The escalated complaints ``user`` sees that wait for the supervisor's step now."""
    return with_waiting(visible_complaints(user).open()).filter(waiting=True)


def violation_for(complaint: Complaint) -> Violation | None:
    """The violation recorded from this complaint, if any (query, no change)."""
    return (
        Violation.objects.filter(source_type="complaints.complaint", source_id=str(complaint.pk))
        .select_related("clause", "staff")
        .first()
    )
