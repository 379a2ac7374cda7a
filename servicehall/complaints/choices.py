"""Choices of the complaints app: the channels of N-6.1, the kinds, the steps of the
GB/T 36113 flow and the findings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    REPORT = "report", _("Report of misconduct")


class Channel(models.TextChoices):
    """The channels of N-6.1 through which complaints and suggestions come in."""

    BOX = "box", _("Suggestion box")
    HOTLINE = "hotline", _("Report hotline")
    ONLINE = "online", _("Online form")
    HOTLINE_12345 = "12345", _("12345 hotline referral")
    OPINION = "opinion", _("Public opinion monitoring")
    REFERRAL = "referral", _("Referred by another unit")


# Channels a staff member enters by hand (the online form is the complainant's own).
STAFF_CHANNELS = (Channel.BOX, Channel.HOTLINE, Channel.HOTLINE_12345, Channel.OPINION)


class Step(models.TextChoices):
    """Where a complaint stands in the GB/T 36113 flow: accept → investigate → handle →
    reply → archive; or not accepted, or referred to another unit."""

    RECEIVED = "received", _("Waiting for acceptance")
    INVESTIGATING = "investigating", _("Being investigated")
    HANDLING = "handling", _("Being handled")
    REPLYING = "replying", _("Waiting for the reply")
    REPLIED = "replied", _("Replied, waiting to be archived")
    ARCHIVED = "archived", _("Archived")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REFERRED = "referred", _("Referred to another unit")


OPEN_STEPS = (Step.RECEIVED, Step.INVESTIGATING, Step.HANDLING, Step.REPLYING, Step.REPLIED)
CLOSED_STEPS = (Step.ARCHIVED, Step.NOT_ACCEPTED, Step.REFERRED)

STEP_COLOURS = {
    Step.RECEIVED: "blue",
    Step.INVESTIGATING: "orange",
    Step.HANDLING: "orange",
    Step.REPLYING: "purple",
    Step.REPLIED: "teal",
    Step.ARCHIVED: "green",
    Step.NOT_ACCEPTED: "grey",
    Step.REFERRED: "grey",
}


class Finding(models.TextChoices):
    """What the investigation found."""

    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Not substantiated")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (a suggestion)")


SUBSTANTIATED_FINDINGS = (Finding.SUBSTANTIATED, Finding.PARTLY)


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("By telephone")
    ONLINE = "online", _("On the tracking page")
    LETTER = "letter", _("By letter")
    IN_PERSON = "in_person", _("In person")
    HOTLINE_12345 = "12345", _("Through the 12345 hotline")
    NONE = "none", _("No reply possible (anonymous, no contact)")


class WarningLevel(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
