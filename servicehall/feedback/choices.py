"""Choices of the evaluations (好差评, N-2.5) and the rectification of bad reviews (差评整改).

The five levels follow national practice (国办发〔2019〕51号; GB/T 39734-2020): 5 非常满意
to 1 非常不满意; the top three count as good, the bottom two as bad.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The five levels of an evaluation."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


#: The lowest good level: 5, 4 and 3 are good, 2 and 1 are bad.
GOOD_FROM = Level.BASICALLY_SATISFIED


def is_good(level: int) -> bool:
    return level >= GOOD_FROM


LEVEL_COLOURS = {5: "green", 4: "green", 3: "blue", 2: "amber", 1: "red"}


class SubjectKind(models.TextChoices):
    """What is rated: a visit to the hall (一次一评), a case (一事一评), or a call."""

    VISIT = "visit", _("Visit to the hall")
    CASE = "case", _("Case")
    CALL = "call", _("Telephone call")


class Mode(models.TextChoices):
    """Where the service was given; it decides the dimensions asked for."""

    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")


class Dimension(models.TextChoices):
    """The dimensions rated besides the overall level (each 1 to 5, optional)."""

    EFFICIENCY = "efficiency", _("Efficiency")
    SERVICE_LEVEL = "service_level", _("Level of service")
    ATTITUDE = "attitude", _("Attitude")
    GUIDE_ACCURACY = "guide_accuracy", _("Accuracy of the service guide")
    CONVENIENCE = "convenience", _("Convenience")
    EASE_OF_USE = "ease_of_use", _("Ease of use")


#: The dimensions of each mode; the overall level is the rating's level itself.
DIMENSIONS = {
    Mode.ON_SITE: (Dimension.EFFICIENCY, Dimension.SERVICE_LEVEL, Dimension.ATTITUDE),
    Mode.ONLINE: (
        Dimension.EFFICIENCY,
        Dimension.GUIDE_ACCURACY,
        Dimension.CONVENIENCE,
        Dimension.EASE_OF_USE,
    ),
}


class BadReason(models.TextChoices):
    """Reasons a client may pick for a bad rating."""

    ATTITUDE = "attitude", _("Poor attitude")
    SLOW = "slow", _("Slow service, long wait")
    RUNAROUND = "runaround", _("Had to come back several times")
    UNCLEAR = "unclear", _("Unclear explanation of what is needed")
    NOT_HANDLED = "not_handled", _("My matter was not handled")
    WRONG_GUIDE = "wrong_guide", _("The service guide was wrong or incomplete")
    EXTRA_MATERIALS = "extra_materials", _("Asked for materials the guide does not list")
    SYSTEM = "system", _("The system or equipment did not work")
    OTHER = "other", _("Other")


class RatingChannel(models.TextChoices):
    """How the rating came in."""

    PAD = "pad", _("Rating pad at the window")
    PORTAL = "portal", _("Link or QR code (portal, phone)")
    PHONE = "phone", _("Telephone system after a call")
    DEFAULT = "default", _("Counted by default (left unrated)")


class RatingStatus(models.TextChoices):
    COUNTED = "counted", _("Counted")
    SET_ASIDE = "set_aside", _("Set aside on appeal")


class RectificationStatus(models.TextChoices):
    """Where a rectification (差评整改) stands."""

    OPEN = "open", _("Being rectified")
    APPEALED = "appealed", _("Appealed to the department above")
    FOLLOW_UP = "follow_up", _("Waiting for the follow-up call")
    CLOSED = "closed", _("Closed: the client is satisfied")
    SET_ASIDE = "set_aside", _("Set aside on appeal")


#: The clock runs: the rectifier has something to do before the deadline.
RUNNING = (RectificationStatus.OPEN, RectificationStatus.FOLLOW_UP)
FINISHED = (RectificationStatus.CLOSED, RectificationStatus.SET_ASIDE)

RECTIFICATION_COLOURS = {
    RectificationStatus.OPEN: "amber",
    RectificationStatus.APPEALED: "blue",
    RectificationStatus.FOLLOW_UP: "blue",
    RectificationStatus.CLOSED: "green",
    RectificationStatus.SET_ASIDE: "grey",
}


class Classification(models.TextChoices):
    """What the verification found."""

    FIXED_AT_ONCE = "fixed", _("Valid, fixed at once")
    NEEDS_TIME = "needs_time", _("Valid, needs time to fix")
    EXPLAINED = "explained", _("Explained to the client: no legal basis for the request")
    MISTAKEN = "mistaken", _("Mistaken or malicious: appealed")


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the rating is set aside")
    REJECTED = "rejected", _("Rejected: back to rectification")


class NoticeLevel(models.TextChoices):
    """A notice of the feedback sweep about a rectification's deadline."""

    WARNING = "warning", _("Deadline approaching")
    OVERDUE = "overdue", _("Deadline passed")
