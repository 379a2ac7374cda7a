from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketChannel(models.TextChoices):
    """Where a ticket came from."""

    KIOSK = "kiosk", _("Kiosk")
    GUIDE_DESK = "guide_desk", _("Guidance desk")
    APPOINTMENT = "appointment", _("Appointment check-in")
    PHONE = "phone", _("Telephone booking")


class Priority(models.IntegerChoices):
    """The published priority classes (N-2.3, N-5.4): lower is called first."""

    GREEN = 0, _("Green channel")
    APPOINTMENT = 1, _("Appointment")
    NORMAL = 2, _("Normal")


class GreenReason(models.TextChoices):
    """Who the green channel is for (N-5.4)."""

    ELDERLY = "elderly", _("Elderly")
    DISABLED = "disabled", _("Disabled")
    PREGNANT = "pregnant", _("Pregnant")
    FAR_AWAY = "far_away", _("From far away")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")


class WindowStatus(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")


class PauseReason(models.TextChoices):
    BREAK = "break", _("Break")
    MEETING = "meeting", _("Meeting")
    SYSTEM_FAULT = "system_fault", _("System fault")
